"""Foreign-client worker for the Concurrency Casebook runner.

One Python HTTP client, alone in its own process, driven by the Node runner over stdin/stdout (one JSON object per
line). Two protocols, the same as Node clients speak:

- the phase method (default): parent -> worker {"type": "start", ...} then {"type": "go"} before each phase; worker ->
  parent "ready", "phase-start", "progress", "phase-end" (raw per-request latencies in microseconds, errors by code,
  process CPU time), "done" or "fatal". A trial of N requests at concurrency N is the seed's own measure: a gather of N
  on one client, timed as a batch.
- the steady-state method (`--continuous`): "start" -> "ready"; each {"type": "block"} starts a continuous load (closed
  or open loop) that reports a "window" every windowMs without stopping its lanes, until {"type": "pause"} ->
  "paused" (the partial window); {"type": "finish"} -> "done". Windows are cut by a thread, not on the client's
  loop (ContinuousLoad); with "minWindowRequests": N in the start message (default 0) a window is cut only at a
  boundary where at least N requests ended in it, so it spans a whole multiple of windowMs.

The start message is read before the event loop exists, because it names the loop (asyncio or uvloop). Every library
is imported lazily, so an environment without one package still runs the clients that do not need it. The worker
exits when its stdin closes, or quietly (exit 0) when a message finds its stdout closed: either way the parent is gone.

`--probe` prints one JSON line: every installed distribution's version, the interpreter (version, implementation,
build, compiler, free-threaded), and which clients and loops import here (null, or why not). It exits 0 when at least
one client imports, 3 otherwise.
"""

import asyncio
import json
import os
import resource
import sys
import threading
import time

# The optional contenders (issue 14 item 1; the `contenders` set): each its own library, one client for all requests.
CONTENDERS = ("niquests", "pyreqwest", "curl_cffi")
CLIENTS = ("httpx", "aiohttp", "httpx-aiohttp-seed", "httpx-aiohttp") + CONTENDERS
LOOPS = ("asyncio", "uvloop")
# Distributions the record names by key even when absent (null), so a reader sees what was not installed.
RELEVANT = ("httpx", "httpx2", "httpcore", "httpcore2", "anyio", "h11", "aiohttp", "httpx-aiohttp", "uvloop", "yarl",
            "multidict", "niquests", "urllib3-future", "pyreqwest", "curl-cffi")
# Lines of progress at most this often in a phase (each costs a write and a parse on the parent side).
PROGRESS_EVERY_S = 0.2
# The open loop checks what is due this often (seconds); requests are timed from their intended start regardless.
OPEN_LOOP_TICK_S = 0.001
# How long pause() waits for the requests in flight. Twice the longest default timeout of the clients here (httpx: 5 s
# for each of connect, read, write and pool; aiohttp's sock_connect 30 s is not a per-request bound under a pool, its
# total 300 s is): a request still in flight after this is stalled, not slow. It is cancelled and counted as an error
# ("AbandonedAtPause"), so a client that stalls shows as a fault of its own instead of hanging the whole run.
PAUSE_GRACE_S = 10.0
# If no request is answered *or fails* this long while a block runs (or the pause is not answered this long), the
# client has stalled: a monitor thread reports CASEBOOK_CLIENT_STALLED and ends the process, so the run records the
# fault in seconds and goes on with the other measurements instead of waiting for its block timeout. The rule is
# requests that ended (a response or an error), not windows: a loop that still emits windows but ends no request is
# stalled too, a client that is merely slow (one answer every few seconds) is not, and neither is one that fails its
# requests (a PoolTimeout every 5 s is a client that runs and fails, counted as errors in its windows). 15 s is three
# of httpx's 5 s default timeouts: a live client answers or fails a request well within it.
STALL_WATCHDOG_S = PAUSE_GRACE_S + 5.0
# The pause has its own, longer watchdog: it waits PAUSE_GRACE_S for the requests in flight, then cancels the rest, and
# cancelling 512 queued httpx requests re-runs the pool's reassignment for each of them (httpcore 1.0.x), so a slow
# pause may be the harness's cancellation, not a stopped client. 30 s, under the runner's 40 s pause limit
# (blocks.ts PAUSE_LIMIT_MS), so the worker's account of the block arrives first. Added after seed-15163329. Reported
# as CASEBOOK_PAUSE_UNANSWERED (not CLIENT_STALLED) since seed-7326eaa1: the block's measured windows are data.
PAUSE_WATCHDOG_S = PAUSE_GRACE_S + 20.0

# When a request last ended, answered or failed (monotonic seconds; written by the event loop, read by the stall
# monitor). The name is kept for the fixtures that drive the monitor.
LAST_ANSWER = {"at": time.monotonic()}

# What the current block did so far, for the stall fault: the parent keeps a block only when it completes, so a block
# the monitor gives up on would otherwise leave no data. Reset when a block starts (ContinuousLoad), counted by
# Counters, read by the monitor thread (ints and a dict updated under the GIL; a torn read costs one request).
BLOCK = {"t0": None, "ru0": None, "answered": 0, "failed": 0, "byCode": {}, "peakOpenConnections": None,
         "openConnections": None}
# The marker before the JSON payload in a stall fault's message (read by @casebook/analysis seed-stalls.ts).
STALL_PAYLOAD_MARKER = "; the block so far: "


def block_started(open_connections):
    """Reset the block's counts (called on the event loop when a block starts)."""
    BLOCK["t0"] = time.monotonic()
    BLOCK["ru0"] = resource.getrusage(resource.RUSAGE_SELF)
    BLOCK["answered"] = 0
    BLOCK["failed"] = 0
    BLOCK["byCode"] = {}
    BLOCK["peakOpenConnections"] = open_connections
    BLOCK["openConnections"] = open_connections


def block_connections(n):
    """The client's open connections sampled at a window boundary (None where the library does not expose them)."""
    if n is None:
        return
    BLOCK["openConnections"] = n
    if BLOCK["peakOpenConnections"] is None or n > BLOCK["peakOpenConnections"]:
        BLOCK["peakOpenConnections"] = n


def block_payload(now=None):
    """The block so far: requests answered and failed (by error class), process CPU and wall time since the block
    began, the busy share (CPU / wall, in cores), and the connections the client held (its own count, sampled at
    window boundaries: the target's count of a failed block is not kept by the parent)."""
    now = time.monotonic() if now is None else now
    t0 = BLOCK["t0"]
    ru0 = BLOCK["ru0"]
    wall = now - t0 if t0 is not None else None
    cpu = None
    if ru0 is not None:
        ru = resource.getrusage(resource.RUSAGE_SELF)
        cpu = (ru.ru_utime - ru0.ru_utime) + (ru.ru_stime - ru0.ru_stime)
    return {
        "answered": BLOCK["answered"],
        "failed": BLOCK["failed"],
        "byCode": dict(BLOCK["byCode"]),
        "cpuS": round(cpu, 3) if cpu is not None else None,
        "wallS": round(wall, 3) if wall is not None else None,
        "busy": round(cpu / wall, 3) if cpu is not None and wall else None,
        "peakOpenConnections": BLOCK["peakOpenConnections"],
        "openConnections": BLOCK["openConnections"],
    }


# httpcore's ConnectionNotAvailable retries (1.0.x and httpcore2): a queued request assigned a connection that another
# request took first gets ConnectionNotAvailable from the connection (http11.py) and goes round the pool's retry loop
# again (connection_pool.py: `except ConnectionNotAvailable: pool_request.clear_connection()`). Counted by wrapping
# AsyncPoolRequest.clear_connection, which those versions call only in that branch: a request that is not retried
# runs exactly the code it ran before. None where the pool has no such method (httpcore 0.16.3, aiohttp).
POOL_RETRIES = {"instrumented": None, "total": 0, "maxPerRequest": 0}


def pool_method(core_name, class_name, method_name):
    """`(module, class, method)` of `<core>._async.connection_pool.<class_name>.<method_name>`, or None where this
    httpcore has no such module, class or method (the counters below wrap them)."""
    import importlib

    try:
        mod = importlib.import_module(f"{core_name}._async.connection_pool")
    except ImportError:
        return None
    cls = getattr(mod, class_name, None)
    original = getattr(cls, method_name, None) if cls is not None else None
    return (mod, cls, original) if original is not None else None


def install_retry_counter(core_name):
    """Wrap `<core>._async.connection_pool.AsyncPoolRequest.clear_connection` with a counter; returns what was wrapped
    (recorded in the settings) or None when this httpcore has no such method."""
    found = pool_method(core_name, "AsyncPoolRequest", "clear_connection")
    if found is None:
        return None
    mod, cls, original = found
    if getattr(original, "_casebook_counted", False):
        return POOL_RETRIES["instrumented"]

    def clear_connection(self):
        POOL_RETRIES["total"] += 1
        n = getattr(self, "_casebook_retries", 0) + 1
        self._casebook_retries = n
        if n > POOL_RETRIES["maxPerRequest"]:
            POOL_RETRIES["maxPerRequest"] = n
        return original(self)

    clear_connection._casebook_counted = True
    cls.clear_connection = clear_connection
    POOL_RETRIES["instrumented"] = f"{mod.__name__}.AsyncPoolRequest.clear_connection"
    return POOL_RETRIES["instrumented"]


