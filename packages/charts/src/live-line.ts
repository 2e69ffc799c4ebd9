// A single status line that is redrawn while work runs and settles on a final text.
//   notebook (tslab): one output replaced in place through tslab's `newDisplay()`;
//   terminal (stderr is a TTY): a line redrawn with `\r` on stderr, the final line printed to stdout;
//   otherwise (turbo, CI logs, pipes): a plain progress line appended to stderr at most every 5 s, so a reader of the
//   log sees the work move, and the final line on stdout.
// The final line is what a committed notebook keeps, so this module never adds times or dates to it.
// Callers often start their text with the label already (`line.update(`${id} (quick): cell 3/9`)`): the label is
// then shown once, not twice.

import { type TslabDisplay, tslabNewDisplay } from './tslab-bridge';

/** At most 10 redraws per second: more only floods the kernel's iopub channel or the terminal. */
export const LIVE_LINE_MIN_INTERVAL_MS = 100;
/**
 * Without a TTY every progress line stays in the log: one every 5 s shows a reader that work goes on without
 * burying the result under hundreds of lines.
 */
export const LIVE_LINE_LOG_INTERVAL_MS = 5000;
const BAR_CELLS = 20;

export interface LiveLine {
  /** `notebook`, `tty` or `log` (see the module comment). */
  readonly mode: LiveLineMode;
  /**
   * Replaces the line's text, throttled to one redraw per {@link LIVE_LINE_MIN_INTERVAL_MS} (one appended line per
   * {@link LIVE_LINE_LOG_INTERVAL_MS} in `log` mode); the latest text is drawn when the interval ends. `fraction` in
   * [0, 1] adds a progress bar. Ignored after `done`.
   */
  update(text: string, fraction?: number): void;
  /**
   * Shows the final text now, as `<label>: <text>`. Keep it reproducible: counts and outcomes, no timestamps.
   * Later calls are ignored.
   */
  done(text: string): void;
}

export type LiveLineMode = 'notebook' | 'tty' | 'log';

/** A writable text stream (process.stderr / process.stdout, or a fake in tests). */
export interface LiveLineStream {
  isTTY?: boolean;
  columns?: number;
  write(chunk: string): unknown;
}

export interface LiveLineOptions {
  /** Where the redrawn (TTY) or appended (log) progress line goes outside notebooks. Default `process.stderr`. */
  progressStream?: LiveLineStream;
  /** Where the final line goes outside notebooks. Default `process.stdout`. */
  resultStream?: LiveLineStream;
  /** Default {@link LIVE_LINE_MIN_INTERVAL_MS}. Not used in `log` mode ({@link LIVE_LINE_LOG_INTERVAL_MS}). */
  minIntervalMs?: number;
  /** Milliseconds clock. Default `performance.now`. */
  now?: () => number;
  /** `undefined` (default) looks for a running tslab kernel; `null` never uses one (tests). */
  notebookDisplay?: TslabDisplay | null;
}

/**
 * `<label>: <text>`, with the label once: text that starts with the label is shown as it is, and text headed by the
 * label's last word(s) (`bench undici` + `undici: trial 2/5`) loses that head.
 */
function labelledText(label: string, text: string): string {
  if (text === label || text.startsWith(`${label}:`) || text.startsWith(`${label} `)) return text;
  const colon = text.indexOf(': ');
  if (colon > 0 && label.endsWith(` ${text.slice(0, colon)}`)) return `${label}${text.slice(colon)}`;
  return `${label}: ${text}`;
}

function progressText(label: string, text: string, fraction: number | undefined): string {
  const line = labelledText(label, text);
  if (fraction === undefined || !Number.isFinite(fraction)) return line;
  const clamped = Math.min(1, Math.max(0, fraction));
  const filled = Math.round(clamped * BAR_CELLS);
  const percent = `${Math.floor(clamped * 100)}%`.padStart(4);
  const rest = line.slice(label.length).replace(/^:?\s*/, '');
  return `${label} [${'#'.repeat(filled)}${'.'.repeat(BAR_CELLS - filled)}] ${percent} ${rest}`;
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
  const mode: LiveLineMode = notebook !== undefined ? 'notebook' : progressStream.isTTY === true ? 'tty' : 'log';
  const intervalMs = mode === 'log' ? LIVE_LINE_LOG_INTERVAL_MS : minIntervalMs;

  const draw = (line: string): void => {
    if (notebook !== undefined) notebook.text(line);
    else if (mode === 'tty') progressStream.write(`${CLEAR_LINE}${fitToColumns(line, progressStream.columns)}`);
    else progressStream.write(`${line}\n`);
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
      if (finished) return;
      pending = progressText(label, text, fraction);
      const waitMs = lastDrawMs + intervalMs - now();
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
      const line = labelledText(label, text);
      if (notebook !== undefined) {
        notebook.text(line);
        return;
      }
      if (mode === 'tty') progressStream.write(CLEAR_LINE);
      resultStream.write(`${line}\n`);
    },
  };
}
