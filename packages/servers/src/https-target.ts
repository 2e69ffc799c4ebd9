/**
 * The HTTPS side of the target process: one server SecureContext built once from a run-time PKI, TLS version and
 * certificate type as asked, and handshake counters fed by `secureConnection` (`isSessionReused()`, version, ALPN).
 */
import * as https from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { ResolvedTargetTls } from './options';
import type { TlsCounters } from './protocol';
import { createPki } from './tls-pki';

export function emptyTlsCounters(): TlsCounters {
  return { fullHandshakes: 0, resumedHandshakes: 0, byVersion: {}, byAlpn: {}, errors: {} };
}

export function resetTlsCounters(c: TlsCounters): void {
  c.fullHandshakes = 0;
  c.resumedHandshakes = 0;
  c.byVersion = {};
  c.byAlpn = {};
  c.errors = {};
}

export function cloneTlsCounters(c: TlsCounters): TlsCounters {
  return { ...c, byVersion: { ...c.byVersion }, byAlpn: { ...c.byAlpn }, errors: { ...c.errors } };
}

/** TLS server options for a version choice (session tickets stay on: Node's default, keys per server instance). */
export function versionRange(
  version: ResolvedTargetTls['version'],
): Pick<https.ServerOptions, 'minVersion' | 'maxVersion'> {
  if (version === 'TLSv1.2') return { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' };
  if (version === 'TLSv1.3') return { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' };
  return { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' };
}

/** An https.Server without its certificate yet; `prepareHttpsTarget` installs it before listen(). */
export function createHttpsTargetServer(
  tlsOptions: ResolvedTargetTls,
  serverOptions: https.ServerOptions,
  handler: Parameters<typeof https.createServer>[1],
  counters: TlsCounters,
): https.Server {
  const server = https.createServer(
    { ...serverOptions, ...versionRange(tlsOptions.version), ALPNProtocols: tlsOptions.alpn },
    handler,
  );
  server.on('secureConnection', (socket: TLSSocket) => {
    if (socket.isSessionReused()) counters.resumedHandshakes++;
    else counters.fullHandshakes++;
    const version = socket.getProtocol() ?? 'unknown';
    counters.byVersion[version] = (counters.byVersion[version] ?? 0) + 1;
    const alpn = socket.alpnProtocol || 'none';
    counters.byAlpn[alpn] = (counters.byAlpn[alpn] ?? 0) + 1;
  });
  server.on('tlsClientError', (error: Error & { code?: string }) => {
    const code = error.code ?? 'TLS_ERROR';
    counters.errors[code] = (counters.errors[code] ?? 0) + 1;
  });
  return server;
}

/** Make the CA and leaf (in this process; the key never leaves it) and install one SecureContext. Returns the CA. */
export async function prepareHttpsTarget(server: https.Server, tlsOptions: ResolvedTargetTls): Promise<string> {
  const pki = await createPki();
  const leaf = await pki.leaf(tlsOptions.certType);
  server.setSecureContext({ key: leaf.keyPem, cert: leaf.certPem, ...versionRange(tlsOptions.version) });
  return pki.caPem;
}
