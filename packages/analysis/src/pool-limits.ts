/**
 * The checks, models and recommendation builders of the pool-limits case study (notebooks/), as pure functions of its
 * records, tested on both sides in test/analysis-pool-limits.test.ts.
 */
export {};
