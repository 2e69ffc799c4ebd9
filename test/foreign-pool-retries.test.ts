import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The Python worker's ConnectionNotAvailable counter (casebook_foreign_worker.py install_retry_counter), driven on a
 * stand-in pool (test/fixtures/python/pool_retries.py): it counts each call of the retry branch's clear_connection,
 * per request, once however often it is installed, and touches nothing a request that is not retried runs.
 */
const root = path.resolve(import.meta.dirname, '..');
const worker = path.join(root, 'packages/runner/python/casebook_foreign_worker.py');
const script = path.join(root, 'test/fixtures/python/pool_retries.py');

describe('the foreign worker ConnectionNotAvailable counter', () => {
  it('counts retries per request, in the window, and nothing else', () => {
    const r = spawnSync('python3', [script, worker], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}');
    expect(out).toEqual({
      wrapped: 'fakecore._async.connection_pool.AsyncPoolRequest.clear_connection',
      again: 'fakecore._async.connection_pool.AsyncPoolRequest.clear_connection',
      missing: null,
      total: 3,
      maxPerRequest: 2,
      cleared: true,
      untouched: true,
      windowRetries: 3,
    });
  });
});
