import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CellProgress,
  declaredParameters,
  INJECTED_PARAMETERS_TAG,
  injectParameters,
  kernelName,
  kernelSpecText,
  kernelspecPath,
  type NotebookDocument,
  NotebookError,
  NotebookExecutionError,
  parseNotebook,
  repoRoot,
  runNotebook,
} from '../packages/cli/src/notebook/index';

const fixtures = fileURLToPath(new URL('./fixtures/notebooks/', import.meta.url));
const fixture = (name: string): string => path.join(fixtures, name);

interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
}
interface Cell {
  cell_type: string;
  execution_count?: number | null;
  metadata: { tags?: string[]; execution?: unknown };
  source: string | string[];
  outputs?: Output[];
}

const join = (v: string | string[] | undefined): string => (Array.isArray(v) ? v.join('') : (v ?? ''));
const readNotebook = (file: string): { cells: Cell[]; metadata: Record<string, unknown> } =>
  JSON.parse(fs.readFileSync(file, 'utf8'));
const streamText = (cell: Cell | undefined): string =>
  (cell?.outputs ?? [])
    .filter((o) => o.output_type === 'stream')
    .map((o) => join(o.text))
    .join('');

let work: string;

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'casebook-nb-test-'));
});

afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

describe('parameter injection (no kernel)', () => {
  const nb = (): NotebookDocument => parseNotebook(fs.readFileSync(fixture('parameters.ipynb'), 'utf8'), 'fixture');

  it('inserts one tagged cell after the parameters cell, repeating type annotations', () => {
    const { notebook, injectedIndex, unknownParameters } = injectParameters(nb(), {
      profile: 'standard',
      requests: 40,
    });
    expect(injectedIndex).toBe(2);
    const cell = notebook.cells[2];
    expect(cell?.metadata.tags).toEqual([INJECTED_PARAMETERS_TAG]);
    expect(cell?.id).toBe(INJECTED_PARAMETERS_TAG);
    const source = join(cell?.source);
    expect(source).toContain('const profile = "standard";');
    expect(source).toContain('const requests: number = 40;');
    expect(unknownParameters).toEqual([]);
  });

  it('replaces a previous injected cell instead of stacking them', () => {
    const once = injectParameters(nb(), { profile: 'a' }).notebook;
    const twice = injectParameters(once, { profile: 'b', extra: true });
    const injected = twice.notebook.cells.filter((c) => c.metadata.tags?.includes(INJECTED_PARAMETERS_TAG));
    expect(injected).toHaveLength(1);
    expect(join(injected[0]?.source)).toContain('const profile = "b";');
    expect(join(injected[0]?.source)).toContain('const extra = true;');
    expect(twice.unknownParameters).toEqual(['extra']);
    expect(twice.notebook.cells).toHaveLength(nb().cells.length + 1);
  });

  it('rejects bad names, non-finite numbers, and parameters without a parameters cell', () => {
    expect(() => injectParameters(nb(), { 'not-an-identifier': 1 })).toThrow(NotebookError);
    expect(() => injectParameters(nb(), { class: 1 })).toThrow(/identifier/);
    expect(() => injectParameters(nb(), { requests: Number.NaN })).toThrow(/finite/);
    const failing = parseNotebook(fs.readFileSync(fixture('failing.ipynb'), 'utf8'), 'failing');
    expect(() => injectParameters(failing, { profile: 'x' })).toThrow(/no cell tagged "parameters"/);
    expect(injectParameters(failing, {}).notebook.cells).toHaveLength(3);
  });

  it('reads declarations and their annotations', () => {
    const d = declaredParameters("const a = 1;\nlet b: 'x' | 'y' = 'x'; var c: number=3\nconst f = (x: number) => x;");
    expect([...d.entries()]).toEqual([
      ['a', undefined],
      ['b', "'x' | 'y'"],
      ['c', 'number'],
      ['f', undefined],
    ]);
  });
});

