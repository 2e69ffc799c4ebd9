import { parseExactVersion, requireExactVersion, satisfiesRange, UsageError } from '@casebook/results';
import { type MedianInterval, medianInterval, pairedRatio } from '@casebook/stats';
import { binomialUpperTail } from './binomial-interval';
import { type BisectMovement, directionOf, releaseLinks } from './bisect';
import { type ProcessRounds, pairsFromProcesses, roundMedians } from './bisect-processes';
import { bisectSupersededBy, isCompleteBisect, plain } from './bisects-superseded';
import type { BlockMetric } from './interleaved';
import { metricRatioOf, ROUND_METRIC_TEXT, type RoundMetric, roundValues } from './round-metrics';
import { GATHER_MIN_PROCESSES } from './seed';
import { countClaim, intervalLabel, sanityCheck, type Threshold, type VerdictData } from './verdicts';
import {
  type BisectBracket,
  bisectPlan,
  compareVersions,
  isComparableCell,
  type RowRatioRule,
  ratioText,
  resolvesMovement,
  type VersionMeasurement,
  type VersionPairRatio,
  type VersionRow,
  versionParityClaim,
  versionRows,
} from './versions';

/**
 * The plans and decisions of notebook 07's sweeps (issue 15), as pure functions tested on both sides in
 * test/analysis-version-sweep.test.ts:
 *
 * - which versions a release-line sweep measures (`lineSweepVersions`, from the registry's version list) and which
 *   runtime is the latest of a Node line (`latestOfLine`), so the notebook's constants are computed, not picked;
 * - which runtime × client cells may run at all (`runtimeCells`: the support table's runtimes and each package's
 *   `engines.node`), so no cell the harness would refuse is in a plan;
 * - the steps a sweep compares (`consecutiveSteps`: consecutive versions of one line, paired per round, each metric),
 *   which of them moved beyond noise, and for each the `casebook bisect` command and the upstream links, or what
 *   stated before the run decides it instead (`movementLeads`, printed by `movementLeadLines`);
 * - the bisect plan of a version matrix in throughput and CPU per request (`bisectPlans`, `bracketCommands`);
 * - the claims stated before the run: parity of one client across runtimes (`runtimeParityClaims`), of a line's two
 *   ends (`lineEndsOf` + `versionParityClaim`), and one socket at one request in flight (`singleSocketVerdict`).
 */

// ---------------------------------------------------------------------------------------------------------------
// Which versions

/** A line's start as `major.minor` (`7.20`), or a UsageError naming `field`. */
function requireLineStart(field: string, value: unknown): { major: number; minor: number } {
  const m = typeof value === 'string' ? /^(0|[1-9]\d*)\.(0|[1-9]\d*)$/.exec(value.trim()) : null;
  if (m === null) throw new UsageError(field, value, 'expected major.minor, such as 7.20 (the first minor of a line)');
  return { major: Number(m[1]), minor: Number(m[2]) };
}

/** The release versions of a registry list (pre-releases left out); a malformed entry is a UsageError naming it. */
function releases(versions: readonly string[], field: string) {
  return versions.flatMap((v) => {
    const parsed = typeof v === 'string' ? parseExactVersion(v) : null;
    if (parsed === null) throw new UsageError(field, v, 'expected exact versions such as 8.13.1 in the list');
    return parsed.prerelease === '' ? [parsed] : [];
  });
}

/**
 * The versions of a release-line sweep, from the registry's list (`npm view <package> versions --json`): for each line
 * start in `from` (`7.20`: the 7.x line from 7.20 on; `8.0`: every 8.x minor), the latest patch of every minor of that
 * major from that minor on, pre-releases left out; lines in the order of `from`, versions in release order within a
 * line. The list decides, not a hand: a minor with several patches is measured at its last, and a line's newest minor
 * is in. Bad input (a start not `major.minor`, two starts of one major, a malformed version in the list, a line with no
 * release from its start) is a UsageError naming the field and value.
 */
export function lineSweepVersions(versions: readonly string[], options: { from: readonly string[] }): string[] {
  const list = releases(versions, 'versions');
  if (options.from.length === 0)
    throw new UsageError('from', options.from, 'expected at least one line start such as 7.20');
  const starts = options.from.map((f) => requireLineStart('from', f));
  const majors = starts.map((s) => s.major);
  const twice = majors.find((m, i) => majors.indexOf(m) !== i);
  if (twice !== undefined)
    throw new UsageError('from', options.from, `two starts for the ${twice}.x line: give one per line`);
  return starts.flatMap((start, i) => {
    const latest = new Map<number, { text: string; patch: number }>();
    for (const v of list) {
      if (v.major !== start.major || v.minor < start.minor) continue;
      const seen = latest.get(v.minor);
      if (seen === undefined || v.patch > seen.patch) latest.set(v.minor, { text: v.text, patch: v.patch });
    }
    if (latest.size === 0)
      throw new UsageError(
        'from',
        options.from[i],
        `no ${start.major}.x release from ${start.major}.${start.minor} in the list`,
      );
    return [...latest.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v.text);
  });
}

/** The latest release of one major in a registry list (`npm view node versions --json` → the latest 26.x). */
export function latestOfLine(versions: readonly string[], major: number): string {
  if (!Number.isInteger(major) || major < 0) throw new UsageError('major', major, 'expected a major version number');
  const line = releases(versions, 'versions').filter((v) => v.major === major);
  const last = line.sort((a, b) => a.minor - b.minor || a.patch - b.patch).at(-1);
  if (last === undefined) throw new UsageError('major', major, `no ${major}.x release in the list`);
  return last.text;
}

// ---------------------------------------------------------------------------------------------------------------
// Which runtime × client cells may run

/** A client of a runtime sweep: its name, the package version it loads (absent: the workspace's), its engines.node. */
export interface RuntimeClient {
  client: string;
  clientVersion?: string;
  /** The loaded package's `engines.node` (absent: none declared, or a client built into Node). */
  enginesNode?: string;
}

/** One cell of a runtime sweep: the version-matrix cell (no `node` on the workspace's runtime) and what it pairs by. */
export interface RuntimeCell {
  cell: { client: string; clientVersion?: string; node?: string };
  client: string;
  /** The runtime, exact (`24.21.0`), the workspace's included. */
  runtime: string;
}

/**
 * The cells of a runtime sweep: every client on every runtime, client-major order, runtimes in version order; a cell on
 * `workspace` (the kernel's Node) names no runtime, so it runs on the kernel's binary with nothing downloaded. A cell
 * the harness would refuse is not planned but listed in `refused` with the reason: a runtime outside `supported` (the
 * support table's RUNTIME_SUPPORT.range) or outside the client package's `engines.node`. Runtimes must be exact
 * versions, each once (UsageError).
 */
export function runtimeCells(input: {
  runtimes: readonly string[];
  /**
   * The kernel's Node: a cell on it names no runtime. null: every cell names its runtime, so every cell runs a store
   * binary with an integrity, the kernel's version too (stated before the run after versions-670dac55: a kernel binary
   * against store binaries is two builds, not two releases).
   */
  workspace: string | null;
  clients: readonly RuntimeClient[];
  supported: string;
}): { cells: RuntimeCell[]; refused: { client: string; runtime: string; reason: string }[] } {
  const workspace = input.workspace === null ? null : requireExactVersion('workspace', input.workspace).text;
  const runtimes = input.runtimes.map((r) => requireExactVersion('runtimes', r));
  const texts = runtimes.map((r) => r.text);
  const twice = texts.find((t, i) => texts.indexOf(t) !== i);
  if (twice !== undefined) throw new UsageError('runtimes', twice, 'each runtime once');
  const ordered = [...runtimes].sort((a, b) => compareVersions(a.text, b.text));
  const cells: RuntimeCell[] = [];
  const refused: { client: string; runtime: string; reason: string }[] = [];
  for (const c of input.clients)
    for (const r of ordered) {
      const name = c.clientVersion === undefined ? c.client : `${c.client} ${c.clientVersion}`;
      if (!satisfiesRange(r, input.supported)) {
        refused.push({ client: name, runtime: r.text, reason: `runtimes ${input.supported} are supported` });
        continue;
      }
      if (c.enginesNode !== undefined && !satisfiesRange(r, c.enginesNode)) {
        refused.push({ client: name, runtime: r.text, reason: `${name} needs Node ${c.enginesNode} (engines)` });
        continue;
      }
      cells.push({
        cell: {
          client: c.client,
          ...(c.clientVersion === undefined ? {} : { clientVersion: c.clientVersion }),
          ...(r.text === workspace ? {} : { node: r.text }),
        },
        client: c.client,
        runtime: r.text,
      });
    }
  return { cells, refused };
}

// ---------------------------------------------------------------------------------------------------------------
// Steps along a line, and the movements beyond noise

/** One measured version of a sweep: the line it is on (`8.x`, or a client for a runtime sweep) and its version. */
export interface SweepCell {
  line: string;
  version: string;
  measurement: VersionMeasurement;
  /**
   * The version's client processes (stated before the next run after the interrupted bisect of undici 6.21.0 … 6.29.1;
   * `measurement` is its first): with them, a step between two cells that both have them is read two-level
   * (pairsFromProcesses: processes, then rounds; no interval with fewer than GATHER_MIN_PROCESSES), and a cell whose
   * processes disagree beyond their rounds' noise moves no step. Absent: one process per cell, paired per round.
   * "Processes disagree" needs an interval at 1 − 0.05 / k over the step's k pairs of processes: at 6 rounds and 3
   * processes per version (k = 6: 99.17 % needed, 96.9 % reached) it cannot fire (disagreementReach, stated before the
   * next run after versions-0cfdd43a): the tables print each process and the spread between them instead.
   */
  processes?: readonly VersionMeasurement[];
}

/** Two consecutive versions of one line, paired per round in one metric. */
export interface SweepStep {
  line: string;
  older: string;
  newer: string;
  metric: RoundMetric;
  /** older / newer per round (as VersionPairRatio and the bisect records state it). */
  ratio: VersionPairRatio['ratio'];
  /** Whether the guards let both cells be compared; a flagged pair's movement is still a lead, labelled exploratory. */
  compared: boolean;
  /**
   * Resolved (interval at 95 % coverage or more, excluding 1) whether compared or not: `down` when newer is lower.
   * Never when the processes of either cell disagree (`disagreement`).
   */
  movement: BisectMovement;
  /** How the interval was read: paired per round (one process per cell), or processes then rounds. */
  interval?: 'paired per round' | 'processes then rounds';
  /** With processes: why the step has no interval (`no interval: fewer than 3 processes: …`). */
  withheld?: string;
  /** With processes: "processes of 8.6.0 disagree: 0.82 vs 1.01 vs 1.00 (…)": not a movement, whatever the ratio. */
  disagreement?: string;
  /**
   * With processes: the flagged processes the step's interval read (`8.0.3 · process 1: foreign-load`; stated before the
   * next run after versions-0cfdd43a, its second reader's finding 3). They stay in the two-level interval (fewer than 3
   * processes give none), the step's row names them, and the step is not `compared`: a movement of it is exploratory.
   */
  flaggedProcesses?: readonly string[];
  /**
   * The target's CPU per request in the two cells (the same target program in both: what moves it is the load the
   * client puts on it, not a release), when their blocks carry it; null otherwise. The same for every metric of a step.
   */
  targetCpuPerRequest: TargetCpuStep | null;
  /**
   * The same ratio's order-statistics interval at the family-wise coverage over the call's step × metric intervals
   * (Bonferroni: 1 − 0.05 / k), and whether it excludes 1 at that coverage. With few rounds the interval cannot reach
   * the coverage (6 rounds reach at most 96.9 %): then `resolved` is false and a movement is a lead only by recurring.
   */
  familyWise: FamilyWiseStep;
}

/** A step's interval at the family-wise coverage of its sweep (see SweepStep.familyWise). */
export interface FamilyWiseStep {
  /** The number of step × metric intervals the family counts. */
  k: number;
  /** The coverage asked for: 1 − 0.05 / k. */
  needed: number;
  /** The ratio's interval at that coverage (or the widest the rounds give, its `coverage` below `needed`). */
  ratio: VersionPairRatio['ratio'];
  /** The interval reaches `needed` and excludes 1. */
  resolved: boolean;
  /** The rounds paired (absent in steps made before it was recorded); with processes, the fewest values of a cell. */
  n?: number;
}

