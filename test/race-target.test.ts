import * as net from 'node:net';
import { liveChildren } from '@casebook/procs';
import { type RaceTargetHandle, resolveRaceTargetOptions, startRaceTarget } from '@casebook/servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The race target driven over raw sockets, so every byte and every FIN/RST is the test's to see: hint headers, idle
 * close by FIN, by RST, the stall, the deterministic race hook, and arrivals counted per request id.
 */

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const request = (id: string): string => `GET / HTTP/1.1\r\nHost: lab\r\nx-casebook-request-id: ${id}\r\n\r\n`;

interface RawConnection {
  socket: net.Socket;
  /** Everything received so far. */
  text(): string;
  /** Resolves with how the connection ended: 'fin' (the server ended it) or the error code (ECONNRESET). */
  ended: Promise<string>;
  /** Resolves when `n` responses have arrived in full. */
  responses(n: number): Promise<void>;
}

function connect(port: number): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      let data = '';
      const waiters: { n: number; resolve: () => void }[] = [];
      const count = (): number => data.split('HTTP/1.1 200').length - 1;
      socket.on('data', (chunk: Buffer) => {
        data += chunk.toString('latin1');
        for (const w of [...waiters]) if (count() >= w.n && data.endsWith('x')) w.resolve();
      });
      const ended = new Promise<string>((r) => {
        socket.on('end', () => {
          r('fin');
          socket.end();
        });
        socket.on('error', (e: NodeJS.ErrnoException) => r(e.code ?? e.message));
      });
      resolve({
        socket,
        text: () => data,
        ended,
        responses: (n) =>
          new Promise<void>((r) => {
            if (count() >= n && data.endsWith('x')) r();
            else waiters.push({ n, resolve: r });
          }),
      });
    });
    socket.once('error', reject);
  });
}

let target: RaceTargetHandle;

beforeAll(async () => {
  target = await startRaceTarget({ idleTimeoutMs: 2500, hint: 'true', idleClose: 'fin', bodyBytes: 4 });
});
afterAll(async () => {
  await target?.close();
  expect(liveChildren()).toEqual([]);
});

describe('race target options', () => {
  it('computes the hint from T and refuses bad values, naming the field', () => {
    expect(resolveRaceTargetOptions({ idleTimeoutMs: 2500, hint: 'true' }).hintHeader).toBe('timeout=2');
    expect(resolveRaceTargetOptions({ idleTimeoutMs: 2500, hint: 'lying' }).hintHeader).toBe('timeout=7');
    expect(resolveRaceTargetOptions({ idleTimeoutMs: 2500 }).hintHeader).toBeNull();
    expect(() => resolveRaceTargetOptions({ idleTimeoutMs: 0 })).toThrow(/idleTimeoutMs/);
    expect(() => resolveRaceTargetOptions({ idleTimeoutMs: 100, idleClose: 'drop' as 'fin' })).toThrow(/idleClose/);
    expect(() => resolveRaceTargetOptions({ idleTimeoutMs: 100, raceWindowMs: 200 })).toThrow(/raceWindowMs/);
  });
});

