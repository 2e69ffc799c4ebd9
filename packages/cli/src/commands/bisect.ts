import * as path from 'node:path';
import {
  BISECT_DEFAULT_CLIENT,
  BISECT_METRICS,
  BISECT_PROCESSES,
  BISECT_PROFILES,
  type BisectProfile,
  type BisectRounds,
  type BisectStepRequest,
  bisectCandidates,
  bisectEstimate,
  defaultMaxRuns,
  expectedRuns,
  GATHER_MIN_PROCESSES,
  gatherProcessPlan,
  pairsFromProcesses,
  pairsFromRounds,
  processDesignText,
  processOfLabel,
  releaseLinks,
  requireBisectMetric,
  roundMedians,
  STEADY_STEP,
  screenIndices,
  steadyProcessValues,
  stepValues,
} from '@casebook/analysis';
import { CLIENT_VERSION_SUPPORT, checkClientVersion, checkRuntimeVersion, isClientName } from '@casebook/clients';
import { registryMetadata, type StorePackage } from '@casebook/procs';
import {
  type BenchRecord,
  CasebookError,
  findRepoRoot,
  newRunId,
  requireExactVersion,
  resultsRoot,
  SCHEMA_VERSION,
  UsageError,
  writeRecord,
} from '@casebook/results';
import {
  BENCH_FLAGS,
  benchOptionsFromFlags,
  clientRuntimeOf,
  type FlagSpec,
  formatFlags,
  type MatrixSpec,
  parseArgs,
  parseCellLabel,
  resolveBenchOptions,
  runInterleaved,
  runMatrix,
  WORKSPACE,
} from '@casebook/runner';
import { type BisectStepRun, recordBisect } from '../bisect-record';

/**
 * The version a bisect step's record says ran: for `node`, the worker's own runtime (`client.settings.runtime.node`;
 * the runner itself stays on the pinned Node, which `environment.node` names); for a client package, the version the
 * worker loaded.
 */
export function versionLoaded(pkg: string, record: Pick<BenchRecord, 'client' | 'environment'>): string | undefined {
  return pkg === 'node' ? (clientRuntimeOf(record.client)?.node ?? record.environment.node) : record.client.version;
}

/** What a bisect can search: the store's packages but Bun and Deno (their fetch is measured, not bisected, here). */
const BISECT_PACKAGES = ['node', 'undici', 'got', 'axios'] as const satisfies readonly StorePackage[];
type BisectPackage = (typeof BISECT_PACKAGES)[number];
const isBisectPackage = (value: unknown): value is BisectPackage =>
  typeof value === 'string' && (BISECT_PACKAGES as readonly string[]).includes(value);

/** The scenario flags are bench's (one place), as matrix takes them; bisect adds what it searches and how. */
const { client: _c, node: _n, 'client-version': _v, json: _j, save: _s, publish: _p, ...SCENARIO_FLAGS } = BENCH_FLAGS;

const BISECT_FLAGS = {
  package: {
    type: 'string',
    description: `what changes: ${BISECT_PACKAGES.filter((p) => p !== 'node').join(', ')} (the client's package) or node (the runtime)`,
  },
  good: { type: 'string', description: 'exact version where the metric was as expected (the earlier release)' },
  bad: { type: 'string', description: 'exact version where it was not (the later release)' },
  metric: { type: 'string', description: `${Object.keys(BISECT_METRICS).join(', ')} (default throughput)` },
  client: {
    type: 'string',
    description: 'adapter driving every run (default undici-request for undici, got, axios; node-http for node)',
  },
  node: { type: 'string', description: "a package bisect: exact Node for every run (default the workspace's)" },
  'client-version': {
    type: 'string',
    description: "a node bisect: exact version of the client's package for every run (default the workspace's)",
  },
  profile: {
    type: 'string',
    description: 'smoke (6 rounds a step, 12 to confirm) or standard (10 and 20; the default)',
  },
  rounds: {
    type: 'int',
    description:
      "rounds of the screen and of every search step, 6 to 200 (the confirmation runs twice as many; default the profile's): a range searched before with no boundary, searched again at a finer resolution",
  },
  seed: { type: 'int', description: "seed of each step's shuffle (step n uses seed + n - 1; default 1)" },
  processes: {
    type: 'int',
    description: `steady method: client processes per version in every step, at least ${GATHER_MIN_PROCESSES} (default ${BISECT_PROCESSES.standard}; fewer give no interval), all of the step's processes interleaved in one run`,
  },
  out: {
    type: 'string',
    description: 'folder for the step records and bisect.json (default results/local/bisect/<time>)',
  },
  'dry-run': { type: 'boolean', description: 'print the candidates and the plan as JSON and measure nothing' },
  method: {
    type: 'string',
    description:
      'steady (the default for throughput and cpu-per-request: each step one interleaved steady-state run, every version a client process warmed until steady, one block per round) or phase (a fresh short run per version and round, as `casebook matrix`; the only method for p99, sockets-opened and rss)',
  },
  ...SCENARIO_FLAGS,
} as const satisfies FlagSpec;

