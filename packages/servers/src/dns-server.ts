import * as path from 'node:path';
import { type ControlledChild, pinningPlan, startControlledChild } from '@casebook/procs';
import { UsageError } from '@casebook/results';
import type { DnsCounters, DnsNameConfig, DnsServerOptions } from './dns-server-protocol';

export interface DnsServerHandle {
  host: string;
  port: number;
  pid: number;
  cpu: number | null;
  /** `host:port` as resolv.conf / Resolver#setServers want it (port omitted when 53). */
  server: string;
  counters(): Promise<DnsCounters>;
  /** Counters as they were just before the reset. */
  reset(): Promise<DnsCounters>;
  /** Replace the served names (delay, TTL, failure mode). */
  configure(names: Record<string, Partial<DnsNameConfig>>): Promise<void>;
  isAlive(): boolean;
  close(): Promise<void>;
}

const MODES = ['answer', 'servfail', 'nxdomain', 'drop'] as const;

/** Validate names served by the lab DNS server: loopback IPv4 answers only, delay ≥ 0, TTL ≥ 0, known mode. */
export function resolveDnsNames(input: Record<string, Partial<DnsNameConfig>>): Record<string, DnsNameConfig> {
  const out: Record<string, DnsNameConfig> = {};
  for (const [rawName, c] of Object.entries(input)) {
    const name = rawName.toLowerCase().replace(/\.$/, '');
    if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(name))
      throw new UsageError('dns.names', rawName, 'expected a dotted host name');
    const address = c.address ?? '127.0.0.1';
    if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address))
      throw new UsageError(`dns.names.${name}.address`, address, 'expected a loopback IPv4 address (127.0.0.0/8)');
    const delayMs = c.delayMs ?? 0;
    if (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0)
      throw new UsageError(`dns.names.${name}.delayMs`, delayMs, 'expected a number ≥ 0');
    const ttl = c.ttl ?? 60;
    if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 0)
      throw new UsageError(`dns.names.${name}.ttl`, ttl, 'expected an integer ≥ 0');
    const mode = c.mode ?? 'answer';
    if (!(MODES as readonly string[]).includes(mode))
      throw new UsageError(`dns.names.${name}.mode`, mode, `expected one of ${MODES.join(', ')}`);
    out[name] = { address, delayMs, ttl, mode };
  }
  return out;
}

function randomLabHost(): string {
  return `127.0.53.${2 + Math.floor(Math.random() * 250)}`;
}

type DnsServerChild = ControlledChild<{ host: string; port: number; pid: number }>;

function spawnServer(
  host: string,
  port: number,
  names: Record<string, DnsNameConfig>,
  cpu: number | null,
): Promise<DnsServerChild> {
  return startControlledChild({
    name: 'DNS server',
    script: path.join(__dirname, 'dns-server-process.js'),
    args: [JSON.stringify({ host, port, names })],
    cpu,
    codes: { start: 'CASEBOOK_DNS_START', exited: 'CASEBOOK_DNS_EXITED', control: 'CASEBOOK_DNS_CONTROL' },
  });
}

/**
 * Start the lab DNS server in its own process on a loopback address. With port 'prefer-53' (default) it binds
 * port 53 on a fresh 127.0.53.x address (what glibc needs: resolv.conf has no port), and falls back to an
 * ephemeral port when 53 is not permitted — then only c-ares (`Resolver#setServers`) can use it.
 */
export async function startDnsServer(
  input: DnsServerOptions,
  placement: { cpu?: number | null } = {},
): Promise<DnsServerHandle> {
  const names = resolveDnsNames(input.names);
  const cpu = placement.cpu === undefined ? pinningPlan().serverCpu : placement.cpu;
  const wanted = input.port ?? 'prefer-53';
  if (
    wanted !== 'prefer-53' &&
    (typeof wanted !== 'number' || !Number.isInteger(wanted) || wanted < 0 || wanted > 65535)
  )
    throw new UsageError('dns.port', wanted, "expected 'prefer-53' or a port number");
  if (input.host !== undefined && !/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(input.host))
    throw new UsageError('dns.host', input.host, 'expected a loopback IPv4 address');
  let started: DnsServerChild | null = null;
  let lastError: unknown = null;
  const attempts: [string, number][] =
    wanted === 'prefer-53'
      ? [
          [input.host ?? randomLabHost(), 53],
          [input.host ?? randomLabHost(), 53],
          [input.host ?? randomLabHost(), 0],
        ]
      : [[input.host ?? randomLabHost(), wanted]];
  for (const [host, port] of attempts) {
    try {
      started = await spawnServer(host, port, names, cpu);
      break;
    } catch (error) {
      lastError = error;
    }
  }
  if (!started) throw lastError;
  const server = started;
  const { host, port, pid } = server.listening;
  return {
    host,
    port,
    pid,
    cpu,
    server: port === 53 ? host : `${host}:${port}`,
    counters: () => server.ask<DnsCounters>('counters'),
    reset: () => server.ask<DnsCounters>('reset'),
    configure: async (next) => {
      await server.ask('configure', { names: resolveDnsNames(next) });
    },
    isAlive: server.isAlive,
    close: server.close,
  };
}
