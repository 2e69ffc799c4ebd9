import * as fs from 'node:fs';
import * as path from 'node:path';
import { bodySummaries, gatherProcessPlan, intervalLabel, processOfLabel, verdictKindText } from '@casebook/analysis';
import {
  createLiveLine,
  displayChart,
  displayMarkdown,
  renderChart,
  saveChart,
  type VegaLiteSpec,
} from '@casebook/charts';
import { buildCitation, type CiteOptions, citationMarkdown, loadRecord } from '@casebook/citing';
import { clientVersions, FETCH_RUNTIME_SUPPORT, fetchRuntimeOf, getAdapter, isClientName } from '@casebook/clients';
import { type FdPreflightInput, fdPreflight, pinningPlan } from '@casebook/procs';
import {
  type AppRunRecord,
  type BenchRecord,
  BODY_SUMMARIES_NOTE,
  type CaseStudyRecord,
  captureEnvironment,
  type DnsRunRecord,
  type Environment,
  findCaseStudy,
  findRepoRoot,
  type MeasurementSummary,
  newRunId,
  type Profile,
  RACE_RUNS_FILE,
  type RaceRunEntry,
  RaceRunsFileSchema,
  type RunError,
  resolveProfile,
  resultsRoot,
  runOutcome,
  runStatus,
  SCHEMA_VERSION,
  type Verdict,
  validateAgainst,
  validateBodySummaries,
  writeFileAtomic,
  writeRecord,
} from '@casebook/results';
import {
  type BenchOptions,
  type BodyBlockResult,
  type BodyLab,
  type DnsLab,
  type DnsLabOptions,
  type DnsRunResult,
  type ForeignBenchOptions,
  type ForeignBenchRecord,
  type InterleavedRun,
  type InterleaveOptions,
  openBodyLab,
  openDnsLab,
  type RaceCell,
  type RacePlan,
  type RacePlanResult,
  type RaceRunResult,
  resolveBenchOptions,
  resolveForeignOptions,
  runBench,
  runForeignBench,
  runInterleaved,
  runRacePlan,
  runSeedApp,
  type SeedAppOptions,
  type VersionChoice,
} from '@casebook/runner';
import { bodyProgressText, bodyRoundsTitle, progressText } from './format';

/**
 * Refuse a list of measurements before the first starts when the highest concurrency cannot fit this machine's
 * open-file limit (@casebook/procs fdPreflight, UsageError): better than EMFILE errors recorded as client failures
 * halfway through a notebook. Each measurement is its own client and target process, so each is checked on its own.
 */
function preflightOpenFiles(entries: readonly FdPreflightInput[]): void {
  for (const e of [...entries].sort((a, b) => b.concurrency - a.concurrency)) fdPreflight(e);
}

/**
 * Set to 1 by `casebook run --publish` (packages/cli/src/commands/run.ts) for the kernel: the run is written under
 * the committed results/ instead of the git-ignored results/local/.
 */
const PUBLISH_ENV = 'CASEBOOK_PUBLISH';

/** What record.json says until save() replaces it: the run stopped (kernel died, cell failed) before the end. */
const INTERRUPTED: RunError = { code: 'CASEBOOK_INTERRUPTED', message: 'the run stopped before save()' };

/** A verdict as a notebook states it: `outcome` follows from `holds`, and `kind` defaults to 'unclassified'. */
export type VerdictInput = Omit<Verdict, 'kind' | 'outcome' | 'holds'> & { kind?: Verdict['kind']; holds: boolean };

function fromInput(input: VerdictInput): Verdict {
  const { kind = 'unclassified', holds, ...rest } = input;
  return holds ? { ...rest, kind, holds, outcome: 'holds' } : { ...rest, kind, holds, outcome: 'fails' };
}

const OUTCOME_LABEL: Record<Verdict['outcome'], string> = {
  holds: 'holds',
  fails: 'does not hold',
  unresolved: 'unresolved: the data cannot decide at this precision',
};

/**
 * A number as a verdict prints it: an integer exactly (a count of 16384 requests is "16384", not "16380"), any other
 * number rounded for reading: to 2 decimals from 100 up, else to 4 significant digits (-0.9600000000000364 → -0.96).
 */
const num = (x: number): string => {
  if (Number.isInteger(x) || !Number.isFinite(x)) return String(x);
  return String(Math.abs(x) >= 100 ? Math.round(x * 100) / 100 : Number(x.toPrecision(4)));
};

/**
 * The outcome as the headline says it. An unresolved verdict whose comparison was not made (evidence `comparable:
 * false` with a `reason`, e.g. "not compared: target saturated in the median block of …" or "not exercised: 12
 * writes in 3 client processes (< 30 or < 5)") says that reason, not "the data cannot decide at this precision": a
 * guard decided, not the interval. So does one that two comparisons of the run decided differently (evidence
 * `comparisonDependent`, naming both ratios).
 */
function outcomeLabel(v: Pick<Verdict, 'outcome' | 'evidence'>): string {
  const reason = v.evidence['reason'];
  if (v.outcome === 'unresolved' && v.evidence['comparable'] === false && typeof reason === 'string')
    return `unresolved: ${reason}`;
  // Two comparisons of one run decided the same pair differently: that, not the precision, left it unresolved.
  const dependent = v.evidence['comparisonDependent'];
  if (v.outcome === 'unresolved' && typeof dependent === 'string') return `unresolved: ${dependent}`;
  return OUTCOME_LABEL[v.outcome];
}

