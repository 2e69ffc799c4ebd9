import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import { findRepoRoot } from '../store';
import { BenchParamsSchema, ClientOptionsSchema } from './bench-params';
import { MeasurementSummarySchema, VerdictSchema } from './case-study';
import { RunErrorSchema } from './common';
import { TargetCountersSchema } from './counters';
import { DnsRoundSchema } from './dns-run';
import { EnvironmentSchema } from './environment';
import { SCHEMA_FILES } from './record';
import { LatencySummaryMsSchema, MedianIntervalSchema, TrialSummarySchema } from './stats';
import { ContinuousMethodSchema, MeasurementGuardsSchema } from './steady-state';
import { TrialRecordSchema, WarmupSchema } from './trial';
import { SCHEMA_VERSION } from './version';

/**
 * The committed JSON Schemas, results/schema/v<N>/<kind>.schema.json, generated from the TypeBox schemas so readers
 * in any language can validate a record. `--write` regenerates them; `--check` fails when they are stale:
 *   node packages/results/dist/schema/emit.js --write|--check
 * Version 1 had no schema and gets none.
 */

const JSON_SCHEMA_DIALECT = 'http://json-schema.org/draft-07/schema#';

/** The folder of one schema version, relative to the repository. */
export function schemaDir(version: number = SCHEMA_VERSION): string {
  return path.join('results', 'schema', `v${version}`);
}

/**
 * Shapes that recur (in each status variant, in trials and warm-up…) are written once under `definitions` and
 * referenced, so a file stays readable. Matched by content, so a schema built from these by spreading still matches.
 */
const DEFINITIONS: Readonly<Record<string, TSchema>> = {
  BenchParams: BenchParamsSchema,
  ClientOptions: ClientOptionsSchema,
  ContinuousMethod: ContinuousMethodSchema,
  DnsRound: DnsRoundSchema,
  Environment: EnvironmentSchema,
  LatencySummaryMs: LatencySummaryMsSchema,
  MeasurementGuards: MeasurementGuardsSchema,
  MeasurementSummary: MeasurementSummarySchema,
  MedianInterval: MedianIntervalSchema,
  RunError: RunErrorSchema,
  TargetCounters: TargetCountersSchema,
  TrialRecord: TrialRecordSchema,
  TrialSummary: TrialSummarySchema,
  Verdict: VerdictSchema,
  Warmup: WarmupSchema,
};

function jsonSchemaDocument(schema: TSchema): Record<string, unknown> {
  const named = Object.entries(DEFINITIONS).map(([name, s]) => [name, JSON.stringify(s)] as const);
  const definitions = new Map<string, unknown>();
  const visit = (node: unknown, defining?: string): unknown => {
    if (Array.isArray(node)) return node.map((n) => visit(n));
    if (typeof node !== 'object' || node === null) return node;
    const text = JSON.stringify(node);
    const hit = named.find(([name, t]) => t === text && name !== defining);
    if (hit) {
      const [name] = hit;
      if (!definitions.has(name)) {
        definitions.set(name, null);
        definitions.set(name, visit(node, name));
      }
      return { $ref: `#/definitions/${name}` };
    }
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, visit(v)]));
  };
  const root = visit(schema);
  return {
    $schema: JSON_SCHEMA_DIALECT,
    $comment: `casebook schemaVersion ${SCHEMA_VERSION}; generated from packages/results/src/schema (do not edit)`,
    ...(typeof root === 'object' && root !== null ? root : {}),
    ...(definitions.size > 0
      ? { definitions: Object.fromEntries([...definitions].sort(([a], [b]) => a.localeCompare(b))) }
      : {}),
  };
}

/** File name → file text, for the current schema version, in a stable order. */
export function generateSchemaFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of Object.keys(SCHEMA_FILES).sort()) {
    const schema = SCHEMA_FILES[name];
    if (schema) files.set(`${name}.schema.json`, `${JSON.stringify(jsonSchemaDocument(schema), null, 2)}\n`);
  }
  return files;
}

/** sha256 over every generated file (name and text): what a test pins per schemaVersion. */
export function schemaDigest(files: ReadonlyMap<string, string> = generateSchemaFiles()): string {
  const hash = createHash('sha256');
  for (const [name, text] of [...files].sort(([a], [b]) => a.localeCompare(b))) hash.update(`${name}\n${text}\n`);
  return hash.digest('hex');
}

/** Files that differ from what is committed (missing, stale or extra), relative to the repository. */
export function staleSchemaFiles(repoDir: string): string[] {
  const dir = path.join(repoDir, schemaDir());
  const files = generateSchemaFiles();
  const stale: string[] = [];
  for (const [name, text] of files) {
    const file = path.join(dir, name);
    if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== text) stale.push(path.join(schemaDir(), name));
  }
  if (fs.existsSync(dir))
    for (const name of fs.readdirSync(dir)) if (!files.has(name)) stale.push(path.join(schemaDir(), name));
  return stale.sort();
}

export function writeSchemaFiles(repoDir: string): string[] {
  const dir = path.join(repoDir, schemaDir());
  fs.mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, text] of generateSchemaFiles()) {
    fs.writeFileSync(path.join(dir, name), text);
    written.push(path.join(schemaDir(), name));
  }
  return written;
}

function main(argv: readonly string[]): number {
  const repoDir = findRepoRoot();
  if (argv[0] === '--write') {
    for (const file of writeSchemaFiles(repoDir)) process.stdout.write(`wrote ${file}\n`);
    return 0;
  }
  if (argv[0] === '--check') {
    const stale = staleSchemaFiles(repoDir);
    if (stale.length === 0) return 0;
    process.stderr.write(
      `stale record schemas (run: node packages/results/dist/schema/emit.js --write):\n  ${stale.join('\n  ')}\n`,
    );
    return 1;
  }
  process.stderr.write('usage: node packages/results/dist/schema/emit.js --write|--check\n');
  return 2;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
