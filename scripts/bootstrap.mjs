#!/usr/bin/env node
// The one idempotent set-up step, run first by `npm start` and `npm test` (and `npm run bootstrap`).
//
// On a fresh machine this runs under whatever `node` npm found first (often an old system Node, >= 18),
// before node_modules exists: plain ESM, Node built-ins only, no dependencies.
//
//   a. npm ci when node_modules is missing or older than package-lock.json; check the pinned Node 24 runtime.
//   b. find a Python that imports nbclient + nbformat (Jupyter's headless runner); apt-get it on Debian/Ubuntu.
//   c. register the repo-local tslab kernelspec under <repo>/.jupyter (found through JUPYTER_PATH).
//
// When everything is in place it makes no npm/apt calls and takes well under a second.
// Keep the kernelspec and python-state logic in sync with packages/cli/src/notebook/kernelspec.ts and python.ts.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const started = Date.now();
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const REQUIRED_NODE_MAJOR = 24;
const KERNEL_NAME = 'casebook-tslab';
const APT_REQUIRED = ['jupyter-nbconvert', 'python3-nbclient', 'python3-ipykernel', 'fonts-dejavu-core'];
const APT_OPTIONAL = ['python3-httpx', 'python3-aiohttp'];
const OPTIONAL_MODULES = ['httpx', 'aiohttp'];

const jupyterDir = path.join(root, '.jupyter');
const pythonStatePath = path.join(jupyterDir, 'casebook-python.json');
const kernelJsonPath = path.join(jupyterDir, 'kernels', KERNEL_NAME, 'kernel.json');

function say(step, message) {
  console.log(`bootstrap ${step}: ${message}`);
}

/** @returns {never} */
function fail(message) {
  console.error(`bootstrap: FAILED: ${message}`);
  process.exit(1);
}

function mtimeMs(file) {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Writes `content` only if the file's content differs; atomic (temp + rename). Returns true if written. */
function writeIfChanged(file, content) {
  try {
    if (readFileSync(file, 'utf8') === content) return false;
  } catch {
    // missing: write it
  }
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, file);
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// a. dependencies and the pinned Node runtime

function nodeBinPath() {
  return path.join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'node.cmd' : 'node');
}

function npmCommand() {
  // Prefer the npm that is running us (npm sets npm_execpath for scripts); else `npm` on PATH.
  // biome-ignore lint/suspicious/noUndeclaredEnvVars: set by npm for this script; bootstrap is not a turbo task
  const execpath = process.env.npm_execpath;
  if (execpath && /npm-cli\.js$/.test(execpath) && existsSync(execpath)) {
    return { cmd: process.execPath, args: [execpath] };
  }
  return { cmd: process.platform === 'win32' ? 'npm.cmd' : 'npm', args: [] };
}

function ensureDependencies() {
  const lock = path.join(root, 'package-lock.json');
  const hidden = path.join(root, 'node_modules', '.package-lock.json');
  const lockTime = mtimeMs(lock);
  if (lockTime === undefined) fail(`${lock} is missing; this repo installs with \`npm ci\` from its lockfile`);
  const hiddenTime = mtimeMs(hidden);
  const nodeBin = nodeBinPath();
  let reason;
  if (hiddenTime === undefined) reason = 'node_modules is not installed';
  else if (hiddenTime < lockTime) reason = 'package-lock.json is newer than node_modules';
  else if (!existsSync(nodeBin)) reason = 'node_modules/.bin/node is missing';

  if (reason) {
    say('a', `${reason}: running npm ci`);
    if (Number(process.versions.node.split('.')[0]) < REQUIRED_NODE_MAJOR) {
      say(
        'a',
        `(npm runs under Node ${process.version} here: EBADENGINE warnings are expected; the pinned Node runs the rest)`,
      );
    }
    const npm = npmCommand();
    const r = spawnSync(npm.cmd, [...npm.args, 'ci'], {
      cwd: root,
      stdio: 'inherit',
      shell: process.platform === 'win32',
    });
    if (r.error) fail(`could not run npm (${r.error.message}); install npm 11 (it comes with Node)`);
    if (r.status !== 0) fail(`npm ci exited with ${r.status ?? r.signal}`);
    // npm ci does not rewrite package-lock.json, but make the freshness check stable whatever the clock did.
    const after = mtimeMs(hidden);
    const lockAfter = mtimeMs(lock);
    if (after !== undefined && lockAfter !== undefined && after < lockAfter) {
      const now = new Date();
      utimesSync(hidden, now, now);
    }
  } else {
    say('a', 'node_modules is up to date with package-lock.json (skipped npm ci)');
  }

  const v = spawnSync(nodeBin, ['--version'], { encoding: 'utf8', shell: process.platform === 'win32' });
  const version = (v.stdout ?? '').trim();
  if (v.error || v.status !== 0 || !version.startsWith(`v${REQUIRED_NODE_MAJOR}.`)) {
    fail(
      `node_modules/.bin/node should be Node ${REQUIRED_NODE_MAJOR} (the npm package \`node\` pinned in package.json), ` +
        `but \`${nodeBin} --version\` gave ${JSON.stringify(version || v.error?.message || v.stderr || '')}. ` +
        "Its install script (and zeromq's, for tslab) must run: check that npm is not set to ignore-scripts, that " +
        '"allowScripts" in package.json approves them (`npm install-scripts approve node zeromq`), then ' +
        'delete node_modules and run `npm run bootstrap` again.',
    );
  }
  say('a', `runtime ${version} at node_modules/.bin/node`);
}

