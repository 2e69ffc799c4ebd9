import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  type AnyRecord,
  type BenchRecord,
  type BisectRecord,
  CASEBOOK_CODES,
  type CaseStudyRecord,
  type Correction,
  correctionFor,
  type DnsRunRecord,
  type Environment,
  generateSchemaFiles,
  type HarnessOverheadRecord,
  isCasebookCode,
  RECORD_SCHEMAS,
  RecordError,
  type ReproductionRecord,
  readCorrections,
  readRecord,
  runOutcome,
  runStatus,
  SCHEMA_VERSION,
  schemaDigest,
  schemaDir,
  type TrialSummary,
  validateRecord,
  writeRecord,
} from '@casebook/results';
import { afterAll, describe, expect, test } from 'vitest';

/**
 * The record schemas: the committed JSON Schemas match the TypeBox ones and cannot change without a version bump,
 * both sides of validation (a valid record of each kind passes; a wrong, missing or extra field fails naming its
 * path), the schemaVersion 1 migration, the corrections index, and the error-code registry against the source tree
 * and the README.
 */

const REPO = path.resolve(__dirname, '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'casebook-schema-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/**
 * sha256 of the generated JSON Schemas, per schemaVersion. Frozen: a change to a record schema changes the digest,
 * and must come with a new SCHEMA_VERSION, a migration from the previous one, regenerated files and a new entry here.
 */
const SCHEMA_DIGESTS: Readonly<Record<number, string>> = Object.freeze({
  2: '58f4aed2469e683a9d82cd7ae5553662bc4a1257c43a1631dfad3bdef8be86f4',
  3: 'ca0dfaaac7cc00333acc7c1f45cc829c894b70d1c4b1441196183e92402db1b5',
  // Re-pinned in place for the reproduction summary's optional decided counts, again for the `bisect` record kind, and
  // again for the foreign client's optional minWindowRequests, and for the steady-state method's optional minimums
  // and guard tolerances (steadiness.minWarmupRequests and minMeasuredRequests, interleave.maxUnsteadyShare and
  // maxErrorShare), and for the bisect record's optional status and error (a bisect that stopped before its end), and
  // for the foreign client's optional fastAcquire and the bisect record's optional processes per version (design,
  // per-process values, disagreements; 6 December 2026), and for the seed bench's optional gather guards and per-batch
  // pool counters (6 December 2026, the rules after seed-e65a2755):
  // additive, every v4 record written before them still validates (as 2 was re-pinned for additive changes), so no
  // new version and no migration (an older record claiming a kind new in 4 is refused, below).
  4: '73faa4e87958cda7a3ee3036b1ae2c480362937e2e61d5a1263215ca1a4378f4',
});

// ---------------------------------------------------------------------------------------------------------------
// Records built by hand, one per kind

const spread = (x: number): TrialSummary => ({
  n: 1,
  median: x,
  mean: x,
  min: x,
  max: x,
  stdev: 0,
  ci95: [x, x],
  relativeSpread: 0,
});

const latency = { count: 10, meanMs: 1, p50: 1, p90: 1.5, p99: 2, p999: 2, maxMs: 2, minMs: 0.5 };

const environment: Environment = {
  node: 'v24.0.0',
  v8: '13.6',
  platform: 'linux',
  arch: 'x64',
  osRelease: '6.1.0',
  cpuModel: 'Test CPU',
  cpuCores: 2,
  totalMemoryBytes: 8 * 1024 ** 3,
  machineId: '0123456789abcdef',
  machineIdPersistent: true,
  uvThreadpoolSize: null,
  pinning: { method: 'taskset', reason: 'test', clientCpu: 0, targetCpu: 1, others: { proxy: 1 } },
  clientVersions: { undici: '8.0.0' },
  git: { commit: 'a'.repeat(40), dirty: false },
  limits: {
    openFilesSoft: 1024,
    openFilesHard: 524_288,
    openFilesForChildren: 524_288,
    ephemeralPorts: [32768, 60999],
  },
};

const targetCounters = {
  connectionsOpened: 1,
  connectionsClosed: 0,
  openConnections: 1,
  peakOpenConnections: 1,
  requests: 10,
  responses: 10,
  inFlight: 0,
  peakInFlight: 1,
  reusedConnectionRequests: 9,
  cpuMicros: 1000,
};

const phase = {
  sent: 10,
  ok: 10,
  errors: { total: 0, byCode: {} },
  errorSamples: {},
  durationMs: 10,
  cpuUserMicros: 500,
  cpuSystemMicros: 100,
  eventLoopUtilization: 0.5,
  clientPeakInFlight: 1,
  protocols: { 'http/1.1': 10 },
};

const params: BenchRecord['params'] = {
  client: 'undici-request',
  load: {
    mode: 'closed',
    concurrency: 1,
    rateRps: null,
    requests: 10,
    durationMs: null,
    path: '/',
    expectedBodyBytes: 64,
    expectedStatus: 200,
    queueTiming: false,
    idleBeforeTrialMs: 0,
  },
  trials: 1,
  warmupRequests: 0,
  trialTimeoutMs: 300_000,
  clientOptions: {
    connections: null,
    keepAlive: true,
    pipelining: 1,
    connectTimeoutMs: null,
    requestTimeoutMs: null,
    tls: null,
    protocol: 'default',
    lookup: { strategy: 'system' },
    tlsSessionCacheSize: null,
    clientPerRequest: false,
    connectDelayMs: 0,
  },
  target: {
    protocol: 'http/1.1',
    host: '127.0.0.1',
    delayMs: 0,
    bodyBytes: 64,
    status: 200,
    keepAliveTimeoutMs: 5000,
    stallEveryMs: 0,
    stallForMs: 0,
    slowEvery: 0,
    slowDelayMs: 0,
    backlog: 4096,
    tls: null,
  },
  caseStudy: 'bench',
  label: 'undici-request',
  faults: { killTargetAfterMs: null },
};

function benchRecord(): BenchRecord {
  return {
    schemaVersion: SCHEMA_VERSION,
    kind: 'bench',
    runId: 'bench-0000abcd',
    ...runOutcome(null, { done: 1, planned: 1 }),
    caseStudy: 'bench',
    label: 'undici-request',
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:01.000Z',
    params,
    environment,
    client: {
      name: 'undici-request',
      packageName: 'undici',
      version: '8.0.0',
      sourceUrl: 'https://example.org',
      settings: { connections: null, requested: { keepAlive: true } },
    },
    throughputRps: 1000,
    throughputSpread: spread(1000),
    latencyMs: latency,
    p99Spread: spread(2),
    errors: { total: 0, byCode: {} },
    errorSamples: {},
    cpuMicrosPerRequest: 60,
    cpuSpread: spread(60),
    eventLoopUtilization: 0.5,
    target: {
      pid: 123,
      cpu: 1,
      connectionsOpened: 1,
      connectionsOpenedWarmup: 0,
      connectionsOpenedMeasured: 1,
      peakOpenConnections: 1,
      peakInFlight: 1,
      requests: 10,
      cpuMicrosPerRequest: 100,
    },
    warmup: { ...phase, target: targetCounters },
    trials: [
      {
        ...phase,
        histogram: 'HISTFAAAAA',
        index: 0,
        throughputRps: 1000,
        latencyMs: latency,
        cpuMicrosPerRequest: 60,
        target: targetCounters,
      },
    ],
  };
}

/** The same measurement by a foreign (Python) client: `language` in params, the interpreter in the client block. */
function foreignBenchRecord(): BenchRecord {
  const r = benchRecord();
  return {
    ...r,
    params: { ...r.params, client: 'httpx', language: 'python' },
    client: {
      name: 'python-httpx',
      packageName: 'httpx',
      version: '0.28.1',
      sourceUrl: 'https://example.org',
      settings: {},
      language: 'python',
      foreign: 'httpx',
      versions: { python: '3.12.0', httpx: '0.28.1', h2: null },
      python: '/usr/bin/python3',
    },
  };
}

function caseStudyRecord(): CaseStudyRecord {
  return {
    schemaVersion: SCHEMA_VERSION,
    kind: 'case-study',
    runId: '512-at-once-0000abcd',
    ...runOutcome(null, { done: 1, planned: null }),
    caseStudy: '512-at-once',
    title: '512 at once',
    notebook: 'notebooks/01-512-at-once.ipynb',
    profile: 'smoke',
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:01:00.000Z',
    parameters: { concurrency: 512, settings: { trials: 1 } },
    environment,
    measurements: [
      {
        label: 'undici-request',
        runId: '512-at-once-1111abcd',
        ...runStatus(null),
        file: 'results/512-at-once/512-at-once-0000abcd/benches/001-undici-request.json',
        client: 'undici-request',
        clientVersion: '8.0.0',
        mode: 'closed',
        concurrency: 512,
        rateRps: null,
        connections: null,
        delayMs: 0,
        throughputRps: 1000,
        throughputMin: 990,
        throughputMax: 1010,
        p50Ms: 1,
        p99Ms: 2,
        cpuMicrosPerRequest: 60,
        errors: 0,
        errorsByCode: {},
        targetConnectionsOpened: 512,
        targetConnectionsOpenedWarmup: 512,
        targetPeakOpenConnections: 512,
      },
    ],
    verdicts: [
      {
        id: 'fastest',
        claim: 'undici-request is fastest',
        kind: 'claim',
        outcome: 'holds',
        holds: true,
        evidence: { ratio: 1.5, client: 'undici-request', significant: true, note: null },
        statistic: { name: 'throughput ratio', value: 1.5, ci95: [1.4, 1.6] },
      },
      {
        id: 'no-errors',
        claim: 'no request failed',
        kind: 'sanity',
        outcome: 'unresolved',
        holds: false,
        evidence: {},
      },
    ],
    charts: [{ name: 'c', alt: 'a chart', png: 'c.png', svg: 'c.svg', spec: 'c.vl.json' }],
    notes: { anything: [1, { nested: true }] },
  };
}

function harnessOverheadRecord(): HarnessOverheadRecord {
  return {
    schemaVersion: SCHEMA_VERSION,
    kind: 'harness-overhead',
    runId: 'harness-overhead-0000abcd',
    createdAt: '2026-01-01T00:00:00.000Z',
    params: { ...params, caseStudy: 'harness-overhead' },
    runnerRps: spread(990),
    bareLoopRps: spread(1000),
    ratio: 0.99,
    requirement: 'ratio ≥ 0.97',
    meetsRequirement: true,
    runnerCpuMicrosPerRequest: spread(61),
    bareLoopCpuMicrosPerRequest: spread(60),
    cpuOverheadRatio: 1.016,
    rawRunnerRps: [990],
    rawBareLoopRps: [1000],
  };
}

function dnsRunRecord(): DnsRunRecord {
  return {
    schemaVersion: SCHEMA_VERSION,
    kind: 'dns-run',
    runId: 'dns-0000abcd',
    ...runOutcome({ code: 'CASEBOOK_CLIENT_EXITED', message: 'client process exited' }, { done: 1, planned: 2 }),
    caseStudy: 'dns',
    label: 'got burst',
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:05.000Z',
    environment,
    job: {
      kind: 'burst',
      client: 'got',
      origin: 'http://svc.lab.test:8080',
      path: '/',
      clientOptions: { ...params.clientOptions, lookup: { strategy: 'cares', servers: ['127.0.53.1'], tries: 1 } },
      requests: 8,
      rounds: 2,
      gapMs: 0,
    },
    placement: 'plain',
    threadpoolSize: null,
    resolvConf: null,
    settings: {},
    rounds: [
      {
        index: 0,
        durationMs: 12,
        ok: 7,
        errors: { ENOTFOUND: 1 },
        errorSamples: { ENOTFOUND: 'getaddrinfo ENOTFOUND' },
        outcomes: [{ startMs: 0, endMs: 10, ok: false, code: 'ENOTFOUND' }],
        perfDns: { count: 1, durationsMs: [5] },
        server: {
          queries: 2,
          byNameType: { 'svc.lab.test A': 1 },
          foreignQueries: 0,
          foreignNames: [],
          pending: 0,
          peakPending: 1,
          aArrivalsMs: [0.5],
          sourcePorts: 1,
        },
      },
    ],
  };
}

function reproductionRecord(): ReproductionRecord {
  return {
    schemaVersion: SCHEMA_VERSION,
    kind: 'reproduction',
    runId: '512-at-once-0000abcd-repro-0000beef',
    createdAt: '2026-01-02T00:00:00.000Z',
    original: {
      runId: '512-at-once-0000abcd',
      caseStudy: '512-at-once',
      profile: 'standard',
      commit: 'a'.repeat(40),
      machineId: '0123456789abcdef',
    },
    reproducedRunId: '512-at-once-1111abcd',
    environment,
    environmentDiff: [{ field: 'cpuModel', original: 'Test CPU', reproduced: 'Other CPU' }],
    claims: [
      {
        id: 'undici-fastest',
        kind: 'claim',
        original: 'holds',
        reproduced: 'fails',
        status: 'not-reproduced',
        originalEvidence: 'ratio 1.4 (CI 1.3–1.5)',
        reproducedEvidence: 'ratio 0.9 (CI 0.8–1.0)',
      },
      {
        id: 'no-errors',
        kind: 'sanity',
        original: 'holds',
        reproduced: 'missing',
        status: 'missing',
        originalEvidence: '',
        reproducedEvidence: '',
      },
    ],
    drift: [
      { measurement: 'undici-request', metric: 'throughputRps', original: 10_000, reproduced: 5000, ratio: 0.5 },
      { measurement: 'got', metric: 'ratioToReference', original: null, reproduced: 0.4, ratio: null },
    ],
    summary: { claims: 1, reproduced: 0, notReproduced: 1, missing: 0 },
  };
}

function bisectRecord(): BisectRecord {
  const ratio = { median: 1.14, low: 1.1, high: 1.19, coverage: 0.979 };
  return {
    schemaVersion: SCHEMA_VERSION,
    kind: 'bisect',
    runId: 'bisect-0000beef',
    createdAt: '2026-12-01T00:00:00.000Z',
    package: 'undici',
    client: 'undici-request',
    metric: { name: 'throughput', text: 'throughput', unit: 'req/s', better: 'higher' },
    good: { version: '8.4.1', publishedAt: '2026-06-08T18:33:19.086Z' },
    bad: { version: '8.5.0', publishedAt: '2026-06-15T21:02:03.765Z' },
    line: { kind: 'same-line', goodMajor: 8, badMajor: 8, firstOfBadLine: null },
    candidates: [
      { version: '8.4.1', publishedAt: '2026-06-08T18:33:19.086Z' },
      { version: '8.5.0', publishedAt: '2026-06-15T21:02:03.765Z' },
    ],
    excluded: [],
    scenario: { concurrency: 32, requests: 2000, trials: 1, node: 'workspace' },
    profile: 'smoke',
    seed: 1,
    rounds: { screen: 6, step: 6, confirm: 12 },
    screen: ['8.4.1', '8.5.0'],
    steps: [
      {
        index: 1,
        purpose: 'screen',
        versions: ['8.4.1', '8.5.0'],
        rounds: 6,
        seed: 1,
        folder: 'steps/01-screen',
        runIds: ['bench-0000aaaa'],
        measurements: [
          { version: '8.4.1', values: [100, 101, null], median: 100.5 },
          { version: '8.5.0', values: [88, 89, null], median: 88.5 },
        ],
        ratios: [{ older: '8.4.1', newer: '8.5.0', ratio, compared: false, movement: null }],
        outcome: 'no movement resolved',
      },
    ],
    boundaries: [
      {
        older: '8.4.1',
        newer: '8.5.0',
        movement: 'down',
        direction: 'regressed',
        lineBoundary: false,
        foundInStep: 1,
        foundRatio: ratio,
        confirmation: { step: 2, ratio: { median: null, low: null, high: null, coverage: 0 }, confirmed: false },
        sentence: 'undici-request throughput regressed between undici 8.4.1 and 8.5.0 by 12.3 % (95 % CI …)',
        compareUrl: 'https://github.com/nodejs/undici/compare/v8.4.1...v8.5.0',
        releaseUrl: 'https://github.com/nodejs/undici/releases/tag/v8.5.0',
      },
    ],
    unresolved: [],
    nonMonotonic: false,
    runs: 2,
    maxRuns: 8,
    summary: '## undici bisect\n',
    reproduce: { command: 'npx casebook bisect --package undici', args: ['bisect', '--package', 'undici'] },
    environment,
  };
}

const VALID: Record<string, () => AnyRecord> = {
  bench: benchRecord,
  'foreign bench': foreignBenchRecord,
  'case-study': caseStudyRecord,
  'harness-overhead': harnessOverheadRecord,
  'dns-run': dnsRunRecord,
  reproduction: reproductionRecord,
  bisect: bisectRecord,
  'bisect, interrupted (status and error added to v4 as optional fields)': () => ({
    ...bisectRecord(),
    status: 'interrupted',
    error: { code: 'CASEBOOK_INTERRUPTED', message: 'SIGINT during step 2 (search of 8.4.1, 8.5.0, 6 rounds)' },
  }),
  'bisect, errored': () => ({
    ...bisectRecord(),
    status: 'errored',
    error: { code: 'CASEBOOK_RUN', message: 'step 2 (search of 8.4.1, 8.5.0, 6 rounds) failed: no record' },
  }),
  'bisect, completed with its status': () => ({ ...bisectRecord(), status: 'completed', error: null }),
  'reproduction with the decided counts': () => ({
    ...reproductionRecord(),
    summary: {
      claims: 1,
      reproduced: 0,
      notReproduced: 1,
      missing: 0,
      decided: 1,
      decidedReproduced: 0,
      undecided: 0,
      undecidedDecidedHere: 0,
    },
  }),
};

/** A deep copy as plain JSON, to mutate freely (unknown: the mutations are what the types forbid). */
const json = (value: unknown): Record<string, unknown> => JSON.parse(JSON.stringify(value));

function refusal(value: unknown): RecordError {
  try {
    validateRecord(value);
  } catch (error) {
    expect(error).toBeInstanceOf(RecordError);
    if (error instanceof RecordError) return error;
  }
  throw new Error(`expected ${JSON.stringify(value).slice(0, 100)} to be refused`);
}

// ---------------------------------------------------------------------------------------------------------------

describe('committed JSON Schemas', () => {
  test('results/schema/v<N>/ holds exactly the schemas generated from the TypeBox ones', () => {
    const dir = path.join(REPO, schemaDir());
    const generated = generateSchemaFiles();
    expect(fs.readdirSync(dir).sort()).toEqual([...generated.keys()].sort());
    for (const [name, text] of generated) {
      expect(
        fs.readFileSync(path.join(dir, name), 'utf8'),
        `${name} is stale: run npm run schema:write -w @casebook/results`,
      ).toBe(text);
    }
    expect([...generated.keys()]).toEqual(
      expect.arrayContaining([...Object.keys(RECORD_SCHEMAS), 'corrections'].map((k) => `${k}.schema.json`)),
    );
  });

  test('a schema change comes with a schemaVersion bump', () => {
    const pinned = SCHEMA_DIGESTS[SCHEMA_VERSION];
    expect(
      schemaDigest(),
      pinned === undefined
        ? `no digest pinned for schemaVersion ${SCHEMA_VERSION}: add it to SCHEMA_DIGESTS`
        : 'the record schema changed: bump SCHEMA_VERSION, add a migration, regenerate results/schema',
    ).toBe(pinned);
  });

  test('each file, with its $refs expanded, is the TypeBox schema (definitions lose nothing)', () => {
    for (const [name, text] of generateSchemaFiles()) {
      const document = JSON.parse(text) as Record<string, unknown>;
      const definitions = (document['definitions'] ?? {}) as Record<string, unknown>;
      const expand = (node: unknown): unknown => {
        if (Array.isArray(node)) return node.map(expand);
        if (typeof node !== 'object' || node === null) return node;
        const ref = (node as { $ref?: unknown }).$ref;
        if (typeof ref === 'string') return expand(definitions[ref.replace('#/definitions/', '')]);
        return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, expand(v)]));
      };
      const { $schema: _s, $comment: _c, definitions: _d, ...root } = document;
      const kind = name.replace('.schema.json', '');
      const source = kind === 'corrections' ? null : RECORD_SCHEMAS[kind as keyof typeof RECORD_SCHEMAS];
      if (source) expect(expand(root)).toEqual(JSON.parse(JSON.stringify(source)));
    }
  });
});

