import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  type AtOnceMeasurement,
  agentReopens,
  agentReopensClaims,
  agentReopensText,
  allAtTarget,
  atOnceAdvice,
  blocksSteadySanity,
  cpuPredictsThroughput,
  earlierRunOf,
  exclusionOf,
  extraSocketsText,
  flaggedText,
  guardedRatioClaim,
  isRankable,
  machineShift,
  measurementRows,
  moreSocketsThanInFlight,
  poolNotLimit,
  predictionRows,
  rankable,
  reachesBound,
  shortfallText,
  socketLifecycle,
  socketRows,
  type VerdictData,
  withExclusion,
} from '@casebook/analysis';
import { medianInterval } from '@casebook/stats';
import { describe, expect, it } from 'vitest';

/**
 * The 512-at-once checks after the post-run reader of run 512-at-once-893dcc1f: one guard rule for every comparison,
 * reaches-bound eligibility decided on the CPU interval, all-512-at-target worded from the record, socket wording from
 * the counts, advice only from claims that hold. Both sides: the committed record where it holds (or is unresolved
 * for the reason the reader found), and constructed data where it must fail. No test starts a process.
 */

const repo = path.resolve(__dirname, '..');
const RUN = path.join(repo, 'results/512-at-once/512-at-once-893dcc1f');
type Bench = AtOnceMeasurement & {
  client: { name: string; settings: Record<string, unknown> };
  environment: { cpuModel: string };
};
const benches: Bench[] = fs
  .readdirSync(path.join(RUN, 'benches'))
  .sort()
  .map((f) => JSON.parse(fs.readFileSync(path.join(RUN, 'benches', f), 'utf8')) as Bench);
const at = (label: string): Bench => {
  const b = benches.find((x) => x.label === label);
  if (!b) throw new Error(`no measurement ${label} in ${RUN}`);
  return b;
};
const CLIENTS = ['undici-request', 'undici-dispatch', 'undici-fetch', 'node-fetch', 'node-http', 'axios', 'got'];
const at512 = CLIENTS.map((c) => at(`${c} @ 512`));
const at64 = CLIENTS.map((c) => at(`${c} @ 64`));
const at50 = CLIENTS.map((c) => at(`${c} @ 512, 50 ms`));
const undici = at512.slice(0, 4);
const text = (id: string) => ({ id, claim: id });

const wobble = [1, 1.04, 0.97, 1.02, 0.99, 1.01, 0.98, 1.03, 0.96];
const SATURATED = { flags: ['target-saturated'], rankable: false };

/** A measurement whose blocks have the given throughput, CPU per request and client CPU share. */
function m(
  label: string,
  rps: number,
  cpuUs: number,
  extra: { guards?: AtOnceMeasurement['guards']; target?: AtOnceMeasurement['target']; utilization?: number } = {},
): AtOnceMeasurement {
  return {
    label,
    client: { name: label },
    target: extra.target ?? { peakInFlight: 512, peakOpenConnections: 512 },
    guards: extra.guards ?? { flags: [], rankable: true },
    method: {
      blocks: wobble.map((w, round) => ({
        round,
        throughputRps: rps * w,
        cpuMicrosPerRequest: cpuUs / w,
        clientUtilization: extra.utilization ?? 0.5,
        targetCpuShare: 0.3,
      })),
      warmupCurve: [],
    },
  };
}

