import {
  bisectBrackets,
  bisectPlan,
  cellRuntime,
  compareVersions,
  declaredBeforeRun,
  intervalLabel,
  isComparableCell,
  medianComparisonText,
  memoryPerPooledSocket,
  movementBeyondNoise,
  notComparedReason,
  outcomeLines,
  peakSocketsClaim,
  pinnedMemoryClaim,
  poolRegimeText,
  poolRetention,
  ratioText,
  resolvesMovement,
  retainedResponsesObservation,
  stealSummary,
  stealText,
  type VersionMeasurement,
  type VersionPairRatio,
  verdictKindText,
  verdictLabel,
  versionParityClaim,
  versionRows,
  versionsRanSanity,
  warningCount,
  warningsClaim,
} from '@casebook/analysis';
import { describe, expect, it } from 'vitest';

/** A cell with `rounds` blocks whose throughput is `rps × (1 + jitter)` and CPU `cpu × (1 − jitter)`. */
function cell(
  label: string,
  opts: {
    rps?: number;
    cpu?: number;
    rounds?: number;
    version?: string;
    store?: boolean;
    warnings?: number;
    heldAtFinish?: number;
    /** Held at the idle reading (pool open, after the same wait and GCs as the closed one); none when undefined. */
    heldAtIdle?: number;
    /** arrayBuffers at the idle reading (pool open); 0 after close. */
    arrayBuffersAtIdle?: number;
    requests?: number;
    openedMeasured?: number;
    pooledSockets?: number;
    peak?: number;
    flags?: string[];
    /** MaxListenersExceededWarning by emitter and event (`Socket 'error'`), as the worker records them. */
    listenerWarnings?: Record<string, number>;
    /** The worker's exact count of requests completed (absent: a record made before it counted them). */
    requestsCompleted?: number;
    /** Per-round throughput factors (overrides rps × jitter), to build a movement of a given size. */
    perRound?: number[];
  } = {},
): VersionMeasurement {
  const rounds = opts.rounds ?? 12;
  const rps = opts.rps ?? 1000;
  const cpu = opts.cpu ?? 100;
  const version = opts.version ?? '1.0.0';
  const flags = opts.flags ?? [];
  const figures = (held: number, warnings: number, arrayBuffers = 0) => ({
    gc: true,
    rssBytes: 50_000_000 + held + arrayBuffers,
    heapUsedBytes: 10_000_000 + held,
    externalBytes: 1_000_000 + arrayBuffers,
    arrayBuffersBytes: arrayBuffers,
    processWarnings: warnings > 0 ? { MaxListenersExceededWarning: warnings } : {},
    maxListenersWarnings: warnings > 0 ? (opts.listenerWarnings ?? {}) : {},
  });
  return {
    label,
    client: {
      name: 'axios',
      version,
      settings: {
        runtime: {
          node: 'v24.21.0',
          bundledUndici: '7.29.1',
          nodeFrom: null,
          clientFrom:
            opts.store === false
              ? null
              : { name: 'axios', version, npmName: 'axios', integrity: 'sha512-abcdefghijklmnopqrstuvwxyz' },
        },
        process: {
          atReady: figures(0, 0),
          atFinish: figures(opts.heldAtFinish ?? 0, opts.warnings ?? 0),
          afterClose: figures(0, opts.warnings ?? 0),
          ...(opts.heldAtIdle === undefined
            ? {}
            : { atIdle: figures(opts.heldAtIdle, opts.warnings ?? 0, opts.arrayBuffersAtIdle ?? 0) }),
        },
        pooledSockets: opts.pooledSockets ?? 512,
        ...(opts.requestsCompleted === undefined ? {} : { requestsCompleted: opts.requestsCompleted }),
        socketErrorListenersMedian: 1,
        socketErrorListenersMax: 2,
      },
    },
    target: {
      connectionsOpened: 512 + (opts.openedMeasured ?? 0),
      connectionsOpenedMeasured: opts.openedMeasured ?? 0,
      peakOpenConnections: opts.peak ?? 512,
      requests: opts.requests ?? 10_000,
    },
    guards: { flags, rankable: flags.length === 0 },
    method: {
      blocks: Array.from({ length: rounds }, (_, round) => {
        const jitter = ((round % 3) - 1) * 0.01;
        return {
          round,
          throughputRps: opts.perRound?.[round] ?? rps * (1 + jitter),
          cpuMicrosPerRequest: cpu * (1 - jitter),
          clientUtilization: 0.9,
          targetCpuShare: 0.3,
        };
      }),
    },
  };
}

const BAND = { above: 0.9, below: 1.1 };

