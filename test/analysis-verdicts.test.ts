import { allOf, claimTally, countClaim, quantityClaim, sanityCheck, verdictHeadline } from '@casebook/analysis';
import { medianInterval } from '@casebook/stats';
import { describe, expect, it } from 'vitest';
// Not (yet) in the package index: the general combiner and the threshold text, from their source.
import { combineParts, thresholdText } from '../packages/analysis/src/verdicts';

/**
 * The general "all parts" combiner of verdicts.ts, on both sides: the combined outcome, the binding part (a part
 * without a CI never binds over one with a CI at the same outcome), and the threshold stated in the evidence so a
 * reader of the record alone sees what every part was held to.
 */

const BAND = { above: 0.85, below: 1.15 };

/** A per-point quantity claim against BAND from twelve values around `centre` (a 95 % CI exists). */
function part(id: string, centre: number) {
  return quantityClaim({
    id,
    claim: id,
    statistic: 'ratio',
    interval: medianInterval(Array.from({ length: 12 }, (_, i) => centre * (0.98 + i * 0.004))),
    threshold: BAND,
  });
}

/** A part decided with too few values: a statistic without a CI, outcome unresolved. */
function thin(id: string, centre: number) {
  return quantityClaim({
    id,
    claim: id,
    statistic: 'ratio',
    interval: medianInterval([centre, centre]),
    threshold: BAND,
  });
}

