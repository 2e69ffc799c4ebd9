import {
  type BodyBlock,
  type BodyTrial,
  bodyBytesMatch,
  rssGrowthClaim,
  sizeLabel,
  slowerForLargeBodyClaim,
  sweepRows,
  targetMemoryBounded,
  unreadFate,
  unreadFateClaim,
  unreadReported,
} from '@casebook/analysis';
import { describe, expect, it } from 'vitest';

const MIB = 1024 * 1024;

function trial(over: Partial<BodyTrial> = {}): BodyTrial {
  return {
    requests: 1,
    ok: 1,
    unread: 0,
    shortBodies: 0,
    errors: {},
    bodyBytes: MIB,
    wallMs: 10,
    cpuMicros: 5000,
    rssStartBytes: 50 * MIB,
    rssPeakBytes: 52 * MIB,
    baselineRssBytes: 50 * MIB,
    peakSinceBaselineBytes: 52 * MIB,
    settled: { rssBytes: 50 * MIB },
    target: { connectionsOpened: 1, connectionsClosed: 0, openConnections: 1 },
    bodies: {
      finishedBodyBytes: MIB,
      requestBodyBytesReceived: 0,
      responsesFinished: 1,
      responsesSending: 0,
      peakRssBytes: 60 * MIB,
    },
    ...over,
  };
}

function block(
  client: string,
  round: number,
  over: Partial<BodyTrial> = {},
  consumption = 'stream',
  bytes = MIB,
): BodyBlock {
  return { round, job: { client, expectedBytes: bytes, consumption }, trials: [trial(over)], error: null };
}

/** Six rounds of two clients, `slow` taking `factor` × the time of `fast`. */
function rounds(factor: number): BodyBlock[] {
  return Array.from({ length: 6 }, (_, r) => [
    block('fast', r, { wallMs: 10 + r }),
    block('slow', r, { wallMs: (10 + r) * factor }),
  ]).flat();
}

describe('bodies analysis', () => {
  it('sizeLabel names sizes in KiB and MiB', () => {
    expect(sizeLabel(1024)).toBe('1 KiB');
    expect(sizeLabel(128 * MIB)).toBe('128 MiB');
    expect(sizeLabel(1000)).toBe('1000 B');
  });

  it('body-bytes-match holds when both sides counted every byte, fails on a short body or a target mismatch', () => {
    expect(bodyBytesMatch([block('a', 0)]).holds).toBe(true);
    expect(bodyBytesMatch([block('a', 0, { bodyBytes: MIB - 1, ok: 0, shortBodies: 1 })]).holds).toBe(false);
    expect(
      bodyBytesMatch([
        block('a', 0, {
          bodies: {
            finishedBodyBytes: 0,
            requestBodyBytesReceived: 0,
            responsesFinished: 0,
            responsesSending: 1,
            peakRssBytes: 0,
          },
        }),
      ]).holds,
    ).toBe(false);
    expect(bodyBytesMatch([{ ...block('a', 0), error: { code: 'X', message: 'x' } }]).holds).toBe(false);
    expect(bodyBytesMatch([]).holds).toBe(false);
  });

  it('unread-reported holds when unread bodies are flagged, fails when one is counted ok', () => {
    const good = block(
      'a',
      0,
      { requests: 4, ok: 0, unread: 3, errors: { CASEBOOK_BODY_TIMEOUT: 1 }, bodyBytes: 0 },
      'unread',
    );
    expect(unreadReported([good]).holds).toBe(true);
    const bad = block('a', 0, { requests: 4, ok: 1, unread: 3, bodyBytes: 0 }, 'unread');
    expect(unreadReported([bad]).holds).toBe(false);
  });

  it('the fetch slowdown claim holds at 3×, fails at 1.2×, and is unresolved with one round', () => {
    const input = { id: 'x', slow: 'slow', fast: 'fast', bytes: MIB, consumption: 'stream', threshold: 2 };
    expect(slowerForLargeBodyClaim(rounds(3), input).outcome).toBe('holds');
    expect(slowerForLargeBodyClaim(rounds(1.2), input).outcome).toBe('fails');
    expect(slowerForLargeBodyClaim(rounds(3).slice(0, 2), input).outcome).toBe('unresolved');
    expect(slowerForLargeBodyClaim([], input).outcome).toBe('unresolved');
  });

  it('the RSS growth claim holds when every client grows past one body, fails when one does not', () => {
    const grown = (client: string, r: number, mib: number) =>
      block(client, r, { peakSinceBaselineBytes: (50 + mib) * MIB }, 'buffer');
    const input = {
      id: 'b',
      claim: 'c',
      clients: ['a', 'b'],
      bytes: MIB,
      consumption: 'buffer',
      threshold: { above: 1 },
    };
    const holds = Array.from({ length: 6 }, (_, r) => [grown('a', r, 2 + r * 0.1), grown('b', r, 3)]).flat();
    expect(rssGrowthClaim(holds, input).outcome).toBe('holds');
    const fails = Array.from({ length: 6 }, (_, r) => [grown('a', r, 2), grown('b', r, 0.2 + r * 0.01)]).flat();
    expect(rssGrowthClaim(fails, input).outcome).toBe('fails');
  });

  it('target-memory-bounded holds under the bound and fails above it', () => {
    expect(targetMemoryBounded([block('a', 0)], 256 * MIB).holds).toBe(true);
    const big = block('a', 0, {
      bodies: { ...trial().bodies, peakRssBytes: 300 * MIB },
    });
    expect(targetMemoryBounded([big], 256 * MIB).holds).toBe(false);
  });

  it('unreadFate tells reused, held and destroyed sockets apart, and the fate claim follows it', () => {
    const reused = block(
      'r',
      0,
      { requests: 8, ok: 0, unread: 8, target: { connectionsOpened: 2, connectionsClosed: 0, openConnections: 2 } },
      'unread',
      1024,
    );
    const held = block(
      'h',
      0,
      { requests: 8, ok: 0, unread: 8, target: { connectionsOpened: 8, connectionsClosed: 0, openConnections: 8 } },
      'unread',
      1024,
    );
    const destroyed = block(
      'd',
      0,
      { requests: 8, ok: 0, unread: 8, target: { connectionsOpened: 8, connectionsClosed: 8, openConnections: 0 } },
      'unread',
      1024,
    );
    expect(unreadFate(reused).fate).toBe('reused');
    expect(unreadFate(held).fate).toBe('held');
    expect(unreadFate(destroyed).fate).toBe('destroyed');
    const mixed = block(
      'm',
      0,
      { requests: 8, ok: 0, unread: 8, target: { connectionsOpened: 14, connectionsClosed: 8, openConnections: 6 } },
      'unread',
      1024,
    );
    expect(unreadFate(mixed).fate).toBe('mixed');
    const blocks = [reused, held, destroyed];
    expect(unreadFateClaim(blocks, { id: 'x', client: 'h', bytes: 1024, expected: 'held', because: 'b' }).holds).toBe(
      true,
    );
    expect(unreadFateClaim(blocks, { id: 'x', client: 'r', bytes: 1024, expected: 'held', because: 'b' }).holds).toBe(
      false,
    );
    expect(
      unreadFateClaim(blocks, { id: 'x', client: 'missing', bytes: 1024, expected: 'held', because: 'b' }).holds,
    ).toBe(false);
  });

  it('sweepRows gives one row per client, size and consumption', () => {
    const rows = sweepRows([...rounds(2), block('fast', 0, {}, 'buffer')]);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatchObject({ size: '1 MiB' });
  });
});