describe('versionParityClaim', () => {
  it('holds when the paired ratio lies inside the band', () => {
    const v = versionParityClaim({
      id: 'p',
      reference: cell('a'),
      other: cell('b', { rps: 1020 }),
      metric: 'throughputRps',
      band: BAND,
    });
    expect(v.kind).toBe('claim');
    expect(v.outcome).toBe('holds');
    expect(v.statistic?.value).toBeCloseTo(1.02, 2);
  });
  it('fails when the ratio lies wholly outside the band (CPU 30 % higher)', () => {
    const v = versionParityClaim({
      id: 'p',
      reference: cell('a'),
      other: cell('b', { cpu: 130 }),
      metric: 'cpuMicrosPerRequest',
      band: BAND,
    });
    expect(v.outcome).toBe('fails');
  });
  it('is unresolved with too few rounds or a flagged measurement', () => {
    const few = versionParityClaim({
      id: 'p',
      reference: cell('a', { rounds: 1 }),
      other: cell('b', { rounds: 1 }),
      metric: 'throughputRps',
      band: BAND,
    });
    expect(few.outcome).toBe('unresolved');
    const flagged = versionParityClaim({
      id: 'p',
      reference: cell('a'),
      other: cell('b', { flags: ['errors'] }),
      metric: 'throughputRps',
      band: BAND,
    });
    expect(flagged.outcome).toBe('unresolved');
    expect(flagged.evidence['comparable']).toBe(false);
  });
  it('is unresolved, not failed, when cells are not steady, and says so: "not compared: N of M cells not steady"', () => {
    const u8 = cell('8', { flags: ['not-steady'] });
    const u7 = cell('7', { rps: 1500, flags: ['not-steady'] });
    const u6 = cell('6', { rps: 700, flags: ['not-steady'] });
    const v = versionParityClaim({
      id: 'p',
      reference: u8,
      other: u6,
      metric: 'throughputRps',
      band: BAND,
      cells: [u8, u7, u6],
    });
    expect(v.outcome).toBe('unresolved');
    expect(v.holds).toBe(false);
    expect(v.statistic).toBeUndefined();
    expect(v.evidence['reason']).toBe('not compared: 3 of 3 cells not steady');
    expect(v.evidence['median 8']).toBeCloseTo(1000, 0);
    expect(v.evidence['median 6']).toBeCloseTo(700, 0);
    expect(outcomeLines([v])[0]).toBe(
      '`p`: unresolved: not compared: 3 of 3 cells not steady; paired ratio 0.70 (0.70–0.70) (exploratory: flagged, not counted)',
    );
    expect(medianComparisonText(u8, u6, 'throughputRps', [u8, u7, u6])).toBe(
      'throughput: 6 700 vs 8 1000 req/s (medians over rounds); not compared: 3 of 3 cells not steady; paired ratio 0.70 (0.70–0.70) (exploratory: flagged, not counted)',
    );
    const one = versionParityClaim({
      id: 'p',
      reference: cell('8'),
      other: cell('6', { flags: ['not-steady'] }),
      metric: 'throughputRps',
      band: BAND,
    });
    expect(one.evidence['reason']).toBe('not compared: 1 of 2 cells not steady');
  });
  it('gives a ratio with its interval for steady cells, holding and failing', () => {
    const a = cell('8');
    const same = versionParityClaim({
      id: 'p',
      reference: a,
      other: cell('6', { rps: 1010 }),
      metric: 'throughputRps',
      band: BAND,
    });
    expect(same.outcome).toBe('holds');
    expect(same.statistic?.ci95).not.toBeNull();
    expect(same.evidence['reason']).toBeUndefined();
    const slower = versionParityClaim({
      id: 'p',
      reference: a,
      other: cell('6', { rps: 760 }),
      metric: 'throughputRps',
      band: BAND,
    });
    expect(slower.outcome).toBe('fails');
    expect(slower.statistic?.value).toBeCloseTo(0.76, 2);
    expect(slower.statistic?.ci95?.[1]).toBeLessThan(0.9);
    // The interval is labelled with its actual coverage (order statistics over 12 rounds), never "95 % CI".
    expect(outcomeLines([slower])[0]).toMatch(
      /^`p`: does not hold: throughput ratio 6 \/ 8 = 0\.76 \(9\d\.\d % interval 0\.7\d+–0\.7\d+\)$/,
    );
    expect(outcomeLines([slower])[0]).toContain(
      `(${((slower.evidence['coverage'] as number) * 100).toFixed(1)} % interval`,
    );
    expect(medianComparisonText(a, cell('6', { rps: 760 }), 'throughputRps')).toMatch(/; ratio 0\.76 \(/);
  });
  it('is exploratory when asked (a metric the stopping rule does not control), on both sides', () => {
    const args = {
      id: 'p',
      reference: cell('a'),
      metric: 'cpuMicrosPerRequest',
      band: BAND,
      kind: 'exploratory',
    } as const;
    const same = versionParityClaim({ ...args, other: cell('b', { cpu: 101 }) });
    expect(same.kind).toBe('exploratory');
    expect(same.outcome).toBe('holds');
    const worse = versionParityClaim({ ...args, other: cell('b', { cpu: 130 }) });
    expect(worse.kind).toBe('exploratory');
    expect(worse.outcome).toBe('fails');
  });
});

describe('peakSocketsClaim', () => {
  it('holds when every peak is within factor × concurrency', () => {
    expect(
      peakSocketsClaim({ id: 's', measurements: [cell('a', { peak: 1000 })], concurrency: 512, factor: 2 }).outcome,
    ).toBe('holds');
  });
  it('fails when one version exceeds it', () => {
    const v = peakSocketsClaim({
      id: 's',
      measurements: [cell('a'), cell('b', { peak: 1100 })],
      concurrency: 512,
      factor: 2,
    });
    expect(v.outcome).toBe('fails');
    expect(v.evidence['peak b']).toBe(1100);
  });
  it('reports sockets opened in the measured windows, warm-up excluded', () => {
    const v = peakSocketsClaim({
      id: 's',
      measurements: [cell('a', { openedMeasured: 7 })],
      concurrency: 512,
      factor: 2,
    });
    expect(v.evidence['opened in measured windows a']).toBe(7);
  });
  it("is a sanity check when asked (the 2 × C bound is the pool's own), holding and failing", () => {
    const ok = peakSocketsClaim({ id: 's', measurements: [cell('a')], concurrency: 512, factor: 2, kind: 'sanity' });
    expect(ok.kind).toBe('sanity');
    expect(ok.outcome).toBe('holds');
    const over = peakSocketsClaim({
      id: 's',
      measurements: [cell('a', { peak: 1100 })],
      concurrency: 512,
      factor: 2,
      kind: 'sanity',
    });
    expect(over.kind).toBe('sanity');
    expect(over.outcome).toBe('fails');
  });
});

describe('warningsClaim', () => {
  it('holds when the warned version warns and the others do not', () => {
    const v = warningsClaim({ id: 'w', warn: [cell('old', { warnings: 3 })], silent: [cell('new')] });
    expect(v.outcome).toBe('holds');
    expect(v.evidence['MaxListenersExceededWarning old']).toBe(3);
  });
  it('fails when the old version is silent or a new one warns', () => {
    expect(warningsClaim({ id: 'w', warn: [cell('old')], silent: [cell('new')] }).outcome).toBe('fails');
    expect(
      warningsClaim({ id: 'w', warn: [cell('old', { warnings: 1 })], silent: [cell('new', { warnings: 1 })] }).outcome,
    ).toBe('fails');
  });
  it('counts zero for a record without process figures', () => {
    const m = cell('x');
    const { process: _p, ...settings } = m.client.settings;
    expect(warningCount({ client: { ...m.client, settings } })).toBe(0);
  });
  it('is unresolved, not "fails", when a cell reported no process figures (no count to decide on)', () => {
    const m = cell('old');
    const { process: _p, ...settings } = m.client.settings;
    const v = warningsClaim({ id: 'w', warn: [{ ...m, client: { ...m.client, settings } }], silent: [cell('new')] });
    expect(v.outcome).toBe('unresolved');
    expect(v.evidence['reason']).toBe('no process figures reported by old: no warning count');
  });
});

describe('pinnedMemoryClaim', () => {
  it('holds when the pinning version holds at least minBytes more per pooled socket', () => {
    const v = pinnedMemoryClaim({
      id: 'm',
      more: cell('pin', { heldAtFinish: 512 * 100_000 }),
      baseline: cell('fixed', { heldAtFinish: 512 * 2_000 }),
      minBytes: 32_768,
    });
    expect(v.outcome).toBe('holds');
    expect(v.kind).toBe('claim');
    expect(v.evidence['differenceBytes']).toBe(98_000);
    expect(v.evidence['baseline held per socket fixed']).toBe(2_000);
    expect(Object.keys(v.evidence).some((k) => k.includes('RSS'))).toBe(false);
    expect(
      pinnedMemoryClaim({ id: 'm', more: cell('a'), baseline: cell('b'), minBytes: 1, kind: 'exploratory' }).kind,
    ).toBe('exploratory');
  });
  it('fails when the difference is below minBytes, or without pooled sockets', () => {
    expect(
      pinnedMemoryClaim({
        id: 'm',
        more: cell('pin', { heldAtFinish: 512 * 10_000 }),
        baseline: cell('fixed'),
        minBytes: 32_768,
      }).outcome,
    ).toBe('fails');
    expect(
      pinnedMemoryClaim({
        id: 'm',
        more: cell('pin', { heldAtFinish: 512 * 100_000, pooledSockets: 0 }),
        baseline: cell('fixed'),
        minBytes: 32_768,
      }).outcome,
    ).toBe('fails');
  });
  it('divides by the pooled sockets', () => {
    expect(memoryPerPooledSocket(cell('a', { heldAtFinish: 1024, pooledSockets: 4 }))?.heapAndExternalBytes).toBe(256);
  });
  it('uses the idle reading (same wait and GCs as the closed one) when the record has it', () => {
    const controlled = memoryPerPooledSocket(cell('a', { heldAtFinish: 4096, heldAtIdle: 1024, pooledSockets: 4 }));
    expect(controlled?.heapAndExternalBytes).toBe(256);
    expect(controlled?.controlled).toBe(true);
    const old = memoryPerPooledSocket(cell('a', { heldAtFinish: 4096, pooledSockets: 4 }));
    expect(old?.heapAndExternalBytes).toBe(1024);
    expect(old?.controlled).toBe(false);
  });
  it('decides on the idle readings: an artefact right after the load does not make it hold', () => {
    // Both hold 100 kB per socket right after the load (garbage not yet released), but only `pin` still at idle.
    const pin = cell('pin', { heldAtFinish: 512 * 100_000, heldAtIdle: 512 * 100_000 });
    const fixed = cell('fixed', { heldAtFinish: 512 * 100_000, heldAtIdle: 512 * 1_000 });
    const holds = pinnedMemoryClaim({ id: 'm', more: pin, baseline: fixed, minBytes: 32_768 });
    expect(holds.outcome).toBe('holds');
    expect(holds.evidence['controlledReading']).toBe(true);
    const artefact = pinnedMemoryClaim({
      id: 'm',
      more: cell('pin', { heldAtFinish: 512 * 100_000, heldAtIdle: 512 * 1_000 }),
      baseline: fixed,
      minBytes: 32_768,
    });
    expect(artefact.outcome).toBe('fails');
  });
});

describe('retainedResponsesObservation and poolRetention', () => {
  const body = 65_536;
  it('holds when the pooled sockets keep many bodies each until the pool closes, with no baseline beside it', () => {
    const leaky = cell('1.15.1', {
      heldAtIdle: 0,
      arrayBuffersAtIdle: 64 * 1000 * body,
      pooledSockets: 64,
      requests: 64_000,
    });
    const v = retainedResponsesObservation({ id: 'x', cell: leaky, bodyBytes: body, minBodies: 10 });
    expect(v.kind).toBe('exploratory');
    expect(v.outcome).toBe('holds');
    expect(v.evidence['body-sized equivalents per socket 1.15.1']).toBe(1000);
    // An absolute threshold on the cell's own figure: no baseline (least of all one from another comparison).
    expect(v.claim).not.toMatch(/baseline|same run/);
    expect(Object.keys(v.evidence).some((k) => k.includes('baseline'))).toBe(false);
    // Added after seeing the data: every line that names it says so (the citation's label included).
    expect(verdictLabel(v)).toBe('✅ holds (exploratory, added after seeing the data)');
    expect(v.evidence['requests completed counted exactly 1.15.1']).toBe(false);
    expect(v.evidence['freed per request completed 1.15.1']).toBe(body);
    expect(poolRetention(leaky)?.requestsCompleted).toBe(64_000);
  });
  it('fails when the sockets keep about what the baseline keeps', () => {
    const fixed = cell('1.21.1', { heldAtIdle: 0, arrayBuffersAtIdle: 64 * 2 * body, pooledSockets: 64 });
    const v = retainedResponsesObservation({ id: 'x', cell: fixed, bodyBytes: body, minBodies: 10 });
    expect(v.outcome).toBe('fails');
    expect(verdictLabel(v)).toBe('❌ does not hold (exploratory, added after seeing the data)');
    expect(outcomeLines([v])[0]).toBe('`x` (exploratory, added after seeing the data): does not hold');
  });
  it('reports arrayBuffers and external per pooled socket, never RSS', () => {
    const m = memoryPerPooledSocket(cell('a', { heldAtIdle: 0, arrayBuffersAtIdle: 4 * 1024, pooledSockets: 4 }));
    expect(m?.arrayBuffersBytes).toBe(1024);
    expect(m?.externalBytes).toBe(1024);
    expect(m).not.toHaveProperty('rssBytes');
  });
});

describe('labels of exploratory verdicts', () => {
  it('reads declared-before-the-run items as such, post-hoc ones as added after seeing the data', () => {
    const v = versionParityClaim({
      id: 'p',
      reference: cell('a'),
      other: cell('b'),
      metric: 'cpuMicrosPerRequest',
      band: BAND,
      kind: 'exploratory',
    });
    expect(verdictKindText(v)).toBe('Exploratory (added after seeing the data)');
    expect(verdictKindText(declaredBeforeRun(v))).toBe('Exploratory (declared before the run, not counted)');
    const descriptive = { kind: 'exploratory' as const, evidence: { declared: 'before the run' } };
    expect(verdictKindText(descriptive)).toBe('Descriptive (declared before the run, no threshold)');
    const claim = versionParityClaim({
      id: 'p',
      reference: cell('a'),
      other: cell('b'),
      metric: 'throughputRps',
      band: BAND,
    });
    expect(declaredBeforeRun(claim)).toBe(claim);
    expect(verdictKindText(claim)).toBe('Claim');
  });
  it('carries the provenance into the list label and the outcome line; claims and sanity checks get none', () => {
    const v = versionParityClaim({
      id: 'p',
      reference: cell('a'),
      other: cell('b'),
      metric: 'cpuMicrosPerRequest',
      band: BAND,
      kind: 'exploratory',
    });
    expect(verdictLabel(v)).toBe('✅ holds (exploratory, added after seeing the data)');
    expect(verdictLabel(declaredBeforeRun(v))).toBe('✅ holds (exploratory, declared before the run, not counted)');
    expect(outcomeLines([declaredBeforeRun(v)])[0]).toMatch(
      /^`p` \(exploratory, declared before the run, not counted\)/,
    );
    // Without its evidence (an older caller) the label stays as it was.
    expect(verdictLabel({ kind: 'exploratory', outcome: 'holds' })).toBe('✅ holds (exploratory)');
    expect(verdictLabel({ kind: 'sanity', outcome: 'holds', evidence: {} })).toBe('✅ holds (sanity check)');
    expect(verdictLabel({ kind: 'claim', outcome: 'fails', evidence: {} })).toBe('❌ does not hold');
  });
});

describe('intervalLabel', () => {
  it('prints the actual coverage of an order-statistics interval', () => {
    expect(intervalLabel({ coverage: 0.9871 })).toBe('98.7 % interval');
    expect(intervalLabel({ coverage: 0.96875 })).toBe('96.9 % interval');
  });
  it('keeps "95 % CI" when no coverage is recorded or it is exactly 95 %', () => {
    expect(intervalLabel(undefined)).toBe('95 % CI');
    expect(intervalLabel({})).toBe('95 % CI');
    expect(intervalLabel({ coverage: 0.95 })).toBe('95 % CI');
    expect(intervalLabel({ coverage: null })).toBe('95 % CI');
  });
});

describe('bisect plan: the bracket from the data, the releases from a list made before the run', () => {
  const CANDIDATES = [
    '6.29.1',
    '7.0.0',
    '7.5.0',
    '7.10.0',
    '7.16.0',
    '7.22.0',
    '7.30.2',
    '8.0.0',
    '8.4.0',
    '8.8.0',
    '8.12.0',
    '8.13.1',
  ];
  const alternating = (a: number, b: number) => Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? a : b));
  const u8 = cell('undici@8.13.1', { rps: 1000 });
  const cells = (u7: VersionMeasurement, u6: VersionMeasurement) => [
    { version: '8.13.1', measurement: u8 },
    { version: '7.30.2', measurement: u7 },
    { version: '6.29.1', measurement: u6 },
  ];

  it("spans 6.29.1 → 8.13.1 when 7.30.2 is unresolved against both ends (the reader's data)", () => {
    // 6.29.1 is 1.3× 8.13.1 in every round; 7.30.2 swings between 0.95× and 1.35×: unresolved against either end.
    const plan = bisectPlan({
      cells: cells(cell('undici@7.30.2', { perRound: alternating(950, 1350) }), cell('undici@6.29.1', { rps: 1300 })),
      candidates: CANDIDATES,
    });
    expect(plan?.brackets.map((b) => [b.older, b.newer, b.inside])).toEqual([['6.29.1', '8.13.1', ['7.30.2']]]);
    expect(plan?.brackets[0]?.ratio.median).toBeCloseTo(1.3, 2);
    expect(plan?.screen).toEqual(CANDIDATES);
    const pair = (o: string, n: string) => plan?.pairs.find((p) => p.older === o && p.newer === n);
    expect(resolvesMovement(pair('6.29.1', '8.13.1')?.ratio ?? { low: 1, high: 1, coverage: 0 })).toBe(true);
    expect(resolvesMovement(pair('7.30.2', '8.13.1')?.ratio ?? { low: 2, high: 2, coverage: 1 })).toBe(false);
    expect(resolvesMovement(pair('6.29.1', '7.30.2')?.ratio ?? { low: 2, high: 2, coverage: 1 })).toBe(false);
  });

  it('narrows to 7.30.2 → 8.13.1 when only that pair resolves the movement', () => {
    // 7.30.2 is 1.25× 8.13.1 in every round; 6.29.1 is above 8.13.1 in every round but unresolved against 7.30.2.
    const plan = bisectPlan({
      cells: cells(cell('undici@7.30.2', { rps: 1250 }), cell('undici@6.29.1', { perRound: alternating(1150, 1400) })),
      candidates: CANDIDATES,
    });
    expect(plan?.brackets.map((b) => [b.older, b.newer, b.inside])).toEqual([['7.30.2', '8.13.1', []]]);
    expect(plan?.screen).toEqual(['7.30.2', '8.0.0', '8.4.0', '8.8.0', '8.12.0', '8.13.1']);
  });

  it('prints no plan when no movement is resolved', () => {
    const noisy = (label: string) => cell(label, { perRound: alternating(900, 1120) });
    expect(bisectPlan({ cells: cells(noisy('7'), noisy('6')), candidates: CANDIDATES })).toBeNull();
    expect(bisectPlan({ cells: cells(cell('7'), cell('6')), candidates: CANDIDATES })).toBeNull();
  });

  it('keeps two adjacent resolved pairs as two brackets, and adds bracket ends the list lacks', () => {
    const r = (median: number, low: number, high: number) => ({ median, low, high, coverage: 0.987 });
    const pairs: VersionPairRatio[] = [
      { older: '6.29.1', newer: '7.30.2', ratio: r(1.3, 1.2, 1.4), compared: true },
      { older: '7.30.2', newer: '8.13.1', ratio: r(0.8, 0.7, 0.9), compared: false },
      { older: '6.29.1', newer: '8.13.1', ratio: r(1.04, 0.95, 1.1), compared: true },
    ];
    const brackets = bisectBrackets(['8.13.1', '6.29.1', '7.30.2'], pairs);
    expect(brackets.map((b) => `${b.older}→${b.newer}`)).toEqual(['6.29.1→7.30.2', '7.30.2→8.13.1']);
    expect(brackets[1]?.compared).toBe(false);
    // Below 95 % coverage a ratio resolves nothing.
    expect(
      bisectBrackets(
        ['1.0.0', '2.0.0'],
        [{ older: '1.0.0', newer: '2.0.0', ratio: { ...r(2, 1.5, 2.5), coverage: 0.9 }, compared: true }],
      ),
    ).toEqual([]);
    expect(compareVersions('7.10.0', '7.5.0')).toBeGreaterThan(0);
    expect(compareVersions('6.29.1', '7.0.0')).toBeLessThan(0);
  });
});

