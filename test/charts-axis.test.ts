import { lineChart, scatterChart } from '@casebook/charts';
import { describe, expect, it } from 'vitest';

/**
 * Quantitative x axes cannot crowd their labels: notebook 01's predicted-vs-measured chart (run 512-at-once-893dcc1f)
 * printed "40,00045,000" at its right edge. Fewer ticks for the width, overlapping labels dropped, the last label not
 * flushed against the edge; every layer carries the same axis (vega-lite drops axis properties that differ).
 */

const rows = [
  { client: 'a', predicted: 4000, measured: 3800 },
  { client: 'b', predicted: 39_000, measured: 33_000 },
];
type Layer = { encoding: { x: { axis?: { tickCount: number; labelOverlap: string; labelFlush: boolean } } } };
const layersOf = (spec: object): Layer[] => (spec as { layer: Layer[] }).layer;

describe('x axis labels do not overlap', () => {
  it('line chart with a bound: every layer has at most one tick per 90 px, overlap removal, no flush', () => {
    const spec = lineChart({
      title: 't',
      data: rows,
      xField: 'predicted',
      xTitle: 'predicted (req/s)',
      yField: 'measured',
      yTitle: 'measured (req/s)',
      seriesField: 'client',
      bound: {
        label: 'measured = predicted',
        points: [
          { x: 0, y: 0 },
          { x: 45_000, y: 45_000 },
        ],
      },
    });
    const axes = layersOf(spec).map((l) => l.encoding.x.axis);
    expect(axes).toHaveLength(2);
    for (const axis of axes) expect(axis).toEqual({ tickCount: 5, labelOverlap: 'greedy', labelFlush: false });
  });

  it('the tick count follows the width; a scatter chart gets the same axis', () => {
    const wide = lineChart({
      title: 't',
      data: rows,
      xField: 'predicted',
      xTitle: 'x (u)',
      yField: 'measured',
      yTitle: 'y (u)',
      widthPx: 900,
    });
    expect(layersOf(wide)[0]?.encoding.x.axis?.tickCount).toBe(10);
    const scatter = scatterChart({
      title: 't',
      data: rows,
      xField: 'predicted',
      xTitle: 'x (u)',
      yField: 'measured',
      yTitle: 'y (u)',
    });
    expect(layersOf(scatter)[0]?.encoding.x.axis).toEqual({ tickCount: 5, labelOverlap: 'greedy', labelFlush: false });
  });
});