/**
 * How a verdict reads in a notebook: its kind, its outcome, the statistic with its interval (labelled with its actual
 * coverage when the evidence records one: `98.7 % interval`; else `95 % CI`), the evidence.
 */
export function verdictMarkdown(v: Verdict): string {
  const evidence = Object.entries(v.evidence)
    .map(([k, x]) => `${k} = ${typeof x === 'number' ? num(x) : String(x)}`)
    .join('; ');
  const stat = v.statistic
    ? ` — ${v.statistic.name} = ${num(v.statistic.value)}${v.statistic.ci95 ? ` (${intervalLabel(v.evidence)} ${num(v.statistic.ci95[0])}–${num(v.statistic.ci95[1])})` : ''}`
    : '';
  // A verdict with nothing measured says so, and what errored, instead of blaming the precision (the analysis puts
  // `notMeasured` and `noData` in its evidence; noData stays there, so the citation keeps the flag).
  const notMeasured = v.evidence['notMeasured'];
  const outcome =
    v.outcome === 'unresolved' && typeof notMeasured === 'string'
      ? `unresolved: not measured: ${notMeasured}`
      : v.outcome === 'unresolved' && v.evidence['noData'] === true
        ? 'unresolved: not measured (no data)'
        : outcomeLabel(v);
  return `**${verdictKindText(v)} — ${outcome}**${stat}: ${v.claim}\n\n<sub>evidence: ${evidence}</sub>`;
}

/** One measurement that errored, of any kind the Study ran (bench or DNS), for the record's error message. */
interface Failure {
  what: string;
  error: RunError;
}