describe('validation: valid records pass', () => {
  for (const [name, make] of Object.entries(VALID)) {
    test(`${name}: validateRecord accepts it; writeRecord then readRecord gives it back`, () => {
      const record = make();
      expect(validateRecord(json(record))).toEqual(json(record));
      const file = path.join(tmp, 'valid', `${name.replace(/ /g, '-')}.json`);
      writeRecord(file, record);
      expect(readRecord(file)).toEqual(json(record));
      expect(fs.readdirSync(path.dirname(file)).filter((f) => !f.endsWith('.json'))).toEqual([]);
    });
  }

  test('an errored bench keeps the trials it completed; an interrupted one says so', () => {
    const errored = {
      ...benchRecord(),
      ...runOutcome({ code: 'CASEBOOK_TARGET_EXITED', message: 'gone' }, { done: 1, planned: 3 }),
    };
    expect(validateRecord(json(errored))).toMatchObject({ status: 'errored', completedParts: { done: 1, planned: 3 } });
    const interrupted = {
      ...benchRecord(),
      ...runOutcome({ code: 'CASEBOOK_INTERRUPTED', message: 'SIGINT' }, { done: 0, planned: 3 }),
    };
    expect(validateRecord(json(interrupted))).toMatchObject({
      status: 'interrupted',
      error: { code: 'CASEBOOK_INTERRUPTED' },
    });
  });
});