describe('one guard rule: a flagged measurement is shown, labelled, never compared', () => {
  it('rankable splits measurements by their guards; made without guards counts as rankable', () => {
    const ok = m('ok', 1, 1);
    const flagged = m('hot', 1, 1, { guards: SATURATED });
    const unguarded: AtOnceMeasurement = { ...m('old', 1, 1), guards: undefined };
    expect(rankable([ok, flagged, unguarded])).toEqual({ rankable: [ok, unguarded], flagged: [flagged] });
    expect(isRankable({ guards: null })).toBe(true);
    expect(flaggedText([flagged])).toBe('hot (target-saturated)');
    expect(flaggedText([])).toBe('none');
  });

  it('committed run: undici-dispatch @ 512 is flagged, and the guard rule keeps it out of every check', () => {
    expect(rankable(at512).flagged.map((r) => r.label)).toEqual(['undici-dispatch @ 512']);
    // undici-extra-sockets still holds on the three rankable undici measurements; dispatch is shown, not counted.
    const extra = moreSocketsThanInFlight(undici, 512, text('undici-extra-sockets'));
    expect(extra.outcome).toBe('holds');
    expect(String(extra.evidence['undici-dispatch'])).toMatch(/flagged: target-saturated; not counted/);
    expect(extra.evidence['undici-request']).toBe(1024);
    // The sanity read-back follows the same rule.
    expect(String(poolNotLimit(at512, 512, text('pools')).evidence['undici-dispatch'])).toMatch(/not counted/);
  });

  it('a flagged measurement cannot make a sockets claim hold, nor a ratio claim decide', () => {
    const hot = { ...m('hot', 1, 1, { guards: SATURATED }), target: { peakInFlight: 512, peakOpenConnections: 1000 } };
    expect(moreSocketsThanInFlight([hot], 512, text('s')).outcome).toBe('fails');
    expect(moreSocketsThanInFlight([hot, m('http', 1, 1)], 512, text('s')).outcome).toBe('fails');
    const v = guardedRatioClaim({ ...text('r'), a: m('a', 10_000, 50), b: hot, threshold: { below: 0.5 } });
    expect(v.outcome).toBe('unresolved');
    expect(v.evidence['flagged']).toBe('hot (target-saturated)');
    expect(
      guardedRatioClaim({ ...text('r'), a: m('a', 10_000, 50), b: m('b', 2000, 250), threshold: { below: 0.5 } })
        .outcome,
    ).toBe('holds');
  });

  it('cpu-predicts-512 leaves out a pair with a flagged side and names it; the table labels it', () => {
    const pairs = CLIENTS.map((c, i) => ({ client: c, low: at64[i] as Bench, high: at512[i] as Bench }));
    const v = cpuPredictsThroughput(pairs, { above: 0.8, below: 1.25 }, text('cpu-predicts-512'));
    expect(v.evidence['excludedFlagged']).toBe(
      'undici-request @ 64 (target-saturated); undici-dispatch @ 64 (target-saturated); undici-dispatch @ 512 (target-saturated)',
    );
    expect(v.evidence['undici-dispatch']).toBeUndefined();
    const rows = predictionRows(pairs);
    expect(rows.find((r) => r.client === 'node-http')?.flagged).toBe('none');
    expect(rows.find((r) => r.client === 'undici-dispatch')?.flagged).toMatch(/target-saturated/);
  });

  it('the measurement table marks a flagged row as not compared', () => {
    const rows = measurementRows(at512, at512[0]);
    expect(rows.find((r) => r.client === 'undici-dispatch')?.compared).toBe(false);
    expect(rows.find((r) => r.client === 'node-http')?.compared).toBe(true);
  });
});

describe('reaches-bound-50ms: eligibility on the CPU interval', () => {
  const limits = { headroom: 2, share: 0.9 };
  const pairs = CLIENTS.map((c, i) => ({ client: c, atZero: at512[i] as Bench, atL: at50[i] as Bench }));

  it('committed run: undici-request straddles the 48.8 µs cut, dispatch is flagged at 0 ms: unresolved', () => {
    const cpu = medianInterval((at('undici-request @ 512').method?.blocks ?? []).map((b) => b.cpuMicrosPerRequest));
    expect(cpu.low).toBeLessThan(1e6 / (2 * 10_240));
    expect(cpu.high).toBeGreaterThan(1e6 / (2 * 10_240));
    const b = reachesBound(pairs, 512, 50, limits, text('reaches-bound-50ms'));
    expect(b.eligible).toEqual([]);
    expect(b.undecided).toEqual(['undici-request']);
    expect(b.why['undici-dispatch']).toBe('flagged');
    expect(b.why['axios']).toBe('no-headroom');
    expect(b.verdict.outcome).toBe('unresolved');
  });

  it('holds on clearly eligible clients; an undecided client that reaches the bound does not change that', () => {
    const fast = { client: 'fast', atZero: m('fast@0', 40_000, 25), atL: m('fast@50', 9800, 60) };
    const edge = { client: 'edge', atZero: m('edge@0', 20_000, 48.8), atL: m('edge@50', 9800, 60) };
    const b = reachesBound([fast, edge], 512, 50, limits, text('b'));
    expect(b.eligible).toEqual(['fast']);
    expect(b.undecided).toEqual(['edge']);
    expect(b.verdict.outcome).toBe('holds');
  });

  it('fails when an eligible client stays below the share; unresolved when only an undecided one does', () => {
    const fast = { client: 'fast', atZero: m('fast@0', 40_000, 25), atL: m('fast@50', 9800, 60) };
    const lagging = { client: 'lag', atZero: m('lag@0', 40_000, 25), atL: m('lag@50', 7000, 60) };
    expect(reachesBound([fast, lagging], 512, 50, limits, text('b')).verdict.outcome).toBe('fails');
    const edgeLagging = { client: 'edge', atZero: m('edge@0', 20_000, 48.8), atL: m('edge@50', 7000, 60) };
    expect(reachesBound([fast, edgeLagging], 512, 50, limits, text('b')).verdict.outcome).toBe('unresolved');
    const flaggedAtZero = { ...fast, client: 'hot', atZero: m('hot@0', 40_000, 25, { guards: SATURATED }) };
    expect(reachesBound([flaggedAtZero], 512, 50, limits, text('b')).notTested).toEqual(['hot']);
  });
});