function summarizeMeasurement(r: BenchRecord, file: string): MeasurementSummary {
  return {
    label: r.label,
    runId: r.runId,
    ...runStatus(r.error),
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
 * records verdicts, and writes everything under <results>/<case-study>/<run-id>/ — the record a reader cites.
 * <results> is results/local/ (git-ignored) unless `casebook run --publish` set CASEBOOK_PUBLISH=1.
 *
 * The run folder never exists without a record: record.json is written (status 'interrupted') before the first
 * file goes into the folder and again after each measurement and chart, so a run that stops half way leaves a
 * record of what it completed; save() replaces it with the final status.
 */
export class Study {
  readonly runId: string;
  readonly dir: string;
  readonly repoDir: string;
  readonly startedAt = new Date().toISOString();
  private readonly measurements: MeasurementSummary[] = [];
  private readonly failures: Failure[] = [];
  private dnsRuns = 0;
  private readonly raceRuns: RaceRunEntry[] = [];
  private bodyBlocks = 0;
  /** The body blocks run so far, summarised into `notes.bodySummaries` at every write (the citable figures). */
  private readonly bodyResults: BodyBlockResult[] = [];
  private readonly verdicts: Verdict[] = [];
  private readonly charts: CaseStudyRecord['charts'] = [];
  private readonly notes: Record<string, unknown> = {};
  private saved = false;
  /** The case study's own guard rules (guardWith), applied to every steady-state bench record before it is saved. */
  private readonly guardRules: GuardRule[] = [];
  /** The case study's gather rules (guardGathersWith), applied to every phase-method gather before it is saved. */
  private readonly gatherRules: GatherGuardRule[] = [];
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
    const destination = process.env[PUBLISH_ENV] === '1' ? 'publish' : 'local';
    this.dir = path.join(resultsRoot(this.repoDir, destination), study.id, this.runId);
    this.environment = machineEnvironment(this.repoDir);
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
      // The record's anonymous machine id (machine-id.ts): a reader tells runs from one machine apart by it.
      `| Machine | ${e.machineId === null ? 'not recorded' : `\`${e.machineId}\` (anonymous id${e.machineIdPersistent ? '' : ', this process only'})`} |`,
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
    preflightOpenFiles(
      resolved.map((o) => ({
        concurrency: o.load.concurrency,
        clients: [o.client],
        connections: o.clientOptions.connections,
      })),
    );
    const line = createLiveLine(title);
    const out: BenchRecord[] = [];
    try {
      for (const [i, options] of resolved.entries()) {
        const record: BenchRecord = await runBench(options, {
          onProgress: (p) => line.update(`[${i + 1}/${resolved.length}] ${progressText(p)}`),
        });
        out.push(this.addMeasurement(record));
      }
    } finally {
      line.done(`${title}: ${out.length} measurements, ${out.filter((r) => r.status !== 'completed').length} errored`);
    }
    return out;
  }

  /**
   * Like run(), for foreign clients (Python's httpx / httpx2, aiohttp, the seed's shim and httpx-aiohttp, see
   * @casebook/runner foreign.ts): same target, pinning, warm-up, trials and record shape. Each entry names its client
   * `set` (the Python environment; absent: the interpreter found), `loop` and pool switches. Throws CasebookError
   * CASEBOOK_FOREIGN_UNAVAILABLE (nothing run) when a set cannot run the client — check
   * `foreignAvailability(undefined, set)` first to skip cleanly.
   */
  async runForeign(
    list: readonly ForeignBenchOptions[],
    title = 'foreign measurements',
  ): Promise<ForeignBenchRecord[]> {
    const resolved = list.map((o) => resolveForeignOptions({ caseStudy: this.caseStudy, ...o }));
    preflightOpenFiles(
      resolved.map((o) => ({
        concurrency: o.load.concurrency,
        clients: [o.client],
        connections: o.clientOptions.connections,
      })),
    );
    const line = createLiveLine(title);
    const out: ForeignBenchRecord[] = [];
    try {
      for (const [i, options] of resolved.entries()) {
        const record = await runForeignBench(options, {
          onProgress: (p) => line.update(`[${i + 1}/${resolved.length}] ${progressText(p)}`),
        });
        out.push(this.addMeasurement(record));
      }
    } finally {
      line.done(`${title}: ${out.length} measurements, ${out.filter((r) => r.status !== 'completed').length} errored`);
    }
    return out;
  }

  /**
   * The steady-state method (@casebook/runner interleave.ts): every measurement in `list` keeps its own client process
   * and target for the whole run; rounds of blocks in a seeded shuffled order, each block re-warmed until steady; rounds
   * added until the precision target or the time budget. Each record is saved under benches/; the run's seed, order,
   * stopping reason and noise figures are kept in the case-study record's notes under `interleaved.<title>`. Node and
   * foreign entries mix (e.g. httpx@latest, httpx@httpx2, aiohttp@latest and undici-request in one run); a foreign
   * entry's set that cannot run its client throws CASEBOOK_FOREIGN_UNAVAILABLE before anything starts.
   */
  async runInterleaved(
    list: readonly ((BenchOptions | ForeignBenchOptions) & { versions?: VersionChoice })[],
    options: InterleaveOptions = {},
    title = 'interleaved measurements',
  ): Promise<{ records: BenchRecord[]; run: InterleavedRun }> {
    // The runner resolves each entry (Node or foreign by its client name) and checks every set before starting.
    const resolved = list.map((o) => ({ caseStudy: this.caseStudy, ...o }));
    // Unresolved entries: a missing concurrency is the runner's to refuse (or the open loop's default of 1).
    preflightOpenFiles(
      list.map((o) => ({ concurrency: o.concurrency ?? 1, clients: [o.client], connections: o.connections ?? null })),
    );
    const line = createLiveLine(title);
    let result: { records: BenchRecord[]; run: InterleavedRun } | null = null;
    try {
      const ran = await runInterleaved(resolved, options, (p) =>
        line.update(
          `round ${p.round + 1} · ${p.label} · ${p.phase === 'warmup' ? 'warming up' : 'measuring'} (${p.windows} windows) · ${Math.round(p.elapsedMs / 1000)} s`,
        ),
      );
      // The records as saved: with the case study's own guard flags (guardWith), so the notebook reads what is cited.
      result = { ...ran, records: ran.records.map((record) => this.addMeasurement(record)) };
      const interleaved = (this.notes['interleaved'] ?? {}) as Record<string, unknown>;
      this.notes['interleaved'] = { ...interleaved, [title]: result.run };
      this.checkpoint();
      return result;
    } finally {
      line.done(
        result
          ? `${title}: ${result.run.rounds} rounds, stopped by ${result.run.stoppedBy}, ${Math.round(result.run.elapsedMs / 1000)} s`
          : `${title}: failed`,
      );
    }
  }

  /**
   * A version matrix as ONE interleaved steady-state comparison (runInterleaved): every cell is a measurement of its
   * own — one client process on its runtime with its package version from the version store, against its own target —
   * keyed by `package@version` (plus the runtime when one is chosen), all in the same shuffled rounds with the same
   * warm-up convergence, so the ratios between versions are paired per round. `scenario` is shared by every cell; the
   * first cell is the reference of the precision target. Bad versions are refused before anything starts (UsageError).
   */
  async runVersionMatrix(
    scenario: Omit<BenchOptions, 'client' | 'label'>,
    cells: readonly VersionCell[],
    options: InterleaveOptions = {},
    title = 'version matrix',
    /**
     * Which paired ratios the citation's "vs reference" column prints for this comparison (kept in the record's notes
     * as `citeRatios`): all (default), only those of rows of the reference's client ('same-client', for a comparison
     * of versions with other clients beside them for scale), or none ('none', where the section's own table or claims
     * are the comparison: steps along a line, clients on different socket regimes); `why` is printed instead.
     */
    cite?: { ratios: 'same-client' | 'none'; why: string },
  ): Promise<{ records: BenchRecord[]; run: InterleavedRun; labels: string[] }> {
    const labels = cells.map((c) => versionCellLabel(c));
    const duplicate = labels.find((l, i) => labels.indexOf(l) !== i);
    if (duplicate !== undefined) throw new Error(`runVersionMatrix: cell ${JSON.stringify(duplicate)} appears twice`);
    const list = cells.map((c, i) => {
      const versions: VersionChoice = {
        ...(c.node === undefined ? {} : { node: c.node }),
        ...(c.clientVersion === undefined ? {} : { clientVersion: c.clientVersion }),
        ...(c.bun === undefined ? {} : { bun: c.bun }),
        ...(c.deno === undefined ? {} : { deno: c.deno }),
        ...(c.bunMaxHttpRequests === undefined ? {} : { bunMaxHttpRequests: c.bunMaxHttpRequests }),
      };
      return {
        ...scenario,
        client: c.client,
        label: labels[i] as string,
        versions: versions,
        ...(c.maxRedirects === undefined ? {} : { maxRedirects: c.maxRedirects }),
      };
    });
    const result = await this.runInterleaved(list, options, title);
    if (cite !== undefined) {
      const interleaved = this.notes['interleaved'] as Record<string, Record<string, unknown>>;
      interleaved[title] = { ...interleaved[title], citeRatios: cite.ratios, citeRatiosWhy: cite.why };
      this.checkpoint();
    }
    return { ...result, labels };
  }

  /**
   * The seed's FastAPI app under load (@casebook/runner seed-app.ts): the `app-run` record is saved under app-runs/ and
   * listed in the case-study record's notes under `appRuns`; one that errored makes the case study errored. Throws
   * CasebookError CASEBOOK_FOREIGN_UNAVAILABLE (nothing run) when the `latest` Python set is not ready.
   */
  async runSeedApp(options: SeedAppOptions = {}, title = 'seed app'): Promise<AppRunRecord> {
    const line = createLiveLine(title);
    let outcome = 'failed';
    try {
      const record = await runSeedApp(
        { caseStudy: this.caseStudy, ...options },
        { onProgress: (p) => line.update(`[${p.point}/${p.points}] ${p.text}`) },
      );
      outcome = `${record.points.length} points, ${record.skipped.length} skipped, ${record.status}`;
      this.checkpointOnce();
      const listed = this.notes['appRuns'];
      const files = Array.isArray(listed) ? listed : [];
      const n = String(files.length + 1).padStart(3, '0');
      const file = path.join(this.dir, 'app-runs', `${n}-${slug(record.label)}.json`);
      writeRecord(file, record);
      this.notes['appRuns'] = [...files, this.relative(file)];
      if (record.error !== null) this.failures.push({ what: `app run ${record.label}`, error: record.error });
      this.checkpoint();
      return record;
    } finally {
      line.done(`${title}: ${outcome}`);
    }
  }

  /**
   * A keep-alive race plan (@casebook/runner race-plan.ts): clients × target modes × methods × concurrency, one client
   * process per cell against one race target, cells and gaps in an order shuffled with the plan's seed. Every run is
   * appended to race-runs.json in the run folder (validated against RaceRunsFileSchema, per-request outcomes joined with
   * the target's arrival counts) as soon as it ends; the plan, its seed and the order that ran go into the notes under
   * `races.<title>`. A run whose client process failed makes the case study errored.
   */
  async runRaces(plan: RacePlan, title = plan.name): Promise<RacePlanResult> {
    const line = createLiveLine(title);
    let result: RacePlanResult | null = null;
    try {
      result = await runRacePlan(plan, {
        onCellStart: (p) =>
          line.update(
            `[${p.index}/${p.cells}] ${p.cell.client}${p.cell.retry === 'client-default' ? '' : ` (retry ${p.cell.retry})`} · ${p.cell.method} × ${p.cell.concurrency} · hint ${p.cell.hint} · ${p.cell.idleClose} · ${p.cell.gapsMs.length} gaps · ${Math.round(p.elapsedMs / 1000)} s`,
          ),
        onCellEnd: (cell, run, released, targetPid) => this.addRaceRun(title, cell, run, released, targetPid),
      });
      const races = (this.notes['races'] ?? {}) as Record<string, unknown>;
      this.notes['races'] = {
        ...races,
        [title]: {
          file: this.relative(path.join(this.dir, RACE_RUNS_FILE)),
          plan: result.plan,
          order: result.cells.map((c) => `${c.round}:${c.cell}`),
          targetCpu: result.targetCpu,
          elapsedMs: result.elapsedMs,
        },
      };
      this.checkpoint();
      return result;
    } finally {
      line.done(
        result
          ? `${title}: ${result.runs.length} client runs, ${result.runs.reduce((s, r) => s + r.requests.length, 0)} requests, ${result.runs.filter((r) => r.error !== null).length} errored, ${Math.round(result.elapsedMs / 1000)} s`
          : `${title}: failed`,
      );
    }
  }

  private addRaceRun(plan: string, cell: RaceCell, run: RaceRunResult, released: number, targetPid: number): void {
    this.checkpointOnce();
    this.raceRuns.push(raceRunEntry(plan, cell, run, released, targetPid));
    const file = path.join(this.dir, RACE_RUNS_FILE);
    // One line, not indented: thousands of per-request outcomes would triple in size with one field per line.
    writeFileAtomic(file, `${JSON.stringify(validateAgainst(RaceRunsFileSchema, this.raceRuns, file))}\n`);
    if (run.error !== null) this.failures.push({ what: `race ${plan} ${run.client}`, error: run.error });
    this.checkpoint();
  }

  /**
   * Add a guard rule of this case study: every steady-state measurement run after this call is saved with the flags
   * the rule returns (each with its reason, e.g. the seed's `seedGuardFlags`: `starved (35 of 100 in flight served)`,
   * `unstable across blocks (244–668 req/s)`, `collapsed (…)`) in its `guards.flags`, and `rankable: false` when it
   * returns any; the records the run methods return carry them too. The citation, the site and `casebook show` read
   * the guards, so they leave out what the notebook leaves out: one rule, computed once from the record's own data.
   * A measurement without guards (the phase method) is left as it is.
   */
  guardWith(rule: GuardRule): void {
    this.guardRules.push(rule);
  }

  /**
   * Add a gather rule of this case study (stated after notebook 06's seed-e65a2755, its second reader's finding 8):
   * every phase-method measurement run after this call is saved with what the rule returns for it in its
   * `gatherGuards` (the warm-up rule, its guard flags, and the kept batches' figures, e.g. @casebook/analysis
   * gatherGuardsOf), so the citation labels a flagged gather and cites a gather by its kept batches, as the notebook
   * reads it. A measurement with steady-state guards, or one the rule returns null for (not a gather), is left as
   * it is.
   */
  guardGathersWith(rule: GatherGuardRule): void {
    this.gatherRules.push(rule);
  }

  /**
   * Save one bench record under benches/ (after a checkpoint, so the folder starts with a record) and list it; returns
   * it as saved (with the guard rules' flags).
   */
  private addMeasurement<T extends BenchRecord>(measured: T): T {
    const record = withGatherGuards(
      withGuardFlags(
        measured,
        this.guardRules.flatMap((rule) => rule(measured)),
      ),
      this.gatherRules,
    );
    this.checkpointOnce();
    const n = String(this.measurements.length + 1).padStart(3, '0');
    const file = path.join(this.dir, 'benches', `${n}-${slug(record.label)}.json`);
    writeRecord(file, record);
    this.measurements.push(summarizeMeasurement(record, this.relative(file)));
    const sorted = sortFaults(record);
    const listed = (key: string): unknown[] => (Array.isArray(this.notes[key]) ? (this.notes[key] as unknown[]) : []);
    if (sorted.clientFault) this.notes['clientFaults'] = [...listed('clientFaults'), sorted.clientFault];
    if (sorted.harnessFaults.length > 0)
      this.notes['harnessFaults'] = [...listed('harnessFaults'), ...sorted.harnessFaults];
    if (sorted.failure) this.failures.push({ what: record.label, error: sorted.failure });
    this.checkpoint();
    return record;
  }

  /**
   * Open the DNS lab (see @casebook/runner dns-lab.ts) for this study. Every lookups() and burst() run through it
   * is a measurement: saved as a `dns-run` record under dns-runs/, counted in the case-study record, and one whose
   * client process failed (DnsRunResult.error) makes the case study errored. The caller closes the lab.
   */
  async openDnsLab(options: DnsLabOptions = {}): Promise<DnsLab> {
    const lab = await openDnsLab(options);
    const recorded = async (start: () => Promise<DnsRunResult>): Promise<DnsRunResult> => {
      const startedAt = new Date().toISOString();
      const result = await start();
      this.addDnsRun(result, startedAt);
      return result;
    };
    return {
      ...lab,
      lookups: (spec) => recorded(() => lab.lookups(spec)),
      burst: (spec) => recorded(() => lab.burst(spec)),
    };
  }

  /**
   * Open the bodies lab (see @casebook/runner body-lab.ts). Every block run through it is a measurement: counted in
   * the case-study record and kept in its notes (`bodyBlocks`, the target's per-connection list reduced to a count),
   * and one whose client process failed makes the case study errored. The caller closes the lab.
   */
  async openBodyLab(options: Parameters<typeof openBodyLab>[0] = {}): Promise<BodyLab> {
    const lab = await openBodyLab(options);
    const record = (results: BodyBlockResult[]): BodyBlockResult[] => {
      for (const r of results) this.addBodyBlock(r);
      return results;
    };
    return {
      ...lab,
      block: async (spec) => record([await lab.block(spec)])[0] as BodyBlockResult,
      rounds: async (specs, o) => {
        // One live line per rounds() call: a sweep runs for minutes, and the notebook cell and `casebook run` show
        // which block of which round runs (the line goes to the CLI as the cell's status).
        const title = bodyRoundsTitle(specs);
        const line = createLiveLine(title);
        let results: BodyBlockResult[] | null = null;
        try {
          results = await lab.rounds(specs, {
            ...o,
            onProgress: (p) => {
              line.update(bodyProgressText(p));
              o.onProgress?.(p);
            },
          });
          return record(results);
        } finally {
          const rounds = results === null ? 0 : new Set(results.map((r) => r.round)).size;
          line.done(
            results === null
              ? `${title}: failed`
              : `${title}: ${results.length} blocks in ${rounds} rounds, ${results.filter((r) => r.error !== null).length} errored`,
          );
        }
      },
    };
  }

  private addBodyBlock(result: BodyBlockResult): void {
    this.checkpointOnce();
    this.bodyBlocks++;
    this.bodyResults.push(result);
    const compact = (p: BodyBlockResult['warmup']) =>
      p === null ? null : { ...p, bodies: { ...p.bodies, connections: p.bodies.connections.length } };
    const listed = Array.isArray(this.notes['bodyBlocks']) ? (this.notes['bodyBlocks'] as unknown[]) : [];
    this.notes['bodyBlocks'] = [
      ...listed,
      { ...result, warmup: compact(result.warmup), trials: result.trials.map((t) => compact(t)) },
    ];
    if (result.error !== null)
      this.failures.push({
        what: `body block ${result.job.client} ${result.job.direction} ${result.job.expectedBytes} B ${result.job.consumption}`,
        error: result.error,
      });
    this.checkpoint();
  }

  private addDnsRun(result: DnsRunResult, startedAt: string): void {
    this.checkpointOnce();
    this.dnsRuns++;
    const label = dnsRunName(result);
    const { job, placement, threadpoolSize, resolvConf, settings, rounds } = result;
    const record: DnsRunRecord = {
      schemaVersion: SCHEMA_VERSION,
      kind: 'dns-run',
      runId: newRunId(this.caseStudy),
      ...runOutcome(result.error, { done: rounds.length, planned: job.kind === 'burst' ? job.rounds : 1 }),
      caseStudy: this.caseStudy,
      label,
      startedAt,
      finishedAt: new Date().toISOString(),
      environment: this.environment,
      job,
      placement,
      threadpoolSize,
      resolvConf,
      settings,
      rounds,
    };
    const n = String(this.dnsRuns).padStart(3, '0');
    writeRecord(path.join(this.dir, 'dns-runs', `${n}-${slug(label)}.json`), record);
    if (result.error !== null) this.failures.push({ what: `DNS ${label}`, error: result.error });
    this.checkpoint();
  }

  /** Render a vega-lite v5 chart, save .vl.json/.svg/.png next to the record, and show it (JSON + PNG + alt text). */
  async chart(name: string, spec: VegaLiteSpec, alt: string): Promise<void> {
    const rendered = await renderChart(spec);
    this.checkpointOnce();
    const files = await saveChart(path.join(this.dir, 'charts'), name, spec, rendered);
    this.charts.push({
      name,
      alt,
      png: this.relative(files.pngPath),
      svg: this.relative(files.svgPath),
      spec: this.relative(files.specPath),
    });
    this.checkpoint();
    displayChart(spec, rendered, alt);
  }

  /** Verdicts recorded so far. */
  get verdictList(): readonly Verdict[] {
    return this.verdicts;
  }

  /**
   * Record a computed verdict and show it (returns nothing, so tslab does not echo it). `kind` says what the
   * verdict is for: a 'claim' the case study makes, a 'sanity' check of the setup, or an 'exploratory' look.
   */
  verdict(input: VerdictInput | Verdict): void {
    const v: Verdict = 'outcome' in input ? input : fromInput(input);
    this.verdicts.push(v);
    displayMarkdown(verdictMarkdown(v));
    this.checkpoint();
  }

  note(key: string, value: unknown): void {
    this.notes[key] = value;
  }

  /** Write the final record.json (completed, or errored when any measurement of any kind errored); returns its path. */
  save(): string {
    this.saved = true;
    return this.relative(this.writeRecordFile());
  }

  /** The `casebook cite` markdown of this run, read back from the saved record (call save() first). */
  citeSnippet(options: CiteOptions = {}): string {
    const file = path.join(this.dir, 'record.json');
    if (!this.saved || !fs.existsSync(file))
      throw new Error(`citeSnippet: no record for run ${this.runId} yet; call study.save() first`);
    return citationMarkdown(buildCitation(loadRecord(file), { repoRoot: this.repoDir, ...options }));
  }

  /** "Cite this" cell: show the cite snippet as markdown source to copy into an issue (links from the repo root). */
  citeThis(): void {
    displayMarkdown(
      `**Cite this run** (\`npx casebook cite ${this.runId}\` prints the same):\n\n\`\`\`\`markdown\n${this.citeSnippet()}\`\`\`\`\n`,
    );
  }

  /** Before the first file goes into the run folder: the folder must start with a record. */
  private checkpointOnce(): void {
    if (!fs.existsSync(path.join(this.dir, 'record.json'))) this.checkpoint();
  }

  /** Rewrite record.json with what the run has so far (still 'interrupted' until save(); final after it). */
  private checkpoint(): void {
    this.writeRecordFile();
  }

  private writeRecordFile(): string {
    const study = findCaseStudy(this.caseStudy);
    const file = path.join(this.dir, 'record.json');
    if (this.bodyResults.length > 0) {
      const versionOf = (client: string): string => (isClientName(client) ? getAdapter(client).version() : 'unknown');
      this.notes[BODY_SUMMARIES_NOTE] = validateBodySummaries(bodySummaries(this.bodyResults, versionOf), file);
    }
    const record: CaseStudyRecord = {
      schemaVersion: SCHEMA_VERSION,
      kind: 'case-study',
      runId: this.runId,
      // A notebook does not declare its measurements in advance: nothing is planned.
      ...runOutcome(this.error(), {
        done: this.measurements.length + this.dnsRuns + this.raceRuns.length + this.bodyBlocks,
        planned: null,
      }),
      caseStudy: this.caseStudy,
      title: study.title,
      notebook: study.notebook,
      profile: this.profile,
      startedAt: this.startedAt,
      finishedAt: new Date().toISOString(),
      parameters: this.parameters,
      environment: this.environment,
      measurements: this.measurements,
      verdicts: this.verdicts,
      charts: this.charts,
      notes: this.notes,
    };
    writeRecord(file, record);
    return file;
  }

  /** Until save(): interrupted. Then: none, or the measurement errors of every kind the study ran. */
  private error(): RunError | null {
    if (!this.saved) return INTERRUPTED;
    const [first] = this.failures;
    if (first === undefined) return null;
    const total = this.measurements.length + this.dnsRuns + this.raceRuns.length + this.bodyBlocks;
    return {
      code: 'CASEBOOK_MEASUREMENT_ERRORED',
      message: `${this.failures.length} of ${total} measurements errored; first: ${first.what} (${first.error.code}: ${first.error.message})`,
    };
  }
}

