/**
 * The DNS lab: a lab DNS server (own process, loopback), a target reachable as `svc.lab.test`, and client processes
 * that resolve that name either through getaddrinfo — inside a private mount namespace whose /etc/resolv.conf names
 * only the lab server (Linux, root; the machine's resolv.conf is never touched) — or through c-ares with
 * `Resolver#setServers`. Where the namespace is not possible, jobs that need the system resolver are refused
 * (CASEBOOK_DNS_NO_NAMESPACE): a lab name must never reach the machine's resolver.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLIENT_NAMES, type ClientOptions, isClientName, resolveClientOptions } from '@casebook/clients';
import { ipcTransport, pinningPlan, spawnNode, stopChild } from '@casebook/procs';
import { CasebookError, UsageError } from '@casebook/results';
import {
  type DnsCounters,
  type DnsNameConfig,
  type DnsServerHandle,
  emptyDnsCounters,
  startDnsServer,
  startTarget,
  type TargetHandle,
  type TargetOptions,
} from '@casebook/servers';
import type { DnsJob, DnsParentToWorker, DnsRoundResult, DnsWorkerToParent } from './dns-protocol';
import { driveWorker } from './driver';

/** A DNS job is a handful of rounds of at most 10 000 lookups or requests: two minutes means it is stuck. */
const DNS_JOB_TIMEOUT_MS = 120_000;

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

export const LAB_NAME = 'svc.lab.test';

export interface NamespaceSupport {
  available: boolean;
  /** Why not (or how), for the notebook. */
  reason: string;
  nsswitchHosts: string | null;
  /** Lab names found in /etc/hosts (must be none: files come before dns). */
  hostsConflicts: string[];
}

function findBin(name: string): string | null {
  for (const dir of (process.env['PATH'] ?? '').split(':').concat(['/usr/bin', '/bin', '/usr/sbin', '/sbin'])) {
    if (dir && fs.existsSync(path.join(dir, name))) return path.join(dir, name);
  }
  return null;
}

/** The wrapper that starts a command in a private mount namespace with `resolvConf` bind-mounted on /etc/resolv.conf. */
export function namespaceWrapper(resolvConfPath: string): string[] {
  return [
    findBin('unshare') ?? 'unshare',
    '--mount',
    '--propagation',
    'private',
    'sh',
    '-c',
    'mount --bind "$0" /etc/resolv.conf && exec "$@"',
    resolvConfPath,
  ];
}

