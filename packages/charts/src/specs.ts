// Pure builders of vega-lite v5 specs. No I/O: a spec is a function of the rows and options only, so the same
// results always give the same JSON (and, through render.ts, the same SVG and PNG bytes).

import { ChartError } from './errors';

/**
 * vega-lite v5, on purpose: JupyterLab 4 and VS Code render `application/vnd.vegalite.v5+json` and no v6 MIME type
 * exists; vega-lite 6 also fails to load inside tslab.
 */
export const VEGA_LITE_V5_SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';

/** The only font the renderer loads (Debian's DejaVu), so every machine lays text out the same way. */
export const CHART_FONT_FAMILY = 'DejaVu Sans';

/**
 * A vega-lite v5 top-level spec as plain JSON. Deliberately not vega-lite's own `TopLevelSpec`: notebooks read this
 * package's types with tslab's TypeScript 5.0, and vega-lite's types are large and not written for it.
 */
export interface VegaLiteSpec {
  $schema: string;
  [property: string]: unknown;
}

/** The name of a (string-keyed) property of a data row. */
export type FieldOf<Row> = Extract<keyof Row, string>;

/** Scale of a quantitative axis. `log` needs every value > 0. */
export type AxisScaleType = 'linear' | 'log';

/** Options every chart takes. */
export interface ChartFrameOptions {
  /** Chart title, e.g. `'Throughput by client at 256 concurrent requests'`. */
  title: string;
  /** Second title line: say what the marks and whiskers are, e.g. `'median of 5 trials; whiskers: min–max'`. */
  subtitle?: string;
  /** Width of the plot area in CSS pixels (of one panel when faceted). Default depends on the chart. */
  widthPx?: number;
  /** Height of the plot area in CSS pixels (of one panel when faceted). Default depends on the chart. */
  heightPx?: number;
}

export interface BarChartOptions<Row extends object> extends ChartFrameOptions {
  /** One row per bar. Only the fields named in the options are copied into the spec. */
  data: readonly Row[];
  /** Field whose values get one band each, e.g. `'client'`. Bands keep the order of first appearance in `data`. */
  categoryField: FieldOf<Row>;
  /** Axis title of the categories. Default: the field name. */
  categoryTitle?: string;
  /** Field giving the bar length, e.g. `'rps'`. */
  valueField: FieldOf<Row>;
  /** Axis title of the values, with the unit: `'throughput (req/s)'`. */
  valueTitle: string;
  /** d3-format string for value axis labels and tooltips, e.g. `',.0f'`. Default: vega's automatic format. */
  valueFormat?: string;
  /** `horizontal` (default): categories down the y axis, bars grow to the right. */
  orientation?: 'horizontal' | 'vertical';
  /** Field splitting each band into coloured side-by-side bars, e.g. `'thinkTimeMs'`. */
  groupField?: FieldOf<Row>;
  /** Legend title of the groups, with the unit: `'think time (ms)'`. Default: the field name. */
  groupTitle?: string;
  /** Field giving one panel per value (stacked along the category axis), e.g. `'protocol'`. */
  facetField?: FieldOf<Row>;
  /** Header title of the panels. Default: the field name. */
  facetTitle?: string;
  /** Field with the low end of an error bar, e.g. `'rpsMin'` (the spread across trials). Needs `maxField`. */
  minField?: FieldOf<Row>;
  /** Field with the high end of an error bar, e.g. `'rpsMax'`. Needs `minField`. */
  maxField?: FieldOf<Row>;
  /** Field naming why the guards keep a row out of comparisons; see `LineChartOptions.flagField`. Bars drawn hollow. */
  flagField?: FieldOf<Row>;
}

/** A reference line drawn dashed over a line chart and named in its legend, e.g. Little's law bound N/L. */
export interface LineBound {
  /** Legend entry, e.g. `'bound N/L'`. Must differ from every series value. */
  label: string;
  /** Points of the bound in data units, joined in x order. */
  points: ReadonlyArray<{ readonly x: number; readonly y: number }>;
}