/** One cell of a version matrix: a client, and optionally its package version and runtime from the version store. */
export interface VersionCell {
  client: string;
  /** Exact version of the client's package; absent: the workspace's. */
  clientVersion?: string;
  /** Exact Node version for the client process; absent: the workspace's Node. */
  node?: string;
  /**
   * axios only: its `maxRedirects` for this cell (0: Node's native http, no follow-redirects); absent: axios's default.
   * The label says it (` · maxRedirects 0`), so two cells of one version differ by label.
   */
  maxRedirects?: number;
  /** bun-fetch: exact Bun version to run it on; absent: the pinned one (FETCH_RUNTIME_SUPPORT). */
  bun?: string;
  /** deno-fetch: exact Deno version to run it on; absent: the pinned one. */
  deno?: string;
  /**
   * bun-fetch: BUN_CONFIG_MAX_HTTP_REQUESTS for its process (Bun admits 256 fetches in flight per process when unset).
   * A configuration difference, so the label says it (` · BUN_CONFIG_MAX_HTTP_REQUESTS 512`).
   */
  bunMaxHttpRequests?: number;
  /**
   * One of several client processes of the same cell (1, 2, …; processCells): the label ends ` · process 2`, so the
   * processes of a cell are separate measurements of one comparison; absent: the cell's only process.
   */
  process?: number;
}

