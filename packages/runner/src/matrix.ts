import * as path from 'node:path';
import {
  CLIENT_VERSION_SUPPORT,
  type ClientName,
  FETCH_RUNTIME_SUPPORT,
  type FetchRuntime,
  fetchRuntimeOf,
  isClientName,
} from '@casebook/clients';
import { type BenchRecord, UsageError, writeRecord } from '@casebook/results';
import { runBench } from './bench';
import { shuffledOrder } from './interleave';
import type { BenchOptions } from './options';
import { checkVersionChoice, type VersionChoice } from './version-choice';

/**
 * `casebook matrix`: one bench scenario across clients × runtimes × client versions. Each cell is one
 * (client, Node, client version); every round runs each cell once, as a short `casebook bench` run in its own
 * processes, in an order shuffled with the round's seed (the interleave's shuffledOrder), so all cells see the same
 * machine noise over the run. Each run is a bench record labelled with its cell and round and written under
 * `<out>/<cell id>/`; the table (citing matrix-table.ts) is computed from the records only, so cells run as separate
 * jobs (`--plan`, then `--cell <id>` each) and merged give the table one local run gives.
 *
 * Method note: rounds are whole short runs (the phase method: warm-up then one trial), not blocks of the
 * steady-state method; a cell's process is started afresh in every round.
 */

/** `workspace`: the workspace's Node, or its installed client package. */
export const WORKSPACE = 'workspace';

export interface MatrixSpec {
  /** The scenario: any bench options but the client (given per cell). */
  bench: Omit<BenchOptions, 'client'>;
  clients: string[];
  /** Exact Node versions, or 'workspace'. */
  nodes: string[];
  /** Exact versions of each client's package, or 'workspace'; clients without a package (node-fetch) take none. */
  clientVersions: string[];
  /** bun-fetch's axis: exact Bun versions (absent or empty: the pinned one). Node clients ignore it. */
  bun?: string[];
  /** deno-fetch's axis: exact Deno versions (absent or empty: the pinned one). */
  deno?: string[];
  /**
   * bun-fetch's BUN_CONFIG_MAX_HTTP_REQUESTS axis: 'default' (unset, Bun's 256) or integers 1–65535; absent or empty:
   * default only. A configuration, not a version: each value is a cell of its own, named in its id and column.
   */
  bunMaxHttpRequests?: ('default' | number)[];
  rounds: number;
  seed: number;
}

export interface MatrixCell {
  id: string;
  client: ClientName;
  /** The runtime's version: Node's ('workspace' or exact), or Bun's or Deno's for bun-fetch and deno-fetch. */
  node: string;
  clientVersion: string;
  /** bun-fetch, deno-fetch: the runtime `node` is a version of; absent: Node. */
  runtime?: FetchRuntime;
  /** bun-fetch: BUN_CONFIG_MAX_HTTP_REQUESTS set for the worker; absent: unset (256). */
  bunMaxHttpRequests?: number;
}

/** A cell's id, also its folder name and what its records' labels carry. */
export function cellId(
  client: string,
  node: string,
  clientVersion: string,
  runtime: 'node' | FetchRuntime = 'node',
  bunMaxHttpRequests?: number,
): string {
  const max = bunMaxHttpRequests === undefined ? '' : `__bun-max-${bunMaxHttpRequests}`;
  return `${client}__${runtime}-${node}__pkg-${clientVersion}${max}`;
}

const CELL_LABEL = /^matrix (\S+?)__(node|bun|deno)-(\S+)__pkg-(\S+?)(?:__bun-max-(\d+))? round (\d+)$/;

/** The label of one cell's run in one round. */
export function cellLabel(cell: MatrixCell, round: number): string {
  return `matrix ${cell.id} round ${round}`;
}

/** The cell and round a matrix record's label names, or null for any other record. */
export function parseCellLabel(label: string | null | undefined): { cell: MatrixCell; round: number } | null {
  const m = CELL_LABEL.exec(label ?? '');
  if (!m) return null;
  const [, client, runtime, node, clientVersion, max, round] = m;
  if (client === undefined || !isClientName(client) || node === undefined || clientVersion === undefined) return null;
  const cell: MatrixCell = { id: '', client, node, clientVersion };
  if (runtime === 'bun' || runtime === 'deno') cell.runtime = runtime;
  if (max !== undefined) cell.bunMaxHttpRequests = Number(max);
  cell.id = cellId(client, node, clientVersion, cell.runtime, cell.bunMaxHttpRequests);
  return { cell, round: Number(round) };
}

const choiceOf = (cell: MatrixCell): VersionChoice => {
  if (cell.runtime === 'deno') return { deno: cell.node };
  if (cell.runtime === 'bun')
    return {
      bun: cell.node,
      ...(cell.bunMaxHttpRequests === undefined ? {} : { bunMaxHttpRequests: cell.bunMaxHttpRequests }),
    };
  return {
    ...(cell.node === WORKSPACE ? {} : { node: cell.node }),
    ...(cell.clientVersion === WORKSPACE ? {} : { clientVersion: cell.clientVersion }),
  };
};

