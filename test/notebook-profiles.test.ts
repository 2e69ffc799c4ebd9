import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CASE_STUDIES, PROFILES } from '@casebook/results';
import { describe, expect, it } from 'vitest';

const repo = path.resolve(__dirname, '..');

/** The keys of a notebook's `PROFILE_SETTINGS` object (the profiles it can run). */
function declaredProfiles(notebookFile: string): string[] {
  const nb = JSON.parse(fs.readFileSync(notebookFile, 'utf8')) as { cells: { cell_type: string; source: string[] }[] };
  const code = nb.cells
    .filter((c) => c.cell_type === 'code')
    .map((c) => c.source.join(''))
    .find((s) => s.includes('PROFILE_SETTINGS'));
  if (!code) return [];
  const body = code.slice(code.indexOf('PROFILE_SETTINGS'));
  return [...body.matchAll(/^ {2}([a-z]+): \{/gm)].map((m) => m[1] as string);
}

describe('profiles', () => {
  it.each(CASE_STUDIES.map((s) => [s.id, s.notebook]))(
    '%s declares every profile `casebook run` accepts',
    (_id, notebook) => {
      const declared = declaredProfiles(path.join(repo, notebook));
      for (const profile of PROFILES) expect(declared).toContain(profile);
    },
  );

  it('a notebook without the full profile is caught', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'casebook-profiles-'));
    const file = path.join(tmp, 'nb.ipynb');
    const source = ['const PROFILE_SETTINGS = {\n', '  smoke: {\n', '  },\n', '  standard: {\n', '  },\n', '};\n'];
    fs.writeFileSync(file, JSON.stringify({ cells: [{ cell_type: 'code', source }] }));
    expect(declaredProfiles(file)).toEqual(['smoke', 'standard']);
    fs.rmSync(tmp, { recursive: true, force: true });
  });
});

describe('cell timeouts', () => {
  it('gives the seed, whose gap cell runs about 70 minutes at the standard profile, more than the default hour', () => {
    const seed = CASE_STUDIES.find((s) => s.id === 'seed');
    expect(seed?.cellTimeoutSeconds).toBeGreaterThan(3600);
    for (const s of CASE_STUDIES.filter((x) => x.id !== 'seed')) expect(s.cellTimeoutSeconds, s.id).toBeUndefined();
  });
});