export interface LineChartOptions<Row extends object> extends ChartFrameOptions {
  /** One row per point. Only the fields named in the options are copied into the spec. */
  data: readonly Row[];
  /** Field for the x position, e.g. `'concurrency'`. */
  xField: FieldOf<Row>;
  /** Axis title with unit: `'concurrent requests'`. */
  xTitle: string;
  /** Default `linear`. */
  xScale?: AxisScaleType;
  /** Field for the y position, e.g. `'rps'`. */
  yField: FieldOf<Row>;
  /** Axis title with unit: `'throughput (req/s)'`. */
  yTitle: string;
  /** Default `linear`. */
  yScale?: AxisScaleType;
  /** d3-format string for y axis labels and tooltips. */
  yFormat?: string;
  /** Field giving one line per value, e.g. `'client'`. Legend order is the order of first appearance in `data`. */
  seriesField?: FieldOf<Row>;
  /** Legend title of the series. Default: the field name. */
  seriesTitle?: string;
  /** Legend entry of the data when there is no `seriesField` but there is a `bound`. Default `'measured'`. */
  seriesLabel?: string;
  /** Draw a point on every datum. Default true. */
  points?: boolean;
  /** A dashed reference line in its own layer, with a legend entry. */
  bound?: LineBound;
  /**
   * Field naming why the guards keep a row out of every comparison (e.g. `'target-saturated'`; `''`, null or absent
   * when it may be compared). When any row is flagged, flagged points are drawn hollow and a "guards" legend names
   * them `flagged: <value>`, so a measurement that decides nothing never looks like a result.
   */
  flagField?: FieldOf<Row>;
}

export interface ScatterChartOptions<Row extends object> extends ChartFrameOptions {
  data: readonly Row[];
  xField: FieldOf<Row>;
  /** Axis title with unit: `'CPU per request (µs)'`. */
  xTitle: string;
  xScale?: AxisScaleType;
  yField: FieldOf<Row>;
  /** Axis title with unit: `'p99 latency (ms)'`. */
  yTitle: string;
  yScale?: AxisScaleType;
  /** Field whose value is written next to each point, e.g. `'client'`. */
  labelField?: FieldOf<Row>;
  /** Field colouring the points, with a legend. */
  colorField?: FieldOf<Row>;
  /** Legend title of `colorField`. Default: the field name. */
  colorTitle?: string;
}

/** vega's `tableau10` scheme, spelled out so the bound colour can be appended to a fixed domain. */
const SERIES_PALETTE: readonly string[] = [
  '#4c78a8',
  '#f58518',
  '#e45756',
  '#72b7b2',
  '#54a24b',
  '#eeca3b',
  '#b279a2',
  '#ff9da6',
  '#9d755d',
  '#bab0ac',
];
/** Colour and dash of reference bounds: dark grey, dashed, so they never read as a measured series. */
const BOUND_COLOR = '#333333';
const BOUND_DASH: readonly number[] = [6, 4];
const SOLID_DASH: readonly number[] = [1, 0];
/** Line-segment legend symbols, so the legend shows each series' stroke and the bound's dash. */
const SERIES_LEGEND = { symbolType: 'stroke', symbolStrokeWidth: 2, symbolSize: 300 } as const;
/** Field that carries the series name when the caller has no series field (bound charts). */
const SYNTHETIC_SERIES_FIELD = 'series';

/** Legend title and entries of the guard status (`flagField`); the field the spec adds to carry it. */
const GUARDS_TITLE = 'guards';
const COUNTED_LABEL = 'counted';
const GUARD_STATUS_FIELD = 'guardStatus';
/** Fill of a flagged mark: none for points (a ring), faint for bars (an outline that still reads as a bar). */
const FLAGGED_POINT_FILL_OPACITY = 0;
const FLAGGED_BAR_FILL_OPACITY = 0.15;
const FLAGGED_STROKE_WIDTH = 1.5;
/** The dash of a flagged bar's outline (and of its legend symbol). */
const FLAGGED_DASH: readonly number[] = [4, 3];

const DEFAULT_WIDTH_PX = 520;
const DEFAULT_HEIGHT_PX = 300;
/** Band length per bar in a bar chart (bar ≈ 14 px thick after vega-lite's 10% band padding), plus a gap per band. */
const BAR_STEP_PX = 16;
const BAND_GAP_PX = 6;
const MIN_BAND_AXIS_PX = 80;
/** Vertical bands are at least this wide, so the (rotated) category labels and the bars stay legible. */
const MIN_VERTICAL_BAND_PX = 56;

type Json = Record<string, unknown>;

function chartConfig(): Json {
  return {
    font: CHART_FONT_FAMILY,
    background: 'white',
    title: { fontSize: 14, anchor: 'start', subtitleFontSize: 11, subtitleColor: '#555555', offset: 8 },
    axis: { labelFontSize: 11, titleFontSize: 11, labelLimit: 240, titleFontWeight: 'bold' },
    legend: { labelFontSize: 11, titleFontSize: 11, labelLimit: 240 },
    header: { labelFontSize: 11, titleFontSize: 11 },
    view: { stroke: '#dddddd' },
  };
}

