/**
 * A cell's error made visible when tslab's own report of it does not reach the notebook. tslab prints a failing
 * cell's error with `console.error`, which it routes to the notebook as a stream message; a 07 run at the standard
 * profile once failed in its last cell with an empty error and no output at all, so the reason was lost with the hour
 * it took. This writes the error's stack (bounded) to the kernel process's own stderr (fd 2, which the notebook runner
 * shows as "the kernel's stderr during this cell"), and returns an Error with a bounded message for the cell to throw:
 * printing an error that holds a large object (a record, a validation result) could otherwise be megabytes.
 */
import fs from 'node:fs';

const MAX_CHARS = 8_000;

function describe(err: unknown): string {
  try {
    if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
    return String(err);
  } catch {
    return Object.prototype.toString.call(err);
  }
}

/** `throw surfaceCellError(e, 'the final cell')` in a cell's catch; `write` defaults to the kernel's stderr (fd 2). */
export function surfaceCellError(
  err: unknown,
  where: string,
  write: (text: string) => void = (text) => {
    fs.writeSync(2, text);
  },
): Error {
  const text = describe(err);
  const bounded =
    text.length > MAX_CHARS ? `${text.slice(0, MAX_CHARS)}\n... (${text.length - MAX_CHARS} more characters)` : text;
  try {
    write(`[casebook] ${where} failed: ${bounded}\n`);
  } catch {
    // nowhere else to write: the returned error still carries the text
  }
  return new Error(`${where} failed: ${bounded}`, { cause: err });
}