/** A cell's processes, each with its metric per round (null where a round has none), for pairsFromProcesses. */
function processRoundsOf(cell: SweepCell, metric: RoundMetric): ProcessRounds[] {
  return (cell.processes ?? []).map((m, k) => {
    const v = roundValues(m, metric);
    const rounds = Math.max(0, ...[...v.keys()].map((r) => r + 1));
    return { process: k + 1, values: Array.from({ length: rounds }, (_, r) => v.get(r) ?? null) };
  });
}

/** The family-wise error rate of a sweep's movements (Bonferroni over its step × metric intervals). */
const FAMILY_ALPHA = 0.05;

/** A step with no value to read: no interval, coverage 0. */
const NO_STEP_RATIO = { median: Number.NaN, low: Number.NaN, high: Number.NaN, coverage: 0 } as const;

/** The target's CPU µs per request at both ends of a step (medians over rounds) and newer / older paired per round. */
export interface TargetCpuStep {
  olderUs: number;
  newerUs: number;
  /** newer / older per round (the change, as a factor: 3.4 when the target spent 3.4 times as much per request). */
  change: VersionPairRatio['ratio'];
}

/** The target's CPU per request round by round, from the blocks that carry a positive value. */
function targetCpuByRound(m: VersionMeasurement): Map<number, number> {
  const out = new Map<number, number>();
  for (const b of m.method?.blocks ?? []) {
    const v = b.targetCpuMicrosPerRequest;
    if (v !== undefined && Number.isFinite(v) && v > 0) out.set(b.round, v);
  }
  return out;
}

/** The target's CPU per request of a step, or null when either cell's blocks carry none or no round pairs. */
function targetCpuStep(older: VersionMeasurement, newer: VersionMeasurement): TargetCpuStep | null {
  const o = targetCpuByRound(older);
  const n = targetCpuByRound(newer);
  const xs: number[] = [];
  const ys: number[] = [];
  for (const [round, x] of [...o.entries()].sort((a, b) => a[0] - b[0])) {
    const y = n.get(round);
    if (y === undefined) continue;
    xs.push(x);
    ys.push(y);
  }
  if (xs.length === 0) return null;
  const r = pairedRatio(xs, ys);
  return {
    olderUs: medianInterval([...o.values()]).median,
    newerUs: medianInterval([...n.values()]).median,
    change: { median: r.median, low: r.low, high: r.high, coverage: r.coverage },
  };
}

/** `8.x` for `8.13.1`: the release line a version is on. */
export const lineOf = (version: string): string => `${version.replace(/^v/, '').split('.')[0]}.x`;

/**
 * Every step between consecutive versions of each line (in release order within a line; lines in the order they
 * first appear), for each metric: the paired per-round ratio older / newer, and its movement when the interval (at
 * 95 % coverage or more) excludes 1 (`resolvesMovement`), compared or not. Steps never cross lines: lines released in
 * parallel (undici 7.x and 8.x) are not one history. A line with one version has no step.
 */
export function consecutiveSteps(input: { cells: readonly SweepCell[]; metrics: readonly RoundMetric[] }): SweepStep[] {
  const lines = [...new Set(input.cells.map((c) => c.line))];
  const pairsCount = lines
    .map((line) => Math.max(0, input.cells.filter((c) => c.line === line).length - 1))
    .reduce((a, b) => a + b, 0);
  const k = Math.max(1, pairsCount * input.metrics.length);
  const needed = 1 - FAMILY_ALPHA / k;
  const steps: SweepStep[] = [];
  for (const line of lines) {
    const cells = input.cells
      .filter((c) => c.line === line)
      .sort((a, b) => compareVersions(plain(a.version), plain(b.version)));
    for (let i = 1; i < cells.length; i++) {
      const older = cells[i - 1] as SweepCell;
      const newer = cells[i] as SweepCell;
      const targetCpuPerRequest = targetCpuStep(older.measurement, newer.measurement);
      const twoLevel = older.processes !== undefined && newer.processes !== undefined;
      // A flagged process is named in the step and makes it exploratory (stated before the next run after
      // versions-0cfdd43a): with processes, `compared` reads every process, not the first alone.
      const flaggedProcesses = twoLevel
        ? [older, newer].flatMap((c) =>
            (c.processes ?? []).flatMap((m, k) =>
              isComparableCell(m)
                ? []
                : [`${plain(c.version)} · process ${k + 1}: ${(m.guards?.flags ?? []).join(', ') || 'not rankable'}`],
            ),
          )
        : [];
      for (const metric of input.metrics) {
        let r: Pick<MedianInterval, 'median' | 'low' | 'high' | 'coverage' | 'n'>;
        let fw: typeof r;
        let read: Pick<SweepStep, 'interval' | 'withheld' | 'disagreement'> = {};
        if (twoLevel) {
          const byVersion = {
            [older.version]: processRoundsOf(older, metric),
            [newer.version]: processRoundsOf(newer, metric),
          };
          const pair = [older.version, newer.version];
          const two = pairsFromProcesses(pair, byVersion);
          const p = two.pairs[0];
          const wide = pairsFromProcesses(pair, byVersion, needed).pairs[0];
          const apart = two.disagreements.map((d) => d.text).join('; ');
          const n = Math.min(...Object.values(byVersion).map((ps) => ps.flatMap((x) => x.values).length));
          r = { ...(p?.ratio ?? NO_STEP_RATIO), n };
          fw = { ...(wide?.ratio ?? NO_STEP_RATIO), n };
          read = {
            interval: 'processes then rounds',
            ...(p?.withheld === undefined ? {} : { withheld: p.withheld }),
            ...(apart === '' ? {} : { disagreement: apart }),
          };
        } else {
          r = metricRatioOf(newer.measurement, older.measurement, metric);
          fw = metricRatioOf(newer.measurement, older.measurement, metric, needed);
        }
        const ratio = { median: r.median, low: r.low, high: r.high, coverage: r.coverage };
        const fwRatio = { median: fw.median, low: fw.low, high: fw.high, coverage: fw.coverage };
        const apart = read.disagreement !== undefined;
        steps.push({
          line,
          older: older.version,
          newer: newer.version,
          metric,
          ratio,
          compared: twoLevel
            ? flaggedProcesses.length === 0
            : isComparableCell(older.measurement) && isComparableCell(newer.measurement),
          movement: !apart && resolvesMovement(ratio) ? (ratio.low > 1 ? 'down' : 'up') : null,
          ...read,
          ...(flaggedProcesses.length === 0 ? {} : { flaggedProcesses }),
          targetCpuPerRequest,
          familyWise: {
            k,
            needed,
            ratio: fwRatio,
            resolved:
              !apart &&
              [fw.low, fw.high].every(Number.isFinite) &&
              fw.coverage >= needed &&
              !(fw.low <= 1 && fw.high >= 1),
            n: fw.n,
          },
        });
      }
    }
  }
  return steps;
}

/** One row per step of a sweep's table: the step, each metric's older / newer ratio, and which metrics moved. */
export interface SweepStepRow {
  line: string;
  step: string;
  /** older / newer per round: `1.12 (1.03–1.25)`, `~ …` when its interval includes 1 (unresolved), `–` unpaired. */
  throughput: string;
  cpuPerRequest: string;
  p99: string;
  /** The metrics that moved beyond noise (`throughput down`), `flagged` when a cell of the pair was; '' for none. */
  moved: string;
  /**
   * The flagged processes the step read (`8.0.3 · process 1: foreign-load (in the interval; a movement exploratory)`);
   * '' for none (stated before the next run after versions-0cfdd43a).
   */
  flagged: string;
}

/**
 * The table of a sweep's steps, one row per consecutive pair of one line (in the order of `steps`): each metric's
 * ratio older / newer with its interval (`ratioText`: `~` marks an interval including 1), and the movements.
 */
export function sweepStepRows(steps: readonly SweepStep[]): SweepStepRow[] {
  const pairs = steps.filter(
    (s, i) => steps.findIndex((x) => x.line === s.line && x.older === s.older && x.newer === s.newer) === i,
  );
  return pairs.map(({ line, older, newer }) => {
    const of = steps.filter((s) => s.line === line && s.older === older && s.newer === newer);
    const text = (metric: RoundMetric) => {
      const s = of.find((x) => x.metric === metric);
      return s === undefined ? '–' : ratioText(s.ratio);
    };
    const moved = of
      .filter((s) => s.movement !== null)
      .map((s) => `${ROUND_METRIC_TEXT[s.metric].text} ${s.movement}${s.compared ? '' : ' (flagged: exploratory)'}`);
    // A cell whose processes disagree moves no step: said once per step (the first metric that says it).
    const apart = of.find((s) => s.disagreement !== undefined)?.disagreement;
    if (apart !== undefined) moved.push(`no movement: ${apart}`);
    const flagged = of.find((s) => (s.flaggedProcesses?.length ?? 0) > 0)?.flaggedProcesses ?? [];
    return {
      line,
      step: `${older} → ${newer}`,
      throughput: text('throughput'),
      cpuPerRequest: text('cpu-per-request'),
      p99: text('p99'),
      moved: moved.join('; '),
      flagged: flagged.length === 0 ? '' : `${flagged.join('; ')} (in the interval; a movement exploratory)`,
    };
  });
}

/** The first and last version of each line with at least two (release order): a line's ends, for a parity claim. */
export function lineEndsOf(cells: readonly Pick<SweepCell, 'line' | 'version'>[]): {
  line: string;
  first: string;
  last: string;
}[] {
  const lines = [...new Set(cells.map((c) => c.line))];
  return lines.flatMap((line) => {
    const versions = cells
      .filter((c) => c.line === line)
      .map((c) => c.version)
      .sort((a, b) => compareVersions(plain(a), plain(b)));
    const first = versions[0];
    const last = versions.at(-1);
    return first !== undefined && last !== undefined && first !== last ? [{ line, first, last }] : [];
  });
}

/** The scenario flags a bisect reruns a step with (the bench flags of `casebook bisect`). */
export interface BisectScenario {
  concurrency: number;
  /** A connection cap the cells ran with (absent or null: the client's own pool). */
  connections?: number | null;
  /** Target think-time (absent or 0: none, the bisect's default). */
  delayMs?: number;
}

/** The client `casebook bisect` measures for a package when no --client is given (one table for the CLI and the leads). */
export const BISECT_DEFAULT_CLIENT: Readonly<Record<'undici' | 'got' | 'axios' | 'node', string>> = {
  undici: 'undici-request',
  got: 'got',
  axios: 'axios',
  node: 'node-http',
};

/**
 * The `casebook bisect` command for one step: `npx casebook bisect --package undici --good 8.4.1 --bad 8.5.0
 * --concurrency 512 --metric throughput --client undici-request`: the metric and the client always written out (the
 * client given, else the bisect's default for the package), so a reader sees what it measures without knowing the
 * defaults; then the scenario's cap and think-time when set. Profile, seed and method are the bisect's defaults
 * (standard, 1, steady for throughput and CPU), which the record's reproduce command prints. The good end is
 * the older version, whichever way the metric moved: the bisect reports regressed or improved itself. Versions must be
 * exact releases and differ (UsageError); the bisect itself refuses a range across lines released in parallel.
 */
export function bisectCommandText(input: {
  packageName: 'undici' | 'got' | 'axios' | 'node';
  good: string;
  bad: string;
  metric: RoundMetric;
  scenario: BisectScenario;
  client?: string;
}): string {
  const good = requireExactVersion('good', input.good);
  const bad = requireExactVersion('bad', input.bad);
  for (const [field, v] of [
    ['good', good],
    ['bad', bad],
  ] as const)
    if (v.prerelease !== '') throw new UsageError(field, v.text, 'a pre-release is on no release line');
  if (good.text === bad.text) throw new UsageError('bad', bad.text, 'the same version as good: nothing to bisect');
  if (!Number.isInteger(input.scenario.concurrency) || input.scenario.concurrency < 1)
    throw new UsageError('concurrency', input.scenario.concurrency, 'expected an integer ≥ 1');
  const args = [
    'npx casebook bisect',
    `--package ${input.packageName}`,
    `--good ${good.text}`,
    `--bad ${bad.text}`,
    `--concurrency ${input.scenario.concurrency}`,
    `--metric ${input.metric}`,
    `--client ${input.client ?? BISECT_DEFAULT_CLIENT[input.packageName]}`,
    ...(input.scenario.connections === undefined || input.scenario.connections === null
      ? []
      : [`--connections ${input.scenario.connections}`]),
    ...(input.scenario.delayMs === undefined || input.scenario.delayMs === 0
      ? []
      : [`--delay-ms ${input.scenario.delayMs}`]),
  ];
  return args.join(' ');
}