function invalid(builder: string, message: string): ChartError {
  return new ChartError('CHART_INVALID_OPTION', `${builder}: ${message}`);
}

function checkFrame(builder: string, opts: ChartFrameOptions): void {
  if (typeof opts.title !== 'string' || opts.title.trim() === '') {
    throw invalid(builder, `title must be a non-empty string, got ${JSON.stringify(opts.title)}`);
  }
  for (const key of ['widthPx', 'heightPx'] as const) {
    const value = opts[key];
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
      throw invalid(builder, `${key} must be a positive number of pixels, got ${String(value)}`);
    }
  }
}

function checkTitle(builder: string, option: string, value: unknown): void {
  if (typeof value !== 'string' || value.trim() === '') {
    throw invalid(
      builder,
      `${option} must be a non-empty string (an axis title with its unit), got ${JSON.stringify(value)}`,
    );
  }
}

/** A field named in the options must exist in the data, or the chart silently comes out empty. */
function checkField(builder: string, option: string, field: string, rows: readonly object[]): void {
  if (typeof field !== 'string' || field === '') {
    throw invalid(builder, `${option} must be a field name, got ${JSON.stringify(field)}`);
  }
  if (rows.length > 0 && !rows.some((row) => Object.hasOwn(row, field))) {
    throw invalid(builder, `${option} "${field}" is not a field of any data row`);
  }
}

function fieldValue(row: object, field: string): unknown {
  return (row as Record<string, unknown>)[field];
}

/** Copies only the fields the chart uses, so a spec embedded in a notebook stays small. */
function pickFields(rows: readonly object[], fields: readonly string[]): Json[] {
  return rows.map((row) => {
    const picked: Json = {};
    for (const field of fields) {
      if (Object.hasOwn(row, field)) picked[field] = fieldValue(row, field);
    }
    return picked;
  });
}

/** Distinct values of a field in order of first appearance. */
function distinctValues(rows: readonly object[], field: string): unknown[] {
  const seen: unknown[] = [];
  for (const row of rows) {
    const value = fieldValue(row, field);
    if (value !== undefined && !seen.includes(value)) seen.push(value);
  }
  return seen;
}

function checkLogScale(builder: string, option: string, field: string, rows: readonly object[]): void {
  rows.forEach((row, index) => {
    const value = fieldValue(row, field);
    if (typeof value === 'number' && !(value > 0)) {
      throw invalid(
        builder,
        `${option} is 'log' but row ${index} has ${field} = ${value}; a log axis needs values > 0`,
      );
    }
  });
}

function titleParams(opts: ChartFrameOptions): Json {
  return opts.subtitle === undefined ? { text: opts.title } : { text: opts.title, subtitle: opts.subtitle };
}

function topLevel(opts: ChartFrameOptions, body: Json): VegaLiteSpec {
  return {
    $schema: VEGA_LITE_V5_SCHEMA,
    title: titleParams(opts),
    ...body,
    background: 'white',
    padding: 12,
    config: chartConfig(),
  };
}

function axisFormat(format: string | undefined): Json {
  return format === undefined ? {} : { axis: { format } };
}

function tooltipFormat(format: string | undefined): Json {
  return format === undefined ? {} : { format };
}

function paletteFor(count: number): string[] {
  return Array.from({ length: count }, (_, i) => SERIES_PALETTE[i % SERIES_PALETTE.length] ?? BOUND_COLOR);
}

/**
 * The guard status of each row (`counted`, or `flagged: <flags>`) and the legend's domain, or undefined when no
 * `flagField` is given or no row is flagged (the spec is then the same as without it).
 */
function guardStatuses(
  builder: string,
  field: string | undefined,
  rows: readonly object[],
): { perRow: string[]; domain: string[] } | undefined {
  if (field === undefined) return undefined;
  checkField(builder, 'flagField', field, rows);
  const perRow = rows.map((row, index) => {
    const value = fieldValue(row, field);
    if (value === undefined || value === null || value === '') return COUNTED_LABEL;
    if (typeof value !== 'string') {
      throw invalid(
        builder,
        `flagField "${field}" must be a string ('' when not flagged), row ${index} has ${JSON.stringify(value)}`,
      );
    }
    return `flagged: ${value}`;
  });
  const flagged = perRow.filter((status, i) => status !== COUNTED_LABEL && perRow.indexOf(status) === i);
  return flagged.length === 0 ? undefined : { perRow, domain: [COUNTED_LABEL, ...flagged] };
}