/**
 * A cell's label: `package@version` of what it loads (the workspace's version when none is chosen), the client name
 * when it is not the package's (undici-fetch vs undici-request), the runtime when one is chosen, and axios's
 * maxRedirects when a cell sets it. Node's global
 * fetch names the runtime and its bundled undici (`node-fetch@node-v24.x (bundled undici 7.29.1)`) when it runs on the
 * workspace's Node.
 */
export function versionCellLabel(c: VersionCell): string {
  if (!isClientName(c.client)) return c.client;
  const adapter = getAdapter(c.client);
  const fetchRuntime = fetchRuntimeOf(c.client);
  if (fetchRuntime !== null) {
    // Bun's and Deno's fetch: the runtime is the version (`bun-fetch@bun-1.4.5`), the pinned one when none is chosen.
    const version = c[fetchRuntime] ?? FETCH_RUNTIME_SUPPORT[fetchRuntime].pinned;
    const cap = c.bunMaxHttpRequests === undefined ? '' : ` · BUN_CONFIG_MAX_HTTP_REQUESTS ${c.bunMaxHttpRequests}`;
    return `${c.client}@${fetchRuntime}-${version}${cap}${processSuffix(c)}`;
  }
  const node = c.node === undefined ? '' : ` · node ${c.node}`;
  const runtime = `${node}${c.maxRedirects === undefined ? '' : ` · maxRedirects ${c.maxRedirects}`}`;
  if (adapter.packageName === 'node') {
    const bundled = c.node === undefined ? ` (bundled undici ${process.versions['undici'] ?? 'unknown'})` : '';
    return `${c.client}@node-${c.node === undefined ? process.version : `v${c.node}`}${bundled}${processSuffix(c)}`;
  }
  const version = c.clientVersion ?? adapter.version();
  const named = c.client === adapter.packageName ? '' : ` (${c.client})`;
  return `${adapter.packageName}@${version}${named}${runtime}${processSuffix(c)}`;
}