/** A committed bisect record as the lead reads it (structural: `committedBisects` entries fit). */
export interface BisectOnRecord {
  file: string;
  record: {
    good: { version: string };
    bad: { version: string };
    metric: { name: string };
    /** The adapter it measured (`undici-request`); absent in a record that names none. */
    client?: string;
    /** 'node' or the npm package whose versions good and bad are (bisectSupersededBy reads it). */
    package?: string;
    scenario: Record<string, unknown>;
    /** Client processes per version; absent: one (bisectSupersededBy: a one-process record can be superseded). */
    processes?: { perVersion: number } | undefined;
    /** The machine it ran on (anonymous id), when the record names one, and the Node that ran it. */
    environment?: { machineId?: string | null; node?: string };
    /**
     * Its runs' segments: which releases it measured, each step's rounds and each segment's ratio (older / newer, null
     * where no round paired), the resolution `rangeOnRecord` quotes for a search that found no boundary.
     */
    steps?: readonly {
      rounds?: number;
      ratios: readonly {
        older: string;
        newer: string;
        ratio?: { median: number | null; low: number | null; high: number | null; coverage: number };
      }[];
    }[];
    /** The boundaries it located (bisectPlans: a confirmed one is a decided step). */
    boundaries?: readonly { older: string; newer: string; confirmation?: { confirmed: boolean } | null }[];
    /** How its search ended (absent: completed). */
    status?: string;
    /** The command that reruns it (rangeOnRecord adds `--rounds` to it for a finer search). */
    reproduce?: { command: string };
  };
}

/** A committed bisect whose range contains a step, and what it can say about that step. */
export interface BisectCovering {
  file: string;
  /** Whether it measured both releases of the step (a segment of its runs has them as its ends, or within them). */
  measuredStep: boolean;
  /** Whether it ran on the machine of the sweep (`machineId` given and equal); null when either is unknown. */
  sameMachine: boolean | null;
  /** "its range contains this step; it measured neither release; another machine (afbe3fcb…)". */
  note: string;
}

/**
 * A step that a claim stated before the run decides (`seq-sweep-7-28-timer-floor` decides 7.27.2 → 7.28.0): its lead
 * names the claim, with no bisect command and no reversal note.
 */
export interface DecidedStep {
  older: string;
  newer: string;
  /** The claim's id, as its verdict records it. */
  claimId: string;
  /** The claim's outcome in this run, printed beside its id when given. */
  outcome?: 'holds' | 'fails' | 'unresolved';
  /**
   * The claim makes `newer` the one release of its line with the change (the next release replaces it, as 7.29.1
   * replaces 7.28.0's timer): then the step back out of `newer` (the next step on the line), in each metric where it
   * moved the other way, is this step's mirror and is decided by the same claim. Not set: the step back out is a lead
   * of its own (a release that keeps the change, such as 8.6.0 after 8.5.0, explains no move back).
   */
  mirror?: boolean;
  /** The step's line (a runtime sweep's client); absent: any line with these two versions. */
  line?: string;
}

/**
 * A step whose movement a mechanism stated in the text before the run names, not a claim (8.7.0 → 8.8.0: the
 * validation's timer replaced by an unref'd `setImmediate`): labelled as such, no bisect command, not counted.
 */
export interface MechanismStep {
  older: string;
  newer: string;
  /** The mechanism, as the text stated it before the run. */
  mechanism: string;
  line?: string;
}

/**
 * What a lead asks for. `bisect`: search the step. `adjacent`: no release was published between its two versions, so
 * the sweep already located the release; its command is the confirming run (a bisect of adjacent releases is a screen
 * and a confirmation of the two). `claim`: a claim stated before the run decides the step (or it is such a step's
 * mirror): no command. `mechanism`: a mechanism stated in the text before the run names the step: no command, not
 * counted. `rerun` (stated before the run after versions-33c58fd8): a lead beside an opposite move at the adjacent step
 * of its line (one outlying cell at the shared release looks like this): its next step is a rerun of the three cells
 * in one comparison of at least 20 rounds, not a bisect. Since versions-a69647ac (its second reader's finding 5) a
 * moved step into or out of one outlying cell (`outlyingCells`) is a `rerun` too: "one cell outlying (one client
 * process), not shown to be a release". `reversed` (stated before the next run after versions-0cfdd43a, its second
 * reader's finding 1): a step beyond chance across the comparison's intervals whose latest earlier committed run on
 * this machine moved it the other way beyond its interval (`reversedBetweenRuns`): "reversed between runs on this
 * machine: rerun with ≥ 3 processes a cell", no command; either direction is cited only once a rerun agrees with the
 * latest run.
 */
export type MovementLeadKind =
  | 'bisect'
  | 'adjacent'
  | 'rerun'
  | 'reversed'
  | 'claim'
  | 'mechanism'
  | 'chance'
  | 'target'
  | 'excess';

/** The one-sided binomial bound of the excess rule: P(X ≥ observed) below this is beyond chance. */
const EXCESS_ALPHA = 0.05;

/**
 * The excess rule (stated before the run after versions-a69647ac, its second reader's finding 1): over a comparison's
 * step × metric intervals that no claim or stated mechanism decides, how many exclude 1, against what chance gives at
 * p = the mean of (1 − coverage); beyond chance as a whole when P(X ≥ observed) < 0.05 (one-sided binomial).
 */
export interface MovementExcess {
  /** Intervals counted: the steps no claim or mechanism decides, with a finite ratio. */
  k: number;
  /** Of them, those excluding 1 (a movement). */
  excluded: number;
  /** The chance of one interval excluding 1: the mean of (1 − coverage). */
  p: number;
  /** What chance gives: k × p. */
  expected: number;
  /** P(X ≥ excluded) for X ~ Binomial(k, p). */
  tail: number;
  /** tail < 0.05 (and at least one interval excludes 1). */
  beyond: boolean;
  /** "12 of 72 intervals exclude 1 where chance gives 2.3 (P(X ≥ 12) = 2.1e-6): moved beyond chance as a whole". */
  text: string;
}

export function movementExcess(input: {
  steps: readonly SweepStep[];
  decided?: readonly DecidedStep[];
  mechanisms?: readonly MechanismStep[];
}): MovementExcess {
  const open = input.steps.filter(
    (s) => Number.isFinite(s.ratio.median) && Number.isFinite(s.ratio.coverage) && statedForStep(input, s) === null,
  );
  const k = open.length;
  const excluded = open.filter((s) => s.movement !== null).length;
  const p = k === 0 ? 0 : open.reduce((a, s) => a + Math.max(0, 1 - s.ratio.coverage), 0) / k;
  const expected = k * p;
  const tail = binomialUpperTail(excluded, k, p);
  const beyond = excluded > 0 && tail < EXCESS_ALPHA;
  const tailText = tail < 0.001 ? tail.toExponential(1) : tail.toFixed(3);
  return {
    k,
    excluded,
    p,
    expected,
    tail,
    beyond,
    text: `${excluded} of ${k} step × metric intervals no claim or mechanism decides exclude 1, where chance gives ${expected.toFixed(1)} (p = ${p.toFixed(3)} each, the mean of 1 − coverage; P(X ≥ ${excluded}) = ${tailText}): ${beyond ? 'moved beyond chance as a whole (P < 0.05, stated before the run): its moved steps are leads to rerun, not findings' : 'not beyond chance as a whole (P ≥ 0.05, or nothing moved)'}`,
  };
}

/** The fraction of a moved step's size (log scale, its median over rounds) the return on the cell's other side reaches. */
const OUTLYING_FRACTION = 0.5;
/** The fewest paired rounds an outlying cell is read from: "every round" over fewer says little. */
const OUTLYING_MIN_ROUNDS = 5;

/**
 * One cell of a line that sits below (or above) both of its neighbours (stated before the run after versions-a69647ac,
 * its second reader's finding 5: 8.6.0 and 8.11.2 ran about 20 % below both neighbours at 512 in every round). Each
 * cell is one client process for the whole comparison, so pairing per round cannot tell "this release" from "this
 * process": such a cell is "one cell outlying (one client process), not shown to be a release".
 */
export interface OutlyingCell {
  line: string;
  /** The outlying cell's version. */
  version: string;
  metric: RoundMetric;
  /** `below`: the cell's value is below both neighbours' in every round; `above`: above both. */
  side: 'below' | 'above';
  /** Its neighbours on the line (release order). */
  older: string;
  newer: string;
  /** The rounds all three cells have a value in. */
  rounds: number;
  /**
   * With processes (stated before the next run after versions-0cfdd43a): the numbers of the cell's processes that ran
   * below (above) both neighbours in every round, some but not all of them ("one process slow").
   */
  slowProcesses?: readonly number[];
  /** With processes: how many the cell ran in. */
  processes?: number;
  /** "One cell outlying (one client process), not shown to be a release: 8.6.0 ran below both 8.5.0 and 8.7.0 …". */
  text: string;
}

/** A cell's value per round in a metric: its processes' round medians (roundMedians), or its one measurement's. */
function cellRoundValues(cell: SweepCell, metric: RoundMetric): Map<number, number> {
  if (cell.processes === undefined || cell.processes.length === 0) return roundValues(cell.measurement, metric);
  const out = new Map<number, number>();
  for (const [r, v] of roundMedians(processRoundsOf(cell, metric)).entries())
    if (v !== null && Number.isFinite(v)) out.set(r, v);
  return out;
}

/**
 * The outlying-cell rule (stated before the run after versions-a69647ac): a cell with a neighbour on each side of its
 * line is outlying in a metric when at least one of its two steps moved beyond noise, and
 * - in every round all three cells have a value in (at least 5), its value is below both neighbours' (or above both):
 *   the rule is read in every round, not in the median of rounds;
 * - in the median of rounds (the steps' own older / newer ratios) the return on each side is at least half the size of
 *   the larger moved step, on a log scale (a per-round test at the step's full median size fails in about half the
 *   rounds by construction, so the size is read in the median).
 * A step that changes and stays (the next cell at the new level) is not outlying: its newer neighbour is not above it
 * in every round, nor by half the step.
 *
 * A cell of several processes (stated before the next run after versions-0cfdd43a, its second reader's finding 2: the
 * rule read process 1 only, and 8.3.0's process 1 was the slow one of three) is read process by process: each of its
 * processes against each neighbour's median over its processes, round by round. Some but not all of its processes
 * below (above) both neighbours in every round: "one process slow, not a release" (or "2 of 3 processes"), and a lead
 * into or out of it is a rerun, as before. All of them: the cell itself moved, in every process, so it is not one
 * process and not returned here (the reversal rule of movementLeads still names the step back). "Processes disagree"
 * (processDisagreements) cannot say this at 6 rounds (disagreementReach): the per-process reading here and the
 * spread printed in the table do.
 */