describe('hypervisor steal (descriptive)', () => {
  const measured = (label: string, steals: number[]) => ({
    label,
    trials: steals.map((steal, i) => ({
      block: Math.floor(i / 2),
      cores: [
        { busy: 1, steal: 0 },
        { busy: 0.5, steal },
      ],
    })),
    method: { blocks: Array.from({ length: Math.ceil(steals.length / 2) }, (_, i) => ({ index: i, round: 10 + i })) },
  });

  it('gives the median and maximum over measured windows and the rounds with a window above the mark', () => {
    const s = stealSummary(measured('a', [0, 0.01, 0.02, 0.44, 0.01, 0]));
    expect(s?.windows).toBe(6);
    expect(s?.max).toBe(0.44);
    expect(s?.median).toBeCloseTo(0.01, 5);
    expect(s?.roundsAbove).toEqual([11]);
    const text = stealText([measured('a', [0, 0.01, 0.02, 0.44]), measured('b', [0.3, 0, 0, 0])]);
    expect(text).toMatch(/descriptive, no verdict/);
    expect(text).toMatch(/a: median 0\.015, max 0\.440 over 4 windows; b: median 0\.000, max 0\.300/);
    expect(text).toMatch(/rounds with a window above 0\.05: 10, 11\./);
    expect(text).toMatch(/Pairing within a round does not cancel steal/);
  });

  it('says none when no window had steal, and not recorded without per-core readings', () => {
    expect(stealText([measured('a', [0, 0.01])])).toMatch(/rounds with a window above 0\.05: none/);
    expect(stealSummary({ label: 'x', trials: [{ cores: null }] })).toBeNull();
    expect(stealText([{ label: 'x', trials: [{}] }])).toMatch(/not recorded/);
  });
});

