import { medianInterval } from '@casebook/stats';
import { type BodyBlock, rssGrowthPerBody, sizeLabel } from './bodies';
import { countClaim, sanityCheck, type VerdictData } from './verdicts';

/**
 * The upload checks of the bodies case study (notebook 09, section 2): each upload block is a fresh client process
 * POSTing a request body of one size, held whole in a Buffer ('buffer') or produced chunk by chunk from a Readable
 * ('stream'); the target counts the bytes it received and never keeps them. The memory claims reuse rssGrowthClaim on
 * the upload blocks; these add the byte identity and the report of which clients hold a streamed upload.
 */

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
const sig = (x: number): number => Number(x.toPrecision(3));

/** The upload blocks of a list (blocks run before uploads existed have no direction: they are downloads). */
export function uploadBlocks(blocks: readonly BodyBlock[]): BodyBlock[] {
  return blocks.filter((b) => b.job.direction === 'upload');
}

/**
 * Sanity: every upload arrived whole — every request was ok (status 200), the client sent size × requests bytes and
 * the target received exactly that many request-body bytes. Errored blocks fail it.
 */
export function uploadBytesMatch(blocks: readonly BodyBlock[]): VerdictData {
  const uploads = uploadBlocks(blocks);
  const bad: string[] = [];
  let bytes = 0;
  for (const b of uploads) {
    const name = `${b.job.client} ${sizeLabel(b.job.expectedBytes)} ${b.job.consumption} upload`;
    if (b.error !== null) bad.push(`${name}: ${b.error.code}`);
    for (const t of b.trials) {
      const expected = t.requests * b.job.expectedBytes;
      bytes += t.bodies.requestBodyBytesReceived;
      if (t.ok !== t.requests || t.bodyBytes !== expected || t.bodies.requestBodyBytesReceived !== expected)
        bad.push(
          `${name}: client sent ${t.bodyBytes} B, target received ${t.bodies.requestBodyBytesReceived} B, expected ${expected} B (ok ${t.ok} of ${t.requests})`,
        );
    }
  }
  return sanityCheck({
    id: 'upload-bytes-match',
    claim:
      'Every upload arrived whole: every request was answered 200 and the target received exactly size × requests bytes',
    holds: uploads.length > 0 && bad.length === 0,
    evidence: { blocks: uploads.length, receivedBytes: bytes, mismatches: bad.length, first: bad[0] ?? null },
  });
}

export interface StreamedUploadHolding {
  client: string;
  bytes: number;
  rounds: number;
  /** Median over rounds of the peak RSS growth ÷ body size; null without a completed block. */
  growthPerBody: number | null;
  /**
   * The median peak RSS growth is at or over the share (true), under it (false), or not measured (null). Peak RSS
   * counts garbage as well as what is held, so this says how far the process grew, not that it kept the body.
   */
  reachesShare: boolean | null;
}

/**
 * Per client: the median peak RSS growth ÷ body of a streamed upload of `bytes` (net of the same round's growth at
 * `baselineBytes` when given, see rssGrowthPerBody), and whether it reaches `share`.
 */
export function streamedUploadHolding(
  blocks: readonly BodyBlock[],
  clients: readonly string[],
  bytes: number,
  share: number,
  baselineBytes?: number,
): StreamedUploadHolding[] {
  const uploads = uploadBlocks(blocks);
  return clients.map((client) => {
    const xs = rssGrowthPerBody(uploads, client, bytes, 'stream', baselineBytes);
    const growth = xs.length > 0 ? sig(medianInterval(xs).median) : null;
    return {
      client,
      bytes,
      rounds: xs.length,
      growthPerBody: growth,
      reachesShare: growth === null ? null : growth >= share,
    };
  });
}

/**
 * Exploratory: which clients' processes grew by at least `share` × the body in peak RSS while streaming an upload of
 * `bytes` (net of the baseline). Peak RSS counts garbage as well as what is held, so this is a measured growth, not
 * proof that a client kept the body (the GC-settled figures are). "holds" when at least one client was measured;
 * unresolved when none was (nothing to report); the clients are in the evidence.
 */
export function streamedUploadReport(
  blocks: readonly BodyBlock[],
  input: { clients: readonly string[]; bytes: number; share: number; baselineBytes?: number },
): VerdictData {
  const rows = streamedUploadHolding(blocks, input.clients, input.bytes, input.share, input.baselineBytes);
  const measured = rows.filter((r) => r.growthPerBody !== null);
  const holding = measured.filter((r) => r.reachesShare === true).map((r) => `${r.client} (${r.growthPerBody}×)`);
  return countClaim({
    id: 'streamed-upload-held-by',
    kind: 'exploratory',
    claim: `Clients whose process's peak RSS grew by ≥ ${input.share}× the body while streaming a ${sizeLabel(input.bytes)} upload: ${measured.length === 0 ? 'not measured' : holding.length === 0 ? 'none' : holding.join(', ')}`,
    holds: measured.length > 0,
    unresolved: measured.length === 0,
    evidence: {
      bytes: input.bytes,
      share: input.share,
      measured: measured.length,
      holding: holding.length,
      clients: holding.join(', '),
      rounds: sum(measured.map((r) => r.rounds)),
    },
  });
}
