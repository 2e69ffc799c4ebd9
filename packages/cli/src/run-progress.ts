/**
 * Progress of `casebook run` while a notebook executes. A notebook can sit in one cell for minutes, and under turbo
 * or in a log nothing else shows that it is alive, so a line goes out at least every PROGRESS_INTERVAL_MS wherever
 * the output goes: redrawn in place on a terminal, appended as a plain line otherwise ("05-dns: cell 12/40, 2m10s").
 */
import { createLiveLine, type LiveLine } from '@casebook/charts';

/** The longest a run stays silent: long enough not to flood a CI log, short enough to see it is alive. */
const PROGRESS_INTERVAL_MS = 5_000;

export interface RunProgress {
  /** The code cell that just started (1-based) of `total`. */
  cell(cell: number, total: number): void;
  /** The running cell's own progress line (e.g. "round 2 · latest · httpx · measuring"), shown after the cell. */
  status(text: string): void;
  /** Stop the periodic line and print the final one (on stdout, like every command's result). */
  done(text: string): void;
}

/** `2m10s`, `45s`, `1h02m`: elapsed wall time for people. */
export function formatElapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function startRunProgress(label: string, stream: NodeJS.WriteStream = process.stderr): RunProgress {
  const started = Date.now();
  let position = 'starting the kernel';
  let status = '';
  const text = (): string => `${position}${status ? ` · ${status}` : ''}, ${formatElapsed(Date.now() - started)}`;
  const live: LiveLine | undefined =
    stream.isTTY === true ? createLiveLine(label, { progressStream: stream }) : undefined;
  const show = (): void => {
    if (live !== undefined) live.update(text());
    else stream.write(`${label}: ${text()}\n`);
  };
  show();
  const timer = setInterval(show, PROGRESS_INTERVAL_MS);
  // The notebook's child process keeps the CLI alive while it runs; this timer must never do so on its own.
  timer.unref();
  return {
    cell(cell, total) {
      position = `cell ${cell}/${total}`;
      status = '';
      if (live !== undefined) live.update(text());
    },
    status(line) {
      status = line;
      if (live !== undefined) live.update(text());
    },
    done(final) {
      clearInterval(timer);
      if (live !== undefined) live.done(final);
      else process.stdout.write(`${label}: ${final}\n`);
    },
  };
}
