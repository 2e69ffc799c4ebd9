import { sizeLabel } from '@casebook/analysis';
import type { BenchProgress, BodyRoundsProgress } from '@casebook/runner';

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

const BODY_PHASE_TEXT: Record<BodyRoundsProgress['phase'], string> = {
  starting: 'starting the client',
  warmup: 'warming up',
  trial: 'measuring',
};

/**
 * One line of bodies-lab progress (BodyLab.rounds), e.g. `round 5/6 · block 12/42 · undici-fetch · 128 MiB · stream ·
 * warming up · 312 s`; an upload reads `upload 64 MiB`. The Study's live line for a rounds() call shows it.
 */
export function bodyProgressText(p: BodyRoundsProgress): string {
  const size = `${p.direction === 'upload' ? 'upload ' : ''}${sizeLabel(p.bytes)}`;
  return [
    `round ${p.round + 1}/${p.rounds}`,
    `block ${p.block}/${p.blocks}`,
    p.client,
    size,
    p.consumption,
    BODY_PHASE_TEXT[p.phase],
    `${Math.round(p.elapsedMs / 1000)} s`,
  ].join(' · ');
}

/** The title of a rounds() call's live line, from what its blocks do. */
export function bodyRoundsTitle(specs: readonly { direction?: string; consumption?: string }[]): string {
  if (specs.length > 0 && specs.every((s) => s.direction === 'upload')) return 'uploads';
  if (specs.length > 0 && specs.every((s) => s.consumption === 'unread')) return 'unread bodies';
  return 'body sweep';
}
