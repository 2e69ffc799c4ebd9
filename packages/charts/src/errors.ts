/** Stable codes for every error this package throws on purpose. */
export type ChartErrorCode =
  /** An option of a chart builder is missing, malformed or names a field the data does not have. */
  | 'CHART_INVALID_OPTION'
  /** A chart name is not kebab-case. */
  | 'CHART_INVALID_NAME'
  /** vega-lite, vega or resvg failed on a spec. */
  | 'CHART_RENDER_FAILED';

export interface ChartErrorOptions {
  cause?: unknown;
}

export class ChartError extends Error {
  readonly code: ChartErrorCode;

  constructor(code: ChartErrorCode, message: string, options?: ChartErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ChartError';
    this.code = code;
  }
}
