import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { committedBisects } from '@casebook/study';
import { afterEach, describe, expect, it } from 'vitest';

const repo = path.resolve(__dirname, '..');
const temps: string[] = [];
afterEach(() => {
  for (const d of temps.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function tempRepo(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'casebook-bisects-'));
  temps.push(d);
  return d;
}

describe('committedBisects', () => {
  it('reads the committed undici bisect records, validated, with their repository-relative files', () => {
    const found = committedBisects('undici', repo);
    expect(found.length).toBeGreaterThanOrEqual(1);
    for (const b of found) {
      expect(b.file).toMatch(/^results\/bisect\/[^/]+\/bisect\.json$/);
      expect(b.record.kind).toBe('bisect');
      expect(b.record.package).toBe('undici');
      expect(b.record.summary.length).toBeGreaterThan(0);
    }
    expect(committedBisects('no-such-package', repo)).toEqual([]);
  });

  it('returns nothing where a repository has no bisect folder', () => {
    expect(committedBisects('undici', tempRepo())).toEqual([]);
  });

  it('refuses a bisect.json that does not validate, naming its file', () => {
    const d = tempRepo();
    const file = path.join(d, 'results', 'bisect', 'broken', 'bisect.json');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify({ kind: 'bisect', package: 'undici' }));
    expect(() => committedBisects('undici', d)).toThrow(/broken[/\\]bisect\.json/);
  });
});
