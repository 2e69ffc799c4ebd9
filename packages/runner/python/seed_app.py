"""The seed's FastAPI app: four routes that each call the lab's upstream target once and return its status.

The seed's first experiment was an app like this under wrk: async routes awaiting httpx or aiohttp, an async route
calling `requests` (which blocks the event loop for the whole upstream call), and a sync route calling `requests`
(FastAPI runs a plain `def` route in Starlette's threadpool: anyio's default thread limiter, 40 tokens). Started by
packages/runner/src/seed-app-process.ts under uvicorn, one worker, no access log, pinned to its own core:

    python seed_app.py --loop asyncio|uvloop      (upstream origin in $SEED_APP_UPSTREAM)

It binds an ephemeral loopback port itself and prints one JSON line `{"type": "listening", "port": N, "pid": P}`
on stdout; it exits when its stdin closes (the parent ended it or died), so it never outlives its run.

Besides the seed's routes, two of its own that the load generators never call:
  GET /_casebook/settings   the effective values: thread limiter tokens, pool limits, the loop, package versions
  GET /_casebook/stats      per-route counts and in-flight peaks, threadpool peak, event-loop lag; `?reset=1`
                            starts a new window (counters to zero, peaks from what is in flight now)
"""

import argparse
import asyncio
import importlib.metadata
import json
import os
import platform
import socket
import sys
import threading
import time
from contextlib import asynccontextmanager

import aiohttp
import anyio.to_thread
import httpx
import requests
import uvicorn
from fastapi import FastAPI
from starlette.responses import JSONResponse, Response

UPSTREAM_ENV = "SEED_APP_UPSTREAM"
SEED_ROUTES = ("/httpx", "/aiohttp", "/requests-async", "/requests-sync")
# The event-loop lag probe sleeps this long and records how late it wakes: 100 samples a second costs the loop
# next to nothing, and a route that blocks the loop shows up as lateness of the order of its upstream call.
LAG_INTERVAL_S = 0.01
# Lag samples kept per stats window (100 a second: a window of over 16 minutes), so memory stays bounded.
LAG_SAMPLES_MAX = 100_000
# Packages whose versions the settings route reports (importlib.metadata names).
VERSIONED = ("fastapi", "starlette", "uvicorn", "anyio", "httpx", "httpcore", "h11", "aiohttp", "requests",
             "urllib3", "uvloop")


class RouteStats:
    def __init__(self):
        self.in_flight = 0
        self.reset()

    def reset(self):
        self.requests = 0
        self.completed = 0
        self.peak_in_flight = self.in_flight
        self.upstream_status = {}
        self.errors = {}

    def snapshot(self):
        return {
            "requests": self.requests,
            "completed": self.completed,
            "inFlight": self.in_flight,
            "peakInFlight": self.peak_in_flight,
            "upstreamStatus": dict(self.upstream_status),
            "errors": dict(self.errors),
        }


class Stats:
    """Counters of one window. Only the sync route's threads touch `threads_*`, under the lock."""

    def __init__(self):
        self.routes = {path: RouteStats() for path in SEED_ROUTES}
        self.lock = threading.Lock()
        self.threads_running = 0
        self.threads_peak = 0
        self.lag_ms = []
        self.window_start = time.monotonic()

    def reset(self):
        for r in self.routes.values():
            r.reset()
        with self.lock:
            self.threads_peak = self.threads_running
        self.lag_ms = []
        self.window_start = time.monotonic()

    def lag_summary(self):
        if not self.lag_ms:
            return None
        s = sorted(self.lag_ms)
        pick = lambda q: s[min(len(s) - 1, int(q * len(s)))]
        return {"samples": len(s), "p50": pick(0.5), "p99": pick(0.99), "max": s[-1]}

    def snapshot(self):
        return {
            "windowMs": (time.monotonic() - self.window_start) * 1000,
            "routes": {path: r.snapshot() for path, r in self.routes.items()},
            "threadsRunning": self.threads_running,
            "threadsPeak": self.threads_peak,
            "loopLagMs": self.lag_summary(),
        }


stats = Stats()
shared = {}


def upstream_url():
    return os.environ[UPSTREAM_ENV].rstrip("/") + "/"


def done(path, status):
    r = stats.routes[path]
    r.completed += 1
    key = str(status)
    r.upstream_status[key] = r.upstream_status.get(key, 0) + 1


def failed(path, error):
    r = stats.routes[path]
    r.completed += 1
    key = type(error).__name__
    r.errors[key] = r.errors.get(key, 0) + 1


def status_response(status):
    """The upstream's status as this response's status and body (three bytes, whatever the route)."""
    return Response(content=str(status), status_code=status, media_type="text/plain")


async def lag_probe():
    while True:
        start = time.perf_counter()
        await asyncio.sleep(LAG_INTERVAL_S)
        if len(stats.lag_ms) < LAG_SAMPLES_MAX:
            stats.lag_ms.append((time.perf_counter() - start - LAG_INTERVAL_S) * 1000)


@asynccontextmanager
async def lifespan(_app):
    # One client of each kind for the app's life, as the seed had them; each with its library's default pool.
    shared["httpx"] = httpx.AsyncClient()
    shared["aiohttp"] = aiohttp.ClientSession()
    shared["requests"] = requests.Session()
    probe = asyncio.create_task(lag_probe())
    try:
        yield
    finally:
        probe.cancel()
        await shared["httpx"].aclose()
        await shared["aiohttp"].close()
        shared["requests"].close()