describe('validation: invalid records fail naming the JSON path', () => {
  const cases: [string, () => unknown, RegExp][] = [
    [
      'wrong type',
      () => {
        const r = json(benchRecord());
        (r['trials'] as Record<string, unknown>[])[0]!['throughputRps'] = 'x';
        return r;
      },
      /\/trials\/0\/throughputRps: expected number, got "x"/,
    ],
    [
      'missing field',
      () => {
        const r = json(benchRecord());
        delete r['latencyMs'];
        return r;
      },
      /\/latencyMs: missing/,
    ],
    ['extra field', () => ({ ...json(benchRecord()), throughputRPS: 1 }), /\/throughputRPS: unexpected field/],
    [
      'misspelt nested field',
      () => {
        const r = json(benchRecord());
        const target = (r['params'] as Record<string, Record<string, unknown>>)['target']!;
        target['delayMS'] = target['delayMs'];
        delete target['delayMs'];
        return r;
      },
      /\/params\/target\/delayMs: missing|\/params\/target\/delayMS: unexpected field/,
    ],
    [
      'status completed with an error',
      () => ({ ...json(benchRecord()), error: { code: 'CASEBOOK_RUN', message: 'x' } }),
      /\/error: expected null/,
    ],
    [
      'status errored without an error',
      () => ({ ...json(benchRecord()), status: 'errored' }),
      /\/error: expected object, got null/,
    ],
    [
      'an unknown status',
      () => ({ ...json(benchRecord()), status: 'done' }),
      /\/status: expected one of "completed", "errored", "interrupted", got "done"/,
    ],
    [
      'interrupted with another code',
      () => ({ ...json(benchRecord()), status: 'interrupted', error: { code: 'CASEBOOK_RUN', message: 'x' } }),
      /\/error\/code: expected "CASEBOOK_INTERRUPTED", got "CASEBOOK_RUN"/,
    ],
    [
      'a bisect with an unknown status',
      () => ({ ...json(bisectRecord()), status: 'aborted', error: null }),
      /\/status: expected one of "completed", "interrupted", "errored", got "aborted"/,
    ],
    [
      'a bisect whose error has no code',
      () => ({ ...json(bisectRecord()), status: 'errored', error: { message: 'x' } }),
      /\/error\/code: missing/,
    ],
    [
      'unknown kind',
      () => ({ ...json(benchRecord()), kind: 'benchmark' }),
      /\/kind: expected one of "bench", "case-study".*got "benchmark"/,
    ],
    [
      'a schemaVersion 1 stub',
      () => ({ schemaVersion: 1, kind: 'bench', runId: 'x' }),
      /\/status: missing.*schemaVersion 1/,
    ],
    ['a schemaVersion 2 stub', () => ({ schemaVersion: 2, kind: 'bench', runId: 'x' }), /\/status: missing/],
    [
      'a reproduction claim with an unknown status',
      () => {
        const r = json(reproductionRecord());
        (r['claims'] as Record<string, unknown>[])[0]!['status'] = 'partly';
        return r;
      },
      /\/claims\/0\/status/,
    ],
    [
      'a reproduction drift with an unknown metric',
      () => {
        const r = json(reproductionRecord());
        (r['drift'] as Record<string, unknown>[])[1]!['metric'] = 'p99';
        return r;
      },
      /\/drift\/1\/metric/,
    ],
    [
      'a reproduction without its summary',
      () => {
        const { summary: _summary, ...rest } = json(reproductionRecord());
        return rest;
      },
      /\/summary: missing/,
    ],
    [
      'a reproduction summary with a negative decided count',
      () => {
        const r = json(reproductionRecord());
        (r['summary'] as Record<string, unknown>)['decided'] = -1;
        return r;
      },
      /\/summary\/decided/,
    ],
    [
      'a reproduction summary with a fractional undecidedDecidedHere',
      () => {
        const r = json(reproductionRecord());
        (r['summary'] as Record<string, unknown>)['undecidedDecidedHere'] = 0.5;
        return r;
      },
      /\/summary\/undecidedDecidedHere/,
    ],
    [
      'limits with a port range of three numbers',
      () => {
        const r = json(benchRecord());
        (r['environment'] as { limits: { ephemeralPorts: number[] } }).limits.ephemeralPorts = [1, 2, 3];
        return r;
      },
      /\/environment\/limits/,
    ],
    [
      'a schemaVersion 3 record of the kind version 4 added',
      () => ({ ...json(reproductionRecord()), schemaVersion: 3 }),
      /\/kind: expected one of .*\(schemaVersion 3\), got "reproduction"/,
    ],
    [
      'a schemaVersion 2 record of the bisect kind (new in version 4)',
      () => ({ ...json(bisectRecord()), schemaVersion: 2 }),
      /\/kind: expected one of .*\(schemaVersion 2\), got "bisect"/,
    ],
    [
      'a bisect step of an unknown purpose',
      () => {
        const r = json(bisectRecord());
        (r['steps'] as Record<string, unknown>[])[0]!['purpose'] = 'guess';
        return r;
      },
      /\/steps\/0\/purpose/,
    ],
    [
      'an unknown schemaVersion',
      () => ({ ...json(benchRecord()), schemaVersion: 99 }),
      /schemaVersion 99 is not supported/,
    ],
    ['not an object', () => [1, 2], /\/: expected a JSON object/],
    [
      'a host name in the environment',
      () => {
        const r = json(benchRecord());
        (r['environment'] as Record<string, unknown>)['hostname'] = 'my-laptop';
        return r;
      },
      /\/environment\/hostname: unexpected field/,
    ],
    [
      'a malformed machine id',
      () => {
        const r = json(benchRecord());
        (r['environment'] as Record<string, unknown>)['machineId'] = 'my-laptop';
        return r;
      },
      /\/environment\/machineId: expected a string matching/,
    ],
    [
      'half a foreign client block',
      () => {
        const r = json(benchRecord());
        (r['client'] as Record<string, unknown>)['language'] = 'python';
        return r;
      },
      /\/client\/language: unexpected field/,
    ],
    [
      'a verdict whose holds and outcome disagree',
      () => {
        const r = json(caseStudyRecord());
        (r['verdicts'] as Record<string, unknown>[])[0]!['holds'] = false;
        return r;
      },
      /\/verdicts\/0\/holds: expected true, got false/,
    ],
    [
      'a verdict of an unknown kind',
      () => {
        const r = json(caseStudyRecord());
        (r['verdicts'] as Record<string, unknown>[])[1]!['kind'] = 'hunch';
        return r;
      },
      /\/verdicts\/1\/kind: expected one of "claim", "sanity", "exploratory", "unclassified", got "hunch"/,
    ],
    [
      'evidence that is not a primitive',
      () => {
        const r = json(caseStudyRecord());
        const verdict = (r['verdicts'] as Record<string, Record<string, unknown>>[])[0]!;
        verdict['evidence']!['nested'] = { a: 1 };
        return r;
      },
      /\/verdicts\/0\/evidence\/nested: expected number or string or boolean or null/,
    ],
    [
      'a measurement with the wrong type',
      () => {
        const r = json(caseStudyRecord());
        (r['measurements'] as Record<string, unknown>[])[0]!['p99Ms'] = null;
        return r;
      },
      /\/measurements\/0\/p99Ms: expected number, got null/,
    ],
    [
      'a DNS job of an unknown kind',
      () => {
        const r = json(dnsRunRecord());
        (r['job'] as Record<string, unknown>)['kind'] = 'flood';
        return r;
      },
      /\/job\/kind: expected one of "lookups", "burst", got "flood"/,
    ],
    [
      'a bad timestamp',
      () => ({ ...json(harnessOverheadRecord()), createdAt: 'yesterday' }),
      /\/createdAt: expected a string matching/,
    ],
    [
      'NaN where a number goes',
      () => ({ ...benchRecord(), throughputRps: Number.NaN }),
      /\/throughputRps: expected number, got NaN/,
    ],
  ];
  for (const [name, make, message] of cases) {
    test(name, () => {
      const e = refusal(make());
      expect(e.code).toBe('CASEBOOK_RECORD_SCHEMA');
      expect(e.path).toBe('<value>');
      expect(e.message).toMatch(message);
    });
  }

  test('writeRecord refuses an invalid record, names the file and path, and writes nothing', () => {
    const file = path.join(tmp, 'invalid', 'bench.json');
    const record = { ...benchRecord(), throughputRps: Number.POSITIVE_INFINITY };
    let error: unknown;
    try {
      writeRecord(file, record);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RecordError);
    expect((error as RecordError).message).toMatch(
      new RegExp(`^${file}: /throughputRps: expected number, got Infinity`),
    );
    expect(fs.existsSync(path.dirname(file)) ? fs.readdirSync(path.dirname(file)) : []).toEqual([]);
  });

  test('writeRecord refuses a schemaVersion 1 record: records are written in the current version only', () => {
    const record = { ...benchRecord(), schemaVersion: 1 } as unknown as AnyRecord;
    expect(() => writeRecord(path.join(tmp, 'v1.json'), record)).toThrow(
      new RegExp(`/schemaVersion: expected ${SCHEMA_VERSION}`),
    );
  });
});