# The pool's queue work (stated after seed-f81740df, its second reader's section A): httpcore 1.0.x rebuilds the
# available and idle lists over every connection for every queued request in every assignment pass
# (`AsyncConnectionPool._assign_requests_to_connections`). Counted by wrapping that method: every pass is counted, and
# on every QUEUE_WORK_SAMPLE_EVERY-th pass the queued requests (`is_queued()`) times the connections at the pass's start
# are summed. Sampled, not every pass: an exact count would rescan the requests on every pass and add about the cost it
# counts (512 checks a pass); one pass in 64 adds a few µs per request. `queuedTimesConnections` is the sampled sum ×
# the sampling interval, an estimate of Σ len(queued) × len(connections) over the process. None where the pool has no
# such method (httpcore 0.16.3, aiohttp).
QUEUE_WORK_SAMPLE_EVERY = 64
# Stated after seed-e65a2755 (its second reader's finding 2): on the same sampled passes, the connections the pass
# walks (`sampledConnections`, Σ len(connections) at the pass's start) and the pass's own time (`sampledSeconds`,
# perf_counter around the original method only, the counting above left out of it): the pass runs synchronously on the
# event loop's thread, so its wall time is CPU time of this process unless the process is descheduled inside it.
# And the idle connections at a sampled pass's start (`sampledIdle`): httpcore's `has_expired` polls an idle
# connection's socket (`get_extra_info("is_readable")`, httpcore 1.0.9 http11.py L274-L286, only when the connection
# is IDLE), and the pass's cleanup calls it on every connection (connection_pool.py L284-L299), so this × the sampling
# interval estimates the polls. Counted on the sampled passes only (`is_idle()` over the connections, outside the
# timed call), not by wrapping has_expired: a wrapper would add a Python call to every connection of every pass.
POOL_QUEUE_WORK = {"instrumented": None, "passes": 0, "sampledPasses": 0, "sampled": 0, "sampledConnections": 0,
                   "sampledIdle": 0, "sampledSeconds": 0.0}
# `created` counts `AsyncConnectionPool.create_connection` calls (1.0.9 L326, L335): the new connections as the
# worker sees them (the target counts the sockets it accepted). Every call is counted (at most one a request).
POOL_EVENTS = {"createdCounter": None, "created": 0}


def install_queue_work_counter(core_name):
    """Wrap `<core>._async.connection_pool.AsyncConnectionPool._assign_requests_to_connections` with the sampled
    counter above; returns what was wrapped (recorded in the settings) or None where there is no such method."""
    import inspect

    found = pool_method(core_name, "AsyncConnectionPool", "_assign_requests_to_connections")
    if found is None or inspect.iscoroutinefunction(found[2]):
        return None
    mod, cls, original = found
    if getattr(original, "_casebook_counted", False):
        return POOL_QUEUE_WORK["instrumented"]
    every = QUEUE_WORK_SAMPLE_EVERY

    def _assign_requests_to_connections(self):
        n = POOL_QUEUE_WORK["passes"] + 1
        POOL_QUEUE_WORK["passes"] = n
        if n % every != 0:
            return original(self)
        connections = len(self._connections)
        queued = sum(1 for r in self._requests if r.is_queued())
        idle = sum(1 for c in self._connections if getattr(c, "is_idle", None) is not None and c.is_idle())
        POOL_QUEUE_WORK["sampledPasses"] += 1
        POOL_QUEUE_WORK["sampled"] += queued * connections
        POOL_QUEUE_WORK["sampledConnections"] += connections
        POOL_QUEUE_WORK["sampledIdle"] += idle
        t0 = time.perf_counter()
        try:
            return original(self)
        finally:
            POOL_QUEUE_WORK["sampledSeconds"] += time.perf_counter() - t0

    _assign_requests_to_connections._casebook_counted = True
    cls._assign_requests_to_connections = _assign_requests_to_connections
    POOL_QUEUE_WORK["instrumented"] = f"{mod.__name__}.AsyncConnectionPool._assign_requests_to_connections"
    return POOL_QUEUE_WORK["instrumented"]


def install_pool_event_counters(core_name):
    """Count the pool's new connections (`<core>._async.connection_pool.AsyncConnectionPool.create_connection`) into
    POOL_EVENTS, where the method exists; what was wrapped is recorded (else None)."""
    found = pool_method(core_name, "AsyncConnectionPool", "create_connection")
    if found is not None and not getattr(found[2], "_casebook_counted", False):
        mod, pool_cls, create = found

        def create_connection(self, *args, **kwargs):
            POOL_EVENTS["created"] += 1
            return create(self, *args, **kwargs)

        create_connection._casebook_counted = True
        pool_cls.create_connection = create_connection
        POOL_EVENTS["createdCounter"] = f"{mod.__name__}.AsyncConnectionPool.create_connection"


def pool_counters_now():
    """The pool counters as they stand (for a phase's deltas, pool_counters_between); None where the pool is not
    instrumented (aiohttp, the contenders, the transports over aiohttp)."""
    if POOL_QUEUE_WORK["instrumented"] is None and POOL_RETRIES["instrumented"] is None:
        return None
    return {"passes": POOL_QUEUE_WORK["passes"], "sampledPasses": POOL_QUEUE_WORK["sampledPasses"],
            "sampled": POOL_QUEUE_WORK["sampled"], "sampledConnections": POOL_QUEUE_WORK["sampledConnections"],
            "sampledIdle": POOL_QUEUE_WORK["sampledIdle"], "sampledSeconds": POOL_QUEUE_WORK["sampledSeconds"],
            "retries": POOL_RETRIES["total"], "created": POOL_EVENTS["created"]}


def pool_counters_between(c0, c1):
    """A phase's own pool counters (stated after seed-e65a2755, its second reader's finding 2: the whole-process
    counters mixed the cold first gather and the warm-up into every figure): the counters at its end minus those at its
    start, per phase (the cold first gather is the warm-up phase, each batch a trial). The sampled sums are scaled by
    the sampling interval where the record has always scaled them (`queuedTimesConnections`) and for the idle-socket
    polls (`idleProbes`, an estimate); `sampledPasses`, `sampledConnections` and `sampledPassMicros` are the sample
    itself. A counter not installed is None."""
    if c0 is None or c1 is None:
        return None
    d = {k: c1[k] - c0[k] for k in c0}
    return {
        "sampleEvery": QUEUE_WORK_SAMPLE_EVERY,
        "passes": d["passes"] if POOL_QUEUE_WORK["instrumented"] else None,
        "sampledPasses": d["sampledPasses"] if POOL_QUEUE_WORK["instrumented"] else None,
        "queuedTimesConnections": d["sampled"] * QUEUE_WORK_SAMPLE_EVERY if POOL_QUEUE_WORK["instrumented"] else None,
        "sampledConnections": d["sampledConnections"] if POOL_QUEUE_WORK["instrumented"] else None,
        "sampledPassMicros": round(d["sampledSeconds"] * 1e6, 1) if POOL_QUEUE_WORK["instrumented"] else None,
        "retries": d["retries"] if POOL_RETRIES["instrumented"] else None,
        "idleProbes": d["sampledIdle"] * QUEUE_WORK_SAMPLE_EVERY if POOL_QUEUE_WORK["instrumented"] else None,
        "connectionsCreated": d["created"] if POOL_EVENTS["createdCounter"] else None,
    }


def core_name_of(hx):
    """The httpcore module under this httpx: httpcore2 under httpx2, else httpcore."""
    return "httpcore2" if hx.__name__ == "httpx2" else "httpcore"


def install_fast_acquire(core_name):
    """The switch `fastAcquire`: make `<core>._synchronization.AsyncLock` build its anyio lock with fast_acquire=True,
    as httpcore2 ships it (pydantic/httpx2#970; httpcore2 `_synchronization.py` setup). httpcore 1.0.9's setup makes
    `anyio.Lock()` (`_synchronization.py` L68), used per connection (`connection.py` L66, `http11.py` L58); anyio's
    asyncio Lock then yields once on every uncontended acquire unless fast_acquire (anyio 4.16.0
    `_backends/_asyncio.py` L2034-2036). Only the lock's construction changes; the rest of setup runs as shipped.
    Refused (RuntimeError) where anyio's Lock has no fast_acquire (anyio before 4.5)."""
    import importlib
    import importlib.metadata
    import inspect

    import anyio

    if "fast_acquire" not in inspect.signature(anyio.Lock).parameters:
        raise RuntimeError(f"fastAcquire: anyio {importlib.metadata.version('anyio')} has no Lock(fast_acquire=...)")
    sync = importlib.import_module(f"{core_name}._synchronization")
    cls = sync.AsyncLock
    original = cls.setup
    if getattr(original, "_casebook_fast_acquire", False):
        return

    def setup(self):
        original(self)
        if getattr(self, "_backend", None) == "asyncio":
            self._anyio_lock = anyio.Lock(fast_acquire=True)

    setup._casebook_fast_acquire = True
    cls.setup = setup


