/**
 * The checks, models and recommendation builders of the dns case study (notebooks/), as pure functions of its
 * records, tested on both sides in test/analysis-dns.test.ts.
 */
export {};
