"""Minimal reproduction, outside the lab's harness, of what notebook 06 records for httpx at 512 in flight: a closed
loop of N lanes on one httpx.AsyncClient with its default pool (100 connections, 20 kept alive, 5 s timeouts) against
a local HTTP/1.1 server. Prints, per second: completed requests, errors by type, and the process's CPU share.

    python httpx_closed_loop.py http://127.0.0.1:PORT/ [lanes=512] [seconds=20]

No lab code is imported: only httpx (and whatever it brings) and the standard library.
"""

import asyncio
import collections
import resource
import sys
import time

import httpx


async def main(url, lanes, seconds):
    done = 0
    errors = collections.Counter()
    stop = False

    async with httpx.AsyncClient() as client:

        async def lane():
            nonlocal done
            while not stop:
                try:
                    r = await client.get(url)
                    await r.aread()
                    done += 1
                except Exception as exc:  # noqa: BLE001 - counted by type
                    errors[type(exc).__name__] += 1

        tasks = [asyncio.ensure_future(lane()) for _ in range(lanes)]
        last_done, last_cpu, last_t = 0, 0.0, time.perf_counter()
        for second in range(1, seconds + 1):
            await asyncio.sleep(1)
            ru = resource.getrusage(resource.RUSAGE_SELF)
            cpu, t = ru.ru_utime + ru.ru_stime, time.perf_counter()
            print(f"{second:3d} s  {done - last_done:6d} req/s  cpu {(cpu - last_cpu) / (t - last_t):.2f}  "
                  f"errors {dict(errors)}", flush=True)
            last_done, last_cpu, last_t = done, cpu, t
        stop = True
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    print(f"httpx {httpx.__version__}: {done} requests in {seconds} s, errors {dict(errors)}")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 512,
                     int(sys.argv[3]) if len(sys.argv) > 3 else 20))
