/** Messages and options of the lab DNS server (dns-server-process.ts ↔ dns-server.ts). */

/** How the server answers one name. */
export interface DnsNameConfig {
  /** IPv4 address of the A record (loopback only). */
  address: string;
  /** Delay before answering, ms (applies to every query type for the name). */
  delayMs: number;
  /** TTL of the A record, s. */
  ttl: number;
  /** 'answer' (A record, AAAA empty NOERROR), 'servfail' (rcode 2), 'nxdomain' (rcode 3), 'drop' (never answer). */
  mode: 'answer' | 'servfail' | 'nxdomain' | 'drop';
}

export interface DnsServerOptions {
  /** Loopback address to bind; default a 127.0.53.x address picked at start. */
  host?: string;
  /** 53 (needed for getaddrinfo through resolv.conf) or 0 for an ephemeral port; default: try 53, fall back to 0. */
  port?: number | 'prefer-53';
  /** Names served (lower case, no trailing dot); missing fields take resolveDnsNames defaults. */
  names: Record<string, Partial<DnsNameConfig>>;
}

export interface DnsCounters {
  /** Every query received since the last reset. */
  queries: number;
  /** By `${name} ${type}` (type 'A', 'AAAA' or the number). */
  byNameType: Record<string, number>;
  /** Queries for names the server does not serve (answered NXDOMAIN, counted here). */
  foreignQueries: number;
  foreignNames: string[];
  /** Queries waiting for their delay at the same time: current and peak since reset. */
  pending: number;
  peakPending: number;
  /** Arrival times of A queries, ms since the last reset (first 10 000). */
  aArrivalsMs: number[];
  /** Source ports seen (how many sockets asked). */
  sourcePorts: number;
}

/** Counters with nothing counted: a fresh window, or a stopped server's (resolver down) answer to "what did you see". */
export function emptyDnsCounters(): DnsCounters {
  return {
    queries: 0,
    byNameType: {},
    foreignQueries: 0,
    foreignNames: [],
    pending: 0,
    peakPending: 0,
    aArrivalsMs: [],
    sourcePorts: 0,
  };
}
