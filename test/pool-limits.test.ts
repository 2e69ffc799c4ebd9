import * as os from 'node:os';
import * as path from 'node:path';
import { undiciLiveSettings } from '@casebook/clients';
import { runBench } from '@casebook/runner';
import { littleBoundRps } from '@casebook/stats';
import { beforeAll, describe, expect, it } from 'vitest';

beforeAll(() => {
  // Records from these runs go to a scratch folder, never into results/.
  process.env['CASEBOOK_RESULTS_DIR'] ??= path.join(os.tmpdir(), 'casebook-pool-limits-test');
});

describe('pool limits: the N / L bound', () => {
  // A few points of the cap sweep: throughput ≤ N / L (2% for timer granularity: every request holds a connection for
  // at least L), and the pool full: the target sees exactly N at once. How near the bound a client gets on 2 shared,
  // noisy cores is a speed, measured by the notebook, not asserted here.
  it.each([
    ['undici-request', 2, 10],
    ['undici-request', 5, 50],
    ['node-http', 5, 10],
    ['undici-fetch', 2, 50],
  ] as const)(
    '%s with %i connections at %i ms never beats N/L and fills the pool to N',
    async (client, connections, delayMs) => {
      const bound = littleBoundRps(connections, delayMs);
      const requests = Math.round(bound * 0.6);
      const r = await runBench({
        client,
        connections,
        delayMs,
        concurrency: 64,
        requests,
        warmupRequests: 64,
        trials: 1,
      });
      expect(r.status).toBe('completed');
      expect(r.errors.total).toBe(0);
      expect(r.throughputRps).toBeLessThanOrEqual(bound * 1.02);
      expect(r.target.requests).toBe(requests);
      // The pool held the line and was used to the full: the target saw exactly N requests at once.
      expect(r.target.peakInFlight).toBe(connections);
    },
  );
});

describe('pool limits: queue wait and wire time', () => {
  it.each(['undici-request', 'node-http', 'got'] as const)(
    '%s: every request is split into queue and wire time, wire ≥ L, queue + wire ≤ total, and the queue ≥ about (C/N − 1) × L',
    async (client) => {
      const connections = 4;
      const delayMs = 10;
      const concurrency = 32;
      const r = await runBench({
        client,
        connections,
        delayMs,
        concurrency,
        requests: 400,
        warmupRequests: 64,
        trials: 1,
        queueTiming: true,
      });
      expect(r.status).toBe('completed');
      expect(r.queueMs?.count).toBe(r.latencyMs.count);
      expect(r.wireMs?.count).toBe(r.latencyMs.count);
      const queue = r.queueMs?.meanMs ?? Number.NaN;
      const wire = r.wireMs?.meanMs ?? Number.NaN;
      const total = r.latencyMs.meanMs;
      // Each request's wire time ends (response complete) before the runner sees it done: queue + wire never exceeds
      // the total (1% for the histograms' 3 significant digits). What is left is the client's own work after the
      // response ends, which grows with the machine's load: not asserted.
      expect(queue + wire).toBeLessThanOrEqual(total * 1.01);
      expect(wire).toBeGreaterThanOrEqual(delayMs * 0.9);
      // With C requests over N connections each held for at least L, a request waits behind about C/N − 1 others: a
      // lower bound (less 30% for the first requests of the trial, which find the queue still filling).
      const expectedQueue = (concurrency / connections - 1) * delayMs;
      expect(queue).toBeGreaterThanOrEqual(expectedQueue * 0.7);
      expect(r.target.peakInFlight).toBe(connections);
    },
  );
});

