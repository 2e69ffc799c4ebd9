import type { SourceLink } from './types';

/**
 * Source links of the versions notebook (see types.ts), each pinned to the version of the cell that ran it. Versions
 * other than the workspace's live in the version store, not in node_modules: those links are marked checkedByHand, and
 * test/source-links.test.ts also checks them against the store entry when the store has it.
 */
export const VERSIONS_LINKS: readonly SourceLink[] = [
  // axios 1.15.1: one 'error' listener per request on the socket, removed only when that request closes (axios#10780).
  {
    id: 'axios.1-15-1.socket-error-per-request',
    source: 'axios',
    tag: 'v1.15.1',
    file: 'lib/adapters/http.js',
    lines: [908, 926],
    token: "req.once('close', removeSocketErrorListener)",
    checkedByHand: true,
  },
  // axios 1.15.1: with maxRedirects other than 0 (the default) the request goes through follow-redirects, whose
  // RedirectableRequest is what `req` is at the lines above (exploratory: why 1.15.1's sockets keep every response).
  {
    id: 'axios.1-15-1.follow-redirects-transport',
    source: 'axios',
    tag: 'v1.15.1',
    file: 'lib/adapters/http.js',
    lines: [690, 702],
    token: 'transport = isHttpsRequest ? httpsFollow : httpFollow;',
    checkedByHand: true,
  },
  // axios 1.18.1: one listener per socket, a closure in the first request's scope, never removed; through that scope
  // it may retain the first request's objects (axios#11091; the retention is not visible at these lines).
  {
    id: 'axios.1-18-1.socket-error-once',
    source: 'axios',
    tag: 'v1.18.1',
    file: 'lib/adapters/http.js',
    lines: [1286, 1294],
    token: "socket.on('error', function handleSocketError(err)",
    checkedByHand: true,
  },
  // axios 1.21.1 (the workspace's): the shared handler is a module-level function reading the socket's current request.
  {
    id: 'axios.1-21-1.socket-error-outside',
    source: 'axios',
    tag: 'v1.21.1',
    file: 'lib/adapters/http.js',
    lines: [71, 78],
    token: 'function handleSocketError(err)',
  },
  // axios 1.15.1: the per-request listener is removed only on the request's 'close' (L924–925).
  {
    id: 'axios.1-15-1.remove-on-close',
    source: 'axios',
    tag: 'v1.15.1',
    file: 'lib/adapters/http.js',
    lines: [924, 925],
    token: "req.once('close', removeSocketErrorListener);",
    checkedByHand: true,
  },
  // axios 1.21.1: the socket keeps its current request (L1488), cleared only on that request's 'close' (L1492–1501).
  {
    id: 'axios.1-21-1.current-req-kept',
    source: 'axios',
    tag: 'v1.21.1',
    file: 'lib/adapters/http.js',
    lines: [1488, 1501],
    token: 'socket[kAxiosCurrentReq] = req;',
  },
  // axios 1.21.1: maxRedirects 0 takes Node's native http/https (its ClientRequest emits 'close').
  {
    id: 'axios.1-21-1.native-transport',
    source: 'axios',
    tag: 'v1.21.1',
    file: 'lib/adapters/http.js',
    lines: [1171, 1173],
    token: '} else if (maxRedirects === 0) {',
  },
  // axios 1.21.1: any other maxRedirects (the default included) takes follow-redirects' wrapper.
  {
    id: 'axios.1-21-1.follow-redirects-transport',
    source: 'axios',
    tag: 'v1.21.1',
    file: 'lib/adapters/http.js',
    lines: [1239, 1239],
    token: 'transport = isHttpsRequest ? httpsFollow : httpFollow;',
  },
  // follow-redirects 1.16.3 (under axios 1.15.1, 1.18.1 and 1.21.1): the native request's events its wrapper
  // re-emits; 'close' is not among them.
  {
    id: 'follow-redirects.1-16-3.re-emitted-events',
    source: 'follow-redirects',
    tag: 'v1.16.3',
    file: 'index.js',
    lines: [51, 52],
    token: 'var events = ["abort", "aborted", "connect", "error", "socket", "timeout"];',
  },
  // undici 8.13.1: allowH2 not set means true (ALPN offers h2 on TLS; plain HTTP stays HTTP/1.1).
  {
    id: 'undici.8-13-1.allow-h2-default',
    source: 'undici',
    tag: 'v8.13.1',
    file: 'lib/core/connect.js',
    lines: [76, 76],
    token: 'allowH2 = allowH2 != null ? allowH2 : true',
  },
  // undici's idle-socket validation (GHSA-35p6-xmwp-9g52), which defers the write of a request on a reused idle
  // socket, in its three forms along the lines (section 7, one request in flight): 8.5.0 and 7.28.0 an unref'd
  // setTimeout(0) (Node's 1 ms timer floor on every sequential reuse, nodejs/undici#5493); 8.8.0 an unref'd setImmediate
  // (poll may block when nothing else keeps the loop awake, #5600/#5606); 7.29.1 and 8.10+ a ref'd setImmediate (the
  // 8.13.1 lines are 'undici.client-h1.idle-socket-validation').
  {
    id: 'undici.8-5-0.idle-validation-timer',
    source: 'undici',
    tag: 'v8.5.0',
    file: 'lib/dispatcher/client-h1.js',
    lines: [1037, 1048],
    token: 'socket[kIdleSocketValidationTimeout] = setTimeout(() => {',
    checkedByHand: true,
  },
  {
    id: 'undici.8-5-0.resume-defers-write',
    source: 'undici',
    tag: 'v8.5.0',
    file: 'lib/dispatcher/client-h1.js',
    lines: [1067, 1075],
    token: 'if (client[kRunning] === 0 && client[kPending] > 0 && socket[kSocketUsed]) {',
    checkedByHand: true,
  },
  {
    id: 'undici.7-28-0.idle-validation-timer',
    source: 'undici',
    tag: 'v7.28.0',
    file: 'lib/dispatcher/client-h1.js',
    lines: [1021, 1032],
    token: 'socket[kIdleSocketValidationTimeout] = setTimeout(() => {',
    checkedByHand: true,
  },
  {
    id: 'undici.8-8-0.idle-validation-unref-immediate',
    source: 'undici',
    tag: 'v8.8.0',
    file: 'lib/dispatcher/client-h1.js',
    lines: [1061, 1072],
    token: 'socket[kIdleSocketValidationTimeout].unref?.()',
    checkedByHand: true,
  },
  {
    id: 'undici.7-29-1.idle-validation-immediate',
    source: 'undici',
    tag: 'v7.29.1',
    file: 'lib/dispatcher/client-h1.js',
    lines: [1022, 1040],
    token: 'socket[kIdleSocketValidationTimeout] = setImmediate(() => {',
    checkedByHand: true,
  },
];
