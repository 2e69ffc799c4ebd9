import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileLimits } from '@casebook/results';
import { NotebookError, NotebookExecutionError, type NotebookFailureKind } from './errors';
import { ensureKernelspec } from './kernelspec';
import {
  ensureStableCellIds,
  injectParameters,
  type NotebookParameters,
  parseNotebook,
  sourceText,
} from './parameters';
import { executeNotebookScript, jupyterPathEnv, kernelName, repoRoot } from './paths';
import { findPython } from './python';

export interface CellProgress {
  notebookPath: string;
  /** 1-based position of the code cell that just started, among the `total` code cells that will run. */
  cell: number;
  total: number;
}

export interface RunNotebookOptions {
  /** The source notebook (.ipynb); the kernel's working directory is its folder unless `cwd` is given. */
  notebookPath: string;
  /** Where the executed notebook goes (written atomically; folders are created). Nothing is written on failure. */
  outputPath: string;
  /** Injected after the cell tagged `parameters` as `const name = <JSON literal>;`. */
  parameters?: NotebookParameters | undefined;
  /** Extra environment for the runner and the kernel (on top of process.env). */
  env?: Readonly<Record<string, string>> | undefined;
  /** Per-cell timeout in seconds (default 3600; 0 = none). */
  timeoutSeconds?: number | undefined;
  /** How long the kernel may take to start, in seconds (default 120). */
  startupTimeoutSeconds?: number | undefined;
  /** Called as each code cell starts. */
  onCellProgress?: ((progress: CellProgress) => void) | undefined;
  /** Called with the text of the running cell's live progress line as it changes (throttled by the runner). */
  onCellStatus?: ((text: string) => void) | undefined;
  /** Called with each other line the runner (python, jupyter_client, the kernel process) writes to stderr. */
  onLog?: ((line: string) => void) | undefined;
  /** Aborting kills the runner and the kernel's process group; the promise then rejects (code CASEBOOK_NOTEBOOK_ABORTED). */
  signal?: AbortSignal | undefined;
  /** Kernel working directory (default: the notebook's folder; tslab resolves imports from there). */
  cwd?: string | undefined;
  /** Python interpreter with nbclient (default: found like scripts/bootstrap.mjs does). */
  python?: string | undefined;
}

export interface RunNotebookResult {
  notebookPath: string;
  outputPath: string;
  durationMs: number;
  /** Code cells executed. */
  codeCells: number;
  /** Parameters injected, in order. */
  parameters: string[];
  /** Injected parameters that the `parameters` cell does not declare (probably typos). */
  unknownParameters: string[];
  python: string;
}

// A hang guard, not a budget: one interleaved comparison of 13 Python measurements at 512 in flight (notebook 06's
// gap run) takes 20–25 min at the standard profile on a 2-core machine; every measurement has its own block limits.
const DEFAULT_TIMEOUT_SECONDS = 3600;
const DEFAULT_STARTUP_TIMEOUT_SECONDS = 120;
const KILL_GRACE_MS = 5_000;
const STDERR_TAIL_LINES = 60;
/** Lines kept from the start of the failing cell's stderr (the kernel's own error output comes first). */
const CELL_STDERR_LINES = 30;
const MAX_MESSAGE_OUTPUT_CHARS = 6_000;

interface FailureReport {
  kind?: NotebookFailureKind;
  message?: string;
  cellIndex?: number | null;
  cellOrdinal?: number | null;
  codeCellTotal?: number | null;
  source?: string;
  outputText?: string;
}

/** Stack frames from tslab and Node's vm plumbing say nothing about the notebook. */
function trimInternalFrames(text: string): string {
  return text
    .split('\n')
    .filter((line) => !/^\s+at .*(node:vm|node:internal|tslab[/\\]dist[/\\]|sigintHandlersWrap)/.test(line))
    .join('\n');
}

function indent(text: string, prefix = '  '): string {
  return text
    .split('\n')
    .map((l) => prefix + l)
    .join('\n');
}

