import * as path from 'node:path';
import {
  buildCitation,
  interleavedComparisons,
  loadRecord,
  pairedRatioCell,
  verdictBullets,
  withPairedRatios,
} from '@casebook/citing';
import { describe, expect, it } from 'vitest';

/**
 * The "vs" column of a run with interleaved comparisons (the shape of versions-87ea7651's notes): a row is compared
 * only with the reference of its own comparison, by the paired per-round ratio and its interval; "not resolved" where
 * the interval includes 1; flagged rows shown, never ranked. Pure: no record on disk, no process.
 */
type Row = Parameters<typeof pairedRatioCell>[0];

const ratio = (median: number, low: number, high: number) => ({
  median,
  low,
  high,
  coverage: 0.96,
  n: 12,
  method: 'order-statistics',
});
const U8 = 'undici@8.13.1 (undici-request)';
const U7 = 'undici@7.30.2 (undici-request)';
const U6 = 'undici@6.29.1 (undici-request)';
const NPM_FETCH = 'undici@8.13.1 (undici-fetch)';
const NODE_FETCH = 'node-fetch@node-v24.21.0 (bundled undici 7.29.1)';
const A21 = 'axios@1.21.1';
const A18 = 'axios@1.18.1';

const notes = {
  interleaved: {
    'undici lines': {
      order: [
        [U8, U7, U6],
        [U7, U6, U8],
      ],
      ratios: [
        { label: U7, reference: U8, ratio: ratio(1.2555, 1.0134, 1.4349), halfWidth: 0.17 },
        { label: U6, reference: U8, ratio: ratio(1.2824, 1.1924, 1.5123), halfWidth: 0.12 },
      ],
    },
    'fetch: bundled vs npm': {
      order: [[NODE_FETCH, NPM_FETCH]],
      ratios: [{ label: NODE_FETCH, reference: NPM_FETCH, ratio: ratio(0.9777, 0.7587, 1.252), halfWidth: 0.25 }],
    },
    'axios keep-alive window': {
      order: [[A18, A21]],
      ratios: [{ label: A18, reference: A21, ratio: ratio(1.0106, 0.4059, 1.2034), halfWidth: 0.39 }],
    },
  },
};

const comparisons = interleavedComparisons(notes);

function row(label: string, throughputRps: number, flags: string[] = []): Row {
  const c = comparisons.find((x) => x.labels.includes(label));
  return {
    label,
    client: label,
    clientVersion: '',
    load: 'closed loop, 512 in flight',
    delayMs: 0,
    status: 'completed',
    throughputRps,
    throughputMinRps: null,
    throughputMaxRps: null,
    ratioToFastest: null,
    versus:
      c === undefined
        ? null
        : {
            comparison: c.title,
            reference: c.reference,
            isReference: c.reference === label,
            ratio: c.ratios.get(label) ?? null,
          },
    guards: { flags, rankable: flags.length === 0 },
    p50Ms: 1,
    p99Ms: 1,
    cpuMicrosPerRequest: 1,
    errors: 0,
    trials: null,
    errorDominated: null,
  };
}

describe('paired "vs reference" column', () => {
  it('reads each comparison: members, reference, paired ratios', () => {
    expect(comparisons.map((c) => c.title)).toEqual([
      'undici lines',
      'fetch: bundled vs npm',
      'axios keep-alive window',
    ]);
    expect(comparisons[0]?.reference).toBe(U8);
    expect(comparisons[0]?.labels).toEqual([U8, U7, U6]);
    expect(interleavedComparisons({})).toEqual([]);
    expect(interleavedComparisons({ interleaved: { broken: { order: 'x', ratios: [1] } } })).toEqual([]);
  });

  const rows = [
    row(U8, 20_000),
    row(U7, 25_000, ['target-saturated']),
    row(U6, 25_600),
    row(NPM_FETCH, 8_400),
    row(NODE_FETCH, 8_200),
    row(A21, 900),
    row(A18, 910),
  ];
  const cell = (label: string) => pairedRatioCell(rows.find((r) => r.label === label) as Row, rows);

  it('the slowest cell is its comparison\'s reference, never "1.00×" (fastest)', () => {
    expect(cell(U8)).toBe('reference of "undici lines"');
    expect(cell(NPM_FETCH)).toBe('reference of "fetch: bundled vs npm"');
  });

  it('a resolved paired ratio is printed with its interval; a flagged row is shown, never ranked', () => {
    // Labelled with the interval's actual coverage (the ratios above: 96 %), never "95 % CI".
    expect(cell(U6)).toBe('1.28× (96.0 % interval 1.19–1.51)');
    expect(cell(U7)).toBe('— (flagged: target-saturated)');
  });

  it('"not resolved" where the interval includes 1, never a ratio to a row of another comparison', () => {
    expect(cell(NODE_FETCH)).toBe('not resolved (0.76–1.25)');
    expect(cell(A18)).toBe('not resolved (0.41–1.20)');
    // The fetch row is not divided by undici-request's throughput (the "0.42×" of the old column).
    expect(cell(NODE_FETCH)).not.toMatch(/0\.4\d×/);
  });

  it('a row whose reference is flagged gets no ratio; a row in no comparison gets none', () => {
    const flaggedRef = [row(A21, 900, ['errors']), row(A18, 910)];
    expect(pairedRatioCell(flaggedRef[1] as Row, flaggedRef)).toBe('— (reference flagged)');
    // The reference is found in the row's own comparison: the same label, flagged, in another comparison is another row.
    const a21 = row(A21, 900);
    const elsewhere = {
      ...row(A21, 900, ['errors']),
      versus: { ...(a21.versus as NonNullable<Row['versus']>), comparison: 'other comparison' },
    };
    expect(pairedRatioCell(row(A18, 910), [elsewhere, a21, row(A18, 910)])).toBe('not resolved (0.41–1.20)');
    expect(pairedRatioCell(row(A18, 910), [elsewhere, row(A18, 910)])).toBe('not resolved (0.41–1.20)');
    const alone = { ...row('other', 1), versus: null };
    expect(pairedRatioCell(alone, [alone])).toBe('—');
  });
});