export function outlyingCells(input: { cells: readonly SweepCell[]; steps: readonly SweepStep[] }): OutlyingCell[] {
  const out: OutlyingCell[] = [];
  const metrics = [...new Set(input.steps.map((s) => s.metric))];
  for (const line of [...new Set(input.cells.map((c) => c.line))]) {
    const cells = input.cells
      .filter((c) => c.line === line)
      .sort((a, b) => compareVersions(plain(a.version), plain(b.version)));
    for (let i = 1; i + 1 < cells.length; i++) {
      const a = cells[i - 1] as SweepCell;
      const b = cells[i] as SweepCell;
      const c = cells[i + 1] as SweepCell;
      for (const metric of metrics) {
        const stepOf = (older: SweepCell, newer: SweepCell) =>
          input.steps.find(
            (s) => s.line === line && s.metric === metric && s.older === older.version && s.newer === newer.version,
          );
        const into = stepOf(a, b);
        const outOf = stepOf(b, c);
        if (into === undefined || outOf === undefined) continue;
        if (into.movement === null && outOf.movement === null) continue;
        // older / newer: into = a / b, outOf = b / c.
        const mi = into.ratio.median;
        const mo = outOf.ratio.median;
        if (!(Number.isFinite(mi) && Number.isFinite(mo) && mi > 0 && mo > 0)) continue;
        const side: 'below' | 'above' | null = mi > 1 && mo < 1 ? 'below' : mi < 1 && mo > 1 ? 'above' : null;
        if (side === null) continue;
        const size = (m: number) => Math.abs(Math.log(m));
        const movedSize = Math.max(
          ...[into, outOf].filter((s) => s.movement !== null).map((s) => size(s.ratio.median)),
        );
        if (Math.min(size(mi), size(mo)) < OUTLYING_FRACTION * movedSize) continue;
        if (b.processes !== undefined && b.processes.length > 1) {
          const slow = slowProcessesOf(a, b, c, metric, side);
          if (slow === null) continue;
          out.push({
            line,
            version: b.version,
            metric,
            side,
            older: a.version,
            newer: c.version,
            rounds: slow.rounds,
            slowProcesses: slow.slow,
            processes: b.processes.length,
            text: slow.text(mi, mo),
          });
          continue;
        }
        const va = roundValues(a.measurement, metric);
        const vb = roundValues(b.measurement, metric);
        const vc = roundValues(c.measurement, metric);
        const rounds = [...vb.keys()].filter((r) => va.has(r) && vc.has(r));
        if (rounds.length < OUTLYING_MIN_ROUNDS) continue;
        const every = rounds.every((r) => {
          const x = vb.get(r) as number;
          const lo = va.get(r) as number;
          const hi = vc.get(r) as number;
          return side === 'below' ? x < lo && x < hi : x > lo && x > hi;
        });
        if (!every) continue;
        out.push({
          line,
          version: b.version,
          metric,
          side,
          older: a.version,
          newer: c.version,
          rounds: rounds.length,
          text: `One cell outlying (one client process), not shown to be a release: ${plain(b.version)} ran ${side} both ${plain(a.version)} and ${plain(c.version)} in ${ROUND_METRIC_TEXT[metric].text} in every one of ${rounds.length} rounds (older / newer ${f2(mi)} into it and ${f2(mo)} out of it, medians of rounds)`,
        });
      }
    }
  }
  return out;
}

/**
 * The processes of `b` below (above) both neighbours' medians over their processes in every round all three have a
 * value in (at least OUTLYING_MIN_ROUNDS), when some but not all of them are; null otherwise.
 */
function slowProcessesOf(
  a: SweepCell,
  b: SweepCell,
  c: SweepCell,
  metric: RoundMetric,
  side: 'below' | 'above',
): { slow: number[]; rounds: number; text: (mi: number, mo: number) => string } | null {
  const va = cellRoundValues(a, metric);
  const vc = cellRoundValues(c, metric);
  const ps = (b.processes ?? []).map((m, k) => {
    const v = roundValues(m, metric);
    const rounds = [...v.keys()].filter((r) => va.has(r) && vc.has(r));
    const every =
      rounds.length >= OUTLYING_MIN_ROUNDS &&
      rounds.every((r) => {
        const x = v.get(r) as number;
        const lo = va.get(r) as number;
        const hi = vc.get(r) as number;
        return side === 'below' ? x < lo && x < hi : x > lo && x > hi;
      });
    const values = [...v.values()];
    const median = values.length ? medianInterval(values).median : Number.NaN;
    return { process: k + 1, rounds: rounds.length, every, median };
  });
  const slow = ps.filter((p) => p.every).map((p) => p.process);
  if (slow.length === 0 || slow.length === ps.length) return null;
  const rest = ps.filter((p) => !p.every).map((p) => p.process);
  const rounds = Math.min(...ps.filter((p) => p.every).map((p) => p.rounds));
  const m = ROUND_METRIC_TEXT[metric];
  const digits = metric === 'throughput' ? 0 : metric === 'cpu-per-request' ? 1 : 2;
  const each = ps.map((p) => `p${p.process} ${Number.isFinite(p.median) ? p.median.toFixed(digits) : '–'}`).join(' · ');
  const and = (xs: readonly number[]) =>
    xs.length === 1 ? String(xs[0]) : `${xs.slice(0, -1).join(', ')} and ${String(xs.at(-1))}`;
  // Slow: below in a metric where higher is better (throughput), above where lower is (CPU per request, p99).
  const word = (side === 'below') === (m.better === 'higher') ? 'slow' : 'fast';
  const who =
    slow.length === 1
      ? `One process ${word}, not a release: ${plain(b.version)} · process ${slow[0]} of ${ps.length}`
      : `${slow.length} of ${ps.length} processes ${word}, not shown to be a release: ${plain(b.version)} · processes ${and(slow)}`;
  return {
    slow,
    rounds,
    text: (mi, mo) =>
      `${who} ran ${side} both ${plain(a.version)} and ${plain(c.version)} (each round's median over their processes) in ${m.text} in every one of ${rounds} rounds, and process${rest.length === 1 ? '' : 'es'} ${and(rest)} did not (each process's median over rounds: ${each} ${m.unit}; older / newer ${f2(mi)} into it and ${f2(mo)} out of it, medians of the steps)`,
  };
}

/**
 * An earlier committed run's steps of the same comparison on the same machine (the notebook reads them from the run's
 * benches): a step that moved the same way there recurs, and is a lead even where this run's rounds cannot reach the
 * family-wise coverage.
 */
export interface EarlierSteps {
  run: string;
  /**
   * When the run started (ISO time: its benches' `createdAt`), so the latest run is known whatever order the runs are
   * listed in (run ids are hashes); absent: the order given (stated before the next run after versions-0cfdd43a).
   */
  startedAt?: string;
  steps: readonly Pick<SweepStep, 'line' | 'older' | 'newer' | 'metric' | 'movement' | 'ratio'>[];
}

/** How a step's move stands in the earlier committed runs that measured it (`recurrenceOf`). */
export interface Recurrence {
  /** The same move in most earlier runs that measured the step, and the opposite move in none. */
  recurs: boolean;
  /** Earlier runs that measured the step (both cells, a finite ratio in the metric). */
  measured: number;
  /** Those where it moved the same way, and the opposite way: `run (older / newer 0.88, 0.64–0.95)`. */
  same: string[];
  opposite: string[];
}

/**
 * The recurrence rule (stated before the run after versions-33c58fd8, the stricter form of the rule stated after
 * versions-670dac55): a step recurs only when it moved the same way in most of the earlier committed runs that measured
 * it (more than half) and the opposite way in none. One earlier run of three that moved is not recurrence: a null step
 * moves in one of several runs by chance.
 */
export function recurrenceOf(
  step: Pick<SweepStep, 'line' | 'older' | 'newer' | 'metric' | 'movement'>,
  earlier: readonly EarlierSteps[],
): Recurrence {
  const same: string[] = [];
  const opposite: string[] = [];
  let measured = 0;
  for (const e of earlier) {
    const o = e.steps.find((x) => sameStep(x, step) && x.metric === step.metric);
    if (o === undefined || !Number.isFinite(o.ratio.median)) continue;
    measured++;
    const text = `${e.run} (older / newer ${f2(o.ratio.median)}, ${f3(o.ratio.low)}–${f3(o.ratio.high)})`;
    if (o.movement !== null && o.movement === step.movement) same.push(text);
    else if (o.movement !== null) opposite.push(text);
  }
  return {
    recurs: step.movement !== null && same.length > measured / 2 && opposite.length === 0,
    measured,
    same,
    opposite,
  };
}

/**
 * The reversal-between-runs rule (stated before the next run after versions-0cfdd43a, its second reader's finding 1:
 * Node 22.23.3 ÷ 24.21.0 for undici `request` at 512 read 1.31 (1.22–1.34) in versions-a69647ac and 0.931
 * (0.883–0.981) in versions-0cfdd43a on the same machine, one client process a cell): the latest earlier committed run
 * on this machine that measured the step (a finite ratio in the metric; latest by `startedAt`, runs without it counted as
 * older, then the order given) moved it the other way beyond its interval. Returns that run's reading, or null when it
 * moved the same way, did not move, or no earlier run measured the step.
 */
function reversedBetweenRuns(
  step: Pick<SweepStep, 'line' | 'older' | 'newer' | 'metric' | 'movement'>,
  earlier: readonly EarlierSteps[],
): string | null {
  if (step.movement === null) return null;
  const measured = earlier.flatMap((e, i) => {
    const o = e.steps.find((x) => sameStep(x, step) && x.metric === step.metric);
    return o === undefined || !Number.isFinite(o.ratio.median) ? [] : [{ e, o, i }];
  });
  const latest = measured.sort((a, b) => (a.e.startedAt ?? '').localeCompare(b.e.startedAt ?? '') || a.i - b.i).at(-1);
  if (latest === undefined || latest.o.movement === null || latest.o.movement === step.movement) return null;
  return `${latest.e.run} (older / newer ${f2(latest.o.ratio.median)}, ${f3(latest.o.ratio.low)}–${f3(latest.o.ratio.high)})`;
}

/**
 * The target's CPU beside a CPU-per-request step (stated before the run after versions-33c58fd8): `rate` when the
 * target's interval excludes 1 and contains the client's factor (the target moved, by the client's factor: the rate
 * regime, not the client); `inseparable` when the target's interval contains both 1 and the client's factor (it may not
 * have moved, or may have moved as much as the client: client and target cannot be told apart, so the step is not
 * dismissed); `client` when it excludes the client's factor (the target did not move by it); null without the target's
 * CPU or for another metric.
 */
export function targetCpuReading(
  step: Pick<SweepStep, 'metric' | 'ratio' | 'targetCpuPerRequest'>,
): 'rate' | 'inseparable' | 'client' | null {
  const tc = step.targetCpuPerRequest;
  const clientFactor = 1 / step.ratio.median;
  if (step.metric !== 'cpu-per-request' || tc === null || !Number.isFinite(clientFactor)) return null;
  const { low, high } = tc.change;
  if (!(Number.isFinite(low) && Number.isFinite(high))) return null;
  const hasClient = low <= clientFactor && clientFactor <= high;
  if (low <= 1 && 1 <= high) return hasClient ? 'inseparable' : 'client';
  return hasClient ? 'rate' : 'client';
}

/** What to do about one movement: the sentence, the bisect command(s), the upstream links, bisects already on record. */
export interface MovementLead {
  step: SweepStep;
  kind: MovementLeadKind;
  sentence: string;
  /** The `casebook bisect` command(s): none for a step a claim or a stated mechanism decides. */
  commands: string[];
  links: { compare: string; release: string } | null;
  /**
   * Committed bisects of the same metric and concurrency whose range contains the step, each saying whether it measured
   * the step's releases and ran on this machine: a range that contains a step is not a bisect of it.
   */
  onRecord: BisectCovering[];
  /**
   * Set when the adjacent step of the same line and metric that shares a release with this one moved the other way
   * (up then down at one version): "reverses at 8.12.4 (8.12.4 → 8.13.1 moved down)", or, unresolved, has its median
   * the other way by at least half this step's size on a log scale ("may reverse at …"). One outlying cell looks like
   * this; rerun or bisect both steps before reading either as a change. Never set on a `claim` or `mechanism` lead,
   * and a neighbour that a claim or a stated mechanism decides is no reversal.
   */
  reversal: string | null;
  /**
   * The other metrics' movements at the same step, folded into this throughput lead because throughput moved more than
   * 2× (older / newer below 0.5 or above 2): a request's CPU and latency then move with the rate; no lead of their own.
   */
  folded: SweepStep[];
}

const f2 = (x: number) => x.toFixed(2);
const f3 = (x: number) => x.toFixed(3);
const f1 = (x: number) => x.toFixed(1);

/** The rounds at which a comparison of a reversing step's three cells is the rerun a `rerun` lead asks for. */
const RERUN_MIN_ROUNDS = 20;

/**
 * The client processes per release a rerun of an outlying cell asks for: with one process a cell (the rule stated
 * after versions-a69647ac) two, so a process slow for its whole life shows against the other; where the step was read
 * two-level (processes, then rounds: SweepStep.interval) and the cell's processes were read one by one (`outlyingCells`'
 * "one process slow"), as many as this run's cell had and at least GATHER_MIN_PROCESSES, the fewest that give a step
 * its two-level interval (stated before the next run after versions-0cfdd43a).
 */
function rerunProcessesText(step: Pick<SweepStep, 'interval'>, outlier: Pick<OutlyingCell, 'processes'>): string {
  const twoLevel = step.interval === 'processes then rounds' || outlier.processes !== undefined;
  if (!twoLevel) return 'two client processes per release';
  const n = Math.max(GATHER_MIN_PROCESSES, outlier.processes ?? 0);
  return `${n} client processes per release, read processes then rounds as this run's step was`;
}

/** How many distinct steps (line, older, newer) the leads are about: the metrics of one step restate one movement. */
export function movedSteps(leads: readonly Pick<MovementLead, 'step'>[]): number {
  return new Set(leads.map((l) => `${l.step.line}\u0000${l.step.older}\u0000${l.step.newer}`)).size;
}