function failureMessage(
  notebookPath: string,
  report: FailureReport | undefined,
  stderrTail: string,
  exit: string,
  cellStderr = '',
): string {
  if (!report) {
    return (
      `notebook ${notebookPath} failed: the runner exited with ${exit} without a report.` +
      (stderrTail ? `\nlast runner output:\n${indent(stderrTail)}` : '')
    );
  }
  const where =
    report.cellOrdinal !== undefined && report.cellOrdinal !== null
      ? `code cell ${report.cellOrdinal}/${report.codeCellTotal ?? '?'} (cell index ${report.cellIndex ?? '?'})`
      : 'kernel start-up';
  const what =
    report.kind === 'timeout'
      ? 'timed out'
      : report.kind === 'dead-kernel'
        ? 'lost its kernel'
        : report.kind === 'runner'
          ? 'could not run'
          : 'failed';
  const parts = [`notebook ${notebookPath} ${what} in ${where}`];
  if (report.message) parts.push(report.message);
  if (report.source) {
    const lines = report.source.split('\n');
    parts.push(`source:\n${indent(lines.slice(0, 8).join('\n'))}${lines.length > 8 ? '\n  ...' : ''}`);
  }
  let output = trimInternalFrames(report.outputText ?? '').trim();
  if (output.length > MAX_MESSAGE_OUTPUT_CHARS)
    output = `${output.slice(0, MAX_MESSAGE_OUTPUT_CHARS)}\n... (truncated)`;
  parts.push(output ? `output:\n${indent(output)}` : 'output: (none)');
  // tslab sometimes writes a cell's error only to the kernel's own stderr (which reaches us through the runner's):
  // when the cell's outputs carry no error text, what the kernel wrote during that cell is the only place it is.
  if (report.kind === 'runner' && stderrTail) parts.push(`last runner output:\n${indent(stderrTail)}`);
  else if (!/\[(stderr|error)\]/.test(output) && cellStderr)
    parts.push(`the kernel's stderr during this cell:\n${indent(cellStderr)}`);
  else if (report.kind === 'error' && !output)
    parts.push(
      'the kernel answered that the cell failed but sent no error text and wrote nothing to its stderr: ' +
        "catch the cell's error and throw surfaceCellError(e, '<what>') (@casebook/study), which writes it there",
    );
  return parts.join('\n');
}

function abortError(notebookPath: string, signal: AbortSignal): NotebookError {
  const reason = signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? 'aborted');
  return new NotebookError('CASEBOOK_NOTEBOOK_ABORTED', `notebook ${notebookPath} aborted: ${reason}`, {
    cause: signal.reason,
  });
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * Executes a notebook headless in the repo's `casebook-tslab` kernel (nbclient through
 * packages/cli/python/execute_notebook.py) and writes a deterministic executed copy to `outputPath`.
 */
