import { parseStallPayload } from './seed-stalls';

/**
 * The effective timeouts and pool limits of a Python client, as the worker read them from the live objects (httpx
 * `client.timeout` and its pool's limits; aiohttp `session.timeout` and its connector's `limit` / `limit_per_host`)
 * and recorded them in each measurement's client settings. The clients keep their own defaults, and those differ:
 * httpx bounds the wait for a pooled connection (5 s `pool`); aiohttp has no pool timeout, a 300 s total, and from
 * some releases a `sock_connect` bound too (3.14.5's DEFAULT_TIMEOUT sets 30 s; 3.8.4's sets none) — the values come
 * from the record, never from this comment. A client that cannot serve its waiters within httpx's pool timeout turns
 * the wait into `PoolTimeout` errors; aiohttp would wait instead. So the two are not like for like under overload, and
 * the rows that failed on a timeout say so: in the measured trials or windows, in the first (cold) gather, or in the
 * block the worker gave up on (from the stall fault's payload, the only trace of that block).
 *
 * A client whose requests carry their own timeout reads that one: the published httpx-aiohttp transport (0.2.0)
 * passes `ClientTimeout(sock_connect=connect, sock_read=read, connect=pool)` from httpx's 5 s defaults with every
 * request, replacing the session's (aiohttp's `connect` includes the wait for a pooled connection), and maps aiohttp's
 * ClientConnectionError to httpx's ConnectTimeout. The worker reads it from the transport's own code path
 * (`aiohttp.request_timeout_s`); with httpx's default 5 s pool wait its waiters fail after 5 s like httpx's, they do
 * not wait as aiohttp's would. With `pool=None` it passes `connect=None`, and its waiters wait (`poolBoundS` null).
 */

export interface TimeoutRow {
  label: string;
  /** Seconds, or null where the client has no such bound (aiohttp's pool wait, an unset field). */
  connectS: number | null;
  /** aiohttp's `sock_connect` (the socket connect alone), apart from its `connect` (which includes the pool wait). */
  sockConnectS: number | null;
  readS: number | null;
  writeS: number | null;
  /** The wait for a pooled connection (httpx `pool`); null for aiohttp, which has none. */
  poolWaitS: number | null;
  /** One bound on the whole request (aiohttp `total`); null for httpx, which has none. */
  totalS: number | null;
  /** Connections the pool allows (httpx max_connections, aiohttp limit; 0 in aiohttp means no limit). */
  maxConnections: number | null;
  /** The values are the per-request timeout the transport passes (not the session's defaults). */
  perRequest: boolean;
  /**
   * The wait for a pooled connection is bounded: httpx's `pool`, or aiohttp's `connect` (which includes that wait) —
   * a waiter not served within it fails instead of waiting. null: no bound.
   */
  poolBoundS: number | null;
  /** Requests that failed on a timeout in the measurement, by code (`PoolTimeout 3751`); '' when none. */
  timeoutErrors: string;
  /** …in the first gather of a cold client (the phase method's warm-up, left out of the batch times); '' when none. */
  coldTimeoutErrors: string;
  /** …in the block a stall fault ended (from the fault's payload; the parent keeps no window of it); '' when none. */
  faultTimeoutErrors: string;
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
const timeoutText = (byCode: Readonly<Record<string, number>>): string =>
  Object.entries(byCode)
    .filter(([code]) => isTimeoutCode(code))
    .sort((a, b) => b[1] - a[1])
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');

export function timeoutRow(m: {
  label: string;
  client: { settings?: Readonly<Record<string, unknown>> };
  errors?: { byCode: Readonly<Record<string, number>> };
  warmup?: { errors: { byCode: Readonly<Record<string, number>> } } | null;
  error?: { code: string; message: string } | null;
}): TimeoutRow {
  const s = m.client.settings ?? {};
  const perRequest = 'aiohttp.request_timeout_s' in s && fields(s['aiohttp.request_timeout_s']).has('connect');
  const aio = fields(perRequest ? s['aiohttp.request_timeout_s'] : s['aiohttp.timeout_s']);
  const hx = fields(s['httpx.timeout_s']);
  const overAiohttp = 'aiohttp.timeout_s' in s;
  const timeoutErrors = timeoutText(m.errors?.byCode ?? {});
  const coldTimeoutErrors = timeoutText(m.warmup?.errors.byCode ?? {});
  const faultTimeoutErrors = timeoutText(parseStallPayload(m.error?.message)?.byCode ?? {});
  const counts = { timeoutErrors, coldTimeoutErrors, faultTimeoutErrors };
  return overAiohttp
    ? {
        label: m.label,
        connectS: num(aio.get('connect')),
        sockConnectS: num(aio.get('sock_connect')),
        readS: num(aio.get('sock_read')),
        writeS: null,
        poolWaitS: null,
        totalS: num(aio.get('total')),
        maxConnections: num(s['aiohttp.limit']),
        perRequest: perRequest,
        poolBoundS: num(aio.get('connect')),
        ...counts,
      }
    : {
        label: m.label,
        connectS: num(hx.get('connect')),
        sockConnectS: null,
        readS: num(hx.get('read')),
        writeS: num(hx.get('write')),
        poolWaitS: num(hx.get('pool')),
        totalS: null,
        maxConnections: num(s['httpx.max_connections']),
        perRequest: false,
        poolBoundS: num(hx.get('pool')),
        ...counts,
      };
}

/**
 * Sanity check of the setting, not of a client: the timeouts are like for like only when both rows bound the same
 * waits. False when one bounds the pool wait and the other does not, or their totals differ.
 */
export function timeoutsLikeForLike(a: TimeoutRow, b: TimeoutRow): boolean {
  return (a.poolWaitS === null) === (b.poolWaitS === null) && a.poolWaitS === b.poolWaitS && a.totalS === b.totalS;
}
