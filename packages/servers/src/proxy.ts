import * as path from 'node:path';
import { pinningPlan, startControlledChild } from '@casebook/procs';
import {
  type ProxyCounters,
  type ProxyOptions,
  type ResolvedProxyOptions,
  resolveProxyOptions,
} from './proxy-protocol';

export interface ProxyHandle {
  /** Where clients connect (loopback). */
  host: string;
  port: number;
  pid: number;
  cpu: number | null;
  options: ResolvedProxyOptions;
  counters(): Promise<ProxyCounters>;
  /** Returns the counters as they were just before the reset. */
  reset(): Promise<ProxyCounters>;
  isAlive(): boolean;
  close(): Promise<void>;
}

/**
 * Start the delaying proxy in its own process, pinned to the server core (it shares it with the target, so keep
 * offered load well under its ceiling — `proxyCeiling` computes it from the counters).
 */
export async function startProxy(input: ProxyOptions, placement: { cpu?: number | null } = {}): Promise<ProxyHandle> {
  const options = resolveProxyOptions(input);
  const cpu = placement.cpu === undefined ? pinningPlan().serverCpu : placement.cpu;
  const server = await startControlledChild<{ port: number; pid: number }>({
    name: 'proxy',
    script: path.join(__dirname, 'proxy-process.js'),
    args: [JSON.stringify(options)],
    cpu,
    codes: { start: 'CASEBOOK_PROXY_START', exited: 'CASEBOOK_PROXY_EXITED', control: 'CASEBOOK_PROXY_CONTROL' },
  });
  return {
    host: options.listenHost,
    port: server.listening.port,
    pid: server.listening.pid,
    cpu,
    options,
    counters: () => server.ask<ProxyCounters>('counters'),
    reset: () => server.ask<ProxyCounters>('reset'),
    isAlive: server.isAlive,
    close: server.close,
  };
}

export interface ProxyCeiling {
  /** Fraction of one core the proxy used over the window. */
  utilization: number;
  cpuMicrosPerRequest: number;
  /** Requests per second the proxy could forward if it had its core to itself (1e6 / CPU µs per request). */
  ceilingRps: number;
}

/** The proxy's own ceiling for a window in which `requests` requests went through it. */
export function proxyCeiling(c: ProxyCounters, requests: number): ProxyCeiling {
  const perRequest = requests > 0 ? c.cpuMicros / requests : 0;
  return {
    utilization: c.wallMs > 0 ? c.cpuMicros / (c.wallMs * 1000) : 0,
    cpuMicrosPerRequest: Math.round(perRequest * 100) / 100,
    ceilingRps: perRequest > 0 ? Math.round(1e6 / perRequest) : Number.POSITIVE_INFINITY,
  };
}
