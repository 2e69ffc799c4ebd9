import type { SourceLink } from './types';

const UNDICI = 'v8.13.1';
const NODE = 'v24.21.0';

/** Source links of the 512-at-once notebook (see types.ts). */
export const AT_ONCE_LINKS: readonly SourceLink[] = [
  // No per-origin cap by default.
  {
    id: 'undici.pool.connections-null',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/dispatcher/pool.js',
    lines: [99, 99],
    token: 'connections || null',
  },
  {
    id: 'node.agent.max-sockets',
    source: 'node',
    tag: NODE,
    file: 'lib/_http_agent.js',
    lines: [174, 175],
    token: 'Agent.defaultMaxSockets',
  },
  {
    id: 'node.agent.default-max-sockets-infinity',
    source: 'node',
    tag: NODE,
    file: 'lib/_http_agent.js',
    lines: [298, 298],
    token: 'Agent.defaultMaxSockets = Infinity',
  },
  // What each client builds per request.
  {
    id: 'undici.dispatcher-base.dispatch',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/dispatcher/dispatcher-base.js',
    lines: [163, 163],
    token: 'dispatch (opts, handler)',
  },
  {
    id: 'undici.api-request.readable',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/api/api-request.js',
    lines: [118, 126],
    token: 'new Readable(',
  },
  {
    id: 'undici.fetch.request-object',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/web/fetch/index.js',
    lines: [172, 172],
    token: 'new Request(input, init)',
  },
  {
    id: 'undici.fetch.response-object',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/web/fetch/index.js',
    lines: [279, 279],
    token: 'fromInnerResponse(response',
  },
  {
    id: 'axios.request-sync-path',
    source: 'axios',
    tag: 'v1.21.1',
    file: 'lib/core/Axios.js',
    lines: [264, 300],
    token: 'promise = dispatchRequest.call(this, newConfig)',
  },
  {
    id: 'axios.follow-redirects',
    source: 'axios',
    tag: 'v1.21.1',
    file: 'lib/adapters/http.js',
    lines: [1239, 1239],
    token: 'httpsFollow : httpFollow',
  },
  // got ships compiled dist only: the token was checked in node_modules/got/dist/source/core/index.js (L154).
  {
    id: 'got.request-duplex',
    source: 'got',
    tag: 'v16.1.0',
    file: 'source/core/index.ts',
    lines: null,
    token: 'class Request extends Duplex',
    checkedByHand: true,
  },
  {
    id: 'node.http-common.incoming-message',
    source: 'node',
    tag: NODE,
    file: 'lib/_http_common.js',
    lines: [94, 97],
    token: 'new ParserIncomingMessage(socket)',
  },
  // undici's unlimited Pool: up to 2× the sockets (review U1).
  {
    id: 'undici.pool-base.need-drain-set',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/dispatcher/pool-base.js',
    lines: [306, 307],
    token: 'dispatcher[kNeedDrain] = true',
  },
  {
    id: 'undici.pool-base.on-drain',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/dispatcher/pool-base.js',
    lines: [78, 95],
    token: 'client[kNeedDrain] = needDrain',
  },
  {
    id: 'undici.client-h1.deferred-resume',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/dispatcher/client-h1.js',
    lines: [845, 849],
    token: 'setImmediate(client[kResume])',
  },
  {
    id: 'undici.client.resume-emits-drain',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/dispatcher/client.js',
    lines: [767, 770],
    token: "client.emit('drain'",
  },
  {
    id: 'undici.pool.get-dispatcher',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/dispatcher/pool.js',
    lines: [193, 214],
    token: 'createClient(this)',
  },
  // node:http's Agent keeps at most maxFreeSockets idle sockets.
  {
    id: 'node.agent.keep-socket-alive-hint',
    source: 'node',
    tag: NODE,
    file: 'lib/_http_agent.js',
    lines: [637, 657],
    token: 'serverHintTimeout < agentTimeout',
  },
  {
    id: 'node.agent.max-free-sockets',
    source: 'node',
    tag: NODE,
    file: 'lib/_http_agent.js',
    lines: [249, 255],
    token: 'freeLen >= this.maxFreeSockets',
  },
];
