import * as path from 'node:path';
import { formatMatrixTable, loadMatrixRuns, matrixTable } from '@casebook/citing';
import { findRepoRoot, resultsRoot, UsageError } from '@casebook/results';
import {
  BENCH_FLAGS,
  benchOptionsFromFlags,
  type FlagSpec,
  formatFlags,
  type MatrixSpec,
  matrixPlan,
  parseArgs,
  runMatrix,
} from '@casebook/runner';

/** The scenario flags are bench's (one place); the matrix adds its axes, rounds and the plan/cell switches. */
const {
  client: _c,
  node: _n,
  'client-version': _v,
  bun: _b,
  deno: _d,
  'bun-max-http-requests': _m,
  json: _j,
  save: _s,
  publish: _p,
  ...SCENARIO_FLAGS
} = BENCH_FLAGS;

const MATRIX_FLAGS = {
  ...SCENARIO_FLAGS,
  clients: { type: 'string', description: 'clients, comma-separated (see `casebook list`)' },
  nodes: { type: 'string', description: "exact Node versions, comma-separated; 'workspace' is the pinned Node" },
  'client-versions': {
    type: 'string',
    description: "exact versions of each client's package, comma-separated; 'workspace' is the installed one",
  },
  bun: { type: 'string', description: "bun-fetch's Bun versions, comma-separated (default the pinned one)" },
  deno: { type: 'string', description: "deno-fetch's Deno versions, comma-separated (default the pinned one)" },
  'bun-max-http-requests': {
    type: 'string',
    description: "bun-fetch's BUN_CONFIG_MAX_HTTP_REQUESTS values, comma-separated: 'default' (unset, 256) or 1–65535",
  },
  rounds: { type: 'int', description: 'rounds; each runs every cell once, in a seeded shuffled order (default 3)' },
  seed: { type: 'int', description: 'seed of the shuffle (default 1)' },
  out: { type: 'string', description: 'folder for the records (default results/local/matrix/<time>)' },
  plan: { type: 'boolean', description: 'print the cells as JSON jobs (each runs with --cell <id>) and run nothing' },
  cell: { type: 'string', description: 'run only this cell (a job of --plan)' },
} as const satisfies FlagSpec;

const MATRIX_USAGE = `usage: casebook matrix --clients <a,b> [--nodes <v,…>] [--client-versions <v,…>] [--bun <v,…>] [--deno <v,…>] [bench options]

One bench scenario across clients × Node versions × client versions (versions from the version store, installed
once from npm). Every round runs each cell once as a short bench run, in an order shuffled with the seed; records go
under <out>/<cell id>/ and the table (median throughput with 95 % intervals, change to each row's first column, ~ where
unresolved) is printed. --plan prints the cells as JSON so each can run as a separate job (with --cell <id> and its
own --out); \`casebook merge <folder…>\` then prints the same table from their records. bun-fetch and deno-fetch run
on Bun and Deno from the same store (--bun, --deno; their cells ignore --nodes and --client-versions), and
--bun-max-http-requests default,512 makes Bun's cap on fetches in flight a column of its own.

${formatFlags(MATRIX_FLAGS)}`;

const list = (value: string | undefined): string[] =>
  value === undefined
    ? []
    : value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);

/** One value of --bun-max-http-requests: 'default' or an integer (its range is checked with the cells). */
function maxHttpRequests(value: string): 'default' | number {
  if (value === 'default') return value;
  if (!/^\d+$/.test(value))
    throw new UsageError('--bun-max-http-requests', value, "expected 'default' or integers from 1 to 65535");
  return Number(value);
}

export async function matrixCommand(argv: readonly string[]): Promise<number> {
  const { positionals, flags } = parseArgs(argv, MATRIX_FLAGS);
  if (flags.help === true) {
    process.stdout.write(`${MATRIX_USAGE}\n`);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError('argument', positionals[0], 'matrix takes flags only');
  const { bun: _bun, deno: _deno, 'bun-max-http-requests': _max, ...scenario } = flags;
  const { client: _client, ...bench } = benchOptionsFromFlags({ ...scenario, client: 'placeholder' });
  const spec: MatrixSpec = {
    bench,
    clients: list(flags.clients),
    nodes: list(flags.nodes),
    clientVersions: list(flags['client-versions']),
    bun: list(flags.bun),
    deno: list(flags.deno),
    bunMaxHttpRequests: list(flags['bun-max-http-requests']).map(maxHttpRequests),
    rounds: flags.rounds ?? 3,
    seed: flags.seed ?? 1,
  };
  if (flags.plan === true) {
    // Each job gets its own folder (--out per job), so the plan's commands carry none.
    const args: string[] = [];
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i] ?? '';
      if (a === '--plan' || a.startsWith('--out=') || a.startsWith('--cell=')) continue;
      if (a === '--out' || a === '--cell') {
        i++;
        continue;
      }
      args.push(a);
    }
    process.stdout.write(`${JSON.stringify(matrixPlan(spec, args), null, 2)}\n`);
    return 0;
  }
  const out =
    flags.out ??
    path.join(resultsRoot(findRepoRoot(), 'local'), 'matrix', new Date().toISOString().replace(/[:.]/g, '-'));
  const records = await runMatrix(spec, out, {
    ...(flags.cell !== undefined ? { only: flags.cell } : {}),
    onRun: (cell, round) => process.stderr.write(`matrix: round ${round + 1}/${spec.rounds} ${cell.id}\n`),
  });
  process.stdout.write(`records: ${path.relative(process.cwd(), out) || '.'}\n`);
  process.stdout.write(`${formatMatrixTable(matrixTable(loadMatrixRuns([out])))}\n`);
  return records.every((r) => r.status === 'completed') ? 0 : 1;
}
