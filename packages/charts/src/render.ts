// Headless rendering: vega-lite v5 spec → vega → SVG (renderer 'none', no canvas) → resvg → PNG.
// Deterministic by construction: one pinned font, text widths computed for that font, SVG def ids reset before
// every render, and renders serialised because vega keeps those id counters in module globals.

import { existsSync } from 'node:fs';
import { type VegaTextItem, vegaTextWidth } from './dejavu-metrics';
import { ChartError } from './errors';
import { CHART_FONT_FAMILY, type VegaLiteSpec } from './specs';

/** Debian's DejaVu Sans (package fonts-dejavu-core), regular then bold: the fonts every chart is drawn with. */
export const DEJAVU_FONT_FILES: readonly string[] = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf',
];

/** PNG pixels per CSS pixel: GitHub shows notebook PNGs at their CSS size, so 2x stays sharp on high-DPI screens. */
export const DEFAULT_PIXEL_RATIO = 2;

export interface RenderOptions {
  /** PNG pixels per CSS pixel. Default {@link DEFAULT_PIXEL_RATIO}. */
  pixelRatio?: number;
  /**
   * Font files to pin. Default {@link DEJAVU_FONT_FILES}. Files that do not exist are skipped; when none exists,
   * system fonts are used (the PNG then depends on the machine: see `fontSource`).
   */
  fontFiles?: readonly string[];
}

/** `pinned`: only the given font files were loaded (reproducible). `system`: they were missing, system fonts used. */
export type FontSource = 'pinned' | 'system';

export interface RenderedChart {
  /** The SVG document vega produced. */
  svg: string;
  /** The SVG rasterised by resvg at `pixelRatio`. */
  png: Buffer;
  /** Size of the chart in CSS pixels (the SVG's size); the PNG is `widthPx * pixelRatio` wide. */
  widthPx: number;
  heightPx: number;
  pixelRatio: number;
  fontSource: FontSource;
  /** The font files actually loaded (empty when `fontSource` is `system`). */
  fontFiles: readonly string[];
}

// Minimal shapes of the parts of vega, vega-lite and resvg used here. vega's own typings lack `textMetrics` and
// `resetSVGDefIds`, and none of these types may leak into this package's public .d.ts (tslab reads it with TS 5.0).
interface VegaView {
  toSVG(scaleFactor?: number): Promise<string>;
  finalize(): unknown;
}
interface VegaModule {
  parse(spec: object): unknown;
  View: new (runtime: unknown, options: { renderer: 'none' }) => VegaView;
  textMetrics: { width: (item: VegaTextItem, text: unknown) => number };
  resetSVGDefIds(): void;
}
interface VegaLiteModule {
  compile(spec: object): { spec: object };
}
interface ResvgFontOptions {
  loadSystemFonts: boolean;
  fontFiles: string[];
  defaultFontFamily: string;
  sansSerifFamily: string;
}
interface ResvgModule {
  renderAsync(
    svg: string,
    options: {
      fitTo: { mode: 'zoom'; value: number };
      font: ResvgFontOptions;
      background: string;
      logLevel: 'off' | 'error' | 'warn';
    },
  ): Promise<{ asPng(): Buffer }>;
}

interface Engines {
  vega: VegaModule;
  vegaLite: VegaLiteModule;
  resvg: ResvgModule;
}

let engines: Engines | undefined;

/** Loads vega, vega-lite and resvg on first use, so importing this package for specs alone stays cheap. */
function loadEngines(): Engines {
  if (engines === undefined) {
    const vega = require('vega') as VegaModule;
    const vegaLite = require('vega-lite') as VegaLiteModule;
    const resvg = require('@resvg/resvg-js') as ResvgModule;
    // Process-wide: every vega View in this process now measures text as DejaVu Sans.
    vega.textMetrics.width = vegaTextWidth;
    engines = { vega, vegaLite, resvg };
  }
  return engines;
}

const V5_SCHEMA_PATTERN = /^https:\/\/vega\.github\.io\/schema\/vega-lite\/v5(\.\d+){0,2}\.json$/;

let vegaQueue: Promise<unknown> = Promise.resolve();

