import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { pythonSet } from '@casebook/runner';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, describe, expect, test } from 'vitest';
import { findChromium, launchChromium } from './browser';

/**
 * A reader's rerun, in a real browser: JupyterLab from the project's `lab` environment (headless, 127.0.0.1, a token)
 * on a temp copy of notebook 05, opened in headless Chromium through playwright-core. The test edits the parameters
 * cell to the smoke profile, selects the first measurement cell (the first that draws a chart), runs every cell above
 * it with JupyterLab's own "Run All Above Selected Cell" and then it with Shift+Enter, and checks what the reader sees: a table and a
 * vega-lite chart (or its PNG) in that cell's output, and no error output anywhere. Then it shuts the kernel down and
 * JupyterLab, and checks that no process the run started outlives them.
 *
 * Which processes are "ours": the casebook kernel and every worker and target it spawns inherit the environment of
 * the Jupyter server, which carries a random tag; /proc says which processes hold it. That catches a grandchild that
 * was reparented when its parent died, which neither the test's own child registry (the kernel's children are not
 * ours) nor a process group (Jupyter starts kernels in a new session) would see.
 *
 * Skipped, with the reason printed, where Chromium, the `lab` set, the kernelspec or /proc is missing: `npm test`
 * still passes there. It starts processes: run it under the exclusive lock.
 */

const REPO = path.resolve(__dirname, '..');
/** The shortest study; its first measurement cell (lookups at once, a table and a chart) takes ~2 s in smoke. */
const NOTEBOOK = '05-dns.ipynb';
const KERNEL_NAME = 'casebook-tslab';
const KERNEL_JSON = path.join(REPO, '.jupyter', 'kernels', KERNEL_NAME, 'kernel.json');
/** The copy must live inside the repository: the kernel resolves '@casebook/study' from its folder upwards. */
const TMP_PARENT = path.join(REPO, '.casebook-tmp');
/** The screenshot stays after the run for a person to look at (git-ignored). */
const SCREENSHOT = path.join(TMP_PARENT, 'jupyterlab-browser', `${path.basename(NOTEBOOK, '.ipynb')}.png`);
/** The environment variable that marks every process this run starts (see the module comment). */
const TAG_VAR = 'CASEBOOK_JUPYTERLAB_TEST_TAG';
/** JupyterLab answers in 2–5 s here; this bounds a server that never starts. */
const START_TIMEOUT_MS = 30_000;
/** The cells up to the first measurement take ~10 s in smoke (tslab compiles the import cell); a hang guard. */
const RUN_TIMEOUT_MS = 60_000;
/** The whole test takes ~15 s here (the issue's budget is 60 s); this only bounds a hang on a busy machine. */
const TEST_TIMEOUT_MS = 180_000;
/** A kernel or server that was asked to stop exits within a second or two; this bounds one that does not. */
const EXIT_TIMEOUT_MS = 15_000;
const POLL_MS = 250;
/** What the parameters cell is set to, as a reader would type it. */
const SMOKE_PARAMETERS = "const profile: string = 'smoke';";

const chromium = findChromium();
const lab = pythonSet('lab');
const skipReason =
  chromium.path === null
    ? chromium.reason
    : lab.status !== 'ready'
      ? `Python set lab is ${lab.status}: ${lab.reason}`
      : !fs.existsSync(KERNEL_JSON)
        ? `no kernelspec at ${path.relative(REPO, KERNEL_JSON)} (run \`npm run bootstrap\`)`
        : !fs.existsSync('/proc/self/environ')
          ? 'no /proc (the check for leftover processes reads it)'
          : null;
if (skipReason !== null) process.stdout.write(`JupyterLab browser test skipped: ${skipReason}\n`);

interface NotebookCell {
  cell_type: string;
  source: string | string[];
  metadata: { tags?: string[] };
  outputs?: unknown[];
  execution_count?: number | null;
}
interface NotebookFile {
  cells: NotebookCell[];
}

