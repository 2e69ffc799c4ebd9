/**
 * The DNS case study's client process: one job (concurrent lookups, or rounds of request bursts through one client
 * with a lookup strategy), in a fresh process so every cache starts cold. Started by dns-lab.ts, possibly inside a
 * private mount namespace whose /etc/resolv.conf names only the lab DNS server. Exits when its IPC channel closes.
 */
import * as dns from 'node:dns';
import * as fs from 'node:fs';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { type ClientSession, errorCode, getAdapter } from '@casebook/clients';
import type { DnsJob, DnsParentToWorker, DnsRequestOutcome, DnsRoundResult } from './dns-protocol';
import { serveWorker, type WorkerChannel } from './worker-channel';

let perfDurations: number[] = [];
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) perfDurations.push(Math.round(entry.duration * 100) / 100);
});
observer.observe({ entryTypes: ['dns'] });
const takePerf = async (): Promise<DnsRoundResult['perfDns']> => {
  // Entries are delivered asynchronously: give the observer a turn.
  await new Promise((resolve) => setTimeout(resolve, 20));
  const out = { count: perfDurations.length, durationsMs: perfDurations.slice(0, 5000) };
  perfDurations = [];
  return out;
};

const round2 = (x: number): number => Math.round(x * 100) / 100;

function summarizeRound(index: number, t0: number, outcomes: DnsRequestOutcome[], samples: Record<string, string>) {
  const errors: Record<string, number> = {};
  let ok = 0;
  let end = 0;
  for (const o of outcomes) {
    if (o.ok) ok++;
    else errors[o.code ?? 'UNKNOWN_ERROR'] = (errors[o.code ?? 'UNKNOWN_ERROR'] ?? 0) + 1;
    end = Math.max(end, o.endMs);
  }
  return { index, durationMs: round2(end), ok, errors, errorSamples: samples, outcomes, t0 };
}

async function lookups(
  job: Extract<DnsJob, { kind: 'lookups' }>,
  channel: WorkerChannel<DnsRoundResult>,
): Promise<void> {
  const { send } = channel;
  const resolver = new dns.Resolver({
    ...(job.timeoutMs !== undefined ? { timeout: job.timeoutMs } : {}),
    ...(job.tries !== undefined ? { tries: job.tries } : {}),
  });
  if (job.servers.length > 0) resolver.setServers(job.servers);
  send({
    type: 'ready',
    resolvConf: readResolvConf(),
    threadpoolSize: process.env['UV_THREADPOOL_SIZE'] ?? null,
    settings: { method: job.method, servers: job.method === 'cares' ? resolver.getServers() : 'system (getaddrinfo)' },
  });
  await channel.phaseStart('trial', 0);
  const samples: Record<string, string> = {};
  const t0 = performance.now();
  const one = (): Promise<DnsRequestOutcome> =>
    new Promise((resolve) => {
      const start = performance.now() - t0;
      const done = (err: NodeJS.ErrnoException | null): void => {
        const code = err ? errorCode(err) : null;
        if (err && code && samples[code] === undefined) samples[code] = err.message.slice(0, 300);
        resolve({ startMs: round2(start), endMs: round2(performance.now() - t0), ok: !err, code });
      };
      if (job.method === 'getaddrinfo') dns.lookup(job.name, (err) => done(err));
      else resolver.resolve4(job.name, (err) => done(err));
    });
  const outcomes = await Promise.all(Array.from({ length: job.n }, one));
  const { t0: _t, ...r } = summarizeRound(0, t0, outcomes, samples);
  send({ type: 'phase-end', phase: 'trial', index: r.index, result: { ...r, perfDns: await takePerf() } });
  send({ type: 'done', settings: {} });
}

async function burst(job: Extract<DnsJob, { kind: 'burst' }>, channel: WorkerChannel<DnsRoundResult>): Promise<void> {
  const { send } = channel;
  const adapter = getAdapter(job.client);
  let session: ClientSession;
  try {
    session = await adapter.open(job.origin, job.clientOptions);
  } catch (error) {
    send({ type: 'fatal', code: 'CASEBOOK_CLIENT_OPEN', message: (error as Error).message });
    return;
  }
  send({
    type: 'ready',
    resolvConf: readResolvConf(),
    threadpoolSize: process.env['UV_THREADPOOL_SIZE'] ?? null,
    settings: session.settings(),
  });
  for (let i = 0; i < job.rounds; i++) {
    if (i > 0 && job.gapMs > 0) await new Promise((resolve) => setTimeout(resolve, job.gapMs));
    await channel.phaseStart('trial', i);
    const samples: Record<string, string> = {};
    const t0 = performance.now();
    const one = async (): Promise<DnsRequestOutcome> => {
      const start = performance.now() - t0;
      try {
        await session.request(job.path);
        return { startMs: round2(start), endMs: round2(performance.now() - t0), ok: true, code: null };
      } catch (error) {
        const code = errorCode(error);
        if (samples[code] === undefined)
          samples[code] = (error instanceof Error ? error.message : String(error)).slice(0, 300);
        return { startMs: round2(start), endMs: round2(performance.now() - t0), ok: false, code };
      }
    };
    const outcomes = await Promise.all(Array.from({ length: job.requests }, one));
    const { t0: _t, ...r } = summarizeRound(i, t0, outcomes, samples);
    send({ type: 'phase-end', phase: 'trial', index: r.index, result: { ...r, perfDns: await takePerf() } });
  }
  const settings = session.settings();
  await session.close().catch(() => undefined);
  send({ type: 'done', settings });
}

function readResolvConf(): string | null {
  try {
    return fs.readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    return null;
  }
}

serveWorker<Extract<DnsParentToWorker, { type: 'job' }>, DnsRoundResult>('job', (message, channel) =>
  message.job.kind === 'lookups' ? lookups(message.job, channel) : burst(message.job, channel),
);
