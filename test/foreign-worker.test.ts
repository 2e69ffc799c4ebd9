import { UsageError } from '@casebook/results';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { migrateV2 } from '../packages/results/src/migrate-v2';
import { ForeignClientSchema } from '../packages/results/src/schema/bench';
import {
  CONTINUOUS_NODE_WORKER,
  continuousClientBlock,
  continuousLaunch,
  continuousStart,
} from '../packages/runner/src/blocks';
import {
  FOREIGN_WORKER_SCRIPT,
  type ForeignAvailability,
  type ForeignProbe,
  foreignClientBlock,
  foreignClientStart,
  paramsOf,
  parseProbe,
  type ResolvedForeignOptions,
  resolveForeignOptions,
  resolveMeasurementOptions,
  runForeignBench,
  toPhaseResult,
} from '../packages/runner/src/foreign';
import { resolveBenchOptions } from '../packages/runner/src/options';

// Option validation, launch selection, probe parsing and the record's client block: no process, socket or server.

const PROBE: ForeignProbe = {
  versions: {
    python: '3.11.7',
    httpx: '0.28.1',
    httpx2: null,
    httpcore: '1.0.9',
    aiohttp: '3.14.0',
    'httpx-aiohttp': '0.2.0',
    uvloop: null,
  },
  interpreter: {
    version: '3.11.7',
    implementation: 'CPython',
    build: 'main (Dec  4 2023 18:10:11)',
    compiler: 'GCC 12.2.0',
    freeThreaded: false,
  },
  clients: {
    httpx: null,
    aiohttp: null,
    'httpx-aiohttp-seed': null,
    'httpx-aiohttp': "ModuleNotFoundError: No module named 'httpx_aiohttp'",
  },
  loops: { asyncio: null, uvloop: "ModuleNotFoundError: No module named 'uvloop'" },
};

const found =
  (probe: ForeignProbe = PROBE) =>
  (set: string | null): ForeignAvailability => ({
    available: true,
    python: `/venvs/${set}/bin/python`,
    source: 'set',
    set,
    versions: probe.versions,
    probe,
  });

const base = { concurrency: 8, durationMs: 1000 };

