import { RecordError } from './errors';
import { type RunError, runOutcome, runStatus } from './run-outcome';
import type { BenchRecord } from './schema/bench';
import type { CaseStudyRecord, MeasurementSummary, Verdict } from './schema/case-study';
import type { Environment } from './schema/environment';
import type { AnyRecord } from './schema/record';
import type { AnyRecordV1, BenchRecordV1, CaseStudyRecordV1 } from './schema/v1';
import { SCHEMA_VERSION } from './schema/version';

/**
 * schemaVersion 1 → 2 (and on to the current version: 2 → 3 only rewrote the version, migrate-v2.ts; 3 → 4 added
 * `environment.limits`, migrate-v3.ts), in memory: committed records are never rewritten, they are read through this.
 * What changes:
 * - environment: `hostname` is dropped (records are public); `machineId` is null (unknown), `machineIdPersistent`
 *   false; `limits` null (unknown);
 * - outcome: `completedParts` is added (bench: trials done of params.trials; case study: measurements, planned
 *   unknown). A v1 case study was `errored` when one of its measurements errored: that becomes the error
 *   CASEBOOK_MEASUREMENT_ERRORED. A v1 record whose status and error disagree is refused, not guessed at;
 * - verdicts: `kind: 'unclassified'` and `outcome` from `holds` (true → holds, false → fails).
 */

export function migrateV1(record: AnyRecordV1, file: string): AnyRecord {
  switch (record.kind) {
    case 'bench':
      return migrateBench(record, file);
    case 'case-study':
      return migrateCaseStudy(record, file);
    case 'harness-overhead':
      return { ...record, schemaVersion: SCHEMA_VERSION };
  }
}

function migrateEnvironment(environment: BenchRecordV1['environment']): Environment {
  const { hostname: _hostname, ...rest } = environment;
  return { ...rest, machineId: null, machineIdPersistent: false, limits: null };
}

/** The v1 error, refusing a record where `status` and `error` disagree (v1 let them vary independently). */
function agreedError(status: 'completed' | 'errored', error: RunError | null, path: string, file: string) {
  if ((status === 'completed') === (error === null)) return error;
  throw new RecordError(
    'CASEBOOK_RECORD_SCHEMA',
    file,
    `${path}: ${JSON.stringify(error)} does not agree with status ${JSON.stringify(status)} (a schemaVersion 1 record)`,
  );
}

function migrateBench(record: BenchRecordV1, file: string): BenchRecord {
  const { schemaVersion: _version, kind, runId, status, error, environment, ...body } = record;
  const parts = { done: record.trials.length, planned: record.params.trials };
  return {
    schemaVersion: SCHEMA_VERSION,
    kind,
    runId,
    ...runOutcome(agreedError(status, error, '/error', file), parts),
    ...body,
    environment: migrateEnvironment(environment),
  };
}

function migrateMeasurement(
  measurement: CaseStudyRecordV1['measurements'][number],
  index: number,
  file: string,
): MeasurementSummary {
  const { status, error, ...summary } = measurement;
  const agreed = agreedError(status, error, `/measurements/${index}/error`, file);
  return { ...summary, ...runStatus(agreed) };
}

function migrateVerdict(verdict: CaseStudyRecordV1['verdicts'][number]): Verdict {
  const { id, claim, evidence } = verdict;
  const kind = 'unclassified';
  return verdict.holds
    ? { id, claim, kind, outcome: 'holds', holds: true, evidence }
    : { id, claim, kind, outcome: 'fails', holds: false, evidence };
}

function migrateCaseStudy(record: CaseStudyRecordV1, file: string): CaseStudyRecord {
  const { schemaVersion: _version, kind, runId, status, environment, measurements, verdicts, ...body } = record;
  const notCompleted = measurements.filter((m) => m.status !== 'completed').length;
  const error =
    status === 'completed'
      ? null
      : {
          code: 'CASEBOOK_MEASUREMENT_ERRORED',
          message: `${notCompleted} of ${measurements.length} measurements errored`,
        };
  return {
    schemaVersion: SCHEMA_VERSION,
    kind,
    runId,
    ...runOutcome(error, { done: measurements.length, planned: null }),
    ...body,
    environment: migrateEnvironment(environment),
    measurements: measurements.map((m, i) => migrateMeasurement(m, i, file)),
    verdicts: verdicts.map(migrateVerdict),
  };
}
