/**
 * The record schema version written today. Bumped on any change to a record schema (the committed JSON Schemas under
 * results/schema/v<N>/ and a test pin it), with a migration so older records still read.
 */
export const SCHEMA_VERSION = 4;

/**
 * Versions readRecord accepts: the current one, 3 through migrate-v3.ts (`environment.limits` null), 2 through
 * migrate-v2.ts then migrate-v3.ts, and 1 through migrate-v1.ts.
 */
export const READABLE_SCHEMA_VERSIONS = [1, 2, 3, SCHEMA_VERSION] as const;