/** Runs vega work one render at a time: its SVG clip and gradient id counters are module globals. */
function exclusive<T>(task: () => Promise<T>): Promise<T> {
  const run = vegaQueue.then(task, task);
  vegaQueue = run.catch(() => undefined);
  return run;
}

async function specToSvg(spec: VegaLiteSpec): Promise<string> {
  const { vega, vegaLite } = loadEngines();
  // vega tags data objects with hidden ids: always render a JSON copy, never the caller's objects.
  const plain = JSON.parse(JSON.stringify(spec)) as object;
  return exclusive(async () => {
    const view = new vega.View(vega.parse(vegaLite.compile(plain).spec), { renderer: 'none' });
    try {
      vega.resetSVGDefIds();
      return await view.toSVG();
    } finally {
      view.finalize();
    }
  });
}

function resolveFonts(candidates: readonly string[]): { source: FontSource; files: string[]; font: ResvgFontOptions } {
  const files = candidates.filter((file) => existsSync(file));
  const base = { defaultFontFamily: CHART_FONT_FAMILY, sansSerifFamily: CHART_FONT_FAMILY };
  if (files.length > 0) {
    return { source: 'pinned', files, font: { ...base, loadSystemFonts: false, fontFiles: files } };
  }
  return { source: 'system', files: [], font: { ...base, loadSystemFonts: true, fontFiles: [] } };
}

function svgSize(svg: string, attribute: 'width' | 'height'): number {
  const root = /<svg\b[^>]*>/.exec(svg)?.[0] ?? '';
  const match = new RegExp(`\\s${attribute}="([0-9.]+)"`).exec(root);
  return match?.[1] === undefined ? Number.NaN : Number(match[1]);
}

/**
 * Renders a vega-lite v5 spec to SVG and PNG. The same spec gives byte-identical output on any machine with the
 * pinned fonts. Rejects with a `ChartError` (`CHART_INVALID_OPTION` for a non-v5 spec, `CHART_RENDER_FAILED`
 * with `cause` for a vega-lite, vega or resvg failure).
 */
export async function renderChart(spec: VegaLiteSpec, options: RenderOptions = {}): Promise<RenderedChart> {
  if (typeof spec?.$schema !== 'string' || !V5_SCHEMA_PATTERN.test(spec.$schema)) {
    throw new ChartError(
      'CHART_INVALID_OPTION',
      `renderChart: spec.$schema must be a vega-lite v5 schema URL, got ${JSON.stringify(spec?.$schema)}`,
    );
  }
  const pixelRatio = options.pixelRatio ?? DEFAULT_PIXEL_RATIO;
  if (!(Number.isFinite(pixelRatio) && pixelRatio > 0 && pixelRatio <= 8)) {
    throw new ChartError('CHART_INVALID_OPTION', `renderChart: pixelRatio must be in (0, 8], got ${pixelRatio}`);
  }
  const fonts = resolveFonts(options.fontFiles ?? DEJAVU_FONT_FILES);

  let svg: string;
  try {
    svg = await specToSvg(spec);
  } catch (cause) {
    throw new ChartError('CHART_RENDER_FAILED', `renderChart: vega could not render "${describe(spec)}"`, { cause });
  }
  let png: Buffer;
  try {
    const image = await loadEngines().resvg.renderAsync(svg, {
      fitTo: { mode: 'zoom', value: pixelRatio },
      font: fonts.font,
      background: 'white',
      logLevel: 'error',
    });
    png = image.asPng();
  } catch (cause) {
    throw new ChartError('CHART_RENDER_FAILED', `renderChart: resvg could not rasterise "${describe(spec)}"`, {
      cause,
    });
  }
  return {
    svg,
    png,
    widthPx: svgSize(svg, 'width'),
    heightPx: svgSize(svg, 'height'),
    pixelRatio,
    fontSource: fonts.source,
    fontFiles: fonts.files,
  };
}

function describe(spec: VegaLiteSpec): string {
  const title = spec['title'];
  if (typeof title === 'string') return title;
  if (typeof title === 'object' && title !== null && typeof (title as { text?: unknown }).text === 'string') {
    return (title as { text: string }).text;
  }
  return 'untitled chart';
}
