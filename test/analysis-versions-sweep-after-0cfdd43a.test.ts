import {
  consecutiveSteps,
  disagreementReach,
  keepAliveTimeoutText,
  movementLeads,
  outlyingCells,
  processClaimRatio,
  processParityClaim,
  type SweepCell,
  sweepChartRows,
  sweepProcessRows,
  sweepStepRows,
  sweepWindowSocketsSanity,
  undiciKeepAliveTimeout,
  type VersionMeasurement,
  versionParityClaim,
  widestCoverage,
} from '@casebook/analysis';
import { describe, expect, it } from 'vitest';

/**
 * Notebook 07's sections 7 and 7b after versions-0cfdd43a (its second reader's findings 2, 3, 4, 7 and 8), each rule on
 * both sides: the tables and the chart read every process; one slow process of three is "one process slow", not a
 * release; "processes disagree" cannot be said at 6 rounds; a flagged process is named in its step and left out of a
 * claim that two clean processes decide; the sockets check is the harness's own bound; the keep-alive timeout in force
 * is printed apart from the configured one. Pure: made-up values, no process is started.
 */

const PARITY = { above: 0.9, below: 1.1 };

/** A deterministic noise in [-1, 1) (a hash of its arguments), so every test reads the same values. */
function noise(...xs: number[]): number {
  let h = 2166136261;
  for (const x of xs) {
    h ^= x + 0x9e3779b9;
    h = Math.imul(h, 16777619) >>> 0;
    h ^= h >>> 13;
  }
  return ((h % 10000) / 10000) * 2 - 1;
}

/** One client process: its throughput per round (CPU per request its inverse), flags, measured windows' peaks. */
function proc(
  label: string,
  rps: readonly number[],
  options: {
    flags?: string[];
    windowPeaks?: readonly number[];
    peak?: number;
    settings?: Record<string, unknown>;
  } = {},
): VersionMeasurement {
  const flags = options.flags ?? [];
  return {
    label,
    client: { name: 'undici-request', version: '8.13.1', settings: options.settings ?? {} },
    target: { connectionsOpened: 1300, connectionsOpenedMeasured: 2, peakOpenConnections: options.peak ?? 1300 },
    guards: { flags, rankable: flags.length === 0 },
    method: {
      blocks: rps.map((x, round) => ({
        index: round,
        round,
        throughputRps: x,
        cpuMicrosPerRequest: 1e6 / x,
        clientUtilization: 0.9,
        targetCpuShare: 0.3,
      })),
    },
    trials: (options.windowPeaks ?? []).map((p, i) => ({ block: i, target: { peakOpenConnections: p } })),
  } as unknown as VersionMeasurement;
}

/** The machine's noise of a round (±10 %), shared by every process of every version in that round. */
const machine = (r: number) => 1 + 0.1 * noise(r);

/**
 * A swept version of 3 processes over `rounds` rounds at `level` × 40,000 req/s: `factor[p]` scales process p for its
 * whole life, or round by round when given as an array; `flags[p]` flags it; ±1 % noise of its own.
 */
function version(
  v: string,
  level: number,
  options: {
    rounds?: number;
    factor?: Record<number, number | readonly number[]>;
    flags?: Record<number, string[]>;
  } = {},
): SweepCell {
  const rounds = options.rounds ?? 6;
  const processes = [1, 2, 3].map((p) => {
    const f = options.factor?.[p] ?? 1;
    const values = Array.from(
      { length: rounds },
      (_, r) =>
        40000 *
        level *
        (typeof f === 'number' ? f : (f[r] ?? 1)) *
        machine(r) *
        (1 + 0.01 * noise(r, p, Math.round(level * 1000), v.length)),
    );
    return proc(`undici@${v} (undici-request) · process ${p}`, values, { flags: options.flags?.[p] ?? [] });
  });
  return { line: `${v.split('.')[0]}.x`, version: v, measurement: processes[0] as VersionMeasurement, processes };
}

