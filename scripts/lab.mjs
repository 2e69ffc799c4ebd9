#!/usr/bin/env node
// `npm run lab`: JupyterLab on the project's notebooks, with the casebook tslab kernel selected, for readers who rerun
// cells on their own machine. Run after scripts/bootstrap.mjs (the npm script does both), which makes JupyterLab's
// environment from PyPI (the `lab` Python set: packages/runner/python/sets/lab, hashed lock) and registers the
// repo-local kernelspec in .jupyter/kernels/casebook-tslab. Nothing here installs: it finds both or says what is
// missing.
//
//   node scripts/lab.mjs [--port N] [--check]
//
// The server binds 127.0.0.1 only (a kernel runs code: never listen on other interfaces) and opens no browser; the
// URL with its token is printed as `JupyterLab: <url>`. --check prints what would run as JSON (the Python, JupyterLab's
// version, where Jupyter finds the casebook kernelspec, the command) and exits: a test runs it. VS Code users: select
// the interpreter this prints and the kernel "TypeScript (casebook, Node 24)" (JUPYTER_PATH as printed).
//
// Plain ESM and Node built-ins only, like bootstrap: it may run under an old system Node.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const KERNEL_NAME = 'casebook-tslab';
const LAB_SET = 'lab';
// JupyterLab's usual port; Jupyter moves to the next free one itself when it is taken.
const DEFAULT_PORT = 8888;
const HOST = '127.0.0.1';
const jupyterDir = path.join(root, '.jupyter');
const kernelJson = path.join(jupyterDir, 'kernels', KERNEL_NAME, 'kernel.json');
const notebooksDir = path.join(root, 'notebooks');
const statePath = path.join(root, '.venvs', 'state.json');

/** @returns {never} */
function fail(message) {
  console.error(`lab: ${message}`);
  process.exit(1);
}

function parseArgv(argv) {
  let port = DEFAULT_PORT;
  let check = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--check') check = true;
    else if (a === '--port') {
      const v = argv[++i];
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 65535) fail(`--port: expected 1–65535, got ${JSON.stringify(v)}`);
      port = n;
    } else fail(`unknown argument ${JSON.stringify(a)} (usage: npm run lab -- [--port N] [--check])`);
  }
  return { port, check };
}

/** The lab set's Python from bootstrap's state, or the reason there is none and how to get one. */
function labPython() {
  let state;
  try {
    state = JSON.parse(readFileSync(statePath, 'utf8'));
  } catch {
    fail(`${path.relative(root, statePath)} is missing: run \`npm run bootstrap\` first`);
  }
  const set = state?.sets?.[LAB_SET];
  if (set?.status === 'ready' && typeof set.python === 'string' && existsSync(set.python)) return set.python;
  fail(
    [
      `JupyterLab's environment (Python set \`${LAB_SET}\`) is not ready: ${set?.reason ?? 'not made yet'}.`,
      '`npm run bootstrap` makes it from PyPI (packages/runner/python/sets/lab/requirements.txt). Without PyPI, install',
      'JupyterLab 4 yourself and run it with JUPYTER_PATH pointing at this repo:',
      `  JUPYTER_PATH=${jupyterDir} jupyter lab --ip=${HOST} --ServerApp.root_dir=${notebooksDir}`,
    ].join('\n'),
  );
}

function jupyterEnv() {
  // biome-ignore lint/suspicious/noUndeclaredEnvVars: Jupyter's own variable; lab.mjs is not a turbo task
  const inherited = process.env.JUPYTER_PATH;
  return { ...process.env, JUPYTER_PATH: inherited ? `${jupyterDir}${path.delimiter}${inherited}` : jupyterDir };
}

function labArgs(port) {
  return [
    '-m',
    'jupyter',
    'lab',
    '--no-browser',
    `--ip=${HOST}`,
    `--port=${port}`,
    `--ServerApp.root_dir=${notebooksDir}`,
    `--MappingKernelManager.default_kernel_name=${KERNEL_NAME}`,
    // Jupyter refuses to start as root without it; CI and this lab's machines run as root (still loopback only).
    ...(typeof process.getuid === 'function' && process.getuid() === 0 ? ['--allow-root'] : []),
  ];
}

/** What Jupyter itself resolves (not what this script assumes): its version and where the kernelspec is. */
function resolved(python, env) {
  const version = spawnSync(python, ['-m', 'jupyter', 'lab', '--version'], { encoding: 'utf8', env });
  if (version.status !== 0) fail(`\`${python} -m jupyter lab --version\` failed: ${version.stderr.trim()}`);
  const specs = spawnSync(python, ['-m', 'jupyter', 'kernelspec', 'list', '--json'], { encoding: 'utf8', env });
  if (specs.status !== 0) fail(`\`jupyter kernelspec list\` failed: ${specs.stderr.trim()}`);
  const spec = JSON.parse(specs.stdout).kernelspecs?.[KERNEL_NAME];
  if (spec === undefined)
    fail(`Jupyter does not find the kernelspec ${KERNEL_NAME} (expected ${kernelJson}): run \`npm run bootstrap\``);
  return {
    jupyterlab: version.stdout.trim(),
    kernel: { name: KERNEL_NAME, dir: spec.resource_dir, argv: spec.spec.argv },
  };
}

const { port, check } = parseArgv(process.argv.slice(2));
if (!existsSync(kernelJson)) fail(`${path.relative(root, kernelJson)} is missing: run \`npm run bootstrap\` first`);
const python = labPython();
const env = jupyterEnv();
const found = resolved(python, env);
const argv = labArgs(port);

if (check) {
  console.log(
    JSON.stringify(
      { python, jupyterPath: env.JUPYTER_PATH, ...found, notebooks: notebooksDir, command: [python, ...argv] },
      null,
      2,
    ),
  );
  process.exit(0);
}

console.log(`lab: JupyterLab ${found.jupyterlab} from ${path.relative(root, path.dirname(path.dirname(python)))}`);
console.log(
  `lab: kernel ${KERNEL_NAME} (${found.kernel.argv.join(' ')}), notebooks in ${path.relative(root, notebooksDir)}/`,
);
const child = spawn(python, argv, { env, stdio: ['inherit', 'inherit', 'pipe'] });
let shown = false;
let partial = '';
child.stderr.on('data', (chunk) => {
  process.stderr.write(chunk);
  const text = partial + chunk.toString();
  const lines = text.split('\n');
  partial = lines.pop() ?? '';
  for (const line of lines) {
    const url = /(http:\/\/127\.0\.0\.1:\d+\/lab\?token=\w+)/.exec(line)?.[1];
    if (url !== undefined && !shown) {
      shown = true;
      whenListening(Number(new URL(url).port), () =>
        console.log(`\nJupyterLab: ${url}\n(open it in a browser; Ctrl-C twice stops the server and its kernels)\n`),
      );
    }
  }
});

/**
 * Jupyter logs its URL before it listens: jupyter_server 2.21.1 `ServerApp.init_httpserver` (serverapp.py L2669–2670)
 * only schedules `_bind_http_server` on the io loop, which runs after `start_app` has logged the URL (L3129). On a busy
 * machine a reader (or the test) who opens the URL at once is refused. Print it once a connection is accepted.
 */
function whenListening(port, then) {
  const attempt = () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const socket = net.connect({ host: HOST, port });
    socket.once('connect', () => {
      socket.destroy();
      then();
    });
    socket.once('error', () => {
      socket.destroy();
      setTimeout(attempt, 100);
    });
  };
  attempt();
}
// Ctrl-C reaches Jupyter directly (same process group; it asks to confirm, a second one stops it): wait for it.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 1 : 128)));
