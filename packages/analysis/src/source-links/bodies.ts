import type { SourceLink } from './types';

const UNDICI = 'v8.13.1';
const NODE = 'v24.21.0';
const AXIOS = 'v1.21.1';
const GOT = 'v16.1.0';
/** The follow-redirects that axios 1.21.1 resolved to here (node_modules/follow-redirects). */
const FOLLOW_REDIRECTS = 'v1.16.3';

/**
 * Source links of the bodies notebook (see types.ts). got 16 ships only compiled JavaScript (dist/), so its core is
 * linked at the tag and marked checkedByHand (read in the installed node_modules/got/dist/source/core/index.js).
 */
export const BODIES_LINKS: readonly SourceLink[] = [
  // undici fetch: the response body is a WHATWG ReadableStream set up over the dispatcher.
  {
    id: 'undici.fetch.body-readable-stream',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/web/fetch/index.js',
    lines: [2062, 2065],
    token: 'new ReadableStream(',
  },
  // undici fetch: arrayBuffer() consumes the whole stream into one byte sequence.
  {
    id: 'undici.fetch.array-buffer',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/web/fetch/body.js',
    lines: [355, 362],
    token: 'consumeBody(this',
  },
  // undici.request: each chunk is pushed into a Node Readable; a full buffer pauses the connection.
  {
    id: 'undici.request.push-pause',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/api/api-request.js',
    lines: [162, 169],
    token: 'controller.pause()',
  },
  // axios: a buffered response collects every chunk in an array before concatenating.
  {
    id: 'axios.http.response-buffer',
    source: 'axios',
    tag: AXIOS,
    file: 'lib/adapters/http.js',
    lines: [1379, 1384],
    token: 'responseBuffer.push(chunk)',
  },
  // axios: maxRedirects 0 selects Node's own http/https; otherwise follow-redirects (note after run bodies-6a0bd6dc).
  {
    id: 'axios.http.native-transport-when-no-redirects',
    source: 'axios',
    tag: AXIOS,
    file: 'lib/adapters/http.js',
    lines: [1171, 1173],
    token: 'maxRedirects === 0',
  },
  // axios: maxBodyLength -1 (its default) is passed to the transport as Infinity.
  {
    id: 'axios.http.max-body-length-infinity',
    source: 'axios',
    tag: AXIOS,
    file: 'lib/adapters/http.js',
    lines: [1243, 1250],
    token: 'options.maxBodyLength = Infinity',
  },
  // follow-redirects: every written chunk is kept for a replay after a redirect, up to maxBodyLength.
  {
    id: 'follow-redirects.request-body-buffers',
    source: 'follow-redirects',
    tag: FOLLOW_REDIRECTS,
    file: 'index.js',
    lines: [163, 167],
    token: '_requestBodyBuffers.push',
  },
  // follow-redirects: the kept chunks are dropped when a response that is not a redirect arrives.
  {
    id: 'follow-redirects.request-body-buffers-cleared',
    source: 'follow-redirects',
    tag: FOLLOW_REDIRECTS,
    file: 'index.js',
    lines: [435, 436],
    token: '_requestBodyBuffers = []',
  },
  // follow-redirects: its own default maxBodyLength (10 MiB), which axios overrides.
  {
    id: 'follow-redirects.default-max-body-length',
    source: 'follow-redirects',
    tag: FOLLOW_REDIRECTS,
    file: 'index.js',
    lines: [526, 526],
    token: 'maxBodyLength: 10 * 1024 * 1024',
  },
  // node:http: a keep-alive socket goes back to the Agent only from responseOnEnd (the response was read to its end).
  {
    id: 'node.http-client.response-on-end',
    source: 'node',
    tag: NODE,
    file: 'lib/_http_client.js',
    lines: [1017, 1049],
    token: 'responseKeepAlive(req)',
  },
  {
    id: 'got.core.request',
    source: 'got',
    tag: GOT,
    file: 'source/core/index.ts',
    lines: null,
    token: 'class Request',
    checkedByHand: true,
  },
];