describe('the tables and the chart read every process (finding 2)', () => {
  it("prints the median over the processes and each process's value, with the spread between them", () => {
    const rows = sweepProcessRows([version('8.3.0', 1, { factor: { 1: 0.8 } })]);
    expect(rows[0]?.cell).toBe('8.3.0');
    expect(rows[0]?.processes).toBe(3);
    expect(rows[0]?.rps).toMatch(/^\d+ \(p1 \d+ · p2 \d+ · p3 \d+\)$/);
    expect(rows[0]?.rounds).toBe('6 · 6 · 6');
    // Process 1 at 0.8 of the others: the spread is about 1.25, not hidden in a first-process column.
    expect(rows[0]?.spread).toMatch(/^throughput 1\.2\d× · CPU 1\.2\d×$/);
    expect(rows[0]?.flags).toBe('');
    expect(rows[0]?.peakSockets).toBe('1300 · 1300 · 1300');
    expect(rows[0]?.openedWarmup).toBe('1298 · 1298 · 1298');
    expect(rows[0]?.openedMeasured).toBe('2 · 2 · 2');
  });

  it('names a flagged process beside its value and leaves it out of the median and the spread', () => {
    const rows = sweepProcessRows([version('8.0.3', 1, { factor: { 1: 0.6 }, flags: { 1: ['foreign-load'] } })]);
    expect(rows[0]?.rps).toMatch(/^\d+ \(p1 \d+ foreign-load · p2 \d+ · p3 \d+\)$/);
    expect(rows[0]?.flags).toBe('p1 foreign-load');
    // Without process 1 the two clean ones are within a few per cent.
    expect(rows[0]?.spread).toMatch(/^throughput 1\.0\d× · CPU 1\.0\d×$/);
  });

  it('draws every process: the bar at the median, the whiskers at the lowest and the highest', () => {
    const cell = version('8.3.0', 1, { factor: { 1: 0.8, 3: 1.1 } });
    const [row] = sweepChartRows([cell], 'throughput');
    const value = row?.value as number;
    expect(row?.low).toBeLessThan(0.85 * value);
    expect(row?.high).toBeGreaterThan(1.05 * value);
    expect(row?.flags).toBe('');
    const flagged = sweepChartRows(
      [version('8.0.3', 1, { factor: { 1: 0.6 }, flags: { 1: ['foreign-load'] } })],
      'throughput',
    );
    expect(flagged[0]?.low).toBeGreaterThan(0.95 * (flagged[0]?.value as number));
    const all = sweepChartRows(
      [version('8.0.3', 1, { flags: { 1: ['not-steady'], 2: ['not-steady'], 3: ['foreign-load'] } })],
      'throughput',
    );
    expect(all[0]?.flags).toBe('all processes flagged: not-steady, foreign-load');
  });
});

describe('"processes disagree" cannot be said at 6 rounds (finding 2)', () => {
  it('6 rounds reach 96.9 %, the rule needs 99.17 % over 6 pairs of processes; 8 rounds are the fewest that reach it', () => {
    expect(widestCoverage(6)).toBeCloseTo(0.96875, 12);
    const six = disagreementReach({ processes: 3, rounds: 6 });
    expect(six).toMatchObject({ k: 6, reachable: false, minRounds: 8 });
    expect(six.needed).toBeCloseTo(1 - 0.05 / 6, 12);
    expect(six.text).toMatch(/^"processes disagree" cannot be said at 6 rounds: .*99\.17 % coverage .*96\.88 %/);
    expect(disagreementReach({ processes: 3, rounds: 8 }).reachable).toBe(true);
    expect(disagreementReach({ processes: 1, rounds: 20 }).reachable).toBe(false);
  });

  it('agrees with the steps: a process 25 % slow is "disagree" at 12 rounds and never at 6', () => {
    const at = (rounds: number) =>
      consecutiveSteps({
        cells: [version('8.5.0', 1, { rounds }), version('8.6.0', 1, { rounds, factor: { 1: 0.75 } })],
        metrics: ['throughput'],
      });
    expect(at(6)[0]?.disagreement).toBeUndefined();
    expect(at(12)[0]?.disagreement).toMatch(/^processes of 8\.6\.0 disagree/);
  });
});