/** Throughput moved more than 2× (older / newer below 0.5 or above 2): the step's other metrics fold into its lead. */
const FOLD_FACTOR = 2;
const movedMoreThanFold = (r: Pick<VersionPairRatio['ratio'], 'median'>) =>
  Number.isFinite(r.median) && r.median > 0 && (r.median < 1 / FOLD_FACTOR || r.median > FOLD_FACTOR);

const sameStep = (a: Pick<SweepStep, 'line' | 'older' | 'newer'>, b: Pick<SweepStep, 'line' | 'older' | 'newer'>) =>
  a.line === b.line && a.older === b.older && a.newer === b.newer;

/** Whether the two versions are adjacent releases: both in the list, and no release of the list between them. */
function adjacentReleases(published: readonly { text: string }[], older: string, newer: string): boolean {
  const has = (v: string) => published.some((r) => r.text === v);
  if (!has(older) || !has(newer)) return false;
  return !published.some((r) => compareVersions(r.text, older) > 0 && compareVersions(r.text, newer) < 0);
}

/** What was stated before the run about a step in its metric: a claim (or its mirror), a mechanism, or nothing. */
function statedForStep(
  input: { steps: readonly SweepStep[]; decided?: readonly DecidedStep[]; mechanisms?: readonly MechanismStep[] },
  step: SweepStep,
): { kind: 'claim'; text: string } | { kind: 'mechanism'; text: string } | null {
  const onLine = (e: { line?: string | undefined }, st: SweepStep) => e.line === undefined || e.line === st.line;
  const matches = (e: { older: string; newer: string; line?: string | undefined }, st: SweepStep) =>
    onLine(e, st) && plain(e.older) === plain(st.older) && plain(e.newer) === plain(st.newer);
  const claimText = (d: DecidedStep) => `claim ${d.claimId}${d.outcome === undefined ? '' : ` (${d.outcome})`}`;
  const direct = (input.decided ?? []).find((d) => matches(d, step));
  if (direct !== undefined)
    return { kind: 'claim', text: `Decided by ${claimText(direct)}, stated before the run: no bisect.` };
  const mirrored = (input.decided ?? []).find((d) => {
    if (d.mirror !== true || !onLine(d, step) || plain(step.older) !== plain(d.newer)) return false;
    const into = input.steps.find((o) => o.metric === step.metric && o.line === step.line && matches(d, o));
    return into !== undefined && into.movement !== null && step.movement !== null && step.movement !== into.movement;
  });
  if (mirrored !== undefined)
    return {
      kind: 'claim',
      text: `Decided by ${claimText(mirrored)}, stated before the run: the step back out of ${plain(mirrored.newer)}, which that claim makes the one swept release of its line with the change (${plain(mirrored.older)} → ${plain(mirrored.newer)}). No bisect.`,
    };
  const named = (input.mechanisms ?? []).find((m) => matches(m, step));
  if (named !== undefined)
    return {
      kind: 'mechanism',
      text: `Named by a mechanism stated in the text before the run (not a claim, not counted): ${named.mechanism}. No bisect.`,
    };
  return null;
}

/**
 * One lead per movement beyond noise, in step order: a sentence ("undici 8.4.1 → 8.5.0: throughput lower (older /
 * newer 1.12, 96.9 % interval 1.03–1.25, paired per round): regressed"), labelled exploratory when a cell of the pair
 * was flagged, the `casebook bisect` command, and the compare and release links upstream. A movement is a lead, not a
 * finding: with many steps at ≥ 95 % coverage each, a few are expected to exclude 1 by chance, and the bisect's own
 * screen and confirm runs decide. `package: 'node'` (a runtime sweep, steps keyed by client): `casebook bisect
 * --package node` searches across majors along Node's main line (the odd majors' releases and each even x.0.0, then the
 * newer major up to its release), its first step from an even major's maintenance branch a line change; the compare
 * link of the two releases beside.
 *
 * What was stated before the run changes a lead (`kind`): a step a claim decides (`decided`), and its mirror, names the
 * claim instead of a bisect; a step a stated mechanism names (`mechanisms`) says so, not counted; neither gets a
 * reversal note, nor gives one to its neighbours. Where throughput moved more than 2×, the step's CPU-per-request and
 * p99 movements fold into its throughput lead, with the target's CPU per request beside when the blocks carry it. With
 * `published` (the registry's version list), a step between adjacent releases is `adjacent`: its command is the
 * confirming run.
 */
