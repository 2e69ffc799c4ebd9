import { medianInterval, pairedRatio } from '@casebook/stats';
import { GATHER_MIN_PROCESSES, HIERARCHICAL_BOOTSTRAP, hierarchicalIntervalOf } from './seed';
import { resolvesMovement, type VersionPairRatio } from './versions';

/**
 * A step of several client processes per version (stated before the next run after the interrupted bisect
 * `undici-throughput-c512-6.21.0-6.29.1-2026-12-05-interrupted`): one client process that runs ~20 % slow for its whole
 * life reads, with one process per version paired round by round, as a release boundary (that bisect's adjacent steps
 * contradicted each other: 6.28.0 → 6.28.1 read 1.206 in a search and 0.890 in its confirm), and pairing per round
 * cannot see a per-process effect. So a steady-state step of `casebook bisect` and each cell of notebook 07's sweep run
 * every version in GATHER_MIN_PROCESSES or more client processes, all of the step's processes in one interleaved run
 * (gatherProcessPlan's seeded order, the same shuffled rounds), and are read here:
 *
 * - the interval of a pair is two-level, the rule notebook 06 states for its gathers (hierarchicalIntervalOf: processes,
 *   then rounds within each; no interval with fewer than GATHER_MIN_PROCESSES processes), on each value divided by its
 *   round's median over every process of the step, so the machine noise the rounds share cancels as the pairing per
 *   round made it cancel;
 * - a version whose processes disagree beyond their rounds' noise (two of its processes, paired per round over the rounds
 *   both ran, with an interval at the family-wise coverage over the step's process pairs that excludes 1) is said so,
 *   "processes of 6.28.1 disagree: 0.82 vs 1.01 vs 1.00", and no pair of the step that includes it is a boundary.
 *
 * Pure; tested in test/analysis-bisect-processes.test.ts.
 */

/** One client process of one version in a step: its number (1, 2, …), its bench run, its metric per round (null: none). */
export interface ProcessRounds {
  process: number;
  runId?: string | null;
  values: readonly (number | null)[];
}

/** A version whose processes disagree beyond their rounds' noise. */
export interface ProcessDisagreement {
  version: string;
  /** Each process's median ÷ the median of all the version's values, in the order of the processes' numbers. */
  relative: number[];
  /** "processes of 6.28.1 disagree: 0.82 vs 1.01 vs 1.00 (…)". */
  text: string;
}

/** A pair of a step of several processes: the two-level interval, and why it has none when it has none. */
export interface ProcessPairRatio extends VersionPairRatio {
  /** "no interval: fewer than 3 processes: 6.28.0 ran in 2"; absent when the interval was given. */
  withheld?: string;
}

/** The family-wise error rate of a step's process-disagreement checks (Bonferroni over its pairs of processes). */
const DISAGREEMENT_ALPHA = 0.05;

const finite = (x: number | null | undefined): x is number => typeof x === 'number' && Number.isFinite(x) && x > 0;

/** Rounds of the step: the most values any process has. */
const roundsOf = (byVersion: Readonly<Record<string, readonly ProcessRounds[]>>): number =>
  Math.max(0, ...Object.values(byVersion).flatMap((ps) => ps.map((p) => p.values.length)));

/**
 * Each value divided by its round's median over every process of the step (the machine noise the rounds share
 * cancels); per version, per process (in the order of their numbers), the finite ones.
 */
export function roundNormalized(
  byVersion: Readonly<Record<string, readonly ProcessRounds[]>>,
): Record<string, number[][]> {
  const rounds = roundsOf(byVersion);
  const all = Object.values(byVersion).flat();
  const centre = Array.from({ length: rounds }, (_, r) => {
    const xs = all.map((p) => p.values[r]).filter(finite);
    return xs.length ? medianInterval(xs).median : Number.NaN;
  });
  return Object.fromEntries(
    Object.entries(byVersion).map(([version, ps]) => [
      version,
      [...ps]
        .sort((a, b) => a.process - b.process)
        .map((p) => p.values.flatMap((v, r) => (finite(v) && finite(centre[r]) ? [v / (centre[r] as number)] : []))),
    ]),
  );
}

/** The median of each round over a version's processes (null where none has a value): what a record's `values` keep. */
export function roundMedians(ps: readonly ProcessRounds[]): (number | null)[] {
  const rounds = Math.max(0, ...ps.map((p) => p.values.length));
  return Array.from({ length: rounds }, (_, r) => {
    const xs = ps.map((p) => p.values[r]).filter(finite);
    return xs.length ? medianInterval(xs).median : null;
  });
}