describe('one process slow of three is not a release (finding 2)', () => {
  // 8.3.0 as in versions-0cfdd43a: process 1 below both neighbours in every round, processes 2 and 3 lower too but
  // above a neighbour in one round each.
  const slowish = (at: number) => Array.from({ length: 6 }, (_, r) => (r === at ? 1.05 : 0.87));
  const line = (b: SweepCell) => [version('8.2.0', 1), b, version('8.4.1', 1)];

  it('fires: "one process slow", a rerun, naming each process', () => {
    const cells = line(version('8.3.0', 1, { factor: { 1: 0.75, 2: slowish(4), 3: slowish(2) } }));
    const steps = consecutiveSteps({ cells, metrics: ['throughput'] });
    expect(steps.map((s) => s.movement)).toEqual(['down', 'up']);
    const outlying = outlyingCells({ cells, steps });
    expect(outlying).toHaveLength(1);
    expect(outlying[0]).toMatchObject({ version: '8.3.0', side: 'below', slowProcesses: [1], processes: 3, rounds: 6 });
    expect(outlying[0]?.text).toMatch(
      /^One process slow, not a release: 8\.3\.0 · process 1 of 3 ran below both 8\.2\.0 and 8\.4\.1 \(each round's median over their processes\) in throughput in every one of 6 rounds, and processes 2 and 3 did not \(each process's median over rounds: p1 \d+ · p2 \d+ · p3 \d+ req\/s;/,
    );
  });

  it("a lead into or out of it is a rerun at this run's processes, its ratio read two-level, no command", () => {
    const cells = line(version('8.3.0', 1, { factor: { 1: 0.75, 2: slowish(4), 3: slowish(2) } }));
    const steps = consecutiveSteps({ cells, metrics: ['throughput'] });
    const leads = movementLeads({
      steps,
      packageName: 'undici',
      scenario: { concurrency: 512 },
      outlying: outlyingCells({ cells, steps }),
    });
    expect(leads.map((l) => l.kind)).toEqual(['rerun', 'rerun']);
    expect(leads.flatMap((l) => l.commands)).toEqual([]);
    expect(leads[0]?.sentence).toMatch(/, two-level: processes, then rounds\): /);
    expect(leads[0]?.sentence).not.toMatch(/paired per round|two client processes/);
    expect(leads[0]?.sentence).toMatch(
      /at least 20 rounds, 3 client processes per release, read processes then rounds as this run's step was, not a bisect\.$/,
    );
  });

  it('does not fire when every process of the cell moved: the release, not one process', () => {
    const cells = line(version('8.3.0', 0.8));
    const steps = consecutiveSteps({ cells, metrics: ['throughput'] });
    expect(steps.map((s) => s.movement)).toEqual(['down', 'up']);
    expect(outlyingCells({ cells, steps })).toEqual([]);
  });
});

describe('a flagged process in a step (finding 3)', () => {
  const cells = [version('8.0.3', 1, { flags: { 1: ['foreign-load'] } }), version('8.1.0', 1), version('8.2.0', 1)];
  const steps = consecutiveSteps({ cells, metrics: ['throughput'] });

  it('is named in the step row and makes the step exploratory', () => {
    expect(steps[0]?.flaggedProcesses).toEqual(['8.0.3 · process 1: foreign-load']);
    expect(steps[0]?.compared).toBe(false);
    const rows = sweepStepRows(steps);
    expect(rows[0]?.flagged).toBe('8.0.3 · process 1: foreign-load (in the interval; a movement exploratory)');
  });

  it('a step of clean processes is compared and names none', () => {
    expect(steps[1]?.flaggedProcesses).toBeUndefined();
    expect(steps[1]?.compared).toBe(true);
    expect(sweepStepRows(steps)[1]?.flagged).toBe('');
  });
});

