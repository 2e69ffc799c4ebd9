import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatMatrixTable, loadMatrixRuns, type MatrixTable, matrixTable } from '@casebook/citing';
import { installVersion, liveChildren } from '@casebook/procs';
import { type MatrixPlan, type MatrixSpec, matrixCells, matrixSchedule, runMatrix } from '@casebook/runner';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type CliResult, runCasebook } from './fixtures/cli';

/**
 * `casebook matrix`, smoke-sized: undici-request × {workspace Node, Node 22} × {workspace undici, undici 7.16.0},
 * 2 rounds of tiny runs. The plan's cells run as separate processes into separate folders and merged give the table
 * one local run gives (same rows, columns and rounds; the numbers are new measurements). The store entries are the
 * ones scripts/bootstrap.mjs prefetches.
 */

const RUNTIME = '22.22.0';
const UNDICI = '7.16.0';
const SCENARIO = ['--concurrency', '4', '--requests', '100', '--warmup', '20', '--trials', '1'];
const AXES = [
  '--clients',
  'undici-request',
  '--nodes',
  `workspace,${RUNTIME}`,
  '--client-versions',
  `workspace,${UNDICI}`,
];

const tempDirs: string[] = [];
const fresh = (): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'casebook-matrix-'));
  tempDirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});
beforeAll(async () => {
  await installVersion('node', RUNTIME);
  await installVersion('undici', UNDICI);
}, 300_000);

function casebook(args: readonly string[]): Promise<CliResult> {
  return runCasebook(args, { timeoutMs: 120_000 });
}

/** What must agree between two runs of the same matrix: everything but the measured numbers. */
const shape = (t: MatrixTable) => ({
  columns: t.columns,
  rows: t.rows.map((r) => ({
    client: r.client,
    reference: r.reference,
    cells: r.cells.map((c) => [c.column, c.rounds]),
  })),
  machines: t.machines,
});

const spec: MatrixSpec = {
  bench: { concurrency: 4, requests: 100, warmupRequests: 20, trials: 1 },
  clients: ['undici-request'],
  nodes: ['workspace', RUNTIME],
  clientVersions: ['workspace', UNDICI],
  rounds: 2,
  seed: 7,
};

describe('matrix cells and schedule', () => {
  test('the cross product, and every round runs every cell once in a seeded order', () => {
    const cells = matrixCells(spec);
    expect(cells.map((c) => c.id)).toHaveLength(4);
    const schedule = matrixSchedule(cells, 2, 7);
    for (const round of schedule) expect(new Set(round.map((c) => c.id)).size).toBe(4);
    expect(matrixSchedule(cells, 2, 7)).toEqual(schedule);
  });

  test("Node's own clients take the runtime axis only", () => {
    const cells = matrixCells({ ...spec, clients: ['node-fetch'] });
    expect(cells.map((c) => c.clientVersion)).toEqual(['workspace', 'workspace'].slice(0, cells.length));
    expect(cells).toHaveLength(2);
  });

  test('a bad version in an axis is refused before anything runs (exit 2)', async () => {
    const r = await casebook(['matrix', ...AXES.slice(0, 4), '--client-versions', '^7', ...SCENARIO]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--client-version: "\^7"/);
  });
});

describe('local run, plan + separate jobs + merge', () => {
  test('the merged table of separate jobs has the shape of one local run; split records merge to the same table', async () => {
    const local = fresh();
    await runMatrix(spec, local);
    const localTable = matrixTable(loadMatrixRuns([local]));
    expect(localTable.rows).toHaveLength(1);
    expect(localTable.columns).toHaveLength(4);
    for (const cell of localTable.rows[0]?.cells ?? []) expect(cell.rounds).toBe(2);
    // 2 rounds give no 95 % interval: every change is unresolved.
    expect(formatMatrixTable(localTable)).toContain('~');

    // The same records, one folder per cell, merged: the identical table.
    const split = fresh();
    for (const cell of fs.readdirSync(local))
      fs.cpSync(path.join(local, cell), path.join(split, cell), { recursive: true });
    const folders = fs.readdirSync(split).map((c) => path.join(split, c));
    expect(formatMatrixTable(matrixTable(loadMatrixRuns(folders)))).toBe(formatMatrixTable(localTable));

    // The plan, each cell as its own process into its own folder, then `casebook merge`.
    const planned = await casebook(['matrix', ...AXES, ...SCENARIO, '--rounds', '2', '--seed', '7', '--plan']);
    expect(planned.code).toBe(0);
    const plan = JSON.parse(planned.stdout) as MatrixPlan;
    expect(plan.cells.map((c) => c.id).sort()).toEqual(
      matrixCells(spec)
        .map((c) => c.id)
        .sort(),
    );
    const jobs = plan.cells.map((c) => ({ args: c.args, out: fresh() }));
    for (const job of jobs) {
      const r = await casebook([...job.args, '--out', job.out]);
      expect(r.code, r.stderr).toBe(0);
    }
    const merged = await casebook(['merge', ...jobs.map((j) => j.out), '--json']);
    expect(merged.code, merged.stderr).toBe(0);
    expect(shape(JSON.parse(merged.stdout) as MatrixTable)).toEqual(shape(localTable));
    expect(liveChildren()).toEqual([]);
  });

  test('records from two machines are not mixed into one ratio unless --mix-machines', async () => {
    const one = fresh();
    await runMatrix({ ...spec, nodes: ['workspace'], rounds: 1 }, one);
    // The same records under another machine's fingerprint.
    const other = fresh();
    for (const file of fs
      .readdirSync(one, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.json'))) {
      const record = JSON.parse(fs.readFileSync(path.join(one, file), 'utf8'));
      record.environment.machineId = 'b'.repeat(record.environment.machineId?.length ?? 16);
      fs.mkdirSync(path.dirname(path.join(other, file)), { recursive: true });
      fs.writeFileSync(path.join(other, file), JSON.stringify(record));
    }
    const refused = await casebook(['merge', one, other]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--mix-machines/);
    const mixed = await casebook(['merge', one, other, '--mix-machines']);
    expect(mixed.code, mixed.stderr).toBe(0);
    expect(mixed.stdout).toContain('(mixed)');
  });
});
