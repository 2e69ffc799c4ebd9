import type { SourceLink } from './types';

const UNDICI = 'v8.13.1';
const NODE = 'v24.21.0';

/**
 * Source links of the tls-reuse notebook (see types.ts). Ids start with `tls.` so they never collide with another
 * notebook's links to the same lines.
 */
export const TLS_REUSE_LINKS: readonly SourceLink[] = [
  // undici's session cache: one connector per Pool, one WeakRef'd session per servername.
  {
    id: 'tls.undici.pool.connector-per-pool',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/dispatcher/pool.js',
    lines: [84, 88],
    token: 'connect = buildConnector({',
  },
  // A cache of 0 stores nothing: `no-cache-full` holds by construction.
  {
    id: 'tls.undici.connect.cache-zero',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/core/connect.js',
    lines: [37, 39],
    token: 'this._maxCachedSessions === 0',
  },
  // Replacing the latest session of a key: delete the old entry (L41–42), store the new one (L63).
  {
    id: 'tls.undici.connect.replace-latest',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/core/connect.js',
    lines: [41, 42],
    token: 'this._sessionCache.delete(sessionKey)',
  },
  {
    id: 'tls.undici.connect.weak-session-cache',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/core/connect.js',
    lines: [15, 29],
    token: 'class WeakSessionCache',
  },
  {
    id: 'tls.undici.connect.session-get',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/core/connect.js',
    lines: [31, 34],
    token: 'ref.deref()',
  },
  {
    id: 'tls.undici.connect.weakref-set',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/core/connect.js',
    lines: [63, 64],
    token: 'new WeakRef(session)',
  },
  {
    id: 'tls.undici.connect.default-100',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/core/connect.js',
    lines: [74, 74],
    token: 'maxCachedSessions == null ? 100',
  },
  {
    id: 'tls.undici.connect.session-key',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/core/connect.js',
    lines: [83, 88],
    token: 'sessionCache.get(sessionKey)',
  },
  {
    id: 'tls.undici.connect.on-session',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/core/connect.js',
    lines: [104, 108],
    token: 'sessionCache.set(sessionKey, session)',
  },
  // Node's https.Agent: a strong map of 100 sessions by default.
  {
    id: 'tls.node.https.max-cached-sessions',
    source: 'node',
    tag: NODE,
    file: 'lib/https.js',
    lines: [472, 474],
    token: 'this.maxCachedSessions = 100',
  },
  {
    id: 'tls.node.https.cache-on-session',
    source: 'node',
    tag: NODE,
    file: 'lib/https.js',
    lines: [429, 433],
    token: "socket.on('session'",
  },
  {
    id: 'tls.node.https.session-cache',
    source: 'node',
    tag: NODE,
    file: 'lib/https.js',
    lines: [604, 628],
    token: 'this._sessionCache.map[key] = session',
  },
  // The undici 7.29.1 bundled in Node (global fetch) has the same cache.
  {
    id: 'tls.node.bundled-undici.weak-session-cache',
    source: 'node',
    tag: NODE,
    file: 'deps/undici/undici.js',
    lines: [3239, 3281],
    token: 'new WeakRef(session)',
    // Embedded in the binary as internal/deps/undici/undici (same line numbers): checked there by hand.
    checkedByHand: true,
  },
  // The cold burst (undici 8 over HTTPS, allowH2 at its default): the first Client probes the protocol, the Pool
  // queues the rest, and releases them at the probe's 'secureConnect', before any 'session' event.
  {
    id: 'tls.undici.pool.protocol-probe',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/dispatcher/pool.js',
    lines: [34, 50],
    token: 'pool[kProtocolProbe] = dispatcher',
  },
  {
    id: 'tls.undici.pool.probe-queues',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/dispatcher/pool.js',
    lines: [207, 209],
    token: 'if (this[kProtocolProbe] !== null)',
  },
  {
    id: 'tls.undici.pool.release-probe',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/dispatcher/pool.js',
    lines: [106, 139],
    token: 'releaseProbe()',
  },
  {
    id: 'tls.undici.connect.secure-connect',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/core/connect.js',
    lines: [150, 156],
    token: "'secureConnect'",
  },
  {
    id: 'tls.undici.client.emit-connect',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/dispatcher/client.js',
    lines: [705, 705],
    token: "client.emit('connect'",
  },
  // Why undici opens a second connection at one request at a time (review U1).
  {
    id: 'tls.undici.client-h1.deferred-resume',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/dispatcher/client-h1.js',
    lines: [845, 849],
    token: 'setImmediate(client[kResume])',
  },
  {
    id: 'tls.undici.pool-base.need-drain-set',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/dispatcher/pool-base.js',
    lines: [306, 307],
    token: 'dispatcher[kNeedDrain] = true',
  },
  {
    id: 'tls.undici.pool-base.on-drain',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/dispatcher/pool-base.js',
    lines: [78, 95],
    token: 'client[kNeedDrain] = needDrain',
  },
  {
    id: 'tls.undici.client.emit-drain',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/dispatcher/client.js',
    lines: [767, 770],
    token: "client.emit('drain'",
  },
  {
    id: 'tls.undici.pool.get-dispatcher',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/dispatcher/pool.js',
    lines: [193, 214],
    token: 'createClient(this)',
  },
  // Corrections after the 3 December run: the Agent drops an unused Pool, and with it the session cache.
  {
    id: 'tls-reuse:undici.pool.build-connector',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/dispatcher/pool.js',
    lines: [84, 95],
    token: 'buildConnector({',
  },
  {
    id: 'tls-reuse:undici.agent.close-client-if-unused',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/dispatcher/agent.js',
    lines: [99, 125],
    token: 'this[kClients].delete(key)',
  },
  {
    id: 'tls-reuse:undici.agent.on-disconnect',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/dispatcher/agent.js',
    lines: [143, 144],
    token: 'closeClientIfUnused()',
  },
];
