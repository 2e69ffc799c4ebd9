"""Foreign-client worker for the Concurrency Casebook runner.

One Python HTTP client, alone in its own process, driven by the Node runner over stdin/stdout (one JSON object per
line). Parent -> worker: {"type": "start", ...} then {"type": "go"} before each phase. Worker -> parent: "ready",
"phase-start", "progress", "phase-end" (raw per-request latencies in microseconds, errors by code, process CPU
time), "done" or "fatal". The worker exits when its stdin closes (parent gone).

`--probe` prints the interpreter and package versions as one JSON line and exits 0, or exits 3 when httpx or aiohttp
cannot be imported.
"""

import asyncio
import json
import resource
import sys
import time

CLIENTS = ("httpx", "aiohttp", "httpx-aiohttp")


def emit(message):
    sys.stdout.write(json.dumps(message, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def versions():
    import importlib.metadata as md

    import aiohttp
    import httpx

    out = {
        "python": sys.version.split()[0],
        "executable": sys.executable,
        "httpx": httpx.__version__,
        "aiohttp": aiohttp.__version__,
    }
    for name in ("httpcore", "anyio", "h11", "yarl", "multidict"):
        try:
            out[name] = md.version(name)
        except Exception:  # noqa: BLE001 - a version we cannot read is recorded as missing
            out[name] = None
    return out


def probe():
    try:
        emit({"type": "probe", "ok": True, "versions": versions()})
        return 0
    except Exception as exc:  # noqa: BLE001
        emit({"type": "probe", "ok": False, "python": sys.version.split()[0], "executable": sys.executable,
              "error": f"{type(exc).__name__}: {exc}"})
        return 3


class Session:
    """One client for one origin: request(path) -> (status, body_bytes); settings read from the live objects."""

    def __init__(self, name, origin, connections, timeout_ms):
        self.name = name
        self.origin = origin.rstrip("/")
        self.connections = connections
        self.timeout_ms = timeout_ms
        self._client = None
        self._session = None

    async def open(self):
        import aiohttp
        import httpx

        if self.name in ("aiohttp", "httpx-aiohttp"):
            kwargs = {"auto_decompress": False} if self.name == "httpx-aiohttp" else {}
            connector = aiohttp.TCPConnector(limit=self.connections) if self.connections is not None else aiohttp.TCPConnector()
            timeout = (aiohttp.ClientTimeout(total=self.timeout_ms / 1000) if self.timeout_ms is not None
                       else aiohttp.ClientTimeout(total=5 * 60))
            self._session = aiohttp.ClientSession(connector=connector, timeout=timeout, **kwargs)
        if self.name in ("httpx", "httpx-aiohttp"):
            kwargs = {}
            if self.timeout_ms is not None:
                kwargs["timeout"] = httpx.Timeout(self.timeout_ms / 1000)
            if self.name == "httpx":
                if self.connections is not None:
                    # A pool of N reusable connections, as every Node client's `connections` means.
                    kwargs["limits"] = httpx.Limits(max_connections=self.connections,
                                                    max_keepalive_connections=self.connections)
            else:
                kwargs["transport"] = AiohttpTransport(self._session)
            self._client = httpx.AsyncClient(**kwargs)

    def settings(self):
        out = {"client": self.name}
        if self._client is not None:
            transport = self._client._transport  # noqa: SLF001 - read the live object, as for Node clients
            pool = getattr(transport, "_pool", None)
            if pool is not None:
                out["httpx.max_connections"] = pool._max_connections  # noqa: SLF001
                out["httpx.max_keepalive_connections"] = pool._max_keepalive_connections  # noqa: SLF001
                out["httpx.keepalive_expiry_s"] = pool._keepalive_expiry  # noqa: SLF001
                out["httpx.http2"] = pool._http2  # noqa: SLF001
                out["httpx.pool_size"] = len(pool._pool)  # noqa: SLF001
            out["httpx.transport"] = type(transport).__name__
            t = self._client.timeout
            out["httpx.timeout_s"] = {"connect": t.connect, "read": t.read, "write": t.write, "pool": t.pool}
        if self._session is not None:
            c = self._session.connector
            out["aiohttp.limit"] = c.limit
            out["aiohttp.limit_per_host"] = c.limit_per_host
            out["aiohttp.timeout_total_s"] = self._session.timeout.total
        out["eventLoop"] = type(asyncio.get_running_loop()).__name__
        return out

    async def request(self, path):
        url = self.origin + path
        if self._client is not None:
            r = await self._client.get(url)
            return r.status_code, len(r.content)
        async with self._session.get(url) as r:
            body = await r.read()
            return r.status, len(body)

    async def close(self):
        if self._client is not None:
            await self._client.aclose()
        if self._session is not None:
            await self._session.close()


def _transport_class():
    import httpx

    class _AiohttpTransport(httpx.AsyncBaseTransport):
        """httpx's API over an aiohttp session (the seed's AiohttpTransport shim): httpcore is bypassed."""

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
            return httpx.Response(r.status, headers=r.raw_headers, content=body, request=request)

    return _AiohttpTransport


def AiohttpTransport(session):  # noqa: N802 - built lazily so --probe works without httpx
    return _transport_class()(session)


def error_code(exc):
    return type(exc).__name__


class Phase:
    def __init__(self, expected_status, expected_body):
        self.expected_status = expected_status
        self.expected_body = expected_body
        self.sent = 0
        self.ok = 0
        self.errors_total = 0
        self.by_code = {}
        self.samples = {}
        self.latencies = []
        self.in_flight = 0
        self.peak = 0

    def error(self, code, message):
        self.errors_total += 1
        self.by_code[code] = self.by_code.get(code, 0) + 1
        if code not in self.samples:
            self.samples[code] = message[:300]


async def run_phase(session, spec, total, duration_ms, on_progress):
    p = Phase(spec["expectedStatus"], spec["expectedBodyBytes"])
    path = spec["path"]
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    deadline = t0 + duration_ms / 1000 if duration_ms is not None else None
    state = {"since": 0, "last": t0}
    perf_ns = time.perf_counter_ns

    async def lane():
        while True:
            if total is not None and p.sent >= total:
                return
            if deadline is not None and time.perf_counter() >= deadline:
                return
            p.sent += 1
            p.in_flight += 1
            if p.in_flight > p.peak:
                p.peak = p.in_flight
            start = perf_ns()
            try:
                status, nbytes = await session.request(path)
            except Exception as exc:  # noqa: BLE001 - every failure is counted by code
                p.in_flight -= 1
                p.error(error_code(exc), f"{type(exc).__name__}: {exc}")
            else:
                micros = (perf_ns() - start) // 1000
                p.in_flight -= 1
                if status != p.expected_status:
                    p.error(f"HTTP_{status}", f"status {status}, expected {p.expected_status}")
                elif nbytes != p.expected_body:
                    p.error("CASEBOOK_BODY_SIZE", f"body {nbytes} bytes, expected {p.expected_body}")
                else:
                    p.ok += 1
                    p.latencies.append(micros)
            if on_progress is not None:
                state["since"] += 1
                if state["since"] >= 256:
                    state["since"] = 0
                    now = time.perf_counter()
                    if now - state["last"] >= 0.2:
                        state["last"] = now
                        on_progress(p.ok + p.errors_total)

    await asyncio.gather(*(lane() for _ in range(spec["concurrency"])))
    elapsed = time.perf_counter() - t0
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    user = (ru1.ru_utime - ru0.ru_utime) * 1e6
    system = (ru1.ru_stime - ru0.ru_stime) * 1e6
    return {
        "sent": p.sent,
        "ok": p.ok,
        "errors": {"total": p.errors_total, "byCode": p.by_code},
        "errorSamples": p.samples,
        "durationMs": elapsed * 1000,
        "latenciesMicros": p.latencies,
        "cpuUserMicros": round(user),
        "cpuSystemMicros": round(system),
        # Python has no event-loop-utilization counter: this is process CPU time / wall time, a busy fraction.
        "eventLoopUtilization": ((user + system) / 1e6) / elapsed if elapsed > 0 else 0,
        "clientPeakInFlight": p.peak,
        "protocols": {"http/1.1": p.ok},
    }


async def main():
    loop = asyncio.get_running_loop()
    stdin = sys.stdin

    async def read_message():
        line = await loop.run_in_executor(None, stdin.readline)
        if line == "":
            sys.exit(0)  # parent gone
        return json.loads(line)

    async def wait_for_go():
        while True:
            m = await read_message()
            if m.get("type") == "go":
                return

    start = await read_message()
    if start.get("type") != "start" or start.get("client") not in CLIENTS:
        emit({"type": "fatal", "code": "CASEBOOK_FOREIGN_PROTOCOL", "message": f"bad start message: {start!r}"[:300]})
        return
    try:
        session = Session(start["client"], start["origin"], start.get("connections"), start.get("requestTimeoutMs"))
        await session.open()
    except Exception as exc:  # noqa: BLE001
        emit({"type": "fatal", "code": "CASEBOOK_CLIENT_OPEN", "message": f"{type(exc).__name__}: {exc}"})
        return
    emit({"type": "ready", "versions": versions(), "settings": session.settings()})
    load = start["load"]
    if start["warmupRequests"] > 0:
        emit({"type": "phase-start", "phase": "warmup", "index": 0})
        await wait_for_go()
        result = await run_phase(session, load, start["warmupRequests"], None, None)
        emit({"type": "phase-end", "phase": "warmup", "index": 0, "result": result})
    for i in range(start["trials"]):
        emit({"type": "phase-start", "phase": "trial", "index": i})
        await wait_for_go()

        def progress(done, i=i):
            emit({"type": "progress", "phase": "trial", "index": i, "done": done, "total": load.get("requests")})

        result = await run_phase(session, load, load.get("requests"), load.get("durationMs"), progress)
        emit({"type": "phase-end", "phase": "trial", "index": i, "result": result})
    settings = session.settings()
    await session.close()
    emit({"type": "done", "settings": settings})


if __name__ == "__main__":
    if "--probe" in sys.argv[1:]:
        sys.exit(probe())
    try:
        asyncio.run(main())
    except SystemExit:
        raise
    except BaseException as exc:  # noqa: BLE001
        emit({"type": "fatal", "code": "CASEBOOK_WORKER", "message": f"{type(exc).__name__}: {exc}"[:2000]})
        sys.exit(1)
