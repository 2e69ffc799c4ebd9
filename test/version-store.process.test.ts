import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { installVersion, liveChildren } from '@casebook/procs';
import { CasebookError } from '@casebook/results';
import { clientRuntimeOf, runBench } from '@casebook/runner';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type CliResult, REPO, runCasebook, runCasebookInProcess } from './fixtures/cli';

/**
 * The version store against the npm registry, and a client worker on another Node with another client version.
 * The entries used here are the ones scripts/bootstrap.mjs prefetches (step e), so once bootstrap has run nothing
 * here needs the network except the one test that asks the registry about a version it does not have.
 */

const RUNTIME = '22.22.0';
const UNDICI = '7.16.0';

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

beforeAll(async () => {
  // Warm the store (a no-op after bootstrap).
  await installVersion('node', RUNTIME);
  await installVersion('undici', UNDICI);
}, 300_000);

function casebook(args: readonly string[], resultsDir: string): Promise<CliResult> {
  return runCasebook(args, { resultsDir, timeoutMs: 90_000 });
}

describe('version store', () => {
  test('an entry already stored installs in under a second, without npm', async () => {
    const started = Date.now();
    const undici = await installVersion('undici', UNDICI);
    const node = await installVersion('node', RUNTIME);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(undici.integrity).toMatch(/^sha512-/);
    expect(path.basename(undici.dir)).toMatch(/^undici@7\.16\.0-[0-9a-f]{12}$/);
    expect(fs.existsSync(path.join(undici.nodeModules, 'undici', 'package.json'))).toBe(true);
    expect(node.binary !== null && fs.existsSync(node.binary)).toBe(true);
    // Nothing leaked into the workspace: its undici is still the pinned one.
    const workspace = JSON.parse(fs.readFileSync(path.join(REPO, 'node_modules', 'undici', 'package.json'), 'utf8'));
    expect(workspace.version).not.toBe(UNDICI);
  });

  test('a version the registry does not have is a usage error naming the field', async () => {
    const error = await installVersion('undici', '7.999.0', { field: '--client-version' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CasebookError);
    // Offline, npm cannot tell; then the store says npm failed (never a silent success).
    const code = (error as CasebookError).code;
    expect(['CASEBOOK_USAGE', 'CASEBOOK_VERSION_STORE']).toContain(code);
    if (code === 'CASEBOOK_USAGE') expect(String(error)).toMatch(/--client-version: "7\.999\.0".*not published/);
  }, 120_000);
});

describe('a worker on another runtime with another client version', () => {
  test('the record says what ran: the runtime, its bundled undici, the client version and the store entries', async () => {
    const record = await runBench(
      { client: 'undici-request', concurrency: 4, requests: 200, warmupRequests: 50, trials: 1 },
      { versions: { node: RUNTIME, clientVersion: UNDICI } },
    );
    expect(record.status).toBe('completed');
    expect(record.client.version).toBe(UNDICI);
    expect(record.client.sourceUrl).toContain(`v${UNDICI}`);
    const runtime = clientRuntimeOf(record.client);
    expect(runtime?.node).toBe(`v${RUNTIME}`);
    // Node 22 bundles an undici 6 for its global fetch: a separate axis from the npm client.
    expect(runtime?.bundledUndici).toMatch(/^6\./);
    expect(runtime?.nodeFrom?.version).toBe(RUNTIME);
    expect(runtime?.clientFrom?.integrity).toMatch(/^sha512-/);
    expect(liveChildren()).toEqual([]);
  });

  test('without a choice the worker runs the workspace Node and says so', async () => {
    const record = await runBench({
      client: 'node-fetch',
      concurrency: 2,
      requests: 50,
      warmupRequests: 10,
      trials: 1,
    });
    const runtime = clientRuntimeOf(record.client);
    expect(runtime?.node).toBe(process.version);
    expect(runtime?.bundledUndici).toBe(process.versions['undici']);
    expect(runtime?.nodeFrom).toBeNull();
    expect(runtime?.clientFrom).toBeNull();
  });
});

describe('casebook bench --node / --client-version', () => {
  const fresh = (): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'casebook-versions-'));
    tempDirs.push(dir);
    return dir;
  };
  const base = ['bench', '--concurrency', '2', '--requests', '40', '--trials', '1', '--warmup', '10'];

  test.each([
    [['--client', 'undici-dispatch', '--client-version', '6.21.0'], /--client-version: "6\.21\.0".*onRequestStart/],
    [['--client', 'undici-request', '--client-version', '^7'], /--client-version: "\^7"/],
    [['--client', 'node-fetch', '--client-version', '7.16.0'], /choose it with --node/],
    [['--client', 'undici-request', '--node', '20.19.0'], /--node: "20\.19\.0"/],
  ])('refused: %j → exit 2, the reason, nothing written', async (args, message) => {
    const dir = fresh();
    // Refused before anything starts: main() in this process (the other cases here run the real bin).
    const r = await runCasebookInProcess([...base, ...args], { resultsDir: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test('one matrix row is one command; the record and the rerun line carry the versions', async () => {
    const dir = fresh();
    const r = await casebook(
      [...base, '--client', 'undici-request', '--node', RUNTIME, '--client-version', UNDICI, '--json'],
      dir,
    );
    expect(r.code).toBe(0);
    const record = JSON.parse(r.stdout);
    expect(record.client.version).toBe(UNDICI);
    expect(record.client.settings.runtime.node).toBe(`v${RUNTIME}`);
    const cite = await casebook(['cite', record.runId], dir);
    expect(cite.stdout).toContain(`--node ${RUNTIME} --client-version ${UNDICI}`);
  });
});