const sourceOf = (c: NotebookCell): string => (Array.isArray(c.source) ? c.source.join('') : c.source);
const tagged = (c: NotebookCell, tag: string): boolean => c.metadata.tags?.includes(tag) ?? false;

/**
 * The notebook as a reader finds it before a rerun: no outputs (so every output the test sees is this run's), and
 * without the runner's `injected-parameters` cell, which records the committed run's parameters and would override
 * the reader's edit of the parameters cell. Returns the indices the test needs.
 */
function prepareCopy(from: string, to: string): { parametersCell: number; measurementCell: number; cells: number } {
  const nb = JSON.parse(fs.readFileSync(from, 'utf8')) as NotebookFile;
  nb.cells = nb.cells.filter((c) => !tagged(c, 'injected-parameters'));
  for (const c of nb.cells)
    if (c.cell_type === 'code') {
      c.outputs = [];
      c.execution_count = null;
    }
  fs.writeFileSync(to, JSON.stringify(nb, null, 1));
  const parametersCell = nb.cells.findIndex((c) => tagged(c, 'parameters'));
  const measurementCell = nb.cells.findIndex((c) => c.cell_type === 'code' && sourceOf(c).includes('study.chart('));
  if (parametersCell < 0) throw new Error(`${from}: no cell tagged "parameters"`);
  if (measurementCell < 0) throw new Error(`${from}: no code cell calls study.chart(`);
  return { parametersCell, measurementCell, cells: nb.cells.length };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = address !== null && typeof address === 'object' ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Every live process whose environment holds `TAG_VAR=tag`, with its command line. */
function taggedProcesses(tag: string): { pid: number; cmd: string }[] {
  const needle = `${TAG_VAR}=${tag}`;
  const found: { pid: number; cmd: string }[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!fs.readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(needle)) continue;
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim();
      found.push({ pid: Number(entry), cmd: cmd.slice(0, 160) });
    } catch {
      // Exited between the listing and the read, or not readable: not one of ours.
    }
  }
  return found;
}

