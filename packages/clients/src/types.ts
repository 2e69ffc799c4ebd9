/**
 * One interface for every client under study: open a session for an origin with resolved options →
 * send a request and fully consume its body → close. Adding a client is adding a file in adapters/.
 */

export const CLIENT_NAMES = [
  'undici-request',
  'undici-dispatch',
  'undici-fetch',
  'node-fetch',
  'node-http',
  'axios',
  'got',
] as const;
/**
 * Clients that speak HTTP/2 only (the http2 case study). Kept out of CLIENT_NAMES, which lists the clients every
 * HTTP/1.1 study compares; ADAPTERS, getAdapter and ClientName include them.
 */
export const H2_CLIENT_NAMES = ['node-http2'] as const;
/**
 * Other runtimes' global fetch (the versions case study): each runs in a worker on its own runtime from the version
 * store (Bun, Deno), never on Node. Kept out of CLIENT_NAMES like the HTTP/2 client; ADAPTERS, getAdapter and
 * ClientName include them.
 */
export const RUNTIME_FETCH_CLIENT_NAMES = ['bun-fetch', 'deno-fetch'] as const;
export type ClientName =
  | (typeof CLIENT_NAMES)[number]
  | (typeof H2_CLIENT_NAMES)[number]
  | (typeof RUNTIME_FETCH_CLIENT_NAMES)[number];

/** How the client resolves host names (see lookup.ts; the DNS case study). */
export const LOOKUP_STRATEGIES = [
  'system',
  'cares',
  'undici-interceptor',
  'cacheable-lookup',
  'got-dns-cache',
] as const;
export type LookupStrategy = (typeof LOOKUP_STRATEGIES)[number];

export interface LookupSpec {
  /**
   * 'system': the client's default (dns.lookup → getaddrinfo on libuv's threadpool). 'cares': a dns.Resolver
   * (c-ares, no threadpool) as the socket lookup. 'undici-interceptor': undici's interceptors.dns (undici clients).
   * 'cacheable-lookup': the cacheable-lookup package as the socket lookup. 'got-dns-cache': got's `dnsCache: true`.
   */
  strategy: LookupStrategy;
  /**
   * DNS servers ('127.0.53.9' or '127.0.53.9:5353') for a c-ares Resolver with setServers: required by 'cares',
   * optional for 'cacheable-lookup' and 'undici-interceptor' (then they resolve through c-ares on these servers
   * instead of the system path). Loopback only.
   */
  servers?: string[];
  /** c-ares per-try timeout (ms) and tries, when a Resolver is built; default c-ares's own. */
  timeoutMs?: number;
  tries?: number;
}

export interface TlsSpec {
  /** PEM of the CA to trust. Verification is never disabled in this project. */
  caPem: string;
  servername?: string;
}

export interface ClientOptions {
  /** Per-origin connection cap; null keeps the client's own default (unlimited for every client studied). */
  connections?: number | null;
  /** Reuse connections between requests. */
  keepAlive?: boolean;
  /** Requests in flight per connection (undici only; HTTP/1.1 pipelining). */
  pipelining?: number;
  /**
   * undici's per-request `blocking` (undici-request and undici-dispatch only). Absent or null keeps undici's default,
   * true for every method but HEAD, which holds the next pipelined request until this response's headers arrive.
   */
  pipelineBlocking?: boolean | null;
  /**
   * axios only: its `maxRedirects`. Absent or null keeps axios's default (the request goes through follow-redirects,
   * whose own limit is 21); 0 makes axios use Node's native http/https request, no follow-redirects. Not in the
   * record's params (their schema predates it): the live value is in `client.settings.maxRedirects`, and a version
   * cell that sets it says so in its label.
   */
  maxRedirects?: number | null;
  /** Connect timeout; null keeps the client's default. */
  connectTimeoutMs?: number | null;
  /** Whole-request timeout; null keeps the client's default. */
  requestTimeoutMs?: number | null;
  /** Trust this CA for https origins. */
  tls?: TlsSpec | null;
  /** 'default' keeps what the client does by default; 'h1' forces HTTP/1.1; 'h2' asks for HTTP/2. */
  protocol?: 'default' | 'h1' | 'h2';
  lookup?: LookupSpec;
  /** TLS session cache size (undici connect.maxCachedSessions, https.Agent maxCachedSessions); 0 disables it;
   * null keeps the client's default (100 for both). */
  tlsSessionCacheSize?: number | null;
  /** The anti-pattern: a new client (and so a new agent, pool and session cache) for every request. */
  clientPerRequest?: boolean;
  /** Wait this long before each new TCP connect (a lookup hook): the handshake RTT a user-space proxy cannot add.
   * Needs an origin with a host name (IP literals skip lookup). */
  connectDelayMs?: number;
}