def lock_fast_acquire(core_name):
    """The effective fast_acquire of a lock `<core>._synchronization.AsyncLock` makes now (on the running loop); None
    where its lock has no such attribute (anyio before 4.5) or the module is absent."""
    import importlib

    try:
        lock = importlib.import_module(f"{core_name}._synchronization").AsyncLock()
        lock.setup()
    except (ImportError, AttributeError):
        return None
    inner = getattr(lock, "_anyio_lock", None)
    return getattr(inner, "_fast_acquire", None) if inner is not None else None


def live_locks_fast_acquire(pool):
    """The fast_acquire of the locks the pool's live connections hold now (stated after seed-f81740df, its second
    reader's finding 13: lock_fast_acquire reads a fresh lock, the class's value). Per connection of `pool._connections`,
    its `_request_lock` (httpcore `connection.py`) and its HTTP/1.1 connection's `_state_lock` (`http11.py`), each an
    AsyncLock whose anyio lock is built at its first acquire: the distinct values of `_anyio_lock._fast_acquire` over
    the connections (None for a lock never acquired, or without the attribute), and how many connections were read.
    None where the pool has no such connections (httpcore 0.16.3 keeps `_pool`; aiohttp has none)."""
    conns = getattr(pool, "_connections", None) if pool is not None else None
    if conns is None:
        return None

    def value(lock):
        inner = getattr(lock, "_anyio_lock", None) if lock is not None else None
        return getattr(inner, "_fast_acquire", None) if inner is not None else None

    request = sorted({value(getattr(c, "_request_lock", None)) for c in conns}, key=repr)
    state = sorted({value(getattr(getattr(c, "_connection", None), "_state_lock", None)) for c in conns}, key=repr)
    return {"connections": len(conns), "requestLock": request, "stateLock": state}


EMIT_LOCK = threading.Lock()  # the stall watchdog (a thread) may write beside the event loop


def emit(message):
    line = json.dumps(message, separators=(",", ":")) + "\n"
    with EMIT_LOCK:
        try:
            sys.stdout.write(line)
            sys.stdout.flush()
        except BrokenPipeError:
            # The parent is gone (its end of the pipe closed before this process read the end of its stdin): nobody
            # reads this any more and nobody can stop the process, so it leaves at once and quietly, exit code 0, as
            # the Node workers do (procs parent-channel.ts); os._exit, so no buffered flush raises again on the way.
            os._exit(0)


def normalize(name):
    """PEP 503 name: lower case, runs of -_. as one dash."""
    out = []
    for ch in name.lower():
        if ch in "-_.":
            if not out or out[-1] != "-":
                out.append("-")
        else:
            out.append(ch)
    return "".join(out)


def versions():
    """Interpreter version, then every installed distribution (the relevant ones always present, null if absent)."""
    import importlib.metadata as md
    import platform

    found = {}
    for dist in md.distributions():
        name = dist.metadata["Name"]
        if name:
            found[normalize(name)] = dist.version
    out = {"python": platform.python_version()}
    for name in RELEVANT:
        out[name] = found.get(name)
    for name in sorted(found):
        out.setdefault(name, found[name])
    return out


def interpreter():
    import platform
    import sysconfig

    build_no, build_date = platform.python_build()
    return {
        "version": platform.python_version(),
        "implementation": platform.python_implementation(),
        "build": f"{build_no} ({build_date})",
        "compiler": platform.python_compiler(),
        "freeThreaded": sysconfig.get_config_var("Py_GIL_DISABLED") == 1,
    }


def httpx_module():
    """httpx's API: httpx2 (the maintained fork, its own module name) where installed, else httpx."""
    try:
        import httpx2

        return httpx2
    except ImportError:
        import httpx

        return httpx


def import_client(name):
    """Import what a client needs; raises ImportError naming what is missing."""
    if name in ("httpx", "httpx-aiohttp-seed", "httpx-aiohttp"):
        httpx_module()
    if name in ("aiohttp", "httpx-aiohttp-seed", "httpx-aiohttp"):
        import aiohttp  # noqa: F401
    if name == "httpx-aiohttp":
        published_transport_class()
    if name == "niquests":
        from niquests import AsyncSession  # noqa: F401
    if name == "pyreqwest":
        from pyreqwest.client import ClientBuilder  # noqa: F401
    if name == "curl_cffi":
        from curl_cffi.requests import AsyncSession  # noqa: F401


def published_transport_class():
    """The published httpx-aiohttp package's transport, for the httpx module in use."""
    hx = httpx_module()
    if hx.__name__ == "httpx2":
        from httpx_aiohttp.httpx2 import AiohttpTransport
    else:
        from httpx_aiohttp import AiohttpTransport
    return AiohttpTransport


def why_not(fn):
    try:
        fn()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure to import is a reason to skip
        return f"{type(exc).__name__}: {exc}"[:300]


def probe():
    clients = {name: why_not(lambda name=name: import_client(name)) for name in CLIENTS}
    loops = {"asyncio": None, "uvloop": why_not(lambda: __import__("uvloop"))}
    ok = any(reason is None for reason in clients.values())
    emit({"type": "probe", "ok": ok, "versions": versions(), "interpreter": interpreter(), "clients": clients,
          "loops": loops, "executable": sys.executable})
    return 0 if ok else 3


