import * as fs from 'node:fs';
import * as path from 'node:path';
import { intervalLabel, isRankable, rankable, verdictHeadline, verdictLabel } from '@casebook/analysis';
import {
  type BenchRecord,
  type BodySummary,
  bodySummariesOf,
  type CaseStudyRecord,
  type Correction,
  correctionFor,
  type Environment,
  findRepoRoot,
  readCorrections,
  readRecord,
  resultsRoot,
} from '@casebook/results';
import { clientRuntimeOf } from '@casebook/runner';
import { BODY_TABLE_ALIGN, BODY_TABLE_HEADER, BODY_TABLE_NOTE, bodyCountText, bodyTableCells } from './body-table';
import { code, num, shellArg, table, times } from './markdown';
import { benchRerunArgs, benchRerunGaps } from './params';
import { type LoadedRecord, linkTo, loadMeasurement, locateRunFile } from './records';
import {
  coldGatherErrorsText,
  errorDominatedText,
  foreignClientCell,
  foreignNoData,
  foreignPartialLatency,
  gatherLoadText,
  gatherOf,
} from './row-labels';

export interface CiteOptions {
  /** Repository root (default: found from this package). */
  repoRoot?: string;
  /** Directory the links must resolve from (default: the repository root). */
  relativeTo?: string;
  /** Absolute link prefix instead, e.g. `https://github.com/<org>/<repo>/raw/<commit>`; paths are repo-relative. */
  linkBase?: string;
  /** Published corrections (default: read from the committed results root, results/corrections.json). */
  corrections?: readonly Correction[];
}

/** The run that replaces a cited one, from results/corrections.json. */
export interface Supersession {
  runId: string;
  reason: string;
  date: string;
}

/** One row of the key table: one measurement. */
interface CitationRow {
  label: string;
  client: string;
  clientVersion: string;
  /** `closed 512` or `open 2000 req/s`, plus the connection cap when there is one. */
  load: string;
  delayMs: number;
  status: string;
  throughputRps: number;
  throughputMinRps: number | null;
  throughputMaxRps: number | null;
  /**
   * Throughput / the fastest rankable measurement under the same load in the same run; null when it stands alone or
   * is flagged (the guard rule of @casebook/analysis: a flagged measurement is shown and labelled, never compared).
   */
  ratioToFastest: number | null;
  /**
   * The ratio to the fastest orders nothing: the row's min–max spread overlaps the fastest's (for the fastest itself:
   * another compared row's does), or a spread is missing. Its "vs fastest" cell prints `~`. Absent: false.
   */
  unordered?: boolean;
  /**
   * The row's place in its interleaved comparison (a case-study run's `notes.interleaved.<title>`): the paired
   * per-round ratio to that comparison's reference with its 95 % interval, or that it is the reference; null when
   * the run has no interleaved comparison or the row is in none. Rows of different comparisons are never compared.
   */
  versus: PairedCell | null;
  /** The steady-state guards (null: made without them, e.g. the phase method or an older record). */
  guards: { flags: string[]; rankable: boolean } | null;
  p50Ms: number;
  p99Ms: number;
  cpuMicrosPerRequest: number;
  errors: number;
  trials: number | null;
  /**
   * A phase-method measurement in which more than 1 % of requests failed (`3751 of 5120 failed (PoolTimeout 3751)`):
   * its time is the failures', so it is never compared nor the fastest; null otherwise.
   */
  errorDominated: string | null;
  /**
   * A Python measurement that errored before any measured block or trial: its numbers are "no data", not zeros.
   * Absent (false) for Node measurements.
   */
  noData?: boolean;
  /**
   * Requests that failed in a Python phase-method measurement's warm-up (the seed's first, cold gather), which the
   * measured `errors` leave out: `294 of 512 failed in the first (cold) gather (PoolTimeout 294)`. Absent: none.
   */
  warmupErrors?: string;
}

/** A row's paired ratio within one interleaved comparison (see CitationRow.versus). */
export interface PairedCell {
  /** The comparison's title (the key under notes.interleaved). */
  comparison: string;
  /** The label of the comparison's reference (null: the comparison recorded no ratio, so none is known). */
  reference: string | null;
  isReference: boolean;
  /** other / reference per round, summarised as the median with its order-statistics interval; null: none recorded. */
  ratio: { median: number; low: number; high: number; coverage: number } | null;
  /** Why the comparison's record asks for this row's ratio not to be printed (`citeRatios`); absent: printed. */
  omitted?: string;
}

/** One interleaved comparison as a case-study record keeps it (notes.interleaved.<title>). */
export interface InterleavedComparison {
  title: string;
  reference: string | null;
  labels: string[];
  ratios: Map<string, NonNullable<PairedCell['ratio']>>;
  /** Which ratios a citation prints (the record's `citeRatios`; default all) and why not the others. */
  citeRatios: 'all' | 'same-client' | 'none';
  citeRatiosWhy: string | null;
}

const isObjectValue = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The interleaved comparisons a case-study record's notes carry: each one's members (from the order its rounds ran
 * them), its reference and the paired ratios it recorded (`ratios[] = { label, reference, ratio: { median, low, high,
 * coverage } }`). Notes are open-ended, so every level is checked and anything else is ignored.
 */
