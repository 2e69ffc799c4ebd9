import type { ClientName } from '@casebook/clients';
import type { Environment } from '@casebook/results';
import type { ProxyCounters, TargetCounters } from '@casebook/servers';
import type { LatencySummaryMs, MedianInterval, TrialSummary } from '@casebook/stats';
import type { WarmupWindow } from './blocks';
import type { MeasurementGuards } from './interleave';
import type { ResolvedBenchOptions } from './options';
import type { PhaseResult } from './protocol';
import type { SteadinessRule } from './steady';

export interface TrialRecord extends Omit<PhaseResult, 'histogram'> {
  index: number;
  throughputRps: number;
  latencyMs: LatencySummaryMs;
  cpuMicrosPerRequest: number;
  /** Target counters for exactly this trial's window (reset before it started). */
  target: TargetCounters | null;
  /** Encoded HDR histogram (µs) — merge with @casebook/stats mergeHistograms. */
  histogram: string;
  /** With queueTiming: time waiting for a connection, and time on it (see queue-timing.ts). */
  queueMs?: LatencySummaryMs;
  wireMs?: LatencySummaryMs;
}

export interface BenchError {
  code: string;
  message: string;
}

/**
 * One measurement. A union keyed on `status`: an errored run says so, and still carries whatever was measured
 * (trials completed, errors by code) so a fault is recorded, not lost.
 */
export interface BenchRecord {
  schemaVersion: number;
  kind: 'bench';
  runId: string;
  status: 'completed' | 'errored';
  error: BenchError | null;
  caseStudy: string;
  label: string;
  startedAt: string;
  finishedAt: string;
  params: ResolvedBenchOptions;
  environment: Environment;
  client: {
    name: ClientName;
    packageName: string;
    version: string;
    sourceUrl: string;
    settings: Record<string, unknown>;
  };
  /** Median over trials of successful responses per second. */
  throughputRps: number;
  throughputSpread: TrialSummary | null;
  /** Percentiles of all measured trials' latencies merged (HDR). */
  latencyMs: LatencySummaryMs;
  /** Spread of per-trial p99 (ms). */
  p99Spread: TrialSummary | null;
  /** Errors over the measured trials, by code (non-2xx as HTTP_<status>). */
  errors: { total: number; byCode: Record<string, number> };
  errorSamples: Record<string, string>;
  /** Median over trials of client process CPU (user + system) per request sent. */
  cpuMicrosPerRequest: number;
  cpuSpread: TrialSummary | null;
  eventLoopUtilization: number;
  target: {
    pid: number | null;
    cpu: number | null;
    /** Connections the target accepted over the whole run (warm-up included). */
    connectionsOpened: number;
    connectionsOpenedWarmup: number;
    /** Connections accepted during measured trials only. */
    connectionsOpenedMeasured: number;
    peakOpenConnections: number;
    peakInFlight: number;
    requests: number;
    cpuMicrosPerRequest: number;
  };
  warmup: (Omit<PhaseResult, 'histogram'> & { target: TargetCounters | null }) | null;
  trials: TrialRecord[];
  /** With a delaying proxy (rttMs): its counters per trial and its own ceiling, to show it was not the limit. */
  proxy?: {
    rttMs: number;
    oneWayDelayMs: number;
    pid: number | null;
    cpu: number | null;
    trials: ProxyCounters[];
    /** Fraction of its core the proxy used during the measured trials. */
    utilization: number;
    cpuMicrosPerRequest: number;
    /** Requests/s the proxy could forward on a core of its own (null if no request went through). */
    ceilingRps: number | null;
  };
  /** With queueTiming: queue wait and wire time over all measured trials (HDR-merged). */
  queueMs?: LatencySummaryMs;
  wireMs?: LatencySummaryMs;
  /** The steady-state method (interleave.ts): blocks, warm-up curve, per-block quantities and their intervals. */
  method?: ContinuousMethod;
  /** Guards recorded with every steady-state measurement (interleave.ts). */
  guards?: MeasurementGuards;
}

export interface ContinuousMethod {
  kind: 'continuous';
  windowMs: number;
  windowsPerBlock: number;
  steadiness: SteadinessRule;
  blocks: {
    index: number;
    round: number;
    position: number;
    steady: boolean;
    steadiness: string;
    warmupMs: number;
    warmupWindows: number;
    windows: number;
    throughputRps: number;
    cpuMicrosPerRequest: number;
    clientUtilization: number;
    targetCpuShare: number;
    targetCpuMicrosPerRequest: number;
    errors: number;
  }[];
  warmupCurve: WarmupWindow[];
  throughputInterval: MedianInterval | null;
  cpuInterval: MedianInterval | null;
  interleave: {
    seed: number;
    rounds: number;
    stoppedBy: 'precision' | 'budget' | 'max-rounds' | 'failure';
    /** This measurement's position in each round's shuffled order. */
    positions: number[];
    targetHalfWidth: number | null;
    budgetMs: number;
  };
}