export function movementLeads(input: {
  steps: readonly SweepStep[];
  packageName: 'undici' | 'got' | 'axios' | 'node';
  scenario: BisectScenario;
  /**
   * For a package sweep: the client the cells ran, when it is not the package's default for the bisect. A runtime sweep
   * (`packageName: 'node'`) keys its steps by client: each step's line is its --client.
   */
  client?: string;
  bisects?: readonly BisectOnRecord[];
  /** The sweep's machine (anonymous id): a bisect on record from another machine is said to be from another. */
  machineId?: string | null;
  /** Steps that claims stated before the run decide (with their mirrors when `mirror` is set). */
  decided?: readonly DecidedStep[];
  /** Steps that a mechanism stated in the text before the run names (not claims). */
  mechanisms?: readonly MechanismStep[];
  /**
   * The package's published versions (`npm view <package> versions --json`, as committed before the run): a step with
   * no release between its two versions is between adjacent releases. Absent: no step is said to be adjacent.
   */
  published?: readonly string[];
  /**
   * The multiplicity rule (stated before the run after versions-670dac55). Given, a step that no claim or mechanism
   * decides is a lead with a bisect only when its interval excludes 1 at the family-wise coverage over the sweep's
   * step × metric intervals (`familyWise`), or when the same step moved the same way in an earlier committed run on
   * this machine (`earlier`); otherwise it is `chance`: "moved in this run only, within what chance gives", no command.
   * And a CPU-per-request movement whose target moved by a factor whose interval excludes 1 and contains the client's
   * is `target`: the rate regime, no command; where the target's interval contains 1 it says client and target cannot
   * be separated and dismisses nothing. Since versions-33c58fd8 recurrence is `recurrenceOf` (most earlier runs that
   * measured the step, none the other way) and is applied before the target's reading; a lead beside an opposite move
   * at the adjacent step is a `rerun`. Absent: every movement is a lead (the rule before).
   */
  multiplicity?: {
    earlier: readonly EarlierSteps[];
    /**
     * Committed runs of the same comparison on other machines (stated before the run after versions-a69647ac): printed
     * as context, "moved the same way in k of m committed runs on machine 89a6b0ea…", never a lead.
     */
    elsewhere?: readonly (EarlierSteps & { machineId: string })[];
  };
  /**
   * Cells one process may explain (`outlyingCells`, stated before the run after versions-a69647ac): a moved step into
   * or out of one is printed "one cell outlying (one client process), not shown to be a release", and a lead on it
   * (`bisect`, `adjacent`, `excess` or `rerun`) becomes a `rerun` of the three cells, no command; a step a claim, a
   * mechanism or the target's reading decides is unchanged, and a comparison that is itself the three-cell rerun keeps
   * its bisect.
   */
  outlying?: readonly OutlyingCell[];
}): MovementLead[] {
  const published = input.published === undefined ? null : releases(input.published, 'published');
  const statedFor = (step: SweepStep) => statedForStep(input, step);
  const reversalOf = (step: SweepStep): string | null => reversalAt(step)?.text ?? null;
  /** The three cells a rerun of a reversing lead measures: the step's two releases and its neighbour's other one. */
  const rerunCells = (step: SweepStep): string => {
    const o = reversalAt(step)?.neighbour;
    const versions = [
      ...new Set([step.older, step.newer, ...(o === undefined ? [] : [o.older, o.newer])].map(plain)),
    ].sort(compareVersions);
    return `${versions.slice(0, -1).join(', ')} and ${versions.at(-1)}`;
  };
  function reversalAt(step: SweepStep): { text: string; neighbour: SweepStep } | null {
    const neighbours = input.steps.filter(
      (o) =>
        o !== step &&
        o.line === step.line &&
        o.metric === step.metric &&
        (o.older === step.newer || o.newer === step.older) &&
        // A neighbour a stated claim or mechanism decides is explained: its move back is no sign of an outlying cell.
        statedFor(o) === null,
    );
    const at = (o: SweepStep) => plain(o.older === step.newer ? step.newer : step.older);
    const resolved = neighbours.find((o) => o.movement !== null && o.movement !== step.movement);
    if (resolved !== undefined)
      return {
        text: `reverses at ${at(resolved)} (${plain(resolved.older)} → ${plain(resolved.newer)} moved ${resolved.movement})`,
        neighbour: resolved,
      };
    // A neighbour whose median goes the other way, unresolved, by at least half the step's own size (log scale): the
    // shared release may be the one outlying cell. Without the size rule, noise alone puts an unresolved neighbour's
    // median on the other side about half the time.
    const side = (o: SweepStep) => Math.sign(o.ratio.median - 1);
    const size = (o: SweepStep) => Math.abs(Math.log(o.ratio.median));
    const opposite = neighbours.find(
      (o) =>
        Number.isFinite(o.ratio.median) &&
        o.ratio.median > 0 &&
        side(o) === -side(step) &&
        side(o) !== 0 &&
        size(o) >= 0.5 * size(step),
    );
    if (opposite === undefined) return null;
    return {
      text: `may reverse at ${at(opposite)} (${plain(opposite.older)} → ${plain(opposite.newer)}: older / newer ${f2(opposite.ratio.median)} the other way, unresolved)`,
      neighbour: opposite,
    };
  }
  const moved = input.steps.filter((s) => s.movement !== null);
  // The excess rule (stated before the run after versions-a69647ac): the comparison as a whole against chance.
  const excess = input.multiplicity === undefined ? null : movementExcess(input);
  const machineText =
    input.machineId === undefined || input.machineId === null
      ? 'this machine'
      : `this machine, ${input.machineId.slice(0, 8)}…`;
  /** Cross-machine recurrence as context, one clause per machine: never a lead. */
  const elsewhereText = (step: SweepStep): string => {
    const runs = input.multiplicity?.elsewhere ?? [];
    const machines = [...new Set(runs.map((r) => r.machineId))].filter((m) => m !== input.machineId);
    const parts = machines.flatMap((m) => {
      const r = recurrenceOf(
        step,
        runs.filter((e) => e.machineId === m),
      );
      return r.measured === 0
        ? []
        : [
            `moved the same way in ${r.same.length} of ${r.measured} committed runs on machine ${m.slice(0, 8)}…${r.opposite.length === 0 ? '' : ` (the opposite way in ${r.opposite.length})`}`,
          ];
    });
    return parts.length === 0 ? '' : ` Context from other machines (not a lead): ${parts.join('; ')}.`;
  };
  /** The step's line is exactly the three cells a rerun would measure, over at least RERUN_MIN_ROUNDS rounds. */
  const isItsOwnRerun = (step: SweepStep): boolean => {
    const o = reversalAt(step)?.neighbour;
    if (o === undefined || (step.familyWise.n ?? 0) < RERUN_MIN_ROUNDS) return false;
    const cells = new Set([step.older, step.newer, o.older, o.newer].map(plain));
    const line = new Set(
      input.steps.filter((x) => x.line === step.line).flatMap((x) => [plain(x.older), plain(x.newer)]),
    );
    return cells.size === 3 && line.size === 3 && [...cells].every((v) => line.has(v));
  };
  /** The outlying cell a step goes into or comes out of, in its metric, if any. */
  const outlyingAt = (step: SweepStep): OutlyingCell | undefined =>
    (input.outlying ?? []).find(
      (o) =>
        o.line === step.line &&
        o.metric === step.metric &&
        ((plain(o.older) === plain(step.older) && plain(o.version) === plain(step.newer)) ||
          (plain(o.version) === plain(step.older) && plain(o.newer) === plain(step.newer))),
    );
  /** The throughput step a step's other metric folds into (throughput moved more than 2× at the same step), if any. */
  const foldsInto = (step: SweepStep): SweepStep | undefined =>
    step.metric === 'throughput'
      ? undefined
      : moved.find((o) => o.metric === 'throughput' && sameStep(o, step) && movedMoreThanFold(o.ratio));
  return moved
    .filter((step) => foldsInto(step) === undefined)
    .map((step) => {
      const movement = step.movement as 'up' | 'down';
      const m = ROUND_METRIC_TEXT[step.metric];
      // How the step's interval was read (SweepStep.interval): two-level when both cells have processes, else paired
      // per round (one client process a cell). The target's CPU beside it is read from process 1 of each cell.
      const twoLevel = step.interval === 'processes then rounds';
      const targetOf = twoLevel ? ', process 1 of each cell' : '';
      const direction = directionOf(step.metric, movement);
      const client = input.packageName === 'node' ? step.line : input.client;
      const older = plain(step.older);
      const newer = plain(step.newer);
      const stated = statedFor(step);
      const rule = input.multiplicity;
      const tc = step.targetCpuPerRequest;
      // The client's CPU factor as newer / older (the step's ratio is older / newer), against the target's change.
      const clientFactor = 1 / step.ratio.median;
      const targetText =
        tc === null
          ? "the target's CPU per request is not recorded in these blocks"
          : `the target's CPU per request (the same target program in both cells) in the same rounds${targetOf}: ${f1(tc.olderUs)} → ${f1(tc.newerUs)} µs, ${f2(tc.change.median)}× newer / older (${intervalLabel({ coverage: tc.change.coverage })} ${f2(tc.change.low)}–${f2(tc.change.high)}), against the client's ${f2(clientFactor)}×`;
      const recurrence = recurrenceOf(step, rule?.earlier ?? []);
      const recurs = recurrence.recurs ? recurrence.same : [];
      const reading = rule === undefined ? null : targetCpuReading(step);
      // Recurrence first: a step that recurs is not dismissed by the target's reading.
      const targetExplains = reading === 'rate' && recurs.length === 0;
      const fw = step.familyWise;
      const chance = rule !== undefined && !fw.resolved && recurs.length === 0;
      const earlierText =
        rule === undefined || recurrence.measured === 0
          ? ''
          : ` (earlier committed runs that measured this step: ${recurrence.measured}; the same move in ${recurrence.same.length}${recurrence.same.length === 0 ? '' : `: ${recurrence.same.join(', ')}`}${recurrence.opposite.length === 0 ? '' : `; the opposite move in ${recurrence.opposite.join(', ')}`})`;
      // The excess rule: a chance step of a comparison that moved beyond chance as a whole is a lead to rerun.
      const kind0: 'excess' | 'chance' | null = chance ? (excess?.beyond === true ? 'excess' : 'chance') : null;
      // The coverage asked for to two decimals (98.75 %), the coverage reached to one (96.9 %).
      const neededText = (x: number) => `${Number((x * 100).toFixed(2))} %`;
      const pctText = (x: number) => `${(x * 100).toFixed(1)} %`;
      const multiplicityText =
        rule === undefined || stated !== null || targetExplains
          ? ''
          : fw.resolved
            ? ` Beyond chance across ${fw.k} step × metric intervals: its ${pctText(fw.ratio.coverage)} interval ${f3(fw.ratio.low)}–${f3(fw.ratio.high)} excludes 1 (needed ${neededText(fw.needed)}).`
            : recurs.length > 0
              ? ` Recurs: the same step moved the same way in ${recurs.join(' and ')} on this machine (committed), ${recurrence.same.length} of the ${recurrence.measured} earlier runs that measured it, none the other way.`
              : rule.earlier.length === 0 && fw.ratio.coverage < fw.needed
                ? ` No committed earlier run on ${machineText}; at ${fw.n ?? 'these'} rounds no single step can reach the family-wise coverage of ${neededText(fw.needed)} over ${fw.k} step × metric intervals (at most ${pctText(fw.ratio.coverage)}): this comparison cannot name a lead from one step. In this comparison ${excess?.text ?? ''}.${kind0 === 'excess' ? '' : ' Not a lead.'}`
                : ` Not a lead from this step alone across ${fw.k} step × metric intervals (a lead needs an interval of ${neededText(fw.needed)} coverage excluding 1, ${fw.ratio.coverage < fw.needed ? `which these rounds cannot give (at most ${pctText(fw.ratio.coverage)})` : `and that interval is ${f3(fw.ratio.low)}–${f3(fw.ratio.high)}`}, or the same move in most earlier runs on this machine that measured it and the opposite in none${earlierText}). In this comparison ${excess?.text ?? ''}.`;
      const cpuText =
        rule === undefined || stated !== null || step.metric !== 'cpu-per-request'
          ? ''
          : targetExplains
            ? ` Beside it, ${targetText}: the target moved too (its interval excludes 1) and its interval contains the client's factor, so this is the rate regime, not the client: no bisect.`
            : reading === 'inseparable'
              ? ` Beside it, ${targetText}: the target's interval contains 1, so this run cannot separate client from target (not dismissed).`
              : ` Beside it, ${targetText}.`;
      const adjacent = stated === null && published !== null && adjacentReleases(published, older, newer);
      const searched: MovementLeadKind = adjacent ? 'adjacent' : 'bisect';
      // A lead beside an opposite move at the adjacent step (stated before the run after versions-33c58fd8): rerun first.
      const reversalFirst =
        stated === null && rule !== undefined && !targetExplains && !chance ? reversalOf(step) : null;
      // A rerun lead in a comparison that already is that rerun (the three cells, ≥ 20 rounds): bisect instead.
      const ownRerun = reversalFirst !== null && isItsOwnRerun(step);
      const baseKind: MovementLeadKind =
        stated?.kind ??
        (targetExplains ? 'target' : (kind0 ?? (reversalFirst !== null && !ownRerun ? 'rerun' : searched)));
      // The outlying-cell rule (stated before the run after versions-a69647ac): a lead into or out of one outlying cell.
      const outlier = stated === null && !targetExplains ? outlyingAt(step) : undefined;
      const outlierRerun =
        outlier !== undefined &&
        !ownRerun &&
        (baseKind === 'bisect' || baseKind === 'adjacent' || baseKind === 'excess' || baseKind === 'rerun');
      // The reversal-between-runs rule (stated before the next run after versions-0cfdd43a): a step beyond chance here
      // that the latest earlier run on this machine moved the other way is rerun with processes, not bisected.
      const betweenRuns =
        rule !== undefined && stated === null && !targetExplains && fw.resolved
          ? reversedBetweenRuns(step, rule.earlier)
          : null;
      const kind: MovementLeadKind = betweenRuns !== null ? 'reversed' : outlierRerun ? 'rerun' : baseKind;
      const bisect = (good: string, bad: string) =>
        bisectCommandText({
          packageName: input.packageName,
          good,
          bad,
          metric: step.metric,
          scenario: input.scenario,
          ...(client === undefined ? {} : { client }),
        });
      const majorOf = (v: string) => v.split('.')[0] ?? '';
      const commands = kind === 'bisect' || kind === 'adjacent' || kind === 'excess' ? [bisect(older, newer)] : [];
      // Edges to 3 decimals: an edge at 0.998 or 1.002 must not print as 1.00 beside "moved".
      const ratio = `older / newer ${f2(step.ratio.median)}, ${intervalLabel({ coverage: step.ratio.coverage })} ${f3(step.ratio.low)}–${f3(step.ratio.high)}, ${twoLevel ? 'two-level: processes, then rounds' : 'paired per round'}`;
      const what =
        input.packageName === 'node'
          ? `${step.line}: Node ${older} → ${newer}`
          : `${input.packageName} ${older} → ${newer}`;
      const flagged = step.compared
        ? ''
        : (step.flaggedProcesses?.length ?? 0) > 0
          ? ` — exploratory: flagged processes in its interval (${(step.flaggedProcesses ?? []).join('; ')}), so nothing is compared`
          : ' — exploratory: a cell of the pair is flagged, so nothing is compared';
      const crossMajor =
        (kind === 'bisect' || kind === 'adjacent') && input.packageName === 'node' && majorOf(older) !== majorOf(newer)
          ? Number(majorOf(older)) % 2 === 0
            ? ` Across majors \`casebook bisect --package node\` follows Node's main line: its first step crosses from ${majorOf(older)}.x's maintenance branch to the next major's x.0.0 (a boundary there lies between the two lines, not at one release), then the odd major's releases and ${majorOf(newer)}.x up to ${newer}.`
            : ` Across majors \`casebook bisect --package node\` follows Node's main line: the rest of ${majorOf(older)}.x, then ${majorOf(newer)}.x up to ${newer}.`
          : '';
      const folded = moved.filter((o) => foldsInto(o) === step);
      const foldText = (() => {
        if (folded.length === 0) return '';
        const names = folded.map((o) => `${ROUND_METRIC_TEXT[o.metric].text} (older / newer ${f2(o.ratio.median)})`);
        const t = step.targetCpuPerRequest;
        const target =
          t === null
            ? ''
            : resolvesMovement(t.change)
              ? `; the target's CPU per request (the same target program in both cells) moved too: ${f1(t.olderUs)} → ${f1(t.newerUs)} µs (${f2(t.change.median)}×, newer / older, ${intervalLabel({ coverage: t.change.coverage })} ${f2(t.change.low)}–${f2(t.change.high)}, paired per round${targetOf})`
              : `; the target's CPU per request (the same target program in both cells) did not move beyond noise: ${f1(t.olderUs)} → ${f1(t.newerUs)} µs (~ ${f2(t.change.median)}×, newer / older${targetOf})`;
        const one = folded.length === 1;
        return ` ${names.join(' and ')} ${one ? 'moves' : 'move'} with the rate (throughput moved more than ${FOLD_FACTOR}×): no ${one ? 'lead of its own' : 'leads of their own'}${target}.`;
      })();
      const scenarioC = (r: BisectOnRecord) => r.record.scenario['concurrency'];
      const onRecord = (input.bisects ?? [])
        .filter(
          (b) =>
            b.record.metric.name === step.metric &&
            (b.record.client === undefined ||
              b.record.client === (client ?? BISECT_DEFAULT_CLIENT[input.packageName])) &&
            scenarioC(b) === input.scenario.concurrency &&
            lineOf(b.record.bad.version) === lineOf(newer) &&
            compareVersions(b.record.good.version, older) <= 0 &&
            compareVersions(newer, b.record.bad.version) <= 0,
        )
        .map((b): BisectCovering => {
          const segments = (b.record.steps ?? []).flatMap((s) => s.ratios);
          const measuredStep = segments.some(
            (r) => compareVersions(plain(r.older), older) >= 0 && compareVersions(newer, plain(r.newer)) >= 0,
          );
          const seen = new Set(segments.flatMap((r) => [plain(r.older), plain(r.newer)]));
          const theirs = b.record.environment?.machineId ?? null;
          const ours = input.machineId ?? null;
          const sameMachine = theirs === null || ours === null ? null : theirs === ours;
          const where =
            theirs === null || ours === null
              ? 'machine not known'
              : theirs === ours
                ? 'this machine'
                : `another machine (${theirs.slice(0, 8)}…)`;
          const one = [older, newer].filter((v) => seen.has(v));
          const measured = measuredStep
            ? `it measured ${older} and ${newer} (or releases between them)`
            : one.length === 1
              ? `it measured only ${one[0]}, so it does not decide this step`
              : 'it measured neither release, so it does not decide this step';
          return {
            file: b.file,
            measuredStep,
            sameMachine,
            note: `its range contains this step; ${measured}; ${where}`,
          };
        });
      const reversal =
        kind === 'bisect' || kind === 'adjacent' || kind === 'rerun' || kind === 'excess' ? reversalOf(step) : null;
      const ownRerunText = ownRerun
        ? ` This comparison is itself the rerun a reversal asks for (the three cells ${rerunCells(step)}, interleaved, ${step.familyWise.n ?? RERUN_MIN_ROUNDS} rounds): no rerun is asked; the next step is the bisect.`
        : '';
      const excessText =
        kind === 'excess'
          ? ' The comparison moved beyond chance as a whole (the excess rule, stated before the run): this step is a lead to rerun, not a finding.'
          : '';
      const rerunText = kind === 'rerun' ? rerunCells(step) : '';
      const betweenRunsText =
        betweenRuns === null
          ? ''
          : ` Reversed between runs on this machine: the latest earlier committed run here that measured it, ${betweenRuns}, moved it the other way beyond its interval${twoLevel ? ' (this run read it processes then rounds)' : ' (this run read it one client process a cell)'}: rerun with ≥ ${GATHER_MIN_PROCESSES} processes a cell before citing either direction; no bisect.`;
      const outlierText =
        outlier === undefined
          ? ''
          : ` ${outlier.text}${outlierRerun ? `: the next step is a rerun of ${plain(outlier.older)}, ${plain(outlier.version)} and ${plain(outlier.newer)} in one interleaved comparison of at least ${RERUN_MIN_ROUNDS} rounds, ${rerunProcessesText(step, outlier)}, not a bisect.` : '.'}`;
      return {
        step,
        kind,
        sentence: `${what}: ${m.text} ${movement === 'up' ? 'higher' : 'lower'} (${ratio}): ${direction}${flagged}.${crossMajor}${foldText}${stated === null ? '' : ` ${stated.text}`}${cpuText}${multiplicityText}${excessText}${betweenRunsText}${elsewhereText(step)}${ownRerunText}${outlierText}${reversal === null || ownRerun || outlierRerun || betweenRuns !== null ? '' : kind === 'rerun' ? ` It ${reversal}: one outlying cell at that release looks like this, so the next step is a rerun of ${rerunText} in one interleaved comparison of at least 20 rounds, not a bisect.` : ` It ${reversal}: one outlying cell at that release looks like this; rerun or bisect both steps before reading either as a change.`}`,
        commands,
        links: releaseLinks(input.packageName, older, newer),
        onRecord,
        reversal,
        folded,
      };
    });
}

