import { errorCodesText, phaseErrors, type SeedMeasurement, servedInFlight } from '@casebook/analysis';
import type { BenchRecord, ForeignClientBlock } from '@casebook/results';

/**
 * What a citation row says about a Python (foreign) measurement, read from its bench record: the package that ran
 * (the runner's record name `python-httpx` covers httpx and httpx2 alike, so a row labelled by it would credit httpx2's
 * numbers to httpx), whether it was the seed's gather (the phase method, one batch of N at concurrency N, not a
 * closed loop), and whether its requests mostly failed. Node measurements are left as they were (null).
 */

const isForeign = (c: BenchRecord['client']): c is ForeignClientBlock => 'language' in c && c.language === 'python';

/** `httpx2` + `2.16.2 (httpcore2 2.16.2)`, `httpx` + `0.27.0 (httpcore 1.0.5)`, `aiohttp` + `3.8.4`; null for Node. */
export function foreignClientCell(client: BenchRecord['client']): { client: string; version: string } | null {
  if (!isForeign(client)) return null;
  const v = client.versions;
  if (client.foreign === 'httpx') {
    const pkg = v['httpx2'] ? 'httpx2' : 'httpx';
    const pool = pkg === 'httpx2' ? 'httpcore2' : 'httpcore';
    const version = v[pkg] ?? client.version;
    return { client: pkg, version: v[pool] ? `${version} (${pool} ${v[pool]})` : version };
  }
  if (client.foreign === 'httpx-aiohttp-seed')
    return { client: "the seed's AiohttpTransport", version: client.version };
  return { client: client.packageName, version: client.version };
}

/** The seed's gather: a Python phase-method measurement of one batch of N requests at concurrency N. */
export function gatherOf(r: BenchRecord): number | null {
  const l = r.params.load;
  const phase = r.method === undefined;
  return isForeign(r.client) && phase && l.mode === 'closed' && l.requests !== null && l.requests === l.concurrency
    ? l.requests
    : null;
}

/** The load cell of a gather: `gather of 512 (phase method)`. */
export const gatherLoadText = (n: number): string => `gather of ${n} (phase method)`;

/**
 * `3751 of 5120 failed (PoolTimeout 3751)` when more than 1 % of a phase-method measurement's requests failed (its time
 * is the failures', not a batch time), else null. Steady-state measurements are left to their guards (`errors`).
 */
export function errorDominatedText(r: BenchRecord): string | null {
  if (r.method !== undefined) return null;
  const e = phaseErrors(r);
  return e.dominated ? `${e.errors} of ${e.attempts} failed (${errorCodesText(e.byCode)})` : null;
}

/**
 * A Python measurement that left no data (errored before any measured block or trial): its throughput, latencies, CPU
 * and errors read 0 in the record, which a table would print as measured zeros; the citation prints "no data".
 */
export function foreignNoData(r: BenchRecord): boolean {
  if (!isForeign(r.client) || r.status === 'completed') return false;
  return r.method !== undefined ? r.method.blocks.length === 0 : r.trials.length === 0;
}

/**
 * The seed's latency rule for a Python steady-state measurement (`servedInFlight` in @casebook/analysis): latencies
 * are recorded only on completion, so where fewer than half the C callers were served in flight, p50/p99 describe the
 * lanes that cycled, not a caller at C, and the notebook leaves them blank; the citation does the same.
 */
export function foreignPartialLatency(r: BenchRecord): boolean {
  if (!isForeign(r.client) || r.method === undefined) return false;
  return servedInFlight(r as unknown as SeedMeasurement).partialLatency;
}

/**
 * `294 of 512 failed in the first (cold) gather (PoolTimeout 294)` for a Python phase-method measurement whose warm-up
 * (the seed's first gather of a cold client, left out of the measured trials) failed requests, else null. The record
 * keeps them in the bench's `warmup.errors`; the measured errors column alone would read 0 for such a gather.
 */
export function coldGatherErrorsText(r: BenchRecord): string | null {
  if (!isForeign(r.client) || r.method !== undefined || !r.warmup || r.warmup.errors.total === 0) return null;
  const w = r.warmup;
  const where = gatherOf(r) === null ? 'in the warm-up' : 'in the first (cold) gather';
  return `${w.errors.total} of ${w.sent} failed ${where} (${errorCodesText(w.errors.byCode)})`;
}
