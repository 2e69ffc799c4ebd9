import type { InstalledRef } from './http2';
import type { SourceLink } from './types';

const UNDICI = 'v8.13.1';
const NODE = 'v24.21.0';
const GOT = 'v16.1.0';

/**
 * Source links of the keep-alive races notebook (see types.ts): each client's defence against a reused socket the
 * server closes, and where the shared clock of a write is read. Node's global fetch runs the undici 7.29.1 bundled in
 * Node v24.21.0 (deps/undici/undici.js, embedded verbatim in the binary as internal/deps/undici/undici):
 * test/source-links.test.ts checks its lines there, like lib/. got ships compiled JavaScript only and its repository
 * holds TypeScript, so its files are linked at the tag without lines (checked by hand: the token is in the installed
 * dist/ file), and the installed lines are cited beside them (KEEPALIVE_RACES_INSTALLED_REFS, checked by a test).
 */
export const KEEPALIVE_RACES_LINKS: readonly SourceLink[] = [
  // undici: the idle timeout is the hint minus a threshold (2 s by default), or 4 s without a hint.
  {
    id: 'undici.client-h1.keepalive-hint-threshold',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/dispatcher/client-h1.js',
    lines: [708, 720],
    token: 'keepAliveTimeout - client[kKeepAliveTimeoutThreshold]',
  },
  {
    id: 'undici.client.keepalive-defaults',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/dispatcher/client.js',
    lines: [311, 313],
    token: 'keepAliveTimeoutThreshold == null ? 2e3',
  },
  // undici: before writing on a reused idle socket, yield once so a FIN or RST already received is processed first.
  {
    id: 'undici.client-h1.idle-socket-validation',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/dispatcher/client-h1.js',
    lines: [1090, 1110],
    token: 'GHSA-35p6-xmwp-9g52',
  },
  // undici 8: a socket idle past its keep-alive timeout (timer starved by a blocked loop) is destroyed, not reused.
  {
    id: 'undici.client-h1.idle-socket-expired',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/dispatcher/client-h1.js',
    lines: [1141, 1148],
    token: 'isIdleSocketExpired(socket)',
  },
  // undici's retry interceptor: which methods and error codes it retries by default, and how often.
  {
    id: 'undici.retry-handler.defaults',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/handler/retry-handler.js',
    lines: [130, 150],
    token: "'UND_ERR_SOCKET'",
  },
  // undici's fast timers: headersTimeout/bodyTimeout are FastTimers on a shared clock that ticks every 499 ms ("an
  // accuracy target of within 500ms"); a timer starts on the first tick after it is armed and fires on a later tick, so
  // a 500 ms headersTimeout ends a request after up to two ticks (998 ms).
  {
    id: 'undici.timers.fast-timer-tick',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/util/timers.js',
    lines: [25, 40],
    token: 'const TICK_MS = (RESOLUTION_MS >> 1) - 1',
  },
  // The module's own words for it ("an accuracy target of within 500ms"), quoted in §4.
  {
    id: 'undici.timers.accuracy-target',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/util/timers.js',
    lines: [7, 10],
    token: 'with an accuracy target of within 500ms',
  },
  {
    id: 'undici.timers.fast-timer-fire',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/util/timers.js',
    lines: [149, 161],
    token: 'timer._idleStart = fastNow - TICK_MS',
  },
  {
    id: 'undici.client-h1.headers-timeout-fast-timer',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/dispatcher/client-h1.js',
    lines: [217, 222],
    token: 'TIMEOUT_HEADERS = 2 | USE_FAST_TIMER',
  },
  // Node's bundled undici 7.29.1 (global fetch): the same idle-socket validation, without the expiry check.
  {
    id: 'node.bundled-undici.idle-socket-validation',
    source: 'node',
    tag: NODE,
    file: 'deps/undici/undici.js',
    lines: [7880, 7882],
    token: 'function scheduleIdleSocketValidation',
  },
  // Node's bundled undici 7.29.1: the same fast-timer tick (499 ms) as the undici installed here.
  {
    id: 'node.bundled-undici.fast-timer-tick',
    source: 'node',
    tag: NODE,
    file: 'deps/undici/undici.js',
    lines: [710, 711],
    token: 'var TICK_MS = (RESOLUTION_MS >> 1) - 1',
  },
  // Node's Agent: the hint lowers a free socket's timeout only below the Agent's own `timeout` (0 = none).
  {
    id: 'node.agent.keep-alive-hint',
    source: 'node',
    tag: NODE,
    file: 'lib/_http_agent.js',
    lines: [637, 657],
    token: 'serverHintTimeout < agentTimeout',
  },
  {
    id: 'node.agent.keep-alive-buffer',
    source: 'node',
    tag: NODE,
    file: 'lib/_http_agent.js',
    lines: [180, 185],
    token: 'agentKeepAliveTimeoutBuffer',
  },
  // The global agent is the one with a timeout (5 s): axios and got use it by default, a `new Agent()` has none.
  {
    id: 'node.global-agent.timeout',
    source: 'node',
    tag: NODE,
    file: 'lib/internal/http.js',
    lines: [263, 266],
    token: 'timeout: 5000',
  },
  // At a socket timeout, ClientRequest only emits 'timeout' (it ends nothing itself)…
  {
    id: 'node.http-client.socket-timeout-emits',
    source: 'node',
    tag: NODE,
    file: 'lib/_http_client.js',
    lines: [1119, 1124],
    token: "req.emit('timeout')",
  },
  // …and the Agent destroys a timed-out socket only while it is in its free list.
  {
    id: 'node.agent.timeout-destroys-free-socket-only',
    source: 'node',
    tag: NODE,
    file: 'lib/_http_agent.js',
    lines: [541, 551],
    token: 'Destroy if in free list.',
  },
  // axios without a `timeout` resets the socket's timeout to 0 (the global agent's 5 s no longer applies).
  {
    id: 'axios.http.reset-socket-timeout',
    source: 'axios',
    tag: 'v1.21.1',
    file: 'lib/adapters/http.js',
    lines: [1539, 1542],
    token: 'req.setTimeout(0)',
  },
  // got's retry defaults and back-off (TypeScript at the tag; the installed dist/ lines: KEEPALIVE_RACES_INSTALLED_REFS).
  {
    id: 'got.options.retry-defaults',
    source: 'got',
    tag: GOT,
    file: 'source/core/options.ts',
    lines: null,
    token: 'limit: 2',
    checkedByHand: true,
  },
  {
    id: 'got.calculate-retry-delay',
    source: 'got',
    tag: GOT,
    file: 'source/core/calculate-retry-delay.ts',
    lines: null,
    token: '(2 ** (attemptCount - 1)) * 1000',
    checkedByHand: true,
  },
  // The shared clock of a write (runner race-writes.ts): undici publishes sendHeaders right before writing the header
  // block, after the idle-socket validation's yield; Node's bundled undici the same.
  {
    id: 'undici.client-h1.send-headers-channel',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/dispatcher/client-h1.js',
    lines: [1398, 1400],
    token: 'channels.sendHeaders.publish({ request, headers: header, socket })',
  },
  {
    id: 'node.bundled-undici.send-headers-channel',
    source: 'node',
    tag: NODE,
    file: 'deps/undici/undici.js',
    lines: [8055, 8057],
    token: 'channels.sendHeaders.publish({ request, headers: header, socket });',
  },
  // Node's Agent: a socket's 'close' removes it from the pool (free or busy); the only check before reuse it makes.
  {
    id: 'node.http-agent.close-removes-socket',
    source: 'node',
    tag: NODE,
    file: 'lib/_http_agent.js',
    lines: [531, 539],
    token: "s.on('close', onClose);",
  },
  // Node publishes http.client.request.start from ClientRequest._finish…
  {
    id: 'node.http-client.request-start-channel',
    source: 'node',
    tag: NODE,
    file: 'lib/_http_client.js',
    lines: [655, 659],
    token: 'onClientRequestStartChannel.publish',
  },
  // …which OutgoingMessage._flush calls right after writing the buffered output to a writable socket.
  {
    id: 'node.http-outgoing.flush-then-finish',
    source: 'node',
    tag: NODE,
    file: 'lib/_http_outgoing.js',
    lines: [1263, 1280],
    token: 'this._finish();',
  },
];