class Session:
    """One client for one origin: request(path) -> (status, body_bytes); settings read from the live objects."""

    def __init__(self, start):
        self.name = start["client"]
        self.origin = start["origin"].rstrip("/")
        self.max_connections = start.get("maxConnections")
        self.max_keepalive = start.get("maxKeepaliveConnections")
        # httpx only (stated after seed-894dfcb9): the pool's keepalive_expiry in s; None keeps the library's default.
        self.keepalive_expiry = start.get("keepaliveExpiryS")
        if self.keepalive_expiry is not None and self.name != "httpx":
            raise RuntimeError(f"keepaliveExpiryS: only httpx takes a keepalive_expiry ({self.name} closes idle "
                               "connections under its own rules)")
        self.timeout_ms = start.get("requestTimeoutMs")
        self.unbounded_pool_wait = start.get("unboundedPoolWait") is True
        self.fast_acquire = start.get("fastAcquire") is True
        self._client = None
        self._session = None
        self._hx = None
        self.peak_sockets = None
        # The published transport's per-request aiohttp ClientTimeout, read from its own code path at open.
        self.transport_timeout = None
        # An optional contender's client (niquests, pyreqwest, curl_cffi): see Contender.
        self._contender = None
        if self.name in CONTENDERS:
            refuse_contender_switches(self.name, start)

    def _aiohttp_session(self, **kwargs):
        import aiohttp

        connector = (aiohttp.TCPConnector(limit=self.max_connections) if self.max_connections is not None
                     else aiohttp.TCPConnector())
        # No request timeout given: the session keeps aiohttp's own default (ClientSession's DEFAULT_TIMEOUT), as
        # httpx keeps its own; the effective values of both are read back into the settings.
        if self.timeout_ms is not None:
            kwargs["timeout"] = aiohttp.ClientTimeout(total=self.timeout_ms / 1000)
        return aiohttp.ClientSession(connector=connector, **kwargs)

    def _httpx_kwargs(self):
        kwargs = {}
        if self.unbounded_pool_wait:
            # Every timeout as given (or the library's default), the pool wait unbounded, as aiohttp's connector waits.
            # httpx (httpcore's pool) and the published httpx-aiohttp transport alike: the transport maps this Timeout
            # onto aiohttp's per request (see `open`), so pool=None is aiohttp's connect=None there.
            d = (self._hx.Timeout(self.timeout_ms / 1000) if self.timeout_ms is not None
                 else self._hx._config.DEFAULT_TIMEOUT_CONFIG)  # noqa: SLF001 - the default AsyncClient uses
            kwargs["timeout"] = self._hx.Timeout(connect=d.connect, read=d.read, write=d.write, pool=None)
        elif self.timeout_ms is not None:
            kwargs["timeout"] = self._hx.Timeout(self.timeout_ms / 1000)
        return kwargs

    def _limits(self):
        """httpx Limits with each unset field at the library's default (null = library default)."""
        default = self._hx._config.DEFAULT_LIMITS  # noqa: SLF001 - the default AsyncClient uses
        return self._hx.Limits(
            max_connections=self.max_connections if self.max_connections is not None else default.max_connections,
            max_keepalive_connections=(self.max_keepalive if self.max_keepalive is not None
                                       else default.max_keepalive_connections),
            keepalive_expiry=(self.keepalive_expiry if self.keepalive_expiry is not None
                              else default.keepalive_expiry),
        )

    async def open(self):
        if self.name in CONTENDERS:
            self._contender = CONTENDER_CLASSES[self.name](self.origin, self.max_connections, self.timeout_ms)
            await self._contender.open()
            return
        if self.name == "aiohttp":
            self._session = self._aiohttp_session()
            return
        self._hx = httpx_module()
        if self.name == "httpx":
            install_retry_counter(core_name_of(self._hx))
            install_queue_work_counter(core_name_of(self._hx))
            install_pool_event_counters(core_name_of(self._hx))
            if self.fast_acquire:
                install_fast_acquire(core_name_of(self._hx))
        kwargs = self._httpx_kwargs()
        if self.name == "httpx":
            if (self.max_connections is not None or self.max_keepalive is not None
                    or self.keepalive_expiry is not None):
                kwargs["limits"] = self._limits()
        elif self.name == "httpx-aiohttp-seed":
            self._session = self._aiohttp_session(auto_decompress=False)
            kwargs["transport"] = seed_transport_class(self._hx)(self._session)
        else:
            cls = published_transport_class()
            transport = cls(limits=self._limits()) if self.max_connections is not None else cls()
            # The package builds its aiohttp session on the first request; build it now (the same call), so its
            # settings can be read before the load starts.
            if hasattr(transport, "get_client"):
                transport.client = transport.get_client()
                self._session = transport.client
            kwargs["transport"] = transport
        self._client = self._hx.AsyncClient(**kwargs)
        if self.name == "httpx-aiohttp":
            # The published transport maps httpx's Timeout onto an aiohttp ClientTimeout of its own for each request
            # (httpx-aiohttp 0.2.0, httpx_aiohttp/transport.py:173-177, and httpx_aiohttp/httpx2/transport.py, the
            # same lines): sock_connect = httpx connect, sock_read = httpx read, connect = httpx POOL, total unset
            # (None: it replaces the session's DEFAULT_TIMEOUT for that request, aiohttp 3.14 client.py:694-700).
            # aiohttp's `connect` bounds the wait for a free connection in the connector AND the socket connect
            # (connector.py:644-646: ceil_timeout(timeout.connect) around _wait_for_available_connection);
            # `sock_connect` bounds the socket connect only. So httpx's default Timeout(5) left aiohttp's pool wait
            # bounded at 5 s (seed-18581e19: 412 of 512 callers failed per block), and with unboundedPoolWait
            # (pool=None) the same code gives connect=None, sock_connect=<httpx connect>: the pool wait unbounded, the
            # socket connect bounded as httpx's is, like for like. Read back from the transport's own code path
            # below, and checked: a transport that maps it otherwise is refused rather than recorded as unbounded.
            self.transport_timeout = await self._transport_timeout()
            if self.unbounded_pool_wait:
                self._check_unbounded_transport()

    async def _transport_timeout(self):
        """The aiohttp ClientTimeout the published transport passes with each request (it replaces the session's
        timeout for that request): its own handle_async_request is run once, before the load, on a request the client
        builds (so httpx's timeout extension is the one the load carries), with ClientSession.request replaced for
        that one call by a recorder that sends nothing. The measured requests run the unpatched code."""
        import aiohttp

        class Recorded(Exception):
            pass

        seen = {}

        def recorder(_session, *args, **kwargs):
            seen.update(kwargs)
            raise Recorded()

        original = aiohttp.ClientSession.request
        aiohttp.ClientSession.request = recorder
        try:
            await self._client._transport.handle_async_request(self._client.build_request("GET", self.origin + "/"))
        except Recorded:
            pass
        except Exception as exc:  # noqa: BLE001 - recorded as unreadable, the load still runs
            return {"error": f"{type(exc).__name__}: {exc}"[:300]}
        finally:
            aiohttp.ClientSession.request = original
        t = seen.get("timeout")
        if t is None:
            return None
        return {"total": t.total, "connect": t.connect, "sock_read": t.sock_read, "sock_connect": t.sock_connect,
                "source": "httpx_aiohttp AiohttpTransport.handle_async_request (per request)"}

    def _check_unbounded_transport(self):
        """With unboundedPoolWait: the published transport's live per-request timeout must leave aiohttp's pool wait
        unbounded (connect None) and bound the socket connect by httpx's connect timeout (sock_connect)."""
        t = self.transport_timeout
        want = self._client.timeout.connect
        if not isinstance(t, dict) or "error" in t or t.get("connect") is not None or t.get("sock_connect") != want:
            raise RuntimeError(
                "unboundedPoolWait: the published transport's per-request aiohttp timeout is "
                f"{t!r}, not connect=None, sock_connect={want!r} (this httpx-aiohttp maps httpx's Timeout otherwise)")

    def _pool(self):
        if self._client is None:
            return None
        return getattr(self._client._transport, "_pool", None)  # noqa: SLF001 - read the live object

    def open_sockets(self):
        """Connections the client holds (idle or in use), or None where the library does not expose them."""
        if self._contender is not None:
            return self._contender.open_sockets()
        pool = self._pool()
        if pool is not None:
            conns = getattr(pool, "_pool", None)
            if conns is None:
                conns = getattr(pool, "_connections", None)
            return len(conns) if conns is not None else None
        if self._session is not None:
            c = self._session.connector
            acquired = getattr(c, "_acquired", None)
            idle = getattr(c, "_conns", None)
            if acquired is None or idle is None:
                return None
            return len(acquired) + sum(len(v) for v in idle.values())
        return None

    def keepalive_expiry_s(self):
        """httpx's pool keepalive_expiry in seconds, read from the live pool (the settings' `httpx.keepalive_expiry_s`),
        or None where there is no httpx pool (aiohttp, the contenders, the transports over aiohttp) or no expiry."""
        pool = self._pool()
        v = getattr(pool, "_keepalive_expiry", None) if pool is not None else None
        return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None

    def sample_sockets(self):
        n = self.open_sockets()
        if n is not None and (self.peak_sockets is None or n > self.peak_sockets):
            self.peak_sockets = n
        return n

    def settings(self):
        loop = asyncio.get_running_loop()
        out = {"client": self.name, "eventLoop": f"{type(loop).__module__}.{type(loop).__name__}"}
        if self._contender is not None:
            out.update(self._contender.settings())
        if self._client is not None:
            out["httpx.module"] = self._hx.__name__
            transport = self._client._transport  # noqa: SLF001 - read the live object, as for Node clients
            out["httpx.transport"] = f"{type(transport).__module__}.{type(transport).__name__}"
            pool = self._pool()
            if pool is not None:
                out["httpx.max_connections"] = getattr(pool, "_max_connections", None)
                out["httpx.max_keepalive_connections"] = getattr(pool, "_max_keepalive_connections", None)
                out["httpx.keepalive_expiry_s"] = getattr(pool, "_keepalive_expiry", None)
                out["httpx.http2"] = getattr(pool, "_http2", None)
            if self.name == "httpx":
                # The class's value (a fresh lock) and, beside it, the live connections' own locks (after the last batch).
                out["httpcore.AsyncLock.fast_acquire"] = lock_fast_acquire(core_name_of(self._hx))
                live = live_locks_fast_acquire(pool)
                if live is not None:
                    out["httpcore.liveLocks.fast_acquire"] = live
            t = self._client.timeout
            out["httpx.timeout_s"] = {"connect": t.connect, "read": t.read, "write": t.write, "pool": t.pool}
        if self._session is not None:
            c = self._session.connector
            out["aiohttp.limit"] = c.limit
            out["aiohttp.limit_per_host"] = c.limit_per_host
            out["aiohttp.keepalive_timeout_s"] = getattr(c, "_keepalive_timeout", None)
            t = self._session.timeout
            out["aiohttp.timeout_s"] = {"total": t.total, "connect": t.connect, "sock_read": t.sock_read,
                                        "sock_connect": t.sock_connect}
            if self.transport_timeout is not None:
                # What the requests actually ran with: the transport's per-request ClientTimeout, not the session's.
                out["aiohttp.request_timeout_s"] = self.transport_timeout
            try:
                from aiohttp import http_parser

                p = http_parser.HttpResponseParser
                # aiohttp._http_parser is the C (llhttp) parser; aiohttp.http_parser the pure-Python fallback.
                out["aiohttp.response_parser"] = f"{p.__module__}.{p.__name__}"
            except Exception:  # noqa: BLE001 - recorded as unknown
                out["aiohttp.response_parser"] = None
        if POOL_RETRIES["instrumented"] is not None:
            out["httpcore.connection_not_available"] = {"counter": POOL_RETRIES["instrumented"],
                                                        "retries": POOL_RETRIES["total"],
                                                        "maxPerRequest": POOL_RETRIES["maxPerRequest"]}
        if POOL_QUEUE_WORK["instrumented"] is not None:
            q = POOL_QUEUE_WORK
            out["httpcore.queue_work"] = {"counter": q["instrumented"], "sampleEvery": QUEUE_WORK_SAMPLE_EVERY,
                                          "passes": q["passes"], "sampledPasses": q["sampledPasses"],
                                          "queuedTimesConnections": q["sampled"] * QUEUE_WORK_SAMPLE_EVERY}
        if POOL_EVENTS["createdCounter"] is not None:
            out["httpcore.pool_events"] = {"connectionsCreated": POOL_EVENTS["createdCounter"]}
        out["openSockets"] = self.sample_sockets()
        out["peakOpenSockets"] = self.peak_sockets
        return out

    async def request(self, path):
        url = self.origin + path
        if self._contender is not None:
            return await self._contender.request(url)
        if self._client is not None:
            r = await self._client.get(url)
            return r.status_code, len(r.content)
        async with self._session.get(url) as r:
            body = await r.read()
            return r.status, len(body)

    async def close(self):
        if self._contender is not None:
            await self._contender.close()
        if self._client is not None:
            await self._client.aclose()
        if self._session is not None and not self._session.closed:
            await self._session.close()