// ---------------------------------------------------------------------------------------------------------------
// b. Python with nbclient + nbformat

const PROBE = [
  'import json, sys, importlib.util',
  'r = {"executable": sys.executable, "version": sys.version.split()[0], "missing": [], "optional": {}}',
  'for m in ("nbclient", "nbformat"):',
  '    try:',
  '        __import__(m)',
  '    except Exception:',
  '        r["missing"].append(m)',
  `for m in ${JSON.stringify(OPTIONAL_MODULES)}:`,
  '    try:',
  '        r["optional"][m] = importlib.util.find_spec(m) is not None',
  '    except Exception:',
  '        r["optional"][m] = False',
  'print(json.dumps(r))',
].join('\n');

/** Runs the probe with one interpreter; returns its report, or undefined if it could not run at all. */
function probePython(python) {
  const r = spawnSync(python, ['-c', PROBE], { encoding: 'utf8', timeout: 30_000 });
  if (r.error || r.status !== 0) return undefined;
  try {
    const report = JSON.parse(r.stdout.trim().split('\n').pop() ?? '');
    return { candidate: python, ...report };
  } catch {
    return undefined;
  }
}

function findPython(state) {
  const candidates = [];
  const add = (p, label) => {
    if (p && !candidates.some((c) => c.path === p)) candidates.push({ path: p, label });
  };
  add(process.env.CASEBOOK_PYTHON, '$CASEBOOK_PYTHON');
  if (!process.env.CASEBOOK_PYTHON && typeof state?.python === 'string') add(state.python, 'recorded');
  if (process.platform !== 'win32') add('/usr/bin/python3', 'system');
  add(process.platform === 'win32' ? 'python' : 'python3', 'PATH');
  const tried = [];
  for (const c of candidates) {
    const report = probePython(c.path);
    if (report && report.missing.length === 0) return { report, tried };
    tried.push(`${c.path} (${c.label}): ${report ? `cannot import ${report.missing.join(', ')}` : 'not runnable'}`);
  }
  return { report: undefined, tried };
}

function commandExists(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() !== '';
}

/** How to run apt-get with privileges here, or undefined when that is impossible. */
function aptRunner() {
  if (process.platform !== 'linux' || !commandExists('apt-get')) return undefined;
  if (typeof process.getuid === 'function' && process.getuid() === 0) return [];
  if (commandExists('sudo') && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0) {
    return ['sudo', '-n'];
  }
  return undefined;
}