export function interleavedComparisons(notes: Readonly<Record<string, unknown>>): InterleavedComparison[] {
  const interleaved = notes['interleaved'];
  if (!isObjectValue(interleaved)) return [];
  const out: InterleavedComparison[] = [];
  for (const [title, design] of Object.entries(interleaved)) {
    if (!isObjectValue(design)) continue;
    const order = Array.isArray(design['order']) ? design['order'] : [];
    const labels = [
      ...new Set(order.flatMap((round) => (Array.isArray(round) ? round : [])).filter((l) => typeof l === 'string')),
    ] as string[];
    const ratios = new Map<string, NonNullable<PairedCell['ratio']>>();
    let reference: string | null = null;
    for (const entry of Array.isArray(design['ratios']) ? design['ratios'] : []) {
      if (!isObjectValue(entry) || typeof entry['label'] !== 'string' || !isObjectValue(entry['ratio'])) continue;
      if (typeof entry['reference'] === 'string') reference = entry['reference'];
      const { median, low, high, coverage } = entry['ratio'];
      if ([median, low, high, coverage].every((x) => typeof x === 'number' && Number.isFinite(x)))
        ratios.set(entry['label'], {
          median: median as number,
          low: low as number,
          high: high as number,
          coverage: coverage as number,
        });
    }
    const cite = design['citeRatios'];
    const citeRatios = cite === 'same-client' || cite === 'none' ? cite : 'all';
    const why = typeof design['citeRatiosWhy'] === 'string' ? design['citeRatiosWhy'] : null;
    if (labels.length > 0) out.push({ title, reference, labels, ratios, citeRatios, citeRatiosWhy: why });
  }
  return out;
}

/**
 * Rows of a run with interleaved comparisons: each row of a comparison gets its place in it (the paired per-round
 * ratio to that comparison's reference), never a ratio to a row of another comparison and never a "fastest"; rows in
 * no comparison are returned as they are (versus null). A label can recur in two comparisons of one run (the seed's
 * "2022 · httpx" at 0 ms and at 50 ms): rows are taken in record order and each comparison's label is used once, in
 * the comparisons' order (the order they ran), so the second row gets the second comparison. A row whose bench is a
 * phase-method measurement (`steady[i] === false`: no trial carries a block) is in no comparison.
 */
export function withPairedRatios(
  rows: CitationRow[],
  comparisons: readonly InterleavedComparison[],
  steady: readonly (boolean | null)[] = [],
): CitationRow[] {
  const open = comparisons.map((c) => new Set(c.labels));
  // Each row's comparison first (labels taken once each, in the comparisons' order), then the ratios: a comparison
  // that prints same-client ratios only needs its reference row's client.
  const placed = rows.map((r, i) => {
    const k = steady[i] === false ? -1 : open.findIndex((labels) => labels.has(r.label));
    if (k >= 0) open[k]?.delete(r.label);
    return k;
  });
  const referenceClient = (k: number) =>
    rows.find((x, i) => placed[i] === k && x.label === comparisons[k]?.reference)?.client ?? null;
  return rows.map((r, i) => {
    const k = placed[i] ?? -1;
    const c = comparisons[k];
    if (c === undefined) return { ...r, versus: null };
    const isReference = c.reference === r.label;
    const omitted =
      isReference || c.citeRatios === 'all' || (c.citeRatios === 'same-client' && referenceClient(k) === r.client)
        ? null
        : (c.citeRatiosWhy ?? (c.citeRatios === 'none' ? 'not compared here' : 'another client than the reference'));
    return {
      ...r,
      ratioToFastest: null,
      versus: {
        comparison: c.title,
        reference: c.reference,
        isReference,
        ratio: omitted === null ? (c.ratios.get(r.label) ?? null) : null,
        ...(omitted === null ? {} : { omitted }),
      },
    };
  });
}

/**
 * The "vs reference" cell of a row in an interleaved comparison: `1.26× (98.7 % interval 1.01–1.43)` when the interval
 * of the paired ratio excludes 1 (labelled with its actual coverage, `95 % CI` only when that is exactly 95 %); "not resolved (0.41–1.20)" when it includes 1 or is below 95 % coverage (no ordering implied);
 * "— (flagged: …)" when the row or its reference is flagged (shown, never ranked); the reference says so.
 */
export function pairedRatioCell(r: CitationRow, rows: readonly CitationRow[]): string {
  const v = r.versus;
  if (v === null) return '—';
  if (v.isReference)
    return isRankable(r)
      ? `reference of "${v.comparison}"`
      : `reference of "${v.comparison}" (flagged: ${r.guards?.flags.join(', ')})`;
  if (v.omitted !== undefined) return `— (${v.omitted})`;
  if (v.omitted !== undefined) return `— (${v.omitted})`;
  if (!isRankable(r)) return `— (flagged: ${r.guards?.flags.join(', ')})`;
  if (r.errorDominated !== null) return `— (error-dominated: ${r.errorDominated})`;
  // The reference row of this comparison (a label can recur in another comparison, where it is another row).
  const reference = rows.find((x) => x.versus?.comparison === v.comparison && x.versus.isReference);
  if (reference !== undefined && !isRankable(reference)) return '— (reference flagged)';
  const x = v.ratio;
  if (x === null) return '—';
  const f = (n: number) => n.toFixed(2);
  if (x.coverage < 0.95 || (x.low <= 1 && x.high >= 1)) return `not resolved (${f(x.low)}–${f(x.high)})`;
  return `${f(x.median)}× (${intervalLabel({ coverage: x.coverage })} ${f(x.low)}–${f(x.high)})`;
}

