import { describe, expect, test } from 'vitest';
import { barChart, lineChart, renderChart } from '../packages/charts/src/index';

/**
 * A measurement the guards keep out of comparisons (e.g. a saturated target) must not look like a result on a chart:
 * with `flagField`, its mark is drawn hollow and a "guards" legend names it. Without a flagged row the spec is the
 * same as without the option. Rendering starts no process.
 */

const rows = [
  { client: 'undici-request', predicted: 25_000, measured: 24_000, rps: 24_000, excludedBy: '' },
  { client: 'undici-dispatch', predicted: 40_000, measured: 30_000, rps: 30_000, excludedBy: 'target-saturated' },
  { client: 'axios', predicted: 7000, measured: 6800, rps: 6800, excludedBy: '' },
];

const scatter = (data: readonly (typeof rows)[number][], flag = true) =>
  lineChart({
    title: 'measured against predicted',
    data,
    xField: 'predicted',
    xTitle: 'predicted (req/s)',
    yField: 'measured',
    yTitle: 'measured (req/s)',
    seriesField: 'client',
    points: true,
    bound: {
      label: 'measured = predicted',
      points: [
        { x: 0, y: 0 },
        { x: 44_000, y: 44_000 },
      ],
    },
    ...(flag ? { flagField: 'excludedBy' as const } : {}),
  });

const bars = (data: readonly (typeof rows)[number][], flag = true) =>
  barChart({
    title: 'throughput',
    data,
    categoryField: 'client',
    valueField: 'rps',
    valueTitle: 'throughput (req/s)',
    ...(flag ? { flagField: 'excludedBy' as const } : {}),
  });

type Layer = { name?: string; mark: Record<string, unknown>; encoding: Record<string, Record<string, unknown>> };
const layersOf = (spec: Record<string, unknown>) => spec['layer'] as Layer[];

describe('flagged rows on charts', () => {
  test('line chart: flagged points in their own layer, hollow (fill opacity 0), legend "flagged: target-saturated"', () => {
    const spec = scatter(rows);
    const points = layersOf(spec).find((l) => l.name === 'guards');
    expect(points?.mark).toMatchObject({ type: 'point', filled: true });
    expect(points?.encoding['fillOpacity']?.['scale']).toEqual({
      type: 'ordinal',
      domain: ['counted', 'flagged: target-saturated'],
      range: [1, 0],
    });
    expect(points?.encoding['stroke']).toEqual(points?.encoding['color']);
    // vega-lite draws no legend for fill opacity: the legend comes from `shape` (a circle either way).
    expect(points?.encoding['shape']).toMatchObject({ field: 'guardStatus', title: 'guards' });
    // The line layer no longer draws its own (filled) points.
    expect(layersOf(spec)[0]?.mark['point']).toBe(false);
    const values = (layersOf(spec)[0] as unknown as { data: { values: { guardStatus: string }[] } }).data.values;
    expect(values.map((v) => v.guardStatus)).toEqual(['counted', 'flagged: target-saturated', 'counted']);
  });

  test('bar chart: a flagged bar keeps its outline and loses most of its fill, with the same legend', () => {
    const spec = bars(rows);
    const bar = layersOf(spec)[0];
    expect(bar?.mark).toMatchObject({ type: 'bar', stroke: '#4c78a8', strokeWidth: 1.5 });
    expect(bar?.encoding['fillOpacity']?.['scale']).toMatchObject({ domain: ['counted', 'flagged: target-saturated'] });
    expect(bar?.encoding['fillOpacity']?.['scale']).toMatchObject({ range: [1, 0.15] });
    expect(bar?.encoding['strokeDash']?.['scale']).toEqual({
      domain: ['counted', 'flagged: target-saturated'],
      range: [
        [1, 0],
        [4, 3],
      ],
    });
  });

  test('no flagged row: the spec is the same as without flagField', () => {
    const clean = rows.filter((r) => r.excludedBy === '');
    expect(scatter(clean)).toEqual(scatter(clean, false));
    expect(bars(clean)).toEqual(bars(clean, false));
  });

  test('a flag value that is not a string is refused, naming the field and the value', () => {
    const bad = [{ ...rows[0], excludedBy: true }] as unknown as typeof rows;
    expect(() => bars(bad)).toThrow(/flagField "excludedBy" must be a string.*row 0 has true/);
  });

  test('renders: the legend names the flag and the flagged point has no fill', async () => {
    const { svg } = await renderChart(scatter(rows));
    expect(svg).toContain('flagged: target-saturated');
    expect(svg).toMatch(/fill-opacity="0"/);
    expect((await renderChart(bars(rows))).svg).toContain('flagged: target-saturated');
  });
});
