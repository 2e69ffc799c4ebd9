import { sizeLabel } from '@casebook/analysis';
import type { BodySummary } from '@casebook/results';
import { num } from './markdown';

/**
 * The body summaries of a bodies run (notes.bodySummaries, see results/src/schema/body-summary.ts) as one table, one
 * header and cell builder for the citation's markdown and the site's run page, so the two never disagree.
 */

export const BODY_TABLE_HEADER = [
  'direction',
  'client',
  'size',
  'mode',
  'blocks',
  'ms/request (median)',
  'MB/s',
  'CPU µs/MB',
  'peak RSS growth (MiB)',
  'ok / requests',
  'errors',
] as const;

export const BODY_TABLE_ALIGN = ['l', 'l', 'r', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'] as const;

export function bodyTableCells(s: BodySummary): string[] {
  return [
    s.direction,
    `${s.client} ${s.clientVersion}`,
    sizeLabel(s.bytes),
    s.mode,
    String(s.blocks),
    num(s.msPerRequest),
    num(s.mbPerSecond),
    num(s.cpuMicrosPerMB),
    num(s.peakRssGrowthMiB),
    `${s.ok} / ${s.requests}`,
    String(s.errors),
  ];
}

/** "12 body summaries (96 blocks)" for a claim line; null when the run has none. */
export function bodyCountText(summaries: readonly BodySummary[]): string | null {
  if (summaries.length === 0) return null;
  const blocks = summaries.reduce((a, s) => a + s.blocks, 0);
  return `${summaries.length} body summaries (${blocks} blocks)`;
}

export const BODY_TABLE_NOTE =
  'Per direction, client, size and mode: medians over blocks (one fresh client process each); MB = 10⁶ bytes; peak RSS growth is over the RSS the client had before its first request.';