describe('the regime of the undici claims, from the records', () => {
  const record = (label: string, settings: Record<string, unknown>) => ({
    ...cell(label),
    client: { name: 'undici-request', version: '8.13.1', settings },
    params: { load: { mode: 'closed', concurrency: 512 } },
  });
  const pool = { liveDispatcher: 'Pool', liveConnectionsCap: 'unlimited (null)' };

  it("states the load, the live dispatcher and its cap, and each cell's Clients in the Pool", () => {
    const cells = [
      record('u8', { ...pool, liveClientsInPool: 1025 }),
      record('u6', { ...pool, liveClientsInPool: 1024 }),
    ];
    const text = poolRegimeText(cells);
    expect(text).toBe(
      'closed loop, 512 in flight, a Pool with connections unbounded (null), one Client per socket (Clients in the Pool at the end, liveClientsInPool: u8 1025, u6 1024)',
    );
    const v = versionParityClaim({
      id: 'p',
      reference: cells[0] as VersionMeasurement,
      other: cells[1] as VersionMeasurement,
      metric: 'throughputRps',
      band: BAND,
      scope: text,
    });
    expect(v.claim).toMatch(
      /\(paired per round\); regime: closed loop, 512 in flight, a Pool with connections unbounded/,
    );
  });

  it('says what a record lacks instead of inventing it', () => {
    const text = poolRegimeText([record('old', {})]);
    expect(text).toContain('a dispatcher not recorded with connections not recorded');
    expect(text).toContain('liveClientsInPool: old not recorded');
    expect(
      versionParityClaim({ id: 'p', reference: cell('a'), other: cell('b'), metric: 'throughputRps', band: BAND })
        .claim,
    ).not.toContain('regime');
  });
});

