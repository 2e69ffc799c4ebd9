import {
  type BodyBlock,
  type BodyTrial,
  blockFigures,
  bodyBytesMatch,
  liveGrowthBytes,
  liveGrowthOverControl,
  liveGrowthOverControlClaim,
  liveGrowthRows,
  rssGrowthAtLeast,
  rssGrowthClaim,
  rssGrowthPerBody,
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

  it('target-memory-bounded bounds the growth over the phase start: holds for a target that streams, fails for one holding the body', () => {
    const L = 128 * MIB;
    const phase = (startMiB: number, peakMiB: number, bytes = L) =>
      block(
        'a',
        0,
        { bodies: { ...trial().bodies, startRssBytes: startMiB * MIB, peakRssBytes: peakMiB * MIB } },
        'stream',
        bytes,
      );
    expect(targetMemoryBounded([phase(50, 52), phase(60, 90)], { share: 0.25 }).holds).toBe(true);
    // A 128 MiB body held by a 50 MiB target: under an absolute bound of 256 MiB, but it grew by 130 MiB > 32 MiB.
    const held = targetMemoryBounded([phase(50, 52), phase(50, 180)], { share: 0.25 });
    expect(held.holds).toBe(false);
    expect(held.evidence['worstGrowthMiB']).toBe(130);
    // Only the largest size is checked; a small body is judged against the floor, not 0.25 × 1 MiB.
    expect(targetMemoryBounded([phase(50, 52), phase(50, 100, MIB)], { share: 0.25 }).holds).toBe(true);
    expect(targetMemoryBounded([phase(50, 53, MIB)], { share: 0.25 }).holds).toBe(true);
    expect(targetMemoryBounded([phase(50, 53, MIB)], { share: 0.25, floorBytes: MIB }).holds).toBe(false);
    // Phases without a start RSS (older records) are not checked: with none, nothing was, and it does not hold.
    expect(targetMemoryBounded([block('a', 0)], { share: 0.25 }).holds).toBe(false);
    expect(targetMemoryBounded([phase(50, 52)], { share: 0.25, id: 'u' }).id).toBe('u');
  });

  it('target-memory-bounded judges warm-ups too, and a stated GC allowance is added to the bound', () => {
    const U = 64 * MIB;
    const withWarmup = (warmStart: number, warmPeak: number, trialStart: number, trialPeak: number): BodyBlock => ({
      round: 0,
      job: { client: 'a', expectedBytes: U, consumption: 'stream', direction: 'upload' },
      warmup: trial({ bodies: { ...trial().bodies, startRssBytes: warmStart * MIB, peakRssBytes: warmPeak * MIB } }),
      trials: [
        trial({ bodies: { ...trial().bodies, startRssBytes: trialStart * MIB, peakRssBytes: trialPeak * MIB } }),
      ],
      error: null,
    });
    // Timed trial within 16 MiB, but the warm-up grew 48 MiB: the phase-wide check sees it and fails.
    const grew = targetMemoryBounded([withWarmup(75, 123, 123, 130)], { share: 0.25 });
    expect(grew.outcome).toBe('fails');
    expect(grew.evidence['worst']).toContain('warm-up');
    expect(grew.evidence['warmupPhases']).toBe(1);
    // With a 64 MiB allowance for the garbage of dropped receive buffers stated before the run: 16 + 64 = 80 MiB.
    const allowed = targetMemoryBounded([withWarmup(75, 123, 123, 130)], { share: 0.25, gcAllowanceBytes: 64 * MIB });
    expect(allowed.outcome).toBe('holds');
    expect(allowed.evidence['boundMiB']).toBe(80);
    // A target that keeps the body on top of the lag still fails.
    expect(
      targetMemoryBounded([withWarmup(75, 75 + 81, 123, 130)], { share: 0.25, gcAllowanceBytes: 64 * MIB }).outcome,
    ).toBe('fails');
  });

  it('GC-settled growth over a control: holds for a client that holds what the control does, fails for one that keeps the body', () => {
    const L = 16 * MIB;
    const liveBlock = (client: string, round: number, liveGrowth: number | null): BodyBlock => ({
      round,
      job: { client, expectedBytes: L, consumption: 'stream' },
      warmup:
        liveGrowth === null
          ? null
          : trial({
              live: { samples: 10, gcForced: true, baselineLiveBytes: 10 * MIB, peakLiveBytes: 10 * MIB + liveGrowth },
            }),
      trials: [trial()],
      error: null,
    });
    const blocks = Array.from({ length: 6 }, (_, r) => [
      liveBlock('node-http', r, MIB + r * 1024),
      liveBlock('streamer', r, 2 * MIB + r * 2048),
      liveBlock('holder', r, L + 3 * MIB + r * 4096),
    ]).flat();
    expect(liveGrowthBytes(blocks[0] as BodyBlock)).toBe(MIB);
    expect(liveGrowthOverControl(blocks, 'streamer', 'node-http', L, 'stream')).toHaveLength(6);
    const claim = (clients: string[]) =>
      liveGrowthOverControlClaim(blocks, {
        id: 'c',
        claim: 'c',
        clients,
        control: 'node-http',
        bytes: L,
        consumption: 'stream',
        below: 0.25,
      });
    expect(claim(['node-http', 'streamer']).outcome).toBe('holds');
    expect(claim(['node-http', 'streamer', 'holder']).outcome).toBe('fails');
    expect(claim(['node-http', 'streamer']).evidence['controlLiveGrowthPerBodyMedian']).toBeCloseTo(1 / 16, 2);
    // Without GC-settled samples there is no number: unresolved, never a failure.
    const bare = blocks.map((b) => ({ ...b, warmup: null }));
    expect(
      liveGrowthOverControlClaim(bare, {
        id: 'c',
        claim: 'c',
        clients: ['streamer'],
        control: 'node-http',
        bytes: L,
        consumption: 'stream',
        below: 0.25,
      }).outcome,
    ).toBe('unresolved');
    const rows = liveGrowthRows(blocks, {
      clients: ['node-http', 'holder'],
      control: 'node-http',
      bytes: L,
      consumption: 'stream',
    });
    expect(rows[0]?.overControlPerBody).toBeNull();
    expect(rows[1]?.overControlPerBody).toBeGreaterThan(1);
  });

  it('the arrayBuffers metric: a control whose heapUsed + external counts garbage no longer decides; a client keeping the chunks fails', () => {
    const U = 64 * MIB;
    // live: heapUsed + external (garbage in the control's, as in run bodies-d65bdee9); ab: arrayBuffers growth.
    const b = (client: string, round: number, live: number, ab: number): BodyBlock => ({
      round,
      job: { client, expectedBytes: U, consumption: 'stream', direction: 'upload' },
      warmup: trial({
        live: {
          samples: 2,
          gcForced: true,
          baselineLiveBytes: 10 * MIB,
          peakLiveBytes: 10 * MIB + live,
          baselineArrayBuffersBytes: MIB,
          peakArrayBuffersBytes: MIB + ab,
        },
      }),
      trials: [trial()],
      error: null,
    });
    const blocks = Array.from({ length: 6 }, (_, r) => [
      b('node-http', r, 27 * MIB + r * MIB, 256 * 1024),
      b('streamer', r, 2 * MIB, 300 * 1024 + r * 1024),
      b('keeper', r, 65 * MIB, 64 * MIB + r * 1024),
    ]).flat();
    expect(liveGrowthBytes(blocks[0] as BodyBlock, 'arrayBuffers')).toBe(256 * 1024);
    const claim = (clients: string[], metric?: 'live' | 'arrayBuffers') =>
      liveGrowthOverControlClaim(blocks, {
        id: 'u',
        claim: 'u',
        clients,
        control: 'node-http',
        bytes: U,
        consumption: 'stream',
        below: 0.25,
        ...(metric ? { metric } : {}),
      });
    expect(claim(['node-http', 'streamer'], 'arrayBuffers').outcome).toBe('holds');
    expect(claim(['node-http', 'streamer', 'keeper'], 'arrayBuffers').outcome).toBe('fails');
    expect(claim(['node-http', 'keeper'], 'arrayBuffers').evidence['keeper own growth ÷ body (median)']).toBeCloseTo(
      1,
      2,
    );
    // On heapUsed + external the control's garbage (27–32 MiB) hides most of the keeper's 64 MiB: 0.56 over, not 1.
    expect(claim(['node-http', 'keeper']).evidence['controlLiveGrowthPerBodyMedian']).toBeGreaterThan(0.4);
    // An old record without arrayBuffers fields has no number on that metric: unresolved, never a failure.
    const old = blocks.map((x) => ({
      ...x,
      warmup: trial({ live: { samples: 2, gcForced: true, baselineLiveBytes: 0, peakLiveBytes: MIB } }),
    }));
    expect(
      liveGrowthOverControlClaim(old, {
        id: 'u',
        claim: 'u',
        clients: ['streamer'],
        control: 'node-http',
        bytes: U,
        consumption: 'stream',
        below: 0.25,
        metric: 'arrayBuffers',
      }).outcome,
    ).toBe('unresolved');
  });

  it('unread per-request growth leaves the first request (the process warm-up) out and reports it apart', () => {
    const b = block(
      'u',
      0,
      {
        requests: 5,
        ok: 0,
        unread: 5,
        rssStartBytes: 50 * MIB,
        rssAfterRequestBytes: [70 * MIB, 70 * MIB + 4096, 70 * MIB + 8192, 70 * MIB + 12288, 70 * MIB + 16384],
        rssPeakBytes: 70 * MIB + 16384,
        settled: { rssBytes: 70 * MIB },
        target: { connectionsOpened: 5, connectionsClosed: 0, openConnections: 5 },
      },
      'unread',
      1024,
    );
    const f = unreadFate(b);
    expect(f.firstRequestGrowthKiB).toBe(20500); // 20,480 KiB at three significant digits
    expect(f.rssGrowthKiBPerRequest).toBe(4);
    expect(f.settledGrowthKiBPerRequest).toBe(0);
    // An old record without per-request RSS: the whole trial over N, and no first-request figure.
    const old = unreadFate(block('u', 0, { requests: 4, rssStartBytes: 0, rssPeakBytes: 4096 * 4 }, 'unread', 1024));
    expect(old.firstRequestGrowthKiB).toBeNull();
    expect(old.rssGrowthKiBPerRequest).toBe(4);
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
    const one = { bytes: 1024, because: 'b', minRounds: 1 };
    expect(unreadFateClaim(blocks, { ...one, id: 'x', client: 'h', expected: 'held' }).holds).toBe(true);
    expect(unreadFateClaim(blocks, { ...one, id: 'x', client: 'r', expected: 'held' }).holds).toBe(false);
    expect(
      unreadFateClaim(blocks, { id: 'x', client: 'missing', bytes: 1024, expected: 'held', because: 'b' }).holds,
    ).toBe(false);
  });

  it('sweepRows gives one row per client, size and consumption', () => {
    const rows = sweepRows([...rounds(2), block('fast', 0, {}, 'buffer')]);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatchObject({ size: '1 MiB' });
  });

  it('"reused" means at most two connections: 31 connections for 32 unread requests is not reuse', () => {
    const nearly = block(
      'n',
      0,
      { requests: 32, ok: 0, unread: 32, target: { connectionsOpened: 31, connectionsClosed: 0, openConnections: 31 } },
      'unread',
      1024,
    );
    expect(unreadFate(nearly).fate).toBe('mixed');
    const two = block(
      'n',
      0,
      { requests: 32, ok: 0, unread: 32, target: { connectionsOpened: 2, connectionsClosed: 0, openConnections: 2 } },
      'unread',
      1024,
    );
    expect(unreadFate(two).fate).toBe('reused');
  });

  it('an unread fate claim needs the same fate in at least three rounds', () => {
    const reusedIn = (round: number, opened: number) =>
      block(
        'r',
        round,
        {
          requests: 8,
          ok: 0,
          unread: 8,
          target: { connectionsOpened: opened, connectionsClosed: 0, openConnections: opened },
        },
        'unread',
        1024,
      );
    const input = { id: 'x', client: 'r', bytes: 1024, expected: 'reused' as const, because: 'b' };
    expect(
      unreadFateClaim(
        [0, 1, 2].map((r) => reusedIn(r, 1)),
        input,
      ).holds,
    ).toBe(true);
    // Too few rounds that agree: unresolved; one round with another fate: fails.
    expect(
      unreadFateClaim(
        [0, 1].map((r) => reusedIn(r, 1)),
        input,
      ).outcome,
    ).toBe('unresolved');
    expect(unreadFateClaim([reusedIn(0, 1), reusedIn(1, 1), reusedIn(2, 8)], input).outcome).toBe('fails');
    expect(unreadFateClaim([reusedIn(0, 8)], input).outcome).toBe('fails');
  });

  it('RSS growth takes the kernel maxRSS when the samples missed the peak', () => {
    const missed = block('a', 0, { peakSinceBaselineBytes: 51 * MIB, maxRssBytes: 60 * MIB });
    expect(blockFigures(missed).rssGrowthMiB).toBe(10);
    const sampled = block('a', 0, { peakSinceBaselineBytes: 70 * MIB, maxRssBytes: 60 * MIB });
    expect(blockFigures(sampled).rssGrowthMiB).toBe(20);
  });

  it("the streamed-bounded claim, net of the same round's growth at the smallest size, holds for a young process that grows 30 MiB whatever the body, fails for one that holds the body", () => {
    const L = 64 * MIB;
    const at = (client: string, r: number, bytes: number, mib: number) =>
      block(client, r, { peakSinceBaselineBytes: (50 + mib) * MIB, bodyBytes: bytes }, 'stream', bytes);
    const young = Array.from({ length: 6 }, (_, r) => [at('a', r, 1024, 30 + r), at('a', r, L, 31 + r)]).flat();
    const holder = Array.from({ length: 6 }, (_, r) => [at('b', r, 1024, 30 + r), at('b', r, L, 94 + r)]).flat();
    const input = {
      id: 's',
      claim: 'c',
      bytes: L,
      consumption: 'stream',
      threshold: { below: 0.25 },
      baselineBytes: 1024,
    };
    expect(rssGrowthPerBody(young, 'a', L, 'stream', 1024)).toEqual(Array(6).fill(1 / 64));
    expect(rssGrowthClaim(young, { ...input, clients: ['a'] }).outcome).toBe('holds');
    expect(rssGrowthClaim([...young, ...holder], { ...input, clients: ['a', 'b'] }).outcome).toBe('fails');
    // Without the subtraction, 30 MiB of a young process's own growth is ~0.47 × 64 MiB: the claim would fail.
    const { baselineBytes: _b, ...gross } = input;
    expect(rssGrowthClaim(young, { ...gross, clients: ['a'] }).outcome).toBe('fails');
    // A round without its small-size block is left out, not compared with another round's.
    expect(rssGrowthPerBody(young.slice(1), 'a', L, 'stream', 1024)).toHaveLength(5);
  });

  it('rss-growth-at-least is a sanity check: holds when every client grew by the body, fails when one did not', () => {
    const grown = (client: string, mib: number) =>
      block(client, 0, { peakSinceBaselineBytes: (50 + mib) * MIB }, 'buffer');
    const input = { id: 'b', claim: 'c', clients: ['a', 'b'], bytes: MIB, consumption: 'buffer', atLeast: 1 };
    const ok = rssGrowthAtLeast([grown('a', 2), grown('b', 1.5)], input);
    expect(ok.kind).toBe('sanity');
    expect(ok.holds).toBe(true);
    const bad = rssGrowthAtLeast([grown('a', 2), grown('b', 0.5)], input);
    expect(bad.holds).toBe(false);
    expect(bad.evidence['short']).toBe('b');
    expect(rssGrowthAtLeast([grown('a', 2)], input).holds).toBe(false);
  });
});
