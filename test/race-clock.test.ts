import { headerValueIn, joinWrite } from '@casebook/runner';
import type { RaceConnection } from '@casebook/servers';
import { describe, expect, it } from 'vitest';

/**
 * The shared clock of the keep-alive races (runner race-writes.ts, race.ts joinWrite): a client's write is joined to
 * the target's connection by its port and time, and gets that connection's FIN time only when the write went into the
 * idle period the FIN ended.
 */

const T_MS = 1000;

/** A connection on port 40000 that idled from 2.0 s (µs on the shared clock) and got the target's FIN at 3.0015 s. */
const conn = (over: Partial<RaceConnection> = {}): RaceConnection => ({
  id: 1,
  served: 1,
  arrived: 1,
  ended: 'idle-fin',
  stalled: false,
  remotePort: 40_000,
  openedAtUs: 1_000_000,
  closedAtUs: 3_001_500,
  closeIdleSinceUs: 2_000_000,
  ...over,
});

describe('headerValueIn', () => {
  it('reads a header from a block as written, case-insensitively', () => {
    const block = 'GET / HTTP/1.1\r\nhost: lab\r\nconnection: keep-alive\r\nX-Casebook-Request-Id: r-1-r0-3\r\n';
    expect(headerValueIn(block, 'x-casebook-request-id')).toBe('r-1-r0-3');
    expect(headerValueIn(block, 'x-other')).toBeNull();
  });
});

describe('joinWrite', () => {
  it('a write after the FIN, into the idle period the FIN ended: exposed (finAtUs ≤ writtenAtUs)', () => {
    const j = joinWrite({ writtenAtUs: 3_003_000, localPort: 40_000 }, [conn()], T_MS, undefined);
    expect(j).toEqual({ targetConnection: 1, finAtUs: 3_001_500, dueAtUs: 3_000_000 });
  });

  it('a write before the FIN in the same idle period: closed under it (finAtUs > writtenAtUs)', () => {
    const j = joinWrite({ writtenAtUs: 2_999_000, localPort: 40_000 }, [conn()], T_MS, undefined);
    expect(j.finAtUs).toBe(3_001_500);
    expect((j.finAtUs ?? 0) > 2_999_000).toBe(true);
  });

  it('a write before the idle period the FIN ended (answered, then idle again): no FIN for it', () => {
    const arrival = { atUs: 1_500_100, connection: 1, idleSinceUs: 1_200_000 };
    const j = joinWrite({ writtenAtUs: 1_500_000, localPort: 40_000 }, [conn()], T_MS, arrival);
    expect(j).toEqual({ targetConnection: 1, finAtUs: null, dueAtUs: 2_200_000 });
  });

  it('picks the connection with that port opened last before the write; none: no join', () => {
    const older = conn({ id: 1, openedAtUs: 100, closedAtUs: 900, closeIdleSinceUs: 500 });
    const newer = conn({ id: 2, ended: 'client-closed', closedAtUs: null, closeIdleSinceUs: null });
    const j = joinWrite({ writtenAtUs: 1_000_100, localPort: 40_000 }, [older, newer], T_MS, undefined);
    expect(j).toEqual({ targetConnection: 2, finAtUs: null, dueAtUs: null });
    expect(joinWrite({ writtenAtUs: 5, localPort: 40_001 }, [older], T_MS, undefined).targetConnection).toBeNull();
    expect(joinWrite({ writtenAtUs: null, localPort: null }, [older], T_MS, undefined).targetConnection).toBeNull();
  });
});