function apt(prefix, args) {
  const [cmd, ...rest] = [...prefix, 'apt-get', ...args];
  console.log(`bootstrap b: $ ${[cmd, ...rest].join(' ')}`);
  const r = spawnSync(cmd, rest, {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return r.status === 0;
}

/** install `packages`; on failure refresh the package lists once and retry. */
function aptInstall(prefix, packages, updated) {
  const install = ['install', '-y', '-q', '--no-install-recommends', ...packages];
  if (apt(prefix, install)) return { ok: true, updated };
  if (!updated.done) {
    updated.done = true;
    if (apt(prefix, ['update', '-q']) && apt(prefix, install)) return { ok: true, updated };
  }
  return { ok: false, updated };
}

function manualInstructions(tried) {
  const lines = [
    "no Python interpreter can `import nbclient, nbformat` (Jupyter's headless notebook runner).",
    ...tried.map((t) => `  tried ${t}`),
    'Install one, then run `npm run bootstrap` again:',
    '  Debian/Ubuntu: sudo apt-get install --no-install-recommends jupyter-nbconvert python3-nbclient python3-ipykernel fonts-dejavu-core',
    '                 (optional, for the Python comparison: python3-httpx python3-aiohttp)',
    '  macOS/other:   python3 -m venv ~/.casebook-venv && ~/.casebook-venv/bin/pip install nbclient nbformat',
    '                 then export CASEBOOK_PYTHON=~/.casebook-venv/bin/python  (optional: pip install httpx aiohttp)',
    '             or: pipx install nbclient, then export CASEBOOK_PYTHON=~/.local/pipx/venvs/nbclient/bin/python',
    'CASEBOOK_PYTHON (any interpreter that imports nbclient and nbformat) is tried first.',
  ];
  return lines.join('\n');
}

function ensurePython() {
  const state = readJson(pythonStatePath);
  let { report, tried } = findPython(state);
  let attemptedOptional = state?.optionalInstallAttempted === true;
  const updated = { done: false };

  if (!report) {
    const prefix = aptRunner();
    if (!prefix) fail(manualInstructions(tried));
    say('b', 'no Python with nbclient found: installing Debian packages');
    let result = aptInstall(prefix, [...APT_REQUIRED, ...APT_OPTIONAL], updated);
    if (!result.ok) {
      say('b', 'install with the optional packages failed; retrying with the required ones only');
      result = aptInstall(prefix, APT_REQUIRED, updated);
    }
    attemptedOptional = true;
    if (!result.ok) fail(`apt-get could not install ${APT_REQUIRED.join(' ')}.\n${manualInstructions(tried)}`);
    ({ report, tried } = findPython(state));
    if (!report) fail(`installed the Debian packages but still found no usable Python.\n${manualInstructions(tried)}`);
  }

  const fromEnv = process.env.CASEBOOK_PYTHON;
  if (fromEnv && report.candidate !== fromEnv) {
    say('b', `warning: CASEBOOK_PYTHON=${fromEnv} cannot import nbclient and nbformat; using ${report.executable}`);
  }

  let missingOptional = OPTIONAL_MODULES.filter((m) => !report.optional[m]);
  // The optional modules are only worth one automatic attempt, and only for the Debian system Python.
  if (missingOptional.length > 0 && !attemptedOptional && report.executable === '/usr/bin/python3') {
    const prefix = aptRunner();
    if (prefix) {
      say('b', `optional ${missingOptional.join(', ')} not importable: trying apt-get once`);
      const packages = APT_OPTIONAL.filter((_, i) => missingOptional.includes(OPTIONAL_MODULES[i] ?? ''));
      aptInstall(prefix, packages, updated);
      attemptedOptional = true;
      report = probePython(report.executable) ?? report;
      missingOptional = OPTIONAL_MODULES.filter((m) => !report.optional[m]);
    }
  }

  const newState = {
    python: report.executable,
    pythonVersion: report.version,
    optional: report.optional,
    optionalInstallAttempted: attemptedOptional,
  };
  const written = writeIfChanged(pythonStatePath, `${JSON.stringify(newState, null, 2)}\n`);
  say('b', `Python ${report.version} at ${report.executable} imports nbclient${written ? ' (recorded)' : ''}`);
  if (missingOptional.length > 0) {
    say(
      'b',
      `optional: ${missingOptional.join(', ')} not importable (the Python comparison case study will skip; ` +
        `install ${missingOptional.map((m) => `python3-${m}`).join(' ')} or pip install ${missingOptional.join(' ')})`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------------------
// c. repo-local tslab kernelspec

function kernelSpec() {
  return {
    argv: [
      path.join(root, 'node_modules', '.bin', 'node'),
      path.join(root, 'node_modules', 'tslab', 'bin', 'tslab'),
      'kernel',
      '--config-path',
      '{connection_file}',
    ],
    display_name: 'TypeScript (casebook, Node 24)',
    language: 'typescript',
    env: {
      CASEBOOK_REPO_ROOT: root,
      CASEBOOK_KERNEL: KERNEL_NAME,
    },
    metadata: { debugger: false },
  };
}

function ensureKernelspec() {
  const tslab = path.join(root, 'node_modules', 'tslab', 'bin', 'tslab');
  if (!existsSync(tslab)) fail(`${tslab} is missing: tslab should be a devDependency installed by npm ci`);
  const written = writeIfChanged(kernelJsonPath, `${JSON.stringify(kernelSpec(), null, 2)}\n`);
  const rel = path.relative(root, kernelJsonPath);
  say('c', `kernelspec ${KERNEL_NAME} ${written ? 'written to' : 'up to date at'} ${rel} (JUPYTER_PATH=${jupyterDir})`);
}

ensureDependencies();
ensurePython();
ensureKernelspec();
console.log(`bootstrap: ready in ${Date.now() - started} ms`);
