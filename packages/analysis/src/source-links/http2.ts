import type { SourceLink } from './types';

const UNDICI = 'v8.13.1';
const NODE = 'v24.21.0';
const AXIOS = 'v1.21.1';

/** Source links of the http2 notebook (see types.ts). */
export const HTTP2_LINKS: readonly SourceLink[] = [
  // undici 8 offers h2 by default; Node's bundled undici 7.29.1 does not.
  {
    id: 'http2.undici.connect.allow-h2-default',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/core/connect.js',
    lines: [76, 76],
    token: 'allowH2 = allowH2 != null ? allowH2 : true',
  },
  {
    id: 'http2.undici.connect.alpn',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/core/connect.js',
    lines: [98, 98],
    token: "ALPNProtocols: allowH2 ? (preferH2 ? ['h2', 'http/1.1'] : ['http/1.1', 'h2'])",
  },
  // deps/undici/undici.js is embedded in the binary as internal/deps/undici/undici: checked there by hand (the test maps lib/ files only).
  {
    id: 'http2.node.bundled-undici.allow-h2-off',
    source: 'node',
    tag: NODE,
    file: 'deps/undici/undici.js',
    lines: [3289, 3289],
    token: 'allowH2 = allowH2 != null ? allowH2 : false',
    checkedByHand: true,
  },
  // undici's per-session stream cap: min(server SETTINGS, its own maxConcurrentStreams, default 100).
  {
    id: 'http2.undici.client.local-cap-100',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/dispatcher/client.js',
    lines: [332, 332],
    token: 'maxConcurrentStreams: h2Options?.maxConcurrentStreams ?? maxConcurrentStreams ?? 100',
  },
  {
    id: 'http2.undici.client-h2.remote-settings-min',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/dispatcher/client-h2.js',
    lines: [636, 641],
    token: 'Math.min(remoteMaxConcurrentStreams, localMaxConcurrentStreams)',
  },
  {
    id: 'http2.undici.types.cap-doc',
    source: 'undici',
    tag: UNDICI,
    file: 'types/client.d.ts',
    lines: [95, 96],
    token: 'can lower it, but not raise it',
  },
  {
    id: 'http2.undici.client-h2.busy-at-cap',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/dispatcher/client-h2.js',
    lines: [389, 389],
    token: 'client[kRunning] >= client[kMaxConcurrentStreams]',
  },
  {
    id: 'http2.undici.client-h2.busy-before-settings',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/dispatcher/client-h2.js',
    lines: [380, 382],
    token: 'session[kRemoteSettings] === false && client[kRunning] > 0',
  },
  // undici's Pool: every new Client is the protocol probe while the origin is not known to be HTTP/1.1; later
  // requests queue until it connects (h1), or for h2 until its session has the server's SETTINGS; drain is a fallback.
  {
    id: 'http2.undici.pool.probe-when',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/dispatcher/pool.js',
    lines: [34, 38],
    token: "pool[kProtocol] !== 'h1'",
  },
  {
    id: 'http2.undici.pool.protocol-probe',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/dispatcher/pool.js',
    lines: [48, 50],
    token: 'pool[kProtocolProbe] = dispatcher',
  },
  {
    id: 'http2.undici.pool.probe-release',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/dispatcher/pool.js',
    lines: [106, 139],
    token: "session.once('remoteSettings', releaseProbe)",
  },
  {
    id: 'http2.undici.pool.probe-release-settings',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/dispatcher/pool.js',
    lines: [134, 136],
    token: "this[kProtocol] !== 'h2' || session[kRemoteSettings]",
  },
  // A new Client is created for the request that found no free one, and that request is dispatched to it.
  {
    id: 'http2.undici.pool.create-client',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/dispatcher/pool.js',
    lines: [211, 212],
    token: 'return createClient(this)',
  },
  {
    id: 'http2.undici.pool-base.dispatch-to-new',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/dispatcher/pool-base.js',
    lines: [143, 145],
    token: 'if (!item.dispatch(dispatcher))',
  },
  // undici 8 retries a stream the server refused, once, on the same session: a replayable (e.g. bodiless GET) request.
  {
    id: 'http2.undici.client-h2.replayable',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/dispatcher/client-h2.js',
    lines: [200, 203],
    token: 'return body == null',
  },
  {
    id: 'http2.undici.client-h2.retry-refused',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/dispatcher/client-h2.js',
    lines: [1628, 1650],
    token: 'request[kRefusedStreamRetry] = true',
  },
  {
    id: 'http2.undici.client-h2.on-refused',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/dispatcher/client-h2.js',
    lines: [1721, 1725],
    token: 'stream.rstCode === NGHTTP2_REFUSED_STREAM',
  },
  {
    id: 'http2.undici.pool.probe-gate',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/dispatcher/pool.js',
    lines: [207, 209],
    token: 'if (this[kProtocolProbe] !== null)',
  },
  {
    id: 'http2.undici.pool.probe-cleared',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/dispatcher/pool.js',
    lines: [187, 191],
    token: 'this[kProtocolProbe] = null',
  },
  // undici over HTTP/1.1: up to 2× the sockets of requests in flight (review U1; notebook 01).
  {
    id: 'http2.undici.pool-base.need-drain',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/dispatcher/pool-base.js',
    lines: [306, 307],
    token: 'dispatcher[kNeedDrain] = true',
  },
  {
    id: 'http2.undici.client-h1.deferred-resume',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/dispatcher/client-h1.js',
    lines: [845, 849],
    token: 'setImmediate(client[kResume])',
  },
  // axios: HTTP/1.1 unless httpVersion 2; one session per authority while the options match.
  {
    id: 'http2.axios.http-version-default',
    source: 'axios',
    tag: AXIOS,
    file: 'lib/adapters/http.js',
    lines: [685, 686],
    token: 'if (httpVersion === undefined) httpVersion = 1',
  },
  {
    id: 'http2.axios.get-session',
    source: 'axios',
    tag: AXIOS,
    file: 'lib/adapters/http.js',
    lines: [634, 634],
    token: 'http2Sessions.getSession(authority, http2Options)',
  },
  {
    id: 'http2.axios.sessions-reuse',
    source: 'axios',
    tag: AXIOS,
    file: 'lib/helpers/Http2Sessions.js',
    lines: [16, 42],
    token: 'util.isDeepStrictEqual(sessionOptions, options)',
  },
  // axios closes a session 1 s after its last stream closes (sessionTimeout default 1000).
  {
    id: 'http2.axios.session-timeout-default',
    source: 'axios',
    tag: AXIOS,
    file: 'lib/helpers/Http2Sessions.js',
    lines: [20, 20],
    token: 'sessionTimeout: 1000',
  },
  {
    id: 'http2.axios.session-timeout-close',
    source: 'axios',
    tag: AXIOS,
    file: 'lib/helpers/Http2Sessions.js',
    lines: [80, 100],
    token: 'removeSession();',
  },
  // Node's http2 server: every TLS connection that negotiated h2 becomes a session (streams or not).
  {
    id: 'http2.node.server-session-per-connection',
    source: 'node',
    tag: NODE,
    file: 'lib/internal/http2/core.js',
    lines: [3383, 3397],
    token: "this.emit('session', session)",
  },
];