describe("a comparison's own rule for which ratios a citation prints (citeRatios)", () => {
  const withRule = (rule: Record<string, unknown>) =>
    interleavedComparisons({
      interleaved: { mixed: { ...notes.interleaved['undici lines'], order: [[U8, U7, A21]], ...rule } },
    });
  const rows = [row(U8, 20_000), row(U7, 25_000), { ...row(A21, 900), client: 'axios' }].map((r) => ({
    ...r,
    client: r.label === A21 ? 'axios' : 'undici-request',
    versus: null,
  }));
  it('prints every ratio by default, and reads the rule and its reason from the record', () => {
    const [c] = withRule({});
    expect(c?.citeRatios).toBe('all');
    const paired = withPairedRatios(rows, withRule({}));
    expect(pairedRatioCell(paired[1] as Row, paired)).toBe('1.26× (96.0 % interval 1.01–1.43)');
  });
  it("'same-client': a row of another client than the reference gets the reason, not a ratio", () => {
    const rule = withRule({ citeRatios: 'same-client', citeRatiosWhy: 'other clients are shown for scale' });
    const paired = withPairedRatios(rows, rule);
    expect(pairedRatioCell(paired[1] as Row, paired)).toBe('1.26× (96.0 % interval 1.01–1.43)');
    expect(pairedRatioCell(paired[2] as Row, paired)).toBe('— (other clients are shown for scale)');
    expect(pairedRatioCell(paired[0] as Row, paired)).toBe('reference of "mixed"');
  });
  it("'none': no row gets a ratio; the reference is still named", () => {
    const paired = withPairedRatios(rows, withRule({ citeRatios: 'none', citeRatiosWhy: 'steps, not rankings' }));
    expect(pairedRatioCell(paired[1] as Row, paired)).toBe('— (steps, not rankings)');
    expect(pairedRatioCell(paired[0] as Row, paired)).toBe('reference of "mixed"');
  });
});

describe('verdict bullets of a citation', () => {
  const ran =
    'every cell ran the package version it was asked for, and its record names the runtime and bundled undici';
  it('prints an identical sanity bullet once, naming the checks it stands for', () => {
    const lines = verdictBullets([
      { id: 'versions-ran-undici', label: '✅ holds (sanity check)', claim: ran },
      { id: 'undici-6-throughput-parity', label: '❌ does not hold', claim: '6 is within 10 % of 8' },
      { id: 'versions-ran-fetch', label: '✅ holds (sanity check)', claim: ran },
      { id: 'versions-ran-axios', label: '✅ holds (sanity check)', claim: ran },
    ]);
    expect(lines).toEqual([
      `- ✅ holds (sanity check): ${ran} (3 checks: versions-ran-undici, versions-ran-fetch, versions-ran-axios)`,
      '- ❌ does not hold: 6 is within 10 % of 8',
    ]);
  });
  it('keeps bullets whose outcome or claim differ apart, as they were', () => {
    const lines = verdictBullets([
      { id: 'a', label: '✅ holds (sanity check)', claim: ran },
      { id: 'b', label: '❌ does not hold (sanity check)', claim: ran },
      { id: 'c', label: '✅ holds (exploratory, added after seeing the data)', claim: 'x' },
    ]);
    expect(lines).toEqual([
      `- ✅ holds (sanity check): ${ran}`,
      `- ❌ does not hold (sanity check): ${ran}`,
      '- ✅ holds (exploratory, added after seeing the data): x',
    ]);
  });
});

describe('a label that recurs in one run: each row gets its own comparison, or none', () => {
  // tls-reuse-b7150608: "undici-request · keep-alive on" is a phase-method measurement of §1 (bench 001) and again a
  // row of the interleaved comparison 5B (bench 067). Only the second is in 5B; the first has no paired ratio.
  const repo = path.resolve(__dirname, '..');
  const c = buildCitation(loadRecord(path.join(repo, 'results/tls-reuse/tls-reuse-b7150608/record.json')), {
    repoRoot: repo,
    corrections: [],
  });
  const label = 'undici-request · keep-alive on';
  it('the phase-method row is in no comparison; the interleaved one is in 5B', () => {
    const rows = c.rows.filter((r) => r.label === label);
    expect(rows).toHaveLength(2);
    expect(rows[0]?.versus).toBeNull();
    expect(rows[1]?.versus?.comparison).toMatch(/^5B\. keep-alive off and on/);
    // Counterfactual (the rule before): matching by label alone gave both rows 5B's ratio.
    expect(rows[0]?.versus?.comparison).not.toBe(rows[1]?.versus?.comparison);
  });
});