/**
 * The leads as markdown list lines: each sentence, then what to run. A `bisect` lead: its command(s) and the upstream
 * links; an `adjacent` lead, in one line: "adjacent releases: located by the sweep", the compare link, and the
 * confirming run; a `rerun` lead: the rerun its sentence names, with the compare link; a `reversed` lead: "reversed
 * between runs on this machine: rerun with ≥ 3 processes a cell", with the compare link; a `claim` or `mechanism` lead:
 * the sentence alone (it names what decides it). Then any committed
 * bisect whose range contains the step (`recordsShownIn`: where the notebook shows them, as "section 1 shows it").
 */
export function movementLeadLines(leads: readonly MovementLead[], options: { recordsShownIn?: string } = {}): string[] {
  const shown = options.recordsShownIn === undefined ? '' : `, ${options.recordsShownIn}`;
  return leads.flatMap((l) => {
    const older = plain(l.step.older);
    const newer = plain(l.step.newer);
    const compare = l.links === null ? `compare ${older}…${newer}` : `[compare ${older}…${newer}](${l.links.compare})`;
    const run =
      l.kind === 'bisect'
        ? [
            ...l.commands.map((c) => `  - next: \`${c}\``),
            ...(l.links === null ? [] : [`  - upstream: ${compare} · [release notes ${newer}](${l.links.release})`]),
          ]
        : l.kind === 'adjacent'
          ? [
              `  - adjacent releases: located by the sweep (${compare}); the confirming run: ${l.commands.map((c) => `\`${c}\``).join(' and ')}`,
            ]
          : l.kind === 'rerun'
            ? [
                `  - next: the three-cell rerun the sentence names, no bisect before it reproduces the step (${compare})`,
              ]
            : l.kind === 'reversed'
              ? [
                  `  - reversed between runs on this machine: rerun with ≥ ${GATHER_MIN_PROCESSES} processes a cell; no bisect before a rerun agrees with one direction (${compare})`,
                ]
              : l.kind === 'excess'
                ? [
                    ...l.commands.map(
                      (c) =>
                        `  - lead to rerun (the comparison moved beyond chance as a whole; not a finding): \`${c}\``,
                    ),
                    ...(l.links === null ? [] : [`  - upstream: ${compare}`]),
                  ]
                : [];
    return [
      `- ${l.sentence}`,
      ...run,
      ...l.onRecord.map((b) => `  - a committed bisect ([\`${b.file}\`](../${b.file})${shown}): ${b.note}`),
    ];
  });
}

/**
 * The table of a runtime sweep: one group per client (in cell order), each row's ratios against the same client on the
 * `reference` runtime (versionRows, under `rule`: with `sameSockets`, none between different peaks of open
 * connections), never against another client; a group without the reference runtime is shown against its first cell.
 */
