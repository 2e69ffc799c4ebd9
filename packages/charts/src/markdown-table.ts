// Pure table formatting for notebook outputs: a markdown table (rendered by Jupyter and GitHub) and an aligned
// plain-text twin for terminals and `text/plain` fallbacks.

import { ChartError } from './errors';
import type { FieldOf } from './specs';

export interface TableColumn<Row extends object> {
  field: FieldOf<Row>;
  /** Header text, with the unit: `'p99 (ms)'`. Default: the field name. */
  title?: string;
  /** Default: `right` when every present (non-null) value of the column is a number, else `left`. */
  align?: 'left' | 'right' | 'center';
  /** Cell text. Default {@link formatCell}. */
  format?: (value: unknown, row: Row) => string;
}

/** A field name, or a column with title, alignment and format. */
export type TableColumnSpec<Row extends object> = FieldOf<Row> | TableColumn<Row>;

/** Significant digits of non-integer numbers by default: enough for a measurement, short enough to read. */
const DEFAULT_SIGNIFICANT_DIGITS = 6;
/** Shown for a missing value (undefined or null), so it cannot be mistaken for an empty string. */
const MISSING_CELL = '—';

/** Default cell text: integers as is, other numbers to 6 significant digits, null/undefined as an em dash. */
export function formatCell(value: unknown): string {
  if (value === undefined || value === null) return MISSING_CELL;
  if (typeof value === 'number') {
    if (Number.isInteger(value) || !Number.isFinite(value)) return String(value);
    return String(Number.parseFloat(value.toPrecision(DEFAULT_SIGNIFICANT_DIGITS)));
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value) ?? String(value);
}

interface ResolvedColumn {
  title: string;
  align: 'left' | 'right' | 'center';
  cells: string[];
}

function resolveColumns<Row extends object>(
  caller: string,
  rows: readonly Row[],
  columns: readonly TableColumnSpec<Row>[],
): ResolvedColumn[] {
  if (columns.length === 0) {
    throw new ChartError('CHART_INVALID_OPTION', `${caller}: columns must name at least one field`);
  }
  return columns.map((spec, index) => {
    const column: TableColumn<Row> = typeof spec === 'string' ? { field: spec } : spec;
    if (typeof column.field !== 'string' || column.field === '') {
      throw new ChartError(
        'CHART_INVALID_OPTION',
        `${caller}: columns[${index}].field must be a field name, got ${JSON.stringify(column.field)}`,
      );
    }
    const values = rows.map((row) => (row as Record<string, unknown>)[column.field]);
    const format = column.format;
    const cells = rows.map((row, i) => (format === undefined ? formatCell(values[i]) : format(values[i], row)));
    const present = values.filter((value) => value !== undefined && value !== null);
    const numeric = present.length > 0 && present.every((value) => typeof value === 'number');
    return { title: column.title ?? column.field, align: column.align ?? (numeric ? 'right' : 'left'), cells };
  });
}

function escapeMarkdownCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

const ALIGN_RULE = { left: ':---', right: '---:', center: ':---:' } as const;

/** A GitHub-flavoured markdown table of `rows`, one column per entry of `columns`. */
export function markdownTable<Row extends object>(
  rows: readonly Row[],
  columns: readonly TableColumnSpec<Row>[],
): string {
  const resolved = resolveColumns('markdownTable', rows, columns);
  const line = (cells: readonly string[]): string => `| ${cells.map(escapeMarkdownCell).join(' | ')} |`;
  const lines = [line(resolved.map((c) => c.title)), `| ${resolved.map((c) => ALIGN_RULE[c.align]).join(' | ')} |`];
  for (let r = 0; r < rows.length; r++) lines.push(line(resolved.map((c) => c.cells[r] ?? '')));
  return lines.join('\n');
}

function pad(text: string, width: number, align: 'left' | 'right' | 'center'): string {
  const gap = Math.max(0, width - [...text].length);
  if (align === 'right') return ' '.repeat(gap) + text;
  if (align === 'center') return ' '.repeat(Math.floor(gap / 2)) + text + ' '.repeat(Math.ceil(gap / 2));
  return text + ' '.repeat(gap);
}

/** The same table as aligned plain text (for terminals and `text/plain`). */
export function plainTextTable<Row extends object>(
  rows: readonly Row[],
  columns: readonly TableColumnSpec<Row>[],
): string {
  const resolved = resolveColumns('plainTextTable', rows, columns).map((column) => ({
    ...column,
    cells: column.cells.map((cell) => cell.replace(/\r?\n/g, ' ')),
  }));
  const widths = resolved.map((c) => Math.max([...c.title].length, ...c.cells.map((cell) => [...cell].length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => pad(cell, widths[i] ?? 0, resolved[i]?.align ?? 'left'))
      .join('  ')
      .trimEnd();
  const lines = [line(resolved.map((c) => c.title)), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (let r = 0; r < rows.length; r++) lines.push(line(resolved.map((c) => c.cells[r] ?? '')));
  return lines.join('\n');
}
