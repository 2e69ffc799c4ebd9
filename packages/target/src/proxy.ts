import type { ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { CasebookError } from '@casebook/results';
import { pinningPlan, spawnNode, stopChild } from './processes';
import {
  type ProxyCounters,
  type ProxyMessage,
  type ProxyOptions,
  type ProxyRequest,
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
  const child: ChildProcess = spawnNode(path.join(__dirname, 'proxy-process.js'), {
    cpu,
    args: [JSON.stringify(options)],
  });
  let nextId = 1;
  const pending = new Map<number, { resolve: (c: ProxyCounters) => void; reject: (e: Error) => void }>();
  child.on('message', (message: ProxyMessage) => {
    if (message.type === 'reply') {
      pending.get(message.id)?.resolve(message.counters);
      pending.delete(message.id);
    }
  });
  child.once('exit', (code, signal) => {
    for (const p of pending.values())
      p.reject(new CasebookError('CASEBOOK_PROXY_EXITED', `proxy exited (code ${code}, signal ${signal})`));
    pending.clear();
  });
  const listening = await new Promise<Extract<ProxyMessage, { type: 'listening' }>>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new CasebookError('CASEBOOK_PROXY_START', 'proxy did not start within 15 s')),
      15_000,
    );
    child.on('message', (message: ProxyMessage) => {
      if (message.type === 'listening') {
        clearTimeout(timer);
        resolve(message);
      } else if (message.type === 'fatal') {
        clearTimeout(timer);
        reject(new CasebookError('CASEBOOK_PROXY_START', `proxy failed: ${message.message}`));
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new CasebookError('CASEBOOK_PROXY_START', 'proxy exited during start'));
    });
  }).catch(async (error: unknown) => {
    await stopChild(child, 100);
    throw error;
  });
  const alive = () => child.exitCode === null && child.signalCode === null;
  const ask = (type: ProxyRequest['type']): Promise<ProxyCounters> =>
    new Promise<ProxyCounters>((resolve, reject) => {
      if (!child.connected) {
        reject(new CasebookError('CASEBOOK_PROXY_EXITED', 'proxy is not running'));
        return;
      }
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new CasebookError('CASEBOOK_PROXY_CONTROL', `proxy did not answer ${type} within 5 s`));
      }, 5000);
      pending.set(id, {
        resolve: (c) => {
          clearTimeout(timer);
          resolve(c);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      child.send({ type, id } satisfies ProxyRequest);
    });
  return {
    host: options.listenHost,
    port: listening.port,
    pid: listening.pid,
    cpu,
    options,
    counters: () => ask('counters'),
    reset: () => ask('reset'),
    isAlive: alive,
    async close() {
      if (alive()) await ask('close').catch(() => undefined);
      await stopChild(child);
    },
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
