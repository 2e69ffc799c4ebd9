import type { TSchema } from '@sinclair/typebox';
import { type AppRunRecord, AppRunRecordSchema } from './app-run';
import { type BenchRecord, BenchRecordSchema } from './bench';
import { type BisectRecord, BisectRecordSchema } from './bisect';
import { type CaseStudyRecord, CaseStudyRecordSchema } from './case-study';
import { CorrectionsIndexSchema } from './corrections';
import { type DnsRunRecord, DnsRunRecordSchema } from './dns-run';
import { type HarnessOverheadRecord, HarnessOverheadRecordSchema } from './harness-overhead';
import { type ReproductionRecord, ReproductionRecordSchema } from './reproduction';

/** Every record kind of the current schema version, by `kind`. */
export const RECORD_SCHEMAS = {
  bench: BenchRecordSchema,
  'case-study': CaseStudyRecordSchema,
  'harness-overhead': HarnessOverheadRecordSchema,
  'dns-run': DnsRunRecordSchema,
  'app-run': AppRunRecordSchema,
  reproduction: ReproductionRecordSchema,
  bisect: BisectRecordSchema,
} as const satisfies Record<string, TSchema>;

export type RecordKind = keyof typeof RECORD_SCHEMAS;

/** What readRecord returns: any record, discriminated by `kind`. */
export type AnyRecord =
  | BenchRecord
  | CaseStudyRecord
  | HarnessOverheadRecord
  | DnsRunRecord
  | AppRunRecord
  | ReproductionRecord
  | BisectRecord;

/** Files under results/schema/v<N>/: one per record kind, and the corrections index. */
export const SCHEMA_FILES: Readonly<Record<string, TSchema>> = {
  ...RECORD_SCHEMAS,
  corrections: CorrectionsIndexSchema,
};