/** Rows as the spec embeds them, each with its guard status when some row is flagged. */
function withStatus(picked: Json[], guards: { perRow: string[] } | undefined): Json[] {
  return guards === undefined ? picked : picked.map((row, i) => ({ ...row, [GUARD_STATUS_FIELD]: guards.perRow[i] }));
}

/**
 * Flagged marks keep their colour as an outline and lose (most of) their fill. vega-lite draws no legend for fill
 * opacity, so the "guards" legend comes from a channel that has one — `shape` for points (a circle either way),
 * `strokeDash` for bars (a flagged bar's outline is also dashed) — and its symbols get the same fill rule.
 */
function guardEncoding(domain: readonly string[], mark: 'point' | 'bar'): Json {
  const flaggedFill = mark === 'point' ? FLAGGED_POINT_FILL_OPACITY : FLAGGED_BAR_FILL_OPACITY;
  const status = { field: GUARD_STATUS_FIELD, type: 'nominal', title: GUARDS_TITLE, sort: domain };
  const legend = {
    symbolType: mark === 'point' ? 'circle' : 'square',
    symbolFillColor: BOUND_COLOR,
    symbolStrokeColor: BOUND_COLOR,
    symbolStrokeWidth: FLAGGED_STROKE_WIDTH,
    // vega-lite's guide encoding: in a legend, `datum.value` is the entry's domain value.
    encoding: {
      symbols: {
        fill: { value: BOUND_COLOR },
        stroke: { value: BOUND_COLOR },
        strokeWidth: { value: FLAGGED_STROKE_WIDTH },
        fillOpacity: {
          condition: { test: `datum.value === ${JSON.stringify(COUNTED_LABEL)}`, value: 1 },
          value: flaggedFill,
        },
        ...(mark === 'bar'
          ? {
              strokeDash: {
                condition: { test: `datum.value === ${JSON.stringify(COUNTED_LABEL)}`, value: SOLID_DASH },
                value: FLAGGED_DASH,
              },
            }
          : {}),
      },
    },
  };
  const isCounted = (d: string) => d === COUNTED_LABEL;
  return {
    fillOpacity: {
      ...status,
      scale: { type: 'ordinal', domain, range: domain.map((d) => (isCounted(d) ? 1 : flaggedFill)) },
      legend: null,
    },
    ...(mark === 'point'
      ? { shape: { ...status, scale: { domain, range: domain.map(() => 'circle') }, legend } }
      : {
          strokeDash: {
            ...status,
            scale: { domain, range: domain.map((d) => (isCounted(d) ? SOLID_DASH : FLAGGED_DASH)) },
            legend,
          },
        }),
  };
}

const guardTooltip: Json = { field: GUARD_STATUS_FIELD, type: 'nominal', title: GUARDS_TITLE };

/**
 * Bars of one metric per category (e.g. throughput per client), optionally split into coloured groups (e.g. per
 * think time), panelled by a facet field, with min–max whiskers (e.g. the spread across trials).
 */
