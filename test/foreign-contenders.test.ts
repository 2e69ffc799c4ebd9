import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CONTENDER_COLUMNS,
  CONTENDER_REFERENCE,
  CONTENDER_SET,
  type ContenderRecord,
  contenderGathers,
  contenderPoolLimit,
  contenderTable,
  splitContenders,
} from '@casebook/analysis';
import { findRepoRoot } from '@casebook/results';
import { describe, expect, it } from 'vitest';
import {
  CONTENDER_CLIENTS,
  FOREIGN_CLIENT_INFO,
  FOREIGN_CLIENTS,
  foreignClientStart,
  foreignEnvironmentVersions,
  resolveForeignOptions,
} from '../packages/runner/src/foreign';

// The optional contenders (issue 14 item 1): their options, names and versions in records, and the notebook's table of
// them, on constructed data. No process, socket or server (the process test is seed-contenders.test.ts).

const VERSIONS = {
  python: '3.11.7',
  niquests: '3.21.2',
  'urllib3-future': '2.25.904',
  pyreqwest: '0.15.1',
  'curl-cffi': '0.17.0',
  httpx: null,
  aiohttp: null,
};

describe('the contenders as foreign clients', () => {
  it('are the clients the contenders set declares, after the four of httpx and aiohttp', () => {
    const file = path.join(findRepoRoot(), 'packages', 'runner', 'python', 'sets', 'sets.json');
    const sets = (JSON.parse(fs.readFileSync(file, 'utf8')) as { sets: { name: string; clients: string[] }[] }).sets;
    expect(sets.find((s) => s.name === CONTENDER_SET)?.clients).toEqual([...CONTENDER_CLIENTS]);
    expect(FOREIGN_CLIENTS.slice(4)).toEqual([...CONTENDER_CLIENTS]);
    expect(contenderGathers().map((g) => g.client)).toEqual([...CONTENDER_CLIENTS]);
  });

  it('map maxConnections (or connections) onto the start message; nothing else is sent', () => {
    for (const client of CONTENDER_CLIENTS) {
      const o = resolveForeignOptions({ client, set: 'contenders', concurrency: 8, requests: 200, maxConnections: 4 });
      expect(o.clientOptions.connections).toBe(4);
      const start = foreignClientStart(o, 'http://127.0.0.1:1');
      expect(start).toMatchObject({ client, maxConnections: 4, maxKeepaliveConnections: null, loop: 'asyncio' });
      expect(start).not.toHaveProperty('unboundedPoolWait');
      expect(start).not.toHaveProperty('fastAcquire');
      const short = resolveForeignOptions({ client, concurrency: 8, requests: 200, connections: 6 });
      expect([short.clientOptions.connections, short.foreign.maxKeepaliveConnections]).toEqual([6, null]);
      // Without a limit: the library's default (null), read back from the live client by the worker.
      expect(resolveForeignOptions({ client, concurrency: 8, requests: 200 }).clientOptions.connections).toBeNull();
    }
  });

  it('refuse the switches they have no counterpart for, naming the field and the value', () => {
    for (const client of CONTENDER_CLIENTS) {
      const base = { client, concurrency: 8, requests: 200 };
      expect(() => resolveForeignOptions({ ...base, maxKeepaliveConnections: 4 })).toThrow(
        /invalid maxKeepaliveConnections: 4.*only httpx takes a keep-alive count/,
      );
      expect(() => resolveForeignOptions({ ...base, unboundedPoolWait: true })).toThrow(
        new RegExp(`invalid unboundedPoolWait: true.*${client} waits for a connection under its own rules`),
      );
      expect(() => resolveForeignOptions({ ...base, fastAcquire: true })).toThrow(
        /invalid fastAcquire: true.*only httpx/,
      );
      expect(() => resolveForeignOptions({ ...base, maxConnections: 0 })).toThrow(/maxConnections/);
    }
  });

  it('name their package, exact version and source in records, and their versions in the environment', () => {
    const names = CONTENDER_CLIENTS.map((c) => FOREIGN_CLIENT_INFO[c].recordName);
    expect(names).toEqual(['python-niquests', 'python-pyreqwest', 'python-curl_cffi']);
    expect(CONTENDER_CLIENTS.map((c) => FOREIGN_CLIENT_INFO[c].version(VERSIONS))).toEqual([
      '3.21.2',
      '0.15.1',
      '0.17.0',
    ]);
    expect(CONTENDER_CLIENTS.map((c) => FOREIGN_CLIENT_INFO[c].sourceUrl(VERSIONS))).toEqual([
      'https://pypi.org/project/niquests/3.21.2/',
      'https://pypi.org/project/pyreqwest/0.15.1/',
      'https://pypi.org/project/curl-cffi/0.17.0/',
    ]);
    for (const c of CONTENDER_CLIENTS) expect(FOREIGN_CLIENT_INFO[c].description).toContain('optional contender');
    expect(foreignEnvironmentVersions(VERSIONS)).toEqual({
      'python:python': '3.11.7',
      'python:niquests': '3.21.2',
      'python:urllib3-future': '2.25.904',
      'python:pyreqwest': '0.15.1',
      'python:curl-cffi': '0.17.0',
    });
  });
});