describe('schemaVersion 1 records are migrated in memory', () => {
  const v1Environment = (() => {
    const { machineId: _m, machineIdPersistent: _p, limits: _l, ...rest } = environment;
    return { ...rest, hostname: 'my-laptop' };
  })();

  const v1Bench = () => {
    const { completedParts: _parts, ...rest } = benchRecord();
    return { ...json(rest), schemaVersion: 1, environment: v1Environment };
  };

  const v1CaseStudy = (status: 'completed' | 'errored') => {
    const { completedParts: _parts, error: _error, ...rest } = caseStudyRecord();
    return {
      ...json(rest),
      schemaVersion: 1,
      status,
      environment: v1Environment,
      measurements: rest.measurements.map((m) => ({
        ...m,
        ...(status === 'errored' ? { status, error: { code: 'CASEBOOK_TARGET_EXITED', message: 'gone' } } : {}),
      })),
      verdicts: [
        { id: 'a', claim: 'holds', holds: true, evidence: { x: 1 } },
        { id: 'b', claim: 'fails', holds: false, evidence: {} },
      ],
    };
  };

  test('bench: no host name, machineId null, completedParts from the trials', () => {
    const r = validateRecord(v1Bench());
    expect(r.schemaVersion).toBe(SCHEMA_VERSION);
    if (r.kind !== 'bench') throw new Error('expected a bench record');
    expect(r.environment).not.toHaveProperty('hostname');
    expect(r.environment.machineId).toBeNull();
    expect(r.environment.machineIdPersistent).toBe(false);
    expect(r.environment.limits).toBeNull();
    expect(r.completedParts).toEqual({ done: 1, planned: 1 });
    expect(r.status).toBe('completed');
  });

  test('case study: verdicts unclassified with an outcome; an errored one gets CASEBOOK_MEASUREMENT_ERRORED', () => {
    const ok = validateRecord(v1CaseStudy('completed'));
    if (ok.kind !== 'case-study') throw new Error('expected a case study');
    expect(ok.verdicts.map((v) => [v.kind, v.outcome, v.holds])).toEqual([
      ['unclassified', 'holds', true],
      ['unclassified', 'fails', false],
    ]);
    const errored = validateRecord(v1CaseStudy('errored'));
    expect(errored).toMatchObject({
      status: 'errored',
      error: { code: 'CASEBOOK_MEASUREMENT_ERRORED', message: '1 of 1 measurements errored' },
      completedParts: { done: 1, planned: null },
      measurements: [{ status: 'errored', error: { code: 'CASEBOOK_TARGET_EXITED' } }],
    });
  });

  test('a v1 record whose status and error disagree is refused, not guessed at', () => {
    const e = refusal({ ...v1Bench(), error: { code: 'CASEBOOK_RUN', message: 'x' } });
    expect(e.message).toMatch(/\/error: .* does not agree with status "completed"/);
  });

  test('a v1 record is checked as v1: a v2-only field is refused', () => {
    const e = refusal({ ...v1Bench(), completedParts: { done: 1, planned: 1 } });
    expect(e.message).toMatch(/\/completedParts: unexpected field.*schemaVersion 1/);
  });
});