describe('race target', () => {
  it('sends the hint asked for, counts arrivals per id, and closes an idle connection with FIN after T', async () => {
    await target.configure({ idleTimeoutMs: 300, hint: 'lying', idleClose: 'fin', bodyBytes: 4 });
    await target.reset();
    const c = await connect(target.port);
    const clientPort = c.socket.localPort; // read before the FIN: a closed socket has no local port
    c.socket.write(request('a'));
    await c.responses(1);
    c.socket.write(request('b'));
    await c.responses(2);
    expect(c.text()).toMatch(/keep-alive: timeout=5\r\n/i);
    const t0 = Date.now();
    expect(await c.ended).toBe('fin');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    await sleep(50);
    const counters = await target.counters();
    expect(counters.arrivedById).toEqual({ a: 1, b: 1 });
    expect(counters.servedById).toEqual({ a: 1, b: 1 });
    expect(counters.endings['idle-fin']).toBe(1);
    expect(counters.connections).toEqual([
      {
        id: expect.any(Number),
        served: 2,
        arrived: 2,
        ended: 'idle-fin',
        stalled: false,
        remotePort: clientPort,
        openedAtUs: expect.any(Number),
        closedAtUs: expect.any(Number),
        closeIdleSinceUs: expect.any(Number),
      },
    ]);
    // On the shared clock: the FIN went out T (300 ms) or a little later after the idle period began, and b's first
    // arrival was on that connection, after a's response (its idle start).
    const [conn] = counters.connections;
    const idleUs = (conn?.closedAtUs ?? 0) - (conn?.closeIdleSinceUs ?? 0);
    expect(idleUs).toBeGreaterThanOrEqual(299_000);
    expect(idleUs).toBeLessThan(1_000_000);
    expect(counters.firstArrivalById['a']).toEqual({
      atUs: expect.any(Number),
      connection: conn?.id,
      idleSinceUs: null,
    });
    expect(counters.firstArrivalById['b']?.idleSinceUs).toBeGreaterThan(counters.firstArrivalById['a']?.atUs ?? 0);
    expect(conn?.closeIdleSinceUs).toBeGreaterThan(counters.firstArrivalById['b']?.atUs ?? 0);
    expect(counters.openConnections).toBe(0);
    expect((await target.reset()).arrivals).toBe(2);
    expect((await target.counters()).arrivals).toBe(0);
  });

  it('closes an idle connection with RST: the client reads ECONNRESET', async () => {
    await target.configure({ idleTimeoutMs: 200, idleClose: 'rst', hint: 'absent', bodyBytes: 4 });
    await target.reset();
    const c = await connect(target.port);
    c.socket.write(request('r'));
    await c.responses(1);
    expect(c.text()).not.toMatch(/keep-alive: timeout/i);
    expect(await c.ended).toBe('ECONNRESET');
    await sleep(50);
    const counters = await target.counters();
    expect(counters.endings['idle-rst']).toBe(1);
    expect(counters.openConnections).toBe(0);
  });

  it('stalls: a request after T is taken and never answered, and release() frees the connection', async () => {
    await target.configure({ idleTimeoutMs: 150, idleClose: 'stall', bodyBytes: 4 });
    await target.reset();
    const c = await connect(target.port);
    c.socket.write(request('s1'));
    await c.responses(1);
    await sleep(300);
    c.socket.write(request('s2'));
    await sleep(200);
    expect(c.text().split('HTTP/1.1 200').length - 1).toBe(1);
    let counters = await target.counters();
    expect(counters.stalledConnections).toBe(1);
    expect(counters.ignoredWhileStalled).toBe(1);
    expect(counters.arrivedById).toEqual({ s1: 1, s2: 1 });
    expect(counters.servedById).toEqual({ s1: 1 });
    expect(await target.release()).toBe(1);
    expect(await c.ended).toMatch(/fin|ECONNRESET/);
    counters = await target.counters();
    expect(counters.openConnections).toBe(0);
    expect(counters.endings['stall-released']).toBe(1);
  });

  it('the race hook: a request after idle ≥ T − ε is counted as arrived and met by the close, not answered', async () => {
    await target.configure({ idleTimeoutMs: 1000, idleClose: 'fin', raceWindowMs: 900, bodyBytes: 4 });
    await target.reset();
    const c = await connect(target.port);
    c.socket.write(request('h1'));
    await c.responses(1);
    await sleep(50); // idle 50 ms < T − ε = 100 ms: answered
    c.socket.write(request('h2'));
    await c.responses(2);
    await sleep(200); // idle 200 ms ≥ 100 ms: closed as it arrives
    c.socket.write(request('h3'));
    expect(await c.ended).toBe('fin');
    await sleep(50);
    const counters = await target.counters();
    expect(counters.arrivedById).toEqual({ h1: 1, h2: 1, h3: 1 });
    expect(counters.servedById).toEqual({ h1: 1, h2: 1 });
    // The target's own idle clock as each id first arrived: none on the new connection, then the idle it sat out.
    const idle = counters.idleAtFirstArrivalById;
    expect(idle['h1']).toBeNull();
    expect(idle['h2']).toBeGreaterThanOrEqual(45);
    expect(idle['h2']).toBeLessThan(100);
    expect(idle['h3']).toBeGreaterThanOrEqual(195);
    // The race hook closes as h3 arrives: its first copy found the connection still open (the actual close, not T).
    expect(counters.firstCopyAfterCloseById).toEqual({ h2: false, h3: false });
    // The race close is recorded on the shared clock at h3's arrival, ending the idle period h3 was written into.
    const [conn] = counters.connections;
    expect(conn?.closedAtUs).toBeGreaterThanOrEqual(counters.firstArrivalById['h3']?.atUs ?? Number.POSITIVE_INFINITY);
    expect(conn?.closeIdleSinceUs).toBe(counters.firstArrivalById['h3']?.idleSinceUs);
    expect(counters.raceCloses).toBe(1);
    expect(counters.endings['race-fin']).toBe(1);
    expect(counters.openConnections).toBe(0);
  });
});
