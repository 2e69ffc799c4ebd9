import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CLIENT_VERSION_SUPPORT,
  checkClientVersion,
  checkRuntimeVersion,
  clientEnginesProblem,
  DEFAULT_CLIENT_OPTIONS,
} from '@casebook/clients';
import { findStoredVersion, installVersion, integrityPrefix, npmPackageFor } from '@casebook/procs';
import {
  compareVersions,
  type ExactVersion,
  parseExactVersion,
  requireExactVersion,
  satisfiesRange,
  UsageError,
} from '@casebook/results';
import { checkVersionChoice } from '@casebook/runner';
import { afterAll, describe, expect, test } from 'vitest';

/**
 * The version store's offline parts: exact versions and ranges, the adapters' support table (each entry on both
 * sides), refusals before any network call, and reuse of a complete store entry. Installing from the registry and
 * running a worker on another Node are in version-store.process.test.ts.
 */

const v = (text: string): ExactVersion => {
  const parsed = parseExactVersion(text);
  if (parsed === null) throw new Error(`not exact: ${text}`);
  return parsed;
};

describe('exact versions and ranges', () => {
  test('exact versions parse; ranges, tags and partial versions do not', () => {
    expect(parseExactVersion('7.16.0')?.minor).toBe(16);
    expect(parseExactVersion('v22.22.0')?.text).toBe('22.22.0');
    expect(parseExactVersion('8.0.0-rc.1')?.prerelease).toBe('rc.1');
    for (const bad of ['^7.16.0', '7.16', 'latest', '7.x', '', ' 7.16.0.1', '07.1.0'])
      expect(parseExactVersion(bad)).toBeNull();
  });

  test('requireExactVersion names the field and the value', () => {
    expect(() => requireExactVersion('--client-version', '^7')).toThrow(UsageError);
    expect(() => requireExactVersion('--client-version', '^7')).toThrow(/--client-version: "\^7"/);
  });

  test('compare: numeric parts, a prerelease below its release', () => {
    expect(compareVersions(v('7.10.0'), v('7.9.0'))).toBe(1);
    expect(compareVersions(v('8.0.0-rc.1'), v('8.0.0'))).toBe(-1);
    expect(compareVersions(v('8.0.0-rc.2'), v('8.0.0-rc.10'))).toBe(-1);
    expect(compareVersions(v('1.2.3'), v('1.2.3'))).toBe(0);
  });

  test('ranges: comparators, caret, tilde, x-ranges, alternatives, hyphens', () => {
    expect(satisfiesRange(v('7.16.0'), '>=6.0.0 <9.0.0')).toBe(true);
    expect(satisfiesRange(v('9.0.0'), '>=6.0.0 <9.0.0')).toBe(false);
    expect(satisfiesRange(v('22.12.0'), '>=20.18.1')).toBe(true);
    expect(satisfiesRange(v('18.20.0'), '>=20.18.1')).toBe(false);
    expect(satisfiesRange(v('1.15.1'), '^1.13.0')).toBe(true);
    expect(satisfiesRange(v('2.0.0'), '^1.13.0')).toBe(false);
    expect(satisfiesRange(v('14.2.9'), '~14.2.0')).toBe(true);
    expect(satisfiesRange(v('14.3.0'), '~14.2.0')).toBe(false);
    expect(satisfiesRange(v('16.1.0'), '^14 || ^16')).toBe(true);
    expect(satisfiesRange(v('15.0.0'), '^14 || ^16')).toBe(false);
    expect(satisfiesRange(v('22.0.0'), '>=22')).toBe(true);
    expect(satisfiesRange(v('21.9.0'), '>=22')).toBe(false);
    expect(satisfiesRange(v('5.5.0'), '5.x')).toBe(true);
    expect(satisfiesRange(v('6.0.0'), '1.0.0 - 5.9.9')).toBe(false);
    expect(() => satisfiesRange(v('1.0.0'), 'banana')).toThrow(/unsupported/);
  });
});

