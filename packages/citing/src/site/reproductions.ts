import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Reproduction records (`kind: "reproduction"`, written by `casebook reproduce` as `<new run dir>/reproduction.json`)
 * read loosely: the record type is being added to the schema separately, so only the fields the site shows are
 * checked here, by type guards, and a file that does not fit is skipped rather than failing the build.
 */
export interface ReproductionSummary {
  runId: string;
  originalRunId: string;
  reproducedRunId: string | null;
  createdAt: string | null;
  /**
   * e.g. "5 of 6 decided claims reproduced; 2 unresolved in the original, 0 decided here" ("5 of 8 claims reproduced"
   * from a record written before the decided counts); null when the record carries no summary.
   */
  summary: string | null;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

const count = (v: unknown): number => (typeof v === 'number' ? v : 0);

/**
 * Led by the claims the original decided (holds or fails): one unresolved both times reproduces no finding. A record
 * without the decided counts (written before them) reads as it always did, every counted claim alike.
 */
function summaryText(v: unknown): string | null {
  if (!isObject(v)) return null;
  const { claims, reproduced, notReproduced, missing, decided, decidedReproduced, undecided, undecidedDecidedHere } = v;
  if (typeof claims !== 'number' || typeof reproduced !== 'number') return null;
  if (typeof decided !== 'number' || typeof decidedReproduced !== 'number') {
    const more = [
      typeof notReproduced === 'number' && notReproduced > 0 ? `${notReproduced} not reproduced` : '',
      typeof missing === 'number' && missing > 0 ? `${missing} missing` : '',
    ].filter((s) => s !== '');
    return `${reproduced} of ${claims} claims reproduced${more.length > 0 ? ` (${more.join(', ')})` : ''}`;
  }
  // An undecided claim is not-reproduced exactly when the rerun decided it, so the rest of notReproduced is decided.
  const decidedHere = count(undecidedDecidedHere);
  const decidedNotReproduced = Math.max(0, count(notReproduced) - decidedHere);
  const decidedMissing = Math.max(0, decided - decidedReproduced - decidedNotReproduced);
  const more = [
    decidedNotReproduced > 0 ? `${decidedNotReproduced} not reproduced` : '',
    decidedMissing > 0 ? `${decidedMissing} missing` : '',
  ].filter((s) => s !== '');
  const head =
    decided === 0
      ? 'no claim was decided in the original: nothing to reproduce'
      : `${decidedReproduced} of ${decided} decided claims reproduced${more.length > 0 ? ` (${more.join(', ')})` : ''}`;
  const unresolved = count(undecided);
  return unresolved > 0 ? `${head}; ${unresolved} unresolved in the original, ${decidedHere} decided here` : head;
}

/** One file as a reproduction, or null when it is not one. */
export function readReproduction(file: string): ReproductionSummary | null {
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
  if (!isObject(value) || value['kind'] !== 'reproduction') return null;
  const runId = str(value['runId']);
  const original = value['original'];
  const originalRunId = isObject(original) ? str(original['runId']) : null;
  if (runId === null || originalRunId === null) return null;
  return {
    runId,
    originalRunId,
    reproducedRunId: str(value['reproducedRunId']),
    createdAt: str(value['createdAt']),
    summary: summaryText(value['summary']),
  };
}

/** Every reproduction in the given run folders (JSON files beside record.json), by the run they reproduce. */
export function findReproductions(runDirs: readonly string[]): Map<string, ReproductionSummary[]> {
  const out = new Map<string, ReproductionSummary[]>();
  for (const dir of runDirs) {
    for (const name of fs.readdirSync(dir).sort()) {
      if (!name.endsWith('.json') || name === 'record.json') continue;
      const found = readReproduction(path.join(dir, name));
      if (found === null) continue;
      out.set(found.originalRunId, [...(out.get(found.originalRunId) ?? []), found]);
    }
  }
  return out;
}