export interface ResolvedClientOptions {
  connections: number | null;
  keepAlive: boolean;
  pipelining: number;
  /** Absent: the client's default. */
  pipelineBlocking?: boolean | null;
  /** axios only (see ClientOptions.maxRedirects); absent: axios's default. */
  maxRedirects?: number | null;
  connectTimeoutMs: number | null;
  requestTimeoutMs: number | null;
  tls: TlsSpec | null;
  protocol: 'default' | 'h1' | 'h2';
  lookup: LookupSpec;
  tlsSessionCacheSize: number | null;
  clientPerRequest: boolean;
  connectDelayMs: number;
}

export const DEFAULT_CLIENT_OPTIONS: ResolvedClientOptions = {
  connections: null,
  keepAlive: true,
  pipelining: 1,
  connectTimeoutMs: null,
  requestTimeoutMs: null,
  tls: null,
  protocol: 'default',
  lookup: { strategy: 'system' },
  tlsSessionCacheSize: null,
  clientPerRequest: false,
  connectDelayMs: 0,
};

export interface ResponseInfo {
  status: number;
  /** Bytes of body consumed (the adapter reads the whole body). */
  bodyBytes: number;
  /** Protocol the response came over, when the client tells ('http/1.1', 'h2'); null when it does not. */
  protocol: string | null;
}

/**
 * How a response body is consumed (the bodies case study): 'buffer' reads it whole into memory the way the client's
 * API does (arrayBuffer(), responseType buffer/arraybuffer, chunks concatenated); 'stream' pipes it to a sink that
 * counts and discards, as an application streaming to a file or socket would; 'unread' returns once the headers are
 * in and never touches the body (the mistake the case study measures).
 */
export const BODY_CONSUMPTIONS = ['buffer', 'stream', 'unread'] as const;
export type BodyConsumption = (typeof BODY_CONSUMPTIONS)[number];

export interface BodyResponse {
  status: number;
  /** Body bytes the application received (0 when unread). */
  bodyBytes: number;
  /** False when the body was left unread: never to be counted as a completed response. */
  read: boolean;
}

/**
 * How a request body is sent (the bodies case study's uploads): 'buffer' hands the client one Buffer holding the whole
 * body, as an application that read a file into memory would; 'stream' hands it a stream producing the body chunk by
 * chunk, a fresh 64 KiB chunk per pull the source keeps no reference to (upload-source.ts), so any body in memory
 * is held by the client (a copy, or references to the chunks it was given).
 */
export const UPLOAD_MODES = ['buffer', 'stream'] as const;
export type UploadMode = (typeof UPLOAD_MODES)[number];

export interface UploadResponse {
  status: number;
  /** Request-body bytes the application handed to the client (the target's count is the check). */
  sentBytes: number;
}

/** What an adapter can do; options it cannot honour are rejected with a UsageError, never silently ignored. */
export interface ClientCapabilities {
  connectionCap: boolean;
  keepAliveOff: boolean;
  pipelining: boolean;
  tls: boolean;
  http2: boolean;
}

export interface ClientSession {
  /** GET `path` on the session's origin and consume the whole body. Rejects on network errors and timeouts. */
  request(path: string): Promise<ResponseInfo>;
  /**
   * GET `path` and consume the body as `consumption` says (HTTP/1.1 clients; absent on the HTTP/2-only adapter).
   * Resolves when the body was consumed (or, for 'unread', when the headers arrived).
   */
  requestBody?(path: string, consumption: BodyConsumption): Promise<BodyResponse>;
  /**
   * POST a request body of `bytes` to `path`, sent as `mode` says, and read the (small) response to its end. Absent
   * on adapters the uploads sweep does not cover.
   */
  uploadBody?(path: string, bytes: number, mode: UploadMode): Promise<UploadResponse>;
  /** Settings read from the live client objects (not typed from docs), for the record. */
  settings(): Record<string, unknown>;
  close(): Promise<void>;
}

export interface ClientAdapter {
  name: ClientName;
  /** One-line description for `casebook list`. */
  description: string;
  /** npm package (or 'node' for built-ins) whose version is reported. */
  packageName: string;
  /** Link to the source of the request path this adapter exercises. */
  sourceUrl: string;
  capabilities: ClientCapabilities;
  version(): string;
  open(origin: string, options: ResolvedClientOptions): Promise<ClientSession>;
}
