import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FETCH_RUNTIME_SUPPORT } from '@casebook/clients';
import { installVersion, liveChildren, type StoredVersion } from '@casebook/procs';
import { CasebookError } from '@casebook/results';
import { clientRuntimeOf, runBench } from '@casebook/runner';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type CliResult, REPO, runCasebook, runCasebookInProcess } from './fixtures/cli';

/**
 * Bun's and Deno's global fetch, measured: both runtimes installed from npm into the version store (about 100 MB each
 * the first time, nothing after), a smoke-sized bench on each (the normal worker, run by Bun directly and by Deno with
 * its Node compatibility), the record's account of what ran, the refusals of `casebook bench` (exit 2, nothing
 * written), Bun's cap of 256 fetches in flight and the raised one as the target sees them, and no process left behind.
 * When the registry cannot be reached and the store does not have them, every test here is skipped and says why.
 */

const BUN = FETCH_RUNTIME_SUPPORT.bun.pinned;
const DENO = FETCH_RUNTIME_SUPPORT.deno.pinned;
const SMOKE = { concurrency: 4, requests: 100, warmupRequests: 20, trials: 1 } as const;

let stored: { bun: StoredVersion; deno: StoredVersion } | null = null;
let unavailable = '';

const tempDirs: string[] = [];
const fresh = (): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'casebook-runtime-fetch-'));
  tempDirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

beforeAll(async () => {
  try {
    stored = { bun: await installVersion('bun', BUN), deno: await installVersion('deno', DENO) };
  } catch (error) {
    // npm could not reach the registry (and the store did not have them): nothing here can run.
    if (!(error instanceof CasebookError) || error.code !== 'CASEBOOK_VERSION_STORE') throw error;
    unavailable = `Bun ${BUN} / Deno ${DENO} not in the version store and the npm registry unreachable: ${error.message}`;
  }
}, 600_000);

/** Skip the test (with the reason) when the runtimes could not be installed. */
function needRuntimes(ctx: { skip: (note?: string) => void }): { bun: StoredVersion; deno: StoredVersion } {
  if (stored === null) {
    ctx.skip(unavailable);
    throw new Error(unavailable);
  }
  return stored;
}

function casebook(args: readonly string[], resultsDir: string): Promise<CliResult> {
  return runCasebook(args, { resultsDir, timeoutMs: 120_000 });
}

describe('the runtimes in the version store', () => {
  test('installed once, pinned by integrity, reused offline in under a second, nothing in the workspace', async (ctx) => {
    const { bun, deno } = needRuntimes(ctx);
    const started = Date.now();
    const again = [await installVersion('bun', BUN), await installVersion('deno', DENO)];
    expect(Date.now() - started).toBeLessThan(1000);
    expect(again.map((s) => s.dir)).toEqual([bun.dir, deno.dir]);
    expect(path.basename(bun.dir)).toMatch(new RegExp(`^bun@${BUN.replaceAll('.', '\\.')}-[0-9a-f]{12}$`));
    expect(path.basename(deno.dir)).toMatch(new RegExp(`^deno@${DENO.replaceAll('.', '\\.')}-[0-9a-f]{12}$`));
    for (const s of [bun, deno]) {
      expect(s.integrity).toMatch(/^sha512-/);
      expect(s.binary !== null && fs.existsSync(s.binary)).toBe(true);
    }
    // Nothing leaked into the workspace: no runtime package in its node_modules, no Deno lockfile.
    expect(fs.existsSync(path.join(REPO, 'node_modules', '@oven'))).toBe(false);
    expect(fs.existsSync(path.join(REPO, 'node_modules', '@deno'))).toBe(false);
    expect(fs.existsSync(path.join(REPO, 'deno.lock'))).toBe(false);
  });
});

describe.each([
  ['bun-fetch', 'bun', BUN],
  ['deno-fetch', 'deno', DENO],
] as const)('%s', (client, runtime, version) => {
  test('a smoke bench on the runtime: the record says what ran and counts CPU per request', async (ctx) => {
    const s = needRuntimes(ctx)[runtime];
    const record = await runBench({ client, ...SMOKE });
    expect(record.status).toBe('completed');
    expect(record.error).toBeNull();
    expect(record.client.packageName).toBe(runtime);
    expect(record.client.version).toBe(version);
    const ran = clientRuntimeOf(record.client);
    expect(ran?.jsRuntime).toEqual({ name: runtime, version });
    expect(ran?.runtimeFrom).toEqual({ name: runtime, version, npmName: s.npmName, integrity: s.integrity });
    // The client is the runtime's own fetch: no client package, no Node from the store.
    expect(ran?.clientFrom).toBeNull();
    expect(ran?.nodeFrom).toBeNull();
    const [trial] = record.trials;
    expect(trial?.ok).toBe(SMOKE.requests);
    expect((trial?.cpuUserMicros ?? 0) + (trial?.cpuSystemMicros ?? 0)).toBeGreaterThan(0);
    expect(record.client.settings['cpuAccounting']).toMatch(/RUSAGE_SELF/);
    if (runtime === 'bun')
      expect(record.client.settings['bunMaxHttpRequests']).toEqual({ value: 256, source: 'default' });
    else expect(record.client.settings['bunMaxHttpRequests']).toBeUndefined();
    expect(liveChildren()).toEqual([]);
  });
});

