import { defineConfig } from 'vitest/config';

/**
 * Test files that start no process, server or socket, change no environment variable, working directory or global
 * (no vi.spyOn, fake timers or process handlers) and write only to their own temp folders: pure functions on
 * constructed or committed data. Each was read to check this. They run in the `unit-pure` project, in one worker
 * without a fresh fork and module graph per file (isolate: false), which saves the 0.6-0.8 s a file's fork and imports
 * cost. A file that stops being pure (starts a process, sets process.env, mocks) must move back to `unit`: take it off
 * this list. A new test file goes to `unit` unless listed here.
 */
const PURE_FILES = [
  'analysis-at-once',
  'analysis-bisect',
  'analysis-bisect-processes',
  'analysis-bisects-superseded',
  'analysis-bodies',
  'analysis-design-reach',
  'analysis-dns',
  'analysis-guard-rule',
  'analysis-http2',
  'analysis-keepalive-advice',
  'analysis-keepalive-races',
  'analysis-pool-limits',
  'analysis-runtime-fetch',
  'analysis-seed-after-894dfcb9',
  'analysis-seed-after-e65a2755',
  'analysis-seed-claims-after-e65a2755',
  'analysis-seed-f81740df',
  'analysis-seed-faults',
  'analysis-seed-gather',
  'analysis-seed-next-run',
  'analysis-seed-processes',
  'analysis-seed-readings',
  'analysis-seed-stalls',
  'analysis-seed-timeouts',
  'analysis-seed',
  'analysis-tls-reuse',
  'analysis-uploads',
  'analysis-verdicts',
  'analysis-version-sweep',
  'analysis-versions-after-0cfdd43a',
  'analysis-versions-after-33c58fd8',
  'analysis-versions-after-670dac55',
  'analysis-versions-after-a69647ac',
  'analysis-versions-sweep-after-0cfdd43a',
  'analysis-versions-next-run',
  'analysis-versions',
  'analysis',
  'body-summaries',
  'bisect-version-loaded',
  'charts-axis',
  'charts-flagged',
  'cite-foreign-rows',
  'cite-paired',
  'citing-guards',
  'committed-bisects',
  'committed-records',
  'continuous-params',
  'error-dominated',
  'foreign-contenders',
  'foreign-worker',
  'matrix-table',
  'notebook-profiles',
  'python-sets',
  'race-clock',
  'race-plan',
  'race-runs-schema',
  'runner-summary',
  'runtime-fetch',
  'schema',
  'seed-app',
  'site',
  'source-links',
  'steady-state',
  'stats-independent',
  'study-cell-error',
  'study-faults',
  'study-verdict-text',
  'versions-plan',
].map((name) => `test/${name}.test.ts`);

// Tests run against real sockets and real child processes; they assert behaviour and bounds, never speed. The
// timeouts are hang guards, generous enough for a busy 2-core machine (another run measuring on it): a test that hits
// one is stuck, not slow.
export default defineConfig({
  test: {
    // Each file's time, for the CI budget (15 minutes on a fresh clone): `node scripts/test-times.mjs` prints them.
    // npm test's two runs (test:unit, test:notebooks) each name their own report with --outputFile.json, so the
    // notebooks run does not overwrite the unit report; this one is for a bare `npx vitest run`.
    reporters: ['default', 'json'],
    outputFile: { json: '.casebook-tmp/test-times.json' },
    projects: [
      {
        test: {
          name: 'unit-pure',
          include: PURE_FILES,
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          isolate: false,
          // Before `unit`, not beside it: projects without an order run at the same time, and the unit tests'
          // client and target are pinned to the 2 cores.
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/notebooks/**', ...PURE_FILES],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: 'notebooks',
          include: ['test/notebooks/**/*.test.ts'],
          // 06's smoke run with the Python sets took 304.6 s in CI on 5 December 2026, over the 300 s guard: a slow run, not
          // a hang, so the guard is twice that.
          testTimeout: 600_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