describe('all-512-at-target: what it counts, and why a client fell short, from the record', () => {
  it('committed run: fails, and axios and got fell short at a full core with 512 sockets open (CPU, not a pool)', () => {
    const { verdict, shortfalls } = allAtTarget(at50, 512, text('all-512-at-target'));
    expect(verdict.outcome).toBe('fails');
    expect(shortfalls.map((s) => [s.client, s.cause])).toEqual([
      ['axios', 'cpu'],
      ['got', 'cpu'],
    ]);
    const line = shortfallText(shortfalls, 512);
    expect(line).toMatch(/axios: at most 240 of 512 at the target, client CPU 1\.00 of its core, 512 sockets open/);
    expect(line).toMatch(/CPU, not a pool/);
  });

  it('holds when every client has all requests at the target; a pool cap is named as a pool', () => {
    expect(allAtTarget([m('a', 1, 1), m('b', 1, 1)], 512, text('t')).verdict.outcome).toBe('holds');
    const capped = m('capped', 1, 1, { target: { peakInFlight: 100, peakOpenConnections: 100 } });
    const r = allAtTarget([m('a', 1, 1), capped], 512, text('t'));
    expect(r.verdict.outcome).toBe('fails');
    expect(r.shortfalls[0]?.cause).toBe('pool');
    expect(shortfallText(r.shortfalls, 512)).toMatch(/a pool held requests back/);
  });
});

describe('the extra sockets: opened, still open, closed, from the counts', () => {
  it('committed run: some undici sockets closed between blocks, so the text does not say they stay open', () => {
    const fetch = socketLifecycle(at('undici-fetch @ 512'));
    expect(fetch).toMatchObject({ opened: 1012, peakOpen: 996, openAtEnd: 905, closed: 107, closedMeasured: 0 });
    const t = extraSocketsText(rankable(undici).rankable);
    expect(t).not.toMatch(/stayed open to the end/);
    expect(t).toMatch(/some closed between blocks/);
    expect(t).toMatch(/undici-request opened 1042 \(peak 1024\), 1024 still open at the end, 18 closed/);
  });

  it('says they stayed open only when none closed', () => {
    const kept: AtOnceMeasurement = {
      ...m('kept', 1, 1),
      method: {
        blocks: [],
        warmupCurve: [{ block: 0, index: 0, newConnections: 1000, peakOpenConnections: 1000 }],
      },
      trials: [{ target: { connectionsOpened: 0, connectionsClosed: 0, openConnections: 1000 } }],
    };
    expect(extraSocketsText([kept])).toMatch(/stayed open to the end of the run: kept opened 1000/);
  });
});

