import { spawnSync } from 'node:child_process';
import { liveChildren } from '@casebook/procs';
import { CONTENDER_CLIENTS, foreignAvailability, runForeignBench } from '@casebook/runner';
import { describe, expect, it } from 'vitest';
import { FOREIGN_WORKER_SCRIPT } from '../packages/runner/src/foreign';

/**
 * The optional contenders (niquests, pyreqwest, curl_cffi) through the foreign runner against the lab's target. The
 * `contenders` set is optional: `npm run bootstrap -- --sets=contenders` makes it, CI never does, and without it every
 * test here is skipped, saying why.
 */
const SET = 'contenders';
const available = foreignAvailability(process.env, SET);

const LOAD = { set: SET, concurrency: 8, requests: 200, trials: 1, warmupRequests: 0 } as const;

describe('the optional contenders: protocol round-trip', () => {
  if (!available.available)
    it.skip(`skipped: the contenders set is not available here (${available.reason})`, () => {});

  it.skipIf(!available.available).each([...CONTENDER_CLIENTS])(
    '%s sends exactly the requests the target counted, with a pool of 4, read back from the live client',
    async (client) => {
      const record = await runForeignBench({ ...LOAD, client, maxConnections: 4 });
      expect(record.status, JSON.stringify(record.error)).toBe('completed');
      const [t] = record.trials;
      expect(t?.sent).toBe(200);
      expect(t?.ok).toBe(200);
      expect(t?.target?.requests).toBe(t?.sent);
      expect(record.target.requests).toBe(200);
      expect(record.errors.total).toBe(0);
      expect(record.client.name).toBe(`python-${client}`);
      expect(record.client.set).toBe(SET);
      expect(record.client.version).toMatch(/^\d+\.\d+\.\d+$/);
      expect(record.environment.clientVersions[`python:${client === 'curl_cffi' ? 'curl-cffi' : client}`]).toBe(
        record.client.version,
      );
      const s = record.client.settings;
      expect(s['client']).toBe(client);
      if (client === 'niquests') {
        // The host pool's own capacity, read after the load; at most 4 connections at the target.
        expect([s['niquests.pool_maxsize'], s['niquests.poolmanager.maxsize'], s['niquests.host_pools']]).toEqual([
          4, 4, 1,
        ]);
        expect(s['niquests.request_timeout_s']).toMatchObject({ passed: 30, connect: 30, read: 30 });
        expect(s['niquests.pool_timeout_s']).toEqual({ value: null, adapterPassesIt: false });
        expect(t?.target?.peakOpenConnections ?? 0).toBeLessThanOrEqual(4);
      } else if (client === 'curl_cffi') {
        expect([s['curl_cffi.max_clients'], s['curl_cffi.handle_pool.maxsize'], s['curl_cffi.timeout_s']]).toEqual([
          4, 4, 30,
        ]);
        expect(t?.target?.peakOpenConnections ?? 0).toBeLessThanOrEqual(4);
      } else {
        // Not readable from the live client: None, with what the builder was asked beside it.
        expect(s['pyreqwest.max_connections']).toBeNull();
        expect(s['pyreqwest.builder']).toEqual({ max_connections: 4 });
        // A limit on requests in flight, not on sockets: at most the 8 callers' connections.
        expect(t?.target?.peakOpenConnections ?? 0).toBeLessThanOrEqual(8);
      }
      expect(liveChildren()).toEqual([]);
    },
    60_000,
  );

  it.skipIf(!available.available)(
    "with no pool switch each runs at its library's defaults, read back (niquests 10, curl_cffi 10, pyreqwest unreadable)",
    async () => {
      const settings = [];
      for (const client of CONTENDER_CLIENTS) {
        const record = await runForeignBench({ ...LOAD, client });
        expect(record.status, JSON.stringify(record.error)).toBe('completed');
        expect(record.trials[0]?.target?.requests).toBe(200);
        settings.push(record.client.settings);
      }
      const [niquests, pyreqwest, curl] = settings;
      expect(niquests?.['niquests.pool_maxsize']).toBe(10);
      expect(niquests?.['niquests.timeout_s']).toBeNull();
      expect(pyreqwest?.['pyreqwest.builder']).toEqual({});
      expect(curl?.['curl_cffi.max_clients']).toBe(10);
      expect(liveChildren()).toEqual([]);
    },
    60_000,
  );

  it.skipIf(!available.available)('a switch the worker cannot map is refused at open, naming the field', async () => {
    // resolveForeignOptions refuses it first; a start message that carries it anyway is refused by the worker too.
    await expect(runForeignBench({ ...LOAD, client: 'niquests', maxKeepaliveConnections: 2 })).rejects.toThrow(
      /maxKeepaliveConnections/,
    );
    if (!available.available) return;
    const load = { mode: 'closed', concurrency: 1, requests: 1, path: '/', expectedStatus: 200, expectedBodyBytes: 0 };
    for (const [client, field] of [
      ['niquests', 'maxKeepaliveConnections'],
      ['pyreqwest', 'unboundedPoolWait'],
      ['curl_cffi', 'fastAcquire'],
    ] as const) {
      const start = { type: 'start', client, origin: 'http://127.0.0.1:9', load, warmupRequests: 0, trials: 1 };
      const value = field === 'maxKeepaliveConnections' ? 2 : true;
      const r = spawnSync(available.python, [FOREIGN_WORKER_SCRIPT], {
        input: `${JSON.stringify({ ...start, [field]: value })}\n`,
        encoding: 'utf8',
        timeout: 30_000,
      });
      const fatal = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as {
        type?: string;
        code?: string;
        message?: string;
      };
      expect(fatal).toMatchObject({ type: 'fatal', code: 'CASEBOOK_CLIENT_OPEN' });
      expect(fatal.message).toContain(`${field}:`);
    }
  });
});
