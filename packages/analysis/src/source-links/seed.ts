import type { SourceLink } from './types';

/**
 * Source links of the seed notebook (see types.ts), pinned to the Python package versions of the client sets
 * (packages/runner/python/sets/*): 2022 = httpx 0.23.3 / httpcore 0.16.3 / anyio 3.6.2 / aiohttp 3.8.4; as-reported =
 * httpx 0.27.0 / httpcore 1.0.5; latest = httpx 0.28.1 / httpcore 1.0.9 / aiohttp 3.14.5 (its
 * links checked in the installed wheel, .venvs/latest-<hash>/lib/python3.11/site-packages/aiohttp); httpx2 = httpx2 / httpcore2.
 * Python sources are not in node_modules, so every link is `checkedByHand`: the token was checked in the linked lines
 * of the upstream tag (git mirrors of encode/httpcore, encode/httpx, agronholm/anyio, aio-libs/aiohttp); the httpx2
 * links in the PyPI wheel httpcore2 2.16.2, whose files sit under src/httpcore2/ in the repository. `source` is the
 * GitHub owner/name (types.ts falls back to it for the URL). Ids carry the `seed:` prefix.
 */
const HTTPCORE = 'encode/httpcore';
const POOL = 'httpcore/_async/connection_pool.py';

export const SEED_LINKS: readonly SourceLink[] = [
  // 2022: httpcore 0.16.3, the pool lock around every acquire and release, and the per-request scans.
  {
    id: 'seed:httpcore-0.16.3.pool-lock',
    source: HTTPCORE,
    tag: '0.16.3',
    file: POOL,
    lines: [107, 107],
    token: 'self._pool_lock = AsyncLock()',
    checkedByHand: true,
  },
  {
    id: 'seed:httpcore-0.16.3.acquire-under-lock',
    source: HTTPCORE,
    tag: '0.16.3',
    file: POOL,
    lines: [218, 219],
    token: 'async with self._pool_lock:',
    checkedByHand: true,
  },
  {
    id: 'seed:httpcore-0.16.3.waiting-scan',
    source: HTTPCORE,
    tag: '0.16.3',
    file: POOL,
    lines: [149, 153],
    token: 'waiting = [s for s in self._requests if s.connection is None]',
    checkedByHand: true,
  },
  {
    id: 'seed:httpcore-0.16.3.has-expired-walk',
    source: HTTPCORE,
    tag: '0.16.3',
    file: POOL,
    lines: [181, 188],
    token: 'if connection.has_expired():',
    checkedByHand: true,
  },
  {
    // The reconnect storm: any idle connection is closed while the TOTAL pool exceeds max_keepalive_connections
    // (len(self._pool), not the idle count), including one a queued request is about to take (encode/httpcore#1110).
    id: 'seed:httpcore-0.16.3.keepalive-close',
    source: HTTPCORE,
    tag: '0.16.3',
    file: POOL,
    lines: [190, 198],
    token: 'connection.is_idle() and pool_size > self._max_keepalive_connections',
    checkedByHand: true,
  },
  {
    id: 'seed:httpcore-0.16.3.response-closed-scan',
    source: HTTPCORE,
    tag: '0.16.3',
    file: POOL,
    lines: [277, 294],
    token: 'for status in self._requests:',
    checkedByHand: true,
  },
  {
    id: 'seed:httpcore-0.16.3.h11-parser',
    source: HTTPCORE,
    tag: '0.16.3',
    file: 'httpcore/_async/http11.py',
    lines: [60, 60],
    token: 'h11.Connection(our_role=h11.CLIENT)',
    checkedByHand: true,
  },
  {
    id: 'seed:httpcore-0.16.3.is-readable-poll',
    source: HTTPCORE,
    tag: '0.16.3',
    file: 'httpcore/_async/http11.py',
    lines: [248, 258],
    token: 'get_extra_info("is_readable")',
    checkedByHand: true,
  },
  {
    // anyio 3.6.2: an uncontended acquire still yields to the loop while holding the lock (anyio#761, httpcore#922).
    id: 'seed:anyio-3.6.2.lock-yields-held',
    source: 'agronholm/anyio',
    tag: '3.6.2',
    file: 'src/anyio/_core/_synchronization.py',
    lines: [119, 146],
    token: 'await cancel_shielded_checkpoint()',
    checkedByHand: true,
  },
  // as-reported: httpcore 1.0.5 (encode/httpx#3215): no pool lock, one assignment function, the idle count bug.
  {
    id: 'seed:httpcore-1.0.5.keepalive-close',
    source: HTTPCORE,
    tag: '1.0.5',
    file: POOL,
    lines: [252, 259],
    token: 'len([connection.is_idle() for connection in self._connections])',
    checkedByHand: true,
  },
  {
    id: 'seed:httpcore-1.0.5.queued-scan',
    source: HTTPCORE,
    tag: '1.0.5',
    file: POOL,
    lines: [262, 272],
    token: 'queued_requests = [request for request in self._requests if request.is_queued()]',
    checkedByHand: true,
  },
  // latest: httpcore 1.0.9 (encode/httpx 0.28.1): the same pool as 1.0.5; the anyio lock is per connection now.
  {
    id: 'seed:httpcore-1.0.9.no-pool-lock',
    source: HTTPCORE,
    tag: '1.0.9',
    file: POOL,
    lines: [123, 126],
    token: 'self._optional_thread_lock = AsyncThreadLock()',
    checkedByHand: true,
  },
  // The candidate mechanism of the 1.0.x collapse (not established by the runs): every queued request is given the
  // first available connection while it is still idle, the losers get ConnectionNotAvailable and go round the retry
  // loop, each retry waiting again with the full pool timeout; a cancellation reassigns every queued request. Checked
  // in the installed wheels (latest: 1.0.9; as-reported: 1.0.5, the same code 40 lines earlier, `avilable_connections`).
  {
    id: 'seed:httpcore-1.0.9.assign-first-available',
    source: HTTPCORE,
    tag: '1.0.9',
    file: POOL,
    lines: [302, 323],
    token: 'connection = available_connections[0]',
    checkedByHand: true,
  },
  // The double assignment (a candidate, untested; stated after seed-9d1b4a91): the whole assignment pass, from the
  // queued list to the hand-over of `available_connections[0]`, which stays available (idle) until its request sends,
  // so every queued request of the pass gets it; the create branch after it is never reached while it exists.
  {
    id: 'seed:httpcore-1.0.9.double-assignment',
    source: HTTPCORE,
    tag: '1.0.9',
    file: POOL,
    lines: [301, 323],
    token: 'connection = available_connections[0]',
    checkedByHand: true,
  },
  {
    id: 'seed:httpcore-1.0.9.connection-not-available',
    source: HTTPCORE,
    tag: '1.0.9',
    file: 'httpcore/_async/http11.py',
    lines: [72, 78],
    token: 'raise ConnectionNotAvailable()',
    checkedByHand: true,
  },
  {
    id: 'seed:httpcore-1.0.9.retry-loop',
    source: HTTPCORE,
    tag: '1.0.9',
    file: POOL,
    lines: [224, 246],
    token: 'pool_request.clear_connection()',
    checkedByHand: true,
  },
  {
    id: 'seed:httpcore-1.0.9.pool-timeout-per-retry',
    source: HTTPCORE,
    tag: '1.0.9',
    file: POOL,
    lines: [232, 232],
    token: 'await pool_request.wait_for_connection(timeout=timeout)',
    checkedByHand: true,
  },
  {
    id: 'seed:httpcore-1.0.9.cancel-reassigns',
    source: HTTPCORE,
    tag: '1.0.9',
    file: POOL,
    lines: [248, 255],
    token: 'closing = self._assign_requests_to_connections()',
    checkedByHand: true,
  },
  {
    id: 'seed:httpcore-1.0.5.assign-first-available',
    source: HTTPCORE,
    tag: '1.0.5',
    file: POOL,
    lines: [262, 283],
    token: 'connection = avilable_connections[0]',
    checkedByHand: true,
  },
  {
    id: 'seed:httpcore-1.0.5.retry-loop',
    source: HTTPCORE,
    tag: '1.0.5',
    file: POOL,
    lines: [184, 206],
    token: 'pool_request.clear_connection()',
    checkedByHand: true,
  },
  {
    id: 'seed:httpcore-1.0.9.keepalive-close',
    source: HTTPCORE,
    tag: '1.0.9',
    file: POOL,
    lines: [292, 299],
    token: 'len([connection.is_idle() for connection in self._connections])',
    checkedByHand: true,
  },
  {
    id: 'seed:httpcore-1.0.9.per-request-scans',
    source: HTTPCORE,
    tag: '1.0.9',
    file: POOL,
    lines: [301, 312],
    token: 'if connection.can_handle_request(origin) and connection.is_available()',
    checkedByHand: true,
  },
  {
    id: 'seed:httpcore-1.0.9.has-expired',
    source: HTTPCORE,
    tag: '1.0.9',
    file: POOL,
    lines: [288, 291],
    token: 'elif connection.has_expired():',
    checkedByHand: true,
  },
  {
    id: 'seed:httpcore-1.0.9.anyio-lock',
    source: HTTPCORE,
    tag: '1.0.9',
    file: 'httpcore/_synchronization.py',
    lines: [68, 68],
    token: 'self._anyio_lock = anyio.Lock()',
    checkedByHand: true,
  },
  {
    id: 'seed:httpcore-1.0.9.connection-state-lock',
    source: HTTPCORE,
    tag: '1.0.9',
    file: 'httpcore/_async/http11.py',
    lines: [58, 58],
    token: 'self._state_lock = AsyncLock()',
    checkedByHand: true,
  },
  // The fastAcquire switch (stated after seed-9d1b4a91): httpcore 1.0.9's per-connection request lock, and anyio
  // 4.16.0's asyncio Lock, which yields once on an uncontended acquire unless fast_acquire. Checked in the wheels.
  {
    id: 'seed:httpcore-1.0.9.connection-request-lock',
    source: HTTPCORE,
    tag: '1.0.9',
    file: 'httpcore/_async/connection.py',
    lines: [66, 66],
    token: 'self._request_lock = AsyncLock()',
    checkedByHand: true,
  },
  {
    id: 'seed:anyio-4.16.0.lock-fast-acquire',
    source: 'agronholm/anyio',
    tag: '4.16.0',
    file: 'src/anyio/_backends/_asyncio.py',
    lines: [2034, 2036],
    token: 'if not self._fast_acquire:',
    checkedByHand: true,
  },
  // httpx2: httpcore2's fast_acquire lock (#970) and single-pass assignment loop (#974).
  {
    id: 'seed:httpcore2.fast-acquire',
    source: 'pydantic/httpx2',
    tag: 'v2.16.2',
    file: 'src/httpcore2/httpcore2/_synchronization.py',
    lines: [69, 69],
    token: 'anyio.Lock(fast_acquire=True)',
    checkedByHand: true,
  },
  {
    id: 'seed:httpcore2.idle-surplus',
    source: 'pydantic/httpx2',
    tag: 'v2.16.2',
    file: 'src/httpcore2/httpcore2/_async/connection_pool.py',
    lines: [294, 303],
    token: 'idle_surplus',
    checkedByHand: true,
  },
  // httpcore2 reserves an idle connection already assigned to a request: it is left out of the available list until
  // the winning task sends on it (no second assignment, no ConnectionNotAvailable churn). Checked in the wheel.
  {
    id: 'seed:httpcore2.reserve-assigned-idle',
    source: 'pydantic/httpx2',
    tag: 'v2.16.2',
    file: 'src/httpcore2/httpcore2/_async/connection_pool.py',
    lines: [313, 324],
    token: 'connection in request_connections and not connection.can_multiplex()',
    checkedByHand: true,
  },
  {
    id: 'seed:httpcore2.single-pass',
    source: 'pydantic/httpx2',
    tag: 'v2.16.2',
    file: 'src/httpcore2/httpcore2/_async/connection_pool.py',
    lines: [319, 333],
    token: 'new_connection_budget <= 0',
    checkedByHand: true,
  },
  // httpx's default limits (unchanged 0.23 → 0.28): 100 connections, 20 kept alive.
  {
    id: 'seed:httpx-0.28.1.default-limits',
    source: 'encode/httpx',
    tag: '0.28.1',
    file: 'httpx/_config.py',
    lines: [247, 247],
    token: 'Limits(max_connections=100, max_keepalive_connections=20)',
    checkedByHand: true,
  },
  {
    id: 'seed:httpx-0.23.3.default-limits',
    source: 'encode/httpx',
    tag: '0.23.3',
    file: 'httpx/_config.py',
    lines: [365, 365],
    token: 'Limits(max_connections=100, max_keepalive_connections=20)',
    checkedByHand: true,
  },
  // aiohttp: the connector's limit of 100 (idle connections kept without a cap) and its C parser.
  {
    id: 'seed:aiohttp-3.8.4.connector-limit',
    source: 'aio-libs/aiohttp',
    tag: 'v3.8.4',
    file: 'aiohttp/connector.py',
    lines: [762, 762],
    token: 'limit: int = 100',
    checkedByHand: true,
  },
  {
    id: 'seed:aiohttp-3.14.5.connector-limit',
    source: 'aio-libs/aiohttp',
    tag: 'v3.14.5',
    file: 'aiohttp/connector.py',
    lines: [992, 992],
    token: 'limit: int = 100',
    checkedByHand: true,
  },
  // The unfair queue: connect() takes an idle pooled connection before any waiter is served (checked in the installed
  // wheel of the latest set, aiohttp 3.14.5).
  {
    id: 'seed:aiohttp-3.14.5.idle-before-waiters',
    source: 'aio-libs/aiohttp',
    tag: 'v3.14.5',
    file: 'aiohttp/connector.py',
    lines: [636, 641],
    token: 'if (conn := await self._get(key, traces)) is not None:',
    checkedByHand: true,
  },
  // A per-request ClientTimeout replaces the session's (what the published httpx-aiohttp transport passes).
  {
    id: 'seed:aiohttp-3.14.5.per-request-timeout',
    source: 'aio-libs/aiohttp',
    tag: 'v3.14.5',
    file: 'aiohttp/client.py',
    lines: [694, 700],
    token: 'real_timeout = timeout',
    checkedByHand: true,
  },
  // After seed-f81740df (its second reader, finding 8): the yield between assignment and ACTIVE, the request lock's
  // acquire before the HTTP/1.1 state check (httpcore 1.0.9 wheel of the latest set, lines and tokens checked there).
  {
    id: 'seed:httpcore-1.0.9.request-lock-acquire',
    source: HTTPCORE,
    tag: '1.0.9',
    file: 'httpcore/_async/connection.py',
    lines: [76, 76],
    token: 'async with self._request_lock:',
    checkedByHand: true,
  },
  {
    id: 'seed:httpcore-1.0.9.idle-to-active',
    source: HTTPCORE,
    tag: '1.0.9',
    file: 'httpcore/_async/http11.py',
    lines: [72, 75],
    token: 'async with self._state_lock:',
    checkedByHand: true,
  },
  // After seed-e65a2755 (its second reader, finding 3; httpcore 1.0.9 wheel of the latest set, lines and tokens checked
  // there): within one assignment pass every queued request is handed available_connections[0], whatever the lock; the
  // create branch, reached when no idle connection is available (the fast_acquire arm after the keep-alive close).
  {
    id: 'seed:httpcore-1.0.9.within-pass-sharing',
    source: HTTPCORE,
    tag: '1.0.9',
    file: POOL,
    lines: [320, 323],
    token: 'connection = available_connections[0]',
    checkedByHand: true,
  },
  {
    id: 'seed:httpcore-1.0.9.create-branch',
    source: HTTPCORE,
    tag: '1.0.9',
    file: POOL,
    lines: [324, 328],
    token: 'elif len(self._connections) < self._max_connections:',
    checkedByHand: true,
  },
  // The assignment pass `pass-share-fastacquire` times (stated after seed-e65a2755, finding 2; seed-gathers.ts
  // ASSIGNMENT_PASS_LINKS): the whole method, its cleanup over every connection, its lists per queued request, and
  // has_expired's idle-socket poll (http11.py). Lines and tokens checked at tag 1.0.9.
  {
    id: 'seed:httpcore-1.0.9.assignment-pass',
    source: HTTPCORE,
    tag: '1.0.9',
    file: POOL,
    lines: [270, 339],
    token: 'def _assign_requests_to_connections(self) -> list[AsyncConnectionInterface]:',
    checkedByHand: true,
  },
  {
    id: 'seed:httpcore-1.0.9.assignment-cleanup',
    source: HTTPCORE,
    tag: '1.0.9',
    file: POOL,
    lines: [284, 299],
    token: 'for connection in list(self._connections):',
    checkedByHand: true,
  },
  {
    id: 'seed:httpcore-1.0.9.assignment-per-queued-request',
    source: HTTPCORE,
    tag: '1.0.9',
    file: POOL,
    lines: [301, 337],
    token: 'for pool_request in queued_requests:',
    checkedByHand: true,
  },
  {
    id: 'seed:httpcore-1.0.9.has-expired-idle-poll',
    source: HTTPCORE,
    tag: '1.0.9',
    file: 'httpcore/_async/http11.py',
    lines: [274, 286],
    token: 'self._network_stream.get_extra_info("is_readable")',
    checkedByHand: true,
  },
  // The FastAPI app's threadpool (finding 11), checked in the wheels of the latest set
  // (.venvs/latest-<hash>/lib/python3.11/site-packages): a `def` route runs in run_in_threadpool, which sends it to
  // anyio.to_thread.run_sync, whose default limiter is CapacityLimiter(40).
  {
    id: 'seed:fastapi-0.165.0.def-route-threadpool',
    source: 'fastapi/fastapi',
    tag: '0.165.0',
    file: 'fastapi/routing.py',
    lines: [382, 385],
    token: 'return await run_in_threadpool(',
    checkedByHand: true,
  },
  {
    id: 'seed:starlette-1.10.0.run-in-threadpool',
    source: 'encode/starlette',
    tag: '1.10.0',
    file: 'starlette/concurrency.py',
    lines: [32, 34],
    token: 'anyio.to_thread.run_sync(func)',
    checkedByHand: true,
  },
  {
    id: 'seed:anyio-4.16.0.default-thread-limiter',
    source: 'agronholm/anyio',
    tag: '4.16.0',
    file: 'src/anyio/_backends/_asyncio.py',
    lines: [3257, 3257],
    token: 'CapacityLimiter(40)',
    checkedByHand: true,
  },
  {
    id: 'seed:aiohttp-3.14.5.c-parser',
    source: 'aio-libs/aiohttp',
    tag: 'v3.14.5',
    file: 'aiohttp/http_parser.py',
    lines: [1292, 1292],
    token: 'from ._http_parser import',
    checkedByHand: true,
  },
];