/** bun-fetch and deno-fetch cells: one per runtime version (the pinned one when none is given), and for Bun per cap. */
function fetchRuntimeCells(client: ClientName, runtime: FetchRuntime, spec: MatrixSpec): MatrixCell[] {
  const given = spec[runtime] ?? [];
  const versions = given.length > 0 ? given : [FETCH_RUNTIME_SUPPORT[runtime].pinned];
  const caps =
    runtime === 'bun' && (spec.bunMaxHttpRequests ?? []).length > 0
      ? (spec.bunMaxHttpRequests ?? [])
      : ['default' as const];
  const cells: MatrixCell[] = [];
  for (const version of versions)
    for (const cap of caps) {
      const cell: MatrixCell = { id: '', client, node: version, clientVersion: WORKSPACE, runtime };
      if (cap !== 'default') cell.bunMaxHttpRequests = cap;
      cell.id = cellId(client, version, WORKSPACE, runtime, cell.bunMaxHttpRequests);
      cells.push(cell);
    }
  return cells;
}

/** The cross product, checked before anything runs (bad versions: UsageError, exit 2, nothing written). */
export function matrixCells(spec: MatrixSpec): MatrixCell[] {
  if (spec.clients.length === 0)
    throw new UsageError('--clients', '', 'required: one or more clients, comma-separated');
  if (!Number.isInteger(spec.rounds) || spec.rounds < 1 || spec.rounds > 100)
    throw new UsageError('--rounds', spec.rounds, 'expected an integer from 1 to 100');
  if (!Number.isInteger(spec.seed)) throw new UsageError('--seed', spec.seed, 'expected an integer');
  const nodes = spec.nodes.length > 0 ? spec.nodes : [WORKSPACE];
  const versions = spec.clientVersions.length > 0 ? spec.clientVersions : [WORKSPACE];
  const cells: MatrixCell[] = [];
  for (const runtime of ['bun', 'deno'] as const) {
    const given = spec[runtime] ?? [];
    if (given.length > 0 && !spec.clients.includes(`${runtime}-fetch`))
      throw new UsageError(
        FETCH_RUNTIME_SUPPORT[runtime].flag,
        given.join(','),
        `applies to ${runtime}-fetch: add it to --clients`,
      );
  }
  if ((spec.bunMaxHttpRequests ?? []).length > 0 && !spec.clients.includes('bun-fetch'))
    throw new UsageError(
      '--bun-max-http-requests',
      (spec.bunMaxHttpRequests ?? []).join(','),
      'applies to bun-fetch: add it to --clients',
    );
  for (const client of spec.clients) {
    if (!isClientName(client)) throw new UsageError('--clients', client, 'expected client names (see `casebook list`)');
    const runtime = fetchRuntimeOf(client);
    if (runtime !== null) {
      for (const cell of fetchRuntimeCells(client, runtime, spec)) {
        checkVersionChoice(client, choiceOf(cell));
        if (!cells.some((c) => c.id === cell.id)) cells.push(cell);
      }
      continue;
    }
    // Node's own clients have no package version: their axis is the runtime only.
    const own = CLIENT_VERSION_SUPPORT[client] === null ? [WORKSPACE] : versions;
    for (const node of nodes)
      for (const clientVersion of own) {
        const cell = { id: cellId(client, node, clientVersion), client, node, clientVersion };
        checkVersionChoice(client, choiceOf(cell));
        if (!cells.some((c) => c.id === cell.id)) cells.push(cell);
      }
  }
  return cells;
}

/** Cells in the order each round runs them. */
export function matrixSchedule(cells: readonly MatrixCell[], rounds: number, seed: number): MatrixCell[][] {
  return Array.from({ length: rounds }, (_, r) =>
    shuffledOrder(cells.length, seed, r).map((i) => cells[i] as MatrixCell),
  );
}

/** `--plan`: each cell as a job of its own, with the command that runs it. */
export interface MatrixPlan {
  kind: 'casebook-matrix-plan';
  seed: number;
  rounds: number;
  cells: (MatrixCell & { args: string[] })[];
}

/** The plan, given the matrix command's own arguments (each cell's job reruns them with `--cell <id>`). */
export function matrixPlan(spec: MatrixSpec, matrixArgs: readonly string[]): MatrixPlan {
  return {
    kind: 'casebook-matrix-plan',
    seed: spec.seed,
    rounds: spec.rounds,
    cells: matrixCells(spec).map((cell) => ({ ...cell, args: ['matrix', ...matrixArgs, '--cell', cell.id] })),
  };
}

export interface MatrixRunHooks {
  /** Run only this cell (a plan's job). */
  only?: string;
  onRun?: (cell: MatrixCell, round: number) => void;
  storeDir?: string;
}

/** Run the matrix (or one cell of it), writing every record under `<outDir>/<cell id>/`. */
export async function runMatrix(spec: MatrixSpec, outDir: string, hooks: MatrixRunHooks = {}): Promise<BenchRecord[]> {
  const cells = matrixCells(spec);
  if (hooks.only !== undefined && !cells.some((c) => c.id === hooks.only))
    throw new UsageError('--cell', hooks.only, `expected one of ${cells.map((c) => c.id).join(', ')}`);
  const records: BenchRecord[] = [];
  for (const [round, order] of matrixSchedule(cells, spec.rounds, spec.seed).entries()) {
    for (const cell of order) {
      if (hooks.only !== undefined && cell.id !== hooks.only) continue;
      hooks.onRun?.(cell, round);
      const record = await runBench(
        { ...spec.bench, client: cell.client, label: cellLabel(cell, round) },
        { versions: choiceOf(cell), ...(hooks.storeDir !== undefined ? { storeDir: hooks.storeDir } : {}) },
      );
      writeRecord(path.join(outDir, cell.id, `${record.runId}.json`), record);
      records.push(record);
    }
  }
  return records;
}
