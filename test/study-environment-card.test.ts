import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openStudy } from '@casebook/study';
import { afterAll, describe, expect, it, vi } from 'vitest';

/**
 * The environment card names the machine by the record's anonymous id (notebook 06's second reader, seed-0b8bd744:
 * two runs compared as if on "this machine" had different ids), never by its host name.
 */
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'casebook-card-'));
const saved = { results: process.env['CASEBOOK_RESULTS_DIR'], id: process.env['CASEBOOK_MACHINE_ID_FILE'] };
const restore = (key: string, value: string | undefined): void => {
  if (value === undefined) delete process.env[key];
  else process.env[key] = value;
};
afterAll(() => {
  restore('CASEBOOK_RESULTS_DIR', saved.results);
  restore('CASEBOOK_MACHINE_ID_FILE', saved.id);
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** The card's text (outside a kernel, displayMarkdown prints its plain text to stdout). */
function card(): string {
  const out: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
  try {
    openStudy('seed', 'smoke').environmentCard();
  } finally {
    spy.mockRestore();
  }
  return out.join('');
}

describe('the environment card', () => {
  it('prints the anonymous machine id', () => {
    const idFile = path.join(tmp, 'machine-id');
    fs.writeFileSync(idFile, '0123456789abcdef\n');
    process.env['CASEBOOK_RESULTS_DIR'] = path.join(tmp, 'results');
    process.env['CASEBOOK_MACHINE_ID_FILE'] = idFile;
    const text = card();
    expect(text).toContain('| Machine | `0123456789abcdef` (anonymous id) |');
  });
});
