import * as path from 'node:path';
import { buildCitation, citationMarkdown, loadRecord, ratioCell, withRatios } from '@casebook/citing';
import { describe, expect, it } from 'vitest';

/**
 * The citation of the seed's committed run (results/seed/seed-64bcd62b): Python rows are labelled by the package that
 * ran, the seed's gathers by their method, and a gather whose requests mostly failed is never compared. No process.
 */
const root = path.resolve(import.meta.dirname, '..');
const record = path.join(root, 'results/seed/seed-64bcd62b/record.json');

describe('citation rows of Python measurements', () => {
  const c = buildCitation(loadRecord(record), { repoRoot: root, relativeTo: root, corrections: [] });
  const row = (label: string, delayMs: number) => {
    const r = c.rows.find((x) => x.label === label && x.delayMs === delayMs);
    if (!r) throw new Error(`no row ${label} @ ${delayMs}`);
    return r;
  };

  it('names httpx2 and its httpcore2 (not python-httpx), and httpx with its httpcore', () => {
    expect(row('httpx2 · httpx', 0)).toMatchObject({ client: 'httpx2', clientVersion: '2.16.2 (httpcore2 2.16.2)' });
    expect(row('as-reported · httpx @ 0 ms', 0)).toMatchObject({
      client: 'httpx',
      clientVersion: '0.27.0 (httpcore 1.0.5)',
    });
    expect(citationMarkdown(c)).not.toMatch(/python-httpx 2\.16\.2/);
  });

  it('labels a gather by its method, and leaves a steady-state row a closed loop', () => {
    expect(row('2022 · httpx @ 0 ms', 0).load).toBe('gather of 512 (phase method)');
    expect(row('httpx2 · httpx', 0).load).toMatch(/^closed loop, 512 in flight/);
  });

  it('an error-dominated gather gets no ratio and says why; a clean gather is compared', () => {
    const bad = row('as-reported · httpx @ 0 ms', 0);
    expect(bad.errorDominated).toBe('3751 of 5120 failed (PoolTimeout 3751)');
    expect(bad.ratioToFastest).toBeNull();
    expect(row('2022 · httpx @ 0 ms', 0).errorDominated).toBeNull();
    expect(row('2022 · httpx @ 0 ms', 0).ratioToFastest).not.toBeNull();
    const md = citationMarkdown(c);
    expect(md).toMatch(/error-dominated: 3751 of 5120 failed \(PoolTimeout 3751\)/);
    expect(md).not.toMatch(/\| 0\.00×/);
  });

  it('"vs fastest" orders gathers only where their min–max spreads separate: overlapping ones print "~"', () => {
    // At 50 ms the four aiohttp gathers (1,610–1,669 req/s) overlap each other: none is the fastest, none is 0.99×.
    for (const set of ['2022', 'as-reported', 'latest', 'httpx2']) {
      const r = row(`${set} · aiohttp @ 50 ms`, 50);
      expect(r.unordered, set).toBe(true);
      expect(ratioCell(r), set).toBe('~');
    }
    // A gather wholly below the fastest's spread keeps its ratio: 2022's httpx (544–577 req/s) at 50 ms.
    const slow = row('2022 · httpx @ 50 ms', 50);
    expect(slow.unordered).toBeUndefined();
    expect(ratioCell(slow)).toBe('0.34×');
    expect(citationMarkdown(c)).toMatch(/"~" where the min–max spreads of the row and the fastest overlap/);
  });

  it('a row with no spread is never ordered; a fastest separated from every other row is', () => {
    const base = row('2022 · httpx @ 50 ms', 50);
    const at = (label: string, rps: number, min: number | null, max: number | null) => ({
      ...base,
      label,
      throughputRps: rps,
      throughputMinRps: min,
      throughputMaxRps: max,
      versus: null,
      ratioToFastest: null,
    });
    const [fast, slow, bare] = withRatios([at('a', 100, 95, 105), at('b', 50, 45, 55), at('c', 40, null, null)]);
    expect([fast, slow, bare].map((r) => r && ratioCell(r))).toEqual(['~', '0.50×', '~']);
    const [fast2, slow2] = withRatios([at('a', 100, 95, 105), at('b', 50, 45, 55)]);
    expect([fast2, slow2].map((r) => r && ratioCell(r))).toEqual(['1.00×', '0.50×']);
    // Counterfactual: overlapping spreads would have printed a ratio before.
    const [, close] = withRatios([at('a', 100, 95, 105), at('b', 99, 94, 104)]);
    expect(close?.ratioToFastest).toBeCloseTo(0.99, 2);
    expect(close && ratioCell(close)).toBe('~');
  });

  it('blanks latencies of a steady-state row that served fewer than half its callers, as the notebook does; keeps a row that served them', () => {
    // latest · aiohttp served about 101 of 512 callers in flight in that run: its p50/p99 describe the cycling lanes.
    expect(row('latest · aiohttp', 0).p50Ms).toBeNaN();
    expect(row('latest · aiohttp', 0).p99Ms).toBeNaN();
    expect(row('latest · httpx keepalive=100', 0).p50Ms).toBeNaN();
    // 2022 · httpx served about 510 of 512: its latencies stand.
    expect(Number.isFinite(row('2022 · httpx', 0).p50Ms)).toBe(true);
    // A gather (phase method) is not a closed loop: left as it was.
    expect(Number.isFinite(row('2022 · httpx @ 0 ms', 0).p50Ms)).toBe(true);
  });

  it('prints "no data" for a Python measurement that errored before any block, not zeros', () => {
    const r = row('latest · httpx', 0);
    expect(r.status).toBe('errored');
    expect(r.noData).toBe(true);
    expect(row('2022 · httpx', 0).noData).toBeUndefined();
    const line = citationMarkdown(c)
      .split('\n')
      .find((l) => l.startsWith('| latest · httpx (errored) [flagged:'));
    expect(line).toMatch(/\| no data \| no data \|/);
    expect(line).toMatch(/\[flagged: [^\]]*no-data/);
    expect(line).not.toMatch(/\| 0 \|$/);
  });

  it('labels an error-dominated gather as flagged and prints no latency or CPU for it (its time is the failures)', () => {
    const line = citationMarkdown(c)
      .split('\n')
      .find((l) => l.startsWith('| as-reported · httpx @ 0 ms [flagged: error-dominated] |'));
    expect(line).toBeDefined();
    // p50, p99, CPU: no data; the errors column keeps its count, and adds the first (cold) gather's failures.
    expect(line).toMatch(
      /\| no data \| no data \| no data \| 3751 \(\+ 288 of 512 failed in the first \(cold\) gather \(PoolTimeout 288\)\) \|$/,
    );
  });
});

