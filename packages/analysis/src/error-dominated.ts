/**
 * Error-dominated measurements. A trial in which many requests failed times the failures, not the client: a gather of
 * 512 in which httpx's 5 s pool timeout fired for most requests has a "batch time" of the timeout. Such a measurement
 * is shown with its error count and codes but enters no claim and no ratio ("vs fastest"). The guards of the
 * steady-state method already flag `errors`; the phase method (the seed's gather) has no guards, hence this rule.
 */

/** More than 1 % of requests failed: beyond the odd reset a healthy run can show, so the time is not a client's. */
export const ERROR_DOMINATED_SHARE = 0.01;

export interface ErrorCounts {
  /** Failed requests. */
  errors: number;
  /** Requests attempted (answered + failed). */
  attempts: number;
}

/** True when more than `maxShare` of the attempted requests failed (a measurement with no attempt is not). */
export function isErrorDominated(c: ErrorCounts, maxShare: number = ERROR_DOMINATED_SHARE): boolean {
  return c.attempts > 0 && c.errors / c.attempts > maxShare;
}

/** Error counts by code, largest first: `PoolTimeout 3751, ConnectTimeout 3`; '' when none. */
export function errorCodesText(byCode: Readonly<Record<string, number>>): string {
  return Object.entries(byCode)
    .sort((a, b) => b[1] - a[1])
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
}

/** What a phase-method record gives: its measured trials, each with requests sent and errors by code. */
export interface PhaseErrorsLike {
  trials: readonly { sent?: number; errors?: { total: number; byCode: Readonly<Record<string, number>> } }[];
}

/** The measured trials' errors, attempts and codes summed (warm-up excluded), and whether they dominate. */
export function phaseErrors(r: PhaseErrorsLike): ErrorCounts & { byCode: Record<string, number>; dominated: boolean } {
  let errors = 0;
  let attempts = 0;
  const byCode: Record<string, number> = {};
  for (const t of r.trials) {
    attempts += t.sent ?? 0;
    errors += t.errors?.total ?? 0;
    for (const [code, n] of Object.entries(t.errors?.byCode ?? {})) byCode[code] = (byCode[code] ?? 0) + n;
  }
  return { errors, attempts, byCode, dominated: isErrorDominated({ errors, attempts }) };
}
