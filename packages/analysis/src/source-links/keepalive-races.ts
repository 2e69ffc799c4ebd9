import type { SourceLink } from './types';

const UNDICI = 'v8.13.1';
const NODE = 'v24.21.0';

/**
 * Source links of the keep-alive races notebook (see types.ts): each client's defence against a reused socket the
 * server closes. Node's global fetch runs the undici 7.29.1 bundled in Node v24.21.0 (deps/undici/undici.js, embedded
 * verbatim in the binary as internal/deps/undici/undici): test/source-links.test.ts checks its lines there, like lib/.
 * got ships compiled JavaScript only, so its retry defaults are quoted in the notebook from the installed
 * node_modules/got/dist/source/core/options.js, not linked.
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
];
