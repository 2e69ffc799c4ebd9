import type { BenchParams } from '@casebook/results';
import { BENCH_FLAGS, benchOptionsFromFlags, parseArgs, resolveBenchOptions } from '@casebook/runner';
import { DEFAULT_TARGET_OPTIONS } from '@casebook/servers';

/** Parameters that name a measurement rather than change it: never compared, never part of a rerun. */
const NAMING_PARAMS: readonly string[] = ['label', 'caseStudy'];

/** Flatten nested parameters to dotted keys with JSON values, so two runs can be diffed field by field. */
function flattenParams(value: unknown, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const key of Object.keys(value).sort()) {
      Object.assign(out, flattenParams((value as Record<string, unknown>)[key], prefix ? `${prefix}.${key}` : key));
    }
    return out;
  }
  out[prefix] = JSON.stringify(value) ?? 'undefined';
  return out;
}

export interface ParamDiff {
  name: string;
  a: string | null;
  b: string | null;
}

/** Fields whose values differ (a field missing on one side counts), naming fields excluded, sorted by name. */
export function diffParams(a: unknown, b: unknown, prefix = ''): ParamDiff[] {
  const fa = flattenParams(a, prefix);
  const fb = flattenParams(b, prefix);
  const names = [...new Set([...Object.keys(fa), ...Object.keys(fb)])].sort();
  return names
    .filter((n) => !NAMING_PARAMS.includes(n.split('.').pop() ?? n))
    .filter((n) => fa[n] !== fb[n] && !absentMeansOff(fa[n], fb[n]))
    .map((n) => ({ name: n, a: fa[n] ?? null, b: fb[n] ?? null }));
}

/**
 * A parameter added after a record was written is absent from it; it is taken as equal when the other record has
 * it off (false, null, 0 or empty), which is how new parameters keep old behaviour.
 */
function absentMeansOff(a: string | undefined, b: string | undefined): boolean {
  const off = (x: string | undefined) =>
    x === undefined || x === 'false' || x === 'null' || x === '0' || x === '[]' || x === '{}';
  return (a === undefined || b === undefined) && off(a) && off(b);
}

const kebab = (s: string): string => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * Does a user's `--allow-param-diff` name cover this dotted field? Accepted: the full dotted name
 * (`target.delayMs`), its last part (`delayMs`) or the bench flag spelling (`delay-ms`); a prefix covers its
 * sub-fields (`clientOptions` covers `clientOptions.connections`).
 */
export function paramAllowed(field: string, allowed: readonly string[]): boolean {
  const last = field.split('.').pop() ?? field;
  return allowed.some((a) => a === field || field.startsWith(`${a}.`) || a === last || a === kebab(last));
}

/** The `casebook bench` flags that reproduce these resolved options (as far as the CLI can express them). */
export function benchRerunArgs(p: BenchParams): string[] {
  const args = ['--client', p.client];
  if (p.load.mode === 'open') {
    args.push('--mode', 'open', '--rate', String(p.load.rateRps));
    if (p.load.concurrency !== 1) args.push('--concurrency', String(p.load.concurrency));
  } else {
    args.push('--concurrency', String(p.load.concurrency));
  }
  if (p.load.requests !== null) args.push('--requests', String(p.load.requests));
  if (p.load.durationMs !== null) args.push('--duration-ms', String(p.load.durationMs));
  if (p.clientOptions.connections !== null) args.push('--connections', String(p.clientOptions.connections));
  if (p.clientOptions.pipelining !== 1) args.push('--pipelining', String(p.clientOptions.pipelining));
  if (!p.clientOptions.keepAlive) args.push('--no-keep-alive');
  args.push('--delay-ms', String(p.target.delayMs));
  if (p.target.bodyBytes !== DEFAULT_TARGET_OPTIONS.bodyBytes) args.push('--body-bytes', String(p.target.bodyBytes));
  args.push('--trials', String(p.trials), '--warmup', String(p.warmupRequests));
  return args;
}

/**
 * Round-trip the rerun flags through the CLI's own parser and resolver, and name every parameter they do not
 * reproduce (for example a TLS or protocol setting a notebook set but `casebook bench` has no flag for).
 */
export function benchRerunGaps(p: BenchParams): string[] {
  try {
    const { flags } = parseArgs(benchRerunArgs(p), BENCH_FLAGS);
    const again = resolveBenchOptions(benchOptionsFromFlags(flags));
    return diffParams(p, again).map((d) => `${d.name} = ${d.a ?? 'unset'}`);
  } catch (error) {
    return [`the flags do not resolve: ${(error as Error).message}`];
  }
}