export function barChart<Row extends object>(opts: BarChartOptions<Row>): VegaLiteSpec {
  const builder = 'barChart';
  checkFrame(builder, opts);
  checkTitle(builder, 'valueTitle', opts.valueTitle);
  const rows = opts.data;
  checkField(builder, 'categoryField', opts.categoryField, rows);
  checkField(builder, 'valueField', opts.valueField, rows);
  if (opts.groupField !== undefined) checkField(builder, 'groupField', opts.groupField, rows);
  if (opts.facetField !== undefined) checkField(builder, 'facetField', opts.facetField, rows);
  if ((opts.minField === undefined) !== (opts.maxField === undefined)) {
    throw invalid(
      builder,
      `minField and maxField go together, got minField ${JSON.stringify(opts.minField)} and maxField ${JSON.stringify(opts.maxField)}`,
    );
  }
  if (opts.minField !== undefined) checkField(builder, 'minField', opts.minField, rows);
  if (opts.maxField !== undefined) checkField(builder, 'maxField', opts.maxField, rows);
  const guards = guardStatuses(builder, opts.flagField, rows);
  const orientation = opts.orientation ?? 'horizontal';
  if (orientation !== 'horizontal' && orientation !== 'vertical') {
    throw invalid(builder, `orientation must be 'horizontal' or 'vertical', got ${JSON.stringify(orientation)}`);
  }

  const horizontal = orientation === 'horizontal';
  const bandChannel = horizontal ? 'y' : 'x';
  const valueChannel = horizontal ? 'x' : 'y';
  const offsetChannel = horizontal ? 'yOffset' : 'xOffset';
  const categories = distinctValues(rows, opts.categoryField);
  const groups = opts.groupField === undefined ? [] : distinctValues(rows, opts.groupField);
  const facets = opts.facetField === undefined ? [] : distinctValues(rows, opts.facetField);

  const barsPerBand = Math.max(1, groups.length);
  const bandPx = horizontal
    ? BAR_STEP_PX * barsPerBand + BAND_GAP_PX
    : Math.max(MIN_VERTICAL_BAND_PX, (BAR_STEP_PX + 8) * barsPerBand + BAND_GAP_PX);
  const bandAxisPx = Math.max(MIN_BAND_AXIS_PX, categories.length * bandPx);
  const widthPx = opts.widthPx ?? (horizontal ? DEFAULT_WIDTH_PX : bandAxisPx);
  const heightPx = opts.heightPx ?? (horizontal ? bandAxisPx : DEFAULT_HEIGHT_PX);

  const categoryEncoding: Json = {
    field: opts.categoryField,
    type: 'nominal',
    title: opts.categoryTitle ?? opts.categoryField,
    sort: categories,
  };
  const valueEncoding: Json = {
    field: opts.valueField,
    type: 'quantitative',
    title: opts.valueTitle,
    ...axisFormat(opts.valueFormat),
  };
  const groupEncodings: Json =
    opts.groupField === undefined
      ? {}
      : {
          [offsetChannel]: { field: opts.groupField, type: 'nominal', sort: groups },
          color: {
            field: opts.groupField,
            type: 'nominal',
            title: opts.groupTitle ?? opts.groupField,
            sort: groups,
            scale: { domain: groups, range: paletteFor(groups.length) },
          },
        };

  const tooltip: Json[] = [
    { field: opts.categoryField, type: 'nominal', title: opts.categoryTitle ?? opts.categoryField },
  ];
  if (opts.groupField !== undefined) {
    tooltip.push({ field: opts.groupField, type: 'nominal', title: opts.groupTitle ?? opts.groupField });
  }
  if (opts.facetField !== undefined) {
    tooltip.push({ field: opts.facetField, type: 'nominal', title: opts.facetTitle ?? opts.facetField });
  }
  tooltip.push({
    field: opts.valueField,
    type: 'quantitative',
    title: opts.valueTitle,
    ...tooltipFormat(opts.valueFormat),
  });

  const layers: Json[] = [];
  if (opts.minField !== undefined && opts.maxField !== undefined) {
    tooltip.push(
      {
        field: opts.minField,
        type: 'quantitative',
        title: `min ${opts.valueTitle}`,
        ...tooltipFormat(opts.valueFormat),
      },
      {
        field: opts.maxField,
        type: 'quantitative',
        title: `max ${opts.valueTitle}`,
        ...tooltipFormat(opts.valueFormat),
      },
    );
  }
  if (guards !== undefined) tooltip.push(guardTooltip);
  // A flagged bar keeps its colour as an outline: the stroke follows the fill (the group's colour, or the one colour).
  const outline: Json =
    guards === undefined
      ? {}
      : opts.groupField === undefined
        ? { ...guardEncoding(guards.domain, 'bar') }
        : {
            ...guardEncoding(guards.domain, 'bar'),
            stroke: {
              field: opts.groupField,
              type: 'nominal',
              sort: groups,
              scale: { domain: groups, range: paletteFor(groups.length) },
              legend: null,
            },
          };
  layers.push({
    mark: {
      type: 'bar',
      ...(opts.groupField === undefined ? { color: SERIES_PALETTE[0] } : {}),
      ...(guards === undefined
        ? {}
        : {
            strokeWidth: FLAGGED_STROKE_WIDTH,
            ...(opts.groupField === undefined ? { stroke: SERIES_PALETTE[0] } : {}),
          }),
    },
    encoding: {
      [bandChannel]: categoryEncoding,
      [valueChannel]: valueEncoding,
      ...groupEncodings,
      ...outline,
      tooltip,
    },
  });
  if (opts.minField !== undefined && opts.maxField !== undefined) {
    const whiskerBand: Json = { [bandChannel]: { field: opts.categoryField, type: 'nominal', sort: categories } };
    if (opts.groupField !== undefined) {
      whiskerBand[offsetChannel] = { field: opts.groupField, type: 'nominal', sort: groups };
    }
    layers.push({
      mark: { type: 'rule', color: BOUND_COLOR, strokeWidth: 1.5 },
      encoding: {
        ...whiskerBand,
        [valueChannel]: { field: opts.minField, type: 'quantitative' },
        [`${valueChannel}2`]: { field: opts.maxField },
        tooltip,
      },
    });
    for (const endField of [opts.minField, opts.maxField]) {
      layers.push({
        mark: { type: 'tick', color: BOUND_COLOR, thickness: 1.5, size: 8 },
        encoding: { ...whiskerBand, [valueChannel]: { field: endField, type: 'quantitative' } },
      });
    }
  }

  const fields = [opts.categoryField, opts.valueField, opts.groupField, opts.facetField, opts.minField, opts.maxField]
    .filter((field): field is FieldOf<Row> => field !== undefined)
    .filter((field, index, all) => all.indexOf(field) === index);
  const data = { values: withStatus(pickFields(rows, fields), guards) };

  if (opts.facetField === undefined) {
    return topLevel(opts, { data, width: widthPx, height: heightPx, layer: layers });
  }
  return topLevel(opts, {
    data,
    facet: {
      [horizontal ? 'row' : 'column']: {
        field: opts.facetField,
        type: 'nominal',
        sort: facets,
        // Each panel is headed "<facet title>: <value>" above its top-left corner, in every orientation.
        header: {
          title: null,
          labelOrient: 'top',
          labelAngle: 0,
          labelAnchor: 'start',
          labelFontWeight: 'bold',
          labelPadding: 4,
          // Parenthesised: vega-lite 5.23 splices `datum.label` in as an unparenthesised `a ? b : c`.
          // An empty facetTitle shows the value alone (when the values already say what they are).
          labelExpr:
            opts.facetTitle === ''
              ? '(datum.label)'
              : `${JSON.stringify(`${opts.facetTitle ?? opts.facetField}: `)} + (datum.label)`,
        },
      },
    },
    spec: { width: widthPx, height: heightPx, layer: layers },
  });
}

