import { UsageError } from '@casebook/results';

/** A delaying TCP proxy in front of a target: `rttMs` is split evenly into a one-way delay per direction. */
export interface ProxyOptions {
  upstreamPort: number;
  upstreamHost?: string;
  /** Round-trip time to emulate, ms (0 forwards at once). */
  rttMs: number;
}

export interface ResolvedProxyOptions {
  upstreamHost: string;
  upstreamPort: number;
  listenHost: '127.0.0.1';
  rttMs: number;
  oneWayDelayMs: number;
}

export const MAX_PROXY_RTT_MS = 10_000;

export function resolveProxyOptions(input: ProxyOptions): ResolvedProxyOptions {
  const { rttMs } = input;
  if (typeof rttMs !== 'number' || !Number.isFinite(rttMs) || rttMs < 0 || rttMs > MAX_PROXY_RTT_MS)
    throw new UsageError('rttMs', rttMs, `expected a number from 0 to ${MAX_PROXY_RTT_MS}`);
  if (!Number.isInteger(input.upstreamPort) || input.upstreamPort < 1 || input.upstreamPort > 65535)
    throw new UsageError('upstreamPort', input.upstreamPort, 'expected a TCP port 1..65535');
  return {
    upstreamHost: input.upstreamHost ?? '127.0.0.1',
    upstreamPort: input.upstreamPort,
    listenHost: '127.0.0.1',
    rttMs,
    oneWayDelayMs: rttMs / 2,
  };
}

/** What the proxy forwarded since the last reset, and what it cost it. */
export interface ProxyCounters {
  connections: number;
  openConnections: number;
  bytesUp: number;
  bytesDown: number;
  chunksUp: number;
  chunksDown: number;
  peakQueuedBytes: number;
  upstreamErrors: Record<string, number>;
  /** Proxy process CPU since the last reset, µs. */
  cpuMicros: number;
  /** Wall time since the last reset, ms: cpuMicros / (wallMs·1000) is how busy the proxy's core was with it. */
  wallMs: number;
}