export function runtimeRows(
  cells: readonly (Pick<RuntimeCell, 'client' | 'runtime'> & { measurement: VersionMeasurement })[],
  reference: string,
  rule: RowRatioRule = {},
): VersionRow[] {
  const clients = [...new Set(cells.map((c) => c.client))];
  return clients.flatMap((client) => {
    const group = cells.filter((c) => c.client === client);
    const ref = group.find((c) => c.runtime === reference) ?? group[0];
    return versionRows(
      group.map((c) => c.measurement),
      ref?.measurement,
      rule,
    );
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Claims stated before the run

/**
 * One parity claim per client and runtime other than `reference`: the client on that runtime against the same client
 * on the reference runtime, paired per round, within `band` (versionParityClaim: holds inside, fails wholly outside,
 * unresolved when straddling or flagged). Ids: `<prefix>-<client>-node<major>-<metric>-parity`.
 */
export function runtimeParityClaims(input: {
  prefix: string;
  cells: readonly (Pick<RuntimeCell, 'client' | 'runtime'> & { measurement: VersionMeasurement })[];
  reference: string;
  metric: 'throughputRps' | 'cpuMicrosPerRequest';
  band: Required<Threshold>;
  kind?: 'claim' | 'exploratory';
  scope?: string;
  /** Compare only cells with the same peak of open connections (versionParityClaim's `sameSockets`). */
  sameSockets?: boolean;
}): VerdictData[] {
  const metricId = input.metric === 'throughputRps' ? 'throughput' : 'cpu';
  const clients = [...new Set(input.cells.map((c) => c.client))];
  return clients.flatMap((client) => {
    const ref = input.cells.find((c) => c.client === client && c.runtime === input.reference);
    if (ref === undefined) return [];
    return input.cells
      .filter((c) => c.client === client && c.runtime !== input.reference)
      .map((c) =>
        versionParityClaim({
          id: `${input.prefix}-${client}-node${c.runtime.split('.')[0]}-${metricId}-parity`,
          reference: ref.measurement,
          other: c.measurement,
          metric: input.metric,
          band: input.band,
          // The client's own cells: each client is its own comparison (no cell of another counts as "not steady" here).
          cells: input.cells.filter((x) => x.client === client).map((x) => x.measurement),
          ...(input.kind === undefined ? {} : { kind: input.kind }),
          ...(input.scope === undefined ? {} : { scope: input.scope }),
          ...(input.sameSockets === undefined ? {} : { sameSockets: input.sameSockets }),
        }),
      );
  });
}

/**
 * At one request in flight on a kept-alive connection, each cell opened exactly one socket over the whole run (the
 * target's count, every block's re-warm included) and never held more than one open. `kind: 'sanity'` when the
 * harness enforces it (every cell capped at one connection); otherwise a count claim that can fail: a client whose
 * pool opens a second socket while its first waits to be released (undici's deferred resume, LAB-NOTES) fails it,
 * and so does one that closes its idle socket between blocks.
 */
export function singleSocketVerdict(input: {
  id: string;
  measurements: readonly VersionMeasurement[];
  kind?: 'claim' | 'sanity';
  scope?: string;
  /**
   * An earlier run that already measured these counts (`{ run: 'versions-115bbbac', text: 'undici and Node's fetch 2
   * sockets, the others 1' }`): the outcome is known before this run, so the verdict is a replication, exploratory, its
   * text naming the run; not counted among the findings. With `outcome` (the outcome that run decided), the evidence
   * keeps it (`replicatesOutcome`), and the headline counts it replicated only when it is the same here.
   */
  replicates?: { run: string; text: string; outcome?: 'holds' | 'fails' | 'unresolved' };
}): VerdictData {
  const off = input.measurements.filter((m) => m.target.connectionsOpened !== 1 || m.target.peakOpenConnections > 1);
  const r = input.replicates;
  const claim = `${input.scope === undefined ? '' : `${input.scope}: `}every cell opened exactly 1 socket over its run and never held more than 1 open (${input.measurements.map((m) => m.label).join(', ')})`;
  const verdict = {
    id: input.id,
    claim: r === undefined ? claim : `Replication of ${r.run} (which measured ${r.text}; not a finding): ${claim}`,
    holds: input.measurements.length > 0 && off.length === 0,
    evidence: Object.fromEntries([
      ['cells not at one socket', off.map((m) => m.label).join(', ') || 'none'],
      ...input.measurements.map((m) => [`opened ${m.label}`, m.target.connectionsOpened]),
      ...input.measurements.map((m) => [`peak open ${m.label}`, m.target.peakOpenConnections]),
      ...(r === undefined ? [] : [['replicates', r.run]]),
      ...(r?.outcome === undefined ? [] : [['replicatesOutcome', r.outcome]]),
    ]),
  };
  if (input.kind === 'sanity') return sanityCheck(verdict);
  return countClaim(r === undefined ? verdict : { ...verdict, kind: 'exploratory' });
}

// ---------------------------------------------------------------------------------------------------------------
// The bisect plan of a version matrix (notebook 07's sections 1 and 5), in each metric its blocks sum

/** The metrics a version matrix's bisect plan covers: the ones each block sums, by `casebook bisect --metric`'s names. */
export type PlanMetric = 'throughput' | 'cpu-per-request';

const PLAN_BLOCK_METRIC: Readonly<Record<PlanMetric, BlockMetric>> = {
  throughput: 'throughputRps',
  'cpu-per-request': 'cpuMicrosPerRequest',
};

/**
 * The `casebook bisect` commands that search one bracket. On one line (or for Node, whose bisect follows its main
 * line across majors): one command. Across two consecutive lines released in parallel (undici 7.30.2 → 8.13.1): each
 * line from its fork (`lineForks`, per newer major: the older line's last release published before the newer line
 * began), the newer line from the fork up to the bracket's newer end, and the older line between the fork and the
 * bracket's older end (from the fork when it lies before that end, up to the fork when after). A bracket across more
 * than two lines, or with no fork listed, gets no command but a note saying how to search it.
 */
export function bracketCommands(input: {
  bracket: { older: string; newer: string };
  packageName: 'undici' | 'got' | 'axios' | 'node';
  metric: RoundMetric;
  scenario: BisectScenario;
  client?: string;
  lineForks?: Readonly<Record<string, string>>;
}): { commands: string[]; note: string | null } {
  const r = bracketRanges(input);
  const cmd = (good: string, bad: string) =>
    bisectCommandText({
      packageName: input.packageName,
      good,
      bad,
      metric: input.metric,
      scenario: input.scenario,
      ...(input.client === undefined ? {} : { client: input.client }),
    });
  return { commands: r.ranges.map((x) => cmd(x.good, x.bad)), note: r.note };
}

/** The (good, bad) ranges `bracketCommands` searches a bracket with, and its note. */
function bracketRanges(input: {
  bracket: { older: string; newer: string };
  packageName: 'undici' | 'got' | 'axios' | 'node';
  lineForks?: Readonly<Record<string, string>>;
}): { ranges: { good: string; bad: string }[]; note: string | null } {
  const older = plain(input.bracket.older);
  const newer = plain(input.bracket.newer);
  const major = (v: string) => Number(v.split('.')[0]);
  const cmd = (good: string, bad: string) => ({ good, bad });
  if (input.packageName === 'node' || major(older) === major(newer)) return { ranges: [cmd(older, newer)], note: null };
  const name = `${input.packageName} ${older} → ${newer}`;
  if (major(newer) - major(older) !== 1)
    return {
      ranges: [],
      note: `${name} spans more than two lines: bisect each line from its fork point separately`,
    };
  const fork = input.lineForks?.[String(major(newer))];
  if (fork === undefined)
    return {
      ranges: [],
      note: `no fork point of ${input.packageName} ${major(newer)}.x listed before the run: bisect each line from its own releases`,
    };
  const from = `${fork}, the last ${major(older)}.x release before ${major(newer)}.x began`;
  const order = compareVersions(fork, older);
  if (order < 0)
    return {
      ranges: [cmd(fork, newer), cmd(fork, older)],
      note: `${name} crosses two lines released in parallel: each line is searched from ${from}`,
    };
  return {
    ranges: [cmd(fork, newer), ...(order > 0 ? [cmd(older, fork)] : [])],
    note: `${name} crosses two lines released in parallel: ${major(newer)}.x is searched from ${from}${order > 0 ? `, and ${major(older)}.x from ${older} up to it` : ''}`,
  };
}

/** A bracket of a metric's plan, with the commands that search it (none when folded or not searchable: `note`). */
export interface PlannedBracket extends BisectBracket {
  commands: string[];
  note: string | null;
}

/** One metric's bisect plan: its paired ratios, brackets (with their commands) and screen (`bisectPlan`). */
export interface MetricBisectPlan {
  metric: PlanMetric;
  pairs: VersionPairRatio[];
  brackets: PlannedBracket[];
  screen: string[];
}

/**
 * The bisect plan of a version matrix in each metric (default: throughput and CPU per request), by one rule for both:
 * `bisectPlan`'s brackets from the data (the closest pairs of measured versions between which a movement is resolved)
 * and screen from the candidates listed before the run, and `bracketCommands` for the commands. A metric with no
 * resolved movement has no plan (left out). As with the leads, a CPU-per-request bracket with the same ends as a
 * throughput bracket that moved more than 2× folds into it: no command of its own, a note saying so.
 */
export function bisectPlans(input: {
  cells: readonly { version: string; measurement: VersionMeasurement }[];
  candidates: readonly string[];
  packageName: 'undici' | 'got' | 'axios';
  scenario: BisectScenario;
  client?: string;
  lineForks?: Readonly<Record<string, string>>;
  metrics?: readonly PlanMetric[];
  /**
   * Committed bisects (stated before the run after versions-a69647ac, its second reader's finding 7). Given, a range
   * that a committed bisect of the same client, metric and concurrency already searched is named beside its command
   * (file, machine, outcome), and a range that contains a boundary such a bisect (completed) located and confirmed (the
   * ×18 timer steps at one request in flight) is not planned: a screen between its ends finds that step, not this movement; the
   * note says so and asks for a range that excludes it. Since versions-0cfdd43a (its second reader's finding 5), a
   * range with the same ends that a complete bisect of 3 or more processes per version searched on this machine with no
   * boundary is not planned again with the same command: its note says so and asks for more rounds (`rangeOnRecord`).
   */
  bisects?: readonly BisectOnRecord[];
  /** This run's machine (anonymous id), to say whether a bisect on record ran on it. */
  machineId?: string | null;
}): MetricBisectPlan[] {
  const plans = (input.metrics ?? (['throughput', 'cpu-per-request'] as const)).flatMap((metric) => {
    const plan = bisectPlan({ cells: input.cells, candidates: input.candidates, metric: PLAN_BLOCK_METRIC[metric] });
    return plan === null ? [] : [{ metric, plan }];
  });
  const throughput = plans.find((p) => p.metric === 'throughput')?.plan.brackets ?? [];
  return plans.map(({ metric, plan }) => ({
    metric,
    pairs: plan.pairs,
    screen: plan.screen,
    brackets: plan.brackets.map((b): PlannedBracket => {
      const into = throughput.find((t) => t.older === b.older && t.newer === b.newer && movedMoreThanFold(t.ratio));
      if (metric !== 'throughput' && into !== undefined)
        return {
          ...b,
          commands: [],
          note: `moves with the rate: throughput moved more than ${FOLD_FACTOR}× over the same bracket (older / newer ${f2(into.ratio.median)}), and its bisect covers it`,
        };
      const planned = bracketCommands({
        bracket: b,
        packageName: input.packageName,
        metric,
        scenario: input.scenario,
        ...(input.client === undefined ? {} : { client: input.client }),
        ...(input.lineForks === undefined ? {} : { lineForks: input.lineForks }),
      });
      if (input.bisects === undefined) return { ...b, ...planned };
      const ranges = bracketRanges({
        bracket: b,
        packageName: input.packageName,
        ...(input.lineForks === undefined ? {} : { lineForks: input.lineForks }),
      }).ranges;
      const client = input.client ?? BISECT_DEFAULT_CLIENT[input.packageName];
      const notes: string[] = planned.note === null ? [] : [planned.note];
      const commands = ranges.flatMap((range, i) => {
        const command = planned.commands[i];
        if (command === undefined) return [];
        const on = rangeOnRecord({
          range,
          metric,
          client,
          concurrency: input.scenario.concurrency,
          bisects: input.bisects ?? [],
          machineId: input.machineId ?? null,
        });
        notes.push(...on.notes);
        return on.plan ? [command] : [];
      });
      return { ...b, commands, note: notes.length === 0 ? null : notes.join('; ') };
    }),
  }));
}

/**
 * What the committed bisects say about one range a plan would search (bisectPlans, stated before the run after
 * versions-a69647ac): a bisect of the same client, metric and concurrency with the same ends ("already searched by
 * <file> (machine …; no boundary)"), and boundaries such bisects located and confirmed inside it. A range containing a
 * confirmed boundary is not planned (`plan: false`). A one-process bisect superseded by a complete multi-process one
 * (`bisectSupersededBy`, stated before the next run after the 3-process bisects of 6 December 2026) is named with
 * "superseded by <file>, not a finding", and its confirmed boundary does not stop a plan.
 *
 * Stated before the next run after versions-0cfdd43a (its second reader's finding 5): a range with the same ends that a
 * complete bisect (`isCompleteBisect`) of at least GATHER_MIN_PROCESSES client processes per version, of the same
 * client, metric and concurrency, already searched **on this machine** with no boundary is not planned again with the
 * same command (which would repeat that search at the same resolution): its note says "searched by <bisect id> on this
 * machine, no boundary at its resolution (interval …); next: rerun it with more rounds", and `plan` is false. A search
 * on another machine, of one process per version, stopped, of another metric, or that located a boundary leaves the
 * plan as before (named beside its command when it has the same ends).
 */
export function rangeOnRecord(input: {
  range: { good: string; bad: string };
  metric: RoundMetric;
  client: string;
  concurrency: number;
  bisects: readonly BisectOnRecord[];
  machineId?: string | null;
}): { plan: boolean; notes: string[] } {
  const good = plain(input.range.good);
  const bad = plain(input.range.bad);
  const same = input.bisects.filter(
    (b) =>
      b.record.metric.name === input.metric &&
      (b.record.client ?? input.client) === input.client &&
      b.record.scenario['concurrency'] === input.concurrency,
  );
  const where = (b: BisectOnRecord) => {
    const theirs = b.record.environment?.machineId ?? null;
    const ours = input.machineId ?? null;
    return theirs === null
      ? 'machine not recorded'
      : theirs === ours
        ? 'this machine'
        : `machine ${theirs.slice(0, 8)}…`;
  };
  // Since the 3-process bisects of 6 December 2026 (stated before the next run): a one-process record that a complete
  // multi-process record supersedes (bisectSupersededBy) is named with what supersedes it, and decides no step.
  const supersededBy = (b: BisectOnRecord) => bisectSupersededBy(b.record, input.bisects);
  const outcome = (b: BisectOnRecord) => {
    const found = (b.record.boundaries ?? []).map((x) => `${plain(x.older)} → ${plain(x.newer)}`);
    const status = b.record.status === undefined || b.record.status === 'completed' ? '' : `${b.record.status}; `;
    const by = supersededBy(b).map((x) => `\`${x.file}\``);
    const superseded = by.length === 0 ? '' : `; superseded by ${by.join(' and ')}, not a finding`;
    return `${status}${found.length === 0 ? 'no boundary' : `boundary ${found.join(', ')}`}${superseded}`;
  };
  const notes: string[] = [];
  const sameEnds = same.filter((b) => plain(b.record.good.version) === good && plain(b.record.bad.version) === bad);
  // Since versions-0cfdd43a (its second reader's finding 5): a complete multi-process search of these ends on this
  // machine that located nothing is not repeated at its own resolution.
  const searchedHere = sameEnds.filter((b) => searchedWithoutBoundaryHere(b, input.machineId ?? null));
  for (const b of sameEnds)
    notes.push(
      searchedHere.includes(b)
        ? `${input.client} ${good} → ${bad} (${input.metric}, ${input.concurrency} in flight): ${searchedNoBoundaryText(b, good, bad)}`
        : `${input.client} ${good} → ${bad} (${input.metric}, ${input.concurrency} in flight) was already searched by \`${b.file}\` (${where(b)}; ${outcome(b)})`,
    );
  // Only a search that completed decides a step: a stopped one's boundary is "found before it stopped".
  const completed = (b: BisectOnRecord) => b.record.status === undefined || b.record.status === 'completed';
  const inside = same
    .filter((b) => completed(b) && supersededBy(b).length === 0)
    .flatMap((b) =>
      (b.record.boundaries ?? [])
        .filter(
          (x) =>
            x.confirmation?.confirmed === true &&
            lineOf(plain(x.newer)) === lineOf(bad) &&
            compareVersions(good, plain(x.older)) <= 0 &&
            compareVersions(plain(x.newer), bad) <= 0 &&
            !(plain(x.older) === good && plain(x.newer) === bad),
        )
        .map((x) => `${plain(x.older)} → ${plain(x.newer)} (\`${b.file}\`, confirmed, ${where(b)})`),
    );
  const decided = [...new Set(inside)];
  if (decided.length > 0)
    notes.push(
      `${good} → ${bad} not planned: it contains ${decided.join(' and ')}, located by a committed bisect at the same concurrency and metric; a screen between its ends finds that step, not this movement: search a range that excludes it`,
    );
  return { plan: decided.length === 0 && searchedHere.length === 0, notes };
}

/**
 * How many times a search's rounds a rerun asks for: an order-statistics interval's width shrinks about as
 * 1 / √rounds, so four times the rounds about halves it.
 */
const MORE_ROUNDS_FACTOR = 4;

/**
 * A committed bisect that searched on `machineId` (both known and equal), completed, with at least
 * GATHER_MIN_PROCESSES client processes per version, and located no boundary (finding 5 after versions-0cfdd43a).
 */
function searchedWithoutBoundaryHere(b: BisectOnRecord, machineId: string | null): boolean {
  const theirs = b.record.environment?.machineId ?? null;
  return (
    machineId !== null &&
    theirs === machineId &&
    isCompleteBisect(b) &&
    (b.record.processes?.perVersion ?? 1) >= GATHER_MIN_PROCESSES &&
    (b.record.boundaries ?? []).length === 0
  );
}

/**
 * "searched by undici-throughput-c512-6.21.0-6.29.1-3proc-2026-12-06 on this machine, no boundary at its resolution
 * (interval 0.874–1.103 for 6.21.0 → 6.29.1 at 10 rounds, 3 client processes per version); next: rerun it with more
 * rounds (about 40 a step: …)". The interval is the first step's segment between the range's ends (its screen); the
 * bisect id is the record's folder.
 */
function searchedNoBoundaryText(b: BisectOnRecord, good: string, bad: string): string {
  const id = b.file.split('/').slice(-2, -1)[0] ?? b.file;
  const ends = (b.record.steps ?? []).flatMap((s) =>
    s.ratios
      .filter((r) => plain(r.older) === good && plain(r.newer) === bad && r.ratio !== undefined)
      .map((r) => ({ rounds: s.rounds, ratio: r.ratio as NonNullable<typeof r.ratio> })),
  );
  const first = ends[0];
  const num = (x: number | null) => (x === null || !Number.isFinite(x) ? '—' : f3(x));
  const perVersion = b.record.processes?.perVersion ?? 1;
  const interval =
    first === undefined
      ? `no interval between ${good} and ${bad} recorded; ${perVersion} client processes per version`
      : `interval ${num(first.ratio.low)}–${num(first.ratio.high)} for ${good} → ${bad}${first.rounds === undefined ? '' : ` at ${first.rounds} rounds`}, ${perVersion} client processes per version`;
  const rounds = first?.rounds === undefined ? undefined : MORE_ROUNDS_FACTOR * first.rounds;
  const more =
    first?.rounds === undefined
      ? 'more rounds a step than it ran'
      : `about ${rounds} rounds a step (four times its ${first.rounds}, about half the interval's width)`;
  const command = rounds === undefined ? undefined : withRounds(b.record.reproduce?.command, rounds);
  return `searched by ${id} on this machine, no boundary at its resolution (${interval}); next: rerun it with more rounds (${more})${command === undefined ? '' : `: \`${command}\``}`;
}

/** A bisect's reproduce command with `--rounds n` (replacing one it has; after `--profile <p>` when it names one). */
export function withRounds(command: string | undefined, rounds: number): string | undefined {
  if (command === undefined || !command.includes('casebook bisect')) return undefined;
  const bare = command.replace(/ --rounds \d+/, '');
  const profile = / --profile \S+/.exec(bare);
  if (profile === null) return `${bare} --rounds ${rounds}`;
  const at = profile.index + profile[0].length;
  return `${bare.slice(0, at)} --rounds ${rounds}${bare.slice(at)}`;
}
