import * as net from 'node:net';
import {
  ADAPTERS,
  CLIENT_NAMES,
  type ClientName,
  type ClientOptions,
  type ClientSession,
  errorCode,
  H2_CLIENT_NAMES,
  installedVersion,
  RUNTIME_FETCH_CLIENT_NAMES,
  resolveClientOptions,
} from '@casebook/clients';
import { UsageError } from '@casebook/results';
import { startTarget, type TargetHandle } from '@casebook/servers';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

/**
 * The contract every adapter keeps, checked against a real target process (one per status code, shared by all
 * adapters; the connection-count tests use a fresh target each so no pooled connection from an earlier test — e.g.
 * Node's global fetch dispatcher, which the node-fetch adapter cannot close — is reused).
 */

const BODY_BYTES = 1234;
const SEQUENTIAL_REQUESTS = 20;

/**
 * Measured: undici (installed package) and Node's fetch (bundled undici) open a 2nd connection when the next
 * request is dispatched in the same macrotask in which the previous response body ended. With pipelining 1,
 * undici/lib/dispatcher/client-h1.js (onMessageComplete) resumes the client with `setImmediate(client[kResume])`,
 * so until the next check phase the only connection still counts as busy and the pool dials another. The other
 * clients (node:http Agent, axios, got) hand the socket back synchronously.
 */
const REUSE_NEEDS_A_MACROTASK: ReadonlySet<ClientName> = new Set<ClientName>([
  'undici-request',
  'undici-dispatch',
  'undici-fetch',
  'node-fetch',
]);

const nextMacrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

let ok: TargetHandle;
let unavailable: TargetHandle;
let closedPort: number;

/** A loopback port that nothing listens on: bind an ephemeral port, then release it. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return address.port;
}

beforeAll(async () => {
  [ok, unavailable] = await Promise.all([
    startTarget({ bodyBytes: BODY_BYTES, status: 200 }),
    startTarget({ bodyBytes: BODY_BYTES, status: 503 }),
  ]);
  closedPort = await freePort();
});

afterAll(async () => {
  await Promise.all([ok?.close(), unavailable?.close()]);
});

async function withSession<T>(name: ClientName, origin: string, fn: (s: ClientSession) => Promise<T>): Promise<T> {
  const session = await ADAPTERS[name].open(origin, resolveClientOptions(name, {}));
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}

/** Open a session on a fresh target, send `n` sequential requests, and return how many connections it accepted. */
async function connectionsForSequentialRequests(name: ClientName, gap: 'none' | 'macrotask'): Promise<number> {
  const target = await startTarget({ bodyBytes: BODY_BYTES, status: 200 });
  try {
    await target.reset();
    await withSession(name, target.origin, async (session) => {
      for (let i = 0; i < SEQUENTIAL_REQUESTS; i++) {
        const res = await session.request('/');
        expect(res.bodyBytes).toBe(BODY_BYTES);
        if (gap === 'macrotask') await nextMacrotask();
      }
    });
    const counters = await target.counters();
    expect(counters.requests).toBe(SEQUENTIAL_REQUESTS);
    expect(counters.responses).toBe(SEQUENTIAL_REQUESTS);
    return counters.connectionsOpened;
  } finally {
    await target.close();
  }
}

test('CLIENT_NAMES and ADAPTERS describe the same seven clients', () => {
  expect(CLIENT_NAMES).toHaveLength(7);
  expect(Object.keys(ADAPTERS).sort()).toEqual(
    [...CLIENT_NAMES, ...H2_CLIENT_NAMES, ...RUNTIME_FETCH_CLIENT_NAMES].sort(),
  );
  for (const name of CLIENT_NAMES) expect(ADAPTERS[name].name).toBe(name);
});

