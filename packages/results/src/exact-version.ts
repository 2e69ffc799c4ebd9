import { UsageError } from './errors';

/**
 * Exact package versions (what the version store installs and what a record says ran) and the few range forms the
 * support table and `engines.node` fields use. The store only ever installs an exact version: a range would let the
 * registry choose what runs, and the record could not say in advance what it measured. Small on purpose (no
 * dependency on `semver`): comparators `>=`, `>`, `<=`, `<`, `=`, `^`, `~`, bare and x-ranges, joined by spaces
 * (and) and `||` (or). Prerelease versions compare below their release, per semver.
 */

export interface ExactVersion {
  major: number;
  minor: number;
  patch: number;
  /** '' for a release. */
  prerelease: string;
  /** The version as given, without a leading `v`. */
  text: string;
}

const EXACT = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?$/;

/** An exact version, or null when `text` is not one (ranges, tags such as `latest`, partial versions). */
export function parseExactVersion(text: string): ExactVersion | null {
  const m = EXACT.exec(text.trim());
  if (!m) return null;
  return {
    major: Number(m[1]),
    minor: Number(m[2]),
    patch: Number(m[3]),
    prerelease: m[4] ?? '',
    text: text.trim().replace(/^v/, ''),
  };
}

/** The exact version in `value`, or a UsageError naming `field` (a CLI flag or an option). */
export function requireExactVersion(field: string, value: unknown): ExactVersion {
  const parsed = typeof value === 'string' ? parseExactVersion(value) : null;
  if (parsed === null)
    throw new UsageError(field, value, 'expected an exact published version such as 7.16.0 (no ranges or tags)');
  return parsed;
}

/** -1, 0 or 1; a prerelease sorts below its release, prerelease identifiers compare numerically where both are. */
export function compareVersions(a: ExactVersion, b: ExactVersion): number {
  for (const key of ['major', 'minor', 'patch'] as const) {
    if (a[key] !== b[key]) return a[key] < b[key] ? -1 : 1;
  }
  if (a.prerelease === b.prerelease) return 0;
  if (a.prerelease === '') return 1;
  if (b.prerelease === '') return -1;
  const pa = a.prerelease.split('.');
  const pb = b.prerelease.split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    const nx = /^\d+$/.test(x) ? Number(x) : null;
    const ny = /^\d+$/.test(y) ? Number(y) : null;
    if (nx !== null && ny !== null) return nx < ny ? -1 : 1;
    if (nx !== null) return -1;
    if (ny !== null) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

type Comparator = { op: '>=' | '>' | '<=' | '<' | '='; version: ExactVersion };

const version = (major: number, minor: number, patch: number, prerelease = ''): ExactVersion => ({
  major,
  minor,
  patch,
  prerelease,
  text: `${major}.${minor}.${patch}${prerelease ? `-${prerelease}` : ''}`,
});

const PARTIAL = /^(>=|>|<=|<|=|\^|~)?\s*v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:-([0-9A-Za-z.-]+))?$/;

/** One comparator token of a range as plain comparators; throws on a form this module does not read. */
function comparators(token: string): Comparator[] {
  const m = PARTIAL.exec(token);
  if (!m) throw new Error(`unsupported version range token ${JSON.stringify(token)}`);
  const op = m[1] ?? '';
  const num = (s: string | undefined): number | null => (s === undefined || /^[xX*]$/.test(s) ? null : Number(s));
  const major = num(m[2]);
  const minor = num(m[3]);
  const patch = num(m[4]);
  const pre = m[5] ?? '';
  if (major === null) return [];
  const lo = version(major, minor ?? 0, patch ?? 0, pre);
  if (op === '^') {
    // ^1.2.3 → <2.0.0; ^0.2.3 → <0.3.0; ^0.0.3 → <0.0.4; ^0 → <1.0.0
    const hi =
      major > 0 || minor === null
        ? version(major + 1, 0, 0)
        : minor > 0 || patch === null
          ? version(0, minor + 1, 0)
          : version(0, 0, patch + 1);
    return [
      { op: '>=', version: lo },
      { op: '<', version: { ...hi, prerelease: '0' } },
    ];
  }
  if (op === '~' || ((op === '' || op === '=') && (minor === null || patch === null))) {
    const hi = minor === null ? version(major + 1, 0, 0) : version(major, minor + 1, 0);
    return [
      { op: '>=', version: lo },
      { op: '<', version: { ...hi, prerelease: '0' } },
    ];
  }
  if ((op === '<=' || op === '>') && (minor === null || patch === null)) {
    const hi = minor === null ? version(major + 1, 0, 0) : version(major, minor + 1, 0);
    return [{ op: op === '<=' ? '<' : '>=', version: { ...hi, prerelease: '0' } }];
  }
  return [{ op: isOperator(op) ? op : '=', version: lo }];
}

const isOperator = (op: string): op is Comparator['op'] => ['>=', '>', '<=', '<', '='].includes(op);

function holds(v: ExactVersion, c: Comparator): boolean {
  const d = compareVersions(v, c.version);
  switch (c.op) {
    case '>=':
      return d >= 0;
    case '>':
      return d > 0;
    case '<=':
      return d <= 0;
    case '<':
      return d < 0;
    case '=':
      return d === 0;
  }
}

/**
 * Whether `v` satisfies `range` (e.g. `>=6.0.0 <9.0.0`, `^7 || ^8`, `>=20.18.1`). Prereleases are compared by
 * precedence only (npm's rule that excludes them from most ranges does not matter for what the store installs).
 * Throws on a range form it does not read, so a new form in a package's `engines` is seen, not silently passed.
 */
export function satisfiesRange(v: ExactVersion, range: string): boolean {
  const alternatives = range.split('||').map((s) => s.trim());
  return alternatives.some((alt) => {
    if (alt === '' || alt === '*') return true;
    // "1.2.3 - 2.3.4" hyphen ranges
    const hyphen = /^(\S+)\s+-\s+(\S+)$/.exec(alt);
    const tokens = hyphen
      ? [`>=${hyphen[1]}`, `<=${hyphen[2]}`]
      : alt.replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1').split(/\s+/);
    return tokens.flatMap(comparators).every((c) => holds(v, c));
  });
}
