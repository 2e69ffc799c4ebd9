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
  /** e.g. "5 of 6 claims reproduced"; null when the record carries no summary. */
  summary: string | null;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function summaryText(v: unknown): string | null {
  if (!isObject(v)) return null;
  const { claims, reproduced, notReproduced, missing } = v;
  if (typeof claims !== 'number' || typeof reproduced !== 'number') return null;
  const more = [
    typeof notReproduced === 'number' && notReproduced > 0 ? `${notReproduced} not reproduced` : '',
    typeof missing === 'number' && missing > 0 ? `${missing} missing` : '',
  ].filter((s) => s !== '');
  return `${reproduced} of ${claims} claims reproduced${more.length > 0 ? ` (${more.join(', ')})` : ''}`;
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
