/**
 * The lab DNS server: a UDP server in its own process (dns2's packet codec over node:dgram), started by
 * startDnsServer(). Answers the configured names after a delay, or fails as configured; answers AAAA with an empty
 * NOERROR (so glibc does not wait for a timeout); counts every query. Exits when its IPC channel closes.
 */
import * as dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { announceListening, ControlRefusal, failFatal, serveControl } from '@casebook/procs';
import { type DnsNameConfig, emptyDnsCounters } from './dns-server-protocol';

interface DnsPacketLike {
  header: { id: number; rcode: number; aa?: number; ra?: number };
  questions: { name: string; type: number; class: number }[];
  answers: unknown[];
  toBuffer(): Buffer;
}
interface PacketStatic {
  parse(buf: Buffer): DnsPacketLike;
  createResponseFromRequest(req: DnsPacketLike): DnsPacketLike;
  TYPE: Record<string, number>;
  CLASS: Record<string, number>;
}
const Packet = require('dns2').Packet as PacketStatic;

const start = JSON.parse(process.argv[2] ?? '{}') as {
  host: string;
  port: number;
  names: Record<string, DnsNameConfig>;
};
let names = start.names;

const fresh = emptyDnsCounters;
let counters = fresh();
/** Queries waiting for their delay now (across resets). */
let pendingNow = 0;
let t0 = performance.now();
let ports = new Set<number>();
const typeName = (t: number): string => (t === Packet.TYPE['A'] ? 'A' : t === Packet.TYPE['AAAA'] ? 'AAAA' : String(t));

const socket = dgram.createSocket('udp4');
socket.on('message', (buf, rinfo) => {
  let req: DnsPacketLike;
  try {
    req = Packet.parse(buf);
  } catch {
    return;
  }
  const q = req.questions[0];
  if (!q) return;
  const name = q.name.toLowerCase().replace(/\.$/, '');
  const type = typeName(q.type);
  counters.queries++;
  ports.add(rinfo.port);
  counters.sourcePorts = ports.size;
  const config = names[name];
  const res = Packet.createResponseFromRequest(req);
  res.header.aa = 1;
  res.header.ra = 1;
  if (!config) {
    counters.foreignQueries++;
    if (counters.foreignNames.length < 50 && !counters.foreignNames.includes(name)) counters.foreignNames.push(name);
    res.header.rcode = 3;
    socket.send(res.toBuffer(), rinfo.port, rinfo.address);
    return;
  }
  const key = `${name} ${type}`;
  counters.byNameType[key] = (counters.byNameType[key] ?? 0) + 1;
  if (type === 'A' && counters.aArrivalsMs.length < 10_000)
    counters.aArrivalsMs.push(Math.round((performance.now() - t0) * 10) / 10);
  if (config.mode === 'drop') return;
  if (config.mode === 'servfail') res.header.rcode = 2;
  else if (config.mode === 'nxdomain') res.header.rcode = 3;
  else if (type === 'A') {
    res.answers.push({
      name: q.name,
      type: Packet.TYPE['A'],
      class: Packet.CLASS['IN'],
      ttl: config.ttl,
      address: config.address,
    });
  }
  // AAAA and other types: empty NOERROR.
  const reply = (): void => {
    pendingNow--;
    socket.send(res.toBuffer(), rinfo.port, rinfo.address);
  };
  pendingNow++;
  if (pendingNow > counters.peakPending) counters.peakPending = pendingNow;
  if (config.delayMs > 0) setTimeout(reply, config.delayMs);
  else reply();
});
socket.on('error', (error: NodeJS.ErrnoException) => failFatal(error.message, error.code ?? 'DNS_SERVER'));
socket.bind(start.port, start.host, () => {
  announceListening({ host: start.host, port: socket.address().port, pid: process.pid });
});

serveControl({
  handle: (request) => {
    if (request.type === 'counters') return { ...counters, pending: pendingNow };
    if (request.type === 'reset') {
      const before = counters;
      counters = fresh();
      before.pending = pendingNow;
      counters.peakPending = pendingNow;
      ports = new Set();
      t0 = performance.now();
      return before;
    }
    if (request.type === 'configure') {
      names = (request as unknown as { names: Record<string, DnsNameConfig> }).names;
      return { ...counters };
    }
    throw new ControlRefusal('CASEBOOK_DNS_CONTROL', `unknown request ${request.type}`);
  },
  close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
});
