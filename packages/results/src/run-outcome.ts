import type { Static } from '@sinclair/typebox';
import {
  type CompletedPartsSchema,
  INTERRUPTED_CODE,
  type RunErrorSchema,
  type RunOutcomeSchema,
  type RunStatusSchema,
} from './schema/common';

/**
 * The outcome fields of a record (`status`, `error`, `completedParts`) built from what a runner knows at the end —
 * its failure, if any, and how far it got — so producers spread one value instead of keeping status and error in
 * step by hand.
 */

export type RunError = Static<typeof RunErrorSchema>;
export type CompletedParts = Static<typeof CompletedPartsSchema>;

export type RunOutcome = Static<typeof RunOutcomeSchema>;

/** A measurement summary's status: the same union without the parts (its bench record holds them). */
export type RunStatus = Static<typeof RunStatusSchema>;

/** The status an error means: none → completed; CASEBOOK_INTERRUPTED → interrupted; any other code → errored. */
export function runStatus(error: RunError | null): RunStatus {
  if (error === null) return { status: 'completed', error: null };
  const { code, message } = error;
  if (code === INTERRUPTED_CODE) return { status: 'interrupted', error: { code, message } };
  return { status: 'errored', error: { code, message } };
}

/** A record's outcome fields: the status its error means, and how much of the run was done. */
export function runOutcome(error: RunError | null, completedParts: CompletedParts): RunOutcome {
  return { ...runStatus(error), completedParts };
}
