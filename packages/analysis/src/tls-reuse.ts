/**
 * The checks, models and recommendation builders of the tls-reuse case study (notebooks/), as pure functions of its
 * records, tested on both sides in test/analysis-tls-reuse.test.ts.
 */
export {};