/** The bisect's own flags (everything else is the scenario, passed on to every run as matrix does). */
const OWN_FLAGS: ReadonlySet<string> = new Set([
  'package',
  'good',
  'bad',
  'metric',
  'client',
  'node',
  'client-version',
  'profile',
  'rounds',
  'seed',
  'processes',
  'out',
  'dry-run',
  'method',
  'help',
]);

const BISECT_USAGE = `usage: casebook bisect --package <undici|got|axios|node> --good <version> --bad <version> [--metric m] [--client c] [--profile smoke|standard] [--rounds N] [--dry-run] [bench options]

Where between a good and a bad version one metric moved. The versions searched are one release line ordered by
publish date (the registry's time field): the same major as --bad, published between the two, neither pre-release,
backport nor deprecated; lines released in parallel (undici 7.x and 8.x) are refused unless --good is the last release
of its line before --bad's line began (then the first step crosses the line). Node (whose binary packages carry upload
times, not release dates) is bisected by version number, across majors along its main line (odd majors' releases and each
even x.0.0, then --bad's major; from an even major the first step is the line change). Every step is a short \`casebook matrix\` run of a
few versions in interleaved rounds; its paired per-round ratios (95 % intervals) decide the next step: a screen of ~4
versions across the range (a metric that goes down and up again gives every boundary, not one), halving each moved
bracket (an inconclusive step is retried once with twice the rounds), and a longer run confirming each boundary.
A steady-state step runs every version in --processes client processes (default ${BISECT_PROCESSES.standard}), all of them in one
interleaved run in a seeded shuffled order: one process can run slow for its whole life, and with one process per
version that reads as a release boundary (the interrupted bisect of undici 6.21.0 … 6.29.1 at 512 in flight). Its
interval is two-level (processes, then rounds within each; none with fewer than ${GATHER_MIN_PROCESSES} processes), and a version whose
processes disagree beyond their rounds' noise is printed so ("processes of 6.28.1 disagree: 0.82 vs 1.01 …"), never as
a boundary. The phase method starts a fresh process for every version and round, paired per round.
bisect.json (the record: every step's measurements and ratios, "regressed between A and B by X (95 % CI …)", the
compare and release links, the command to reproduce) and bisect.md go in --out; the steps' records under steps/.
bisect.json is written before every step and when the search ends: a bisect stopped by Ctrl-C or SIGTERM (its processes
killed, exit 130 or 143), or whose step failed (exit 1), leaves it with status interrupted or errored, the steps it
completed and what they found, and no claim about the rest of the range.
Without scenario flags the profile's are used (smoke: 32 in flight, 2000 requests; standard: 128 and 20000; 1 trial).
Registry metadata is cached for an hour in the version store (.casebook/versions/.registry/).

${formatFlags(BISECT_FLAGS)}`;

/** The profile's rounds, or `--rounds` for the screen and every step (twice that to confirm); 6 is the fewest with an interval. */
export function bisectRounds(profile: BisectProfile, flag: number | undefined): BisectRounds {
  if (flag === undefined) return BISECT_PROFILES[profile];
  if (!Number.isInteger(flag) || flag < 6 || flag > 200)
    throw new UsageError(
      '--rounds',
      flag,
      'expected an integer from 6 to 200: fewer than 6 rounds give no 95 % interval of a median',
    );
  return { screen: flag, step: flag, confirm: 2 * flag };
}

