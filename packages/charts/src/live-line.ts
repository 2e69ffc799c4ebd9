// A single status line that is redrawn while work runs and settles on a final text.
//   notebook (tslab): one output replaced in place through tslab's `newDisplay()`;
//   terminal (stderr is a TTY): a line redrawn with `\r` on stderr, the final line printed to stdout;
//   otherwise (CI logs, pipes): only the final line, on stdout.
// The final line is what a committed notebook keeps, so this module never adds times or dates to it.

import { type TslabDisplay, tslabNewDisplay } from './tslab-bridge';

/** At most 10 redraws per second: more only floods the kernel's iopub channel or the terminal. */
export const LIVE_LINE_MIN_INTERVAL_MS = 100;
const BAR_CELLS = 20;

export interface LiveLine {
  /** `notebook`, `tty` or `quiet` (see the module comment). */
  readonly mode: LiveLineMode;
  /**
   * Replaces the line's text, throttled to one redraw per {@link LIVE_LINE_MIN_INTERVAL_MS} (the latest text is
   * drawn when the interval ends). `fraction` in [0, 1] adds a progress bar. Ignored after `done`.
   */
  update(text: string, fraction?: number): void;
  /**
   * Shows the final text now, as `<label>: <text>`. Keep it reproducible: counts and outcomes, no timestamps.
   * Later calls are ignored.
   */
  done(text: string): void;
}

export type LiveLineMode = 'notebook' | 'tty' | 'quiet';

/** A writable text stream (process.stderr / process.stdout, or a fake in tests). */
export interface LiveLineStream {
  isTTY?: boolean;
  columns?: number;
  write(chunk: string): unknown;
}

export interface LiveLineOptions {
  /** Where the redrawn line goes outside notebooks. Default `process.stderr`. */
  progressStream?: LiveLineStream;
  /** Where the final line goes outside notebooks. Default `process.stdout`. */
  resultStream?: LiveLineStream;
  /** Default {@link LIVE_LINE_MIN_INTERVAL_MS}. */
  minIntervalMs?: number;
  /** Milliseconds clock. Default `performance.now`. */
  now?: () => number;
  /** `undefined` (default) looks for a running tslab kernel; `null` never uses one (tests). */
  notebookDisplay?: TslabDisplay | null;
}

function progressText(label: string, text: string, fraction: number | undefined): string {
  if (fraction === undefined || !Number.isFinite(fraction)) return `${label}: ${text}`;
  const clamped = Math.min(1, Math.max(0, fraction));
  const filled = Math.round(clamped * BAR_CELLS);
  const percent = `${Math.floor(clamped * 100)}%`.padStart(4);
  return `${label} [${'#'.repeat(filled)}${'.'.repeat(BAR_CELLS - filled)}] ${percent} ${text}`;
}

/** Cuts a line to the terminal width: a wrapped line cannot be redrawn with `\r`. */
function fitToColumns(line: string, columns: number | undefined): string {
  if (columns === undefined || columns < 2) return line;
  const chars = [...line];
  return chars.length < columns ? line : `${chars.slice(0, columns - 2).join('')}…`;
}

const CLEAR_LINE = '\r\u001b[2K';

/** Creates a live status line labelled `label` (e.g. `'undici 8, 256 concurrent'`). */
export function createLiveLine(label: string, options: LiveLineOptions = {}): LiveLine {
  const progressStream = options.progressStream ?? process.stderr;
  const resultStream = options.resultStream ?? process.stdout;
  const minIntervalMs = options.minIntervalMs ?? LIVE_LINE_MIN_INTERVAL_MS;
  const now = options.now ?? (() => performance.now());
  const notebook = options.notebookDisplay === undefined ? tslabNewDisplay() : (options.notebookDisplay ?? undefined);
  const mode: LiveLineMode = notebook !== undefined ? 'notebook' : progressStream.isTTY === true ? 'tty' : 'quiet';

  const draw = (line: string): void => {
    if (notebook !== undefined) notebook.text(line);
    else if (mode === 'tty') progressStream.write(`${CLEAR_LINE}${fitToColumns(line, progressStream.columns)}`);
  };

  let finished = false;
  let lastDrawMs = Number.NEGATIVE_INFINITY;
  let pending: string | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const flush = (): void => {
    timer = undefined;
    if (finished || pending === undefined) return;
    lastDrawMs = now();
    draw(pending);
    pending = undefined;
  };

  // Claim the notebook output now, so the line sits where the cell started even if `done` comes much later.
  if (notebook !== undefined) draw(`${label}: …`);

  return {
    mode,
    update(text: string, fraction?: number): void {
      if (finished || mode === 'quiet') return;
      pending = progressText(label, text, fraction);
      const waitMs = lastDrawMs + minIntervalMs - now();
      if (waitMs <= 0) {
        if (timer !== undefined) clearTimeout(timer);
        flush();
      } else if (timer === undefined) {
        timer = setTimeout(flush, waitMs);
        // A pending redraw must never keep a script alive.
        timer.unref();
      }
    },
    done(text: string): void {
      if (finished) return;
      finished = true;
      pending = undefined;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      const line = `${label}: ${text}`;
      if (notebook !== undefined) {
        notebook.text(line);
        return;
      }
      if (mode === 'tty') progressStream.write(CLEAR_LINE);
      resultStream.write(`${line}\n`);
    },
  };
}