/** ` · process 2` for one of several processes of a cell (gatherProcessPlan's label form), else ''. */
const processSuffix = (c: VersionCell): string => (c.process === undefined ? '' : ` · process ${c.process}`);

/**
 * Each cell run in `processes` client processes (stated before the next run after the interrupted bisect of undici
 * 6.21.0 … 6.29.1: one process per version let a slow process read as a release), labelled `<cell> · process <k>`, all
 * of them in one order shuffled with `seed` (gatherProcessPlan, as notebook 06's gathers): the cells of one
 * runVersionMatrix comparison, read back with processRecords.
 */
export function processCells(cells: readonly VersionCell[], processes: number, seed: number): VersionCell[] {
  const arms = cells.map((c) => ({ cell: c, label: versionCellLabel(c), trials: 1 }));
  const { entries } = gatherProcessPlan(arms, { arms: arms.map((a) => a.label), processes, trials: 1, seed }, 1);
  return entries.map((e) => ({ ...e.cell, process: processOfLabel(e.label)?.process ?? 1 }));
}

/** A cell's records of processCells, in the order of their numbers (process 1 first); throws when one is missing. */
export function processRecords<R extends { label: string | null }>(
  records: readonly R[],
  cell: VersionCell,
  processes: number,
): R[] {
  return Array.from({ length: processes }, (_, k) => {
    const label = versionCellLabel({ ...cell, process: k + 1 });
    const r = records.find((x) => x.label === label);
    if (r === undefined) throw new Error(`no measurement labelled ${JSON.stringify(label)}`);
    return r;
  });
}

