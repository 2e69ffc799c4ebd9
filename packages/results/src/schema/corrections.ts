import { Type } from '@sinclair/typebox';
import { CLOSED, RunIdSchema } from './common';
import { SCHEMA_VERSION } from './version';

/**
 * results/corrections.json: committed records never change, so a record found wrong is superseded by a new run and
 * listed here; readers (cite, the results index) show the correction next to it.
 */

/** A calendar date, YYYY-MM-DD. */
const DATE_PATTERN = '^\\d{4}-\\d{2}-\\d{2}$';

export const CorrectionSchema = Type.Object(
  {
    /** The record that is wrong. */
    runId: RunIdSchema,
    /** The run that replaces it. */
    supersededBy: RunIdSchema,
    reason: Type.String({ minLength: 1 }),
    date: Type.String({ pattern: DATE_PATTERN }),
  },
  CLOSED,
);

export const CorrectionsIndexSchema = Type.Object(
  { schemaVersion: Type.Literal(SCHEMA_VERSION), corrections: Type.Array(CorrectionSchema) },
  { ...CLOSED, title: 'Corrections index' },
);