describe('the ends claims read the unflagged processes (findings 3 and 7)', () => {
  const claim = (first: SweepCell, last: SweepCell) =>
    processParityClaim({
      id: 'undici-sweep-8-ends-throughput-parity',
      reference: last,
      other: first,
      metric: 'throughput',
      band: PARITY,
    });

  it('holds: every process clean, read two-level', () => {
    const v = claim(version('8.0.3', 1), version('8.14.0', 1.01));
    expect(v.outcome).toBe('holds');
    expect(v.kind).toBe('claim');
    expect(v.evidence['interval']).toBe('processes then rounds');
    expect(v.evidence['leftOut']).toBe('none');
    expect(v.claim).toMatch(/read over their unflagged processes: processes then rounds\)/);
  });

  it('fails: the first version 30 % below the last in every process', () => {
    const v = claim(version('8.0.3', 0.7), version('8.14.0', 1));
    expect(v.outcome).toBe('fails');
    expect(v.statistic?.value).toBeLessThan(0.8);
  });

  it('a flagged process is left out, and the two clean ones decide what process 1 alone could not', () => {
    const first = version('8.0.3', 1, { factor: { 1: 0.6 }, flags: { 1: ['foreign-load'] } });
    const last = version('8.14.0', 1);
    // Process 1 against process 1, as versions-0cfdd43a read it: not compared.
    const old = versionParityClaim({
      id: 'x',
      reference: last.measurement,
      other: first.measurement,
      metric: 'throughputRps',
      band: PARITY,
    });
    expect(old.outcome).toBe('unresolved');
    expect(old.evidence['comparable']).toBe(false);
    const v = claim(first, last);
    expect(v.outcome).toBe('holds');
    expect(v.evidence['interval']).toBe("each round's median over the unflagged processes, paired per round");
    expect(v.evidence['leftOut']).toBe('8.0.3 · process 1 (foreign-load)');
    expect(v.evidence['coverage']).toBeCloseTo(0.96875, 6);
    expect(v.claim).toMatch(/flagged processes left out: 8\.0\.3 · process 1 \(foreign-load\)/);
    // The same exclusion with the clean processes 30 % below: fails.
    const below = version('8.0.3', 0.7, { factor: { 1: 1.4 }, flags: { 1: ['foreign-load'] } });
    expect(claim(below, last).outcome).toBe('fails');
  });

  it('fewer than 2 unflagged processes at an end: not compared', () => {
    const first = version('8.0.3', 1, { flags: { 1: ['foreign-load'], 2: ['not-steady'] } });
    const r = processClaimRatio({ reference: version('8.14.0', 1), other: first, metric: 'throughput' });
    expect(r.reason).toMatch(/^not compared: fewer than 2 unflagged processes \(8\.0\.3 kept 1; left out: /);
    const v = claim(first, version('8.14.0', 1));
    expect(v.outcome).toBe('unresolved');
    expect(v.evidence['comparable']).toBe(false);
  });

  it('one process per cell (no processes recorded): paired per round, as before', () => {
    const one = (c: SweepCell): SweepCell => ({ line: c.line, version: c.version, measurement: c.measurement });
    const r = processClaimRatio({
      reference: one(version('8.14.0', 1)),
      other: one(version('8.0.3', 1)),
      metric: 'throughput',
    });
    expect(r.interval).toBe('paired per round (one process per cell)');
    expect(r.reason).toBeNull();
  });

  it("7b's timer-floor claim reads two-level and says so (exploratory when asked)", () => {
    const v = processParityClaim({
      id: 'seq-sweep-8-5-timer-floor',
      reference: version('8.4.1', 1),
      other: version('8.5.0', 0.06),
      metric: 'throughput',
      band: { below: 0.5 },
      kind: 'exploratory',
    });
    expect(v.outcome).toBe('holds');
    expect(v.kind).toBe('exploratory');
    expect(v.statistic?.name).toMatch(/\(processes then rounds\)$/);
    const fails = processParityClaim({
      id: 'seq-sweep-8-5-timer-floor',
      reference: version('8.4.1', 1),
      other: version('8.5.0', 0.95),
      metric: 'throughput',
      band: { below: 0.5 },
    });
    expect(fails.outcome).toBe('fails');
  });
});