# ---------------------------------------------------------------------------------------------------------------
# The optional contenders (issue 14 item 1): niquests, pyreqwest, curl_cffi, from the `contenders` set (niquests 3.21.2
# with urllib3-future 2.25.904, pyreqwest 0.15.1, curl_cffi 0.17.0). Each runs with its library's defaults, one client
# for all requests (as httpx and aiohttp do here); `maxConnections` maps onto each library's own limit (below), and
# its effective settings are read back from the live objects. A value that cannot be read is recorded as None, with
# what was asked of the library beside it under its own key, never in place of the effective value.


def refuse_contender_switches(name, start):
    """The switches a contender has no faithful mapping for are refused, naming the field (never ignored)."""
    if start.get("maxKeepaliveConnections") is not None:
        raise RuntimeError(f"maxKeepaliveConnections: {name} is run with its own keep-alive rules; the lab maps no "
                           "keep-alive count onto it (httpx only)")
    if start.get("unboundedPoolWait") is True:
        raise RuntimeError(f"unboundedPoolWait: httpx's Timeout(pool=None) has no counterpart in {name} "
                           "(httpx and httpx-aiohttp only)")
    if start.get("fastAcquire") is True:
        raise RuntimeError(f"fastAcquire: {name} does not run on httpcore's locks (httpx only)")


class NiquestsClient:
    """niquests.AsyncSession, one for all requests, with its defaults (niquests 3.21.2 async_session.py L140-160).

    Pool: `maxConnections` -> `pool_maxsize` (AsyncSession L154, default DEFAULT_POOLSIZE = 10, _constant.py L11),
    passed to the session's AsyncHTTPAdapter (L374-390) and on to urllib3-future's AsyncPoolManager as each host pool's
    `maxsize` (niquests adapters.py L1572-1578). In urllib3-future 2.25.904 `maxsize` is the host pool's connection
    capacity, with either value of `block` (default False, _constant.py L10): the pool's AsyncTrafficPolice only
    opens a connection while its registry holds fewer than maxsize and otherwise waits for one
    (urllib3_future/_async/connectionpool.py L243-252 and L720-746; util/_async/traffic_police.py L832-845): a hard
    cap on the connections to one origin, as aiohttp's connector `limit` and httpx's `max_connections` are.
    Timeouts: AsyncSession `timeout` default None (L159); each request then gets READ_DEFAULT_TIMEOUT = 30 for a GET
    (async_session.py L1250-1254, _constant.py L6), which the adapter makes TimeoutSauce(connect=30, read=30)
    (adapters.py L2018-2021); the wait for a pooled connection has no bound (the adapter passes no pool_timeout to
    urlopen, adapters.py L2042-2058; urlopen's default None, connectionpool.py L1680 and L1760-1764). Retries:
    DEFAULT_RETRIES = 0 (_constant.py L12)."""

    def __init__(self, origin, max_connections, timeout_ms):
        self.origin = origin
        self.max_connections = max_connections
        self.timeout_ms = timeout_ms
        self.session = None
        self.request_timeout = None

    async def open(self):
        import niquests

        kwargs = {}
        if self.max_connections is not None:
            kwargs["pool_maxsize"] = self.max_connections
        if self.timeout_ms is not None:
            kwargs["timeout"] = self.timeout_ms / 1000
        self.session = niquests.AsyncSession(**kwargs)
        self.request_timeout = await self._request_timeout()

    async def _request_timeout(self):
        """The timeout the session passes to its adapter with a GET (its own code path, async_session.py L1244-1256),
        read once before the load: AsyncHTTPAdapter.send is replaced for that one call by a recorder that sends
        nothing (no connection, no host pool made). The measured requests run the unpatched code."""
        from niquests.adapters import AsyncHTTPAdapter

        class Recorded(Exception):
            pass

        seen = {}

        async def recorder(_adapter, _request, **kwargs):
            seen.update(kwargs)
            raise Recorded()

        original = AsyncHTTPAdapter.send
        AsyncHTTPAdapter.send = recorder
        try:
            await self.session.get(self.origin + "/")
        except Recorded:
            pass
        except Exception as exc:  # noqa: BLE001 - recorded as unreadable, the load still runs
            return {"error": f"{type(exc).__name__}: {exc}"[:300]}
        finally:
            AsyncHTTPAdapter.send = original
        t = seen.get("timeout")
        out = {"passed": t if isinstance(t, (int, float)) or t is None else repr(t),
               "source": "niquests AsyncSession.request -> AsyncHTTPAdapter.send (per request)"}
        if isinstance(t, (int, float)):
            # The adapter's own rule for a number (adapters.py L2018-2021): connect and read each bounded by it.
            out.update({"connect": t, "read": t, "total": None})
        elif isinstance(t, tuple):
            out.update({"connect": t[0], "read": t[1], "total": t[2] if len(t) == 3 else None})
        return out

    def _host_pools(self):
        """The live host pools of the session's http:// adapter (one: every request goes to one origin)."""
        adapter = self.session.get_adapter(self.origin)
        pm = getattr(adapter, "poolmanager", None)
        registry = getattr(getattr(pm, "pools", None), "_registry", None)  # noqa: SLF001 - read the live object
        return adapter, pm, list(registry.values()) if registry is not None else []

    def open_sockets(self):
        try:
            _, _, pools = self._host_pools()
            return sum(p.pool.rsize() for p in pools if getattr(p, "pool", None) is not None)
        except Exception:  # noqa: BLE001 - not exposed here
            return None

    def settings(self):
        import inspect

        from niquests.adapters import AsyncHTTPAdapter
        from urllib3_future._async.connectionpool import AsyncHTTPConnectionPool

        adapter, pm, pools = self._host_pools()
        live = [p for p in pools if getattr(p, "pool", None) is not None]
        kw = getattr(pm, "connection_pool_kw", {}) if pm is not None else {}
        wait = inspect.signature(AsyncHTTPConnectionPool.urlopen).parameters.get("pool_timeout")
        return {
            # The host pool's own capacity (None until the first request made it), and what the live pool manager
            # gives every host pool it makes.
            "niquests.pool_maxsize": live[0].pool.maxsize if live else None,
            "niquests.poolmanager.maxsize": kw.get("maxsize"),
            "niquests.pool_block": live[0].block if live else kw.get("block"),
            "niquests.host_pools": len(pools),
            "niquests.timeout_s": self.session.timeout,
            "niquests.request_timeout_s": self.request_timeout,
            # The wait for a pooled connection: urlopen's pool_timeout default, unless the adapter passes one.
            "niquests.pool_timeout_s": {
                "value": wait.default if wait is not None else None,
                "adapterPassesIt": "pool_timeout" in inspect.getsource(AsyncHTTPAdapter.send),
            },
            "niquests.max_retries": repr(getattr(adapter, "max_retries", None)),
            "niquests.adapter": f"{type(adapter).__module__}.{type(adapter).__name__}",
        }

    async def request(self, url):
        r = await self.session.get(url)
        return r.status_code, len(r.content or b"")

    async def close(self):
        if self.session is not None:
            await self.session.close()


class PyreqwestClient:
    """pyreqwest's async Client (Rust reqwest/hyper on a Tokio runtime), built by ClientBuilder with its defaults.

    Pool: `maxConnections` -> ClientBuilder.max_connections(N), "Maximum number of inflight requests. None means no
    limit. Default is None." (pyreqwest 0.15.1 client/__init__.pyi L114-115): a semaphore each request holds until its
    body is read (pyreqwest src/client/internal/connection_limiter.rs, spawner.rs L36-53, response body_reader.rs L27),
    so with HTTP/1.1 it bounds the connections in use at once (those .rs files: MarkusSintonen/pyreqwest at ca7f058,
    the public source at hand, older than 0.15.1; the .pyi of 0.15.1 describes the same limit); hyper's pool itself has
    no total limit and keeps every idle connection (reqwest's pool_max_idle_per_host default usize::MAX;
    pool_idle_timeout 90 s, .pyi L185-189).
    Without it, nothing bounds the connections. Timeouts: none by default (`timeout`, `read_timeout`,
    `connect_timeout`: .pyi L165-180); `pool_timeout` (.pyi L182-183) bounds the semaphore wait only when
    max_connections is set (client_builder.rs: ConnectionLimiter::new(max, pool_timeout)). The live Client exposes no
    getters (dir(Client): close and the request methods), so its effective values cannot be read: they are recorded
    as None, and what was asked of the builder under `pyreqwest.builder`."""

    def __init__(self, origin, max_connections, timeout_ms):
        self.origin = origin
        self.max_connections = max_connections
        self.timeout_ms = timeout_ms
        self.client = None
        self.builder = {}

    async def open(self):
        from datetime import timedelta

        from pyreqwest.client import ClientBuilder

        b = ClientBuilder()
        if self.max_connections is not None:
            b = b.max_connections(self.max_connections)
            self.builder["max_connections"] = self.max_connections
        if self.timeout_ms is not None:
            b = b.timeout(timedelta(milliseconds=self.timeout_ms))
            self.builder["timeout_s"] = self.timeout_ms / 1000
        self.client = b.build()

    def open_sockets(self):
        return None  # hyper's pool is not exposed to Python

    def settings(self):
        unread = None
        return {
            "pyreqwest.max_connections": unread,
            "pyreqwest.pool_timeout_s": unread,
            "pyreqwest.timeout_s": unread,
            "pyreqwest.pool_max_idle_per_host": unread,
            "pyreqwest.readable": "no: the live Client (Rust) exposes no settings; every pyreqwest.* value above is "
                                  "None (not read), and pyreqwest.builder is what was asked of ClientBuilder "
                                  "(empty: its defaults)",
            "pyreqwest.builder": dict(self.builder),
        }

    async def request(self, url):
        r = await self.client.get(url).build().send()
        body = await r.bytes()
        return r.status, len(body)

    async def close(self):
        if self.client is not None:
            await self.client.close()