describe('versionsRanSanity', () => {
  it("checks Node's own client by the runtime the worker read, not by a version named from the same runtime", () => {
    const m = cell('node-fetch', { store: false, version: 'whatever the adapter says' });
    const asked = { measurement: m, clientVersion: null, fromStore: false };
    expect(
      versionsRanSanity({ id: 'r', cells: [{ ...asked, node: 'v24.21.0', bundledUndici: '7.29.1' }] }).outcome,
    ).toBe('holds');
    const other = versionsRanSanity({ id: 'r', cells: [{ ...asked, node: 'v24.21.0', bundledUndici: '7.16.0' }] });
    expect(other.outcome).toBe('fails');
    expect(String(other.evidence['problems'])).toContain('expected 7.16.0');
    expect(versionsRanSanity({ id: 'r', cells: [asked] }).outcome).toBe('fails');
  });
  it('holds when every cell ran the version asked for, with a store integrity', () => {
    const v = versionsRanSanity({
      id: 'r',
      cells: [
        { measurement: cell('a', { version: '1.15.1' }), clientVersion: '1.15.1', fromStore: true },
        { measurement: cell('b', { version: '1.21.1', store: false }), clientVersion: '1.21.1', fromStore: false },
      ],
    });
    expect(v.kind).toBe('sanity');
    expect(v.outcome).toBe('holds');
  });
  it('fails when a cell loaded another version or has no store entry', () => {
    const v = versionsRanSanity({
      id: 'r',
      cells: [
        { measurement: cell('a', { version: '1.21.1' }), clientVersion: '1.15.1', fromStore: true },
        { measurement: cell('b', { store: false }), clientVersion: '1.0.0', fromStore: true },
      ],
    });
    expect(v.outcome).toBe('fails');
    expect(String(v.evidence['problems'])).toContain('asked 1.15.1');
    expect(String(v.evidence['problems'])).toContain('no store entry');
  });
  it('checks the expected Node and bundled undici where a cell names them, on both sides', () => {
    const m = cell('node-fetch', { store: false, version: 'v24.21.0 (bundled undici 7.29.1)' });
    const asked = { measurement: m, clientVersion: 'v24.21.0 (bundled undici 7.29.1)', fromStore: false };
    expect(
      versionsRanSanity({ id: 'r', cells: [{ ...asked, node: 'v24.21.0', bundledUndici: '7.29.1' }] }).outcome,
    ).toBe('holds');
    const other = versionsRanSanity({ id: 'r', cells: [{ ...asked, node: 'v20.20.2', bundledUndici: '6.23.0' }] });
    expect(other.outcome).toBe('fails');
    expect(String(other.evidence['problems'])).toContain('expected v20.20.2');
    expect(String(other.evidence['problems'])).toContain('expected 6.23.0');
  });
  it("fails when a cell asked for the workspace's version loaded a store entry", () => {
    const v = versionsRanSanity({
      id: 'r',
      cells: [{ measurement: cell('a', { version: '1.0.0' }), clientVersion: '1.0.0', fromStore: false }],
    });
    expect(v.outcome).toBe('fails');
    expect(String(v.evidence['problems'])).toContain("asked the workspace's");
  });
  it('reads the runtime of a record', () => {
    expect(cellRuntime(cell('a'))?.bundledUndici).toBe('7.29.1');
    expect(cellRuntime({ client: { name: 'x', version: '1', settings: {} } })).toBeNull();
  });
});