class CountingMiddleware:
    """Pure ASGI (no BaseHTTPMiddleware task per request): counts each seed route's requests and in-flight peak,
    including the time a sync route waits for a thread token."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        r = stats.routes.get(scope.get("path")) if scope["type"] == "http" else None
        if r is None:
            await self.app(scope, receive, send)
            return
        r.requests += 1
        r.in_flight += 1
        if r.in_flight > r.peak_in_flight:
            r.peak_in_flight = r.in_flight
        try:
            await self.app(scope, receive, send)
        finally:
            r.in_flight -= 1


app = FastAPI(lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None)
app.add_middleware(CountingMiddleware)


@app.get("/httpx")
async def via_httpx():
    try:
        r = await shared["httpx"].get(upstream_url())
    except Exception as error:
        failed("/httpx", error)
        return status_response(502)
    done("/httpx", r.status_code)
    return status_response(r.status_code)


@app.get("/aiohttp")
async def via_aiohttp():
    try:
        async with shared["aiohttp"].get(upstream_url()) as r:
            await r.read()
            status = r.status
    except Exception as error:
        failed("/aiohttp", error)
        return status_response(502)
    done("/aiohttp", status)
    return status_response(status)


@app.get("/requests-async")
async def via_requests_async():
    # The seed's mistake, on purpose: a blocking call in an async route holds the event loop for the whole upstream
    # call, so every other request on this process waits behind it. The same shared Session as the sync route, so
    # the two requests routes differ only in where the call runs (event loop vs threadpool).
    try:
        r = shared["requests"].get(upstream_url())
    except Exception as error:
        failed("/requests-async", error)
        return status_response(502)
    done("/requests-async", r.status_code)
    return status_response(r.status_code)


@app.get("/requests-sync")
def via_requests_sync():
    # A sync route: FastAPI runs it in Starlette's threadpool (anyio.to_thread, default limiter of 40 tokens).
    with stats.lock:
        stats.threads_running += 1
        if stats.threads_running > stats.threads_peak:
            stats.threads_peak = stats.threads_running
    try:
        try:
            r = shared["requests"].get(upstream_url())
        except Exception as error:
            failed("/requests-sync", error)
            return status_response(502)
        done("/requests-sync", r.status_code)
        return status_response(r.status_code)
    finally:
        with stats.lock:
            stats.threads_running -= 1


def version(name):
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def attr_path(obj, *names):
    """A private attribute read for the settings report (None when this version has no such attribute)."""
    for name in names:
        obj = getattr(obj, name, None)
        if obj is None:
            return None
    return obj


@app.get("/_casebook/settings")
async def settings():
    limiter = anyio.to_thread.current_default_thread_limiter()
    pool = attr_path(shared["httpx"], "_transport", "_pool")
    connector = shared["aiohttp"].connector
    adapter = shared["requests"].get_adapter(upstream_url())
    loop = asyncio.get_running_loop()
    return JSONResponse({
        "upstream": upstream_url(),
        "threadLimiterTotalTokens": limiter.total_tokens,
        "httpx": {
            "maxConnections": attr_path(pool, "_max_connections"),
            "maxKeepaliveConnections": attr_path(pool, "_max_keepalive_connections"),
            "keepaliveExpiryS": attr_path(pool, "_keepalive_expiry"),
        },
        "aiohttp": {"limit": connector.limit, "limitPerHost": connector.limit_per_host},
        "requests": {
            "asyncRoute": "the shared requests.Session, called on the event loop",
            "syncRoutePoolConnections": attr_path(adapter, "_pool_connections"),
            "syncRoutePoolMaxsize": attr_path(adapter, "_pool_maxsize"),
            "syncRoutePoolBlock": attr_path(adapter, "_pool_block"),
        },
        "loop": f"{type(loop).__module__}.{type(loop).__name__}",
        "uvloop": type(loop).__module__.startswith("uvloop"),
        "uvicornVersion": uvicorn.__version__,
        "python": {
            "version": platform.python_version(),
            "implementation": platform.python_implementation(),
            "build": " ".join(platform.python_build()),
            "executable": sys.executable,
            "freeThreaded": not getattr(sys, "_is_gil_enabled", lambda: True)(),
        },
        "versions": {name: version(name) for name in VERSIONED},
    })


@app.get("/_casebook/stats")
async def get_stats(reset: int = 0):
    snapshot = stats.snapshot()
    if reset:
        stats.reset()
    return JSONResponse(snapshot)


def exit_when_stdin_closes():
    try:
        while sys.stdin.buffer.read(4096):
            pass
    finally:
        os._exit(0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    args = parser.parse_args()
    if not os.environ.get(UPSTREAM_ENV):
        sys.exit(f"{UPSTREAM_ENV} is not set (the upstream origin, e.g. http://127.0.0.1:8080)")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    # The equivalent of `uvicorn seed_app:app --loop <loop> --no-access-log --workers 1`, on a socket bound here so the
    # port is known before the server starts.
    config = uvicorn.Config(app, loop=args.loop, access_log=False, workers=1, log_level="warning", lifespan="on")
    threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    print(json.dumps({"type": "listening", "port": sock.getsockname()[1], "pid": os.getpid()}), flush=True)
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
