import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import Module, { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import {
  barChart,
  ChartError,
  createLiveLine,
  DEJAVU_FONT_FILES,
  displayChart,
  displayTable,
  type LiveLineStream,
  lineChart,
  markdownTable,
  type RenderedChart,
  renderChart,
  saveChart,
  scatterChart,
  sendDisplayBundle,
  VEGA_LITE_V5_MIME,
  VEGA_LITE_V5_SCHEMA,
  type VegaLiteSpec,
} from '../packages/charts/src/index';

/** Carriage return + ANSI "erase entire line": how the TTY live line redraws itself. */
const CLEAR_LINE = '\r\u001b[2K';
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

interface TrialRow {
  client: string;
  thinkTimeMs: number;
  rps: number;
  rpsMin: number;
  rpsMax: number;
}

const trialRows: TrialRow[] = [
  { client: 'undici 8', thinkTimeMs: 0, rps: 21000, rpsMin: 20100, rpsMax: 21900 },
  { client: 'undici 8', thinkTimeMs: 10, rps: 14000, rpsMin: 13500, rpsMax: 14300 },
  { client: 'node:http', thinkTimeMs: 0, rps: 14000, rpsMin: 13000, rpsMax: 14600 },
  { client: 'node:http', thinkTimeMs: 10, rps: 9000, rpsMin: 8800, rpsMax: 9400 },
  { client: 'got 14', thinkTimeMs: 0, rps: 5000, rpsMin: 4700, rpsMax: 5200 },
  { client: 'got 14', thinkTimeMs: 10, rps: 3300, rpsMin: 3100, rpsMax: 3400 },
];

function groupedBars(): VegaLiteSpec {
  return barChart({
    data: trialRows,
    categoryField: 'client',
    valueField: 'rps',
    valueTitle: 'throughput (req/s)',
    groupField: 'thinkTimeMs',
    groupTitle: 'think time (ms)',
    minField: 'rpsMin',
    maxField: 'rpsMax',
    title: 'Throughput by client and think time',
    subtitle: 'median of 5 trials; whiskers: min–max',
  });
}

const capRows = [1, 4, 16, 64].flatMap((connections) => [
  { client: 'undici 8', connections, rps: Math.min(connections * 95, 2000) },
  { client: 'got 14', connections, rps: Math.min(connections * 90, 900) },
]);

function boundedLines(): VegaLiteSpec {
  return lineChart({
    data: capRows,
    xField: 'connections',
    xTitle: 'connection cap N',
    xScale: 'log',
    yField: 'rps',
    yTitle: 'throughput (req/s)',
    yScale: 'log',
    seriesField: 'client',
    bound: { label: 'bound N/L', points: [1, 64].map((n) => ({ x: n, y: n * 100 })) },
    title: "Little's law bound",
  });
}

function pngWidth(png: Buffer): number {
  return png.readUInt32BE(16); // IHDR width
}

/** Captures what is written to process.stdout while `run` executes. */
function captureStdout(run: () => void): string {
  const chunks: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  });
  try {
    run();
  } finally {
    spy.mockRestore();
  }
  return chunks.join('');
}

