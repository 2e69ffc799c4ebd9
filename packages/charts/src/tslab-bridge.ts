// The one place that reaches into tslab (pinned at 1.0.22 at the repo root; not a dependency of this package).
//
// tslab's public `display` sends one MIME type per output. A bundle with several (vega-lite + PNG + text) needs the
// kernel's internal `lastWriteDisplayData` from `tslab/dist/jupyter`, which the kernel sets before running each
// cell. Everything here degrades to "not inside tslab" instead of throwing.

/** A Jupyter `display_data` / `update_display_data` message body. */
export interface DisplayDataMessage {
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  transient: Record<string, unknown>;
}

export type WriteDisplayData = (message: DisplayDataMessage, update: boolean) => void;

/** The part of tslab's `DisplayImpl` (from `newDisplay()`) used here: `text()` replaces one output in place. */
export interface TslabDisplay {
  text(value: string): void;
}

function resolveFromNotebook(request: string): string | undefined {
  try {
    // The notebook's folder first (tslab resolves imports from there), then this package.
    return require.resolve(request, { paths: [process.cwd(), __dirname] });
  } catch {
    return undefined;
  }
}

/**
 * tslab's jupyter module, but only if a tslab kernel in this process has already loaded it. Requiring it anywhere
 * else would load zeromq and tslab's TypeScript for nothing, and its `lastWriteDisplayData` would be null anyway.
 */
function runningTslabJupyter(): { lastWriteDisplayData?: unknown } | undefined {
  const path = resolveFromNotebook('tslab/dist/jupyter');
  if (path === undefined || require.cache[path] === undefined) return undefined;
  try {
    return require(path) as { lastWriteDisplayData?: unknown };
  } catch {
    return undefined;
  }
}

/** The kernel's writer for the cell now running, or undefined outside a tslab kernel. */
export function tslabWriteDisplayData(): WriteDisplayData | undefined {
  const write = runningTslabJupyter()?.lastWriteDisplayData;
  return typeof write === 'function' ? (write as WriteDisplayData) : undefined;
}

/** `require('tslab').newDisplay()` inside a tslab kernel, else undefined. */
export function tslabNewDisplay(): TslabDisplay | undefined {
  if (tslabWriteDisplayData() === undefined) return undefined;
  const path = resolveFromNotebook('tslab');
  if (path === undefined) return undefined;
  try {
    const tslab = require(path) as { newDisplay?: unknown };
    if (typeof tslab.newDisplay !== 'function') return undefined;
    const display = (tslab.newDisplay as () => unknown)();
    return typeof (display as Partial<TslabDisplay>).text === 'function' ? (display as TslabDisplay) : undefined;
  } catch {
    return undefined;
  }
}
