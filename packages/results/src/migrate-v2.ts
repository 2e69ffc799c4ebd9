import { SCHEMA_VERSION } from './schema/version';

/**
 * schemaVersion 2 → 3, in memory: committed records are never rewritten, they are read through this. Version 3 only
 * added optional fields (a foreign client's `set`, `loop`, `interpreter` and `maxKeepaliveConnections`; the app-run
 * record kind), so a version 2 record is a version 3 record with its version rewritten. The result is validated
 * against the version 3 schema like any record read.
 */
export function migrateV2(record: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return { ...record, schemaVersion: SCHEMA_VERSION };
}