/**
 * A line range of a file as installed under node_modules, for packages whose repository does not hold the code that
 * ran: got ships compiled `dist/` only, and its `source/*.ts` at tag v16.1.0 could not be checked line by line here.
 * test/analysis-http2.test.ts checks each token in the installed file and the installed version.
 */
export interface InstalledRef {
  id: string;
  /** Package directory under node_modules. */
  pkg: string;
  version: string;
  file: string;
  lines: [number, number];
  token: string;
}

const GOT = '16.1.0';
const GOT_H2 = 'dist/source/core/utils/http2-client.js';

export const HTTP2_INSTALLED_REFS: readonly InstalledRef[] = [
  {
    id: 'got.http2-default-off',
    pkg: 'got',
    version: GOT,
    file: 'dist/source/core/options.js',
    lines: [338, 338],
    token: 'http2: false',
  },
  {
    id: 'got.global-http2-agent',
    pkg: 'got',
    version: GOT,
    file: 'dist/source/core/options.js',
    lines: [2181, 2181],
    token: 'internals.agent.http2 ?? http2Client.globalAgent',
  },
  {
    id: 'got.auto-probes-per-request',
    pkg: 'got',
    version: GOT,
    file: GOT_H2,
    lines: [1283, 1308],
    token: 'await resolveProtocol(options, sourceOptions)',
  },
  {
    id: 'got.protocol-cache-read',
    pkg: 'got',
    version: GOT,
    file: GOT_H2,
    lines: [211, 216],
    token: 'protocolCache.get(cacheKey)',
  },
  {
    id: 'got.probe-tls-connect',
    pkg: 'got',
    version: GOT,
    file: GOT_H2,
    lines: [233, 235],
    token: 'tls.connect(port, hostname, tlsOptions)',
  },
  {
    id: 'got.protocol-cache-write',
    pkg: 'got',
    version: GOT,
    file: GOT_H2,
    lines: [266, 277],
    token: 'setProtocolCache(cacheKey, alpnProtocol)',
  },
  {
    id: 'got.probe-socket-dropped',
    pkg: 'got',
    version: GOT,
    file: GOT_H2,
    lines: [564, 574],
    token: 'destroyReuseSocket(options)',
  },
  {
    id: 'got.session-cap-from-server',
    pkg: 'got',
    version: GOT,
    file: GOT_H2,
    lines: [575, 584],
    token: '(session.remoteSettings.maxConcurrentStreams ?? 100)',
  },
];

/** "`got/dist/…/http2-client.js` L211–216" (installed got 16.1.0): a reference a reader can open in node_modules. */
export function installedRef(id: string): string {
  const ref = HTTP2_INSTALLED_REFS.find((r) => r.id === id);
  if (!ref) throw new RangeError(`no installed-source reference registered with id ${JSON.stringify(id)}`);
  const [from, to] = ref.lines;
  return `\`node_modules/${ref.pkg}/${ref.file}\` L${from}${to !== from ? `–${to}` : ''} (${ref.pkg} ${ref.version})`;
}
