import * as path from 'node:path';
import { buildCitation, citationMarkdown, loadRecord } from '@casebook/citing';
import { describe, expect, it } from 'vitest';

/**
 * The citation's "vs fastest" column follows the guard rule of @casebook/analysis (`rankable`): a flagged measurement
 * is shown and labelled, never the fastest and never given a ratio. On the committed run 512-at-once-893dcc1f, where
 * undici-dispatch saturated the target at 512 and at 64, and undici-request at 64. Reads committed files only.
 */

const repo = path.resolve(__dirname, '..');
const cite = () =>
  buildCitation(loadRecord(path.join(repo, 'results/512-at-once/512-at-once-893dcc1f/record.json')), {
    repoRoot: repo,
    corrections: [],
  });

describe('citation: vs fastest uses only rankable measurements', () => {
  it('a flagged measurement is not the fastest and has no ratio; its row says why', () => {
    const c = cite();
    const row = (label: string) => c.rows.find((r) => r.label === label);
    expect(row('undici-dispatch @ 512')?.guards).toEqual({ flags: ['target-saturated'], rankable: false });
    expect(row('undici-dispatch @ 512')?.ratioToFastest).toBeNull();
    // Without dispatch, undici-request is the fastest rankable measurement at 512, 0 ms.
    expect(row('undici-request @ 512')?.ratioToFastest).toBe(1);
    expect(row('node-http @ 512')?.ratioToFastest).toBeCloseTo(13_497 / 20_875, 3);
    // At 64 both undici-request and undici-dispatch are flagged: node-http is the reference there.
    expect(row('node-http @ 64')?.ratioToFastest).toBe(1);
    const md = citationMarkdown(c);
    // The flagged row is labelled in its measurement cell too, not only in the ratio column.
    expect(md).toMatch(
      /\| undici-dispatch @ 512 \[flagged: target-saturated\] \|[^\n]*— \(flagged: target-saturated\)/,
    );
    expect(md).toMatch(/never compared or used as the fastest/);
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
