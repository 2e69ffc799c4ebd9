import { type MedianInterval, medianInterval } from './median-interval';

/**
 * Orderings only where the data resolve them. Items measured in the same interleaved rounds are compared through
 * their per-round ratios (paired: a round's noise is common to everything measured in it), summarised as the median
 * ratio with its order-statistics interval. Two items are ordered only when that interval excludes 1; otherwise they
 * are one tier, "indistinguishable at this precision".
 */
export interface OrderingItem {
  label: string;
  /** One value per round (higher is better, e.g. throughput); rounds align across items. */
  perRound: readonly number[];
  /** Flagged measurements (errors, saturated target, …) are never ranked. */
  rankable: boolean;
}

export interface PairRatio {
  a: string;
  b: string;
  /** Per-round b / a, summarised. */
  ratio: MedianInterval;
  resolved: boolean;
}

export interface Ordering {
  /** Best first; each tier holds items no one of which is resolved from the next tier's best. */
  tiers: string[][];
  excluded: string[];
  pairs: PairRatio[];
}

export function pairedRatio(a: readonly number[], b: readonly number[], confidence = 0.95): MedianInterval {
  const n = Math.min(a.length, b.length);
  const ratios: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (x > 0 && Number.isFinite(y)) ratios.push(y / x);
  }
  return medianInterval(ratios, confidence);
}

export function resolvedOrdering(items: readonly OrderingItem[], confidence = 0.95): Ordering {
  const ranked = items.filter((i) => i.rankable && i.perRound.length > 0);
  const excluded = items.filter((i) => !ranked.includes(i)).map((i) => i.label);
  const centre = (i: OrderingItem) => medianInterval(i.perRound).median;
  const sorted = [...ranked].sort((x, y) => centre(y) - centre(x));
  const pairs: PairRatio[] = [];
  for (let i = 0; i < sorted.length; i++)
    for (let j = i + 1; j < sorted.length; j++) {
      const a = sorted[i] as OrderingItem;
      const b = sorted[j] as OrderingItem;
      const ratio = pairedRatio(a.perRound, b.perRound, confidence);
      pairs.push({ a: a.label, b: b.label, ratio, resolved: ratio.high < 1 || ratio.low > 1 });
    }
  const resolved = (a: string, b: string) => pairs.find((p) => p.a === a && p.b === b)?.resolved ?? false;
  const tiers: string[][] = [];
  for (const item of sorted) {
    const tier = tiers[tiers.length - 1];
    // A new tier starts only when this item is resolved from every member of the current one.
    if (tier && tier.some((member) => !resolved(member, item.label))) tier.push(item.label);
    else tiers.push([item.label]);
  }
  return { tiers, excluded, pairs };
}