describe("Bun's cap on fetches in flight", () => {
  // 512 requests at once, each held 300 ms by the target: the target sees how many Bun lets out at a time.
  const burst = { concurrency: 512, requests: 1024, warmupRequests: 0, trials: 1, delayMs: 300 } as const;

  test('unset: at most 256 requests in flight at the target; raised to 512: more than 256', async (ctx) => {
    needRuntimes(ctx);
    const capped = await runBench({ client: 'bun-fetch', ...burst });
    expect(capped.status).toBe('completed');
    expect(capped.client.settings['bunMaxHttpRequests']).toEqual({ value: 256, source: 'default' });
    expect(capped.target.peakInFlight).toBeLessThanOrEqual(256);
    expect(capped.target.peakInFlight).toBeGreaterThan(128);
    const raised = await runBench({ client: 'bun-fetch', ...burst }, { versions: { bunMaxHttpRequests: 512 } });
    expect(raised.status).toBe('completed');
    expect(raised.client.settings['bunMaxHttpRequests']).toEqual({
      value: 512,
      source: 'BUN_CONFIG_MAX_HTTP_REQUESTS',
    });
    expect(raised.target.peakInFlight).toBeGreaterThan(256);
    expect(liveChildren()).toEqual([]);
  }, 180_000);
});

describe('casebook bench --client bun-fetch / deno-fetch', () => {
  const base = ['bench', '--concurrency', '2', '--requests', '40', '--trials', '1', '--warmup', '10'];

  test.for([
    [['--client', 'bun-fetch', '--bun', '1.1.38'], /--bun: "1\.1\.38".*>=1\.2\.0/],
    [['--client', 'deno-fetch', '--deno', 'v2'], /--deno: "v2".*exact/],
    [['--client', 'deno-fetch', '--node', '22.22.0'], /--node: "22\.22\.0".*choose its version with --deno/],
    [['--client', 'undici-request', '--bun', BUN], /--bun: .*does not run on bun/],
    [['--client', 'bun-fetch', '--bun-max-http-requests', '0'], /--bun-max-http-requests: 0/],
  ] as const)('refused: %j → exit 2, the reason, nothing written', async ([args, message], ctx) => {
    needRuntimes(ctx);
    const dir = fresh();
    // Refused before anything starts: main() in this process (the other cases here run the real bin).
    const r = await runCasebookInProcess([...base, ...args], { resultsDir: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test('a Bun version the registry does not have is a usage error naming --bun', async (ctx) => {
    needRuntimes(ctx);
    const error = await installVersion('bun', '1.2.99', { field: '--bun' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CasebookError);
    // Offline, npm cannot tell; then the store says npm failed (never a silent success).
    const code = (error as CasebookError).code;
    expect(['CASEBOOK_USAGE', 'CASEBOOK_VERSION_STORE']).toContain(code);
    if (code === 'CASEBOOK_USAGE') expect(String(error)).toMatch(/--bun: "1\.2\.99".*not published/);
  }, 120_000);

  test('one command per runtime; the record is schema-valid and the rerun line names the runtime and the cap', async (ctx) => {
    needRuntimes(ctx);
    const dir = fresh();
    const r = await casebook([...base, '--client', 'bun-fetch', '--bun-max-http-requests', '300', '--json'], dir);
    expect(r.code).toBe(0);
    const record = JSON.parse(r.stdout);
    expect(record.client.settings.runtime.jsRuntime).toEqual({ name: 'bun', version: BUN });
    expect(record.client.settings.bunMaxHttpRequests).toEqual({ value: 300, source: 'BUN_CONFIG_MAX_HTTP_REQUESTS' });
    const cite = await casebook(['cite', record.runId], dir);
    expect(cite.code).toBe(0);
    expect(cite.stdout).toContain(`--bun ${BUN} --bun-max-http-requests 300`);
    const deno = await casebook([...base, '--client', 'deno-fetch', '--deno', DENO, '--json'], dir);
    expect(deno.code).toBe(0);
    expect(JSON.parse(deno.stdout).client.settings.runtime.jsRuntime).toEqual({ name: 'deno', version: DENO });
  });
});
