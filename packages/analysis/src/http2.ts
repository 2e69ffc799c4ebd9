/**
 * The checks, models and recommendation builders of the http2 case study (notebooks/), as pure functions of its
 * records, tested on both sides in test/analysis-http2.test.ts.
 */
export {};
