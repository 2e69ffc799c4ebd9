import * as fs from 'node:fs';
import * as path from 'node:path';
import { type BenchRecord, readRecord, UsageError } from '@casebook/results';
import { type MatrixCell, parseCellLabel } from '@casebook/runner';
import { type MedianInterval, medianInterval, pairedRatio } from '@casebook/stats';
import { table } from './markdown';

/**
 * The matrix table, benchstat-style, computed from matrix records only (`casebook matrix` writes them, `casebook
 * merge` reads them from several folders): rows are clients, columns are (Node, client version); each cell is the
 * median throughput over its rounds with its order-statistics 95 % interval, and every column after a row's first
 * (its reference) shows the per-round ratio to it with its interval, or `~` where nothing is resolved (the interval
 * includes 1, or fewer than 6 rounds give no 95 % interval). Ratios pair rounds by index and never mix machines
 * (environment.machineId) unless asked.
 */

export interface MatrixRun {
  cell: MatrixCell;
  round: number;
  throughputRps: number;
  machineId: string | null;
  runId: string;
}

export interface MatrixTableCell {
  column: string;
  rounds: number;
  throughput: MedianInterval;
  /** Ratio to the row's reference column; null for the reference itself. */
  ratio: MedianInterval | null;
  /** The ratio's interval excludes 1 with ≥ 95 % coverage. */
  resolved: boolean;
  machines: string[];
}

export interface MatrixTable {
  columns: string[];
  rows: { client: string; reference: string; cells: MatrixTableCell[] }[];
  machines: string[];
  mixedMachines: boolean;
}

const COVERAGE = 0.95;

/** Every matrix bench record in these folders (recursively); other files and records are ignored. */
export function loadMatrixRuns(folders: readonly string[]): MatrixRun[] {
  const runs: MatrixRun[] = [];
  const seen = new Set<string>();
  for (const folder of folders) {
    if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory())
      throw new UsageError('folder', folder, 'expected a results folder written by casebook matrix');
    const files = (fs.readdirSync(folder, { recursive: true }) as string[])
      .map(String)
      .filter((f) => f.endsWith('.json'))
      .sort();
    for (const file of files) {
      const record = readRecord(path.join(folder, file));
      if (record.kind !== 'bench') continue;
      const bench: BenchRecord = record;
      const parsed = parseCellLabel(bench.label);
      // The same record given twice (one folder inside another) counts once; a run is its id on its machine.
      const key = `${bench.runId} ${bench.environment.machineId ?? ''}`;
      if (parsed === null || bench.status !== 'completed' || seen.has(key)) continue;
      seen.add(key);
      runs.push({
        ...parsed,
        throughputRps: bench.throughputRps,
        machineId: bench.environment.machineId ?? null,
        runId: bench.runId,
      });
    }
  }
  return runs;
}

const columnOf = (cell: MatrixCell): string =>
  `${cell.runtime ?? 'node'} ${cell.node} · ${cell.clientVersion}${cell.bunMaxHttpRequests === undefined ? '' : ` · BUN_CONFIG_MAX_HTTP_REQUESTS ${cell.bunMaxHttpRequests}`}`;

/** The table; UsageError when a row's cells come from several machines and `mixMachines` is not set. */
export function matrixTable(runs: readonly MatrixRun[], options: { mixMachines?: boolean } = {}): MatrixTable {
  // The workspace's Node and packages first: a row's reference is what the case studies pin, where it was measured.
  const workspaceFirst = (c: string): string => c.replaceAll('workspace', '\u0000');
  const columns = [...new Set(runs.map((r) => columnOf(r.cell)))].sort((a, b) => {
    const [x, y] = [workspaceFirst(a), workspaceFirst(b)];
    return x < y ? -1 : x > y ? 1 : 0;
  });
  const clients = [...new Set(runs.map((r) => r.cell.client))].sort();
  const allMachines = [...new Set(runs.map((r) => r.machineId ?? 'unknown'))].sort();
  const rows: MatrixTable['rows'] = [];
  for (const client of clients) {
    const mine = runs.filter((r) => r.cell.client === client);
    const machines = [...new Set(mine.map((r) => r.machineId ?? 'unknown'))].sort();
    if (machines.length > 1 && options.mixMachines !== true)
      throw new UsageError(
        '--mix-machines',
        false,
        `${client}'s cells were measured on ${machines.length} machines (${machines.join(', ')}): a ratio between machines measures the machines; pass --mix-machines to compute it anyway`,
      );
    const perColumn = (column: string): number[] => {
      const byRound = mine.filter((r) => columnOf(r.cell) === column).sort((a, b) => a.round - b.round);
      return byRound.map((r) => r.throughputRps);
    };
    const present = columns.filter((c) => perColumn(c).length > 0);
    const reference = present[0];
    if (reference === undefined) continue;
    const refValues = perColumn(reference);
    rows.push({
      client,
      reference,
      cells: present.map((column) => {
        const values = perColumn(column);
        const ratio = column === reference ? null : pairedRatio(refValues, values);
        return {
          column,
          rounds: values.length,
          throughput: medianInterval(values),
          ratio,
          resolved: ratio !== null && ratio.coverage >= COVERAGE && (ratio.low > 1 || ratio.high < 1),
          machines: [
            ...new Set(mine.filter((r) => columnOf(r.cell) === column).map((r) => r.machineId ?? 'unknown')),
          ].sort(),
        };
      }),
    });
  }
  return { columns, rows, machines: allMachines, mixedMachines: allMachines.length > 1 };
}

const fmt = (x: number): string => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3));
const pct = (ratio: number): string => `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)} %`;

/** Markdown: one row per client, one column per (Node, client version). */
export function formatMatrixTable(t: MatrixTable): string {
  const header = ['client', ...t.columns];
  const body = t.rows.map((row) => [
    row.client,
    ...t.columns.map((column) => {
      const cell = row.cells.find((c) => c.column === column);
      if (cell === undefined) return '';
      const i = cell.throughput;
      const ci = i.coverage >= COVERAGE ? ` [${fmt(i.low)}–${fmt(i.high)}]` : '';
      const base = `${fmt(i.median)}${ci} req/s (n=${cell.rounds})`;
      if (cell.ratio === null) return `${base} (reference)`;
      const r = cell.ratio;
      return cell.resolved ? `${base} ${pct(r.median)} [${pct(r.low)}, ${pct(r.high)}]` : `${base} ~`;
    }),
  ]);
  const notes = [
    "Median throughput over rounds with its 95 % interval (none under 6 rounds); change to the row's reference with its interval, `~` where the interval includes no change or has under 95 % coverage.",
    `Machines: ${t.machines.join(', ')}${t.mixedMachines ? ' (mixed)' : ''}.`,
  ];
  return `${table(header, body)}\n\n${notes.join('\n')}`;
}
