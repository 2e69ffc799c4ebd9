import * as net from 'node:net';
import { liveChildren } from '@casebook/procs';
import { runBench } from '@casebook/runner';
import { startProxy } from '@casebook/servers';
import { describe, expect, it } from 'vitest';

/** A TCP server that answers each connection with `payload` after the client half-closes, then ends at once. */
async function echoAfterFin(payload: Buffer): Promise<{ port: number; close: () => void; received: number[] }> {
  const received: number[] = [];
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    let bytes = 0;
    socket.on('data', (c: Buffer) => {
      bytes += c.length;
    });
    socket.on('end', () => {
      received.push(bytes);
      socket.end(payload); // data then FIN, immediately: the proxy must deliver both, in order
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, close: () => server.close(), received };
}

describe('delaying proxy', () => {
  it('keeps order, FIN and every queued byte when the upstream closes right after writing', async () => {
    const payload = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = i % 251;
    const upstream = await echoAfterFin(payload);
    const proxy = await startProxy({ upstreamPort: upstream.port, rttMs: 40 });
    try {
      const started = performance.now();
      const got = await new Promise<{ data: Buffer; firstByteMs: number }>((resolve, reject) => {
        const chunks: Buffer[] = [];
        let firstByteMs = -1;
        const s = net.connect({ host: proxy.host, port: proxy.port, allowHalfOpen: true }, () => {
          s.end(Buffer.from('hello'));
        });
        s.on('data', (c: Buffer) => {
          if (firstByteMs < 0) firstByteMs = performance.now() - started;
          chunks.push(c);
        });
        s.on('end', () => resolve({ data: Buffer.concat(chunks), firstByteMs }));
        s.on('error', reject);
      });
      expect(upstream.received).toEqual([5]);
      expect(got.data.length).toBe(payload.length);
      expect(got.data.equals(payload)).toBe(true);
      // Request FIN up (20 ms) then response down (20 ms): at least one RTT before the first byte.
      expect(got.firstByteMs).toBeGreaterThanOrEqual(39);
      const c = await proxy.counters();
      expect(c.bytesDown).toBe(payload.length);
      expect(c.bytesUp).toBe(5);
    } finally {
      await proxy.close();
      upstream.close();
    }
  });

  it('keep-alive through the proxy reuses one connection and each request takes at least one RTT; a connection per request takes at least three, and TLS resumption still works through it', async () => {
    const rttMs = 40;
    const requests = 10;
    const coldRequests = 6;
    const common = { client: 'node-http', concurrency: 1, trials: 1, tls: { version: 'TLSv1.3' as const } };
    const warm = await runBench({ ...common, requests, warmupRequests: 2, rttMs });
    const cold = await runBench({ ...common, requests: coldRequests, warmupRequests: 0, rttMs, keepAlive: false });
    for (const r of [warm, cold]) expect(r.status).toBe('completed');
    // Keep-alive: the trial rode the warm-up's connection (no new one at the proxy or the target), one round trip per
    // request: none can be faster than the RTT the proxy adds (5% for timer granularity).
    expect(warm.target.requests).toBe(requests);
    expect(warm.target.connectionsOpened).toBe(1);
    expect(warm.proxy?.trials[0]?.connections).toBe(0);
    expect(warm.latencyMs.minMs).toBeGreaterThanOrEqual(0.95 * rttMs);
    // New connection per request: TCP (connect hook) + TLS 1.3 (1 RTT, full or resumed) + request = at least 3 RTT.
    expect(cold.latencyMs.p50).toBeGreaterThanOrEqual(2.85 * rttMs);
    expect(cold.trials[0]?.target?.connectionsOpened).toBe(coldRequests);
    // Session tickets arrive after the handshake; dropping queued bytes on close would lose them.
    expect(cold.trials[0]?.target?.tls).toMatchObject({ fullHandshakes: 1, resumedHandshakes: coldRequests - 1 });
    expect(cold.proxy?.rttMs).toBe(rttMs);
    expect(cold.proxy?.trials[0]?.connections).toBe(coldRequests);
    // The proxy's own CPU was measured (whether it was the limit is a speed: the tls-reuse notebook reports it).
    expect(cold.proxy?.utilization).toBeGreaterThan(0);
    expect(liveChildren()).toEqual([]);
  });
});
