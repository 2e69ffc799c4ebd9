import type { CasebookError } from '@casebook/results';
import type { TargetCounters, TargetHandle } from '@casebook/servers';
import { decodeHistogram, latencySummaryMs, median, mergeHistograms, summarize } from '@casebook/stats';
import type { PhaseResult } from './protocol';
import type { BenchRecord, TrialRecord } from './record';

/**
 * What every runner (Node worker or foreign client) turns raw phases into: one trial record per phase, and the
 * summary fields of a BenchRecord. Pure functions of the measured data, shared so no runner copies the statistics.
 */

export const round = (x: number, digits = 3): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

export function toTrial(index: number, r: PhaseResult, target: TargetCounters | null): TrialRecord {
  const seconds = r.durationMs / 1000;
  return {
    ...r,
    index,
    throughputRps: round(seconds > 0 ? r.ok / seconds : 0, 1),
    latencyMs: latencySummaryMs(decodeHistogram(r.histogram)),
    cpuMicrosPerRequest: round(r.sent > 0 ? (r.cpuUserMicros + r.cpuSystemMicros) / r.sent : 0, 2),
    target,
    ...(r.queueHistogram ? { queueMs: latencySummaryMs(decodeHistogram(r.queueHistogram)) } : {}),
    ...(r.wireHistogram ? { wireMs: latencySummaryMs(decodeHistogram(r.wireHistogram)) } : {}),
  };
}

/** The record's error: the failure if any, else an incomplete run; null when every trial completed. */
export function runError(
  failure: CasebookError | null,
  completedTrials: number,
  plannedTrials: number,
): BenchRecord['error'] {
  if (failure) return { code: failure.code, message: failure.message };
  if (completedTrials < plannedTrials) {
    return { code: 'CASEBOOK_INCOMPLETE', message: `${completedTrials} of ${plannedTrials} trials completed` };
  }
  return null;
}

export type TrialSummaryFields = Pick<
  BenchRecord,
  | 'throughputRps'
  | 'throughputSpread'
  | 'latencyMs'
  | 'p99Spread'
  | 'errors'
  | 'errorSamples'
  | 'cpuMicrosPerRequest'
  | 'cpuSpread'
  | 'eventLoopUtilization'
  | 'target'
  | 'queueMs'
  | 'wireMs'
>;

/** Medians and spreads over trials, errors by code, HDR-merged latency and the target's counters for the run. */
export function summarizeTrials(
  trials: readonly TrialRecord[],
  warmup: BenchRecord['warmup'],
  target: Pick<TargetHandle, 'pid' | 'cpu'> | null,
): TrialSummaryFields {
  const byCode: Record<string, number> = {};
  const errorSamples: Record<string, string> = {};
  let errorsTotal = 0;
  for (const t of trials) {
    errorsTotal += t.errors.total;
    for (const [code, n] of Object.entries(t.errors.byCode)) byCode[code] = (byCode[code] ?? 0) + n;
    for (const [code, m] of Object.entries(t.errorSamples)) errorSamples[code] ??= m;
  }
  if (warmup) for (const [code, m] of Object.entries(warmup.errorSamples)) errorSamples[code] ??= m;
  const have = trials.length > 0;
  const measuredConnections = trials.reduce((s, t) => s + (t.target?.connectionsOpened ?? 0), 0);
  const warmConnections = warmup?.target?.connectionsOpened ?? 0;
  const targetRequests = trials.reduce((s, t) => s + (t.target?.requests ?? 0), 0);
  const targetCpu = trials.reduce((s, t) => s + (t.target?.cpuMicros ?? 0), 0);
  return {
    throughputRps: have ? median(trials.map((t) => t.throughputRps)) : 0,
    throughputSpread: have ? summarize(trials.map((t) => t.throughputRps)) : null,
    latencyMs: latencySummaryMs(mergeHistograms(trials.map((t) => t.histogram))),
    p99Spread: have ? summarize(trials.map((t) => t.latencyMs.p99)) : null,
    errors: { total: errorsTotal, byCode },
    errorSamples,
    cpuMicrosPerRequest: have ? median(trials.map((t) => t.cpuMicrosPerRequest)) : 0,
    cpuSpread: have ? summarize(trials.map((t) => t.cpuMicrosPerRequest)) : null,
    eventLoopUtilization: have ? round(median(trials.map((t) => t.eventLoopUtilization))) : 0,
    target: {
      pid: target?.pid ?? null,
      cpu: target?.cpu ?? null,
      connectionsOpened: warmConnections + measuredConnections,
      connectionsOpenedWarmup: warmConnections,
      connectionsOpenedMeasured: measuredConnections,
      peakOpenConnections: Math.max(
        0,
        warmup?.target?.peakOpenConnections ?? 0,
        ...trials.map((t) => t.target?.peakOpenConnections ?? 0),
      ),
      peakInFlight: Math.max(0, ...trials.map((t) => t.target?.peakInFlight ?? 0)),
      requests: targetRequests,
      cpuMicrosPerRequest: targetRequests > 0 ? round(targetCpu / targetRequests, 2) : 0,
    },
    ...queueSplit(trials),
  };
}

/** Queue wait and wire time over all trials (HDR-merged), when the run was made with queueTiming. */
function queueSplit(trials: readonly TrialRecord[]): Pick<BenchRecord, 'queueMs' | 'wireMs'> {
  const queue = trials.flatMap((t) => (t.queueHistogram ? [t.queueHistogram] : []));
  const wire = trials.flatMap((t) => (t.wireHistogram ? [t.wireHistogram] : []));
  if (queue.length === 0 || wire.length === 0) return {};
  return { queueMs: latencySummaryMs(mergeHistograms(queue)), wireMs: latencySummaryMs(mergeHistograms(wire)) };
}

/**
 * The steady-state method has no warm-up phase: each block re-warms in windows of its own (the record's
 * `method.warmupCurve`), so `summarizeTrials(…, null, …)` sees no warm-up and would report 0 connections opened in
 * it. Fold those windows into the target summary: connections opened in warm-up, the total, and the peak.
 */
export function withWarmupWindows(
  target: TrialSummaryFields['target'],
  warmup: readonly { newConnections: number; peakOpenConnections: number }[],
): TrialSummaryFields['target'] {
  const opened = warmup.reduce((s, w) => s + w.newConnections, 0);
  return {
    ...target,
    connectionsOpened: target.connectionsOpenedMeasured + opened,
    connectionsOpenedWarmup: opened,
    peakOpenConnections: Math.max(target.peakOpenConnections, ...warmup.map((w) => w.peakOpenConnections)),
  };
}