/** Can client processes use getaddrinfo against the lab server? Tried for real, never assumed. */
export function namespaceSupport(labNames: readonly string[] = [LAB_NAME]): NamespaceSupport {
  let nsswitchHosts: string | null = null;
  try {
    const line = fs
      .readFileSync('/etc/nsswitch.conf', 'utf8')
      .split('\n')
      .find((l) => /^\s*hosts:/.test(l));
    nsswitchHosts = line ? line.replace(/^\s*hosts:\s*/, '').trim() : null;
  } catch {
    nsswitchHosts = null;
  }
  let hostsConflicts: string[] = [];
  try {
    const hosts = fs.readFileSync('/etc/hosts', 'utf8').toLowerCase();
    hostsConflicts = labNames.filter((n) =>
      hosts.split('\n').some((l) => l.replace(/#.*/, '').split(/\s+/).slice(1).includes(n)),
    );
  } catch {
    hostsConflicts = [];
  }
  const no = (reason: string): NamespaceSupport => ({ available: false, reason, nsswitchHosts, hostsConflicts });
  if (process.platform !== 'linux') return no(`mount namespaces are Linux-only (platform ${process.platform})`);
  if (typeof process.getuid === 'function' && process.getuid() !== 0)
    return no('not root: cannot unshare -m and bind-mount');
  if (!findBin('unshare')) return no('unshare not found');
  if (nsswitchHosts !== null && !/\bdns\b/.test(nsswitchHosts))
    return no(`nsswitch hosts line "${nsswitchHosts}" has no dns source`);
  if (hostsConflicts.length > 0)
    return no(`/etc/hosts names ${hostsConflicts.join(', ')}: getaddrinfo would not ask DNS`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'casebook-dns-probe-'));
  try {
    const probe = path.join(dir, 'resolv.conf');
    const marker = `# casebook namespace probe ${process.pid}\nnameserver 127.0.53.1\n`;
    fs.writeFileSync(probe, marker);
    const [cmd, ...args] = namespaceWrapper(probe);
    const out = execFileSync(cmd as string, [...args, 'cat', '/etc/resolv.conf'], {
      encoding: 'utf8',
      timeout: 5000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (out !== marker) return no('bind-mounting a resolv.conf in a private mount namespace did not take effect');
  } catch (error) {
    return no(`unshare -m / mount --bind failed: ${(error as Error).message.split('\n')[0]}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return {
    available: true,
    reason: 'client processes run under unshare -m with the lab resolv.conf bind-mounted on /etc/resolv.conf',
    nsswitchHosts,
    hostsConflicts,
  };
}

export interface DnsLabOptions {
  /** Names the lab server answers (default: svc.lab.test → 127.0.0.1, no delay, TTL 60 s). */
  names?: Record<string, Partial<DnsNameConfig>>;
  target?: TargetOptions;
  /** glibc resolver options written into the namespace's resolv.conf (default timeout:1 attempts:2). */
  resolvOptions?: string;
  /** Skip the namespace even where it works (tests of the fallback). */
  noNamespace?: boolean;
}

export interface DnsRunResult {
  job: DnsJob;
  /** Where the client process ran: namespace (getaddrinfo → lab server) or plain (c-ares only). */
  placement: 'namespace' | 'plain';
  threadpoolSize: string | null;
  /** /etc/resolv.conf as the client process saw it. */
  resolvConf: string | null;
  settings: Record<string, unknown>;
  rounds: (DnsRoundResult & { server: DnsCounters })[];
  error: { code: string; message: string } | null;
}

export interface BurstSpec extends ClientOptions {
  client: string;
  /** Requests started at once per round. */
  requests: number;
  rounds?: number;
  gapMs?: number;
  name?: string;
  threadpoolSize?: number;
  path?: string;
}

export interface LookupsSpec {
  method: 'getaddrinfo' | 'cares';
  n: number;
  name?: string;
  threadpoolSize?: number;
  timeoutMs?: number;
  tries?: number;
}

export interface DnsLab {
  server: DnsServerHandle;
  target: TargetHandle;
  namespace: NamespaceSupport;
  /** The resolv.conf client processes see in the namespace (null without it). */
  resolvConf: string | null;
  /** Origin of the target through a lab name. */
  origin(name?: string): string;
  configure(names: Record<string, Partial<DnsNameConfig>>): Promise<void>;
  lookups(spec: LookupsSpec): Promise<DnsRunResult>;
  burst(spec: BurstSpec): Promise<DnsRunResult>;
  /** Stop the DNS server (resolver down) — the lab keeps the address so clients get ECONNREFUSED / timeouts. */
  stopServer(): Promise<void>;
  close(): Promise<void>;
}

const SYSTEM_PATHS = (job: DnsJob): boolean => {
  if (job.kind === 'lookups') return job.method === 'getaddrinfo';
  const l = job.clientOptions.lookup;
  return l.strategy === 'system' || l.strategy === 'got-dns-cache' || l.servers === undefined;
};

function threadpool(value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1 || value > 1024)
    throw new UsageError('threadpoolSize', value, 'expected an integer from 1 to 1024 (UV_THREADPOOL_SIZE)');
  return value;
}

/** Start the lab DNS server and a target; the caller closes the lab. */
export async function openDnsLab(options: DnsLabOptions = {}): Promise<DnsLab> {
  const names = options.names ?? { [LAB_NAME]: {} };
  const ns = options.noNamespace
    ? { ...namespaceSupport(Object.keys(names)), available: false, reason: 'namespace turned off (noNamespace)' }
    : namespaceSupport(Object.keys(names));
  const server = await startDnsServer({ names });
  const target = await startTarget(options.target ?? {}).catch(async (error: unknown) => {
    await server.close();
    throw error;
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'casebook-dns-'));
  const resolvPath = path.join(dir, 'resolv.conf');
  const resolvOptions = options.resolvOptions ?? 'timeout:1 attempts:2';
  const namespaceUsable = ns.available && server.port === 53;
  const namespace: NamespaceSupport = namespaceUsable
    ? ns
    : ns.available
      ? { ...ns, available: false, reason: `the lab DNS server could not bind port 53 (got ${server.port})` }
      : ns;
  const resolvConf = namespaceUsable
    ? `# casebook DNS lab: only the lab server\nnameserver ${server.host}\noptions ${resolvOptions}\n`
    : null;
  if (resolvConf) fs.writeFileSync(resolvPath, resolvConf);
  let serverStopped = false;

  const run = async (job: DnsJob, threadpoolSize: number | undefined): Promise<DnsRunResult> => {
    const needsSystem = SYSTEM_PATHS(job);
    if (needsSystem && !namespaceUsable)
      throw new CasebookError(
        'CASEBOOK_DNS_NO_NAMESPACE',
        `this job resolves through the system resolver, which cannot be pointed at the lab server here (${namespace.reason})`,
      );
    const env: Record<string, string> = {};
    if (threadpoolSize !== undefined) env['UV_THREADPOOL_SIZE'] = String(threadpoolSize);
    const worker = spawnNode(path.join(__dirname, 'dns-worker-process.js'), {
      cpu: pinningPlan().clientCpu,
      env,
      role: 'client',
      ...(namespaceUsable ? { wrapper: namespaceWrapper(resolvPath) } : {}),
    });
    const result: DnsRunResult = {
      job,
      placement: namespaceUsable ? 'namespace' : 'plain',
      threadpoolSize: null,
      resolvConf: null,
      settings: {},
      rounds: [],
      error: null,
    };
    try {
      const settings = await driveWorker<DnsParentToWorker, DnsRoundResult>({
        transport: ipcTransport<DnsWorkerToParent, DnsParentToWorker>(worker),
        start: { type: 'job', job },
        phaseTimeoutMs: DNS_JOB_TIMEOUT_MS,
        onReady: (m) => {
          result.resolvConf = typeof m['resolvConf'] === 'string' ? m['resolvConf'] : null;
          result.threadpoolSize = typeof m['threadpoolSize'] === 'string' ? m['threadpoolSize'] : null;
          result.settings = isRecord(m['settings']) ? m['settings'] : {};
        },
        onPhaseStart: async () => {
          if (!serverStopped) await server.reset();
        },
        onPhaseEnd: async (_phase, _index, round) => {
          const counters = serverStopped ? emptyDnsCounters() : await server.counters();
          result.rounds.push({ ...round, server: counters });
        },
      });
      result.settings = { ...result.settings, ...settings };
    } catch (error) {
      const e = error as CasebookError;
      result.error = { code: e.code ?? 'CASEBOOK_RUN', message: e.message };
    } finally {
      await stopChild(worker);
    }
    return result;
  };

  return {
    server,
    target,
    namespace,
    resolvConf,
    origin: (name = LAB_NAME) => `http://${name}:${target.port}`,
    async configure(next) {
      await server.configure(next);
    },
    lookups(spec) {
      const n = spec.n;
      if (!Number.isInteger(n) || n < 1 || n > 10_000)
        throw new UsageError('n', n, 'expected an integer from 1 to 10000');
      if (spec.method !== 'getaddrinfo' && spec.method !== 'cares')
        throw new UsageError('method', spec.method, 'expected getaddrinfo or cares');
      const job: DnsJob = {
        kind: 'lookups',
        method: spec.method,
        name: spec.name ?? LAB_NAME,
        n,
        servers: [server.server],
        ...(spec.timeoutMs !== undefined ? { timeoutMs: spec.timeoutMs } : {}),
        ...(spec.tries !== undefined ? { tries: spec.tries } : {}),
      };
      return run(job, threadpool(spec.threadpoolSize));
    },
    burst(spec) {
      const {
        client,
        requests,
        rounds = 1,
        gapMs = 0,
        name,
        threadpoolSize,
        path: reqPath = '/',
        ...clientInput
      } = spec;
      if (!Number.isInteger(requests) || requests < 1 || requests > 10_000)
        throw new UsageError('requests', requests, 'expected an integer from 1 to 10000');
      if (!Number.isInteger(rounds) || rounds < 1 || rounds > 1000)
        throw new UsageError('rounds', rounds, 'expected an integer from 1 to 1000');
      if (!isClientName(client)) throw new UsageError('client', client, `expected one of ${CLIENT_NAMES.join(', ')}`);
      const clientOptions = resolveClientOptions(client, clientInput);
      const job: DnsJob = {
        kind: 'burst',
        client,
        origin: `http://${name ?? LAB_NAME}:${target.port}`,
        path: reqPath,
        clientOptions,
        requests,
        rounds,
        gapMs,
      };
      return run(job, threadpool(threadpoolSize));
    },
    async stopServer() {
      serverStopped = true;
      await server.close();
    },
    async close() {
      if (!serverStopped) await server.close();
      await target.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
