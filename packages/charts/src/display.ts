// Notebook outputs for the tslab kernel. A chart is ONE output carrying three MIME types, so each viewer picks what
// it can show: JupyterLab 4 and VS Code draw the vega-lite v5 spec, GitHub shows the PNG, a terminal the alt text.
// Outside tslab (scripts, tests, CI) every helper prints its `text/plain` to stdout instead.
// The helpers return nothing on purpose: tslab echoes the value of a cell's last expression.

import { ChartError } from './errors';
import { markdownTable, plainTextTable, type TableColumnSpec } from './markdown-table';
import type { RenderedChart } from './render';
import type { VegaLiteSpec } from './specs';
import { tslabWriteDisplayData } from './tslab-bridge';

/** The MIME type JupyterLab 4 and VS Code render with vega-embed (there is no v6 type). */
export const VEGA_LITE_V5_MIME = 'application/vnd.vegalite.v5+json';

/** MIME type → content of one output. `text/plain` is required: it is the fallback every viewer can show. */
export interface DisplayBundle {
  'text/plain': string;
  [mimeType: string]: unknown;
}

/**
 * Sends one output with several MIME types. Inside a tslab kernel this uses tslab's internal
 * `lastWriteDisplayData` (its public `display` sends one MIME type per output); anywhere else it prints the bundle's
 * `text/plain` to stdout. `metadata` maps MIME types to their metadata, e.g. `{ 'image/png': { width: 520 } }`.
 */
export function sendDisplayBundle(data: DisplayBundle, metadata: Record<string, unknown> = {}): void {
  const write = tslabWriteDisplayData();
  if (write === undefined) {
    process.stdout.write(`${data['text/plain']}\n`);
    return;
  }
  write({ data: { ...data }, metadata, transient: {} }, false);
}

/**
 * Shows a chart as one output: the vega-lite v5 spec, the PNG (base64, sized to its CSS pixels so a 2x PNG stays
 * sharp) and `altText`, which should state what the chart shows (the finding, not "a chart").
 */
export function displayChart(spec: VegaLiteSpec, rendered: RenderedChart, altText: string): void {
  if (typeof altText !== 'string' || altText.trim() === '') {
    throw new ChartError(
      'CHART_INVALID_OPTION',
      `displayChart: altText must describe the chart, got ${JSON.stringify(altText)}`,
    );
  }
  const metadata: Record<string, unknown> =
    Number.isFinite(rendered.widthPx) && Number.isFinite(rendered.heightPx)
      ? { 'image/png': { width: rendered.widthPx, height: rendered.heightPx } }
      : {};
  sendDisplayBundle(
    {
      [VEGA_LITE_V5_MIME]: spec,
      'image/png': rendered.png.toString('base64'),
      'text/plain': altText,
    },
    metadata,
  );
}

/** Shows markdown (with the markdown source as its plain-text fallback). */
export function displayMarkdown(markdown: string): void {
  sendDisplayBundle({ 'text/markdown': markdown, 'text/plain': markdown });
}

/** Shows `rows` as a markdown table, with an aligned plain-text table as fallback. */
export function displayTable<Row extends object>(rows: readonly Row[], columns: readonly TableColumnSpec<Row>[]): void {
  sendDisplayBundle({
    'text/markdown': markdownTable(rows, columns),
    'text/plain': plainTextTable(rows, columns),
  });
}
