import type { SourceLink } from './types';

const UNDICI = 'v8.13.1';
const NODE = 'v24.21.0';
/** libuv as bundled in Node v24.21.0 (`process.versions.uv`). */
const LIBUV = 'v1.52.1';
/** c-ares as bundled in Node v24.21.0 (`process.versions.ares`); not installed here, read at this tag by hand. */
const CARES = 'v1.34.8';
const CACHEABLE_LOOKUP = 'v7.0.0';
/** The nodejs/node commit (a 2025 main) whose src/cares_wrap.cc was read by hand; v24.21.0's could not be read here. */
const NODE_CARES_READ = '3f11cb91c75a7c8531243f318b2cf276c5484e5c';

/**
 * Source links of the dns notebook (see types.ts). got ships only compiled JavaScript and its repository snapshot here
 * stops before v16, so got's DnsCache is cited by its installed path (node_modules/got/dist/…) in the text, not
 * linked. Node's C++ at v24.21.0 could not be read here (the nodejs/node snapshot is over the fetch limit, the file
 * index holds only a 2025 main, and there is no network): src/cares_wrap.cc is therefore linked, with lines, at the
 * commit that was read by hand, NODE_CARES_READ (lines checked by matching the index's character offsets of the token),
 * and the notebook says so; the timer's effect is measured in the Node that ran.
 */
export const DNS_LINKS: readonly SourceLink[] = [
  // dns.lookup is getaddrinfo on libuv's threadpool, as slow I/O.
  {
    id: 'node.dns.lookup-getaddrinfo',
    source: 'node',
    tag: NODE,
    file: 'lib/dns.js',
    lines: [239, 241],
    token: 'cares.getaddrinfo(',
  },
  {
    id: 'libuv.getaddrinfo.slow-io',
    source: 'libuv',
    tag: LIBUV,
    file: 'src/unix/getaddrinfo.c',
    lines: [211, 215],
    token: 'UV__WORK_SLOW_IO',
    checkedByHand: true,
  },
  {
    id: 'libuv.threadpool.slow-threshold',
    source: 'libuv',
    tag: LIBUV,
    file: 'src/threadpool.c',
    lines: [45, 47],
    token: 'return (nthreads + 1) / 2;',
    checkedByHand: true,
  },
  {
    id: 'libuv.threadpool.slow-requeue',
    source: 'libuv',
    tag: LIBUV,
    file: 'src/threadpool.c',
    lines: [92, 98],
    token: 'slow_io_work_running >= slow_work_thread_threshold()',
    checkedByHand: true,
  },
  // undici: the connect timer covers the lookup, and ticks every 499 ms.
  {
    id: 'undici.connect.setup-timeout',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/core/connect.js',
    lines: [146, 146],
    token: 'util.setupConnectTimeout(new WeakRef(socket)',
  },
  {
    id: 'undici.util.connect-timeout-fast-timer',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/core/util.js',
    lines: [870, 886],
    token: 'timers.setFastTimeout(',
  },
  {
    id: 'undici.timers.tick',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/util/timers.js',
    lines: [40, 40],
    token: 'TICK_MS = (RESOLUTION_MS >> 1) - 1',
  },
  {
    id: 'undici.timers.backdate',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/util/timers.js',
    lines: [150, 162],
    token: 'timer._idleStart = fastNow - TICK_MS',
  },
  // Caches: who shares the lookup in flight, and what they resolve through.
  {
    id: 'undici.interceptor.dns.run-lookup',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/interceptor/dns.js',
    lines: [157, 178],
    token: 'this.storage.get(origin.hostname)',
  },
  {
    id: 'undici.interceptor.dns.default-lookup',
    source: 'undici',
    tag: UNDICI,
    file: 'lib/interceptor/dns.js',
    lines: [252, 259],
    token: '#defaultLookup (origin, opts, cb)',
  },
  {
    id: 'cacheable-lookup.pending',
    source: 'cacheable-lookup',
    tag: CACHEABLE_LOOKUP,
    file: 'source/index.js',
    lines: [225, 237],
    token: 'this._pending[hostname] = newPromise',
  },
  {
    id: 'cacheable-lookup.resolver',
    source: 'cacheable-lookup',
    tag: CACHEABLE_LOOKUP,
    file: 'source/index.js',
    lines: [90, 90],
    token: 'resolver = new AsyncResolver()',
  },
  {
    id: 'cacheable-lookup.resolve4',
    source: 'cacheable-lookup',
    tag: CACHEABLE_LOOKUP,
    file: 'source/index.js',
    lines: [249, 253],
    token: 'this._resolve4(hostname, ttl)',
  },
  // Effective resolver settings: Node's Resolver defaults, and what c-ares takes from resolv.conf.
  {
    id: 'node.dns.resolver-defaults',
    source: 'node',
    tag: NODE,
    file: 'lib/internal/dns/utils.js',
    lines: [49, 67],
    token: 'const { tries = 4 } = { ...options };',
  },
  {
    id: 'c-ares.options.timeout-unset',
    source: 'c-ares',
    tag: CARES,
    file: 'src/lib/ares_options.c',
    lines: [295, 302],
    token: 'optmask &= ~(ARES_OPT_TIMEOUTMS);',
    checkedByHand: true,
  },
  {
    id: 'c-ares.sysconfig.resolv-timeout',
    source: 'c-ares',
    tag: CARES,
    file: 'src/lib/ares_sysconfig.c',
    lines: [569, 575],
    token: 'channel->timeout = sysconfig->timeout_ms;',
    checkedByHand: true,
  },
  // Node checks c-ares timeouts only on a repeating timer of min(timeout, 1000) ms (ChannelWrap::StartTimer).
  {
    id: 'node.cares-wrap.start-timer',
    source: 'node',
    tag: NODE_CARES_READ,
    file: 'src/cares_wrap.cc',
    lines: [904, 915],
    token: 'if (timeout <= 0 || timeout > 1000) timeout = 1000;',
    checkedByHand: true,
  },
  // c-ares' retry timeout: the configured timeout on the first try, doubled per round, jittered, floored.
  {
    id: 'c-ares.metrics.first-timeout',
    source: 'c-ares',
    tag: CARES,
    file: 'src/lib/ares_metrics.c',
    lines: [243, 247],
    token: 'timeout_ms = channel->timeout;',
    checkedByHand: true,
  },
  {
    id: 'c-ares.process.timeout-doubling',
    source: 'c-ares',
    tag: CARES,
    file: 'src/lib/ares_process.c',
    lines: [1243, 1253],
    token: 'timeplus <<= rounds;',
    checkedByHand: true,
  },
  {
    id: 'c-ares.process.timeout-jitter',
    source: 'c-ares',
    tag: CARES,
    file: 'src/lib/ares_process.c',
    lines: [1259, 1281],
    token: 'delta_multiplier',
    checkedByHand: true,
  },
];
