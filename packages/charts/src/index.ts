// @casebook/charts: vega-lite v5 chart specs (pure), headless SVG/PNG rendering, atomic saving, and notebook
// display for the tslab kernel. The public types are plain on purpose: tslab reads them with TypeScript 5.0.

export {
  type DisplayBundle,
  displayChart,
  displayMarkdown,
  displayTable,
  sendDisplayBundle,
  VEGA_LITE_V5_MIME,
} from './display';
export { ChartError, type ChartErrorCode, type ChartErrorOptions } from './errors';
export {
  createLiveLine,
  LIVE_LINE_LOG_INTERVAL_MS,
  LIVE_LINE_MIN_INTERVAL_MS,
  type LiveLine,
  type LiveLineMode,
  type LiveLineOptions,
  type LiveLineStream,
} from './live-line';
export { formatCell, markdownTable, plainTextTable, type TableColumn, type TableColumnSpec } from './markdown-table';
export {
  DEFAULT_PIXEL_RATIO,
  DEJAVU_FONT_FILES,
  type FontSource,
  type RenderedChart,
  type RenderOptions,
  renderChart,
} from './render';
export { assertChartName, type ChartFiles, saveChart } from './save';
export {
  type AxisScaleType,
  type BarChartOptions,
  barChart,
  CHART_FONT_FAMILY,
  type ChartFrameOptions,
  type FieldOf,
  type LineBound,
  type LineChartOptions,
  lineChart,
  type ScatterChartOptions,
  scatterChart,
  VEGA_LITE_V5_SCHEMA,
  type VegaLiteSpec,
} from './specs';
export type { TslabDisplay } from './tslab-bridge';