describe('pool limits: bursts after idle', () => {
  it.each(['undici-request', 'node-http'] as const)(
    "%s: sockets the client opens per burst match the target's counters",
    async (client) => {
      const burst = 300;
      const r = await runBench({
        client,
        concurrency: burst,
        requests: burst,
        warmupRequests: burst,
        trials: 2,
        delayMs: 5,
        idleBeforeTrialMs: 300,
        queueTiming: true,
      });
      expect(r.status).toBe('completed');
      for (const t of r.trials) {
        expect(t.clientSocketsOpened).toBe(t.target?.connectionsOpened);
      }
      if (client === 'node-http') {
        // maxFreeSockets 256: every burst of 300 reopens 300 − 256.
        const maxFree = r.client.settings['maxFreeSockets'] as number;
        for (const t of r.trials) expect(t.target?.connectionsOpened).toBe(burst - maxFree);
      }
    },
  );

  it('an idle gap longer than the server keep-alive timeout reopens every socket', async () => {
    const burst = 50;
    const r = await runBench({
      client: 'undici-request',
      concurrency: burst,
      requests: burst,
      warmupRequests: burst,
      trials: 1,
      delayMs: 5,
      idleBeforeTrialMs: 400,
      target: { keepAliveTimeoutMs: 100 },
      queueTiming: true,
    });
    expect(r.status).toBe('completed');
    expect(r.trials[0]?.target?.connectionsOpened).toBeGreaterThanOrEqual(burst);
    expect(r.trials[0]?.clientSocketsOpened).toBe(r.trials[0]?.target?.connectionsOpened);
  });
});

describe('pool limits: live settings', () => {
  it('reads the cap, pipelining and keep-alive timeout from a live undici Agent', async () => {
    const { Agent } = await import('undici');
    const http = await import('node:http');
    const server = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const agent = new Agent({ connections: 3, pipelining: 2 });
    try {
      expect(undiciLiveSettings(agent)['liveDispatcher']).toMatch(/none yet/);
      const res = await agent.request({ origin: `http://127.0.0.1:${port}`, path: '/', method: 'GET' });
      await res.body.arrayBuffer();
      const live = undiciLiveSettings(agent);
      expect(live['liveDispatcher']).toBe('Pool');
      expect(live['liveConnectionsCap']).toBe(3);
      expect(live['livePipelining']).toBe(2);
      expect(live['liveKeepAliveTimeoutMs']).toBe(4000);
    } finally {
      await agent.close();
      server.close();
    }
  });
});

describe('pool limits: options', () => {
  it('refuses options a client or target cannot honour, naming field and value', async () => {
    const { resolveBenchOptions } = await import('@casebook/runner');
    expect(() =>
      resolveBenchOptions({ client: 'node-http', concurrency: 1, requests: 1, pipelineBlocking: false }),
    ).toThrow(/pipelineBlocking/);
    expect(() =>
      resolveBenchOptions({ client: 'undici-request', concurrency: 1, requests: 1, target: { slowEvery: 1.5 } }),
    ).toThrow(/slowEvery/);
    expect(() =>
      resolveBenchOptions({ client: 'undici-request', concurrency: 1, requests: 1, idleBeforeTrialMs: -1 }),
    ).toThrow(/idleBeforeTrialMs/);
    const ok = resolveBenchOptions({
      client: 'undici-request',
      concurrency: 1,
      requests: 1,
      pipelining: 4,
      pipelineBlocking: false,
    });
    expect(ok.clientOptions.pipelineBlocking).toBe(false);
    expect(ok.load.queueTiming).toBe(false);
    expect(ok.load.idleBeforeTrialMs).toBe(0);
  });

  it('undici pipelines GETs only with blocking: false', async () => {
    const base = {
      client: 'undici-request',
      connections: 2,
      pipelining: 8,
      concurrency: 16,
      delayMs: 20,
      requests: 160,
      warmupRequests: 16,
      trials: 1,
    };
    const blocking = await runBench(base);
    const pipelined = await runBench({ ...base, pipelineBlocking: false });
    expect(blocking.target.peakInFlight).toBeLessThanOrEqual(2);
    expect(pipelined.target.peakInFlight).toBeGreaterThan(2);
    expect(pipelined.target.peakInFlight).toBeLessThanOrEqual(16);
  });
});