describe('schemaVersion 3 (and 2) records are migrated in memory', () => {
  /** A record as version 3 wrote it: no `environment.limits`. */
  const asV3 = (record: AnyRecord, version: 2 | 3 = 3): Record<string, unknown> => {
    const r = json(record);
    const env = r['environment'];
    if (typeof env === 'object' && env !== null) Reflect.deleteProperty(env, 'limits');
    return { ...r, schemaVersion: version };
  };

  test('every kind with an environment reads with limits null; harness-overhead reads unchanged', () => {
    for (const make of [benchRecord, foreignBenchRecord, caseStudyRecord, dnsRunRecord]) {
      const record = make();
      const r = validateRecord(asV3(record));
      expect(r).toEqual({ ...json(record), environment: { ...json(record.environment), limits: null } });
    }
    expect(validateRecord(asV3(harnessOverheadRecord()))).toEqual(json(harnessOverheadRecord()));
  });

  test('a v2 record goes through both migrations; the file on disk is not rewritten', () => {
    const file = path.join(tmp, 'v2', 'bench.json');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const text = JSON.stringify(asV3(benchRecord(), 2));
    fs.writeFileSync(file, text);
    const r = readRecord(file);
    expect(r.schemaVersion).toBe(SCHEMA_VERSION);
    if (r.kind !== 'bench') throw new Error('expected a bench record');
    expect(r.environment.limits).toBeNull();
    expect(fs.readFileSync(file, 'utf8')).toBe(text);
  });

  test('a migrated record is still checked: a wrong field is refused naming its path and the migration', () => {
    const r = asV3(benchRecord());
    (r['environment'] as Record<string, unknown>)['cpuCores'] = 'two';
    expect(refusal(r).message).toMatch(/\/environment\/cpuCores: .*after migrating schemaVersion 3 to 4/);
  });

  test('writeRecord refuses a record without limits: new records always state them (null only when migrated)', () => {
    const record = asV3(benchRecord());
    expect(() =>
      writeRecord(path.join(tmp, 'v3.json'), { ...record, schemaVersion: SCHEMA_VERSION } as unknown as AnyRecord),
    ).toThrow(/\/environment\/limits: missing/);
  });
});

