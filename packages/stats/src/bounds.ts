/**
 * Physical bounds used by the case studies; each is drawn on a chart and asserted in a test.
 */

/** Little's law: with `inFlight` requests (or connections) each taking `latencyMs`, throughput ≤ inFlight / latency. */
export function littleBoundRps(inFlight: number, latencyMs: number): number {
  if (!(inFlight > 0) || !(latencyMs > 0)) return Number.POSITIVE_INFINITY;
  return (inFlight * 1000) / latencyMs;
}

/** A client whose process spends `cpuMicrosPerRequest` of CPU per request can't exceed `cores` × 1e6 / that. */
export function cpuCeilingRps(cpuMicrosPerRequest: number, cores = 1): number {
  if (!(cpuMicrosPerRequest > 0)) return Number.POSITIVE_INFINITY;
  return (cores * 1e6) / cpuMicrosPerRequest;
}

/** The simplest model of a closed loop: the lower of the Little's-law bound and the client's CPU ceiling. */
export function predictedThroughputRps(input: {
  inFlight: number;
  latencyMs: number;
  cpuMicrosPerRequest: number;
  cores?: number;
}): number {
  return Math.min(
    littleBoundRps(input.inFlight, input.latencyMs),
    cpuCeilingRps(input.cpuMicrosPerRequest, input.cores ?? 1),
  );
}

/**
 * A closed loop whose lanes stay in step: all `inFlight` responses arrive together, the client spends
 * inFlight × cpu serially handling them, then sends the next wave. Throughput = inFlight / (latency + inFlight × cpu).
 * Real runs lie between this (no overlap of CPU and waiting) and predictedThroughputRps (perfect overlap).
 */
export function lockstepThroughputRps(input: {
  inFlight: number;
  latencyMs: number;
  cpuMicrosPerRequest: number;
}): number {
  const cycleMs = input.latencyMs + (input.inFlight * input.cpuMicrosPerRequest) / 1000;
  return cycleMs > 0 ? (input.inFlight * 1000) / cycleMs : Number.POSITIVE_INFINITY;
}
