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
];
