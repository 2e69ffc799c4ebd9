import * as http from 'node:http';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { spawnPinned, stopChild } from '@casebook/procs';
import { type AppStats, AppStatsSchema, CasebookError, validateAgainst } from '@casebook/results';

/**
 * The seed's FastAPI app (python/seed_app.py) in its own process: spawned through spawnPinned (pinned, registered,
 * killed with the parent), started when it has printed its port and answered `/_casebook/settings`. Its stdin is a
 * pipe it watches: closing it (stopChild) ends the app, and so does the parent's death.
 */

const SEED_APP_SCRIPT = path.join(__dirname, '..', 'python', 'seed_app.py');

/** The app's upstream origin, in its environment (python/seed_app.py reads the same name). */
const UPSTREAM_ENV = 'SEED_APP_UPSTREAM';

/** Python imports FastAPI, pydantic, httpx, aiohttp and uvicorn before it listens: seconds on a busy 2-core machine. */
const APP_START_TIMEOUT_MS = 30_000;

/** A stats or settings request waits behind whatever the app's loop is doing (the blocking route holds it). */
const APP_REQUEST_TIMEOUT_MS = 10_000;

const READY_POLL_MS = 100;

export interface SeedAppHandle {
  origin: string;
  pid: number;
  cpu: number | null;
  command: string[];
  settings: Record<string, unknown>;
  /** The app's counters since the last reset; `reset` starts a new window. */
  stats(reset: boolean): Promise<AppStats>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  isAlive(): boolean;
  stderrTail(): string;
  close(): Promise<void>;
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** GET a JSON document from the app (one connection, no keep-alive: never shares the load's sockets). */
function getJson(url: string, timeoutMs = APP_REQUEST_TIMEOUT_MS): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => {
        if (res.statusCode !== 200) {
          reject(new Error(`GET ${url}: status ${res.statusCode}: ${body.slice(0, 200)}`));
          return;
        }
        try {
          resolve(JSON.parse(body));
        } catch (error) {
          reject(error);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

export async function startSeedApp(input: {
  python: string;
  upstream: string;
  loop: 'asyncio' | 'uvloop';
  cpu: number | null;
}): Promise<SeedAppHandle> {
  const args = [SEED_APP_SCRIPT, '--loop', input.loop];
  const child = spawnPinned(input.python, args, {
    cpu: input.cpu,
    stdio: 'pipe',
    env: { [UPSTREAM_ENV]: input.upstream, PYTHONUNBUFFERED: '1' },
    role: 'app',
  });
  child.stdin?.on('error', () => undefined);
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-4000);
  });
  const stderrTail = (): string => tail.trim().split('\n').slice(-5).join(' | ');
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: null, signal: null }));
  });
  const isAlive = (): boolean => child.exitCode === null && child.signalCode === null;
  const fail = async (message: string): Promise<never> => {
    await stopChild(child, 500);
    throw new CasebookError('CASEBOOK_RUN', `seed app: ${message}${tail ? `: ${stderrTail()}` : ''}`);
  };

  const deadline = Date.now() + APP_START_TIMEOUT_MS;
  const port = await new Promise<number | null>((resolve) => {
    const lines = readline.createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const timer = setTimeout(() => resolve(null), APP_START_TIMEOUT_MS);
    lines.on('line', (line) => {
      try {
        const m: unknown = JSON.parse(line);
        if (isObject(m) && m['type'] === 'listening' && typeof m['port'] === 'number') {
          clearTimeout(timer);
          resolve(m['port']);
        }
      } catch {
        // not a control line: uvicorn or library output
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      resolve(null);
    });
  });
  if (port === null)
    return fail(isAlive() ? `printed no port within ${APP_START_TIMEOUT_MS / 1000} s` : 'exited during start');
  const origin = `http://127.0.0.1:${port}`;

  let settings: Record<string, unknown> | null = null;
  while (settings === null) {
    if (!isAlive()) return fail('exited during start');
    try {
      const s = await getJson(`${origin}/_casebook/settings`, 1000);
      if (isObject(s)) settings = s;
    } catch {
      if (Date.now() > deadline) return fail(`did not answer within ${APP_START_TIMEOUT_MS / 1000} s`);
      await new Promise((r) => setTimeout(r, READY_POLL_MS));
    }
  }

  return {
    origin,
    pid: child.pid ?? -1,
    cpu: input.cpu,
    command: [input.python, ...args],
    settings,
    stats: async (reset) =>
      validateAgainst(
        AppStatsSchema,
        await getJson(`${origin}/_casebook/stats${reset ? '?reset=1' : ''}`),
        'GET /_casebook/stats',
      ),
    exited,
    isAlive,
    stderrTail,
    close: () => stopChild(child),
  };
}