/** The scenario each profile runs when no scenario flag says otherwise. */
const PROFILE_SCENARIO: Readonly<Record<BisectProfile, { concurrency: number; requests: number; trials: number }>> = {
  smoke: { concurrency: 32, requests: 2000, trials: 1 },
  standard: { concurrency: 128, requests: 20000, trials: 1 },
};

const isProfile = (v: string): v is BisectProfile => Object.hasOwn(BISECT_PROFILES, v);

/** An argument as a shell word (plain when it needs no quoting). */
const shellWord = (a: string): string => (/^[\w.,:/=@+-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`);

/** The scenario flags as given (the bisect's own flags and their values left out). */
function scenarioArgs(argv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    const name = a.startsWith('--') ? a.slice(2).split('=')[0]?.replace(/^no-/, '') : undefined;
    if (name === undefined || !OWN_FLAGS.has(name)) {
      kept.push(a);
      continue;
    }
    const takesValue = BISECT_FLAGS[name as keyof typeof BISECT_FLAGS]?.type !== 'boolean';
    if (takesValue && !a.includes('=')) i++;
  }
  return kept;
}

export async function bisectCommand(argv: readonly string[]): Promise<number> {
  const { positionals, flags } = parseArgs(argv, BISECT_FLAGS);
  if (flags.help === true) {
    process.stdout.write(`${BISECT_USAGE}\n`);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError('argument', positionals[0], 'bisect takes flags only');

  // Everything that needs no network first: package, metric, profile, client, versions, scenario, support table.
  const pkg = flags.package;
  if (!isBisectPackage(pkg))
    throw new UsageError(
      '--package',
      pkg,
      `${pkg === undefined ? 'required: ' : ''}expected one of ${BISECT_PACKAGES.join(', ')} (the packages the version store installs; Bun and Deno are not bisected here)`,
    );
  const metric = requireBisectMetric(flags.metric ?? 'throughput');
  const profile = flags.profile ?? 'standard';
  if (!isProfile(profile)) throw new UsageError('--profile', profile, 'expected smoke or standard');
  const rounds = bisectRounds(profile, flags.rounds);
  const client = flags.client ?? BISECT_DEFAULT_CLIENT[pkg];
  if (!isClientName(client)) throw new UsageError('--client', client, 'expected a client name (see `casebook list`)');
  const support = CLIENT_VERSION_SUPPORT[client];
  if (pkg !== 'node' && support?.packageName !== pkg)
    throw new UsageError(
      '--client',
      client,
      `${client} does not load ${pkg}: choose an adapter of ${pkg} (${Object.entries(CLIENT_VERSION_SUPPORT)
        .filter(([, s]) => s?.packageName === pkg)
        .map(([name]) => name)
        .join(', ')})`,
    );
  if (pkg !== 'node' && flags['client-version'] !== undefined)
    throw new UsageError(
      '--client-version',
      flags['client-version'],
      `the ${pkg} versions are --good … --bad here; --client-version is for --package node`,
    );
  if (pkg === 'node' && flags.node !== undefined)
    throw new UsageError('--node', flags.node, 'the runtimes are --good … --bad here; --node is for a package bisect');
  for (const field of ['--good', '--bad'] as const) {
    const value = field === '--good' ? flags.good : flags.bad;
    if (value === undefined) throw new UsageError(field, value, 'required: an exact published version');
  }
  const good = requireExactVersion('--good', flags.good);
  const bad = requireExactVersion('--bad', flags.bad);
  for (const [field, v] of [
    ['--good', good],
    ['--bad', bad],
  ] as const)
    if (v.prerelease !== '')
      throw new UsageError(field, v.text, 'a pre-release is on no release line: give a release version');
  if (good.text === bad.text)
    throw new UsageError('--bad', bad.text, 'the same version as --good: nothing lies between them');

  const method = flags.method ?? (metric === 'throughput' || metric === 'cpu-per-request' ? 'steady' : 'phase');
  if (method !== 'steady' && method !== 'phase') throw new UsageError('--method', method, 'expected steady or phase');
  if (method === 'steady' && metric !== 'throughput' && metric !== 'cpu-per-request')
    throw new UsageError(
      '--method',
      method,
      `the steady-state blocks record throughput and CPU per request, not ${metric}: use --method phase`,
    );
  const defaults = PROFILE_SCENARIO[profile];
  const defaulted: string[] = [];
  const scenarioFlags = { ...flags };
  if (flags.concurrency === undefined) {
    scenarioFlags.concurrency = defaults.concurrency;
    defaulted.push('--concurrency', String(defaults.concurrency));
  }
  if (flags.requests === undefined && flags['duration-ms'] === undefined) {
    scenarioFlags.requests = defaults.requests;
    defaulted.push('--requests', String(defaults.requests));
  }
  if (flags.trials === undefined) {
    scenarioFlags.trials = defaults.trials;
    defaulted.push('--trials', String(defaults.trials));
  }
  const { client: _client, ...bench } = benchOptionsFromFlags({ ...scenarioFlags, client });
  const resolved = resolveBenchOptions({ ...bench, client });
  for (const [field, v] of [
    ['--good', good],
    ['--bad', bad],
  ] as const) {
    if (pkg === 'node') checkRuntimeVersion(v, field);
    else checkClientVersion(client, v, resolved.clientOptions, field);
  }
  const fixedNode =
    pkg === 'node' ? null : flags.node === undefined ? WORKSPACE : requireExactVersion('--node', flags.node).text;
  if (fixedNode !== null && fixedNode !== WORKSPACE) checkRuntimeVersion(requireExactVersion('--node', fixedNode));
  const fixedClientVersion =
    pkg !== 'node'
      ? null
      : flags['client-version'] === undefined
        ? WORKSPACE
        : requireExactVersion('--client-version', flags['client-version']).text;
  if (fixedClientVersion !== null && fixedClientVersion !== WORKSPACE)
    checkClientVersion(client, requireExactVersion('--client-version', fixedClientVersion), resolved.clientOptions);
  const seed = flags.seed ?? 1;
  const processes = method === 'steady' ? (flags.processes ?? BISECT_PROCESSES[profile]) : null;
  if (method !== 'steady' && flags.processes !== undefined)
    throw new UsageError(
      '--processes',
      flags.processes,
      'the phase method starts a fresh process for every version and round already: --processes is for --method steady',
    );
  if (processes !== null && (!Number.isInteger(processes) || processes < GATHER_MIN_PROCESSES || processes > 10))
    throw new UsageError(
      '--processes',
      processes,
      `expected an integer from ${GATHER_MIN_PROCESSES} to 10: fewer than ${GATHER_MIN_PROCESSES} client processes per version give no interval (the rule notebook 06 states)`,
    );

  // The registry's publish dates (cached in the version store), then the candidates: refusals are UsageErrors.
  const registry = await registryMetadata(pkg);
  // Node's binary packages carry upload times, not release dates: its releases are ordered by version, across majors
  // along its main line (bisectCandidates, order 'version').
  const candidates = bisectCandidates({
    packageName: pkg,
    good: good.text,
    bad: bad.text,
    registry,
    order: pkg === 'node' ? 'version' : 'publish-date',
  });
  const versions = candidates.versions.map((v) => v.version);
  const lineBoundary = candidates.line.kind === 'consecutive-lines';
  const screen = screenIndices(versions.length, undefined, lineBoundary).map((i) => versions[i] as string);
  const args = [
    'bisect',
    '--package',
    pkg,
    '--good',
    good.text,
    '--bad',
    bad.text,
    '--metric',
    metric,
    '--client',
    client,
    '--profile',
    profile,
    ...(flags.rounds === undefined ? [] : ['--rounds', String(rounds.step)]),
    '--seed',
    String(seed),
    '--method',
    method,
    ...(processes === null ? [] : ['--processes', String(processes)]),
    ...(fixedNode !== null && fixedNode !== WORKSPACE ? ['--node', fixedNode] : []),
    ...(fixedClientVersion !== null && fixedClientVersion !== WORKSPACE
      ? ['--client-version', fixedClientVersion]
      : []),
    ...scenarioArgs(argv),
    ...defaulted,
  ];
  const command = `npx casebook ${args.map(shellWord).join(' ')}`;
  // The steady method measures as notebook 07 does: its target keeps idle connections for 600 s, so no socket is closed
  // while a version waits for its next block (the target's default 5 s would reopen every socket at each block).
  const steadyTarget = { ...(bench.target ?? {}), keepAliveTimeoutMs: 600_000 };
  const { requests: _requests, trials: _trials, ...steadyBench } = bench;
  const scenario = {
    ...(method === 'steady' ? { ...steadyBench, target: steadyTarget } : bench),
    method,
    ...(fixedNode === null ? {} : { node: fixedNode }),
    ...(fixedClientVersion === null ? {} : { clientVersion: fixedClientVersion }),
  };

  // What the plan and the record both say about the search.
  const searched = {
    package: pkg,
    client,
    metric: { name: metric, ...BISECT_METRICS[metric] },
    good: candidates.good,
    bad: candidates.bad,
    line: candidates.line,
    candidates: candidates.versions,
    excluded: candidates.excluded,
  };
  const estimate =
    processes === null ? null : bisectEstimate({ count: versions.length, rounds, processes, lineBoundary });
  const design = processes === null ? null : { perVersion: processes, design: processDesignText(processes) };
  const each = processes === null ? '' : ` × ${processes} client processes each`;
  if (flags['dry-run'] === true) {
    const plan = {
      kind: 'casebook-bisect-plan',
      ...searched,
      screen,
      profile,
      rounds,
      seed,
      scenario,
      ...(design === null ? {} : { processes: design }),
      ...(estimate === null ? {} : { estimate: estimate.text }),
      expectedRuns: expectedRuns(versions.length, undefined, lineBoundary),
      maxRuns: defaultMaxRuns(versions.length),
      steps: [
        `screen: ${screen.join(', ')}${each} together, ${rounds.screen} rounds${lineBoundary ? ` (${versions[0]} → ${versions[1]} is the line change)` : ''}; every screened segment that moves is a bracket (moves both ways: not monotonic, every boundary reported)`,
        `search: each bracket's ends and middle${each} together, ${rounds.step} rounds, until its ends are adjacent; a step where neither half moves is retried once with ${2 * rounds.step} rounds, then reported unresolved`,
        `confirm: each adjacent pair alone${each}, ${rounds.confirm} rounds`,
      ],
      links: releaseLinks(pkg, good.text, bad.text),
      registry: { npmName: registry.npmName, fetchedAt: registry.fetchedAt },
      reproduce: command,
    };
    process.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
    return 0;
  }

  if (design !== null && estimate !== null) process.stderr.write(`bisect: ${design.design}; ${estimate.text}\n`);
  const out =
    flags.out ??
    path.join(resultsRoot(findRepoRoot(), 'local'), 'bisect', new Date().toISOString().replace(/[:.]/g, '-'));
  const records: BenchRecord[] = [];
  // One step: its runs (their bench records under steps/), the per-round values and the pairs the search reads.
  const measure = async (request: BisectStepRequest): Promise<BisectStepRun> => {
    const stepSeed = seed + request.index - 1;
    const folder = path.join('steps', `${String(request.index).padStart(2, '0')}-${request.purpose}`);
    const done = (ran: readonly BenchRecord[], values: Record<string, (number | null)[]>): BisectStepRun => {
      records.push(...ran);
      return {
        pairs: pairsFromRounds(request.versions, values),
        extras: { seed: stepSeed, folder, runIds: ran.map((r) => r.runId), values },
        environment: records[0]?.environment ?? null,
      };
    };
    const perVersion = request.processes ?? processes ?? 1;
    if (method === 'steady') {
      process.stderr.write(
        `bisect: step ${request.index} (${request.purpose}) ${request.versions.join(', ')}, ${request.rounds} rounds, ${perVersion} client processes each, steady state\n`,
      );
      const arms = request.versions.map((v) => ({
        ...bench,
        trials: bench.trials ?? 1,
        target: steadyTarget,
        client,
        label: `${pkg}@${v}`,
        versions:
          pkg === 'node'
            ? {
                node: v,
                ...(fixedClientVersion === null || fixedClientVersion === WORKSPACE
                  ? {}
                  : { clientVersion: fixedClientVersion }),
              }
            : { clientVersion: v, ...(fixedNode === null || fixedNode === WORKSPACE ? {} : { node: fixedNode }) },
      }));
      // Every version in perVersion processes (`undici@6.28.1 · process 2`), all of them in one order shuffled with the
      // step's seed (06's gatherProcessPlan), in the same shuffled rounds.
      const { entries } = gatherProcessPlan(
        arms,
        { arms: arms.map((a) => a.label), processes: perVersion, trials: bench.trials ?? 1, seed: stepSeed },
        bench.trials ?? 1,
      );
      let last = '';
      const { records: ran } = await runInterleaved(
        entries,
        { ...STEADY_STEP, minRounds: request.rounds, maxRounds: request.rounds, seed: stepSeed },
        (p) => {
          const line = `bisect: step ${request.index} round ${p.round + 1}/${request.rounds} ${p.label} ${p.phase === 'warmup' ? 'warming up' : 'measuring'}`;
          if (line !== last) process.stderr.write(`${line}\n`);
          last = line;
        },
      );
      for (const r of ran) writeRecord(path.join(out, folder, `${r.runId}.json`), r);
      // Each record by its label (version and process), and the version it names is the one that loaded.
      const runs = entries.map((entry) => {
        const named = processOfLabel(entry.label);
        const v = request.versions.find((x) => `${pkg}@${x}` === named?.arm);
        const record = ran.find((r) => r.label === entry.label);
        if (named === null || v === undefined || record === undefined)
          throw new CasebookError('CASEBOOK_RUN', `bisect: no record for ${entry.label}`);
        const loaded = versionLoaded(pkg, record);
        if (loaded !== v && loaded !== `v${v}`)
          throw new CasebookError('CASEBOOK_RUN', `bisect: ${entry.label} was asked for, ${String(loaded)} loaded`);
        return { version: v, process: named.process, runId: record.runId, record };
      });
      const byVersion = steadyProcessValues(request.versions, request.rounds, runs, metric);
      records.push(...ran);
      const { pairs, disagreements } = pairsFromProcesses(request.versions, byVersion);
      for (const d of disagreements) process.stderr.write(`bisect: step ${request.index}: ${d.text}\n`);
      const values = Object.fromEntries(request.versions.map((v) => [v, roundMedians(byVersion[v] ?? [])]));
      return {
        pairs,
        disagreements,
        extras: { seed: stepSeed, folder, runIds: ran.map((r) => r.runId), values, processes: byVersion },
        environment: records[0]?.environment ?? null,
      };
    }
    const spec: MatrixSpec = {
      bench,
      clients: [client],
      nodes: pkg === 'node' ? request.versions : [fixedNode ?? WORKSPACE],
      clientVersions: pkg === 'node' ? [fixedClientVersion ?? WORKSPACE] : request.versions,
      rounds: request.rounds,
      seed: stepSeed,
    };
    process.stderr.write(
      `bisect: step ${request.index} (${request.purpose}) ${request.versions.join(', ')}, ${request.rounds} rounds\n`,
    );
    const ran = await runMatrix(spec, path.join(out, folder), {
      onRun: (cell, round) =>
        process.stderr.write(`bisect: step ${request.index} round ${round + 1}/${request.rounds} ${cell.id}\n`),
    });
    const cells = ran.flatMap((record) => {
      const parsed = parseCellLabel(record.label);
      if (parsed === null) return [];
      const version = pkg === 'node' ? parsed.cell.node : parsed.cell.clientVersion;
      return [{ version, round: parsed.round, record }];
    });
    return done(ran, stepValues(request.versions, request.rounds, cells, metric));
  };
  // bisect.json is kept current from before the first step (bisect-record.ts): a search stopped by a signal or a
  // failed step leaves a record of what it did, never a folder of step records without one.
  const { record, file } = await recordBisect({
    out,
    head: {
      schemaVersion: SCHEMA_VERSION,
      kind: 'bisect',
      runId: newRunId('bisect'),
      createdAt: new Date().toISOString(),
      ...searched,
      scenario,
      profile,
      seed,
      ...(design === null ? {} : { processes: design }),
      rounds,
      reproduce: { command, args },
    },
    ctx: { packageName: pkg, client, metric, reproduce: command, ...(processes === null ? {} : { processes }) },
    versions,
    rounds,
    ...(processes === null ? {} : { processes }),
    lineBoundary,
    measure,
  });
  process.stdout.write(`record: ${path.relative(process.cwd(), file)}\n\n${record.summary}`);
  return record.status === 'completed' && records.every((r) => r.status === 'completed') ? 0 : 1;
}
