import type { InterleavedMeasurement } from './interleaved';
import { countClaim, type VerdictData } from './verdicts';

/**
 * Measurements whose client stopped making progress: a measured block that completed no request, or a client the
 * worker had to give up on (CASEBOOK_CLIENT_STALLED: its event loop answered no pause). Seen in the seed's runs of
 * December 2026 for httpx on httpcore 1.0.x at 512 in flight — found in the data, so every verdict here is
 * exploratory; the guards already keep such measurements out of every comparison (flag `stalled`, `errors`).
 */
export interface StallMeasurement extends InterleavedMeasurement {
  errors?: { total: number; byCode: Readonly<Record<string, number>> };
  error?: { code: string; message: string } | null;
}

export interface StallRow {
  label: string;
  blocks: number;
  /** Measured blocks that completed no request. */
  stalledBlocks: number;
  /** The client's busy share (CPU / wall) in its stalled blocks, median; NaN when none stalled. */
  stalledUtilization: number;
  /** Error counts by code, largest first: `PoolTimeout 969, ConnectTimeout 3`; '' when none. */
  errors: string;
  /** The measurement's own error code when it stopped (e.g. CASEBOOK_CLIENT_STALLED), else ''. */
  fault: string;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

/** One row per measurement that stalled in a block, errored, or stopped with a fault; the others are left out. */
export function stallRows(ms: readonly StallMeasurement[]): StallRow[] {
  return ms.flatMap((m) => {
    const blocks = m.method?.blocks ?? [];
    const stalled = blocks.filter((b) => b.throughputRps === 0);
    const errors = Object.entries(m.errors?.byCode ?? {})
      .sort((a, b) => b[1] - a[1])
      .map(([code, n]) => `${code} ${n}`)
      .join(', ');
    const fault = m.error?.code ?? '';
    if (stalled.length === 0 && errors === '' && fault === '') return [];
    return [
      {
        label: m.label,
        blocks: blocks.length,
        stalledBlocks: stalled.length,
        stalledUtilization: median(stalled.map((b) => b.clientUtilization)),
        errors,
        fault,
      },
    ];
  });
}

/**
 * The one fault that means the client made no progress: the worker's stall monitor saw no request answered for 15 s
 * while a block ran (or no answer to a pause), and gave up on it (CASEBOOK_CLIENT_STALLED).
 */
const GAVE_UP = 'CASEBOOK_CLIENT_STALLED';

/**
 * The harness's block time limit. A block that ran past it before any measured block says the client was slow to
 * settle, not that it froze: a client that is very slow and never steady within the warm-up times out the same way.
 * Such a measurement leaves the observation unresolved.
 */
const TIMED_OUT = 'CASEBOOK_TRIAL_TIMEOUT';

/**
 * Exploratory: "the client completed no request in at least one measured block while using at least `minUtilization`
 * of a core, or was given up as stalled (no request answered for 15 s while a block ran)". Holds when the record shows
 * it; unresolved when the measurement ended on the block time limit before any measured block (slow, not proven
 * frozen); fails when every block made progress.
 */
export function stallObservation(input: { id: string; m: StallMeasurement; minUtilization: number }): VerdictData {
  const [row] = stallRows([input.m]);
  const busyStalls = row && row.stalledBlocks > 0 && row.stalledUtilization >= input.minUtilization;
  const gaveUp = row !== undefined && row.fault === GAVE_UP;
  const blocks = row?.blocks ?? input.m.method?.blocks.length ?? 0;
  const timedOutUnmeasured = row !== undefined && row.fault === TIMED_OUT && blocks === 0;
  const v = countClaim({
    id: input.id,
    kind: 'exploratory',
    claim: `exploratory (found in the data): ${input.m.label} stops making progress at 512 in flight — at least one measured block completes no request while the client uses ≥ ${input.minUtilization} of its core, or the worker's stall monitor sees no request answered for 15 s while a block runs (CASEBOOK_CLIENT_STALLED). A block past the harness's time limit before any measured block (CASEBOOK_TRIAL_TIMEOUT) leaves this unresolved: slow, not proven frozen.`,
    holds: Boolean(busyStalls || gaveUp),
    evidence: {
      blocks: blocks,
      stalledBlocks: row?.stalledBlocks ?? 0,
      stalledUtilization:
        row && Number.isFinite(row.stalledUtilization) ? Number(row.stalledUtilization.toFixed(3)) : null,
      errors: row?.errors || 'none',
      fault: row?.fault || 'none',
    },
  });
  return timedOutUnmeasured && !busyStalls ? { ...v, outcome: 'unresolved', holds: false } : v;
}