describe('combineParts', () => {
  const input = { id: 'all', claim: 'every point within the band', threshold: BAND };

  it('holds when every part holds, fails when any fails, unresolved otherwise or with no part', () => {
    expect(combineParts([part('a', 1), part('b', 1.05)], input).outcome).toBe('holds');
    expect(combineParts([part('a', 1), part('b', 0.7)], input)).toMatchObject({ outcome: 'fails', holds: false });
    expect(combineParts([part('a', 1), thin('b', 1)], input).outcome).toBe('unresolved');
    expect(combineParts([], input)).toMatchObject({ outcome: 'unresolved', holds: false });
  });

  it("states the threshold in the evidence, and lists every part's outcome with its value and CI", () => {
    const v = combineParts([part('a', 1), part('b', 1.05)], { ...input, evidence: { eligible: 2 } });
    expect(thresholdText(BAND)).toBe('between 0.85 and 1.15');
    expect(v.evidence['threshold']).toBe("every part's 95 % CI between 0.85 and 1.15");
    expect(v.evidence['eligible']).toBe(2);
    expect(String(v.evidence['a'])).toMatch(/^holds \(1(\.\d+)?, CI 0\.9\d*–1\.0\d*\)$/);
    // Even with no part, the record says what the parts would have been held to.
    expect(combineParts([], input).evidence['threshold']).toBe("every part's 95 % CI between 0.85 and 1.15");
    expect(combineParts([], { ...input, threshold: { above: 1 } }).evidence['threshold']).toBe(
      "every part's 95 % CI above 1",
    );
  });

  it('binds on the part nearest the edge among the worst outcome, and carries its statistic named with it', () => {
    const held = combineParts([part('a', 1), part('b', 1.08)], input);
    expect(held.evidence['binding']).toBe('b');
    expect(held.statistic?.value).toBeCloseTo(1.08 * 1.002, 2);
    expect(held.statistic?.name).toBe('ratio at b (the binding point)');
    // A failing part binds over a holding part nearer the edge.
    const failed = combineParts([part('a', 1.12), part('b', 0.7)], input);
    expect(failed.evidence['binding']).toBe('b');
    expect(failed.statistic?.value).toBeCloseTo(0.7 * 1.002, 2);
  });

  it('a part without a CI never binds over a part with one at the same outcome (it decided nothing)', () => {
    // Both unresolved: 'straddling' has a CI across 1.15, 'thin' has no CI. The CI binds, in either order.
    const straddling = quantityClaim({
      id: 'straddling',
      claim: 'straddling',
      statistic: 'ratio',
      interval: { ...medianInterval([1.1, 1.2]), low: 1.1, high: 1.2, coverage: 0.96 },
      threshold: BAND,
    });
    expect(straddling.outcome).toBe('unresolved');
    expect(thin('thin', 1).statistic?.ci95).toBeNull();
    for (const parts of [
      [thin('thin', 1), straddling],
      [straddling, thin('thin', 1)],
    ]) {
      const v = combineParts(parts, input);
      expect(v.outcome).toBe('unresolved');
      expect(v.evidence['binding']).toBe('straddling');
      expect(v.statistic?.ci95).toEqual([1.1, 1.2]);
    }
    // Only parts without a CI: the first binds, its statistic (no CI) is carried as is.
    const none = combineParts([thin('x', 1), thin('y', 1.1)], input);
    expect(none.evidence['binding']).toBe('x');
    expect(none.statistic?.ci95).toBeNull();
  });

  it('with no binding statistic it carries none (never a NaN); without a threshold, only the outcomes', () => {
    const counts = [
      countClaim({ id: 'h', claim: 'h', holds: true, evidence: {} }),
      countClaim({ id: 'f', claim: 'f', holds: false, evidence: {} }),
    ];
    const v = combineParts(counts, { ...input, threshold: { above: 1 } });
    expect(v.outcome).toBe('fails');
    expect(v.evidence['binding']).toBe('f');
    expect(v.statistic).toBeUndefined();
    const plain = combineParts([part('a', 1), part('b', 0.7)], { id: 'all', claim: 'all' });
    expect(plain.outcome).toBe('fails');
    expect(plain.statistic).toBeUndefined();
    expect(plain.evidence['threshold']).toBeUndefined();
    expect(plain.evidence['binding']).toBeUndefined();
  });

  it('allOf is the same combiner (at-once and the other analyses keep their name for it)', () => {
    const parts = [part('a', 1), part('b', 1.08)];
    expect(allOf(parts, input)).toEqual(combineParts(parts, input));
    expect(allOf(parts, { id: 'all', claim: 'all' })).toEqual(combineParts(parts, { id: 'all', claim: 'all' }));
  });

  it('a combined sanity check is shown, never counted as a finding', () => {
    const sanity = combineParts([part('a', 1)], { ...input, id: 'law', kind: 'sanity' });
    const failedSanity = combineParts([part('a', 0.7)], { ...input, id: 'law2', kind: 'sanity' });
    const claim = combineParts([part('a', 1)], input);
    expect(sanity.kind).toBe('sanity');
    const verdicts = [claim, sanity, failedSanity, sanityCheck({ id: 's', claim: 's', holds: true, evidence: {} })];
    expect(claimTally(verdicts)).toMatchObject({ claims: 1, holds: 1, fails: 0, sanity: 3, sanityFailed: 1 });
    expect(verdictHeadline(verdicts)).toBe('1 of 1 claims hold, 3 sanity checks (1 failed)');
  });

  it('a sanity check the data could not decide is unresolved, and the headline says so apart from failures', () => {
    const open = sanityCheck({ id: 'u', claim: 'u', holds: true, unresolved: true, evidence: { reason: 'r' } });
    expect(open.outcome).toBe('unresolved');
    expect(open.holds).toBe(false);
    const verdicts = [open, sanityCheck({ id: 'f', claim: 'f', holds: false, evidence: {} })];
    expect(claimTally(verdicts)).toMatchObject({ sanity: 2, sanityFailed: 1, sanityUnresolved: 1 });
    expect(verdictHeadline(verdicts)).toBe('0 of 0 claims hold, 2 sanity checks (1 failed, 1 unresolved)');
  });

  it('splits unresolved claims into not measured, voided by guards and imprecise (seed-7326eaa1: 11, 2, 2)', () => {
    const claim = (evidence: Record<string, string | number | boolean>) => ({
      kind: 'claim' as const,
      outcome: 'unresolved' as const,
      evidence,
    });
    const verdicts = [
      claim({ noData: true, notMeasured: '2022 · httpx answered 100 then failed 576' }),
      claim({
        comparable: false,
        reason: 'not compared: 2022 · httpx (unstable across blocks)',
        unguardedOutcome: 'holds',
      }),
      claim({ n: 6 }),
      claim({ n: 6 }),
      { kind: 'claim' as const, outcome: 'holds' as const, evidence: {} },
    ];
    expect(verdictHeadline(verdicts)).toBe(
      '1 of 5 claims hold, 4 unresolved (1 not measured, 1 voided by guards, 2 imprecise)',
    );
    // Counterfactual: verdicts without evidence keep the old headline.
    expect(verdictHeadline(verdicts.map(({ kind, outcome }) => ({ kind, outcome })))).toBe(
      '1 of 5 claims hold, 4 unresolved',
    );
  });
});
