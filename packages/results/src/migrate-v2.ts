/**
 * schemaVersion 2 → 3, in memory: committed records are never rewritten, they are read through this. Version 3 only
 * added optional fields (a foreign client's `set`, `loop`, `interpreter` and `maxKeepaliveConnections`; the app-run
 * record kind), so a version 2 record is a version 3 record with its version rewritten. It then goes on through
 * migrate-v3.ts to the current version and is validated against that schema like any record read.
 */
export function migrateV2(record: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return { ...record, schemaVersion: 3 };
}
