/**
 * The record schema version written today. Bumped on any change to a record schema (the committed JSON Schemas under
 * results/schema/v<N>/ and a test pin it), with a migration so older records still read.
 */
export const SCHEMA_VERSION = 3;

/**
 * Versions readRecord accepts: the current one, 2 through migrate-v2.ts (its records are valid version 3 records) and
 * 1 through migrate-v1.ts.
 */
export const READABLE_SCHEMA_VERSIONS = [1, 2, SCHEMA_VERSION] as const;
