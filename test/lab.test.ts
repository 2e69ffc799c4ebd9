import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { pythonSet } from '@casebook/runner';
import { afterAll, describe, expect, test } from 'vitest';

/**
 * `npm run lab` (scripts/lab.mjs): Jupyter itself, from the project's `lab` environment, must find the repo-local
 * tslab kernelspec, and a started server must offer it as the default kernel on 127.0.0.1. The server runs only
 * until it answered once. Skipped, with the reason printed, where bootstrap could not make the `lab` set (no PyPI).
 */

const REPO = path.resolve(__dirname, '..');
const SCRIPT = path.join(REPO, 'scripts', 'lab.mjs');
const NODE = process.execPath;
/** JupyterLab starts in 2–5 s here; this bounds a server that never prints its URL. */
const START_TIMEOUT_MS = 60_000;

const lab = pythonSet('lab');
if (lab.status !== 'ready')
  process.stdout.write(`npm run lab tests skipped: Python set lab is ${lab.status}: ${lab.reason}\n`);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = address !== null && typeof address === 'object' ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

describe.skipIf(lab.status !== 'ready')('npm run lab', () => {
  let server: ChildProcess | undefined;
  afterAll(async () => {
    if (server?.exitCode === null) {
      const exited = new Promise((done) => server?.once('exit', done));
      server.kill('SIGTERM');
      await exited;
    }
  });

  test('--check: the lab environment, JupyterLab 4 and the casebook kernelspec as Jupyter resolves it', () => {
    const r = spawnSync(NODE, [SCRIPT, '--check'], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const check = JSON.parse(r.stdout) as {
      python: string;
      jupyterlab: string;
      jupyterPath: string;
      kernel: { name: string; dir: string; argv: string[] };
      command: string[];
    };
    expect(check.python).toBe(lab.status === 'ready' ? lab.python : '');
    expect(check.jupyterlab).toMatch(/^4\./);
    expect(check.jupyterPath.split(path.delimiter)[0]).toBe(path.join(REPO, '.jupyter'));
    expect(check.kernel.name).toBe('casebook-tslab');
    expect(fs.realpathSync(check.kernel.dir)).toBe(fs.realpathSync(path.join(REPO, '.jupyter/kernels/casebook-tslab')));
    expect(check.kernel.argv[0]).toBe(path.join(REPO, 'node_modules/.bin/node'));
    expect(check.command).toEqual(expect.arrayContaining(['--ip=127.0.0.1', '--no-browser']));
  });

  test('a bad --port is refused, naming the value', () => {
    const r = spawnSync(NODE, [SCRIPT, '--port', 'eighty'], { cwd: REPO, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('--port: expected 1–65535, got "eighty"');
  });

  test('the server prints its URL on 127.0.0.1 and offers the casebook kernel as the default', async () => {
    const port = await freePort();
    const child = spawn(NODE, [SCRIPT, '--port', String(port)], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    server = child;
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no URL in ${START_TIMEOUT_MS} ms:\n${output}`)),
        START_TIMEOUT_MS,
      );
      const read = (chunk: Buffer) => {
        output += chunk.toString();
        const found = /^JupyterLab: (\S+)$/m.exec(output)?.[1];
        if (found !== undefined) {
          clearTimeout(timer);
          resolve(found);
        }
      };
      child.stdout.on('data', read);
      child.stderr.on('data', (c: Buffer) => {
        output += c.toString();
      });
      child.once('exit', (code) => reject(new Error(`lab exited with ${code}:\n${output}`)));
    });
    const labUrl = new URL(url);
    expect(labUrl.hostname).toBe('127.0.0.1');
    expect(labUrl.port).toBe(String(port));
    const token = labUrl.searchParams.get('token') ?? '';
    const res = await fetch(`${labUrl.origin}/api/kernelspecs`, { headers: { authorization: `token ${token}` } });
    expect(res.status).toBe(200);
    const specs = (await res.json()) as { default: string; kernelspecs: Record<string, unknown> };
    expect(specs.default).toBe('casebook-tslab');
    expect(Object.keys(specs.kernelspecs)).toContain('casebook-tslab');
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    child.kill('SIGTERM');
    await exited;
    expect(child.exitCode !== null || child.signalCode !== null).toBe(true);
  });
});