interface EnvironmentSummary {
  node: string;
  v8: string;
  os: string;
  cpu: string;
  memoryGiB: number;
  pinning: string;
  pinned: boolean;
  uvThreadpoolSize: string | null;
  clientVersions: Record<string, string>;
}

/** Everything `casebook cite` prints, as data (`--format json`); `citationMarkdown` renders it. */
export interface Citation {
  runId: string;
  kind: 'case-study' | 'bench';
  title: string;
  status: string;
  /** Set when a published correction replaces this run: the citation says so before anything else. */
  supersededBy: Supersession | null;
  profile: string | null;
  /** The one-line claim. */
  claim: string;
  verdicts: { id: string; claim: string; holds: boolean; kind: string; outcome: string; label: string }[];
  rows: CitationRow[];
  /** The body summaries of a bodies run (notes.bodySummaries); [] for every other run. */
  bodies: BodySummary[];
  charts: { name: string; alt: string; link: string; exists: boolean }[];
  record: string;
  notebook: string | null;
  environment: EnvironmentSummary;
  rerun: string;
  /** Parameters the rerun command cannot set (empty when it reproduces the run exactly). */
  rerunGaps: string[];
  git: { commit: string | null; dirty: boolean | null };
  /** Committed reproductions of this run (`casebook reproduce --publish`), in run-id order. */
  reproductions: ReproductionLink[];
}

/** One committed reproduction record of a cited run. */
export interface ReproductionLink {
  runId: string;
  /** The machine the rerun was made on (anonymous id; null when unknown). */
  machineId: string | null;
  /** Whether the rerun ran on the machine of the original (same anonymous machine id): a rerun, not a second machine. */
  sameMachine?: boolean;
  /** Counted claims, and those with the same outcome both times (unresolved twice included). */
  claims: number;
  reproduced: number;
  /**
   * Claims the original decided (holds or fails), and those the rerun gave the same outcome: what the line counts.
   * Absent for a record written before the summary carried them (then claims and reproduced are counted).
   */
  decided?: number;
  decidedReproduced?: number;
  link: string;
}

/**
 * The committed reproductions of one run: `<results>/<case-study>/<rerun>/reproduction.json` whose original is the
 * run (read through readRecord, so a broken one fails loudly rather than being cited).
 */
function findReproductions(
  root: string,
  caseStudy: string,
  runId: string,
  linkOpts: Parameters<typeof linkTo>[1],
): ReproductionLink[] {
  const studyDir = path.join(root, caseStudy);
  if (!fs.existsSync(studyDir)) return [];
  const out: ReproductionLink[] = [];
  for (const run of fs.readdirSync(studyDir).sort()) {
    const file = path.join(studyDir, run, 'reproduction.json');
    if (!fs.existsSync(file)) continue;
    const r = readRecord(file);
    if (r.kind !== 'reproduction' || r.original.runId !== runId) continue;
    const { decided, decidedReproduced } = r.summary;
    out.push({
      runId: r.runId,
      machineId: r.environment.machineId,
      sameMachine: r.environment.machineId !== null && r.environment.machineId === r.original.machineId,
      claims: r.summary.claims,
      reproduced: r.summary.reproduced,
      ...(decided !== undefined && decidedReproduced !== undefined ? { decided, decidedReproduced } : {}),
      link: linkTo(file, linkOpts),
    });
  }
  return out;
}

type Reproduced = 'full' | 'partial' | 'nothing-decided';

/**
 * Full when every claim the original decided (holds or fails) came out the same and there was at least one: a claim
 * unresolved both times reproduces no finding. A record without the decided counts is judged on all its claims.
 */
function reproducedHow(r: ReproductionLink): Reproduced {
  if (r.decided === undefined || r.decidedReproduced === undefined)
    return r.reproduced === r.claims ? 'full' : 'partial';
  if (r.decided === 0) return 'nothing-decided';
  return r.decidedReproduced === r.decided ? 'full' : 'partial';
}