describe('which versions each adapter supports (one table)', () => {
  test('every npm client adapter has an entry; the built-in ones have none', () => {
    expect(CLIENT_VERSION_SUPPORT['undici-request']?.packageName).toBe('undici');
    expect(CLIENT_VERSION_SUPPORT.got?.packageName).toBe('got');
    expect(CLIENT_VERSION_SUPPORT.axios?.packageName).toBe('axios');
    expect(CLIENT_VERSION_SUPPORT['node-fetch']).toBeNull();
  });

  test('undici 6, 7 and 8 for request and fetch; dispatch needs 7 (holds and refused)', () => {
    for (const version of ['6.21.0', '7.16.0', '8.13.1']) {
      expect(checkClientVersion('undici-request', v(version))).toBe('undici');
      expect(checkClientVersion('undici-fetch', v(version))).toBe('undici');
    }
    expect(checkClientVersion('undici-dispatch', v('7.0.0'))).toBe('undici');
    expect(() => checkClientVersion('undici-dispatch', v('6.21.0'))).toThrow(/onRequestStart/);
    expect(() => checkClientVersion('undici-request', v('5.28.4'))).toThrow(/undici >=6\.0\.0 <9\.0\.0/);
    expect(() => checkClientVersion('undici-request', v('9.0.0'))).toThrow(UsageError);
  });

  test('got 14 to 16 and axios 1.x; outside refused with the reason', () => {
    expect(checkClientVersion('got', v('14.4.7'))).toBe('got');
    expect(checkClientVersion('got', v('16.1.0'))).toBe('got');
    expect(() => checkClientVersion('got', v('13.0.0'))).toThrow(/got 14, 15 and 16/);
    expect(checkClientVersion('axios', v('1.15.1'))).toBe('axios');
    expect(() => checkClientVersion('axios', v('0.27.2'))).toThrow(/axios 1\.x/);
  });

  test('options that need a later version: axios h2 from 1.13 (holds and refused)', () => {
    const h2 = { ...DEFAULT_CLIENT_OPTIONS, protocol: 'h2' as const };
    expect(checkClientVersion('axios', v('1.13.0'), h2)).toBe('axios');
    expect(() => checkClientVersion('axios', v('1.12.2'), h2)).toThrow(/httpVersion: 2/);
    expect(checkClientVersion('axios', v('1.12.2'), DEFAULT_CLIENT_OPTIONS)).toBe('axios');
  });

  test("Node's own clients take no --client-version: the runtime is chosen with --node", () => {
    expect(() => checkClientVersion('node-fetch', v('7.16.0'))).toThrow(/bundled with Node: choose it with --node/);
    expect(() => checkClientVersion('node-http', v('1.0.0'))).toThrow(/built into Node/);
  });

  test('runtimes: Node 22 and later (holds and refused)', () => {
    expect(() => checkRuntimeVersion(v('22.22.0'))).not.toThrow();
    expect(() => checkRuntimeVersion(v('26.0.0'))).not.toThrow();
    expect(() => checkRuntimeVersion(v('20.19.0'))).toThrow(/--node: "20\.19\.0"/);
  });

  test("a client's engines.node refuses a runtime it cannot run on (and passes one it can)", () => {
    expect(clientEnginesProblem('got', '16.1.0', '>=22', v('22.22.0'))).toBeNull();
    expect(clientEnginesProblem('got', '16.1.0', '>=22', v('21.7.0'))).toMatch(/got 16\.1\.0 needs Node >=22/);
    expect(clientEnginesProblem('axios', '1.15.1', undefined, v('22.22.0'))).toBeNull();
  });

  test('checkVersionChoice refuses before any install: malformed, unsupported, wrong client', () => {
    expect(() => checkVersionChoice('undici-request', { clientVersion: 'latest' })).toThrow(/--client-version/);
    expect(() => checkVersionChoice('undici-request', { node: '22' })).toThrow(/--node: "22"/);
    expect(() => checkVersionChoice('undici-dispatch', { clientVersion: '6.21.0' })).toThrow(UsageError);
    expect(checkVersionChoice('undici-request', { node: '22.22.0', clientVersion: '7.16.0' }).clientPackage).toBe(
      'undici',
    );
  });
});

describe('the store on disk (no network)', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });
  const tempStore = (): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'casebook-store-'));
    dirs.push(dir);
    return dir;
  };
  const INTEGRITY = `sha512-${Buffer.from('casebook'.repeat(8)).toString('base64')}`;

  test('integrity prefix: 12 hex of the digest', () => {
    expect(integrityPrefix(INTEGRITY)).toBe(Buffer.from('casebook').toString('hex').slice(0, 12));
    expect(() => integrityPrefix('md5')).toThrow(/unexpected integrity/);
  });

  test("the runtime is the platform's binary package", () => {
    expect(npmPackageFor('undici')).toBe('undici');
    expect(npmPackageFor('node')).toMatch(/^node(-bin)?-[a-z0-9]+-[a-z0-9]+$/);
  });

  test('a complete entry is found and reused without npm; a half one (no marker) is not', async () => {
    const store = tempStore();
    const dir = path.join(store, `undici@7.16.0-${integrityPrefix(INTEGRITY)}`);
    fs.mkdirSync(path.join(dir, 'node_modules', 'undici'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'node_modules', 'undici', 'package.json'), '{"version":"7.16.0"}');
    expect(findStoredVersion('undici', '7.16.0', store)).toBeNull();
    fs.writeFileSync(
      path.join(dir, '.complete'),
      JSON.stringify({ name: 'undici', version: '7.16.0', npmName: 'undici', integrity: INTEGRITY }),
    );
    const found = findStoredVersion('undici', '7.16.0', store);
    expect(found?.nodeModules).toBe(path.join(dir, 'node_modules'));
    expect(found?.binary).toBeNull();
    // PATH without npm: a reuse must not need it.
    const savedPath = process.env['PATH'];
    process.env['PATH'] = '/nonexistent';
    try {
      const started = Date.now();
      const again = await installVersion('undici', '7.16.0', { storeDir: store });
      expect(again.dir).toBe(dir);
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      process.env['PATH'] = savedPath;
    }
  });

  test('malformed versions are refused before npm runs, naming the field', async () => {
    const store = tempStore();
    await expect(installVersion('undici', '^7', { storeDir: store, field: '--client-version' })).rejects.toThrow(
      /--client-version: "\^7"/,
    );
    expect(fs.readdirSync(store)).toEqual([]);
  });
});