describe('corrections index', () => {
  const entry: Correction = {
    runId: 'bench-0000abcd',
    supersededBy: 'bench-1111abcd',
    reason: 'the target was saturated',
    date: '2026-01-02',
  };
  const dirWith = (name: string, content: unknown): string => {
    const dir = path.join(tmp, 'corrections', name);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'corrections.json'),
      typeof content === 'string' ? content : JSON.stringify(content),
    );
    return dir;
  };

  test('absent → []; the committed one is valid; correctionFor finds an entry by run id', () => {
    expect(readCorrections(path.join(tmp, 'corrections', 'none'))).toEqual([]);
    expect(Array.isArray(readCorrections(path.join(REPO, 'results')))).toBe(true);
    const corrections = readCorrections(dirWith('one', { schemaVersion: SCHEMA_VERSION, corrections: [entry] }));
    expect(corrections).toEqual([entry]);
    expect(correctionFor('bench-0000abcd', corrections)).toEqual(entry);
    expect(correctionFor('bench-2222abcd', corrections)).toBeUndefined();
  });

  test('an invalid file is refused naming the path', () => {
    const bad = dirWith('bad', { schemaVersion: SCHEMA_VERSION, corrections: [{ ...entry, date: '2 Jan 2026' }] });
    expect(() => readCorrections(bad)).toThrow(/corrections\.json: \/corrections\/0\/date: expected a string matching/);
    const extra = dirWith('extra', { schemaVersion: SCHEMA_VERSION, corrections: [{ ...entry, by: 'me' }] });
    expect(() => readCorrections(extra)).toThrow(/\/corrections\/0\/by: unexpected field/);
    const twice = dirWith('twice', { schemaVersion: SCHEMA_VERSION, corrections: [entry, entry] });
    expect(() => readCorrections(twice)).toThrow(/\/corrections\/1\/runId: bench-0000abcd is already corrected/);
    expect(() => readCorrections(dirWith('broken', '{'))).toThrow(RecordError);
  });

  test('an index written as schemaVersion 3 (same shape) still reads; an unknown version does not', () => {
    expect(readCorrections(dirWith('v3', { schemaVersion: 3, corrections: [entry] }))).toEqual([entry]);
    expect(() => readCorrections(dirWith('v99', { schemaVersion: 99, corrections: [entry] }))).toThrow(
      /\/schemaVersion/,
    );
  });
});