/** "Reproduced on K machines" (every decided claim reproduced), then the reruns where some did not. */
export function reproductionLine(reproductions: readonly ReproductionLink[]): string | null {
  if (reproductions.length === 0) return null;
  const of = (how: Reproduced) => reproductions.filter((r) => reproducedHow(r) === how);
  const full = of('full');
  const partial = of('partial');
  const nothing = of('nothing-decided');
  // A rerun on the original's own machine checks noise, not portability: listed apart, never counted as a machine.
  const elsewhere = full.filter((r) => r.sameMachine !== true);
  const sameMachine = full.filter((r) => r.sameMachine === true);
  const machines = new Set(elsewhere.map((r) => r.machineId ?? r.runId)).size;
  const link = (r: ReproductionLink) =>
    `[${r.runId}](${r.link}) (${
      r.decided === undefined || r.decidedReproduced === undefined
        ? `${r.reproduced} of ${r.claims} claims`
        : `${r.decidedReproduced} of ${r.decided} decided claims`
    })`;
  const parts: string[] = [];
  if (elsewhere.length > 0)
    parts.push(`Reproduced on ${machines} machine${machines === 1 ? '' : 's'}: ${elsewhere.map(link).join(' · ')}`);
  if (sameMachine.length > 0)
    parts.push(
      `reproduced on the original's own machine (a rerun, not a second machine): ${sameMachine.map(link).join(' · ')}`,
    );
  if (partial.length > 0) parts.push(`not fully reproduced: ${partial.map(link).join(' · ')}`);
  if (nothing.length > 0) parts.push(`rerun with no decided claim to reproduce: ${nothing.map(link).join(' · ')}`);
  const text = parts.join('; ');
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

function loadText(p: BenchRecord['params'] | CaseStudyRecord['measurements'][number]): string {
  if ('load' in p) {
    const l = p.load;
    const base = l.mode === 'open' ? `open loop, ${num(l.rateRps)} req/s` : `closed loop, ${l.concurrency} in flight`;
    return p.clientOptions.connections === null ? base : `${base}, ${p.clientOptions.connections} conns`;
  }
  const base = p.mode === 'open' ? `open loop, ${num(p.rateRps)} req/s` : `closed loop, ${p.concurrency} in flight`;
  return p.connections === null ? base : `${base}, ${p.connections} conns`;
}

/** The load as a phrase for the one-line claim. */
function loadPhrase(p: BenchRecord['params']): string {
  const l = p.load;
  const cap = p.clientOptions.connections === null ? '' : ` over at most ${p.clientOptions.connections} connections`;
  return l.mode === 'open'
    ? `at ${num(l.rateRps)} req/s offered (open loop)${cap}`
    : `with ${l.concurrency} requests in flight${cap}`;
}

function groupKey(r: CitationRow): string {
  return `${r.load}|${r.delayMs}`;
}

/** The min–max spread of a row's throughput, or null when it has none. */
const spreadOf = (r: CitationRow): [number, number] | null =>
  r.throughputMinRps === null || r.throughputMaxRps === null ? null : [r.throughputMinRps, r.throughputMaxRps];

/**
 * Ratio of each row's throughput to the fastest row under the same load and think-time. Only rankable rows (see
 * `rankable` in @casebook/analysis) take part: a flagged row is never the reference and gets no ratio. A ratio orders
 * a row below the fastest only when the row's min–max spread lies wholly below the fastest's; the fastest is the
 * fastest only when every other compared row's spread does. Otherwise (the spreads overlap, or a row has no spread:
 * no interval to separate them) the row is `unordered` and its cell prints `~`.
 */
export function withRatios(rows: CitationRow[]): CitationRow[] {
  const compared = rankable(rows).rankable.filter((r) => r.status === 'completed' && r.errorDominated === null);
  const fastest = new Map<string, CitationRow>();
  const count = new Map<string, number>();
  for (const r of compared) {
    const k = groupKey(r);
    count.set(k, (count.get(k) ?? 0) + 1);
    const f = fastest.get(k);
    if (f === undefined || r.throughputRps > f.throughputRps) fastest.set(k, r);
  }
  const below = (r: CitationRow, f: CitationRow): boolean => {
    const a = spreadOf(r);
    const b = spreadOf(f);
    return a !== null && b !== null && a[1] < b[0];
  };
  return rows.map((r) => {
    const k = groupKey(r);
    const f = fastest.get(k);
    const alone = (count.get(k) ?? 0) < 2;
    if (alone || f === undefined || !(f.throughputRps > 0) || !compared.includes(r))
      return { ...r, ratioToFastest: null };
    const ordered = r === f ? compared.every((o) => o === f || groupKey(o) !== k || below(o, f)) : below(r, f);
    return { ...r, ratioToFastest: r.throughputRps / f.throughputRps, ...(ordered ? {} : { unordered: true }) };
  });
}

/**
 * The "vs fastest" cell: the ratio; `~` when it orders nothing (the spreads overlap, or one is missing); or why there
 * is none for a flagged row ('—' for a row of a comparison). One cell for the citation and the site's run page.
 */
export function ratioCell(r: CitationRow): string {
  if (r.versus !== null) return '—';
  if (!isRankable(r)) return `— (flagged: ${r.guards?.flags.join(', ')})`;
  if (r.errorDominated !== null) return `— (error-dominated: ${r.errorDominated})`;
  if (r.unordered === true && r.ratioToFastest !== null) return '~';
  return times(r.ratioToFastest);
}

function summarizeEnvironment(e: Environment): EnvironmentSummary {
  return {
    node: e.node,
    v8: e.v8,
    os: `${e.platform} ${e.arch} ${e.osRelease}`,
    cpu: `${e.cpuModel} × ${e.cpuCores}`,
    memoryGiB: Math.round((e.totalMemoryBytes / 2 ** 30) * 10) / 10,
    pinning: e.pinning.reason,
    pinned: e.pinning.method !== 'none',
    uvThreadpoolSize: e.uvThreadpoolSize,
    clientVersions: e.clientVersions,
  };
}

/**
 * The Python-specific cells (package, gather load, error-dominated), from the bench record; {} for Node. A gather
 * saved with its case study's gather rule (`gatherGuards`, Study.guardGathersWith; since notebook 06's seed-e65a2755)
 * is cited by its kept batches: their medians, its guard flags (a flagged gather is labelled and not citable, as in
 * the notebook), and `N kept of M batches` in its load cell.
 */
function foreignCells(r: BenchRecord): Partial<
  Pick<
    CitationRow,
    | 'client'
    | 'clientVersion'
    | 'load'
    | 'p50Ms'
    | 'p99Ms'
    | 'noData'
    | 'warmupErrors'
    | 'guards'
    | 'throughputRps'
    | 'throughputMinRps'
    | 'throughputMaxRps'
    | 'cpuMicrosPerRequest'
  >
> & {
  errorDominated: string | null;
} {
  const cell = foreignClientCell(r.client);
  const gather = gatherOf(r);
  // The seed's blanking rule: latencies of a client that served fewer than half its callers describe only the lanes
  // that cycled (blank, as in the notebook); a measurement with no data says so.
  const blank = foreignPartialLatency(r) || foreignNoData(r);
  const cold = coldGatherErrorsText(r);
  const g = gather !== null ? r.gatherGuards : undefined;
  const kept = g
    ? {
        guards: { flags: [...g.flags], rankable: g.rankable },
        throughputRps: g.throughputRps ?? Number.NaN,
        throughputMinRps: g.throughputMinRps,
        throughputMaxRps: g.throughputMaxRps,
        cpuMicrosPerRequest: g.cpuMicrosPerRequest ?? Number.NaN,
        p50Ms: g.p50Ms ?? Number.NaN,
        p99Ms: g.p99Ms ?? Number.NaN,
      }
    : {};
  return {
    ...(cell ? { client: cell.client, clientVersion: cell.version } : {}),
    ...(gather !== null
      ? { load: g ? `${gatherLoadText(gather)}; ${g.kept} kept of ${r.trials.length} batches` : gatherLoadText(gather) }
      : {}),
    ...kept,
    ...(blank ? { p50Ms: Number.NaN, p99Ms: Number.NaN } : {}),
    ...(foreignNoData(r) ? { noData: true } : {}),
    ...(cold !== null ? { warmupErrors: cold } : {}),
    errorDominated: errorDominatedText(r),
  };
}

function benchRow(r: BenchRecord): CitationRow {
  return {
    label: r.label,
    client: r.client.name,
    clientVersion: r.client.version,
    load: loadText(r.params),
    delayMs: r.params.target.delayMs,
    status: r.status,
    throughputRps: r.throughputRps,
    throughputMinRps: r.throughputSpread?.min ?? null,
    throughputMaxRps: r.throughputSpread?.max ?? null,
    ratioToFastest: null,
    versus: null,
    p50Ms: r.latencyMs.p50,
    p99Ms: r.latencyMs.p99,
    cpuMicrosPerRequest: r.cpuMicrosPerRequest,
    errors: r.errors.total,
    trials: r.trials.length,
    guards: r.guards ? { flags: [...r.guards.flags], rankable: r.guards.rankable } : null,
    ...foreignCells(r),
  };
}

function studyRow(
  m: CaseStudyRecord['measurements'][number],
  guards: CitationRow['guards'],
  bench: BenchRecord | null,
): CitationRow {
  return {
    label: m.label,
    client: m.client,
    clientVersion: m.clientVersion,
    load: loadText(m),
    delayMs: m.delayMs,
    status: m.status,
    throughputRps: m.throughputRps,
    throughputMinRps: m.throughputMin,
    throughputMaxRps: m.throughputMax,
    ratioToFastest: null,
    versus: null,
    p50Ms: m.p50Ms,
    p99Ms: m.p99Ms,
    cpuMicrosPerRequest: m.cpuMicrosPerRequest,
    errors: m.errors,
    trials: null,
    guards,
    errorDominated: null,
    ...(bench ? foreignCells(bench) : {}),
  };
}

/**
 * The guards of one case-study measurement, from its bench record (the case-study summary does not carry them);
 * null when that file is not there (a record copied without its benches).
 */
function measurementGuards(bench: BenchRecord | null): CitationRow['guards'] {
  const g = bench?.guards;
  return g ? { flags: [...g.flags], rankable: g.rankable } : null;
}

/** One case-study measurement's bench record, or null when that file is not there. */
function measurementBench(
  loaded: { file: string; record: CaseStudyRecord },
  m: CaseStudyRecord['measurements'][number],
  repoRoot: string,
): BenchRecord | null {
  if (!fs.existsSync(locateRunFile(loaded.file, loaded.record.runId, m.file, repoRoot))) return null;
  return loadMeasurement(loaded, m, repoRoot);
}

/** Build the citation of one record. Pure apart from checking that chart files exist. */
export function buildCitation(loaded: LoadedRecord, options: CiteOptions = {}): Citation {
  const repoRoot = options.repoRoot ?? findRepoRoot();
  const relativeTo = path.resolve(options.relativeTo ?? repoRoot);
  const linkOpts = { repoRoot, relativeTo, ...(options.linkBase !== undefined ? { linkBase: options.linkBase } : {}) };
  const { record } = loaded;
  const env = record.environment;
  const correction = correctionFor(
    record.runId,
    options.corrections ?? readCorrections(resultsRoot(repoRoot, 'publish')),
  );
  const supersededBy =
    correction === undefined
      ? null
      : { runId: correction.supersededBy, reason: correction.reason, date: correction.date };
  if (loaded.kind === 'case-study') {
    const r = loaded.record;
    const bodies = bodySummariesOf(r.notes);
    const bodyCount = bodyCountText(bodies);
    const claim =
      `**${r.title}** · run ${code(r.runId)} · profile ${code(r.profile)} · ${r.status}` +
      ` — ${verdictHeadline(r.verdicts)}; ${r.measurements.length} measurements${bodyCount === null ? '' : `, ${bodyCount}`}.`;
    const charts = r.charts.map((c) => {
      const file = locateRunFile(loaded.file, r.runId, c.png, repoRoot);
      return { name: c.name, alt: c.alt, link: linkTo(file, linkOpts), exists: fs.existsSync(file) };
    });
    return {
      runId: r.runId,
      kind: 'case-study',
      title: r.title,
      status: r.status,
      supersededBy,
      profile: r.profile,
      claim,
      verdicts: r.verdicts.map((v) => ({
        id: v.id,
        claim: v.claim,
        holds: v.holds,
        kind: v.kind,
        outcome: v.outcome,
        label: citedVerdictLabel(v),
      })),
      rows: ((measured: { row: CitationRow; steady: boolean | null }[]) => {
        // Rows of an interleaved comparison: the paired ratio within it; the run's other rows (phase-method
        // measurements, e.g. the seed's gathers): the fastest under the same load among themselves.
        const rows = measured.map((x) => x.row);
        const paired = withPairedRatios(
          rows,
          interleavedComparisons(r.notes),
          measured.map((x) => x.steady),
        );
        const outside = paired.filter((x) => x.versus === null);
        const ranked = withRatios(outside);
        return paired.map((x) => (x.versus === null ? (ranked[outside.indexOf(x)] ?? x) : x));
      })(
        r.measurements.map((m) => {
          const bench = measurementBench(loaded, m, repoRoot);
          // Steady-state (interleaved) benches number their trials by block; null: no bench to tell.
          const steady = bench === null ? null : bench.trials.some((t) => t.block !== undefined);
          return { row: studyRow(m, measurementGuards(bench), bench), steady };
        }),
      ),
      bodies,
      charts,
      record: linkTo(loaded.file, linkOpts),
      notebook: linkTo(path.resolve(repoRoot, r.notebook), linkOpts),
      environment: summarizeEnvironment(env),
      rerun: `npx casebook run ${shellArg(r.caseStudy)} --profile ${shellArg(r.profile)}`,
      rerunGaps: [],
      git: { commit: env.git.commit, dirty: env.git.dirty },
      reproductions: findReproductions(resultsRoot(repoRoot, 'publish'), r.caseStudy, r.runId, linkOpts),
    };
  }
  const r = loaded.record;
  const row = benchRow(r);
  const spread =
    row.throughputMinRps === null ? '' : `, min–max ${num(row.throughputMinRps)}–${num(row.throughputMaxRps)}`;
  const outcome =
    r.status === 'completed'
      ? `reached **${num(r.throughputRps)} req/s** (median of ${r.trials.length} trials${spread})`
      : `**errored** (${r.error ? `${r.error.code}: ${r.error.message}` : 'see record'}) at ${num(r.throughputRps)} req/s`;
  const claim =
    `${code(r.client.name)} ${r.client.version} ${outcome} ${loadPhrase(r.params)},` +
    ` think-time ${num(row.delayMs)} ms — p50 ${num(r.latencyMs.p50)} ms, p99 ${num(r.latencyMs.p99)} ms,` +
    ` ${r.errors.total} errors · run ${code(r.runId)}.`;
  return {
    runId: r.runId,
    kind: 'bench',
    title: r.label,
    status: r.status,
    supersededBy,
    profile: null,
    claim,
    verdicts: [],
    rows: [row],
    bodies: [],
    charts: [],
    record: linkTo(loaded.file, linkOpts),
    notebook: null,
    environment: summarizeEnvironment(env),
    rerun: ['npx casebook bench', ...[...benchRerunArgs(r.params), ...versionRerunArgs(r.client)].map(shellArg)].join(
      ' ',
    ),
    rerunGaps: benchRerunGaps(r.params),
    git: { commit: env.git.commit, dirty: env.git.dirty },
    reproductions: [],
  };
}

/**
 * `--node` / `--client-version` for a run whose runtime or client came from the version store; `--bun` / `--deno` for
 * Bun's and Deno's fetch, with `--bun-max-http-requests` when the run raised Bun's cap.
 */
function versionRerunArgs(client: BenchRecord['client']): string[] {
  const runtime = clientRuntimeOf(client);
  const args: string[] = [];
  if (runtime?.nodeFrom) args.push('--node', runtime.nodeFrom.version);
  if (runtime?.clientFrom) args.push('--client-version', runtime.clientFrom.version);
  if (runtime?.runtimeFrom) args.push(`--${runtime.runtimeFrom.name}`, runtime.runtimeFrom.version);
  const cap = client.settings['bunMaxHttpRequests'] as { value?: unknown; source?: unknown } | undefined;
  if (cap?.source === 'BUN_CONFIG_MAX_HTTP_REQUESTS' && typeof cap.value === 'number')
    args.push('--bun-max-http-requests', String(cap.value));
  return args;
}

/** The warning a superseded run's citation opens with (quoted there) and `casebook show` prints. */
export function supersededLine(s: Supersession): string {
  return `Superseded by ${s.runId} — ${s.reason} (corrected ${s.date})`;
}

const mdLinkText = (s: string): string => s.replace(/[[\]]/g, (c) => (c === '[' ? '(' : ')'));

export interface MeasurementTableColumns {
  /** The "vs fastest" column (the citation leaves it out when no row has a ratio). */
  ratio: boolean;
  /** The "vs reference" column of runs with interleaved comparisons (paired per round, within one comparison). */
  versus?: boolean;
  /** The 95 % interval of the median throughput before the spread (the site's run page has it; the citation not). */
  throughputCi?: boolean;
}

/** The note under a table with the "vs fastest" column, one text for the citation and the run page. */
export const FASTEST_NOTE =
  '"vs fastest" divides by the fastest measurement under the same load in the same run; "~" where the min–max spreads of the row and the fastest overlap (for the fastest: where another row\'s overlaps it), or a row has none: no ordering implied.';

/** The header of the paired column (runs with interleaved comparisons). */
export const VERSUS_HEADER = 'vs reference of its comparison (paired per round, interval with its coverage)';

/** The note under a table with the paired column, one text for the citation and the run page. */
export const VERSUS_NOTE =
  '"vs reference" is the median of the per-round ratios to the reference of the same interleaved comparison, with its order-statistics interval labelled with its coverage (at least 95 %, e.g. 98.7 %); "not resolved" where the interval includes 1 (no ordering implied); a flagged measurement is shown, never ranked; measurements of different comparisons are never compared.';

/**
 * The header of the key-measurements table, one builder for the citation's markdown and the site's run page so the
 * two never disagree on column names or order. Beside the interval column the spread is just "min–max".
 */
export function measurementTableHeader(columns: MeasurementTableColumns): string[] {
  return [
    'measurement',
    'client',
    'load',
    'think-time (ms)',
    'throughput (req/s, median)',
    ...(columns.throughputCi === true ? ['95 % CI of the median', 'min–max'] : ['spread (min–max)']),
    ...(columns.ratio ? ['vs fastest'] : []),
    ...(columns.versus === true ? [VERSUS_HEADER] : []),
    'p50 (ms)',
    'p99 (ms)',
    'CPU (µs/req)',
    'errors',
  ];
}

/**
 * A verdict's label in the citation: its outcome and kind, and for a verdict with no data behind it (`noData` in its
 * evidence) the flag and what was not measured (`❔ unresolved — not measured: latest · httpx errored
 * (CASEBOOK_TRIAL_TIMEOUT) [no-data]`), so it never reads as a precision problem; an unresolved verdict a guard
 * decided (`comparable: false` with its `reason`) says that reason (`❔ unresolved — not compared: latest · httpx
 * (not-steady)`), as the notebook does, and so does one two comparisons of the run decided differently
 * (`comparisonDependent`).
 */
function citedVerdictLabel(v: CaseStudyRecord['verdicts'][number]): string {
  const reason = v.evidence['reason'];
  const dependent = v.evidence['comparisonDependent'];
  if (v.evidence['noData'] !== true) {
    if (v.outcome === 'unresolved' && v.evidence['comparable'] === false && typeof reason === 'string')
      return `${verdictLabel(v)} — ${reason}`;
    return v.outcome === 'unresolved' && typeof dependent === 'string'
      ? `${verdictLabel(v)} — ${dependent}`
      : verdictLabel(v);
  }
  const what = v.evidence['notMeasured'];
  return `${verdictLabel(v)} — not measured${typeof what === 'string' ? `: ${what}` : ''} [no-data]`;
}

/**
 * Why a row's figures are not to be cited: `not citable: errors, not-steady` (the names of its guard flags) for a
 * measurement its guards do not rank (isRankable), which the notebook sets aside; null for a rankable row or one made
 * without guards (the phase method: its error-dominated gathers have their own rule).
 */
function notCitableReason(r: Pick<CitationRow, 'guards'>): string | null {
  if (r.guards === null || isRankable(r)) return null;
  const names = [...new Set(r.guards.flags.map((f) => f.replace(/ \(.*$/s, '')))];
  return `not citable: ${names.join(', ') || 'not rankable'}`;
}

/**
 * A row's label as the citation prints it: its status when not completed, every guard flag it carries (`no-data`,
 * `errors`, `few-rounds`, …: a flagged row is labelled in the citation as in the notebook's tables), and
 * `error-dominated` for a gather whose time is its failures'.
 */
function citationLabel(r: Pick<CitationRow, 'label' | 'status' | 'guards' | 'errorDominated' | 'noData'>): string {
  const flags = [...(r.guards?.flags ?? [])];
  if (r.noData === true && !flags.includes('no-data')) flags.push('no-data');
  if (r.errorDominated !== null) flags.push('error-dominated');
  const status = r.status === 'completed' ? '' : ` (${r.status})`;
  return `${r.label}${status}${flags.length ? ` [flagged: ${flags.join(', ')}]` : ''}`;
}

/**
 * The verdict bullets of a citation, one per distinct line: verdicts with the same label and claim (the same sanity
 * check made once per comparison) print once, naming their ids (`(3 checks: a, b, c)`), in first-seen order.
 */
export function verdictBullets(
  verdicts: readonly Pick<Citation['verdicts'][number], 'id' | 'label' | 'claim'>[],
): string[] {
  const lines = new Map<string, string[]>();
  for (const v of verdicts) {
    const line = `- ${v.label}: ${v.claim}`;
    lines.set(line, [...(lines.get(line) ?? []), v.id]);
  }
  return [...lines].map(([line, ids]) => (ids.length > 1 ? `${line} (${ids.length} checks: ${ids.join(', ')})` : line));
}

/** The paste-ready GitHub-flavoured markdown. */
export function citationMarkdown(c: Citation): string {
  const out: string[] = [];
  if (c.supersededBy !== null) out.push(`> ${supersededLine(c.supersededBy)}`, '');
  out.push(c.claim, '');
  if (c.verdicts.length > 0) {
    out.push(...verdictBullets(c.verdicts));
    out.push('');
  }
  const reproduced = reproductionLine(c.reproductions);
  if (reproduced !== null) out.push(reproduced, '');
  const hasRatio = c.rows.some((r) => r.ratioToFastest !== null);
  const hasVersus = c.rows.some((r) => r.versus !== null);
  const flagged = c.rows.some((r) => !isRankable(r));
  const header = measurementTableHeader({ ratio: hasRatio, versus: hasVersus });
  if (c.bodies.length > 0)
    out.push(
      table([...BODY_TABLE_HEADER], c.bodies.map(bodyTableCells), BODY_TABLE_ALIGN),
      '',
      `<sub>${BODY_TABLE_NOTE}</sub>`,
      '',
    );
  const none = 'no data';
  // An error-dominated gather's latencies and CPU are the failures' (a pool timeout), not a request's: blank.
  const blank = (r: CitationRow) => r.noData === true || r.errorDominated !== null;
  // A measurement its guards do not rank: its flags in the label, "not citable" instead of its figures.
  const figure = (r: CitationRow, text: string, first = false): string => {
    const why = r.noData ? null : notCitableReason(r);
    return why === null ? text : first ? why : 'not citable';
  };
  const rows = c.rows.map((r) => [
    citationLabel(r),
    `${r.client} ${r.clientVersion}`,
    r.load,
    num(r.delayMs),
    figure(r, r.noData ? none : num(r.throughputRps), true),
    figure(
      r,
      r.noData ? none : r.throughputMinRps === null ? '—' : `${num(r.throughputMinRps)}–${num(r.throughputMaxRps)}`,
    ),
    ...(hasRatio ? [ratioCell(r)] : []),
    ...(hasVersus ? [pairedRatioCell(r, c.rows)] : []),
    figure(r, blank(r) ? none : num(r.p50Ms)),
    figure(r, blank(r) ? none : num(r.p99Ms)),
    figure(r, blank(r) ? none : num(r.cpuMicrosPerRequest)),
    r.noData ? none : r.warmupErrors ? `${r.errors} (+ ${r.warmupErrors})` : String(r.errors),
  ]);
  // No measurement rows (a bodies run, or a case study whose record has no bench measurements): no empty table.
  const measurementTable = c.rows.length > 0;
  if (measurementTable) {
    out.push(
      table(header, rows, [
        'l',
        'l',
        'l',
        'r',
        'r',
        'r',
        ...(hasRatio ? ['r'] : []),
        ...(hasVersus ? ['r'] : []),
        'r',
        'r',
        'r',
        'r',
      ]),
    );
    out.push('');
  }
  const notes = [
    'Throughput is the median over rounds (steady-state method) or over trials (phase method); the spread is the min–max over measured windows or trials; latency percentiles merge all measured windows or trials (HDR).',
  ];
  if (hasRatio) notes.push(FASTEST_NOTE);
  if (hasVersus) notes.push(VERSUS_NOTE);
  if (hasRatio && flagged)
    notes.push(
      'A flagged measurement (errors, a saturated target) is shown but never compared or used as the fastest.',
    );
  if (c.rows.some((r) => !r.noData && notCitableReason(r) !== null))
    notes.push(
      'A measurement its guards flag prints "not citable" instead of its throughput, latency and CPU (the notebook sets it aside; the record keeps its numbers): its flags are in its label.',
    );
  if (c.rows.some((r) => r.warmupErrors))
    notes.push(
      'Errors count the measured trials or windows; "+ … failed in the first (cold) gather" adds the requests the warm-up gather failed, which the measured count leaves out.',
    );
  if (measurementTable) out.push(`<sub>${notes.join(' ')}</sub>`, '');
  const [first, ...more] = c.charts;
  if (first) {
    out.push(`![${mdLinkText(first.alt)}](${first.link})`, '');
    if (more.length > 0) out.push(`More charts: ${more.map((m) => `[${m.name}](${m.link})`).join(' · ')}`, '');
  }
  const links = [`Record: [${c.runId}](${c.record})`];
  if (c.notebook) links.push(`notebook: [${path.basename(c.notebook)}](${c.notebook})`);
  out.push(links.join(' · '), '');
  const e = c.environment;
  const versions = Object.entries(e.clientVersions)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  out.push(
    `<details><summary>Environment: Node ${e.node} · ${e.cpu} · ${e.pinned ? 'pinned' : 'not pinned'}</summary>`,
    '',
    table(
      ['', ''],
      [
        ['Node / V8', `${e.node} / ${e.v8}`],
        ['OS', e.os],
        ['CPU', e.cpu],
        ['Memory', `${e.memoryGiB} GiB`],
        ['Pinning', e.pinning],
        ['UV_THREADPOOL_SIZE', e.uvThreadpoolSize ?? 'default'],
        ['Clients', versions],
      ],
    ),
    '',
    '</details>',
    '',
  );
  out.push('Rerun:', '', '```sh', c.rerun, '```', '');
  if (c.rerunGaps.length > 0) out.push(`The command cannot set: ${c.rerunGaps.map(code).join(', ')}.`, '');
  const commit = c.git.commit ? code(c.git.commit.slice(0, 12)) : 'unknown';
  const dirty =
    c.git.dirty === true ? ' (dirty: uncommitted changes)' : c.git.dirty === null ? ' (dirty: unknown)' : '';
  out.push(`Commit ${commit}${dirty}`);
  return `${out.join('\n')}\n`;
}
