import * as fs from 'node:fs';
import * as path from 'node:path';
import { latestOfLine, lineSweepVersions, runtimeCells } from '@casebook/analysis';
import { RUNTIME_SUPPORT } from '@casebook/clients';
import { describe, expect, it } from 'vitest';

/**
 * Notebook 07 lists its versions and runtimes as constants written before the run (its settings cell). Here they are
 * checked against what decides them, so a hand never picks one: the registry's lists as committed fixtures
 * (`npm view undici versions --json`, `npm view node versions --json`, 4 December 2026), the workspace's pinned Node,
 * the version-support table's runtimes, undici's `engines`, and the entries `npm run bootstrap` prefetches (the smoke
 * profile downloads no runtime).
 */

const repo = path.resolve(__dirname, '..');
const read = (file: string) => fs.readFileSync(path.join(repo, file), 'utf8');
const fixture = (name: string): string[] => JSON.parse(read(`test/fixtures/${name}`)) as string[];

/** The settings cell's source (the one that declares PROFILE_SETTINGS). */
function settingsCell(): string {
  const nb = JSON.parse(read('notebooks/07-versions.ipynb')) as { cells: { cell_type: string; source: string[] }[] };
  const cell = nb.cells.find((c) => c.cell_type === 'code' && c.source.join('').includes('const PROFILE_SETTINGS'));
  if (!cell) throw new Error('no settings cell in notebooks/07-versions.ipynb');
  return cell.source.join('');
}

/**
 * A constant's value from the cell: an array or object literal of single-quoted strings (keys bare or quoted), or one
 * string, read as JSON; a constant that is missing or not such a literal fails the test.
 */
function constant(source: string, name: string): unknown {
  const m = new RegExp(`^const ${name}(?:: [^=]+)? = ((?:\\[|\\{|')[^;]*);$`, 'm').exec(source);
  if (!m?.[1]) throw new Error(`no literal constant ${name} in the settings cell`);
  const json = m[1].replace(/'/g, '"').replace(/([{,]\s*)([A-Za-z_][\w]*)\s*:/g, '$1"$2":');
  return JSON.parse(json);
}

describe('notebook 07: the constants listed before the run', () => {
  const source = settingsCell();

  it('the undici sweep is lineSweepVersions of the committed registry list (every 8.x minor, 7.x from 7.20)', () => {
    const sweep = constant(source, 'UNDICI_SWEEP');
    expect(sweep).toEqual(lineSweepVersions(fixture('undici-versions.json'), { from: ['7.20', '8.0'] }));
    // One interleaved comparison of 26 processes at 512 in flight: the budget (about 13 min) is set for this size.
    expect((sweep as string[]).length).toBeLessThanOrEqual(26);
    // The workspace's undici is in it (its cell loads node_modules, not a store entry).
    const pkg = JSON.parse(read('package.json')) as { devDependencies: Record<string, string> };
    expect(sweep).toContain(pkg.devDependencies['undici']);
  });

  it('the runtimes are the latest 22.x and 26.x of the committed registry list and the workspace Node', () => {
    const nodes = fixture('node-versions.json');
    const runtimes = constant(source, 'NODE_RUNTIMES') as Record<string, string>;
    const pkg = JSON.parse(read('package.json')) as { devDependencies: Record<string, string> };
    expect(runtimes).toEqual({
      node22: latestOfLine(nodes, 22),
      node24: pkg.devDependencies['node'],
      node26: latestOfLine(nodes, 26),
    });
  });

  it('the smoke profile downloads nothing: its runtime and sweep are stored by bootstrap or an earlier section', () => {
    const bootstrap = read('scripts/bootstrap.mjs');
    const smokeRuntime = constant(source, 'SMOKE_RUNTIME') as string;
    expect(bootstrap).toContain(`['node', '${smokeRuntime}']`);
    // Section 1 installs UNDICI's versions in every profile; bootstrap prefetches its own list.
    const undici = Object.values(constant(source, 'UNDICI') as Record<string, string>);
    for (const v of constant(source, 'SMOKE_SWEEP') as string[])
      expect(undici.includes(v) || bootstrap.includes(`['undici', '${v}']`), v).toBe(true);
  });

  it("every runtime cell the notebook plans is one the harness runs (support table, undici's engines)", () => {
    const range = constant(source, 'RUNTIME_SUPPORT_RANGE');
    expect(range).toBe(RUNTIME_SUPPORT.range);
    const engines = constant(source, 'UNDICI_ENGINES');
    const undiciPackage = JSON.parse(read('node_modules/undici/package.json')) as { engines: { node: string } };
    expect(engines).toBe(undiciPackage.engines.node);
    const runtimes = constant(source, 'NODE_RUNTIMES') as Record<string, string>;
    const bundled = constant(source, 'BUNDLED_UNDICI') as Record<string, string>;
    const smoke = constant(source, 'SMOKE_RUNTIME') as string;
    for (const list of [Object.values(runtimes), [smoke, runtimes['node24'] as string]]) {
      const plan = runtimeCells({
        runtimes: list,
        workspace: runtimes['node24'] as string,
        supported: range as string,
        clients: [
          { client: 'node-fetch' },
          { client: 'undici-request', enginesNode: engines as string },
          { client: 'node-http' },
        ],
      });
      expect(plan.refused).toEqual([]);
      // Each runtime's bundled undici is listed before the run (versions-ran-runtimes checks what the worker read).
      for (const r of list) expect(bundled[r], r).toMatch(/^\d+\.\d+\.\d+$/);
    }
  });
});