class CurlCffiClient:
    """curl_cffi.requests.AsyncSession (libcurl's multi interface on the asyncio loop), with its defaults.

    Pool: `maxConnections` -> `max_clients` (curl_cffi 0.17.0 requests/session.py L1199, default 10): the session's
    pool of curl handles, an asyncio.LifoQueue(max_clients) (L1293-1298) that each request takes a handle from and
    waits on, with no bound, while all are in use (pop_curl, L1320): the transfers in flight at once, so with HTTP/1.1
    the connections in use. The connections themselves live in the multi handle's cache, whose limits curl_cffi
    leaves at libcurl's defaults (aio.py L175-199 sets only the socket and timer callbacks; libcurl has no getter for
    multi options, so CURLMOPT_MAX_TOTAL_CONNECTIONS and MAXCONNECTS are recorded as None). Timeout: `timeout`
    default 30 (session.py L238), applied per request as CURLOPT_TIMEOUT_MS, a total (requests/utils.py L813-834)."""

    def __init__(self, origin, max_connections, timeout_ms):
        self.origin = origin
        self.max_connections = max_connections
        self.timeout_ms = timeout_ms
        self.session = None

    async def open(self):
        from curl_cffi.requests import AsyncSession

        kwargs = {}
        if self.max_connections is not None:
            kwargs["max_clients"] = self.max_connections
        if self.timeout_ms is not None:
            kwargs["timeout"] = self.timeout_ms / 1000
        self.session = AsyncSession(**kwargs)

    def open_sockets(self):
        return None  # libcurl's connection cache is not exposed

    def settings(self):
        import curl_cffi

        s = self.session
        return {
            "curl_cffi.max_clients": s.max_clients,
            # The bound the session's handle queue enforces (the effective limit on transfers in flight).
            "curl_cffi.handle_pool.maxsize": s.pool.maxsize,
            "curl_cffi.timeout_s": s.timeout,
            "curl_cffi.handle_wait_s": None,  # pop_curl waits on the queue with no timeout (session.py L1320)
            "curl_cffi.multi.max_total_connections": None,  # libcurl's default, not readable (no getter)
            "curl_cffi.multi.maxconnects": None,
            "curl_cffi.impersonate": getattr(s, "impersonate", None),
            "curl_cffi.libcurl": getattr(curl_cffi, "__curl_version__", None),
        }

    async def request(self, url):
        r = await self.session.get(url)
        return r.status_code, len(r.content)

    async def close(self):
        if self.session is not None:
            await self.session.close()


CONTENDER_CLASSES = {"niquests": NiquestsClient, "pyreqwest": PyreqwestClient, "curl_cffi": CurlCffiClient}


def seed_transport_class(hx):
    """The seed's AiohttpTransport shim: httpx's API over an aiohttp session, httpcore bypassed. The text posted in
    encode/httpx#3215 could not be retrieved verbatim; this is the lab's transcription of its shape."""

    class AiohttpTransport(hx.AsyncBaseTransport):
        def __init__(self, session):
            self._session = session

        async def handle_async_request(self, request):
            async with self._session.request(
                request.method,
                str(request.url),
                headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw],
                data=request.content or None,
                allow_redirects=False,
            ) as r:
                body = await r.read()
            return hx.Response(r.status, headers=r.raw_headers, content=body, request=request)

    return AiohttpTransport


class Flight:
    """Requests in flight, one count for a whole phase or load: the windows of a load share it, so the window thread
    (ContinuousLoad) can swap in a fresh Counters at a boundary without reading, and racing, a count the loop updates."""

    __slots__ = ("n",)

    def __init__(self):
        self.n = 0


class Counters:
    """One phase's or one window's counts. Requests in flight at a window boundary are carried into the next window
    (the shared Flight) and counted in the window they complete in."""

    def __init__(self, expected_status, expected_body, flight=None):
        self.retries0 = POOL_RETRIES["total"]
        self.expected_status = expected_status
        self.expected_body = expected_body
        self.sent = 0
        self.ok = 0
        self.errors_total = 0
        self.by_code = {}
        self.samples = {}
        self.latencies = []
        self.flight = flight if flight is not None else Flight()
        self.peak = self.flight.n

    @property
    def in_flight(self):
        return self.flight.n

    @property
    def ended(self):
        """Requests that ended in this window or phase: answered or failed."""
        return self.ok + self.errors_total

    def start(self):
        self.sent += 1
        self.flight.n += 1
        if self.flight.n > self.peak:
            self.peak = self.flight.n

    def error(self, code, message):
        self.flight.n -= 1
        self.errors_total += 1
        self.by_code[code] = self.by_code.get(code, 0) + 1
        if code not in self.samples:
            self.samples[code] = message[:300]
        # A failure is an outcome: the client is running (see STALL_WATCHDOG_S).
        LAST_ANSWER["at"] = time.monotonic()
        BLOCK["failed"] += 1
        BLOCK["byCode"][code] = BLOCK["byCode"].get(code, 0) + 1

    def done(self, status, nbytes, micros):
        if status != self.expected_status:
            self.error(f"HTTP_{status}", f"status {status}, expected {self.expected_status}")
        elif nbytes != self.expected_body:
            self.error("CASEBOOK_BODY_SIZE", f"body {nbytes} bytes, expected {self.expected_body}")
        else:
            self.flight.n -= 1
            self.ok += 1
            self.latencies.append(max(0, micros))
            LAST_ANSWER["at"] = time.monotonic()
            BLOCK["answered"] += 1

    def result(self, elapsed_s, ru0, ru1, open_sockets, retries1=None):
        """The counts as a phase or window result; `retries1` is POOL_RETRIES["total"] at the window's end (the window
        thread reads it at the boundary; default: now)."""
        retries1 = POOL_RETRIES["total"] if retries1 is None else retries1
        user = (ru1.ru_utime - ru0.ru_utime) * 1e6
        system = (ru1.ru_stime - ru0.ru_stime) * 1e6
        return {
            "sent": self.sent,
            "ok": self.ok,
            "errors": {"total": self.errors_total, "byCode": self.by_code},
            "errorSamples": self.samples,
            "durationMs": elapsed_s * 1000,
            "latenciesMicros": self.latencies,
            "cpuUserMicros": round(user),
            "cpuSystemMicros": round(system),
            # Python has no event-loop-utilization counter: this is process CPU time / wall time, a busy fraction.
            "eventLoopUtilization": ((user + system) / 1e6) / elapsed_s if elapsed_s > 0 else 0,
            "clientPeakInFlight": self.peak,
            "protocols": {"http/1.1": self.ok},
            "clientOpenSockets": open_sockets,
            # ConnectionNotAvailable retries in this window (None: this client's pool is not instrumented).
            "poolRetries": (retries1 - self.retries0) if POOL_RETRIES["instrumented"] else None,
        }