describe('foreign options', () => {
  it('defaults: no set, asyncio, the library pool defaults (null)', () => {
    const o = resolveForeignOptions({ client: 'httpx', ...base });
    expect(o.foreign).toEqual({
      set: null,
      loop: 'asyncio',
      maxKeepaliveConnections: null,
      keepaliveExpiryS: null,
      unboundedPoolWait: false,
      fastAcquire: false,
      minWindowRequests: 0,
    });
    expect(o.clientOptions.connections).toBeNull();
    expect(o.language).toBe('python');
    expect(o.label).toBe('httpx');
    expect(resolveForeignOptions({ client: 'aiohttp', set: 'latest', ...base }).label).toBe('aiohttp@latest');
  });

  it('maxConnections and maxKeepaliveConnections are separate switches', () => {
    const o = resolveForeignOptions({ client: 'httpx', maxConnections: 100, maxKeepaliveConnections: 0, ...base });
    expect(o.clientOptions.connections).toBe(100);
    expect(o.foreign.maxKeepaliveConnections).toBe(0);
    const onlyMax = resolveForeignOptions({ client: 'httpx', maxConnections: 512, ...base });
    expect(onlyMax.foreign.maxKeepaliveConnections).toBeNull();
  });

  it('connections: N is a pool of N reusable connections (httpx: both limits; others: the limit)', () => {
    const httpx = resolveForeignOptions({ client: 'httpx', connections: 8, ...base });
    expect([httpx.clientOptions.connections, httpx.foreign.maxKeepaliveConnections]).toEqual([8, 8]);
    const aiohttp = resolveForeignOptions({ client: 'aiohttp', connections: 8, ...base });
    expect([aiohttp.clientOptions.connections, aiohttp.foreign.maxKeepaliveConnections]).toEqual([8, null]);
  });

  it('bad input is a UsageError naming the field and value', () => {
    const bad = (input: Parameters<typeof resolveForeignOptions>[0]) => () => resolveForeignOptions(input);
    expect(bad({ client: 'requests', ...base })).toThrow(/invalid client: "requests"/);
    expect(bad({ client: 'aiohttp', maxKeepaliveConnections: 20, ...base })).toThrow(
      /invalid maxKeepaliveConnections: 20 \(only httpx/,
    );
    expect(bad({ client: 'httpx', connections: 8, maxConnections: 8, ...base })).toThrow(/invalid connections: 8/);
    expect(bad({ client: 'httpx', maxConnections: 0, ...base })).toThrow(/invalid maxConnections: 0/);
    expect(bad({ client: 'httpx', maxKeepaliveConnections: 1.5, ...base })).toThrow(/maxKeepaliveConnections: 1.5/);
    expect(bad({ client: 'httpx', loop: 'trio' as never, ...base })).toThrow(/invalid loop: "trio"/);
    expect(bad({ client: 'httpx', set: 'Latest Set', ...base })).toThrow(/invalid set: "Latest Set"/);
    expect(bad({ client: 'httpx', keepAlive: false, ...base } as never)).toThrow(/invalid keepAlive: false/);
    expect(bad({ client: 'aiohttp', unboundedPoolWait: true, ...base })).toThrow(
      /invalid unboundedPoolWait: true \(only httpx/,
    );
    expect(bad({ client: 'httpx', unboundedPoolWait: 'yes' as never, ...base })).toThrow(
      /invalid unboundedPoolWait: "yes"/,
    );
    expect(bad({ client: 'aiohttp', fastAcquire: true, ...base })).toThrow(/invalid fastAcquire: true \(only httpx/);
    expect(bad({ client: 'httpx', fastAcquire: 1 as never, ...base })).toThrow(/invalid fastAcquire: 1/);
  });

  it('keepaliveExpiryS: httpx only, seconds above 0 up to 3600, sent to the worker only when set', () => {
    const o = resolveForeignOptions({ client: 'httpx', keepaliveExpiryS: 30, ...base });
    const bad = (input: Parameters<typeof resolveForeignOptions>[0]) => () => resolveForeignOptions(input);
    expect(o.foreign.keepaliveExpiryS).toBe(30);
    expect(foreignClientStart(o, 'http://127.0.0.1:1')).toMatchObject({ keepaliveExpiryS: 30 });
    expect(
      foreignClientStart(resolveForeignOptions({ client: 'httpx', ...base }), 'http://127.0.0.1:1'),
    ).not.toHaveProperty('keepaliveExpiryS');
    expect(bad({ client: 'aiohttp', keepaliveExpiryS: 30, ...base })).toThrow(
      /invalid keepaliveExpiryS: 30 \(only httpx/,
    );
    expect(bad({ client: 'httpx', keepaliveExpiryS: 0, ...base })).toThrow(/invalid keepaliveExpiryS: 0/);
    expect(bad({ client: 'httpx', keepaliveExpiryS: 7200, ...base })).toThrow(/invalid keepaliveExpiryS: 7200/);
    expect(bad({ client: 'httpx', keepaliveExpiryS: '30' as never, ...base })).toThrow(
      /invalid keepaliveExpiryS: "30"/,
    );
  });

  it('fastAcquire: httpx only, sent to the worker and recorded in the client block only when set', () => {
    const o = resolveForeignOptions({ client: 'httpx', fastAcquire: true, ...base });
    expect(o.foreign.fastAcquire).toBe(true);
    expect(foreignClientStart(o, 'http://127.0.0.1:1')).toMatchObject({ fastAcquire: true });
    expect(
      foreignClientStart(resolveForeignOptions({ client: 'httpx', ...base }), 'http://127.0.0.1:1'),
    ).not.toHaveProperty('fastAcquire');
  });

  it('unboundedPoolWait applies to the published httpx-aiohttp transport too (it maps pool=None to aiohttp connect=None)', () => {
    const o = resolveForeignOptions({ client: 'httpx-aiohttp', unboundedPoolWait: true, ...base });
    expect(o.foreign.unboundedPoolWait).toBe(true);
    expect(foreignClientStart(o, 'http://127.0.0.1:1')).toMatchObject({ unboundedPoolWait: true });
    // The seed's shim and aiohttp itself run under aiohttp's own timeouts: refused, naming the field.
    for (const client of ['aiohttp', 'httpx-aiohttp-seed'])
      expect(() => resolveForeignOptions({ client, unboundedPoolWait: true, ...base })).toThrow(
        /invalid unboundedPoolWait: true \(only httpx and httpx-aiohttp/,
      );
  });

  it('minWindowRequests: an integer ≥ 0 (default 0), sent to the worker and recorded in the client block', () => {
    const o = resolveForeignOptions({ client: 'httpx', set: 'latest', minWindowRequests: 20, ...base });
    expect(o.foreign.minWindowRequests).toBe(20);
    const launch = continuousLaunch(o, found());
    expect(continuousStart(launch, 'http://127.0.0.1:1', null, 2000)).toMatchObject({
      windowMs: 2000,
      minWindowRequests: 20,
    });
    // Default: not in the start message (the worker cuts at every boundary, as before).
    const plain = continuousLaunch(resolveForeignOptions({ client: 'httpx', set: 'latest', ...base }), found());
    expect(continuousStart(plain, 'http://127.0.0.1:1', null, 2000)).not.toHaveProperty('minWindowRequests');
    // The record says how its windows were cut.
    const block = continuousClientBlock(launch, null);
    expect(block).toMatchObject({ minWindowRequests: 20 });
    expect(Value.Check(ForeignClientSchema, block)).toBe(true);
    expect(continuousClientBlock(plain, null)).toMatchObject({ minWindowRequests: 0 });
  });

  it('minWindowRequests: bad input is a UsageError naming the field and value (the CLI exits 2)', () => {
    for (const bad of [-1, 1.5, '20', true, Number.NaN]) {
      let caught: unknown;
      try {
        resolveForeignOptions({ client: 'httpx', minWindowRequests: bad as never, ...base });
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(UsageError);
      expect((caught as UsageError).code).toBe('CASEBOOK_USAGE');
      expect((caught as UsageError).field).toBe('minWindowRequests');
      expect((caught as Error).message).toMatch(/^invalid minWindowRequests: /);
    }
  });

  it("a Node client refuses the Python worker's switches rather than ignoring them", () => {
    for (const [key, value] of [
      ['minWindowRequests', 20],
      ['unboundedPoolWait', true],
    ] as const)
      expect(() => resolveMeasurementOptions({ client: 'undici-request', [key]: value, ...base })).toThrow(
        new RegExp(
          `^invalid ${key}: ${value} \\(only foreign \\(Python\\) clients take ${key}; undici-request runs in the Node worker`,
        ),
      );
    expect(() => resolveMeasurementOptions({ client: 'undici-request', minWindowRequests: 5, ...base })).toThrow(
      UsageError,
    );
  });

  it('the phase method has no windows: minWindowRequests is refused there before anything starts', async () => {
    await expect(runForeignBench({ client: 'httpx', minWindowRequests: 5, ...base })).rejects.toThrow(
      /invalid minWindowRequests: 5 \(the phase method has no windows/,
    );
  });

  it('unboundedPoolWait (httpx): the start message asks the worker for pool=None', () => {
    const o = resolveForeignOptions({ client: 'httpx', unboundedPoolWait: true, ...base });
    expect(o.foreign.unboundedPoolWait).toBe(true);
    expect(foreignClientStart(o, 'http://127.0.0.1:1')).toMatchObject({ unboundedPoolWait: true });
    expect(
      foreignClientStart(resolveForeignOptions({ client: 'httpx', ...base }), 'http://127.0.0.1:1'),
    ).not.toHaveProperty('unboundedPoolWait');
  });

  it('params hold no foreign switches (they go into the client block); measurements resolve by client name', () => {
    const o = resolveForeignOptions({ client: 'httpx', set: 'latest', loop: 'uvloop', ...base });
    expect(paramsOf(o)).not.toHaveProperty('foreign');
    expect(paramsOf(o)).toMatchObject({ client: 'httpx', language: 'python' });
    expect(resolveMeasurementOptions({ client: 'aiohttp', ...base })).toHaveProperty('language', 'python');
    expect(resolveMeasurementOptions({ client: 'undici-request', ...base })).not.toHaveProperty('language');
  });
});

describe('continuous launch: Node worker or the Python worker of the set', () => {
  const foreign = (input: Partial<Parameters<typeof resolveForeignOptions>[0]> = {}): ResolvedForeignOptions =>
    resolveForeignOptions({ client: 'httpx', set: 'latest', ...base, ...input });

  it('a Node client runs in the continuous Node worker', () => {
    const launch = continuousLaunch(resolveBenchOptions({ client: 'undici-request', ...base }), () => {
      throw new Error('no Python is looked for');
    });
    expect(launch).toMatchObject({ kind: 'node', script: CONTINUOUS_NODE_WORKER });
  });

  it("a foreign client runs in its set's interpreter with --continuous", () => {
    const launch = continuousLaunch(foreign(), found());
    expect(launch).toMatchObject({
      kind: 'python',
      python: '/venvs/latest/bin/python',
      args: [FOREIGN_WORKER_SCRIPT, '--continuous'],
    });
  });

  it('a set that cannot run the client or the loop throws before anything starts', () => {
    const unavailable = (): ForeignAvailability => ({ available: false, reason: 'client set x is missing', tried: [] });
    expect(() => continuousLaunch(foreign(), unavailable)).toThrow(
      expect.objectContaining({ code: 'CASEBOOK_FOREIGN_UNAVAILABLE' }),
    );
    expect(() => continuousLaunch(foreign({ client: 'httpx-aiohttp' }), found())).toThrow(
      /httpx-aiohttp does not import in client set latest .*httpx_aiohttp/,
    );
    expect(() => continuousLaunch(foreign({ loop: 'uvloop' }), found())).toThrow(/loop uvloop does not import/);
  });

  it('start messages: the foreign worker gets its pool switches and loop, the Node worker its client options', () => {
    const py = continuousLaunch(foreign({ maxConnections: 64, maxKeepaliveConnections: 16 }), found());
    expect(continuousStart(py, 'http://127.0.0.1:1', null, 500)).toEqual({
      type: 'start',
      client: 'httpx',
      origin: 'http://127.0.0.1:1',
      maxConnections: 64,
      maxKeepaliveConnections: 16,
      loop: 'asyncio',
      requestTimeoutMs: null,
      load: expect.objectContaining({ mode: 'closed', concurrency: 8 }),
      windowMs: 500,
    });
    const node = continuousLaunch(resolveBenchOptions({ client: 'undici-request', ...base }));
    expect(continuousStart(node, 'https://127.0.0.1:1', 'PEM', 500)).toMatchObject({
      clientOptions: { tls: { caPem: 'PEM' } },
      windowMs: 500,
    });
  });
});

describe('probe and record', () => {
  it('reads the probe line, and refuses output it does not understand', () => {
    const line = JSON.stringify({ type: 'probe', ok: true, ...PROBE, executable: '/x' });
    expect(parseProbe(line)).toEqual({ ok: true, probe: PROBE });
    expect(parseProbe('Traceback (most recent call last):')).toMatchObject({ ok: false });
    expect(parseProbe(JSON.stringify({ ...PROBE, interpreter: { version: '3.11' } }))).toMatchObject({ ok: false });
  });

  it('raw latencies become the HDR histogram; the socket count is not a trial field', () => {
    const r = toPhaseResult({
      sent: 2,
      ok: 2,
      errors: { total: 0, byCode: {} },
      errorSamples: {},
      durationMs: 10,
      latenciesMicros: [100, 200],
      cpuUserMicros: 5,
      cpuSystemMicros: 1,
      eventLoopUtilization: 0.6,
      clientPeakInFlight: 2,
      protocols: { 'http/1.1': 2 },
      clientOpenSockets: 2,
    });
    expect(typeof r.histogram).toBe('string');
    expect(r).not.toHaveProperty('latenciesMicros');
    expect(r).not.toHaveProperty('clientOpenSockets');
  });

  it('the client block names the set, loop, interpreter and keep-alive switch, and fits the schema', () => {
    const options = resolveForeignOptions({ client: 'httpx', set: 'latest', maxKeepaliveConnections: 100, ...base });
    const py = found()('latest');
    if (!py.available) throw new Error('unreachable');
    const block = foreignClientBlock(options, py, PROBE.versions, { 'httpx.max_keepalive_connections': 100 });
    expect(block).toMatchObject({
      name: 'python-httpx',
      packageName: 'httpx',
      version: '0.28.1',
      set: 'latest',
      loop: 'asyncio',
      interpreter: PROBE.interpreter,
      maxKeepaliveConnections: 100,
    });
    expect(Value.Check(ForeignClientSchema, block)).toBe(true);
    const aiohttp = foreignClientBlock(resolveForeignOptions({ client: 'aiohttp', ...base }), py, PROBE.versions, {});
    expect(aiohttp).not.toHaveProperty('maxKeepaliveConnections');
    const httpx2 = { ...PROBE.versions, httpx2: '2.1.0' };
    expect(foreignClientBlock(options, py, httpx2, {})).toMatchObject({ packageName: 'httpx2', version: '2.1.0' });
  });

  it('a schemaVersion 2 record reads as version 3 with only its version rewritten', () => {
    const v2 = { schemaVersion: 2, kind: 'bench', runId: 'bench-00000000', label: 'x' };
    expect(migrateV2(v2)).toEqual({ ...v2, schemaVersion: 3 });
  });
});
