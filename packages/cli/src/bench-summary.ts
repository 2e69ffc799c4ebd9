/** The few lines `casebook bench` and `casebook show` print for one bench record. */
import type { BenchRecord } from '@casebook/results';

const fmt = (x: number, digits = 1): string => (Number.isFinite(x) ? x.toFixed(digits) : String(x));

export function formatBenchSummary(r: BenchRecord): string {
  const lines = [
    `${r.client.name} ${r.client.version} — ${r.status}${r.error ? ` (${r.error.code}: ${r.error.message})` : ''}`,
    `  throughput  ${fmt(r.throughputRps)} req/s median of ${r.trials.length} trials` +
      (r.throughputSpread ? ` (min ${fmt(r.throughputSpread.min)}, max ${fmt(r.throughputSpread.max)})` : ''),
    `  latency     p50 ${fmt(r.latencyMs.p50, 2)} ms  p99 ${fmt(r.latencyMs.p99, 2)} ms  max ${fmt(r.latencyMs.maxMs, 2)} ms`,
    `  client CPU  ${fmt(r.cpuMicrosPerRequest)} µs/request  (event loop utilisation ${fmt(r.eventLoopUtilization * 100, 0)}%)`,
    `  errors      ${r.errors.total}${r.errors.total ? ` ${JSON.stringify(r.errors.byCode)}` : ''}`,
    `  target      ${r.target.connectionsOpened} connections opened (${r.target.connectionsOpenedWarmup} in warm-up), peak open ${r.target.peakOpenConnections}`,
    `  pinning     ${r.environment.pinning.reason}`,
    `  run id      ${r.runId}`,
  ];
  return lines.join('\n');
}