/**
 * Room per label on a quantitative x axis: a label such as "40,000" is about 35 px wide at the chart's font size, so
 * at most one tick per 90 px keeps neighbours apart (vega otherwise fits ~10 ticks into 520 px, and the last label,
 * flushed left against the edge, ran into its neighbour).
 */
const X_LABEL_SPACING_PX = 90;

/** A quantitative x axis whose labels cannot overlap: fewer ticks for the width, overlapping labels dropped. */
function xAxis(widthPx: number): Json {
  return {
    axis: {
      tickCount: Math.max(2, Math.floor(widthPx / X_LABEL_SPACING_PX)),
      labelOverlap: 'greedy',
      labelFlush: false,
    },
  };
}

function scaleEncoding(type: AxisScaleType | undefined): Json {
  return type === 'log' ? { scale: { type: 'log' } } : {};
}

function checkScale(builder: string, option: string, value: unknown): void {
  if (value !== undefined && value !== 'linear' && value !== 'log') {
    throw invalid(builder, `${option} must be 'linear' or 'log', got ${JSON.stringify(value)}`);
  }
}

/**
 * Lines of y against x, one per series (e.g. throughput against concurrency per client), with an optional dashed
 * reference bound in its own layer that the legend names (e.g. the physical bound N/L).
 */
