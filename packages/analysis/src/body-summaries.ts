import type { BodyDirection, BodySummary } from '@casebook/results';
import { medianInterval } from '@casebook/stats';
import { type BodyBlock, type BodyBlockFigures, blockFigures } from './bodies';

/**
 * The recorded summary of body-lab blocks (results/src/schema/body-summary.ts): one row per direction × client × size
 * × mode with the medians over the blocks that completed, so a bodies run is citable from its record alone. Errored
 * blocks count in `blocks` and `errors`, never in the medians.
 */

const sig = (x: number): number | null => (Number.isFinite(x) ? Number(x.toPrecision(4)) : null);
const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

/** The direction of a block: its job's, else 'download' (every block before uploads existed). */
export function blockDirection(block: BodyBlock): BodyDirection {
  return block.job.direction === 'upload' ? 'upload' : 'download';
}

export function bodySummaries(blocks: readonly BodyBlock[], versionOf: (client: string) => string): BodySummary[] {
  const groups = new Map<string, BodyBlock[]>();
  for (const b of blocks) {
    const key = `${blockDirection(b)}|${b.job.client}|${b.job.expectedBytes}|${b.job.consumption}`;
    groups.set(key, [...(groups.get(key) ?? []), b]);
  }
  const order = (b: BodyBlock): string =>
    `${blockDirection(b)}|${String(b.job.expectedBytes).padStart(12, '0')}|${b.job.consumption}|${b.job.client}`;
  return [...groups.values()]
    .sort((x, y) => order(x[0] as BodyBlock).localeCompare(order(y[0] as BodyBlock)))
    .map((bs) => {
      const first = bs[0] as BodyBlock;
      const done = bs.filter((b) => b.error === null && b.trials.length > 0);
      const figures: BodyBlockFigures[] = done.map((b) => blockFigures(b));
      const med = (pick: (f: BodyBlockFigures) => number): number | null =>
        figures.length === 0 ? null : sig(medianInterval(figures.map(pick)).median);
      const trials = bs.flatMap((b) => b.trials);
      return {
        direction: blockDirection(first),
        client: first.job.client,
        clientVersion: versionOf(first.job.client),
        bytes: first.job.expectedBytes,
        mode: first.job.consumption,
        blocks: bs.length,
        requests: sum(trials.map((t) => t.requests)),
        ok: sum(trials.map((t) => t.ok)),
        errors: sum(trials.map((t) => sum(Object.values(t.errors)))) + bs.filter((b) => b.error !== null).length,
        msPerRequest: med((f) => f.msPerRequest),
        mbPerSecond: med((f) => f.mbPerSecond),
        cpuMicrosPerMB: med((f) => f.cpuMicrosPerMB),
        peakRssGrowthMiB: med((f) => f.rssGrowthMiB),
      };
    });
}