describe('specs', () => {
  test('every builder returns a vega-lite v5 spec with a fixed size, DejaVu Sans and a white background', () => {
    const specs = [
      groupedBars(),
      boundedLines(),
      scatterChart({
        data: [{ cpuMicros: 30, p99Ms: 2, client: 'undici 8' }],
        xField: 'cpuMicros',
        xTitle: 'CPU per request (µs)',
        yField: 'p99Ms',
        yTitle: 'p99 latency (ms)',
        labelField: 'client',
        title: 'Latency against CPU',
      }),
    ];
    for (const spec of specs) {
      expect(spec.$schema).toBe('https://vega.github.io/schema/vega-lite/v5.json');
      expect(spec.$schema).toBe(VEGA_LITE_V5_SCHEMA);
      expect(spec['background']).toBe('white');
      expect(spec['config']).toMatchObject({ font: 'DejaVu Sans', background: 'white' });
      expect(typeof spec['width']).toBe('number');
      expect(typeof spec['height']).toBe('number');
      expect(JSON.parse(JSON.stringify(spec))).toEqual(spec);
    }
  });

  test('a bar chart copies only the fields it uses and adds whisker layers from minField/maxField', () => {
    const rows = trialRows.map((row) => ({ ...row, unrelated: 'not charted' }));
    const spec = barChart({
      data: rows,
      categoryField: 'client',
      valueField: 'rps',
      valueTitle: 'throughput (req/s)',
      minField: 'rpsMin',
      maxField: 'rpsMax',
      title: 't',
    });
    const values = (spec['data'] as { values: Record<string, unknown>[] }).values;
    expect(Object.keys(values[0] ?? {}).sort()).toEqual(['client', 'rps', 'rpsMax', 'rpsMin']);
    const layers = spec['layer'] as { mark: { type: string } }[];
    expect(layers.map((layer) => layer.mark.type)).toEqual(['bar', 'rule', 'tick', 'tick']);
  });

  test('a faceted bar chart puts data and layers under facet/spec', () => {
    const spec = barChart({
      data: trialRows.map((row) => ({ ...row, protocol: row.thinkTimeMs === 0 ? 'h1' : 'h2' })),
      categoryField: 'client',
      valueField: 'rps',
      valueTitle: 'throughput (req/s)',
      facetField: 'protocol',
      title: 't',
    });
    expect(spec['facet']).toMatchObject({ row: { field: 'protocol' } });
    expect(spec['spec']).toMatchObject({ width: expect.any(Number), height: expect.any(Number) });
  });

  test('bar chart options are validated with errors that name the option and value', () => {
    const base = {
      data: trialRows,
      categoryField: 'client',
      valueField: 'rps',
      valueTitle: 'rps (req/s)',
      title: 't',
    } as const;
    expect(() => barChart({ ...base, minField: 'rpsMin' })).toThrow(/minField and maxField go together/);
    expect(() => barChart({ ...base, valueField: 'nope' as 'rps' })).toThrow(/valueField "nope" is not a field/);
    expect(() => barChart({ ...base, widthPx: -1 })).toThrow(/widthPx must be a positive number of pixels, got -1/);
    try {
      barChart({ ...base, valueTitle: '' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ChartError);
      expect((error as ChartError).code).toBe('CHART_INVALID_OPTION');
    }
  });

  test('a line chart draws the bound in its own dashed layer, named in the shared legend', () => {
    const spec = boundedLines();
    const layers = spec['layer'] as {
      name?: string;
      data: { values: Record<string, unknown>[] };
      encoding: { color: { scale: { domain: unknown[] } }; strokeDash: { scale: { range: unknown[] } } };
    }[];
    expect(layers).toHaveLength(2);
    const bound = layers[1];
    expect(bound?.name).toBe('bound');
    expect(bound?.data.values).toEqual([
      { connections: 1, rps: 100, client: 'bound N/L' },
      { connections: 64, rps: 6400, client: 'bound N/L' },
    ]);
    expect(bound?.encoding.color.scale.domain).toEqual(['undici 8', 'got 14', 'bound N/L']);
    expect(bound?.encoding.strokeDash.scale.range).toEqual([
      [1, 0],
      [1, 0],
      [6, 4],
    ]);
  });

  test('a line chart rejects values a log axis cannot show and a bound label equal to a series', () => {
    const base = {
      data: capRows,
      xField: 'connections',
      xTitle: 'N',
      yField: 'rps',
      yTitle: 'rps (req/s)',
      seriesField: 'client',
      title: 't',
    } as const;
    expect(() =>
      lineChart({ ...base, data: [...capRows, { client: 'x', connections: 0, rps: 1 }], xScale: 'log' }),
    ).toThrow(/xScale is 'log' but row 8 has connections = 0/);
    expect(() => lineChart({ ...base, bound: { label: 'got 14', points: [] } })).toThrow(/also a series value/);
  });
});

describe('renderChart', () => {
  let first: RenderedChart;
  let second: RenderedChart;

  beforeAll(async () => {
    first = await renderChart(groupedBars());
    second = await renderChart(groupedBars());
  });

  test('rendering the same spec twice gives byte-identical SVG and PNG', () => {
    expect(second.svg).toBe(first.svg);
    expect(second.png.equals(first.png)).toBe(true);
  });

  test('the PNG has the PNG signature and twice the SVG width', () => {
    expect(first.png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(first.pixelRatio).toBe(2);
    expect(pngWidth(first.png)).toBe(first.widthPx * 2);
    expect(first.svg.startsWith('<svg')).toBe(true);
    expect(first.svg).toContain('font-family="DejaVu Sans"');
  });

  test('fonts are pinned to DejaVu when the Debian files exist', () => {
    const present = DEJAVU_FONT_FILES.filter((file) => existsSync(file));
    expect(first.fontSource).toBe(present.length > 0 ? 'pinned' : 'system');
    expect(first.fontFiles).toEqual(present);
  });

  test('renders with system fonts when the pinned font files are missing', async () => {
    const rendered = await renderChart(boundedLines(), { fontFiles: ['/nonexistent/DejaVuSans.ttf'] });
    expect(rendered.fontSource).toBe('system');
    expect(rendered.png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  });

  test('concurrent renders of a faceted chart stay identical (vega id counters are serialised)', async () => {
    const spec = barChart({
      data: trialRows.map((row) => ({ ...row, protocol: row.thinkTimeMs === 0 ? 'h1' : 'h2' })),
      categoryField: 'client',
      valueField: 'rps',
      valueTitle: 'throughput (req/s)',
      facetField: 'protocol',
      minField: 'rpsMin',
      maxField: 'rpsMax',
      title: 't',
    });
    const [a, b] = await Promise.all([renderChart(spec), renderChart(spec)]);
    expect(b?.svg).toBe(a?.svg);
    expect(b?.png.equals(a?.png ?? Buffer.alloc(0))).toBe(true);
  });

  test('rejects a spec that is not vega-lite v5', async () => {
    const spec = { ...groupedBars(), $schema: 'https://vega.github.io/schema/vega-lite/v6.json' };
    await expect(renderChart(spec)).rejects.toThrow(/must be a vega-lite v5 schema URL, got ".*v6\.json"/);
  });
});

describe('saveChart', () => {
  let dir: string;
  let rendered: RenderedChart;
  const spec = groupedBars();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'casebook-charts-'));
    rendered = await renderChart(spec);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('writes <name>.vl.json, .svg and .png and returns their paths', async () => {
    const files = await saveChart(join(dir, 'nested'), 'rps-by-client', spec, rendered);
    expect(files).toEqual({
      specPath: join(dir, 'nested', 'rps-by-client.vl.json'),
      svgPath: join(dir, 'nested', 'rps-by-client.svg'),
      pngPath: join(dir, 'nested', 'rps-by-client.png'),
    });
    expect(JSON.parse(await readFile(files.specPath, 'utf8'))).toEqual(spec);
    expect(await readFile(files.svgPath, 'utf8')).toBe(rendered.svg);
    expect((await readFile(files.pngPath)).equals(rendered.png)).toBe(true);
    expect((await readdir(join(dir, 'nested'))).sort()).toEqual([
      'rps-by-client.png',
      'rps-by-client.svg',
      'rps-by-client.vl.json',
    ]);
  });

  test('rejects a name that is not kebab-case, naming it, and writes nothing', async () => {
    for (const bad of ['Rps_By_Client', 'rps--x', '../escape', '']) {
      await expect(saveChart(join(dir, 'bad'), bad, spec, rendered)).rejects.toThrow(JSON.stringify(bad));
    }
    await expect(saveChart(dir, 'Bad Name', spec, rendered)).rejects.toMatchObject({ code: 'CHART_INVALID_NAME' });
    expect(existsSync(join(dir, 'bad'))).toBe(false);
  });
});

describe('display', () => {
  let rendered: RenderedChart;
  const spec = groupedBars();

  beforeAll(async () => {
    rendered = await renderChart(spec);
  });

  test('displayChart outside tslab does not throw and prints the alt text', () => {
    const out = captureStdout(() => displayChart(spec, rendered, 'undici 8 is fastest at every think time'));
    expect(out).toBe('undici 8 is fastest at every think time\n');
  });

  test('displayChart refuses an empty alt text', () => {
    expect(() => displayChart(spec, rendered, ' ')).toThrow(/altText must describe the chart/);
  });

  test('inside tslab, one output carries the vega-lite spec, the PNG and the alt text', () => {
    // Stand in for a running kernel: tslab's jupyter module loaded, with the writer of the current cell.
    const requireFromHere = createRequire(__filename);
    const jupyterPath = requireFromHere.resolve('tslab/dist/jupyter', { paths: [process.cwd()] });
    expect(requireFromHere.cache[jupyterPath]).toBeUndefined();
    const messages: { message: unknown; update: boolean }[] = [];
    const fake = new Module(jupyterPath);
    fake.filename = jupyterPath;
    fake.loaded = true;
    fake.exports = { lastWriteDisplayData: (message: unknown, update: boolean) => messages.push({ message, update }) };
    requireFromHere.cache[jupyterPath] = fake;
    try {
      const out = captureStdout(() => displayChart(spec, rendered, 'alt text'));
      expect(out).toBe('');
    } finally {
      delete requireFromHere.cache[jupyterPath];
    }
    expect(messages).toHaveLength(1);
    expect(messages[0]?.update).toBe(false);
    expect(messages[0]?.message).toEqual({
      data: {
        [VEGA_LITE_V5_MIME]: spec,
        'image/png': rendered.png.toString('base64'),
        'text/plain': 'alt text',
      },
      metadata: { 'image/png': { width: rendered.widthPx, height: rendered.heightPx } },
      transient: {},
    });
  });

  test('sendDisplayBundle and displayTable fall back to text/plain on stdout', () => {
    expect(captureStdout(() => sendDisplayBundle({ 'text/html': '<b>x</b>', 'text/plain': 'x' }))).toBe('x\n');
    const out = captureStdout(() =>
      displayTable(trialRows.slice(0, 2), ['client', { field: 'rps', title: 'throughput (req/s)' }]),
    );
    expect(out).toBe(
      [
        'client    throughput (req/s)',
        '--------  ------------------',
        'undici 8               21000',
        'undici 8               14000',
        '',
      ].join('\n'),
    );
  });

  test('markdownTable escapes pipes, right-aligns numbers and marks missing values', () => {
    const table = markdownTable(
      [
        { name: 'a|b', p99Ms: 1.23456789 },
        { name: 'c', p99Ms: null },
      ],
      ['name', { field: 'p99Ms', title: 'p99 (ms)' }],
    );
    expect(table).toBe(['| name | p99 (ms) |', '| :--- | ---: |', '| a\\|b | 1.23457 |', '| c | — |'].join('\n'));
  });
});

describe('createLiveLine', () => {
  function fakeStream(isTTY: boolean): LiveLineStream & { chunks: string[] } {
    const chunks: string[] = [];
    return { isTTY, columns: 60, chunks, write: (chunk: string) => chunks.push(chunk) };
  }

  test('on a TTY, redraws one line with \\r at most every 100 ms, then prints the done line', () => {
    vi.useFakeTimers();
    try {
      let nowMs = 0;
      const progress = fakeStream(true);
      const result = fakeStream(false);
      const line = createLiveLine('trials', {
        progressStream: progress,
        resultStream: result,
        notebookDisplay: null,
        now: () => nowMs,
      });
      expect(line.mode).toBe('tty');
      for (let i = 1; i <= 50; i++) line.update(`trial ${i}/50`, i / 50); // all within the same millisecond
      expect(progress.chunks).toHaveLength(1);
      expect(progress.chunks[0]?.startsWith(CLEAR_LINE)).toBe(true);
      expect(progress.chunks[0]?.slice(CLEAR_LINE.length)).toMatch(/^trials \[\.{20}\]\s+2% trial 1\/50$/);
      nowMs = 100;
      vi.advanceTimersByTime(100);
      expect(progress.chunks).toHaveLength(2);
      expect(progress.chunks[1]).toContain('trial 50/50');
      line.done('50 trials, 0 errors');
      line.done('ignored');
      line.update('ignored');
      expect(result.chunks).toEqual(['trials: 50 trials, 0 errors\n']);
      expect(progress.chunks.at(-1)).toBe(CLEAR_LINE);
    } finally {
      vi.useRealTimers();
    }
  });

  test('without a TTY, appends plain progress lines (no redraw codes) and prints the done line, with no timestamp added', () => {
    const progress = fakeStream(false);
    const result = fakeStream(false);
    const line = createLiveLine('warm-up', { progressStream: progress, resultStream: result, notebookDisplay: null });
    expect(line.mode).toBe('log');
    line.update('1/3');
    line.done('3 runs');
    expect(progress.chunks).toEqual(['warm-up: 1/3\n']);
    expect(result.chunks).toEqual(['warm-up: 3 runs\n']);
  });

  test('in a notebook, updates one display in place and ends on the done text', () => {
    const texts: string[] = [];
    let nowMs = 0;
    const line = createLiveLine('trials', { notebookDisplay: { text: (t) => texts.push(t) }, now: () => nowMs });
    expect(line.mode).toBe('notebook');
    line.update('1/2');
    nowMs = 500;
    line.update('2/2');
    line.done('2 trials');
    expect(texts).toEqual(['trials: …', 'trials: 1/2', 'trials: 2/2', 'trials: 2 trials']);
  });
});