describe('advice only from claims that hold', () => {
  const facts = {
    concurrency: 512,
    fetchVsRequest: medianInterval([3, 3.1, 2.9, 3.05, 2.95, 3, 3.02, 2.98]),
    axiosVsHttp: 0.28,
    gotVsHttp: 0.27,
    maxUndiciSockets: 1024,
    dedicatedAgents: [{ client: 'node-http', maxFreeSockets: 256 }],
  };
  const v = (id: string, outcome: VerdictData['outcome'], kind: VerdictData['kind'] = 'claim'): VerdictData =>
    outcome === 'holds'
      ? { id, claim: id, kind, outcome, holds: true, evidence: {} }
      : { id, claim: id, kind, outcome, holds: false, evidence: {} };

  it('committed verdicts: no maxFreeSockets advice (agent-reopens does not hold; the idle-timeout one is exploratory)', () => {
    const record = JSON.parse(fs.readFileSync(path.join(RUN, 'record.json'), 'utf8')) as { verdicts: VerdictData[] };
    const advice = atOnceAdvice(record.verdicts, facts);
    expect(advice).not.toMatch(/maxFreeSockets/);
    expect(advice).toMatch(/`agent-reopens` \(does not hold\)/);
    expect(advice).toMatch(/exploratory.*`agent-reopens-idle-timeout`/);
    expect(advice).toMatch(/prefer undici `request`/);
  });

  it('the maxFreeSockets advice appears when agent-reopens-node-http holds, and a failed claim gives none', () => {
    expect(atOnceAdvice([v('agent-reopens-node-http', 'holds')], facts)).toMatch(/node-http: with bursts above 256/);
    expect(atOnceAdvice([v('agent-reopens-axios', 'holds')], facts)).not.toMatch(/maxFreeSockets/);
    const failed = atOnceAdvice([v('fetch-costs-more', 'fails'), v('undici-extra-sockets', 'unresolved')], facts);
    expect(failed).not.toMatch(/prefer undici|cap undici/);
    expect(failed).toMatch(/`fetch-costs-more` \(does not hold\), `undici-extra-sockets` \(unresolved\)/);
  });
});

