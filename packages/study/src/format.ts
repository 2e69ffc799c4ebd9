import type { BenchProgress, BenchRecord } from '@casebook/runner';

export function progressText(p: BenchProgress): string {
  if (p.phase === 'starting') return `${p.label}: starting processes`;
  if (p.phase === 'done') return `${p.label}: done`;
  const of = p.total ? `${p.done}/${p.total}` : `${p.done}`;
  const phase = p.phase === 'warmup' ? 'warm-up' : `trial ${p.trial + 1}/${p.trials}`;
  const frac = p.total ? Math.min(1, p.done / p.total) : 0;
  const bar = p.total ? `[${'#'.repeat(Math.round(frac * 20)).padEnd(20, '.')}] ` : '';
  return `${p.label}: ${phase} ${bar}${of}`;
}

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