async def one_request(session, path, counters_of, started_ns):
    """One request, counted in whatever window is current when it completes; latency from `started_ns`."""
    try:
        status, nbytes = await session.request(path)
    except Exception as exc:  # noqa: BLE001 - every failure is counted by code
        counters_of().error(type(exc).__name__, f"{type(exc).__name__}: {exc}")
        return
    counters_of().done(status, nbytes, (time.perf_counter_ns() - started_ns) // 1000)


async def run_phase(session, load, total, duration_ms, on_progress):
    """Closed loop of `concurrency` lanes until `total` requests were sent or `duration_ms` passed."""
    c = Counters(load["expectedStatus"], load["expectedBodyBytes"])
    path = load["path"]
    p0 = pool_counters_now()
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    deadline = t0 + duration_ms / 1000 if duration_ms is not None else None
    state = {"last": t0}

    async def lane():
        while True:
            if total is not None and c.sent >= total:
                return
            if deadline is not None and time.perf_counter() >= deadline:
                return
            c.start()
            await one_request(session, path, lambda: c, time.perf_counter_ns())
            if on_progress is not None:
                now = time.perf_counter()
                if now - state["last"] >= PROGRESS_EVERY_S:
                    state["last"] = now
                    on_progress(c.ok + c.errors_total)

    await asyncio.gather(*(lane() for _ in range(load["concurrency"])))
    elapsed = time.perf_counter() - t0
    result = c.result(elapsed, ru0, resource.getrusage(resource.RUSAGE_SELF), session.sample_sockets())
    pool = pool_counters_between(p0, pool_counters_now())
    if pool is not None:
        result["poolCounters"] = pool
    return result


class ContinuousLoad:
    """A continuous load cut into windows of window_ms; the lanes never stop. pause() stops issuing, waits for what is
    in flight and returns the partial window.

    The windows are cut by a thread of their own (`_cut_windows`), not on the client's event loop: before seed-18581e19
    they were cut by an asyncio.sleep on the loop, and httpcore 1.0.x at 512 lanes holds that loop for seconds, so
    "2 s" windows ran 20 ms to 5.7 s and finished 0 to 100 requests each, and the warm-up test called every block of
    those rows not steady. The thread sleeps to each boundary t0 + k * window_s (perf_counter; so lateness does not
    accumulate), and there, under `lock`, reads the time, the process CPU (getrusage(RUSAGE_SELF): the process, not
    the thread) and the pool-retry count, and swaps in a fresh Counters that the loop counts into from then on. The
    finished window is handed to the loop (call_soon_threadsafe), which computes its result, with the open sockets
    sampled from the pool, and emits it (`_flush`). A window's durationMs and CPU are from the thread's two boundary
    snapshots: its real length, whatever the loop was doing.

    No completion is lost: a request counts into whichever Counters is current when it ends (`one_request`), and the
    loop computes a window's result only after the callback it was running at the swap returned, i.e. after any
    done() or error() already under way on the old Counters finished. Such a completion (begun on the loop just before
    the swap, finished after it) is counted into the old window, at most one request per boundary and at most one GIL
    switch interval (sys.getswitchinterval(), 5 ms) after the boundary's recorded time: the window thread needs the
    GIL to record it, and the loop thread gives it up at that interval.

    With `min_window_requests` > 0 a window is cut only at a boundary where at least that many requests ended in it
    (answered or failed); otherwise it runs on to the next boundary, so every window is a whole multiple of window_ms
    (its recorded duration says which). With 0 every boundary cuts (the behaviour before)."""

    def __init__(self, session, load, window_ms, on_window, min_window_requests=0):
        self.session = session
        self.load = load
        self.window_s = window_ms / 1000
        self.min_window_requests = min_window_requests
        self.on_window = on_window
        self.flight = Flight()
        self.c = Counters(load["expectedStatus"], load["expectedBodyBytes"], self.flight)
        self.stopping = False
        self.loop = asyncio.get_running_loop()
        # Shared with the window thread, under `lock`: the current Counters (self.c), the window's start (time, CPU),
        # whether the thread may still cut (`cutting`, False once pause() took the windows back) and the windows it
        # cut that the loop has not emitted yet (`pending`, in order).
        self.lock = threading.Lock()
        self.cutting = True
        self.pending = []
        self.halt = threading.Event()
        block_started(session.open_sockets())
        self.ru0 = resource.getrusage(resource.RUSAGE_SELF)
        self.t0 = time.perf_counter()
        self.window_start = self.t0
        self.thread = threading.Thread(target=self._cut_windows, name="casebook-windows", daemon=True)
        self.thread.start()
        if load["mode"] == "closed":
            self.driver = asyncio.ensure_future(self._closed())
        else:
            self.driver = asyncio.ensure_future(self._open())

    def _cut_windows(self):
        """The window thread: cut at each boundary (see the class), until pause() halts it."""
        try:
            k = 1
            while True:
                if self.halt.wait(max(0.0, self.t0 + k * self.window_s - time.perf_counter())):
                    return
                with self.lock:
                    if not self.cutting:
                        return
                    old = self.c
                    cut = old.ended >= self.min_window_requests
                    if cut:
                        now = time.perf_counter()
                        ru = resource.getrusage(resource.RUSAGE_SELF)
                        retries = POOL_RETRIES["total"]
                        self.c = Counters(old.expected_status, old.expected_body, self.flight)
                        self.pending.append((old, now - self.window_start, self.ru0, ru, retries))
                        self.window_start = now
                        self.ru0 = ru
                if cut:
                    self.loop.call_soon_threadsafe(self._flush)
                # The next boundary still ahead. Were this thread late by more than a window (the process not
                # scheduled), the boundaries it missed are skipped: cutting them now would emit windows of ~0 ms back to
                # back, whose per-window ratios (CPU per request, target CPU share) mean nothing. The late window is
                # longer instead, and its duration says so.
                k = max(k + 1, int((time.perf_counter() - self.t0) / self.window_s) + 1)
        except RuntimeError:
            return  # the loop closed under the thread (the worker is ending): nothing is left to emit to
        except BaseException as exc:  # noqa: BLE001 - a fault of the harness: said loudly, never windows that stop
            emit({"type": "fatal", "code": "CASEBOOK_WORKER",
                  "message": f"window thread: {type(exc).__name__}: {exc}"[:2000]})
            os._exit(1)

    def _flush(self):
        """On the loop: compute and emit the windows the thread cut, in order."""
        with self.lock:
            cut, self.pending = self.pending, []
        for counters, elapsed_s, ru0, ru1, retries in cut:
            open_sockets = self.session.sample_sockets()
            block_connections(open_sockets)
            self.on_window(counters.result(elapsed_s, ru0, ru1, open_sockets, retries))

    def _halt_windows(self):
        """Stop the window thread (no window is cut after this returns) and emit what it cut before."""
        self.halt.set()
        with self.lock:
            self.cutting = False
        # It holds the lock for microseconds and wakes at once on `halt`; the timeout is a backstop (a daemon thread).
        self.thread.join(timeout=1.0)
        self._flush()

    async def _closed(self):
        path = self.load["path"]

        async def lane():
            while not self.stopping:
                self.c.start()
                await one_request(self.session, path, lambda: self.c, time.perf_counter_ns())

        await asyncio.gather(*(lane() for _ in range(self.load["concurrency"])))

    async def _open(self):
        path = self.load["path"]
        interval_ns = 1e9 / self.load["rateRps"]
        t0_ns = time.perf_counter_ns()
        issued = 0
        pending = set()
        while not self.stopping:
            due = int((time.perf_counter_ns() - t0_ns) / interval_ns) + 1
            while issued < due:
                # Request i is due at t0 + i / rate and timed from then (no coordinated omission).
                intended = t0_ns + int(issued * interval_ns)
                issued += 1
                self.c.start()
                task = asyncio.ensure_future(one_request(self.session, path, lambda: self.c, intended))
                pending.add(task)
                task.add_done_callback(pending.discard)
            await asyncio.sleep(OPEN_LOOP_TICK_S)
        if pending:
            await asyncio.gather(*pending)

    async def pause(self):
        self.stopping = True
        self._halt_windows()
        try:
            await asyncio.wait_for(asyncio.shield(self.driver), PAUSE_GRACE_S)
        except asyncio.TimeoutError:
            stalled = self.c.in_flight
            self.driver.cancel()
            try:
                await self.driver
            except BaseException:  # noqa: BLE001 - the cancellation we asked for, or what the lanes raised on it
                pass
            # With a bounded pool wait a request still in flight after the grace has outlived the client's own
            # timeouts: stalled, a fault of the client. With the pool wait unbounded (unboundedPoolWait: pool=None, as
            # aiohttp's connector waits) it may simply still be queued — httpcore 1.0.x at 512 in flight took 30-50 s
            # per request in seed-0b8bd744 — so its cancellation is the harness's, recorded under its own code
            # (CancelledAtPause, blocks.ts HARNESS_CANCELLATION_CODE) and not counted as the client's error.
            if self.session.unbounded_pool_wait:
                code, text = ("CancelledAtPause",
                              f"still in flight {PAUSE_GRACE_S:g} s after the load paused, under a pool wait with no "
                              "bound: cancelled by the harness (not a client fault)")
            else:
                code, text = "AbandonedAtPause", f"still in flight {PAUSE_GRACE_S:g} s after the load paused: cancelled"
            for _ in range(max(0, stalled)):
                self.c.error(code, text)
        # The partial window, from the last boundary the thread cut to now (it cuts no more: `cutting` is False).
        now = time.perf_counter()
        ru = resource.getrusage(resource.RUSAGE_SELF)
        open_sockets = self.session.sample_sockets()
        block_connections(open_sockets)
        return self.c.result(now - self.window_start, self.ru0, ru, open_sockets)


class Inbox:
    """Messages from the parent: a reader thread feeds an asyncio queue (None when stdin closes)."""

    def __init__(self):
        self.queue = asyncio.Queue()
        loop = asyncio.get_running_loop()

        # The stall monitor: what the loop should be doing ("block": answer requests, "pause": answer it; None: idle)
        # and since when. During a block, progress is the last answered request (LAST_ANSWER) after the block began.
        self.expecting = None
        self.progress_at = time.monotonic()
        threading.Thread(target=self.monitor, name="casebook-monitor", daemon=True).start()

        def read():
            while True:
                line = sys.stdin.readline()
                if line == "":
                    loop.call_soon_threadsafe(self.queue.put_nowait, None)
                    return
                if line.strip():
                    m = json.loads(line)
                    if m.get("type") in ("pause", "block"):
                        self.progress_at = time.monotonic()
                        self.expecting = m.get("type")
                    loop.call_soon_threadsafe(self.queue.put_nowait, m)

        threading.Thread(target=read, name="casebook-stdin", daemon=True).start()

    def progress(self, idle=False):
        """Called by the loop with idle=True when the pause was answered (windows are not progress: answers are)."""
        if idle:
            self.progress_at = time.monotonic()
            self.expecting = None

    def monitor(self):
        while True:
            time.sleep(1.0)
            what = self.expecting
            since = max(self.progress_at, LAST_ANSWER["at"]) if what == "block" else self.progress_at
            limit = STALL_WATCHDOG_S if what == "block" else PAUSE_WATCHDOG_S
            if what is None or time.monotonic() - since < limit:
                continue
            # A pause left unanswered is the harness's fault (its cancellation), not the client's: its own code, so the
            # parent keeps the block whose measured windows had arrived (blocks.ts PAUSE_UNANSWERED).
            code = "CASEBOOK_CLIENT_STALLED" if what == "block" else "CASEBOOK_PAUSE_UNANSWERED"
            emit({"type": "fatal", "code": code, "message": stall_message(what)})
            time.sleep(0.5)  # let the parent read the fault before it sees the process exit (else: CLIENT_EXITED)
            os._exit(3)

    async def get(self):
        m = await self.queue.get()
        if m is None:
            sys.exit(0)  # parent gone
        return m


def stall_message(what):
    """The stall fault's message: what stopped, then the block so far as JSON after STALL_PAYLOAD_MARKER."""
    text = (f"no request answered or failed for {STALL_WATCHDOG_S:g} s while a block ran" if what == "block"
            else f"the pause was not answered for {PAUSE_WATCHDOG_S:g} s: the requests in flight were neither answered "
                 f"within {PAUSE_GRACE_S:g} s nor cancelled in the rest (the cancellation itself may be what took the "
                 "time: this is the pause, not the measurement)")
    return text + STALL_PAYLOAD_MARKER + json.dumps(block_payload(), separators=(",", ":"), sort_keys=True)


async def open_session(start):
    try:
        session = Session(start)
        await session.open()
    except Exception as exc:  # noqa: BLE001
        emit({"type": "fatal", "code": "CASEBOOK_CLIENT_OPEN", "message": f"{type(exc).__name__}: {exc}"[:2000]})
        return None
    emit({"type": "ready", "versions": versions(), "interpreter": interpreter(), "settings": session.settings()})
    return session


async def phases(start):
    session = await open_session(start)
    if session is None:
        return
    inbox = Inbox()

    async def go():
        while True:
            m = await inbox.get()
            if m.get("type") == "go":
                return

    load = start["load"]
    if start["warmupRequests"] > 0:
        emit({"type": "phase-start", "phase": "warmup", "index": 0})
        await go()
        result = await run_phase(session, load, start["warmupRequests"], None, None)
        emit({"type": "phase-end", "phase": "warmup", "index": 0, "result": result})
    until = start.get("gatherUntil")
    planned = start["trials"]
    expiry = session.keepalive_expiry_s() if until is not None else None
    measured_s = 0.0  # the measured batches' time so far: where the next batch starts (gatherWarmupOf's clock)
    started_after = 0
    stopped = "planned"
    i = 0
    while True:
        if i >= planned:
            if until is None:
                break
            if expiry is None:
                stopped = "no-keepalive-expiry"
                break
            if started_after >= until["minStartedAfter"]:
                stopped = "planned" if i == planned else "rule"
                break
            if i >= until["maxTrials"]:
                stopped = "max-trials"
                break
            if measured_s >= until["maxSeconds"]:
                stopped = "max-seconds"
                break
        if expiry is not None and measured_s >= expiry + until["marginS"]:
            started_after += 1
        emit({"type": "phase-start", "phase": "trial", "index": i})
        await go()

        def progress(done, i=i):
            emit({"type": "progress", "phase": "trial", "index": i, "done": done, "total": load.get("requests")})

        result = await run_phase(session, load, load.get("requests"), load.get("durationMs"), progress)
        emit({"type": "phase-end", "phase": "trial", "index": i, "result": result})
        measured_s += result["durationMs"] / 1000
        i += 1
    settings = session.settings()
    if until is not None:
        # How many batches ran and why they stopped (stated after seed-e65a2755): `planned` (the planned count met the
        # rule), `rule` (batches added until it did), `max-trials` / `max-seconds` (the cap stopped it first: the
        # analysis then flags `few-kept`), `no-keepalive-expiry` (no httpx pool expiry to read: the planned count).
        settings["gatherUntil"] = {**until, "planned": planned, "ran": i, "keepaliveExpiryS": expiry,
                                   "startedAfter": started_after, "measuredS": round(measured_s, 3),
                                   "stoppedBy": stopped}
    await session.close()
    emit({"type": "done", "settings": settings})


async def continuous(start):
    session = await open_session(start)
    if session is None:
        return
    inbox = Inbox()
    while True:
        m = await inbox.get()
        if m.get("type") == "finish":
            break
        if m.get("type") != "block" or not isinstance(m.get("index"), int):
            emit({"type": "fatal", "code": "CASEBOOK_FOREIGN_PROTOCOL", "message": f"unexpected {m!r}"[:300]})
            return
        block = m["index"]
        counter = {"index": 0}

        def window(result, block=block, counter=counter):
            emit({"type": "window", "block": block, "index": counter["index"], "result": result})
            counter["index"] += 1

        load = ContinuousLoad(session, start["load"], start["windowMs"], window, start.get("minWindowRequests", 0))
        m = await inbox.get()
        if m.get("type") != "pause":
            emit({"type": "fatal", "code": "CASEBOOK_FOREIGN_PROTOCOL",
                  "message": f"expected pause in block {block}, got {m!r}"[:300]})
            return
        partial = await load.pause()
        inbox.progress(idle=True)
        emit({"type": "paused", "block": block, "partial": partial})
    settings = session.settings()
    await session.close()
    emit({"type": "done", "settings": settings})


def bad_start(start, mode):
    if not isinstance(start, dict) or start.get("type") != "start":
        return "expected a start message"
    if start.get("client") not in CLIENTS:
        return f"client {start.get('client')!r} is not one of {', '.join(CLIENTS)}"
    if start.get("loop", "asyncio") not in LOOPS:
        return f"loop {start.get('loop')!r} is not one of {', '.join(LOOPS)}"
    if mode == "phases" and start["load"].get("mode") != "closed":
        return "the phase method runs a closed loop only"
    until = start.get("gatherUntil")
    if until is not None:
        if mode != "phases":
            return "gatherUntil applies to the phase method's batches only"
        ints = ("minStartedAfter", "maxTrials")
        nums = ("marginS", "maxSeconds")
        if (not isinstance(until, dict) or set(until) != set(ints + nums)
                or any(type(until[k]) is not int or until[k] < 1 for k in ints)
                or any(type(until[k]) not in (int, float) or until[k] < 0 for k in nums) or until["maxSeconds"] <= 0):
            return f"gatherUntil {until!r} is not {{minStartedAfter, maxTrials: int >= 1, marginS >= 0, maxSeconds > 0}}"
    m = start.get("minWindowRequests", 0)
    if type(m) is not int or m < 0:
        return f"minWindowRequests {m!r} is not an integer >= 0"
    if m > 0 and mode != "continuous":
        return "minWindowRequests applies to the steady-state method's windows (--continuous) only"
    return None


def main(argv):
    mode = "continuous" if "--continuous" in argv else "phases"
    line = sys.stdin.readline()
    if line == "":
        return 0
    start = json.loads(line)
    problem = bad_start(start, mode)
    if problem is not None:
        emit({"type": "fatal", "code": "CASEBOOK_FOREIGN_PROTOCOL", "message": f"bad start message: {problem}"})
        return 1
    factory = None
    if start.get("loop", "asyncio") == "uvloop":
        try:
            import uvloop
        except ImportError as exc:
            emit({"type": "fatal", "code": "CASEBOOK_CLIENT_OPEN", "message": f"uvloop is not importable: {exc}"})
            return 1
        factory = uvloop.new_event_loop
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(continuous(start) if mode == "continuous" else phases(start))
    return 0


if __name__ == "__main__":
    if "--probe" in sys.argv[1:]:
        sys.exit(probe())
    try:
        sys.exit(main(sys.argv[1:]))
    except SystemExit:
        raise
    except BaseException as exc:  # noqa: BLE001
        emit({"type": "fatal", "code": "CASEBOOK_WORKER", "message": f"{type(exc).__name__}: {exc}"[:2000]})
        sys.exit(1)
