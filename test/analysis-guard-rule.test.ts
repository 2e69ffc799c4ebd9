import {
  flagsRankable,
  guardedRatioClaim,
  type InterleavedMeasurement,
  isRankable,
  measurementRows,
  rankable,
  throughputOrdering,
  UNRANKABLE_FLAGS,
} from '@casebook/analysis';
import { describe, expect, it } from 'vitest';

/**
 * The one guard rule: a measurement whose guards carry errors, a saturated target, no data, or a block whose warm-up
 * never converged (`not-steady`) is shown but never ranked, compared or counted. Records written before `not-steady`
 * became excluding stored `rankable: true` with that flag; `isRankable` reads the flags, so they are held to the same
 * rule. Both sides: data the rule admits and data it keeps out.
 */

const wobble = [1, 1.04, 0.97, 1.02, 0.99, 1.01, 0.98, 1.03, 0.96];

function m(label: string, rps: number, guards: InterleavedMeasurement['guards']): InterleavedMeasurement {
  return {
    label,
    client: { name: label },
    guards,
    method: {
      blocks: wobble.map((w, round) => ({
        round,
        throughputRps: rps * w,
        cpuMicrosPerRequest: 40,
        clientUtilization: 0.5,
        targetCpuShare: 0.3,
      })),
    },
  };
}

const clean = { flags: [], rankable: true };
/** As the runner writes it today. */
const unsteady = { flags: ['not-steady'], rankable: false };
/** As a record written before the rule changed stores it. */
const unsteadyOld = { flags: ['not-steady'], rankable: true };

describe('guard rule: not-steady is unrankable', () => {
  it('the flag list: errors, saturated target, no data and not-steady exclude; cpu-over-wall and instrumented do not', () => {
    expect([...UNRANKABLE_FLAGS].sort()).toEqual([
      'block-fault',
      'errors',
      'few-rounds',
      'no-data',
      'not-steady',
      'stalled',
      'target-saturated',
    ]);
    expect(flagsRankable([])).toBe(true);
    expect(flagsRankable(['cpu-over-wall', 'instrumented'])).toBe(true);
    for (const f of UNRANKABLE_FLAGS) expect(flagsRankable(['cpu-over-wall', f]), f).toBe(false);
  });

  it('isRankable: stored rankable and the flags must both allow it; no guards at all (phase method) is rankable', () => {
    expect(isRankable({ guards: clean })).toBe(true);
    expect(isRankable({ guards: { flags: ['cpu-over-wall'], rankable: true } })).toBe(true);
    expect(isRankable({})).toBe(true);
    expect(isRankable({ guards: null })).toBe(true);
    expect(isRankable({ guards: unsteady })).toBe(false);
    expect(isRankable({ guards: unsteadyOld })).toBe(false);
    expect(isRankable({ guards: { flags: [], rankable: false } })).toBe(false);
  });

  it('a not-steady measurement is left out of an ordering (old records included), a clean one is ranked', () => {
    const fast = m('fast', 30_000, clean);
    const slow = m('slow', 10_000, clean);
    expect(throughputOrdering([fast, slow])).toMatchObject({ tiers: [['fast'], ['slow']], excluded: [] });
    for (const guards of [unsteady, unsteadyOld]) {
      const ordering = throughputOrdering([m('unsteady', 60_000, guards), fast, slow]);
      expect(ordering.tiers).toEqual([['fast'], ['slow']]);
      expect(ordering.excluded).toEqual(['unsteady']);
    }
    const rows = measurementRows([fast, m('unsteady', 60_000, unsteadyOld)]);
    expect(rows.find((r) => r.label === 'unsteady')).toMatchObject({
      tier: null,
      compared: false,
      flags: 'not-steady',
    });
    expect(rankable([fast, m('unsteady', 60_000, unsteadyOld)]).flagged.map((x) => x.label)).toEqual(['unsteady']);
  });

  it('a not-steady measurement decides no ratio claim: unresolved and named, where the clean pair holds', () => {
    const text = { id: 'r', claim: 'b ÷ a above 2' };
    const a = m('a', 10_000, clean);
    const held = guardedRatioClaim({ ...text, a, b: m('b', 30_000, clean), threshold: { above: 2 } });
    expect(held.outcome).toBe('holds');
    expect(held.evidence['flagged']).toBe('none');
    for (const guards of [unsteady, unsteadyOld]) {
      const v = guardedRatioClaim({ ...text, a, b: m('b', 30_000, guards), threshold: { above: 2 } });
      expect(v.outcome).toBe('unresolved');
      expect(v.holds).toBe(false);
      expect(v.evidence['flagged']).toBe('b (not-steady)');
    }
  });
});