describe('request-http-equivalent across machines, computed from both records', () => {
  const earlier = earlierRunOf(
    JSON.parse(fs.readFileSync(path.join(repo, 'results/512-at-once/512-at-once-71332667/record.json'), 'utf8')),
  );

  it('names both machines and the CPU factors: node:http ×1.93, undici request ×1.20', () => {
    const http = at('node-http @ 512');
    const line = machineShift(
      earlier,
      { runId: '512-at-once-893dcc1f', cpuModel: http.environment.cpuModel, a: at('undici-request @ 512'), b: http },
      { concurrency: 512, delayMs: 0 },
    );
    expect(line).toMatch(/1\.04 in the earlier run `512-at-once-71332667` \(Intel\(R\) Xeon\(R\) Processor/);
    expect(line).toMatch(/0\.65 in this run `512-at-once-893dcc1f` \(AMD EPYC/);
    expect(line).toMatch(/node-http 38\.3 → 73\.9 µs \(×1\.93\)/);
    expect(line).toMatch(/undici-request 39\.6 → 47\.4 µs \(×1\.20\)/);
  });

  it('refuses a record without the fields it needs, naming the field; says so when a client is missing', () => {
    expect(() => earlierRunOf({ runId: 'x', environment: {}, measurements: [] })).toThrow(/environment\.cpuModel/);
    const line = machineShift(
      { runId: 'r', cpuModel: 'c', measurements: [] },
      { runId: 's', cpuModel: 'd', a: m('a', 1, 1), b: m('b', 1, 1) },
      { concurrency: 512, delayMs: 0 },
    );
    expect(line).toMatch(/has no measurement of both clients/);
  });
});

describe('sanity checks and tables', () => {
  it('blocks-steady is a sanity check that fails when a block was not steady', () => {
    expect(blocksSteadySanity(benches as unknown as Parameters<typeof blocksSteadySanity>[0])).toMatchObject({
      kind: 'sanity',
      outcome: 'holds',
    });
    expect(blocksSteadySanity([{ label: 'x', method: { blocks: [{ steady: false }] } }]).outcome).toBe('fails');
  });

  it('socket rows read the Agent settings from the live client and its idle timeout after the hint', () => {
    const rows = socketRows(at512, 120);
    expect(rows.find((r) => r.client === 'node-http')).toMatchObject({ maxFreeSockets: 256, idleTimeoutMs: 0 });
    expect(rows.find((r) => r.client === 'axios')).toMatchObject({ maxFreeSockets: 256, idleTimeoutMs: 5000 });
    expect(rows.find((r) => r.client === 'undici-request')?.maxFreeSockets).toBeNull();
    expect(rows.find((r) => r.client === 'undici-dispatch')?.flags).toBe('target-saturated');
  });
});

describe('agent-reopens, one claim per Agent: predicted from (pause > effective idle timeout), counted per block', () => {
  const AFC = path.join(repo, 'results/512-at-once/512-at-once-afc9a185');
  const afc: Bench[] = fs
    .readdirSync(path.join(AFC, 'benches'))
    .sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(AFC, 'benches', f), 'utf8')) as Bench)
    .filter((b) => b.label.endsWith('@ 512'));
  const afcRows = socketRows(afc, 120);

  it('committed run afc9a185: one claim per Agent client (node-http dedicated, axios and got global), none for undici', () => {
    const rows = afcRows.filter((r) => r.maxFreeSockets !== null);
    expect(rows.map((r) => [r.client, r.agent, r.idleTimeoutMs])).toEqual([
      ['node-http', 'dedicated Agent', 0],
      ['axios', 'global agent', 5000],
      ['got', 'global agent', 5000],
    ]);
    const claims = agentReopensClaims(afc, afcRows, 512);
    expect(claims.map((c) => [c.id, c.outcome])).toEqual([
      // node-http @ 512 is target-saturated there: it decides nothing.
      ['agent-reopens-node-http', 'unresolved'],
      // Every axios/got pause was longer than 5 s: only the reopen side was seen, so the two-sided rule is untested.
      ['agent-reopens-axios', 'unresolved'],
      ['agent-reopens-got', 'unresolved'],
    ]);
    expect(claims[1]?.evidence['untestedSide']).toBe('keep');
    // Every axios/got pause was longer than 5 s (got's shortest, 5.1 s, too): every block reopened all 512.
    expect(claims[2]?.evidence['perBlock']).toMatch(/r2: pause 5\.1 s → reopen \(512\), opened 512/);
    expect(claims[1]?.evidence).toMatchObject({ blocksPredictedReopen: 7, blocksPredictedKeep: 0, mismatches: 0 });
    expect(claims[0]?.evidence['flagged']).toBe('node-http @ 512 (target-saturated)');
  });

  it('counts the whole block, not its first window: node-http reopened 84 + 172 = 256 in its third block', () => {
    const http = afc.find((b) => b.client.name === 'node-http') as Bench;
    expect(afcRows.find((r) => r.client === 'node-http')?.reopened).toBe('256, 256, 256, 256, 256, 256, 256');
    const unflagged = { ...http, guards: { flags: [], rankable: true } };
    const v = agentReopens(unflagged, 512, { maxFreeSockets: 256, idleTimeoutMs: 0 }, text('agent-reopens-node-http'));
    expect(v.outcome).toBe('holds');
    expect(v.evidence).toMatchObject({ blocksPredictedReopen: 0, blocksPredictedKeep: 7 });
  });

  /** Blocks of 3 s with the given pauses before blocks 1, 2, …, and the sockets each later block opened. */
  function paused(pausesMs: readonly number[], opened: readonly number[]): AtOnceMeasurement {
    let t = 0;
    const blocks = [0, ...pausesMs].map((pause, round) => {
      t += pause;
      const b = {
        round,
        startMs: t,
        endMs: t + 3000,
        throughputRps: 1,
        cpuMicrosPerRequest: 1,
        clientUtilization: 1,
        targetCpuShare: 0.3,
      };
      t += 3000;
      return b;
    });
    // Opened sockets split over a warm-up window and a measured window, as the target counts them.
    const counts = [512, ...opened];
    return {
      ...m('agent', 1, 1),
      method: {
        blocks,
        warmupCurve: counts.map((n, block) => ({ block, index: 0, newConnections: n - Math.floor(n / 3) })),
      },
      trials: counts.map((n, block) => ({
        block,
        target: { connectionsOpened: Math.floor(n / 3), connectionsClosed: 0, openConnections: 512 },
      })),
    };
  }
  const globalAgent = { maxFreeSockets: 256, idleTimeoutMs: 5000 };
  const dedicated = { maxFreeSockets: 256, idleTimeoutMs: 0 };

  it('holds where every block agrees: keep (256) after a short pause, reopen (512) after a long one', () => {
    const v = agentReopens(paused([3000, 8000, 4000], [256, 512, 256]), 512, globalAgent, text('a'));
    expect(v.outcome).toBe('holds');
    expect(v.evidence).toMatchObject({ blocksPredictedReopen: 1, blocksPredictedKeep: 2, mismatches: 0 });
    expect(agentReopens(paused([30_000, 90_000], [256, 256]), 512, dedicated, text('a')).outcome).toBe('holds');
  });

  it('fails when a block whose pause was shorter than the timeout reopened anyway', () => {
    const v = agentReopens(paused([3000, 8000], [512, 512]), 512, globalAgent, text('a'));
    expect(v.outcome).toBe('fails');
    expect(v.evidence['perBlock']).toMatch(/r1: pause 3\.0 s → keep \(256\), opened 512/);
    // With no idle timeout, any reopening of the kept sockets fails.
    expect(agentReopens(paused([30_000], [512]), 512, dedicated, text('a')).outcome).toBe('fails');
  });

  it('fails when a pause longer than the timeout kept sockets; a pause equal to it predicts keep', () => {
    expect(agentReopens(paused([8000], [256]), 512, globalAgent, text('a')).outcome).toBe('fails');
    expect(agentReopens(paused([5000, 8000], [256, 512]), 512, globalAgent, text('a')).outcome).toBe('holds');
  });

  it('is unresolved, naming the untested side, when a rule with a timeout saw only one side and no mismatch', () => {
    const onlyReopens = agentReopens(paused([8000, 9000], [512, 512]), 512, globalAgent, text('a'));
    expect(onlyReopens.outcome).toBe('unresolved');
    expect(onlyReopens.evidence['untestedSide']).toBe('keep');
    const onlyKeeps = agentReopens(paused([3000, 4000], [256, 256]), 512, globalAgent, text('a'));
    expect(onlyKeeps.outcome).toBe('unresolved');
    expect(onlyKeeps.evidence['untestedSide']).toBe('reopen');
    // A mismatch on the side that was seen still fails; with no timeout there is one side only.
    expect(agentReopens(paused([8000, 9000], [512, 256]), 512, globalAgent, text('a')).outcome).toBe('fails');
  });

  it('is unresolved when the measurement is flagged or has no block after the first', () => {
    const hot = { ...paused([8000], [512]), guards: SATURATED };
    expect(agentReopens(hot, 512, globalAgent, text('a')).outcome).toBe('unresolved');
    expect(agentReopens(paused([], []), 512, globalAgent, text('a')).outcome).toBe('unresolved');
  });

  it('states the threshold and the live values in the claim text', () => {
    const g = agentReopensText(
      { client: 'axios', agent: 'global agent', maxFreeSockets: 256, idleTimeoutMs: 5000 },
      512,
    );
    expect(g.id).toBe('agent-reopens-axios');
    expect(g.claim).toMatch(
      /global agent.*effective idle timeout 5000 ms.*opens all 512 if the pause before it was longer than the idle timeout.*exactly 512 − 256 = 256/,
    );
    const d = agentReopensText(
      { client: 'node-http', agent: 'dedicated Agent', maxFreeSockets: 256, idleTimeoutMs: 0 },
      512,
    );
    expect(d.claim).toMatch(/effective idle timeout none.*exactly 512 − 256 = 256.*whatever the pause/);
  });
});

describe('flagged rows are marked for the charts', () => {
  it('exclusionOf names the flags of measurements that are not rankable, and is empty otherwise', () => {
    expect(exclusionOf([m('a', 1, 1), m('b', 1, 1, { guards: SATURATED })])).toBe('target-saturated');
    expect(exclusionOf([m('a', 1, 1)])).toBe('');
    expect(exclusionOf([m('c', 1, 1, { guards: { flags: [], rankable: false } })])).toBe('not rankable');
  });

  it('committed run 893dcc1f: the prediction point and the bar of undici-dispatch carry target-saturated', () => {
    const pairs = CLIENTS.map((c, i) => ({ client: c, low: at64[i] as Bench, high: at512[i] as Bench }));
    const rows = predictionRows(pairs);
    expect(rows.find((r) => r.client === 'undici-dispatch')?.excludedBy).toBe('target-saturated');
    expect(rows.find((r) => r.client === 'node-http')?.excludedBy).toBe('');
    const bars = withExclusion(measurementRows(at512, at512[0]), at512);
    expect(bars.filter((r) => r.excludedBy !== '').map((r) => r.client)).toEqual(['undici-dispatch']);
  });
});