export function lineChart<Row extends object>(opts: LineChartOptions<Row>): VegaLiteSpec {
  const builder = 'lineChart';
  checkFrame(builder, opts);
  checkTitle(builder, 'xTitle', opts.xTitle);
  checkTitle(builder, 'yTitle', opts.yTitle);
  checkScale(builder, 'xScale', opts.xScale);
  checkScale(builder, 'yScale', opts.yScale);
  const rows = opts.data;
  checkField(builder, 'xField', opts.xField, rows);
  checkField(builder, 'yField', opts.yField, rows);
  if (opts.seriesField !== undefined) checkField(builder, 'seriesField', opts.seriesField, rows);
  if (opts.xScale === 'log') checkLogScale(builder, 'xScale', opts.xField, rows);
  if (opts.yScale === 'log') checkLogScale(builder, 'yScale', opts.yField, rows);
  const guards = guardStatuses(builder, opts.flagField, rows);

  const bound = opts.bound;
  const seriesField: string | undefined =
    opts.seriesField ?? (bound === undefined ? undefined : SYNTHETIC_SERIES_FIELD);
  const seriesValues: unknown[] =
    opts.seriesField !== undefined
      ? distinctValues(rows, opts.seriesField)
      : bound === undefined
        ? []
        : [opts.seriesLabel ?? 'measured'];

  if (bound !== undefined) {
    if (typeof bound.label !== 'string' || bound.label.trim() === '') {
      throw invalid(builder, `bound.label must be a non-empty string, got ${JSON.stringify(bound.label)}`);
    }
    if (seriesValues.includes(bound.label)) {
      throw invalid(builder, `bound.label ${JSON.stringify(bound.label)} is also a series value; pick another label`);
    }
    bound.points.forEach((point, index) => {
      if (!Number.isFinite(point.x) || !Number.isFinite(point.y)) {
        throw invalid(builder, `bound.points[${index}] must have finite x and y, got ${JSON.stringify(point)}`);
      }
      if ((opts.xScale === 'log' && point.x <= 0) || (opts.yScale === 'log' && point.y <= 0)) {
        throw invalid(builder, `bound.points[${index}] = ${JSON.stringify(point)} cannot be drawn on a log axis`);
      }
    });
  }

  const xEncoding: Json = {
    field: opts.xField,
    type: 'quantitative',
    title: opts.xTitle,
    ...scaleEncoding(opts.xScale),
    ...xAxis(opts.widthPx ?? DEFAULT_WIDTH_PX),
  };
  const yEncoding: Json = {
    field: opts.yField,
    type: 'quantitative',
    title: opts.yTitle,
    ...scaleEncoding(opts.yScale),
    ...axisFormat(opts.yFormat),
  };

  const domain = bound === undefined ? seriesValues : [...seriesValues, bound.label];
  const seriesTitle = opts.seriesTitle ?? opts.seriesField ?? '';
  // Colour and dash share field and title, so vega-lite merges them into one legend that shows the bound dashed.
  const seriesEncodings: Json =
    seriesField === undefined
      ? {}
      : {
          color: {
            field: seriesField,
            type: 'nominal',
            title: seriesTitle,
            sort: domain,
            legend: SERIES_LEGEND,
            scale: {
              domain,
              range:
                bound === undefined ? paletteFor(domain.length) : [...paletteFor(seriesValues.length), BOUND_COLOR],
            },
          },
          ...(bound === undefined
            ? {}
            : {
                strokeDash: {
                  field: seriesField,
                  type: 'nominal',
                  title: seriesTitle,
                  sort: domain,
                  legend: SERIES_LEGEND,
                  scale: { domain, range: [...seriesValues.map(() => SOLID_DASH), BOUND_DASH] },
                },
              }),
        };

  const tooltip: Json[] = [];
  if (opts.seriesField !== undefined) tooltip.push({ field: opts.seriesField, type: 'nominal', title: seriesTitle });
  tooltip.push(
    { field: opts.xField, type: 'quantitative', title: opts.xTitle },
    { field: opts.yField, type: 'quantitative', title: opts.yTitle, ...tooltipFormat(opts.yFormat) },
  );

  const fields = [opts.xField, opts.yField, opts.seriesField]
    .filter((field): field is FieldOf<Row> => field !== undefined)
    .filter((field, index, all) => all.indexOf(field) === index);
  const values = withStatus(pickFields(rows, fields), guards);
  const seriesTransform: Json =
    opts.seriesField === undefined && seriesField !== undefined
      ? { transform: [{ calculate: JSON.stringify(seriesValues[0]), as: seriesField }] }
      : {};
  const measuredLayer: Json = {
    data: { values },
    ...seriesTransform,
    // With flagged rows the points are their own layer (below), so a flagged one can be drawn hollow.
    mark: {
      type: 'line',
      point: guards === undefined && (opts.points ?? true) ? { filled: true, size: 36 } : false,
      strokeWidth: 2,
    },
    encoding: {
      x: xEncoding,
      y: yEncoding,
      ...seriesEncodings,
      ...(seriesField === undefined ? { color: { value: SERIES_PALETTE[0] } } : {}),
      tooltip,
    },
  };
  const layers: Json[] = [measuredLayer];
  if (guards !== undefined) {
    const color = seriesField === undefined ? { value: SERIES_PALETTE[0] } : seriesEncodings['color'];
    layers.push({
      name: 'guards',
      data: { values },
      ...seriesTransform,
      mark: { type: 'point', filled: true, size: 64, strokeWidth: FLAGGED_STROKE_WIDTH },
      encoding: {
        // The same axis as the measured layer: vega-lite drops axis properties that differ between layers.
        x: { field: opts.xField, type: 'quantitative', ...xAxis(opts.widthPx ?? DEFAULT_WIDTH_PX) },
        y: { field: opts.yField, type: 'quantitative' },
        color,
        // The outline has the series colour (the same scale and legend, so they merge), so a hollow point still says
        // whose it is.
        stroke: color,
        ...guardEncoding(guards.domain, 'point'),
        tooltip: [...tooltip, guardTooltip],
      },
    });
  }
  if (bound !== undefined && seriesField !== undefined) {
    const boundValues = [...bound.points]
      .sort((a, b) => a.x - b.x)
      .map((point) => ({ [opts.xField]: point.x, [opts.yField]: point.y, [seriesField]: bound.label }));
    layers.push({
      name: 'bound',
      data: { values: boundValues },
      mark: { type: 'line', strokeWidth: 1.5 },
      encoding: {
        // The same axis as the measured layer: vega-lite drops axis properties that differ between layers.
        x: { field: opts.xField, type: 'quantitative', ...xAxis(opts.widthPx ?? DEFAULT_WIDTH_PX) },
        y: { field: opts.yField, type: 'quantitative' },
        ...seriesEncodings,
        tooltip: [
          { field: seriesField, type: 'nominal', title: seriesTitle === '' ? 'series' : seriesTitle },
          { field: opts.xField, type: 'quantitative', title: opts.xTitle },
          { field: opts.yField, type: 'quantitative', title: opts.yTitle, ...tooltipFormat(opts.yFormat) },
        ],
      },
    });
  }

  return topLevel(opts, {
    width: opts.widthPx ?? DEFAULT_WIDTH_PX,
    height: opts.heightPx ?? DEFAULT_HEIGHT_PX,
    layer: layers,
  });
}