describe('ratioText and versionRows', () => {
  it('marks an interval that includes 1 with ~', () => {
    expect(ratioText({ median: 0.98, low: 0.9, high: 1.04, coverage: 0.96 })).toBe('~ 0.98 (0.90–1.04)');
    expect(ratioText({ median: 0.8, low: 0.75, high: 0.85, coverage: 0.96 })).toBe('0.80 (0.75–0.85)');
    expect(ratioText({ median: 0.8, low: 0.75, high: 0.85, coverage: 0.5 })).toBe('~ 0.80 (0.75–0.85)');
    // An edge that rounds to 1.00 without being 1 gets a third decimal: resolved never reads as touching 1.
    expect(ratioText({ median: 1.12, low: 1.0041, high: 1.25, coverage: 0.969 })).toBe('1.12 (1.004–1.25)');
    expect(ratioText({ median: 0.9, low: 0.75, high: 0.998, coverage: 0.969 })).toBe('0.90 (0.75–0.998)');
    expect(ratioText({ median: 1.02, low: 1, high: 1.05, coverage: 0.969 })).toBe('~ 1.02 (1.00–1.05)');
    expect(ratioText({ median: 0.9, low: 0.8, high: 0.99996, coverage: 0.969 })).toBe('0.90 (0.80–0.99996)');
  });
  it('shows the reference, ratios, and a dash for flagged cells', () => {
    const rows = versionRows([cell('a'), cell('b', { rps: 2000 }), cell('c', { flags: ['errors'] })]);
    expect(rows[0]?.throughputVsReference).toBe('1 (reference)');
    expect(rows[1]?.throughputVsReference).toMatch(/^2\.00/);
    // Flagged: not compared, with the flag as the reason; the paired ratio is printed as exploratory, never hidden.
    expect(rows[2]?.throughputVsReference).toMatch(/^— \(flagged: errors; exploratory: ~ 1\.00 \(/);
    expect(versionRows([cell('a'), cell('d', { flags: ['no-data'], rounds: 0 })])[1]?.throughputVsReference).toBe(
      '— (flagged: no-data)',
    );
    expect(rows[0]?.ran).toContain('bundled undici 7.29.1');
  });
  it('shows sockets opened in the measured windows, not those of the warm-up', () => {
    const rows = versionRows([cell('a', { openedMeasured: 3 })]);
    expect(rows[0]?.socketsOpenedMeasured).toBe(3);
    expect(rows[0]).not.toHaveProperty('errorListenersPerSocket');
    expect(rows[0]).not.toHaveProperty('rssKiBPerSocket');
  });
});

describe('a flagged comparison says why and still prints its paired ratio (versions-87ea7651)', () => {
  // 8.13.1 (reference) slower; 7.30.2 about 1.26× faster in every round, its target flagged as saturated.
  const u8 = cell('undici@8.13.1', { rps: 20_000 });
  const u7 = cell('undici@7.30.2', { rps: 25_200, flags: ['target-saturated'] });
  const u6 = cell('undici@6.29.1', { rps: 25_600 });

  it('gives the guard\'s real reason, not "cannot decide at this precision"', () => {
    const v = versionParityClaim({
      id: 'undici-7-throughput-parity',
      reference: u8,
      other: u7,
      metric: 'throughputRps',
      band: BAND,
      cells: [u8, u7, u6],
    });
    expect(v.outcome).toBe('unresolved');
    expect(v.evidence['reason']).toBe(
      "not compared: target saturated in the median block of undici@7.30.2 (the target's share of its core above 0.7 and above the client's)",
    );
    expect(String(v.evidence['exploratoryRatio'])).toMatch(
      /^1\.26 \(1\.2\d–1\.2\d\) \(exploratory: flagged, not counted\)$/,
    );
    expect(outcomeLines([v])[0]).toMatch(
      /^`undici-7-throughput-parity`: unresolved: not compared: target saturated in the median block of undici@7\.30\.2 .*; paired ratio 1\.26 /,
    );
    expect(medianComparisonText(u8, u7, 'throughputRps', [u8, u7, u6])).toMatch(
      /not compared: target saturated in the median block of undici@7\.30\.2 .*; paired ratio 1\.26 \(.*\) \(exploratory: flagged, not counted\)$/,
    );
  });

  it('keeps a foreign-loaded cell out of the comparison and says so', () => {
    const a18 = cell('axios@1.18.1', { flags: ['foreign-load'] });
    expect(isComparableCell(a18)).toBe(false);
    expect(notComparedReason(cell('axios@1.21.1'), a18)).toBe(
      "not compared: the client core of axios@1.18.1 was busy beyond the client process's own CPU (core busy minus the process's CPU, which includes kernel work on its behalf, above 0.2 in at least 10 % of its measured windows)",
    );
    expect(notComparedReason(cell('a'), cell('b', { flags: ['cpu-over-wall'] }))).toBe('not compared: b not rankable');
  });

  it('finds a movement beyond noise whether or not the pair was compared, and none inside the noise', () => {
    const moved = movementBeyondNoise(u8, u6);
    expect(moved?.compared).toBe(true);
    expect(moved?.ratio.median).toBeCloseTo(1.28, 2);
    expect(movementBeyondNoise(u8, u7)?.compared).toBe(false);
    // Rounds scattered around 1: the interval includes 1.
    const scattered = [0.8, 1.2, 0.9, 1.1, 0.85, 1.15, 0.95, 1.05, 0.9, 1.1, 0.8, 1.2];
    const noisy = cell('n', { perRound: scattered.map((x) => x * 20_000) });
    expect(movementBeyondNoise(u8, noisy)).toBeNull();
    expect(movementBeyondNoise(cell('one', { rounds: 1 }), cell('two', { rounds: 1, rps: 2000 }))).toBeNull();
  });
});

describe('warningsClaim scoped to an emitter and event', () => {
  const socketError = { "Socket 'error'": 64 };
  it("holds when every warning of the warning cell is on a Socket's 'error' and the others emit none", () => {
    const v = warningsClaim({
      id: 'w',
      warn: [cell('1.15.1', { warnings: 64, listenerWarnings: socketError })],
      silent: [cell('1.21.1')],
      event: "Socket 'error'",
      scope: 'with the default maxRedirects, through follow-redirects',
    });
    expect(v.outcome).toBe('holds');
    expect(v.claim).toMatch(/^with the default maxRedirects, through follow-redirects, 1\.15\.1 emits/);
    expect(v.evidence['by emitter and event 1.15.1']).toBe("Socket 'error' × 64");
  });
  it('fails when a warning is on another event, or the record kept no emitter and event', () => {
    const other = warningsClaim({
      id: 'w',
      warn: [cell('1.15.1', { warnings: 65, listenerWarnings: { ...socketError, "Socket 'close'": 1 } })],
      silent: [cell('1.21.1')],
      event: "Socket 'error'",
    });
    expect(other.outcome).toBe('fails');
    const unrecorded = warningsClaim({
      id: 'w',
      warn: [cell('1.15.1', { warnings: 64 })],
      silent: [cell('1.21.1')],
      event: "Socket 'error'",
    });
    expect(unrecorded.outcome).toBe('fails');
  });
});

describe('poolRetention counts requests exactly when the worker did', () => {
  it("uses the worker's count, not rate × duration", () => {
    const m = cell('1.15.1', {
      heldAtIdle: 0,
      arrayBuffersAtIdle: 1000 * 65_536,
      requests: 64_000,
      requestsCompleted: 1000,
    });
    const r = poolRetention(m);
    expect(r?.requestsCompleted).toBe(1000);
    expect(r?.requestsExact).toBe(true);
    expect(r?.retainedPerRequestBytes).toBe(65_536);
  });
});

describe('axios-1-21-1-native-releases-response: the maxRedirects 0 cell, stated before its first run', () => {
  // versions-87ea7651: axios 1.21.1 (default maxRedirects) kept 128 KiB of arrayBuffers per pooled socket, one 64 KiB
  // response held twice (chunks and buffer): its sockets keep their last request, cleared only on a 'close' that
  // follow-redirects' wrapper never re-emits. With maxRedirects 0 the request is Node's ClientRequest, which emits it.
  const body = 65_536;
  const viaFollowRedirects = cell('axios@1.21.1', {
    heldAtIdle: 0,
    arrayBuffersAtIdle: 64 * 2 * body,
    pooledSockets: 64,
  });
  const claim = (native: VersionMeasurement) =>
    pinnedMemoryClaim({ id: 'n', more: viaFollowRedirects, baseline: native, minBytes: 0.5 * body });
  it('holds when the native-transport sockets keep about nothing', () => {
    const native = cell('axios@1.21.1 · maxRedirects 0', { heldAtIdle: 0, arrayBuffersAtIdle: 0, pooledSockets: 64 });
    expect(claim(native).outcome).toBe('holds');
  });
  it('fails when they keep the same response per socket (the hypothesis is wrong)', () => {
    const native = cell('axios@1.21.1 · maxRedirects 0', {
      heldAtIdle: 0,
      arrayBuffersAtIdle: 64 * 2 * body,
      pooledSockets: 64,
    });
    expect(claim(native).outcome).toBe('fails');
    expect(claim(native).evidence['differenceBytes']).toBe(0);
  });
});