/**
 * seed-18581e19's second reader: the cite block printed CPU and latency for rows the notebook blanks (flagged
 * `errors`: the published transport's 685 µs with 2,472 errors) and "errors 0" for the 1.0.x gathers whose first,
 * cold gather failed 294–412 of 512. A flagged row now prints its flags and "not citable" instead of its figures; a
 * gather's errors cell adds its cold gather's failures, read from the bench's `warmup.errors`.
 */
describe('citation rows of seed-18581e19: flagged figures are not citable; cold gathers count', () => {
  const c = buildCitation(loadRecord(path.join(root, 'results/seed/seed-18581e19/record.json')), {
    repoRoot: root,
    relativeTo: root,
    corrections: [],
  });
  const md = citationMarkdown(c);
  const line = (start: string) => md.split('\n').find((l) => l.startsWith(start)) ?? '';

  it('a row its guards flag prints "not citable" with its flags, instead of throughput, latency and CPU', () => {
    const published = line('| latest · httpx-aiohttp [flagged: errors] |');
    expect(published).toMatch(/\| 0 \| not citable: errors \| not citable \|/);
    expect(published).toMatch(/\| not citable \| not citable \| not citable \| 2472 \|$/);
    expect(published).not.toMatch(/685/);
    const c512 = line('| latest · httpx c512 [flagged: errors, not-steady, starved');
    expect(c512).toMatch(/not citable: errors, not-steady, starved, collapsed \|/);
    expect(c512).not.toMatch(/46,?097/);
    expect(md).toMatch(/prints "not citable" instead of its throughput, latency and CPU/);
    // The record keeps the numbers (--format json): only the printed figures are withheld.
    expect(c.rows.find((r) => r.label === 'latest · httpx-aiohttp')?.cpuMicrosPerRequest).toBeGreaterThan(600);
  });

  it('counterfactual: an unflagged row keeps its figures', () => {
    const clean = line('| httpx2 · httpx | httpx2 2.16.2 (httpcore2 2.16.2) | closed loop, 512 in flight | 0 |');
    expect(clean).toMatch(/\| 1541 \| 0 \|$/);
    expect(clean).not.toMatch(/not citable/);
  });

  it('a gather whose first (cold) gather failed says so beside its measured errors; a clean one does not', () => {
    expect(line('| latest · httpx @ 0 ms |')).toMatch(
      /\| 0 \(\+ 294 of 512 failed in the first \(cold\) gather \(PoolTimeout 294\)\) \|$/,
    );
    expect(line('| latest · aiohttp @ 0 ms |')).toMatch(/\| 0 \|$/);
    expect(md).toMatch(/adds the requests the warm-up gather failed/);
  });

  it('an unresolved verdict a guard decided says why', () => {
    expect(md).toMatch(
      /^- ❔ unresolved — not compared: latest · httpx \(not-steady\); latest · aiohttp \(not-steady\): At 512/m,
    );
  });
});

/**
 * A claim on a pair two comparisons of one run decided differently (the versions rule stated after versions-8cdc0db4):
 * the citation says "comparison-dependent" with both ratios, as the notebook does, not a precision problem. Shown on
 * the committed versions-115bbbac with one verdict's evidence set as the analysis sets it.
 */
describe('a comparison-dependent verdict in the citation', () => {
  const loaded = loadRecord(path.join(root, 'results/versions/versions-115bbbac/record.json'));
  if (loaded.kind !== 'case-study') throw new Error('versions-115bbbac is a case study');
  const dependent =
    'comparison-dependent: section 1: 7.30.2 / 8.13.1 1.21 (1.14–1.24), wholly above the band; section 7: 7.30.2 / 8.13.1 ~ 1.06 (0.95–1.33), across an edge of the band';
  const verdicts = loaded.record.verdicts.map((v) =>
    v.id === 'undici-7-throughput-parity'
      ? {
          ...v,
          outcome: 'unresolved' as const,
          holds: false as const,
          evidence: { ...v.evidence, comparisonDependent: dependent },
        }
      : v,
  );
  const c = buildCitation(
    { ...loaded, record: { ...loaded.record, verdicts } },
    { repoRoot: root, relativeTo: root, corrections: [] },
  );

  it('prints both ratios after the label; counterfactual: the same record without it reads as before', () => {
    expect(c.verdicts.find((v) => v.id === 'undici-7-throughput-parity')?.label).toBe(`❔ unresolved — ${dependent}`);
    const plain = buildCitation(loaded, { repoRoot: root, relativeTo: root, corrections: [] });
    expect(plain.verdicts.find((v) => v.id === 'undici-7-throughput-parity')?.label).toBe('❔ unresolved');
  });
});