export async function runNotebook(options: RunNotebookOptions): Promise<RunNotebookResult> {
  const started = Date.now();
  const notebookPath = path.resolve(options.notebookPath);
  const outputPath = path.resolve(options.outputPath);
  const { signal } = options;
  if (signal?.aborted) throw abortError(notebookPath, signal);

  const root = repoRoot();
  // Reading the limits here passes the caller's soft open-file limit down to the kernel (SOFT_AT_START_ENV
  // in process.env), so a notebook's record names the reader's limit even if the kernel was started higher.
  fileLimits();
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  const python = options.python ?? findPython(root, env).python;
  ensureKernelspec(root);

  let text: string;
  try {
    text = await fs.promises.readFile(notebookPath, 'utf8');
  } catch (err) {
    throw new NotebookError(
      'CASEBOOK_NOTEBOOK_READ',
      `cannot read notebook ${notebookPath}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  const parameters = options.parameters ?? {};
  const injection = injectParameters(parseNotebook(text, notebookPath), parameters);
  const notebook = ensureStableCellIds(injection.notebook);
  const codeCells = notebook.cells.filter((c) => c.cell_type === 'code' && sourceText(c.source).trim() !== '').length;

  const tmpDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'casebook-nb-'));
  const outDir = path.dirname(outputPath);
  const tmpOut = path.join(
    outDir,
    `.${path.basename(outputPath)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
  const reportPath = path.join(tmpDir, 'failure.json');
  const inputPath = path.join(tmpDir, path.basename(notebookPath));

  try {
    await fs.promises.mkdir(outDir, { recursive: true });
    await fs.promises.writeFile(inputPath, `${JSON.stringify(notebook, null, 1)}\n`);

    const timeout = options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
    const startupTimeout = options.startupTimeoutSeconds ?? DEFAULT_STARTUP_TIMEOUT_SECONDS;
    const args = [
      executeNotebookScript(root),
      '--input',
      inputPath,
      '--output',
      tmpOut,
      '--cwd',
      path.resolve(options.cwd ?? path.dirname(notebookPath)),
      '--kernel',
      kernelName,
      '--timeout',
      String(timeout),
      '--startup-timeout',
      String(startupTimeout),
      '--error-report',
      reportPath,
      '--watch-stdin',
    ];
    const childEnv: NodeJS.ProcessEnv = {
      ...env,
      JUPYTER_PATH: jupyterPathEnv(root, env['JUPYTER_PATH']),
      PYTHONUNBUFFERED: '1',
    };

    const outcome = await new Promise<{
      code: number | null;
      signal: NodeJS.Signals | null;
      aborted: boolean;
      stderrTail: string;
      cellStderr: string;
    }>((resolve, reject) => {
      const child = spawn(python, args, { cwd: root, env: childEnv, stdio: ['pipe', 'pipe', 'pipe'] });
      const tail: string[] = [];
      // The first lines written since the current cell started: the kernel's own stderr, where tslab sometimes puts
      // a cell's error, comes before the runner's failure report (which would push it out of `tail`).
      let cellLines: string[] = [];
      let inReport = false;
      let kernelPid: number | undefined;
      let aborted = false;
      let killTimer: NodeJS.Timeout | undefined;
      let pending = '';

      const handleLine = (line: string): void => {
        const progress = /^cell (\d+)\/(\d+)$/.exec(line);
        if (progress) {
          cellLines = [];
          options.onCellProgress?.({ notebookPath, cell: Number(progress[1]), total: Number(progress[2]) });
          return;
        }
        const status = /^progress (.*)$/.exec(line);
        if (status) {
          options.onCellStatus?.(status[1] ?? '');
          return;
        }
        const pid = /^kernel pid (\d+)$/.exec(line);
        if (pid) {
          kernelPid = Number(pid[1]);
          return;
        }
        tail.push(line);
        if (tail.length > STDERR_TAIL_LINES) tail.shift();
        // The helper's own failure report is not the kernel's stderr (it repeats the cell's source and outputs).
        if (line.startsWith('---- notebook failed:')) inReport = true;
        if (!inReport && cellLines.length < CELL_STDERR_LINES) cellLines.push(line);
        if (line === '---- end of report ----') inReport = false;
        options.onLog?.(line);
      };
      const onData = (chunk: string): void => {
        pending += chunk;
        let nl = pending.indexOf('\n');
        while (nl >= 0) {
          handleLine(pending.slice(0, nl).replace(/\r$/, ''));
          pending = pending.slice(nl + 1);
          nl = pending.indexOf('\n');
        }
      };
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', onData);
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', onData);
      child.stdin.on('error', () => {
        // the runner may exit before we close its stdin
      });

      const onAbort = (): void => {
        if (aborted) return;
        aborted = true;
        child.stdin.end(); // EOF: the helper kills the kernel's process group and exits
        child.kill('SIGTERM');
        killTimer = setTimeout(() => {
          child.kill('SIGKILL');
          if (kernelPid !== undefined) killGroup(kernelPid);
        }, KILL_GRACE_MS);
        killTimer.unref();
      };
      signal?.addEventListener('abort', onAbort, { once: true });

      child.on('error', (err) => {
        signal?.removeEventListener('abort', onAbort);
        if (killTimer) clearTimeout(killTimer);
        reject(
          new NotebookError(
            'CASEBOOK_PYTHON_MISSING',
            `cannot start ${python} for the notebook runner: ${err.message}. Run \`npm run bootstrap\`.`,
            { cause: err },
          ),
        );
      });
      child.on('close', (code, sig) => {
        signal?.removeEventListener('abort', onAbort);
        if (killTimer) clearTimeout(killTimer);
        if (pending !== '') handleLine(pending);
        // If the helper itself was killed hard, make sure its kernel does not outlive it.
        if ((aborted || sig !== null) && kernelPid !== undefined) killGroup(kernelPid);
        resolve({ code, signal: sig, aborted, stderrTail: tail.join('\n'), cellStderr: cellLines.join('\n') });
      });
    });

    if (outcome.aborted && signal) throw abortError(notebookPath, signal);
    if (outcome.code !== 0) {
      let report: FailureReport | undefined;
      try {
        report = JSON.parse(await fs.promises.readFile(reportPath, 'utf8')) as FailureReport;
      } catch {
        report = undefined;
      }
      const exit = outcome.signal !== null ? `signal ${outcome.signal}` : `status ${outcome.code}`;
      throw new NotebookExecutionError({
        notebookPath,
        kind: report?.kind ?? 'runner',
        message: failureMessage(notebookPath, report, outcome.stderrTail, exit, outcome.cellStderr),
        cellIndex: report?.cellIndex ?? undefined,
        cellOrdinal: report?.cellOrdinal ?? undefined,
        codeCellTotal: report?.codeCellTotal ?? undefined,
        outputText: report?.outputText,
        stderrTail: outcome.stderrTail,
      });
    }
    await fs.promises.rename(tmpOut, outputPath);
    return {
      notebookPath,
      outputPath,
      durationMs: Date.now() - started,
      codeCells,
      parameters: Object.keys(parameters),
      unknownParameters: injection.unknownParameters,
      python,
    };
  } finally {
    await fs.promises.rm(tmpOut, { force: true }).catch(() => undefined);
    await fs.promises.rm(`${tmpOut}.partial`, { force: true }).catch(() => undefined);
    await fs.promises.rm(tmpDir, { recursive: true, force: true }).catch(() => undefined);
  }
}