/**
 * Lines of got's installed compiled source that the notebook cites beside the file links above (got ships dist/ only):
 * `node_modules/got/dist/source/core/…` of the installed 16.1.0. test/analysis-keepalive-races.test.ts checks each
 * token in the installed lines and that the notebook cites each range.
 */
export const KEEPALIVE_RACES_INSTALLED_REFS: readonly InstalledRef[] = [
  {
    id: 'got.retry-defaults',
    pkg: 'got',
    version: '16.1.0',
    file: 'dist/source/core/options.js',
    lines: [349, 387],
    token: 'limit: 2',
  },
  {
    id: 'got.retry-methods',
    pkg: 'got',
    version: '16.1.0',
    file: 'dist/source/core/options.js',
    lines: [351, 359],
    token: "'QUERY',",
  },
  {
    id: 'got.write-body-then-end',
    pkg: 'got',
    version: '16.1.0',
    file: 'dist/source/core/index.js',
    lines: [1571, 1593],
    token: 'await this._writeChunksToRequest(buffer, activeRequest);',
  },
  {
    id: 'got.retry-delay',
    pkg: 'got',
    version: '16.1.0',
    file: 'dist/source/core/calculate-retry-delay.js',
    lines: [24, 26],
    token: 'Math.min(((2 ** (attemptCount - 1)) * 1000), retryOptions.backoffLimit) + noise',
  },
];
