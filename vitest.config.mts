import { defineConfig } from 'vitest/config';

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
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/notebooks/**'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
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
        },
      },
    ],
  },
});