describe("section 7's sockets check is the harness's own bound (finding 4)", () => {
  const cellWith = (peaks: readonly (readonly number[])[]): SweepCell => {
    const processes = peaks.map((p, i) =>
      proc(`undici@8.4.1 · process ${i + 1}`, [40000], { windowPeaks: p, peak: 2154 }),
    );
    return { line: '8.x', version: '8.4.1', measurement: processes[0] as VersionMeasurement, processes };
  };

  it('holds when every measured window saw at least C open, whatever the warm-up peak (2,154 here)', () => {
    const cells = [cellWith([[1024, 1024], [1009, 1300], [988]])];
    const v = sweepWindowSocketsSanity({ id: 's', cells, concurrency: 512 });
    expect(v.kind).toBe('sanity');
    expect(v.outcome).toBe('holds');
    expect(v.evidence['lowest window peak undici@8.4.1 · process 3']).toBe(988);
  });

  it('fails when a window held fewer sockets than requests in flight', () => {
    const v = sweepWindowSocketsSanity({ id: 's', cells: [cellWith([[1024], [400, 1024], [1024]])], concurrency: 512 });
    expect(v.outcome).toBe('fails');
    expect(v.evidence['below']).toBe('undici@8.4.1 · process 2 400');
  });

  it('is unresolved when a process recorded no per-window peak', () => {
    const v = sweepWindowSocketsSanity({ id: 's', cells: [cellWith([[1024], [], [1024]])], concurrency: 512 });
    expect(v.outcome).toBe('unresolved');
  });
});

describe('the keep-alive timeout in force, apart from the configured one (finding 8)', () => {
  const legacy = {
    keepAliveTimeoutMs: '598000 in force (not set on the Agent; undici default 4000, configured)',
    liveKeepAliveTimeoutMs: 4000,
    liveKeepAliveTimeoutValueMs: 598000,
  };
  const split = {
    keepAliveTimeoutMs: 598000,
    keepAliveTimeoutConfigured: 'not set on the Agent: undici default 4000 ms',
    liveKeepAliveTimeoutMs: 4000,
    liveKeepAliveTimeoutValueMs: 598000,
  };

  it('reads the value in force and the configured one from records before and after the split', () => {
    for (const s of [legacy, split])
      expect(undiciKeepAliveTimeout(s)).toEqual({ inForceMs: 598000, configuredMs: 4000, setOnAgent: false });
    const agent = { keepAliveTimeoutMs: 1000, liveKeepAliveTimeoutMs: 1000, liveKeepAliveTimeoutValueMs: 598000 };
    expect(undiciKeepAliveTimeout(agent)).toEqual({ inForceMs: 598000, configuredMs: 1000, setOnAgent: true });
    expect(undiciKeepAliveTimeout({})).toEqual({ inForceMs: null, configuredMs: null, setOnAgent: null });
  });

  it('prints the effective value first and labels the configured one', () => {
    const text = keepAliveTimeoutText([
      proc('a · process 1', [1], { settings: legacy }),
      proc('a · process 2', [1], { settings: split }),
    ]);
    expect(text).toMatch(
      /^Keep-alive timeout in force on the live Client \(the effective value; .*\): 598000 ms in all 2\./,
    );
    expect(text).toMatch(
      /Configured \(not in force once a hint arrived\): 4000 ms \(undici's default, not set on the Agent\) in all 2\.$/,
    );
    const mixed = keepAliveTimeoutText([
      proc('a', [1], { settings: split }),
      proc('b', [1], { settings: { ...split, liveKeepAliveTimeoutValueMs: 4000 } }),
    ]);
    expect(mixed).toMatch(/598000 ms in 1 \(a\); 4000 ms in 1 \(b\)/);
  });
});
