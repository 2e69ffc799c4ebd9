import { SCHEMA_VERSION } from './schema/version';

/**
 * schemaVersion 3 → 4, in memory: committed records are never rewritten, they are read through this. Version 4 added
 * `environment.limits` (open-file limits and the ephemeral port range), unknown for older runs, so it is null; and
 * the `reproduction` record kind, which has no older records. Version 2 records come through migrate-v2.ts first.
 * The result is validated against the version 4 schema like any record read.
 */
export function migrateV3(record: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const environment = record['environment'];
  const withLimits =
    typeof environment === 'object' && environment !== null && !Array.isArray(environment)
      ? { environment: { ...environment, limits: null } }
      : {};
  return { ...record, schemaVersion: SCHEMA_VERSION, ...withLimits };
}
