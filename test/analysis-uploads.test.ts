import {
  type BodyBlock,
  type BodyTrial,
  bodySummaries,
  rssGrowthClaim,
  streamedUploadHolding,
  streamedUploadReport,
  uploadBytesMatch,
} from '@casebook/analysis';
import { describe, expect, it } from 'vitest';

/** The upload checks and the recorded body summaries (pure functions of body-lab blocks), on both sides. */

const MIB = 1024 * 1024;
const BODY = 16 * MIB;

function trial(over: Partial<BodyTrial> = {}): BodyTrial {
  return {
    requests: 2,
    ok: 2,
    unread: 0,
    shortBodies: 0,
    errors: {},
    bodyBytes: 2 * BODY,
    wallMs: 40,
    cpuMicros: 20_000,
    rssStartBytes: 50 * MIB,
    rssPeakBytes: 52 * MIB,
    baselineRssBytes: 50 * MIB,
    peakSinceBaselineBytes: 52 * MIB,
    settled: { rssBytes: 50 * MIB },
    target: { connectionsOpened: 1, connectionsClosed: 0, openConnections: 1 },
    bodies: {
      finishedBodyBytes: 128,
      requestBodyBytesReceived: 2 * BODY,
      responsesFinished: 2,
      responsesSending: 0,
      peakRssBytes: 60 * MIB,
    },
    ...over,
  };
}

function upload(
  client: string,
  round: number,
  mode: string,
  growthMiB: number,
  over: Partial<BodyTrial> = {},
): BodyBlock {
  return {
    round,
    job: { client, expectedBytes: BODY, consumption: mode, direction: 'upload' },
    trials: [trial({ peakSinceBaselineBytes: 50 * MIB + growthMiB * MIB, ...over })],
    error: null,
  };
}

/** Six rounds: `streamer` streams with 1 MiB growth, `holder` holds the whole 16 MiB body when streaming. */
const ROUNDS: BodyBlock[] = Array.from({ length: 6 }, (_, r) => [
  upload('streamer', r, 'stream', 1 + r * 0.1),
  upload('holder', r, 'stream', 17 + r * 0.1),
  upload('streamer', r, 'buffer', 17 + r * 0.1),
  upload('holder', r, 'buffer', 33 + r * 0.1),
]).flat();