describe('runNotebook (tslab kernel, headless)', () => {
  /** The fixture run with { profile: 'standard' } by the first test; the byte-identical test runs it once more. */
  const standardOut = (): string => path.join(work, 'nested', 'parameters.out.ipynb');
  const runStandard = (outputPath: string, onCellProgress?: (p: CellProgress) => void) =>
    runNotebook({
      notebookPath: fixture('parameters.ipynb'),
      outputPath,
      parameters: { profile: 'standard' },
      onCellProgress,
    });

  it('has the kernelspec bootstrap writes', () => {
    const root = repoRoot();
    expect(fs.existsSync(path.join(root, 'package.json'))).toBe(true);
    expect(kernelName).toBe('casebook-tslab');
    // runNotebook (re)writes it too; bootstrap and the runner must agree byte for byte.
    expect(fs.readFileSync(kernelspecPath(root), 'utf8')).toBe(kernelSpecText(root));
  });

  it('injects parameters and keeps the outputs', async () => {
    const out = standardOut();
    const progress: CellProgress[] = [];
    const result = await runStandard(out, (p) => progress.push(p));
    expect(result.outputPath).toBe(out);
    expect(result.codeCells).toBe(3);
    expect(progress.map((p) => `${p.cell}/${p.total}`)).toEqual(['1/3', '2/3', '3/3']);

    const text = fs.readFileSync(out, 'utf8');
    expect(text.startsWith('{\n "cells": [\n')).toBe(true); // nbformat style: indent 1
    expect(text.endsWith('}\n')).toBe(true);
    const nb = readNotebook(out);
    expect(nb.cells.map((c) => c.metadata.tags?.[0] ?? c.cell_type)).toEqual([
      'markdown',
      'parameters',
      INJECTED_PARAMETERS_TAG,
      'code',
    ]);
    expect(join(nb.cells[1]?.source)).toContain("const profile = 'smoke';"); // defaults stay visible
    expect(streamText(nb.cells[3])).toBe('profile=standard\nrequests x 2 = 20\n');
    for (const cell of nb.cells.filter((c) => c.cell_type === 'code')) {
      expect(cell.execution_count).toBeNull();
      expect(cell.metadata.execution).toBeUndefined();
    }
    expect(nb.metadata['kernelspec']).toMatchObject({ name: 'casebook-tslab', language: 'typescript' });
  });

  it('runs with the defaults when no parameters are given, and re-injects into an executed notebook', async () => {
    const first = path.join(work, 'defaults.ipynb');
    await runNotebook({ notebookPath: fixture('parameters.ipynb'), outputPath: first, parameters: {} });
    expect(streamText(readNotebook(first).cells[2])).toContain('profile=smoke');

    const injected = path.join(work, 'injected.ipynb');
    const again = path.join(work, 'again.ipynb');
    await runNotebook({
      notebookPath: fixture('parameters.ipynb'),
      outputPath: injected,
      parameters: { profile: 'a' },
    });
    await runNotebook({ notebookPath: injected, outputPath: again, parameters: { profile: 'b', requests: 1 } });
    const nb = readNotebook(again);
    expect(nb.cells.filter((c) => c.metadata.tags?.includes(INJECTED_PARAMETERS_TAG))).toHaveLength(1);
    expect(streamText(nb.cells[3])).toBe('profile=b\nrequests x 2 = 2\n');
  });

  it('writes byte-identical files when run twice', async () => {
    // The first run is the one 'injects parameters and keeps the outputs' made (a kernel start saved); run alone
    // (-t), this test makes it itself.
    const a = standardOut();
    if (!fs.existsSync(a)) await runStandard(a);
    const b = path.join(work, 'b.ipynb');
    await runStandard(b);
    expect(fs.readFileSync(a).equals(fs.readFileSync(b))).toBe(true);
  });

  it("rejects with the failing cell's error text and writes nothing", async () => {
    const dir = path.join(work, 'failing');
    fs.mkdirSync(dir);
    const out = path.join(dir, 'failing.out.ipynb');
    const error = await runNotebook({ notebookPath: fixture('failing.ipynb'), outputPath: out }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NotebookExecutionError);
    const e = error as NotebookExecutionError;
    expect(e.message).toContain('boom-marker');
    expect(e.message).toContain('about to fail');
    expect(e.message).toContain('code cell 2/3');
    expect(e.message).not.toContain('never printed');
    expect(e.kind).toBe('error');
    expect(e.cellIndex).toBe(1);
    expect(e.code).toBe('CASEBOOK_NOTEBOOK_FAILED');
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.readdirSync(dir)).toEqual([]); // no temp files left behind
  });

  it('says so when the kernel reports a failure with no text, and shows what the cell wrote to fd 2', async () => {
    const dir = path.join(work, 'quiet');
    fs.mkdirSync(dir);
    const run = (name: string): Promise<unknown> =>
      runNotebook({ notebookPath: fixture(name), outputPath: path.join(dir, name) }).catch((e: unknown) => e);
    const quiet = (await run('failing-quietly.ipynb')) as NotebookExecutionError;
    expect(quiet).toBeInstanceOf(NotebookExecutionError);
    expect(quiet.message).toContain('output: (none)');
    expect(quiet.message).not.toContain("the kernel's stderr during this cell");
    expect(quiet.message).toContain('sent no error text and wrote nothing to its stderr');
    expect(quiet.message).toContain('surfaceCellError');
    const surfaced = (await run('failing-quietly-surfaced.ipynb')) as NotebookExecutionError;
    expect(surfaced.message).toContain('[casebook] quiet-marker failed: the real reason');
    expect(surfaced.message).not.toContain('sent no error text');
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('delivers every output of a cell that sends more than zeromq.js sends synchronously, in order', async () => {
    const out = path.join(work, 'many-outputs.ipynb');
    await runNotebook({ notebookPath: fixture('many-outputs.ipynb'), outputPath: out });
    const [first, second] = readNotebook(out).cells;
    const lines = (first?.outputs ?? [])
      .filter((o) => o.output_type === 'display_data')
      .map((o) => join((o as { data?: Record<string, string | string[]> }).data?.['text/plain']));
    expect(lines).toEqual(Array.from({ length: 1200 }, (_, i) => `line ${i}`));
    expect(streamText(first)).toContain('after the displays');
    expect(streamText(second)).toContain('second cell');
  });

  it('refuses parameters for a notebook without a parameters cell', async () => {
    const out = path.join(work, 'no-params.ipynb');
    await expect(
      runNotebook({ notebookPath: fixture('failing.ipynb'), outputPath: out, parameters: { profile: 'x' } }),
    ).rejects.toMatchObject({ code: 'CASEBOOK_NOTEBOOK_PARAMETERS' });
    expect(fs.existsSync(out)).toBe(false);
  });

  it('fails a cell that exceeds the per-cell timeout', async () => {
    const out = path.join(work, 'timeout.ipynb');
    const error = await runNotebook({
      notebookPath: fixture('slow.ipynb'),
      outputPath: out,
      parameters: { sleepMs: 30_000 },
      timeoutSeconds: 2,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotebookExecutionError);
    expect((error as NotebookExecutionError).kind).toBe('timeout');
    expect((error as Error).message).toContain('timed out');
    expect(fs.existsSync(out)).toBe(false);
  });

  it('kills the runner and the kernel when aborted, before the cell could finish', async () => {
    const pidFile = path.join(work, 'kernel.pid');
    const out = path.join(work, 'aborted.ipynb');
    const controller = new AbortController();
    // The cell sleeps this long: a run that ends sooner was ended by the abort, not by the cell.
    const sleepMs = 60_000;
    const started = Date.now();
    const run = runNotebook({
      notebookPath: fixture('slow.ipynb'),
      outputPath: out,
      parameters: { pidFile, sleepMs },
      signal: controller.signal,
    });
    const watcher = setInterval(() => {
      if (fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8') !== '')
        controller.abort(new Error('test gave up'));
    }, 50);
    const error = await run.catch((e: unknown) => e).finally(() => clearInterval(watcher));
    expect(error).toMatchObject({ code: 'CASEBOOK_NOTEBOOK_ABORTED' });
    expect((error as Error).message).toContain('test gave up');
    expect(Date.now() - started).toBeLessThan(sleepMs);
    expect(fs.existsSync(out)).toBe(false);

    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    expect(pid).toBeGreaterThan(0);
    const alive = (): boolean => {
      try {
        process.kill(pid, 0);
      } catch {
        return false;
      }
      // a zombie (not yet reaped by the container's init) is dead too
      try {
        return !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      } catch {
        return false;
      }
    };
    // A hang guard, not a speed limit: SIGKILL was sent when the run ended; allow the kernel a generous while to go.
    const exitDeadline = Date.now() + 10_000;
    while (alive() && Date.now() < exitDeadline) await new Promise((r) => setTimeout(r, 50));
    expect(alive()).toBe(false);
  });

  it('is what bootstrap set up: a python with nbclient is recorded', () => {
    const state = JSON.parse(fs.readFileSync(path.join(repoRoot(), '.jupyter', 'casebook-python.json'), 'utf8'));
    expect(typeof state.python).toBe('string');
    execFileSync(state.python, ['-c', 'import nbclient, nbformat']);
  });
});
