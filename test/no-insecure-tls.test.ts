import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = path.resolve(__dirname, '..');
// Spelled in pieces so this file does not match itself.
const FORBIDDEN = [
  `rejectUnauthorized${':'}\\s*false`,
  `NODE_TLS_${'REJECT'}_UNAUTHORIZED`,
  `checkServerIdentity${':'}`,
];

function trackedAndNewFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: repo,
    encoding: 'utf8',
  });
  return out
    .split('\n')
    .filter((f) => f && !f.startsWith('node_modules/') && !f.startsWith('results/'))
    .filter(
      (f) => /\.(ts|mts|cts|js|mjs|cjs|json|ipynb|py|md|sh|yml|yaml)$/.test(f) && !f.endsWith('package-lock.json'),
    );
}

describe('no insecure TLS anywhere in the tree', () => {
  it('never disables certificate verification', () => {
    const offenders: string[] = [];
    for (const file of trackedAndNewFiles()) {
      const full = path.join(repo, file);
      if (!fs.existsSync(full)) continue;
      const text = fs.readFileSync(full, 'utf8');
      for (const pattern of FORBIDDEN) if (new RegExp(pattern).test(text)) offenders.push(`${file}: /${pattern}/`);
    }
    expect(offenders).toEqual([]);
  });
});