/**
 * One race run as race-runs.json stores it: everything the run recorded per request (the target's after-close record,
 * the write and FIN times on the shared clock and their joins included), and the target's counters without the per-id
 * maps, whose entries each request already carries. A reader re-deriving the notebook's exposure counts from the file
 * gets the record's counts (test/race-runs-schema.test.ts).
 */
export function raceRunEntry(
  plan: string,
  cell: RaceCell,
  run: RaceRunResult,
  released: number,
  targetPid: number,
): RaceRunEntry {
  const {
    arrivedById: _a,
    servedById: _s,
    idleAtFirstArrivalById: _i,
    firstCopyAfterCloseById: _f,
    firstArrivalById: _fa,
    ...counters
  } = run.counters;
  return {
    plan,
    cell,
    client: run.client,
    method: run.method,
    retry: run.retry,
    concurrency: run.concurrency,
    clientPid: run.clientPid,
    targetPid,
    target: run.target,
    defence: run.defence,
    requests: run.requests,
    warmFailures: run.warmFailures,
    counters,
    openAfter: run.openAfter,
    released,
    error: run.error,
  };
}

/** A case study's own guard rule (Study.guardWith): the flags, each with its reason, one measurement gets. */
export type GuardRule = (record: BenchRecord) => readonly string[];

