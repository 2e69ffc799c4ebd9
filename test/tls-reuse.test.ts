import * as tls from 'node:tls';
import { resolveClientOptions } from '@casebook/clients';
import { liveChildren } from '@casebook/procs';
import { UsageError } from '@casebook/results';
import { resolveBenchOptions, runBench } from '@casebook/runner';
import { createPki, resolveTargetOptions } from '@casebook/servers';
import { describe, expect, it } from 'vitest';

describe('tls: run-time PKI', () => {
  it.each(['ecdsa-p256', 'rsa-2048'] as const)(
    'a %s leaf verifies against the CA for localhost and 127.0.0.1',
    async (certType) => {
      const pki = await createPki();
      const leaf = await pki.leaf(certType);
      expect(leaf.dnsNames).toContain('localhost');
      expect(leaf.ipAddresses).toContain('127.0.0.1');
      const server = tls.createServer({ key: leaf.keyPem, cert: leaf.certPem }, (s) => s.end('ok'));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as { port: number }).port;
      try {
        for (const host of ['localhost', '127.0.0.1']) {
          const authorized = await new Promise<boolean>((resolve, reject) => {
            const s = tls.connect({ host, port, ca: pki.caPem, ...(host === 'localhost' ? { servername: host } : {}) });
            s.once('secureConnect', () => {
              resolve(s.authorized);
              s.destroy();
            });
            s.once('error', reject);
          });
          expect(authorized).toBe(true);
        }
        // Without the CA the same connection is refused: verification is on.
        await expect(
          new Promise((resolve, reject) => {
            const s: tls.TLSSocket = tls.connect({ host: '127.0.0.1', port }, () => resolve(s.destroy()));
            s.once('error', reject);
          }),
        ).rejects.toThrow();
      } finally {
        server.close();
      }
    },
  );

  it('refuses unknown cert types and TLS versions with a UsageError', () => {
    expect(() => resolveTargetOptions({ tls: { certType: 'dsa' as never } })).toThrow(UsageError);
    expect(() => resolveTargetOptions({ tls: { version: 'TLSv1.1' as never } })).toThrow(UsageError);
    expect(() => resolveClientOptions('undici-request', { tlsSessionCacheSize: -1 })).toThrow(UsageError);
    expect(() => resolveBenchOptions({ client: 'undici-request', requests: 1, rttMs: -1 })).toThrow(UsageError);
    expect(() => resolveClientOptions('got', { connectDelayMs: Number.NaN })).toThrow(UsageError);
  });
});

const N = 8;
const fresh = (client: 'undici-request' | 'node-http' | 'axios' | 'got', extra: Record<string, unknown>) =>
  runBench({
    client,
    concurrency: 1,
    requests: N,
    warmupRequests: 0,
    trials: 1,
    tls: { version: 'TLSv1.3' },
    ...extra,
  });

describe('tls: handshakes counted on the target match the client settings', () => {
  it.each(['undici-request', 'node-http', 'axios', 'got'] as const)(
    '%s: N sequential fresh connections → 1 full + N−1 resumed with a cache, N full with cache 0 or a client per request',
    async (client) => {
      const cached = await fresh(client, { keepAlive: false });
      const noCache = await fresh(client, { keepAlive: false, tlsSessionCacheSize: 0 });
      const perRequest = await fresh(client, { clientPerRequest: true });
      for (const r of [cached, noCache, perRequest]) {
        expect(r.status).toBe('completed');
        expect(r.errors.total).toBe(0);
      }
      expect(cached.trials[0]?.target?.tls).toMatchObject({ fullHandshakes: 1, resumedHandshakes: N - 1 });
      expect(noCache.trials[0]?.target?.tls).toMatchObject({ fullHandshakes: N, resumedHandshakes: 0 });
      expect(perRequest.trials[0]?.target?.tls).toMatchObject({ fullHandshakes: N, resumedHandshakes: 0 });
      expect(cached.trials[0]?.target?.tls?.byVersion).toEqual({ 'TLSv1.3': N });
    },
  );

  it('TLS 1.2 with an RSA leaf resumes too, and the version is reported per connection', async () => {
    const r = await fresh('undici-request', { keepAlive: false, tls: { version: 'TLSv1.2', certType: 'rsa-2048' } });
    expect(r.trials[0]?.target?.tls).toMatchObject({ fullHandshakes: 1, resumedHandshakes: N - 1 });
    expect(r.trials[0]?.target?.tls?.byVersion).toEqual({ 'TLSv1.2': N });
    expect(r.trials[0]?.target?.tls?.byAlpn).toEqual({ 'http/1.1': N });
    expect(liveChildren()).toEqual([]);
  });
});