describe.each(CLIENT_NAMES)('%s', (name) => {
  const adapter = ADAPTERS[name];

  test(`GET / returns status 200 and the whole ${BODY_BYTES}-byte body`, async () => {
    const res = await withSession(name, ok.origin, (s) => s.request('/'));
    expect(res.status).toBe(200);
    expect(res.bodyBytes).toBe(BODY_BYTES);
    expect(res.protocol === null || res.protocol === 'http/1.1').toBe(true);
  });

  test('a 503 is returned as status 503, not thrown', async () => {
    const res = await withSession(name, unavailable.origin, (s) => s.request('/'));
    expect(res.status).toBe(503);
    expect(res.bodyBytes).toBe(BODY_BYTES);
  });

  test('version() is the version of the installed package (or of Node)', () => {
    const version = adapter.version();
    expect(typeof version).toBe('string');
    expect(version.length).toBeGreaterThan(0);
    if (adapter.packageName === 'node') {
      expect(version).toContain(process.version);
    } else {
      expect(['undici', 'axios', 'got']).toContain(adapter.packageName);
      expect(version).toBe(installedVersion(adapter.packageName));
      expect(version).toMatch(/^\d+\.\d+\.\d+/);
    }
  });

  test('settings() is a non-empty object read from the live client', async () => {
    const settings = await withSession(name, ok.origin, async (s) => {
      await s.request('/');
      return s.settings();
    });
    expect(typeof settings).toBe('object');
    expect(settings).not.toBeNull();
    expect(Array.isArray(settings)).toBe(false);
    expect(Object.keys(settings).length).toBeGreaterThan(0);
  });

  if (REUSE_NEEDS_A_MACROTASK.has(name)) {
    test(`${SEQUENTIAL_REQUESTS} sequential keep-alive requests open one connection when requests are a macrotask apart`, async () => {
      expect(await connectionsForSequentialRequests(name, 'macrotask')).toBe(1);
    });

    test('back-to-back sequential requests (same macrotask) open at most 2 connections (socket reuse deferred by setImmediate)', async () => {
      const opened = await connectionsForSequentialRequests(name, 'none');
      expect(opened).toBeGreaterThanOrEqual(1);
      expect(opened).toBeLessThanOrEqual(2);
    });
  } else {
    test(`${SEQUENTIAL_REQUESTS} sequential keep-alive requests open exactly one connection`, async () => {
      expect(await connectionsForSequentialRequests(name, 'none')).toBe(1);
    });
  }

  test('a request to a closed port rejects with a countable error code', async () => {
    const error = await withSession(name, `http://127.0.0.1:${closedPort}`, (s) => s.request('/')).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).not.toBeNull();
    const code = errorCode(error);
    expect(typeof code).toBe('string');
    expect(code.length).toBeGreaterThan(0);
    expect(code).toBe('ECONNREFUSED');
  });

  test('options it cannot honour are refused with a UsageError naming the field; those it can are accepted', () => {
    const caps = adapter.capabilities;
    const cases: { field: string; input: ClientOptions; supported: boolean }[] = [
      { field: 'connections', input: { connections: 4 }, supported: caps.connectionCap },
      { field: 'keepAlive', input: { keepAlive: false }, supported: caps.keepAliveOff },
      { field: 'pipelining', input: { pipelining: 2 }, supported: caps.pipelining },
      { field: 'tls', input: { tls: { caPem: 'not-a-real-ca' } }, supported: caps.tls },
      { field: 'protocol', input: { protocol: 'h2' }, supported: caps.http2 },
    ];
    for (const c of cases) {
      if (c.supported) {
        expect(() => resolveClientOptions(name, c.input), `${name} should accept ${c.field}`).not.toThrow();
        continue;
      }
      let error: unknown = null;
      try {
        resolveClientOptions(name, c.input);
      } catch (e) {
        error = e;
      }
      expect(error, `${name} should refuse ${c.field}`).toBeInstanceOf(UsageError);
      expect((error as UsageError).field).toBe(c.field);
      expect((error as UsageError).message).toContain(c.field);
      expect((error as UsageError).message).toContain(name);
    }
  });

  test('invalid option values are refused whatever the client', () => {
    expect(() => resolveClientOptions(name, { connections: 0 })).toThrow(/connections/);
    expect(() => resolveClientOptions(name, { pipelining: 0 })).toThrow(/pipelining/);
    expect(() => resolveClientOptions(name, { requestTimeoutMs: -1 })).toThrow(/requestTimeoutMs/);
    expect(resolveClientOptions(name, {})).toMatchObject({ connections: null, keepAlive: true, pipelining: 1 });
  });
});

test("node-fetch refuses a connection cap: it would need Node's global dispatcher", () => {
  expect(() => resolveClientOptions('node-fetch', { connections: 4 })).toThrow(UsageError);
  expect(() => resolveClientOptions('node-fetch', { connections: 4 })).toThrow(/connections/);
});
