import * as path from 'node:path';
import { buildCitation, citationMarkdown, loadRecord } from '@casebook/citing';
import { describe, expect, it } from 'vitest';

/**
 * The citation follows the guard rule of @casebook/analysis (`rankable`): a flagged measurement
 * is shown and labelled, never the fastest and never given a ratio. On the committed run 512-at-once-893dcc1f, where
 * undici-dispatch saturated the target at 512 and at 64, and undici-request at 64. Reads committed files only.
 */

const repo = path.resolve(__dirname, '..');
const cite = () =>
  buildCitation(loadRecord(path.join(repo, 'results/512-at-once/512-at-once-893dcc1f/record.json')), {
    repoRoot: repo,
    corrections: [],
  });

describe('citation: a flagged measurement is never ranked', () => {
  it('rows of an interleaved comparison carry the paired ratio to its reference; a flagged one has none and says why', () => {
    const c = cite();
    const row = (label: string) => c.rows.find((r) => r.label === label);
    expect(row('undici-dispatch @ 512')?.guards).toEqual({ flags: ['target-saturated'], rankable: false });
    // Interleaved rows are never ranked across measurements ("vs fastest"): each has the paired ratio of its rounds.
    for (const r of c.rows) expect(r.ratioToFastest).toBeNull();
    expect(row('undici-request @ 512')?.versus?.isReference).toBe(true);
    expect(row('node-http @ 512')?.versus?.ratio?.median).toBeCloseTo(0.653, 3);
    const md = citationMarkdown(c);
    // The flagged row is labelled in its measurement cell and in the ratio column, with no ratio printed.
    expect(md).toMatch(
      /\| undici-dispatch @ 512 \[flagged: target-saturated\] \|[^\n]*— \(flagged: target-saturated\)/,
    );
    // The interval is labelled with its actual coverage (8 rounds: 99.2 %), not "95 % CI".
    expect(md).toMatch(/\| node-http @ 512 \|[^\n]*\| 0\.65× \(99\.2 % interval 0\.59–0\.72\) \|/);
    expect(md).toMatch(/a flagged measurement is shown, never ranked/);
  });

  it('with the guards removed, the same rows would make the saturated measurement the reference (the counterfactual)', () => {
    const c = cite();
    const fastest = Math.max(
      ...c.rows.filter((r) => r.load === c.rows[0]?.load && r.delayMs === 0).map((r) => r.throughputRps),
    );
    // The saturated undici-dispatch is the largest number at 512, 0 ms: exactly what the rule keeps out.
    expect(fastest).toBe(c.rows.find((r) => r.label === 'undici-dispatch @ 512')?.throughputRps);
    expect(c.rows.find((r) => r.label === 'undici-request @ 512')?.ratioToFastest).not.toBeCloseTo(20_875 / fastest, 3);
  });
});
