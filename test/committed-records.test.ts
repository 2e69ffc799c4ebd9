import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  committedResultsRoot,
  DnsRunResultSchema,
  RACE_RUNS_FILE,
  RaceRunsFileSchema,
  readCorrections,
  readRecord,
  SCHEMA_VERSION,
  validateAgainst,
} from '@casebook/results';
import { describe, expect, test } from 'vitest';

/**
 * Every record committed under results/ is immutable and cited: each must read and validate through readRecord
 * (schemaVersion 1 through the migration), and reading must never change a byte of it.
 */

const REPO = path.resolve(__dirname, '..');
const RESULTS = committedResultsRoot(REPO);

/** Not records: generated schemas, a user's local runs, the index page, the corrections index (checked below), and
 * the raw output of scripts/pilot-steady-state.mjs (method/, described in the README). */
const SKIPPED_PATHS = new Set(['schema', 'local', 'method', 'README.md', '.gitkeep', 'corrections.json']);
const CHART_FILE = /\.(png|svg|vl\.json)$/;

/**
 * JSON files that ride along with a record and are not records themselves, each with how it is checked.
 * dns-runs.json: the raw DnsRunResult list a DNS case study saves next to its record.json (notes.dns.runsFile).
 * race-runs.json: the keep-alive race runs with their per-request outcomes (notes.races.<plan>.file).
 */
const ATTACHMENTS: Record<string, (value: unknown, file: string) => void> = {
  'dns-runs.json': (value, file) => {
    expect(Array.isArray(value), `${file}: expected a list of DNS runs`).toBe(true);
    if (Array.isArray(value))
      for (const [i, run] of value.entries()) validateAgainst(DnsRunResultSchema, run, `${file}#/${i}`);
  },
  [RACE_RUNS_FILE]: (value, file) => {
    validateAgainst(RaceRunsFileSchema, value, file);
  },
};

function walk(dir: string, top = true): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    if (top && SKIPPED_PATHS.has(d.name)) return [];
    const full = path.join(dir, d.name);
    if (d.isDirectory()) return walk(full, false);
    return d.name.endsWith('.json') && !CHART_FILE.test(d.name) ? [full] : [];
  });
}

const sha256 = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

const files = walk(RESULTS);
const records = files.filter((f) => !(path.basename(f) in ATTACHMENTS));
const attachments = files.filter((f) => path.basename(f) in ATTACHMENTS);

describe('committed records', () => {
  test('there are records to check (bench, case-study, harness-overhead)', () => {
    expect(records.length).toBeGreaterThan(100);
  });

  test('every record reads and validates through readRecord, and reading leaves its bytes alone', () => {
    const failures: string[] = [];
    const kinds = new Set<string>();
    for (const file of records) {
      const before = sha256(file);
      const mtimeMs = fs.statSync(file).mtimeMs;
      try {
        const record = readRecord(file);
        kinds.add(record.kind);
        expect(record.schemaVersion).toBe(SCHEMA_VERSION);
        expect(JSON.stringify(record)).not.toContain('"hostname"');
      } catch (error) {
        failures.push(error instanceof Error ? error.message : String(error));
      }
      expect(sha256(file), `${file} changed while being read`).toBe(before);
      expect(fs.statSync(file).mtimeMs).toBe(mtimeMs);
    }
    expect(failures).toEqual([]);
    expect([...kinds].sort()).toEqual(expect.arrayContaining(['bench', 'case-study', 'harness-overhead']));
  });

  test('files that ride along with a record match their own schema', () => {
    for (const file of attachments) {
      const check = ATTACHMENTS[path.basename(file)];
      check?.(JSON.parse(fs.readFileSync(file, 'utf8')), path.relative(REPO, file));
    }
  });

  test('the corrections index is valid, and names runs that exist', () => {
    const runIds = new Set(records.map((f) => readRecord(f).runId));
    for (const c of readCorrections(RESULTS)) {
      expect(runIds.has(c.runId), `correction for unknown run ${c.runId}`).toBe(true);
      expect(runIds.has(c.supersededBy), `${c.runId} superseded by unknown run ${c.supersededBy}`).toBe(true);
    }
  });
});
