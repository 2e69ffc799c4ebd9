import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  createLiveLine,
  displayChart,
  displayMarkdown,
  renderChart,
  saveChart,
  type VegaLiteSpec,
} from '@casebook/charts';
import { buildCitation, type CiteOptions, citationMarkdown, loadRecord } from '@casebook/citing';
import { clientVersions } from '@casebook/clients';
import { pinningPlan } from '@casebook/procs';
import {
  type CaseStudyRecord,
  captureEnvironment,
  type Environment,
  findCaseStudy,
  findRepoRoot,
  type MeasurementSummary,
  newRunId,
  type Profile,
  resolveProfile,
  resultsRoot,
  SCHEMA_VERSION,
  type Verdict,
  writeJsonAtomic,
} from '@casebook/results';
import {
  type BenchOptions,
  type BenchRecord,
  type ForeignBenchOptions,
  type ForeignBenchRecord,
  resolveBenchOptions,
  resolveForeignOptions,
  runBench,
  runForeignBench,
} from '@casebook/runner';
import { progressText } from './format';

export function summarizeMeasurement(r: BenchRecord | ForeignBenchRecord, file: string): MeasurementSummary {
  return {
    label: r.label,
    runId: r.runId,
    status: r.status,
    error: r.error,
    file,
    client: r.client.name,
    clientVersion: r.client.version,
    mode: r.params.load.mode,
    concurrency: r.params.load.concurrency,
    rateRps: r.params.load.rateRps,
    connections: r.params.clientOptions.connections,
    delayMs: r.params.target.delayMs,
    throughputRps: r.throughputRps,
    throughputMin: r.throughputSpread?.min ?? null,
    throughputMax: r.throughputSpread?.max ?? null,
    p50Ms: r.latencyMs.p50,
    p99Ms: r.latencyMs.p99,
    cpuMicrosPerRequest: r.cpuMicrosPerRequest,
    errors: r.errors.total,
    errorsByCode: r.errors.byCode,
    targetConnectionsOpened: r.target.connectionsOpened,
    targetConnectionsOpenedWarmup: r.target.connectionsOpenedWarmup,
    targetPeakOpenConnections: r.target.peakOpenConnections,
  };
}

const slug = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60) || 'run';

/**
 * One execution of a case-study notebook: runs measurements (each client in its own process), renders charts,
 * records verdicts, and writes everything under results/<case-study>/<run-id>/ — the record a reader cites.
 */
export class Study {
  readonly runId: string;
  readonly dir: string;
  readonly repoDir: string;
  readonly startedAt = new Date().toISOString();
  private readonly measurements: MeasurementSummary[] = [];
  private readonly records: BenchRecord[] = [];
  private readonly verdicts: Verdict[] = [];
  private readonly charts: CaseStudyRecord['charts'] = [];
  private readonly notes: Record<string, unknown> = {};
  readonly environment: Environment;

  constructor(
    readonly caseStudy: string,
    readonly profile: Profile,
    readonly parameters: Record<string, unknown>,
  ) {
    const study = findCaseStudy(caseStudy);
    this.caseStudy = study.id;
    this.repoDir = findRepoRoot();
    this.runId = newRunId(study.id);
    this.dir = path.join(resultsRoot(this.repoDir), study.id, this.runId);
    const plan = pinningPlan();
    this.environment = captureEnvironment({
      pinning: {
        method: plan.method,
        reason: plan.reason,
        clientCpu: plan.clientCpu,
        targetCpu: plan.serverCpu,
        others: {},
      },
      clientVersions: clientVersions(),
      repoDir: this.repoDir,
    });
  }

  /** Path of a file in this run's folder, relative to the repository (for links in notebooks and records). */
  relative(file: string): string {
    return path.relative(this.repoDir, file);
  }

