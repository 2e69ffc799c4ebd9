/**
 * The guard flags that make a steady-state measurement unrankable, in one place for the runner (which writes
 * `guards.rankable`) and the analysis (which also applies the list to records written before a flag joined it):
 * - `target-saturated`: the target, not the client, was the bottleneck (in the median block the target's share of its
 *   core is above 0.7 and above the client's: `targetSaturated` in @casebook/runner);
 * - `errors`: requests failed (including requests abandoned as stalled when the load paused);
 * - `no-data`: no block completed;
 * - `not-steady`: a block's warm-up never converged (the lab measures after warm-up has converged);
 * - `stalled`: a measured block completed no request at all (the client stopped making progress);
 * - `block-fault`: a block faulted (ran past its time limit) and the measurement was reopened: its other blocks are
 *   data, but it is not a clean run (runner/interleave.ts REOPENS_AFTER_TIMEOUT);
 * - `few-rounds`: fewer blocks than the run's minimum rounds: no interval is printed from it, nothing compared.
 * `cpu-over-wall`, `instrumented` and `foreign-load` (the client's core was busy with another process: core busy minus
 * the client's own CPU above 0.2 in at least 10 % of the measured windows) are shown, never excluding here; an analysis
 * that compares throughput may keep a `foreign-load` measurement out and say so (the versions case study does).
 */
export const UNRANKABLE_FLAGS: readonly string[] = [
  'target-saturated',
  'errors',
  'no-data',
  'not-steady',
  'stalled',
  'block-fault',
  'few-rounds',
];

/** Whether a set of guard flags lets a measurement be compared (none of them is in UNRANKABLE_FLAGS). */
export function flagsRankable(flags: readonly string[]): boolean {
  return !flags.some((f) => UNRANKABLE_FLAGS.includes(f));
}
