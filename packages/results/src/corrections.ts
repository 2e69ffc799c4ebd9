import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Static } from '@sinclair/typebox';
import { RecordError } from './errors';
import { type CorrectionSchema, CorrectionsIndexSchema } from './schema/corrections';
import { SCHEMA_VERSION } from './schema/version';
import { validateAgainst } from './validate';

/**
 * The corrections index, results/corrections.json: a record is never rewritten, so one found wrong is listed here
 * with the run that supersedes it, and readers show that next to it.
 */

export const CORRECTIONS_FILE = 'corrections.json';

export interface Correction {
  runId: string;
  supersededBy: string;
  reason: string;
  date: string;
}

/** The interface above, checked against the schema both ways (the build fails when they drift). */
type Agree<A extends B, B extends C, C = A> = A;
type CheckedCorrection = Agree<Correction, Static<typeof CorrectionSchema>>;

/**
 * Versions whose corrections index has today's shape (it has not changed since version 2): read as the current one,
 * so a schema bump does not have to rewrite the committed file.
 */
const SAME_SHAPE_VERSIONS: readonly unknown[] = [2, 3];

function asCurrentVersion(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const version: unknown = Reflect.get(value, 'schemaVersion');
  return SAME_SHAPE_VERSIONS.includes(version) ? { ...value, schemaVersion: SCHEMA_VERSION } : value;
}

/** The corrections of a results folder; [] when it has no corrections.json; an invalid file is refused. */
export function readCorrections(resultsDir: string): Correction[] {
  const file = path.join(resultsDir, CORRECTIONS_FILE);
  if (!fs.existsSync(file)) return [];
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    const code = error instanceof SyntaxError ? 'CASEBOOK_RECORD_JSON' : 'CASEBOOK_RECORD_MISSING';
    const reason = error instanceof Error ? error.message : String(error);
    throw new RecordError(code, file, `cannot read the corrections index (${reason})`, {
      cause: error,
    });
  }
  const corrections: CheckedCorrection[] = validateAgainst(
    CorrectionsIndexSchema,
    asCurrentVersion(value),
    file,
  ).corrections;
  const seen = new Map<string, number>();
  for (const [i, c] of corrections.entries()) {
    const first = seen.get(c.runId);
    if (first !== undefined)
      throw new RecordError(
        'CASEBOOK_RECORD_SCHEMA',
        file,
        `/corrections/${i}/runId: ${c.runId} is already corrected at /corrections/${first}`,
      );
    seen.set(c.runId, i);
  }
  return corrections;
}

export function correctionFor(runId: string, corrections: readonly Correction[]): Correction | undefined {
  return corrections.find((c) => c.runId === runId);
}