  /** Environment card: what a reader needs to judge the numbers (no host names or times — those stay in the record). */
  environmentCard(): void {
    const e = this.environment;
    const versions = Object.entries(e.clientVersions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    const md = [
      `**Environment** — run \`${this.runId}\`, profile \`${this.profile}\``,
      '',
      `| | |`,
      `|---|---|`,
      `| Node / V8 | ${e.node} / ${e.v8} |`,
      `| OS | ${e.platform} ${e.arch} ${e.osRelease} |`,
      `| CPU | ${e.cpuModel} × ${e.cpuCores} |`,
      `| Pinning | ${e.pinning.reason} |`,
      `| Clients | ${versions} |`,
      `| Git | ${e.git.commit ? e.git.commit.slice(0, 12) : 'unknown'}${e.git.dirty ? ' (dirty)' : ''} |`,
    ].join('\n');
    displayMarkdown(md);
  }

  /**
   * Run measurements one after another (never two at once: they would share the cores), with one live progress
   * line. Each record is saved in full (per-trial data, histograms) under benches/.
   */
  async run(list: readonly BenchOptions[], title = 'measurements'): Promise<BenchRecord[]> {
    const resolved = list.map((o) => resolveBenchOptions({ caseStudy: this.caseStudy, ...o }));
    const line = createLiveLine(title);
    const out: BenchRecord[] = [];
    for (const [i, options] of resolved.entries()) {
      const record = await runBench(options, {
        onProgress: (p) => line.update(`[${i + 1}/${resolved.length}] ${progressText(p)}`),
      });
      const file = path.join(
        this.dir,
        'benches',
        `${String(this.measurements.length + 1).padStart(3, '0')}-${slug(record.label)}.json`,
      );
      writeJsonAtomic(file, record);
      this.records.push(record);
      this.measurements.push(summarizeMeasurement(record, this.relative(file)));
      out.push(record);
    }
    const errored = out.filter((r) => r.status !== 'completed').length;
    line.done(`${title}: ${out.length} measurements, ${errored} errored`);
    return out;
  }

  /**
   * Like run(), for foreign clients (Python's httpx / aiohttp, see @casebook/runner foreign.ts): same target, pinning,
   * warm-up, trials and record shape. Throws CasebookError CASEBOOK_FOREIGN_UNAVAILABLE (nothing run) when no Python
   * imports httpx and aiohttp — check `foreignAvailability()` first to skip cleanly.
   */
  async runForeign(
    list: readonly ForeignBenchOptions[],
    title = 'foreign measurements',
  ): Promise<ForeignBenchRecord[]> {
    const resolved = list.map((o) => resolveForeignOptions({ caseStudy: this.caseStudy, ...o }));
    const line = createLiveLine(title);
    const out: ForeignBenchRecord[] = [];
    try {
      for (const [i, options] of resolved.entries()) {
        const record = await runForeignBench(options, {
          onProgress: (p) => line.update(`[${i + 1}/${resolved.length}] ${progressText(p)}`),
        });
        const file = path.join(
          this.dir,
          'benches',
          `${String(this.measurements.length + 1).padStart(3, '0')}-${slug(record.label)}.json`,
        );
        writeJsonAtomic(file, record);
        this.measurements.push(summarizeMeasurement(record, this.relative(file)));
        out.push(record);
      }
    } finally {
      const errored = out.filter((r) => r.status !== 'completed').length;
      line.done(`${title}: ${out.length} measurements, ${errored} errored`);
    }
    return out;
  }

  /** Render a vega-lite v5 chart, save .vl.json/.svg/.png next to the record, and show it (JSON + PNG + alt text). */
  async chart(name: string, spec: VegaLiteSpec, alt: string): Promise<void> {
    const rendered = await renderChart(spec);
    const files = await saveChart(path.join(this.dir, 'charts'), name, spec, rendered);
    this.charts.push({
      name,
      alt,
      png: this.relative(files.pngPath),
      svg: this.relative(files.svgPath),
      spec: this.relative(files.specPath),
    });
    displayChart(spec, rendered, alt);
  }

  /** Verdicts recorded so far. */
  get verdictList(): readonly Verdict[] {
    return this.verdicts;
  }

  /** Record a computed verdict and show it (returns nothing, so tslab does not echo it). */
  verdict(v: Verdict): void {
    this.verdicts.push(v);
    const evidence = Object.entries(v.evidence)
      .map(([k, x]) => `${k} = ${typeof x === 'number' ? Number(x.toPrecision(4)) : String(x)}`)
      .join('; ');
    displayMarkdown(`**${v.holds ? 'Holds' : 'Does not hold'}** — ${v.claim}\n\n<sub>evidence: ${evidence}</sub>`);
  }

  note(key: string, value: unknown): void {
    this.notes[key] = value;
  }

  /** Write record.json atomically; returns its path relative to the repository. */
  save(): string {
    const study = findCaseStudy(this.caseStudy);
    const record: CaseStudyRecord = {
      schemaVersion: SCHEMA_VERSION,
      kind: 'case-study',
      runId: this.runId,
      caseStudy: this.caseStudy,
      title: study.title,
      notebook: study.notebook,
      profile: this.profile,
      status: this.measurements.every((m) => m.status === 'completed') ? 'completed' : 'errored',
      startedAt: this.startedAt,
      finishedAt: new Date().toISOString(),
      parameters: this.parameters,
      environment: this.environment,
      measurements: this.measurements,
      verdicts: this.verdicts,
      charts: this.charts,
      notes: this.notes,
    };
    const file = path.join(this.dir, 'record.json');
    writeJsonAtomic(file, record);
    return this.relative(file);
  }

  /** The `casebook cite` markdown of this run, read back from the saved record (call save() first). */
  citeSnippet(options: CiteOptions = {}): string {
    const file = path.join(this.dir, 'record.json');
    if (!fs.existsSync(file))
      throw new Error(`citeSnippet: no record for run ${this.runId} yet; call study.save() first`);
    return citationMarkdown(buildCitation(loadRecord(file), { repoRoot: this.repoDir, ...options }));
  }

  /** "Cite this" cell: show the cite snippet as markdown source to copy into an issue (links from the repo root). */
  citeThis(): void {
    displayMarkdown(
      `**Cite this run** (\`npx casebook cite ${this.runId}\` prints the same):\n\n\`\`\`\`markdown\n${this.citeSnippet()}\`\`\`\`\n`,
    );
  }
}

export function openStudy(caseStudy: string, profile: string, parameters: Record<string, unknown> = {}): Study {
  return new Study(caseStudy, resolveProfile(profile), parameters);
}
