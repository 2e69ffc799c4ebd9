import { timeoutRow, timeoutsLikeForLike } from '@casebook/analysis';
import { describe, expect, it } from 'vitest';

const httpx = {
  label: 'as-reported · httpx',
  client: {
    settings: {
      'httpx.max_connections': 100,
      'httpx.timeout_s': { connect: 5, read: 5, write: 5, pool: 5 },
    },
  },
  errors: { byCode: { PoolTimeout: 3751, ConnectError: 2 } },
};
const aiohttp = {
  label: 'as-reported · aiohttp',
  client: {
    settings: {
      'aiohttp.limit': 100,
      'aiohttp.limit_per_host': 0,
      'aiohttp.timeout_s': { total: 300, connect: null, sock_read: null, sock_connect: 30 },
    },
  },
};

describe('effective timeouts from the live settings', () => {
  it('reads httpx pool wait 5 s against aiohttp total 300 s and no pool wait: not like for like', () => {
    const h = timeoutRow(httpx);
    const a = timeoutRow(aiohttp);
    expect(h).toMatchObject({ poolWaitS: 5, totalS: null, maxConnections: 100, timeoutErrors: 'PoolTimeout 3751' });
    expect(a).toMatchObject({
      poolWaitS: null,
      totalS: 300,
      connectS: null,
      sockConnectS: 30,
      maxConnections: 100,
      timeoutErrors: '',
    });
    expect(timeoutsLikeForLike(h, a)).toBe(false);
  });

  it('two clients with the same bounds are like for like', () => {
    expect(timeoutsLikeForLike(timeoutRow(httpx), timeoutRow({ ...httpx, label: 'latest · httpx' }))).toBe(true);
    expect(timeoutsLikeForLike(timeoutRow(aiohttp), timeoutRow(aiohttp))).toBe(true);
  });

  it('lists timeouts of the cold first gather and of the block a stall fault ended, apart from the measured ones', () => {
    const cold = timeoutRow({
      ...httpx,
      errors: { byCode: {} },
      warmup: { errors: { byCode: { PoolTimeout: 300, ConnectTimeout: 15, ReadError: 1 } } },
    });
    expect(cold).toMatchObject({ timeoutErrors: '', coldTimeoutErrors: 'PoolTimeout 300, ConnectTimeout 15' });
    const stalled = timeoutRow({
      ...httpx,
      errors: { byCode: {} },
      error: {
        code: 'CASEBOOK_CLIENT_STALLED',
        message:
          'no request answered or failed for 15 s while a block ran; the block so far: {"answered":3,"failed":420,"byCode":{"PoolTimeout":420},"busy":1}',
      },
    });
    expect(stalled).toMatchObject({ timeoutErrors: '', coldTimeoutErrors: '', faultTimeoutErrors: 'PoolTimeout 420' });
    // A fault without the payload (older records) lists nothing.
    expect(
      timeoutRow({ ...httpx, error: { code: 'CASEBOOK_CLIENT_STALLED', message: 'no request answered' } }),
    ).toMatchObject({ faultTimeoutErrors: '' });
  });

  it("the published httpx-aiohttp transport: the per-request ClientTimeout it passes, not the session's defaults", () => {
    const published = {
      label: 'latest · httpx-aiohttp',
      client: {
        settings: {
          'aiohttp.limit': 100,
          // The session's defaults (what seed-15163329 printed for this row): not what the requests ran with.
          'aiohttp.timeout_s': { total: 300, connect: null, sock_read: null, sock_connect: 30 },
          'aiohttp.request_timeout_s': { total: null, connect: 5, sock_read: 5, sock_connect: 5 },
        },
      },
      errors: { byCode: { ConnectTimeout: 412 } },
    };
    const row = timeoutRow(published);
    expect(row).toMatchObject({
      perRequest: true,
      totalS: null,
      connectS: 5,
      sockConnectS: 5,
      readS: 5,
      poolBoundS: 5,
      timeoutErrors: 'ConnectTimeout 412',
    });
    // Counterfactual: without the per-request reading, the session's 300 s total and 30 s sock connect would show.
    const sessionOnly = timeoutRow({ ...published, client: { settings: { ...aiohttp.client.settings } } });
    expect(sessionOnly).toMatchObject({ perRequest: false, totalS: 300, sockConnectS: 30, poolBoundS: null });
    expect(timeoutRow(httpx).poolBoundS).toBe(5);
  });

  it('a record without settings gives an empty row', () => {
    expect(timeoutRow({ label: 'x', client: {} })).toMatchObject({ poolWaitS: null, totalS: null, timeoutErrors: '' });
  });
});