/**
 * The versions whose processes disagree beyond their rounds' noise: for each pair of a version's processes, the ratio
 * per round over the rounds both have a value in (they ran in the same rounds), its order-statistics interval at the
 * family-wise coverage 1 − 0.05 / k over the step's k pairs of processes; a version disagrees when an interval of its
 * reaches that coverage and excludes 1. With too few rounds for that coverage nothing is said to disagree (the
 * two-level interval still carries the spread between processes).
 */
export function processDisagreements(
  byVersion: Readonly<Record<string, readonly ProcessRounds[]>>,
): ProcessDisagreement[] {
  const pairsOf = (ps: readonly ProcessRounds[]) => ps.flatMap((a, i) => ps.slice(i + 1).map((b) => [a, b] as const));
  const k = Object.values(byVersion).reduce((t, ps) => t + pairsOf(ps).length, 0);
  if (k === 0) return [];
  const needed = 1 - DISAGREEMENT_ALPHA / k;
  const out: ProcessDisagreement[] = [];
  for (const [version, unsorted] of Object.entries(byVersion)) {
    const ps = [...unsorted].sort((a, b) => a.process - b.process);
    const apart = pairsOf(ps).some(([a, b]) => {
      const xs: number[] = [];
      const ys: number[] = [];
      for (let r = 0; r < Math.min(a.values.length, b.values.length); r++) {
        const x = a.values[r];
        const y = b.values[r];
        if (finite(x) && finite(y)) {
          xs.push(x);
          ys.push(y);
        }
      }
      const ratio = pairedRatio(xs, ys, needed);
      return xs.length > 0 && ratio.coverage >= needed && resolvesMovement(ratio);
    });
    if (!apart) continue;
    const pooled = medianInterval(ps.flatMap((p) => p.values.filter(finite))).median;
    const relative = ps.map((p) => {
      const xs = p.values.filter(finite);
      return xs.length ? medianInterval(xs).median / pooled : Number.NaN;
    });
    out.push({
      version,
      relative,
      text: `processes of ${version} disagree: ${relative.map((x) => (Number.isFinite(x) ? x.toFixed(2) : '—')).join(' vs ')} (each process's median ÷ the median of all its processes' rounds; two of them apart beyond their rounds' noise, paired per round at ${(needed * 100).toFixed(2)} % over the step's ${k} pairs of processes)`,
    });
  }
  return out;
}

/**
 * The pairs of a step of several processes per version (versions in candidate order, older first): each pair's ratio
 * older / newer of the medians of its round-normalized values (roundNormalized), with the two-level interval
 * (hierarchicalIntervalOf over the processes, then the rounds within each; nominal 95 %), and the versions whose
 * processes disagree. `compared` is false for a pair where a process of either version missed a round, or none has a
 * value; `withheld` says why a pair has no interval (fewer than GATHER_MIN_PROCESSES processes, too few rounds).
 */
export function pairsFromProcesses(
  versions: readonly string[],
  byVersion: Readonly<Record<string, readonly ProcessRounds[]>>,
  /** The intervals' nominal coverage (default 95 %; a sweep's family-wise interval asks for more). */
  confidence?: number,
): { pairs: ProcessPairRatio[]; disagreements: ProcessDisagreement[] } {
  const normalized = roundNormalized(byVersion);
  const rounds = roundsOf(byVersion);
  const complete = (v: string) => {
    const ps = byVersion[v] ?? [];
    return ps.length > 0 && ps.every((p) => p.values.length === rounds && p.values.every(finite));
  };
  const pairs: ProcessPairRatio[] = [];
  for (const [i, older] of versions.entries())
    for (const newer of versions.slice(i + 1)) {
      const interval = hierarchicalIntervalOf(
        [
          { label: older, processes: normalized[older] ?? [] },
          { label: newer, processes: normalized[newer] ?? [] },
        ],
        ([o, n]) => (o as number) / (n as number),
        'rounds',
        confidence,
      );
      const ratio = { median: interval.median, low: interval.low, high: interval.high, coverage: interval.coverage };
      pairs.push({
        older,
        newer,
        ratio,
        compared: interval.n > 0 && complete(older) && complete(newer),
        ...(interval.n > 0
          ? interval.withheld === undefined
            ? {}
            : { withheld: interval.withheld }
          : { withheld: 'no interval: a version has no value' }),
      });
    }
  return { pairs, disagreements: processDisagreements(byVersion) };
}

/**
 * How a step of several processes is read, in words (the record's and the plan's): `3 client processes per version,
 * …`. One text, so the plan, the record and the notebook state the same design.
 */
export function processDesignText(processes: number): string {
  return `${processes} client processes per version in one interleaved run (their order shuffled with the step's seed), each value divided by its round's median over every process of the step; interval: ${HIERARCHICAL_BOOTSTRAP.text.replaceAll('batches', 'rounds')}; no interval with fewer than ${GATHER_MIN_PROCESSES} processes; a version whose processes disagree beyond their rounds' noise is said so, and no pair with it is a boundary`;
}