/** A case study's gather rule (Study.guardGathersWith): a gather's `gatherGuards`, or null for any other record. */
export type GatherGuardRule = (record: BenchRecord) => NonNullable<BenchRecord['gatherGuards']> | null;

/**
 * A bench record with the first non-null `gatherGuards` the rules return for it (Study.guardGathersWith); the record
 * itself when it has steady-state guards, already has gatherGuards, or every rule returns null. Pure.
 */
export function withGatherGuards<T extends BenchRecord>(record: T, rules: readonly GatherGuardRule[]): T {
  if (record.guards || record.gatherGuards) return record;
  for (const rule of rules) {
    const g = rule(record);
    if (g !== null) return { ...record, gatherGuards: g };
  }
  return record;
}

/**
 * A bench record with extra guard flags (each once, appended to the runner's) and `rankable: false` when the rule
 * returned any, new or already among the runner's (a flag the runner shows without excluding, such as `foreign-load`,
 * excludes once a case study's rule returns it: notebook 07's `versionsGuardFlags`); the record itself when it has no
 * guards (the phase method), the rule returned nothing, or nothing would change. Pure: what Study.guardWith applies
 * before a measurement is saved.
 */
export function withGuardFlags<T extends Pick<BenchRecord, 'guards'>>(record: T, flags: readonly string[]): T {
  const g = record.guards;
  if (!g || flags.length === 0) return record;
  const added = flags.filter((f, i) => !g.flags.includes(f) && flags.indexOf(f) === i);
  if (added.length === 0 && !g.rankable) return record;
  return { ...record, guards: { ...g, flags: [...g.flags, ...added], rankable: false } };
}

/**
 * The error code that marks a fault of the client under test rather than of the run (see sortFaults): the worker's
 * watchdog saw no request answered or failed for 15 s while a block ran. A pause left unanswered is not one (since
 * seed-7326eaa1 it is CASEBOOK_PAUSE_UNANSWERED, the harness's).
 */
const CLIENT_FAULT = 'CASEBOOK_CLIENT_STALLED';
/** The harness's pause left unanswered after a block's measured windows arrived (@casebook/runner blocks.ts). */
const PAUSE_FAULT = 'CASEBOOK_PAUSE_UNANSWERED';

/**
 * How a measurement's faults are filed in the case-study record. A stall of the client in a block
 * (CASEBOOK_CLIENT_STALLED) is a measured outcome of that client: `clientFault`, listed in `notes.clientFaults`, not
 * a failure of the run. A pause the harness sent after the block's measured windows arrived and that was not answered
 * (CASEBOOK_PAUSE_UNANSWERED) is the harness's: every one (from the client's `casebook.blockFaults`, the block kept)
 * goes to `notes.harnessFaults`, and it is a failure of the run when the measurement was dropped after it. Every
 * other error is a failure of the run. Nothing is dropped: each fault lands in exactly one of these or stays in the
 * bench record only when it is a fault the measurement was reopened after (its record keeps it).
 */
export function sortFaults(record: Pick<BenchRecord, 'label' | 'error' | 'client'>): {
  clientFault: ({ measurement: string } & RunError) | null;
  harnessFaults: { measurement: string; round: number | null; code: string; message: string }[];
  failure: RunError | null;
} {
  const listed = record.client.settings['casebook.blockFaults'];
  const blockFaults = Array.isArray(listed) ? (listed as { round?: unknown; code?: unknown; message?: unknown }[]) : [];
  const harnessFaults = blockFaults
    .filter((f) => f.code === PAUSE_FAULT)
    .map((f) => ({
      measurement: record.label,
      round: typeof f.round === 'number' ? f.round : null,
      code: PAUSE_FAULT,
      message: typeof f.message === 'string' ? f.message : '',
    }));
  const e = record.error;
  if (e?.code === CLIENT_FAULT)
    return { clientFault: { measurement: record.label, ...e }, harnessFaults: harnessFaults, failure: null };
  return { clientFault: null, harnessFaults: harnessFaults, failure: e };
}

/** A DNS run named for an error message: what it ran, and with which client or method. */
function dnsRunName(r: DnsRunResult): string {
  return r.job.kind === 'lookups'
    ? `lookups (${r.job.method}, ${r.job.n})`
    : `burst (${r.job.client}, ${r.job.requests})`;
}

export function openStudy(caseStudy: string, profile: string, parameters: Record<string, unknown> = {}): Study {
  return new Study(caseStudy, resolveProfile(profile), parameters);
}

/** This machine's environment as a record states it: the pinning plan, the workspace's client versions, the repository. */
export function machineEnvironment(repoDir: string = findRepoRoot()): Environment {
  const plan = pinningPlan();
  return captureEnvironment({
    pinning: {
      method: plan.method,
      reason: plan.reason,
      clientCpu: plan.clientCpu,
      targetCpu: plan.serverCpu,
      others: {},
    },
    clientVersions: clientVersions(),
    repoDir: repoDir,
  });
}
