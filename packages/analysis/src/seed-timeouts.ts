/**
 * The effective timeouts and pool limits of a Python client, as the worker read them from the live objects (httpx
 * `client.timeout` and its pool's limits; aiohttp `session.timeout` and its connector's `limit` / `limit_per_host`)
 * and recorded them in each measurement's client settings. The clients keep their own defaults, and those differ:
 * httpx bounds the wait for a pooled connection (5 s `pool`), aiohttp has no pool timeout and one 300 s total. A
 * client that cannot serve its waiters within httpx's pool timeout turns the wait into `PoolTimeout` errors; aiohttp
 * would wait instead. So the two are not like for like under overload, and the rows that failed on a timeout say so.
 */

export interface TimeoutRow {
  label: string;
  /** Seconds, or null where the client has no such bound (aiohttp's pool wait, an unset field). */
  connectS: number | null;
  readS: number | null;
  writeS: number | null;
  /** The wait for a pooled connection (httpx `pool`); null for aiohttp, which has none. */
  poolWaitS: number | null;
  /** One bound on the whole request (aiohttp `total`); null for httpx, which has none. */
  totalS: number | null;
  /** Connections the pool allows (httpx max_connections, aiohttp limit; 0 in aiohttp means no limit). */
  maxConnections: number | null;
  /** Requests that failed on a timeout in the measurement, by code (`PoolTimeout 3751`); '' when none. */
  timeoutErrors: string;
}

const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);
const fields = (x: unknown): ReadonlyMap<string, unknown> =>
  new Map<string, unknown>(typeof x === 'object' && x !== null ? Object.entries(x) : []);

/** Error codes that are a client's timeout firing (httpx's *Timeout classes, asyncio's and aiohttp's). */
const isTimeoutCode = (code: string): boolean => /Timeout/i.test(code);

/**
 * One row per measurement from its recorded settings. A client over an aiohttp session (aiohttp, the published
 * transport) reads aiohttp's fields; a pure httpx client reads httpx's. The shim is httpx over aiohttp: its requests
 * are bounded by aiohttp's session, so aiohttp's fields are the ones that apply.
 */
export function timeoutRow(m: {
  label: string;
  client: { settings?: Readonly<Record<string, unknown>> };
  errors?: { byCode: Readonly<Record<string, number>> };
}): TimeoutRow {
  const s = m.client.settings ?? {};
  const aio = fields(s['aiohttp.timeout_s']);
  const hx = fields(s['httpx.timeout_s']);
  const overAiohttp = 'aiohttp.timeout_s' in s;
  const timeoutErrors = Object.entries(m.errors?.byCode ?? {})
    .filter(([code]) => isTimeoutCode(code))
    .sort((a, b) => b[1] - a[1])
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
  return overAiohttp
    ? {
        label: m.label,
        connectS: num(aio.get('connect')) ?? num(aio.get('sock_connect')),
        readS: num(aio.get('sock_read')),
        writeS: null,
        poolWaitS: null,
        totalS: num(aio.get('total')),
        maxConnections: num(s['aiohttp.limit']),
        timeoutErrors,
      }
    : {
        label: m.label,
        connectS: num(hx.get('connect')),
        readS: num(hx.get('read')),
        writeS: num(hx.get('write')),
        poolWaitS: num(hx.get('pool')),
        totalS: null,
        maxConnections: num(s['httpx.max_connections']),
        timeoutErrors,
      };
}

/**
 * Sanity check of the setting, not of a client: the timeouts are like for like only when both rows bound the same
 * waits. False when one bounds the pool wait and the other does not, or their totals differ.
 */
export function timeoutsLikeForLike(a: TimeoutRow, b: TimeoutRow): boolean {
  return (a.poolWaitS === null) === (b.poolWaitS === null) && a.poolWaitS === b.poolWaitS && a.totalS === b.totalS;
}