async function waitFor(what: string, timeoutMs: number, ready: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

describe.skipIf(skipReason !== null)('a notebook rerun in JupyterLab, in Chromium', () => {
  const tag = randomBytes(8).toString('hex');
  const token = randomBytes(24).toString('hex');
  let tmp = '';
  let server: ChildProcess | undefined;
  let browser: Browser | undefined;

  afterAll(async () => {
    await browser?.close();
    if (server !== undefined && server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((done) => server?.once('exit', done));
      server.kill('SIGTERM');
      await exited;
    }
    // Only after a failure: whatever this run started and left behind, found by its tag.
    for (const p of taggedProcesses(tag)) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // Exited since the listing.
      }
    }
    if (tmp !== '') fs.rmSync(tmp, { recursive: true, force: true });
  });

  test(
    'parameters set to smoke, "Run All Above Selected Cell" and Shift+Enter up to the first measurement: a table and a chart, no error, nothing left running',
    async () => {
      const started = Date.now();
      fs.mkdirSync(TMP_PARENT, { recursive: true });
      tmp = fs.mkdtempSync(path.join(TMP_PARENT, 'jupyterlab-browser-'));
      const root = path.join(tmp, 'notebooks');
      const settingsDir = path.join(tmp, 'lab-settings');
      fs.mkdirSync(root);
      const cells = prepareCopy(path.join(REPO, 'notebooks', NOTEBOOK), path.join(root, NOTEBOOK));
      // Every cell in the DOM (JupyterLab's default windowing detaches cells outside the viewport).
      const trackerSettings = path.join(
        settingsDir,
        '@jupyterlab',
        'notebook-extension',
        'tracker.jupyterlab-settings',
      );
      fs.mkdirSync(path.dirname(trackerSettings), { recursive: true });
      fs.writeFileSync(trackerSettings, JSON.stringify({ windowingMode: 'none' }));

      if (lab.status !== 'ready' || chromium.path === null) throw new Error('skip condition changed');
      const port = await freePort();
      const origin = `http://127.0.0.1:${port}`;
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        [TAG_VAR]: tag,
        // The repo-local kernelspec, and nothing from the user's Jupyter or JupyterLab configuration.
        JUPYTER_PATH: path.join(REPO, '.jupyter'),
        JUPYTER_CONFIG_DIR: path.join(tmp, 'config'),
        JUPYTER_RUNTIME_DIR: path.join(tmp, 'runtime'),
        JUPYTERLAB_SETTINGS_DIR: settingsDir,
        JUPYTERLAB_WORKSPACES_DIR: path.join(tmp, 'workspaces'),
        // Anything the study writes goes to the temp folder, never to results/.
        CASEBOOK_RESULTS_DIR: path.join(tmp, 'results'),
      };
      const child = spawn(
        lab.python,
        [
          '-m',
          'jupyter',
          'lab',
          '--no-browser',
          '--ip=127.0.0.1',
          `--port=${port}`,
          '--ServerApp.port_retries=0',
          `--IdentityProvider.token=${token}`,
          `--ServerApp.root_dir=${root}`,
          `--MappingKernelManager.default_kernel_name=${KERNEL_NAME}`,
          // No calls out for news or updates: this machine has no internet, and they only add noise.
          '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate',
          ...(typeof process.getuid === 'function' && process.getuid() === 0 ? ['--allow-root'] : []),
        ],
        { cwd: tmp, env, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      server = child;
      let log = '';
      child.stdout?.on('data', (c: Buffer) => {
        log += c.toString();
      });
      child.stderr?.on('data', (c: Buffer) => {
        log += c.toString();
      });
      const api = (p: string, init: RequestInit = {}) =>
        fetch(`${origin}${p}`, { ...init, headers: { authorization: `token ${token}` } });
      await waitFor(`JupyterLab on ${origin}`, START_TIMEOUT_MS, async () => {
        if (child.exitCode !== null) throw new Error(`JupyterLab exited with ${child.exitCode}:\n${log}`);
        return (await api('/api/status').catch(() => null))?.status === 200;
      });

      browser = await launchChromium(chromium.path);
      const page: Page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const pageErrors: string[] = [];
      page.on('pageerror', (e) => pageErrors.push(e.message));
      await page.goto(`${origin}/lab/tree/${NOTEBOOK}?token=${token}`);
      const cellsInDom = page.locator('.jp-NotebookPanel .jp-Notebook .jp-Cell');
      await waitFor(
        'the notebook in JupyterLab',
        START_TIMEOUT_MS,
        async () => (await cellsInDom.count()) === cells.cells,
      );

      // The parameters cell, edited as a reader would: click into it, select its text, type the smoke profile.
      const parameters = cellsInDom.nth(cells.parametersCell).locator('.cm-content');
      await parameters.click();
      await page.keyboard.press('ControlOrMeta+a');
      await page.keyboard.insertText(SMOKE_PARAMETERS);
      await page.keyboard.press('Escape');
      expect(await parameters.textContent()).toBe(SMOKE_PARAMETERS);

      // Select the first measurement cell, the Run menu's "Run All Above Selected Cell" (JupyterLab 4's label; it
      // leaves the selected cell out), then Shift+Enter on the selected cell: the kernel runs them in that order.
      const measurement: Locator = cellsInDom.nth(cells.measurementCell);
      await measurement.locator('.jp-InputPrompt').click();
      await page.locator('.lm-MenuBar-itemLabel', { hasText: /^Run$/ }).click();
      await page.locator('.lm-Menu-itemLabel', { hasText: 'Run All Above Selected Cell' }).click();
      await measurement.locator('.jp-InputPrompt').click();
      await page.keyboard.press('Shift+Enter');

      // Until that cell has its execution count, or an earlier cell failed (JupyterLab then stops the run).
      const errors = page.locator(
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"], .jp-OutputArea-output.jp-mod-error',
      );
      const prompt = measurement.locator('.jp-InputPrompt');
      await waitFor('the first measurement cell to finish', RUN_TIMEOUT_MS, async () => {
        if ((await errors.count()) > 0) return true;
        return /\[\d+\]/.test((await prompt.textContent()) ?? '');
      });
      const errorTexts = await errors.allTextContents();
      expect(errorTexts.map((t) => t.slice(0, 500))).toEqual([]);
      expect(await prompt.textContent()).toMatch(/\[\d+\]/);

      // The edit took: the study's environment card (the openStudy cell's output) names the profile it ran.
      const allOutputs = page.locator('.jp-OutputArea-output');
      expect(await allOutputs.filter({ hasText: 'profile smoke' }).count(), 'environment card says smoke').toBe(1);
      expect(await allOutputs.filter({ hasText: /profile (standard|full)\b/ }).count()).toBe(0);

      const outputs = measurement.locator('.jp-OutputArea-output');
      expect(await outputs.locator('table').count(), 'a table in the measurement cell').toBeGreaterThan(0);
      const vegaLite = outputs.locator('.vega-embed svg, .vega-embed canvas');
      const png = outputs.locator('img[src^="data:image/png"]');
      await waitFor('the chart drawn', RUN_TIMEOUT_MS, async () => (await vegaLite.count()) + (await png.count()) > 0);
      fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
      await measurement.screenshot({ path: SCREENSHOT });
      process.stdout.write(
        `JupyterLab: ${NOTEBOOK} cells 0–${cells.measurementCell} ran in smoke; chart: ${
          (await vegaLite.count()) > 0 ? 'vega-lite drawn' : 'PNG'
        }; screenshot ${path.relative(REPO, SCREENSHOT)}\n`,
      );
      expect(pageErrors).toEqual([]);

      // While the kernel lives, the tag finds the server, the kernel and what the kernel started (the DNS lab server).
      const during = taggedProcesses(tag);
      process.stdout.write(
        `processes of this run while the kernel lives:\n${during.map((p) => `  ${p.pid} ${p.cmd}`).join('\n')}\n`,
      );
      expect(during.map((p) => p.pid)).toContain(child.pid);
      expect(during.length).toBeGreaterThanOrEqual(3);
      await page.close();

      // Shut the kernel down (as the reader's "Shut Down Kernel" does, through the sessions API): only the server is left.
      const sessions = (await (await api('/api/sessions')).json()) as { id: string; kernel: { id: string } }[];
      expect(sessions).toHaveLength(1);
      for (const s of sessions) expect((await api(`/api/sessions/${s.id}`, { method: 'DELETE' })).status).toBe(204);
      await waitFor('the kernel and its children to exit', EXIT_TIMEOUT_MS, () =>
        taggedProcesses(tag).every((p) => p.pid === child.pid),
      );

      // Then JupyterLab itself: nothing of this run is left.
      const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
      expect((await api('/api/shutdown', { method: 'POST' })).status).toBeLessThan(300);
      await Promise.race([
        exited,
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error(`JupyterLab did not exit:\n${log}`)), EXIT_TIMEOUT_MS),
        ),
      ]);
      await waitFor('every process of this run to exit', EXIT_TIMEOUT_MS, () => taggedProcesses(tag).length === 0);
      expect(taggedProcesses(tag)).toEqual([]);
      const elapsedMs = Date.now() - started;
      // Reported, not asserted (tests bound hangs, never speed): about 15 s here, within the issue's 60 s budget.
      process.stdout.write(`JupyterLab browser test: ${(elapsedMs / 1000).toFixed(1)} s\n`);
    },
    TEST_TIMEOUT_MS,
  );
});
