// The Python client sets' manifest (sets.json) and the little PEP 440 arithmetic bootstrap and lock.mjs both need.
// Plain ESM, Node built-ins only: scripts/bootstrap.mjs imports this before node_modules exists.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SETS_DIR = path.dirname(fileURLToPath(import.meta.url));

/**
 * @typedef {{ name: string, description: string, requiresPython: string, optional: boolean, clients: string[] }} PythonSetSpec
 */

/** @returns {PythonSetSpec[]} the sets of sets.json, in order; throws naming the bad field. */
export function readSets() {
  const file = path.join(SETS_DIR, 'sets.json');
  const json = JSON.parse(readFileSync(file, 'utf8'));
  if (!Array.isArray(json?.sets))
    throw new Error(`${file}: "sets" should be an array, got ${JSON.stringify(json?.sets)}`);
  for (const s of json.sets) {
    for (const [field, type] of Object.entries({
      name: 'string',
      description: 'string',
      requiresPython: 'string',
      optional: 'boolean',
    })) {
      if (typeof s?.[field] !== type)
        throw new Error(
          `${file}: set ${JSON.stringify(s?.name)}: "${field}" should be a ${type}, got ${JSON.stringify(s?.[field])}`,
        );
    }
    if (!Array.isArray(s.clients)) throw new Error(`${file}: set ${s.name}: "clients" should be an array`);
    parseSpec(s.requiresPython);
  }
  return json.sets;
}

/** The set's hashed lock file. */
export function lockPath(name) {
  return path.join(SETS_DIR, name, 'requirements.txt');
}

/** First 12 hex digits of sha256(lock): names the environment, so a changed lock makes a new one. */
export function lockHash(lockText) {
  return createHash('sha256').update(lockText).digest('hex').slice(0, 12);
}

const CLAUSE = /^(>=|<=|==|!=|>|<)\s*(\d+(?:\.\d+)*)$/;

/** @returns {{ op: string, version: number[] }[]} the clauses of a PEP 440 specifier like ">=3.10,<3.12". */
export function parseSpec(spec) {
  return spec.split(',').map((raw) => {
    const m = CLAUSE.exec(raw.trim());
    if (!m || m[1] === undefined || m[2] === undefined) {
      throw new Error(
        `requiresPython ${JSON.stringify(spec)}: clause ${JSON.stringify(raw.trim())} is not <op><version> (ops >= <= == != > <)`,
      );
    }
    return { op: m[1], version: m[2].split('.').map(Number) };
  });
}

function compare(a, b) {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Whether a Python version ("3.11.7") satisfies a specifier (">=3.10,<3.12"). `==3.11` matches 3.11.x, as pip does for a prefix. */
export function satisfiesPython(version, spec) {
  const v = version.split('.').map(Number);
  return parseSpec(spec).every(({ op, version: w }) => {
    const c = compare(op === '==' || op === '!=' ? v.slice(0, w.length) : v, w);
    if (op === '>=') return c >= 0;
    if (op === '<=') return c <= 0;
    if (op === '>') return c > 0;
    if (op === '<') return c < 0;
    if (op === '==') return c === 0;
    return c !== 0;
  });
}
