import { type SchemaOptions, type TProperties, type TSchema, Type } from '@sinclair/typebox';

/**
 * Building blocks every record kind shares: the closed-object option, run ids, timestamps, and the run outcome
 * (`status` with its `error` and `completedParts`), so each kind states them the same way.
 */

/** Record roots and their main nested objects refuse unknown fields, so a misspelt field is caught on write and read. */
export const CLOSED = { additionalProperties: false } as const;

/** `<prefix>-<8 hex>`, what newRunId makes and what readers cite. */
export const RUN_ID_PATTERN = '^[a-z0-9][a-z0-9-]*-[0-9a-f]{8}$';

/** `Date#toISOString()`: UTC, millisecond precision. */
const TIMESTAMP_PATTERN = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?Z$';

export const RunIdSchema = Type.String({ pattern: RUN_ID_PATTERN, description: 'Citable run id: <prefix>-<8 hex>' });
export const TimestampSchema = Type.String({ pattern: TIMESTAMP_PATTERN, description: 'ISO 8601 UTC timestamp' });

export const Nullable = <T extends TSchema>(schema: T, options: SchemaOptions = {}) =>
  Type.Union([schema, Type.Null()], options);

/** Counts by key (error code, protocol, TLS version…): keys are open-ended, values are numbers. */
export const CountsSchema = Type.Record(Type.String(), Type.Number());

/** Open-ended options or notes: any JSON value under any key. */
export const OpenRecordSchema = Type.Record(Type.String(), Type.Unknown());

/**
 * Why a run did not complete. `code` is a CasebookCode (see codes.ts) or a code that is not ours: a client's
 * (ECONNRESET, UND_ERR_*) or a foreign worker's.
 */
export const RunErrorSchema = Type.Object(
  {
    code: Type.String({
      minLength: 1,
      description: "A CASEBOOK_* code (README: Error codes), or a client's or foreign worker's own",
    }),
    message: Type.String(),
  },
  CLOSED,
);

export const INTERRUPTED_CODE = 'CASEBOOK_INTERRUPTED';

export const InterruptedErrorSchema = Type.Object(
  { code: Type.Literal(INTERRUPTED_CODE), message: Type.String() },
  CLOSED,
);

/**
 * What part of a run was done: bench records count trials (planned = params.trials; under the steady-state method,
 * blocks of the interleave's rounds), case studies count measurements (planned = null: a notebook does not declare
 * its measurements in advance), dns-run records count rounds (planned = job.rounds, 1 for lookups). Present on every
 * status, so a completed record says how much it holds.
 */
export const CompletedPartsSchema = Type.Object(
  {
    done: Type.Integer({ minimum: 0 }),
    planned: Nullable(Type.Integer({ minimum: 0 })),
  },
  {
    ...CLOSED,
    description:
      'How much of the run was done: bench, trials of params.trials (steady-state method: blocks of the interleave rounds); case study, measurements (planned null); dns-run, rounds',
  },
);

/** `completed` has no error; `errored` and `interrupted` have one, and keep what they measured before it. */
export const OUTCOME_VARIANTS = {
  completed: { status: Type.Literal('completed'), error: Type.Null(), completedParts: CompletedPartsSchema },
  errored: { status: Type.Literal('errored'), error: RunErrorSchema, completedParts: CompletedPartsSchema },
  interrupted: {
    status: Type.Literal('interrupted'),
    error: InterruptedErrorSchema,
    completedParts: CompletedPartsSchema,
  },
} as const;

const OUTCOME_DESCRIPTION =
  'One shape per status: completed (error null), errored (error {code, message}), interrupted (error.code CASEBOOK_INTERRUPTED); completedParts says what was done';

/**
 * A record whose `status` is a real union: one closed object per status, each with the shared properties. `head`
 * comes before the outcome fields and `body` after, which is the order the emitted JSON Schema lists them in.
 */
export function withOutcome<H extends TProperties, B extends TProperties>(head: H, body: B, title: string) {
  return Type.Union(
    [
      Type.Object({ ...head, ...OUTCOME_VARIANTS.completed, ...body }, CLOSED),
      Type.Object({ ...head, ...OUTCOME_VARIANTS.errored, ...body }, CLOSED),
      Type.Object({ ...head, ...OUTCOME_VARIANTS.interrupted, ...body }, CLOSED),
    ],
    { title, description: OUTCOME_DESCRIPTION },
  );
}

/** Status and error only (a case study's summary of one measurement: the bench record holds the parts). */
export function withStatus<P extends TProperties>(properties: P, title: string) {
  const { completed, errored, interrupted } = OUTCOME_VARIANTS;
  return Type.Union(
    [
      Type.Object({ ...properties, status: completed.status, error: completed.error }, CLOSED),
      Type.Object({ ...properties, status: errored.status, error: errored.error }, CLOSED),
      Type.Object({ ...properties, status: interrupted.status, error: interrupted.error }, CLOSED),
    ],
    { title },
  );
}

/** The outcome fields alone, for producers that build them (run-outcome.ts). */
export const RunOutcomeSchema = withOutcome({}, {}, 'Run outcome');
export const RunStatusSchema = withStatus({}, 'Run status');
