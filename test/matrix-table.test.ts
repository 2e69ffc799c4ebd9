import { formatMatrixTable, type MatrixRun, matrixTable } from '@casebook/citing';
import { cellId, parseCellLabel } from '@casebook/runner';
import { describe, expect, test } from 'vitest';

/** The matrix table from runs alone (no processes): columns, references, resolved and unresolved changes, machines. */

const run = (node: string, pkg: string, round: number, rps: number, machineId = 'a'.repeat(16)): MatrixRun => ({
  cell: { id: cellId('undici-request', node, pkg), client: 'undici-request', node, clientVersion: pkg },
  round,
  throughputRps: rps,
  machineId,
  runId: `bench-${node}-${pkg}-${round}`,
});

describe('matrix table', () => {
  test('labels round-trip; other labels are not matrix runs', () => {
    const cell = run('22.22.0', '7.16.0', 3, 1).cell;
    expect(parseCellLabel(`matrix ${cell.id} round 3`)).toEqual({ cell, round: 3 });
    expect(parseCellLabel('undici-request @ 50 ms')).toBeNull();
  });

  test("the workspace column is the row's reference; a clear change resolves, noise is ~", () => {
    const runs: MatrixRun[] = [];
    for (let r = 0; r < 8; r++) {
      runs.push(run('workspace', 'workspace', r, 1000 + r));
      runs.push(run('workspace', '7.16.0', r, 1500 + r)); // +50 %: resolved
      runs.push(run('22.22.0', 'workspace', r, r % 2 === 0 ? 900 : 1100)); // straddles 1: ~
    }
    const t = matrixTable(runs);
    expect(t.columns[0]).toBe('node workspace · workspace');
    const row = t.rows[0];
    expect(row?.reference).toBe('node workspace · workspace');
    expect(row?.cells.find((c) => c.column === 'node workspace · 7.16.0')?.resolved).toBe(true);
    expect(row?.cells.find((c) => c.column === 'node 22.22.0 · workspace')?.resolved).toBe(false);
    const text = formatMatrixTable(t);
    expect(text).toMatch(/\+4\d\.\d %/);
    expect(text).toContain('~');
  });

  test('fewer than 6 rounds: no interval, nothing resolved', () => {
    const runs = [0, 1, 2].flatMap((r) => [
      run('workspace', 'workspace', r, 1000),
      run('workspace', '7.16.0', r, 2000),
    ]);
    const t = matrixTable(runs);
    expect(t.rows[0]?.cells.every((c) => !c.resolved)).toBe(true);
  });

  test('two machines in one row: refused unless mixMachines (then marked mixed)', () => {
    const runs = [run('workspace', 'workspace', 0, 1000), run('workspace', '7.16.0', 0, 1200, 'b'.repeat(16))];
    expect(() => matrixTable(runs)).toThrow(/--mix-machines/);
    const t = matrixTable(runs, { mixMachines: true });
    expect(t.mixedMachines).toBe(true);
    expect(formatMatrixTable(t)).toContain('(mixed)');
  });
});
