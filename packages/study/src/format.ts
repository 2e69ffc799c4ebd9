import type { BenchProgress } from '@casebook/runner';

/** One line of bench progress (phase, bar, count); the Study's live lines and `casebook bench` show it. */
export function progressText(p: BenchProgress): string {
  if (p.phase === 'starting') return `${p.label}: starting processes`;
  if (p.phase === 'done') return `${p.label}: done`;
  const of = p.total ? `${p.done}/${p.total}` : `${p.done}`;
  const phase = p.phase === 'warmup' ? 'warm-up' : `trial ${p.trial + 1}/${p.trials}`;
  const frac = p.total ? Math.min(1, p.done / p.total) : 0;
  const bar = p.total ? `[${'#'.repeat(Math.round(frac * 20)).padEnd(20, '.')}] ` : '';
  return `${p.label}: ${phase} ${bar}${of}`;
}
