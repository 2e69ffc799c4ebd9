import { sizeLabel } from '@casebook/analysis';
import { type BodySummary, bodySummariesOf, type CaseStudyRecord } from '@casebook/results';
import { num, table } from './markdown';

/**
 * Two bodies runs side by side from their recorded body summaries (notes.bodySummaries), matched by direction, client,
 * size and mode. A summary holds medians only, no per-round values, so this is a plain ratio b ÷ a with no interval:
 * the table says so, and a difference is never called from it (rerun with more rounds and read the claims for that).
 */

export interface BodyComparison {
  key: string;
  a: BodySummary;
  b: BodySummary;
  /** b ÷ a of the medians; null when either is missing or a is 0. */
  msPerRequestRatio: number | null;
  peakRssGrowthRatio: number | null;
}

const keyOf = (s: BodySummary): string => `${s.direction} ${s.client} ${sizeLabel(s.bytes)} ${s.mode}`;
const ratio = (a: number | null, b: number | null): number | null =>
  a === null || b === null || a === 0 ? null : b / a;

export function compareBodies(
  a: CaseStudyRecord,
  b: CaseStudyRecord,
): { rows: BodyComparison[]; onlyInA: string[]; onlyInB: string[] } {
  const sa = bodySummariesOf(a.notes);
  const byKey = new Map(bodySummariesOf(b.notes).map((s) => [keyOf(s), s]));
  const rows: BodyComparison[] = [];
  const onlyInA: string[] = [];
  for (const x of sa) {
    const y = byKey.get(keyOf(x));
    if (!y) {
      onlyInA.push(keyOf(x));
      continue;
    }
    rows.push({
      key: keyOf(x),
      a: x,
      b: y,
      msPerRequestRatio: ratio(x.msPerRequest, y.msPerRequest),
      peakRssGrowthRatio: ratio(x.peakRssGrowthMiB, y.peakRssGrowthMiB),
    });
  }
  const keysA = new Set(sa.map(keyOf));
  const onlyInB = [...byKey.keys()].filter((k) => !keysA.has(k));
  return { rows, onlyInA, onlyInB };
}

export function bodyComparisonMarkdown(rows: readonly BodyComparison[]): string {
  const r2 = (x: number | null): string => (x === null ? '—' : `${x.toFixed(2)}×`);
  return [
    table(
      ['body', 'a ms/request', 'b ms/request', 'b / a', 'a RSS growth MiB', 'b RSS growth MiB', 'b / a'],
      rows.map((r) => [
        r.key,
        num(r.a.msPerRequest),
        num(r.b.msPerRequest),
        r2(r.msPerRequestRatio),
        num(r.a.peakRssGrowthMiB),
        num(r.b.peakRssGrowthMiB),
        r2(r.peakRssGrowthRatio),
      ]),
      ['l', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
    'Body summaries: medians over blocks as recorded, compared as plain ratios (no interval: the summaries keep no per-round values; the claims above are the tested statements).',
  ].join('\n');
}
