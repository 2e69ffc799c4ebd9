import { expandRacePlan, type RacePlan } from '@casebook/runner';
import { describe, expect, it } from 'vitest';

/** The race plan's order (packages/runner/src/race-plan.ts): pure, seeded, complete; bad plans refused by field. */

const plan: RacePlan = {
  name: 'p',
  clients: ['undici-request', { client: 'got', retry: 'off' }],
  targetModes: [
    { hint: 'absent', idleClose: 'fin' },
    { hint: 'true', idleClose: 'rst' },
  ],
  methods: ['GET', 'POST'],
  concurrency: [1, 64],
  idleTimeoutMs: 1000,
  gapsMs: [250, 1000, 2000],
  repeats: 2,
  rounds: 2,
  seed: 42,
};

describe('race plan', () => {
  it('runs every cell once per round, with every gap `repeats` times, in an order the seed reproduces', () => {
    const cells = expandRacePlan(plan);
    expect(cells).toHaveLength(2 * 2 * 2 * 2 * 2);
    for (const round of [0, 1]) {
      const ofRound = cells.filter((c) => c.round === round);
      expect(ofRound.map((c) => c.cell).sort((a, b) => a - b)).toEqual([...Array(16).keys()]);
    }
    for (const c of cells) expect([...c.gapsMs].sort((a, b) => a - b)).toEqual([250, 250, 1000, 1000, 2000, 2000]);
    expect(expandRacePlan(plan)).toEqual(cells);
    const other = expandRacePlan({ ...plan, seed: 43 });
    expect(other.map((c) => c.cell)).not.toEqual(cells.map((c) => c.cell));
    // Shuffled, not the factorial order; and the two rounds differ.
    expect(cells.slice(0, 16).map((c) => c.cell)).not.toEqual([...Array(16).keys()]);
    expect(cells.slice(0, 16).map((c) => c.cell)).not.toEqual(cells.slice(16).map((c) => c.cell));
    const got = cells.find((c) => c.client === 'got');
    expect(got?.retry).toBe('off');
    expect(cells.find((c) => c.client === 'undici-request')?.retry).toBe('client-default');
  });

  it('refuses a bad plan naming the field and the value', () => {
    expect(() => expandRacePlan({ ...plan, clients: ['curl'] })).toThrow(/clients.*curl/);
    expect(() => expandRacePlan({ ...plan, clients: [{ client: 'axios', retry: 'opt-in' }] })).toThrow(/retry/);
    expect(() => expandRacePlan({ ...plan, concurrency: [0] })).toThrow(/concurrency/);
    expect(() => expandRacePlan({ ...plan, gapsMs: [] })).toThrow(/gapsMs/);
    expect(() => expandRacePlan({ ...plan, targetModes: [{ hint: 'maybe' as 'true', idleClose: 'fin' }] })).toThrow(
      /hint/,
    );
    expect(() => expandRacePlan({ ...plan, rounds: 1.5 })).toThrow(/rounds/);
    expect(() => expandRacePlan({ ...plan, raceWindowMs: 5000 })).toThrow(/raceWindowMs/);
  });
});