/** A gather record: `cpu` µs/request per measured batch, 512 requests each, the target's peak and new sockets. */
function gather(
  label: string,
  settings: Record<string, unknown>,
  cpu: number[],
  peak: number,
  opened: number,
  failed = 0,
): ContenderRecord {
  return {
    label,
    client: { name: label, settings },
    warmup: { sent: 512 },
    error: null,
    trials: cpu.map((c, i) => ({
      durationMs: 100 + i,
      sent: 512,
      cpuMicrosPerRequest: c,
      errors: { total: i === 0 ? failed : 0, byCode: i === 0 && failed ? { ReadTimeout: failed } : {} },
      target: { connectionsOpened: opened, peakOpenConnections: peak },
    })),
  };
}

describe("the notebook's table of contenders (exploratory, never counted)", () => {
  const labels = contenderGathers().map((g) => g.label);
  const aio = (k: number, cpu: number[]) =>
    gather(`${CONTENDER_REFERENCE} · process ${k}`, { client: 'aiohttp', 'aiohttp.limit': 100 }, cpu, 100, 0);
  const reference = [aio(1, [1000, 1000, 1000, 1000]), aio(2, [1000, 1000, 1000, 1000])];
  const [niq, req, curl] = [
    gather(
      labels[0] ?? '',
      { 'niquests.pool_maxsize': 10, 'niquests.poolmanager.maxsize': 10 },
      [3000, 3000, 3000, 3000],
      10,
      0,
    ),
    gather(
      labels[1] ?? '',
      { 'pyreqwest.max_connections': null, 'pyreqwest.builder': {} },
      [500, 500, 500, 500],
      512,
      2,
    ),
    gather(
      labels[2] ?? '',
      { 'curl_cffi.max_clients': 10, 'curl_cffi.handle_pool.maxsize': 10 },
      [800, 800, 800, 800],
      10,
      0,
      3,
    ),
  ];

  it('labels every contender as one, and keeps them out of the gathers the claims read', () => {
    expect(labels).toEqual([
      'contenders · niquests (optional contender) @ 0 ms',
      'contenders · pyreqwest (optional contender) @ 0 ms',
      'contenders · curl_cffi (optional contender) @ 0 ms',
    ]);
    expect(contenderGathers().every((g) => g.set === 'contenders' && g.delayMs === 0)).toBe(true);
    const all = [...reference, niq, req, curl].filter((r) => r !== undefined);
    const { gather: others, contenders } = splitContenders(all);
    expect(contenders.map((r) => r.label)).toEqual(labels);
    expect(others.map((r) => r.label)).toEqual(reference.map((r) => r.label));
    // A label that only starts like a set name is not a contender.
    expect(splitContenders([{ label: 'contenders · niquests @ 0 ms' }]).contenders).toEqual([]);
  });

  it('reads each pool limit back as its library bounds it; pyreqwest says it cannot be read', () => {
    expect(contenderPoolLimit({ 'niquests.pool_maxsize': null, 'niquests.poolmanager.maxsize': 10 })).toBe(
      '10 connections (niquests pool_maxsize)',
    );
    expect(contenderPoolLimit({ 'curl_cffi.max_clients': 4, 'curl_cffi.handle_pool.maxsize': 4 })).toBe(
      '4 transfers (curl_cffi max_clients)',
    );
    expect(contenderPoolLimit({ 'pyreqwest.max_connections': null, 'pyreqwest.builder': {} })).toBe(
      'not readable (pyreqwest; none asked: no limit by default)',
    );
    expect(contenderPoolLimit({ 'pyreqwest.max_connections': null, 'pyreqwest.builder': { max_connections: 4 } })).toBe(
      'not readable (pyreqwest; asked 4 requests in flight)',
    );
    expect(contenderPoolLimit({ 'aiohttp.limit': 100 })).toBe('100 connections (aiohttp limit)');
    expect(contenderPoolLimit({})).toBe('—');
  });

  it('gives the reference first, then each contender: CPU, its ratio to latest · aiohttp, sockets, limit, errors', () => {
    if (!niq || !req || !curl) throw new Error('fixtures');
    const rows = contenderTable([niq, req, curl], reference, 1);
    expect(Object.keys(rows[0] ?? {})).toEqual(CONTENDER_COLUMNS);
    expect(rows.map((r) => r['measurement'])).toEqual([
      'latest · aiohttp @ 0 ms (the reference)',
      ...labels.map((l) => `${l} — exploratory, never counted`),
    ]);
    const [ref, n, p, c] = rows;
    expect(ref?.['CPU µs/req']).toBe('1,000');
    // Since seed-894dfcb9 (finding 7; deliberately) no ratio of medians: contenderReferenceRows gives the ratios.
    expect(ref).not.toHaveProperty(`÷ ${CONTENDER_REFERENCE} (exploratory)`);
    expect(ref?.['batches kept (of measured)']).toBe('6 (of 8)');
    expect(n?.['CPU µs/req']).toBe('3,000');
    expect(n?.['batches kept (of measured)']).toBe('3 (of 4)');
    expect(n?.['peak open (target), per batch']).toBe('10–10');
    expect(n?.['pool limit (read back)']).toBe('10 connections (niquests pool_maxsize)');
    expect(p?.['new sockets per request']).toBe('0.004');
    expect(p?.['pool limit (read back)']).toBe('not readable (pyreqwest; none asked: no limit by default)');
    // Errors over every measured batch, the warm-up ones included (as section 1's table counts them).
    expect(c?.errors).toBe('3 of 2048 (ReadTimeout 3)');
    expect(n?.errors).toBe('0');
    // Without the reference (latest not measured): no first row.
    const alone = contenderTable([niq], [], 1);
    expect(alone).toHaveLength(1);
  });
});