/** Points of y against x, optionally coloured and labelled (e.g. p99 latency against CPU per request, per client). */
export function scatterChart<Row extends object>(opts: ScatterChartOptions<Row>): VegaLiteSpec {
  const builder = 'scatterChart';
  checkFrame(builder, opts);
  checkTitle(builder, 'xTitle', opts.xTitle);
  checkTitle(builder, 'yTitle', opts.yTitle);
  checkScale(builder, 'xScale', opts.xScale);
  checkScale(builder, 'yScale', opts.yScale);
  const rows = opts.data;
  checkField(builder, 'xField', opts.xField, rows);
  checkField(builder, 'yField', opts.yField, rows);
  if (opts.labelField !== undefined) checkField(builder, 'labelField', opts.labelField, rows);
  if (opts.colorField !== undefined) checkField(builder, 'colorField', opts.colorField, rows);
  if (opts.xScale === 'log') checkLogScale(builder, 'xScale', opts.xField, rows);
  if (opts.yScale === 'log') checkLogScale(builder, 'yScale', opts.yField, rows);

  const position: Json = {
    x: {
      field: opts.xField,
      type: 'quantitative',
      title: opts.xTitle,
      ...scaleEncoding(opts.xScale),
      ...xAxis(opts.widthPx ?? DEFAULT_WIDTH_PX),
    },
    y: { field: opts.yField, type: 'quantitative', title: opts.yTitle, ...scaleEncoding(opts.yScale) },
  };
  const colors = opts.colorField === undefined ? [] : distinctValues(rows, opts.colorField);
  const color: Json =
    opts.colorField === undefined
      ? { value: SERIES_PALETTE[0] }
      : {
          field: opts.colorField,
          type: 'nominal',
          title: opts.colorTitle ?? opts.colorField,
          sort: colors,
          scale: { domain: colors, range: paletteFor(colors.length) },
        };
  const tooltip: Json[] = [];
  if (opts.labelField !== undefined) tooltip.push({ field: opts.labelField, type: 'nominal' });
  if (opts.colorField !== undefined && opts.colorField !== opts.labelField) {
    tooltip.push({ field: opts.colorField, type: 'nominal', title: opts.colorTitle ?? opts.colorField });
  }
  tooltip.push(
    { field: opts.xField, type: 'quantitative', title: opts.xTitle },
    { field: opts.yField, type: 'quantitative', title: opts.yTitle },
  );

  const layers: Json[] = [
    { mark: { type: 'point', filled: true, size: 64, opacity: 0.9 }, encoding: { ...position, color, tooltip } },
  ];
  if (opts.labelField !== undefined) {
    layers.push({
      mark: { type: 'text', align: 'left', baseline: 'middle', dx: 7, fontSize: 10, color: '#333333' },
      encoding: { ...position, text: { field: opts.labelField, type: 'nominal' } },
    });
  }
  const fields = [opts.xField, opts.yField, opts.labelField, opts.colorField]
    .filter((field): field is FieldOf<Row> => field !== undefined)
    .filter((field, index, all) => all.indexOf(field) === index);
  return topLevel(opts, {
    data: { values: pickFields(rows, fields) },
    width: opts.widthPx ?? DEFAULT_WIDTH_PX,
    height: opts.heightPx ?? DEFAULT_HEIGHT_PX,
    layer: layers,
  });
}