describe('run outcome helpers', () => {
  test('runOutcome and runStatus keep status and error in step', () => {
    expect(runOutcome(null, { done: 3, planned: 3 })).toEqual({
      status: 'completed',
      error: null,
      completedParts: { done: 3, planned: 3 },
    });
    expect(runStatus({ code: 'CASEBOOK_INCOMPLETE', message: '1 of 3' })).toEqual({
      status: 'errored',
      error: { code: 'CASEBOOK_INCOMPLETE', message: '1 of 3' },
    });
    expect(runStatus({ code: 'CASEBOOK_INTERRUPTED', message: 'SIGINT' }).status).toBe('interrupted');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Error codes

/** CASEBOOK_* names in the tree that are not error codes: environment variables, and a prefix tested with startsWith. */
const NOT_CODES = new Set([
  'CASEBOOK_RESULTS_DIR',
  'CASEBOOK_PYTHON',
  'CASEBOOK_SEED_PYTHON',
  'CASEBOOK_OPEN_FILES_SOFT_AT_START', // the caller's soft open-file limit, passed down to children
  'CASEBOOK_NO_PIN',
  'CASEBOOK_MACHINE_ID_FILE',
  'CASEBOOK_PUBLISH',
  'CASEBOOK_PYTHON3', // the interpreter bootstrap makes the Python sets with
  'CASEBOOK_PYTHON_SETS', // `none` switches every Python set off
  'CASEBOOK_BOOTSTRAP_SETS', // the Python sets bootstrap makes (npm test: the ones its tests use)
  'CASEBOOK_PYSET', // prefix of CASEBOOK_PYSET_<SET>, an interpreter for one set
  'CASEBOOK_KERNEL', // the kernelspec's environment (cli/notebook/kernelspec.ts, scripts/bootstrap.mjs)
  'CASEBOOK_RECORD', // cli/main.ts: error.code.startsWith('CASEBOOK_RECORD')
  'CASEBOOK_CODES', // the registry itself
]);

const SOURCE_EXTENSIONS = /\.(ts|mts|mjs|js|py)$/;

function sourceFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const full = path.join(dir, d.name);
    if (d.isDirectory())
      return d.name === 'node_modules' || d.name === 'dist' || d.name === '__pycache__' ? [] : sourceFiles(full);
    return SOURCE_EXTENSIONS.test(d.name) ? [full] : [];
  });
}

function codesInSource(): Map<string, string> {
  const packages = path.join(REPO, 'packages');
  const roots = [
    ...fs.readdirSync(packages).flatMap((p) => [path.join(packages, p, 'src'), path.join(packages, p, 'python')]),
    path.join(REPO, 'scripts'),
  ];
  const found = new Map<string, string>();
  for (const file of roots.flatMap(sourceFiles)) {
    for (const [code] of fs.readFileSync(file, 'utf8').matchAll(/CASEBOOK_[A-Z0-9_]*[A-Z0-9]/g)) {
      if (!NOT_CODES.has(code) && !found.has(code)) found.set(code, path.relative(REPO, file));
    }
  }
  return found;
}

function readmeErrorCodes(): Set<string> {
  const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Error codes\n');
  expect(start, 'README.md has no "## Error codes" section').toBeGreaterThan(-1);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end === -1 ? undefined : end);
  return new Set([...section.matchAll(/`(CASEBOOK_[A-Z0-9_]+)`/g)].map((m) => m[1] ?? ''));
}

describe('error codes', () => {
  test('every CASEBOOK_* code used in the source is registered in codes.ts', () => {
    const unregistered = [...codesInSource()].filter(([code]) => !isCasebookCode(code)).map(([c, f]) => `${c} (${f})`);
    expect(unregistered, 'register these in packages/results/src/codes.ts with their meaning').toEqual([]);
  });

  test("every registered code is listed in README's Error codes section, and the section lists no other", () => {
    const listed = readmeErrorCodes();
    const registered = Object.keys(CASEBOOK_CODES);
    expect(
      registered.filter((c) => !listed.has(c)),
      'add these to README.md "## Error codes"',
    ).toEqual([]);
    expect(
      [...listed].filter((c) => !isCasebookCode(c)),
      'README lists codes codes.ts does not have',
    ).toEqual([]);
  });

  test('each code has a one-line meaning', () => {
    for (const [code, meaning] of Object.entries(CASEBOOK_CODES)) {
      expect(code).toMatch(/^CASEBOOK_[A-Z0-9_]+$/);
      expect(meaning.length).toBeGreaterThan(10);
      expect(meaning).not.toContain('\n');
    }
  });
});
