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
export type ClientName = (typeof CLIENT_NAMES)[number];

/** How the client resolves host names. Only 'system' exists today; the DNS case study adds strategies here. */
export interface LookupSpec {
  strategy: 'system';
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
  /** Connect timeout; null keeps the client's default. */
  connectTimeoutMs?: number | null;
  /** Whole-request timeout; null keeps the client's default. */
  requestTimeoutMs?: number | null;
  /** Trust this CA for https origins. */
  tls?: TlsSpec | null;
  /** 'default' keeps what the client does by default; 'h1' forces HTTP/1.1; 'h2' asks for HTTP/2. */
  protocol?: 'default' | 'h1' | 'h2';
  lookup?: LookupSpec;
}

export interface ResolvedClientOptions {
  connections: number | null;
  keepAlive: boolean;
  pipelining: number;
  connectTimeoutMs: number | null;
  requestTimeoutMs: number | null;
  tls: TlsSpec | null;
  protocol: 'default' | 'h1' | 'h2';
  lookup: LookupSpec;
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
};

export interface ResponseInfo {
  status: number;
  /** Bytes of body consumed (the adapter reads the whole body). */
  bodyBytes: number;
  /** Protocol the response came over, when the client tells ('http/1.1', 'h2'); null when it does not. */
  protocol: string | null;
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