describe('upload checks', () => {
  it('upload-bytes-match holds when both sides counted size × requests, fails on a short count or an error', () => {
    expect(uploadBytesMatch(ROUNDS).outcome).toBe('holds');
    const short = [
      ...ROUNDS,
      upload('streamer', 7, 'stream', 1, {
        bodies: { ...trial().bodies, requestBodyBytesReceived: 2 * BODY - 10 },
      }),
    ];
    const v = uploadBytesMatch(short);
    expect(v.outcome).toBe('fails');
    expect(String(v.evidence['first'])).toContain('target received');
    const errored: BodyBlock = { ...(ROUNDS[0] as BodyBlock), error: { code: 'CASEBOOK_RUN', message: 'x' } };
    expect(uploadBytesMatch([errored]).outcome).toBe('fails');
    // Downloads are not uploads: with none, nothing was checked.
    expect(uploadBytesMatch(ROUNDS.map((b) => ({ ...b, job: { ...b.job, direction: 'download' } }))).outcome).toBe(
      'fails',
    );
  });

  it('streamed-is-bounded (≤ 0.25× body) holds for a client that streams and fails for one that holds the body', () => {
    const claim = (clients: string[]) =>
      rssGrowthClaim(
        ROUNDS.filter((b) => b.job.direction === 'upload'),
        {
          id: 'upload-streamed-bounded',
          claim: 'c',
          clients,
          bytes: BODY,
          consumption: 'stream',
          threshold: { below: 0.25 },
        },
      );
    expect(claim(['streamer']).outcome).toBe('holds');
    expect(claim(['streamer', 'holder']).outcome).toBe('fails');
  });

  it('buffered-holds-a-copy (≥ 1× body) holds when every buffered upload grew by the body, fails when one did not', () => {
    const claim = (blocks: BodyBlock[]) =>
      rssGrowthClaim(blocks, {
        id: 'upload-buffered-holds',
        claim: 'c',
        clients: ['streamer', 'holder'],
        bytes: BODY,
        consumption: 'buffer',
        threshold: { above: 1 },
      });
    expect(claim(ROUNDS).outcome).toBe('holds');
    const small = ROUNDS.map((b) =>
      b.job.client === 'holder' && b.job.consumption === 'buffer'
        ? upload('holder', b.round ?? 0, 'buffer', 2 + (b.round ?? 0) * 0.1)
        : b,
    );
    expect(claim(small).outcome).toBe('fails');
  });

  it('reports which clients hold a streamed upload, and says none when none does', () => {
    const rows = streamedUploadHolding(ROUNDS, ['streamer', 'holder', 'absent'], BODY, 0.25);
    expect(rows.map((r) => [r.client, r.reachesShare])).toEqual([
      ['streamer', false],
      ['holder', true],
      ['absent', null],
    ]);
    expect(rows[2]?.growthPerBody).toBeNull();
    const v = streamedUploadReport(ROUNDS, { clients: ['streamer', 'holder'], bytes: BODY, share: 0.25 });
    expect(v.kind).toBe('exploratory');
    expect(v.claim).toContain('holder (');
    expect(v.claim).not.toContain('streamer (');
    const none = streamedUploadReport(ROUNDS, { clients: ['streamer'], bytes: BODY, share: 0.25 });
    expect(none.claim).toContain(': none');
    // Nothing measured is not a failure: it is stored as unresolved (holds false, as the schema requires of it).
    const nothing = streamedUploadReport([], { clients: ['streamer'], bytes: BODY, share: 0.25 });
    expect(nothing.outcome).toBe('unresolved');
    expect(nothing.claim).toContain('not measured');
    expect(v.outcome).toBe('holds');
  });
});

describe('body summaries (the recorded figures)', () => {
  it('one row per direction × client × size × mode, medians over completed blocks, errors counted', () => {
    const errored: BodyBlock = {
      round: 6,
      job: { client: 'holder', expectedBytes: BODY, consumption: 'stream', direction: 'upload' },
      trials: [],
      error: { code: 'CASEBOOK_RUN', message: 'worker died' },
    };
    const download: BodyBlock = {
      round: 0,
      job: { client: 'streamer', expectedBytes: MIB, consumption: 'stream' },
      trials: [trial({ bodyBytes: 2 * MIB })],
      error: null,
    };
    const rows = bodySummaries([...ROUNDS, errored, download], (c) => `${c}-1.0`);
    expect(rows).toHaveLength(5);
    expect(rows[0]).toMatchObject({ direction: 'download', client: 'streamer', bytes: MIB, blocks: 1 });
    const holder = rows.find((r) => r.direction === 'upload' && r.client === 'holder' && r.mode === 'stream');
    expect(holder).toMatchObject({ clientVersion: 'holder-1.0', blocks: 7, requests: 12, ok: 12, errors: 1 });
    expect(holder?.msPerRequest).toBe(20);
    expect(holder?.peakRssGrowthMiB).toBeCloseTo(17.25, 2);
    // MB/s: 2 × 16 MiB in 40 ms.
    expect(holder?.mbPerSecond).toBeCloseTo((2 * BODY) / 1e6 / 0.04, 0);
  });

  it('a group with no completed block has null medians (JSON has no NaN)', () => {
    const errored: BodyBlock = {
      round: 0,
      job: { client: 'x', expectedBytes: MIB, consumption: 'buffer', direction: 'upload' },
      trials: [],
      error: { code: 'CASEBOOK_RUN', message: 'worker died' },
    };
    expect(bodySummaries([errored], () => '1')).toEqual([
      {
        direction: 'upload',
        client: 'x',
        clientVersion: '1',
        bytes: MIB,
        mode: 'buffer',
        blocks: 1,
        requests: 0,
        ok: 0,
        errors: 1,
        msPerRequest: null,
        mbPerSecond: null,
        cpuMicrosPerMB: null,
        peakRssGrowthMiB: null,
      },
    ]);
  });
});
