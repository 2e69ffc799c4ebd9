import { createHash } from 'node:crypto';
import * as dns from 'node:dns';
import * as fs from 'node:fs';
import { resolveClientOptions } from '@casebook/clients';
import { liveChildren } from '@casebook/procs';
import { namespaceSupport, openDnsLab } from '@casebook/runner';
import { startDnsServer } from '@casebook/servers';
import { describe, expect, it } from 'vitest';

const ns = namespaceSupport();
const hashResolv = (): string => createHash('sha256').update(fs.readFileSync('/etc/resolv.conf')).digest('hex');

describe('lookup strategies: option checks', () => {
  it('refuses combinations a client cannot honour, naming field and value', () => {
    expect(() => resolveClientOptions('node-fetch', { lookup: { strategy: 'cares', servers: ['127.0.0.2'] } })).toThrow(
      /lookup\.strategy/,
    );
    expect(() => resolveClientOptions('undici-request', { lookup: { strategy: 'got-dns-cache' } })).toThrow(
      /got-dns-cache/,
    );
    expect(() => resolveClientOptions('got', { lookup: { strategy: 'cares' } })).toThrow(/lookup\.servers/);
    expect(() => resolveClientOptions('got', { lookup: { strategy: 'cares', servers: ['8.8.8.8'] } })).toThrow(
      /8\.8\.8\.8/,
    );
    expect(() => resolveClientOptions('got', { lookup: { strategy: 'bogus' as 'system' } })).toThrow(/bogus/);
    expect(
      resolveClientOptions('axios', { lookup: { strategy: 'cacheable-lookup', servers: ['127.0.0.9:5353'] } }).lookup,
    ).toEqual({ strategy: 'cacheable-lookup', servers: ['127.0.0.9:5353'] });
  });
});

describe('lab DNS server', () => {
  it('answers A, answers AAAA empty, fails as configured and counts every query by name and type', async () => {
    const server = await startDnsServer({
      port: 0,
      names: { 'svc.lab.test': { ttl: 5 }, 'bad.lab.test': { mode: 'servfail' } },
    });
    try {
      // One try, so every query is counted once; the timeout only guards against a hang (the lab server answers at once).
      const r = new dns.promises.Resolver({ timeout: 10_000, tries: 1 });
      r.setServers([server.server]);
      expect(await r.resolve4('svc.lab.test')).toEqual(['127.0.0.1']);
      await expect(r.resolve6('svc.lab.test')).rejects.toMatchObject({ code: 'ENODATA' });
      await expect(r.resolve4('bad.lab.test')).rejects.toMatchObject({ code: 'ESERVFAIL' });
      await expect(r.resolve4('other.example')).rejects.toMatchObject({ code: 'ENOTFOUND' });
      const c = await server.counters();
      expect(c.byNameType['svc.lab.test A']).toBe(1);
      expect(c.byNameType['svc.lab.test AAAA']).toBe(1);
      expect(c.byNameType['bad.lab.test A']).toBeGreaterThanOrEqual(1);
      expect(c.foreignQueries).toBe(1);
      expect((await server.reset()).queries).toBe(c.queries);
      expect((await server.counters()).queries).toBe(0);
    } finally {
      await server.close();
    }
  });
});

describe('DNS lab: query counts by strategy (c-ares on the lab server, no namespace needed)', () => {
  it('uncached strategies ask once per new connection; cacheable-lookup shares one in-flight lookup', async () => {
    const lab = await openDnsLab({ names: { 'svc.lab.test': { delayMs: 30 } }, noNamespace: true });
    try {
      const servers = [lab.server.server];
      const cares = await lab.burst({ client: 'node-http', lookup: { strategy: 'cares', servers }, requests: 8 });
      expect(cares.error).toBeNull();
      expect(cares.placement).toBe('plain');
      expect(cares.rounds[0]?.ok).toBe(8);
      expect(cares.rounds[0]?.server.byNameType['svc.lab.test A']).toBe(8);
      const cached = await lab.burst({
        client: 'undici-request',
        lookup: { strategy: 'cacheable-lookup', servers },
        requests: 8,
        rounds: 2,
      });
      expect(cached.error).toBeNull();
      expect(cached.rounds[0]?.ok).toBe(8);
      expect(cached.rounds[0]?.server.byNameType['svc.lab.test A']).toBe(1);
      expect(cached.rounds[1]?.server.queries).toBe(0);
      // Without the namespace, anything that would ask the machine's resolver is refused, not run.
      await expect(lab.burst({ client: 'undici-request', requests: 1 })).rejects.toMatchObject({
        code: 'CASEBOOK_DNS_NO_NAMESPACE',
      });
      await expect(lab.lookups({ method: 'getaddrinfo', n: 1 })).rejects.toMatchObject({
        code: 'CASEBOOK_DNS_NO_NAMESPACE',
      });
    } finally {
      await lab.close();
    }
    expect(liveChildren()).toEqual([]);
  });
});

describe.skipIf(!ns.available)(`DNS lab: getaddrinfo through a private mount namespace (${ns.reason})`, () => {
  it('resolves only through the lab server and leaves the machine resolv.conf untouched', async () => {
    const before = hashResolv();
    const lab = await openDnsLab({ names: { 'svc.lab.test': { delayMs: 20 } } });
    try {
      expect(lab.namespace.available).toBe(true);
      const sys = await lab.burst({ client: 'undici-request', requests: 6, keepAlive: true });
      expect(sys.error).toBeNull();
      expect(sys.placement).toBe('namespace');
      // The client saw a resolv.conf naming the lab server and nothing else.
      const nameservers = (sys.resolvConf ?? '').split('\n').filter((l) => /^\s*nameserver\s/.test(l));
      expect(nameservers).toEqual([`nameserver ${lab.server.host}`]);
      // Every lookup of the run reached the lab server: one A query per new connection, no foreign names.
      expect(sys.rounds[0]?.ok).toBe(6);
      expect(sys.rounds[0]?.server.byNameType['svc.lab.test A']).toBe(6);
      expect(sys.rounds[0]?.server.foreignQueries).toBe(0);
      const look = await lab.lookups({ method: 'getaddrinfo', n: 5, threadpoolSize: 2 });
      expect(look.rounds[0]?.ok).toBe(5);
      expect(look.rounds[0]?.server.byNameType['svc.lab.test A']).toBe(5);
      expect(look.rounds[0]?.server.peakPending).toBeLessThanOrEqual(2 * 2);
      const got = await lab.burst({ client: 'got', lookup: { strategy: 'got-dns-cache' }, requests: 6 });
      expect(got.error).toBeNull();
      expect(got.rounds[0]?.server.byNameType['svc.lab.test A']).toBe(1);
    } finally {
      await lab.close();
    }
    expect(hashResolv()).toBe(before);
    expect(fs.readFileSync('/etc/resolv.conf', 'utf8')).not.toContain('casebook');
    expect(liveChildren()).toEqual([]);
  });
});
