#!/usr/bin/env node
// The one idempotent set-up step, run first by `npm start` and `npm test` (and `npm run bootstrap`).
//
// On a fresh machine this runs under whatever `node` npm found first (often an old system Node, >= 18),
// before node_modules exists: plain ESM, Node built-ins only, no dependencies.
//
//   a. npm ci when node_modules is missing or older than package-lock.json; check the pinned Node 24 runtime.
//   b. from PyPI, with hashed locks: uv, then one Python environment per client set under <repo>/.venvs (the
//      `runner` set is the headless notebook runner: nbclient + nbformat); record the runner's Python.
//   c. register the repo-local tslab kernelspec under <repo>/.jupyter (found through JUPYTER_PATH).
//   d. as root on Debian/Ubuntu: fonts-dejavu-core (chart fonts), wrk (load generator) and chromium (the browser
//      tests drive it through playwright-core), all optional.
//   e. the version store's few entries the tests use (one Node runtime, one undici), from the npm registry.
//
// When everything is in place it makes no npm/pip/uv/apt calls and takes well under a second.
// Keep the kernelspec and python-state logic in sync with packages/cli/src/notebook/kernelspec.ts and python.ts.

import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lockHash, lockPath, readSets, satisfiesPython } from '../packages/runner/python/sets/sets.mjs';

const started = Date.now();
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const REQUIRED_NODE_MAJOR = 24;
const KERNEL_NAME = 'casebook-tslab';

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
// b. Python environments from PyPI, and the notebook runner's Python
//
// uv comes from PyPI (hashed, packages/cli/python/uv-requirements.txt) into .venvs/uv-<version>/; with it, one
// environment per client set of packages/runner/python/sets/sets.json, each synced from its hashed lock, wheels only,
// into .venvs/<set>-<12 hex of sha256(lock)>/. A `.complete` marker, written last, names the lock and the interpreter:
// with it the environment is reused without a network call. The outcome goes to .venvs/state.json (read by
// packages/runner/src/python-sets.ts); the runner set's python is recorded for the notebook runner
// (packages/cli/src/notebook/python.ts). Without PyPI the client sets are skipped and the runner falls back to a
// Python that already imports nbclient + nbformat; apt is the last resort, as root only.

const isWindows = process.platform === 'win32';
const venvsDir = path.join(root, '.venvs');
const venvsStatePath = path.join(venvsDir, 'state.json');
const uvRequirementsPath = path.join(root, 'packages', 'cli', 'python', 'uv-requirements.txt');
const COMPLETE = '.complete';
const RUNNER_SET = 'runner';
// Debian's Jupyter, only when the runner set cannot be made and no Python imports nbclient already.
const APT_JUPYTER = ['jupyter-nbconvert', 'python3-nbclient', 'python3-ipykernel'];
// What a download failure looks like from pip and from uv (refused, unresolvable, timed out, offline mode).
const NETWORK_ERROR =
  /Failed to fetch|error sending request|tcp connect error|dns error|failed to lookup address|Connection refused|timed out|Network connectivity is disabled|Failed to establish a new connection|Could not fetch URL|Temporary failure in name resolution|from versions: none/i;

const venvBin = (dir, name) => path.join(dir, isWindows ? 'Scripts' : 'bin', isWindows ? `${name}.exe` : name);
const rel = (p) => path.relative(root, p);

function uvEnv() {
  return {
    ...process.env,
    // A repo-local cache sits on the same filesystem as the environments, so uv hard-links instead of copying.
    // biome-ignore lint/suspicious/noUndeclaredEnvVars: uv's own variable; bootstrap is not a turbo task
    UV_CACHE_DIR: process.env.UV_CACHE_DIR || path.join(venvsDir, 'uv-cache'),
    // The interpreter is the machine's (CPython builds are not on PyPI); a user's uv.toml must not change the locks.
    UV_PYTHON_DOWNLOADS: 'never',
    UV_NO_CONFIG: '1',
    UV_NO_PROGRESS: '1',
  };
}

/**
 * Runs a command, forwarding its output lines to stdout as progress (package-by-package lines dropped); resolves
 * with its exit status and the tail of its output, for the error message.
 */
function runWithProgress(cmd, args, env) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const show = (line) => {
      if (line.trim() !== '' && !/^ [+-~] /.test(line)) console.log(`bootstrap b:     ${line.trimEnd()}`);
    };
    // One partial line per stream: a chunk may end mid-line.
    const forward = (stream) => {
      let partial = '';
      stream.on('data', (chunk) => {
        const text = partial + chunk.toString();
        output = (output + chunk.toString()).slice(-8000);
        const lines = text.split(/\r?\n|\r/);
        partial = lines.pop() ?? '';
        for (const line of lines) show(line);
      });
      stream.on('end', () => show(partial));
    };
    forward(child.stdout);
    forward(child.stderr);
    child.on('error', (err) => resolve({ ok: false, output: `${output}\n${err.message}` }));
    child.on('close', (code) => resolve({ ok: code === 0, output }));
  });
}

/** The first line of a tool's output that says what went wrong. */
function firstError(output) {
  const lines = output.split('\n').map((l) => l.trim());
  const found =
    lines.find((l) => NETWORK_ERROR.test(l) && !l.startsWith('WARNING')) ??
    lines.find((l) => /^(error|ERROR)\b/.test(l)) ??
    lines.filter(Boolean).pop() ??
    'no output';
  return found.replace(/^(cause|error|ERROR):\s*/, '');
}

const INTERPRETER_PROBE = [
  'import json, platform, sys, sysconfig',
  'print(json.dumps({"executable": sys.executable, "version": platform.python_version(),',
  '  "implementation": platform.python_implementation(), "build": " ".join(platform.python_build()),',
  '  "compiler": platform.python_compiler(), "freeThreaded": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),',
  '  "platform": sysconfig.get_platform()}))',
].join('\n');

/** The interpreter every environment is made from: $CASEBOOK_PYTHON3, else python3 on PATH. */
function findInterpreter() {
  // biome-ignore lint/suspicious/noUndeclaredEnvVars: read by bootstrap only, which is not a turbo task
  const fromEnv = process.env.CASEBOOK_PYTHON3;
  const command = fromEnv || (isWindows ? 'python' : 'python3');
  const source = fromEnv ? '$CASEBOOK_PYTHON3' : 'PATH';
  const r = spawnSync(command, ['-c', INTERPRETER_PROBE], { encoding: 'utf8', timeout: 30_000 });
  try {
    if (r.error || r.status !== 0) throw new Error(r.error?.message ?? r.stderr.trim());
    return { ok: true, source, command, ...JSON.parse(r.stdout.trim().split('\n').pop() ?? '') };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { ok: false, source, command, error: `\`${command}\` does not run: ${why || 'no output'}` };
  }
}

function describeInterpreter(interp) {
  const ft = interp.freeThreaded ? ', free-threaded' : '';
  return `${interp.implementation} ${interp.version}${ft} at ${interp.executable} (${interp.source}; build ${interp.build}, ${interp.platform})`;
}

function completeMarker(dir) {
  return readJson(path.join(dir, COMPLETE));
}

async function ensureUv(interp) {
  const version = /^uv==(\S+)/m.exec(readFileSync(uvRequirementsPath, 'utf8'))?.[1];
  if (version === undefined) fail(`${rel(uvRequirementsPath)} pins no uv==<version>`);
  const dir = path.join(venvsDir, `uv-${version}`);
  const uv = venvBin(dir, 'uv');
  if (completeMarker(dir) && existsSync(uv)) return { ok: true, version, uv };
  if (!interp.ok) return { ok: false, version, error: interp.error };
  say('b', `installing uv ${version} from PyPI into ${rel(dir)} (hashes: ${rel(uvRequirementsPath)})`);
  rmSync(dir, { recursive: true, force: true });
  const venv = await runWithProgress(interp.executable, ['-m', 'venv', dir], process.env);
  if (!venv.ok) {
    rmSync(dir, { recursive: true, force: true });
    return {
      ok: false,
      version,
      error: `\`${interp.executable} -m venv\` failed (Debian: apt-get install python3-venv): ${firstError(venv.output)}`,
    };
  }
  const pip = await runWithProgress(
    venvBin(dir, 'python'),
    [
      '-m',
      'pip',
      'install',
      '--disable-pip-version-check',
      '--no-input',
      '--retries',
      '1',
      '--timeout',
      '20',
      '--require-hashes',
      '--no-deps',
      '--only-binary',
      ':all:',
      '-r',
      uvRequirementsPath,
    ],
    process.env,
  );
  if (!pip.ok) {
    rmSync(dir, { recursive: true, force: true });
    const why = firstError(pip.output);
    return {
      ok: false,
      version,
      unreachable: NETWORK_ERROR.test(why),
      error: `pip could not install uv ${version}: ${why}`,
    };
  }
  writeFileSync(path.join(dir, COMPLETE), `${JSON.stringify({ version })}\n`);
  for (const old of readdirSync(venvsDir).filter((n) => /^uv-\d/.test(n) && n !== `uv-${version}`)) {
    rmSync(path.join(venvsDir, old), { recursive: true, force: true });
  }
  return { ok: true, version, uv };
}

/** Whether a folder of .venvs is an environment of `set` (exactly `<set>-<12 hex>`: `as` must not match `as-reported-…`). */
const isEnvOf = (set, folder) =>
  folder.length === set.length + 13 && folder.startsWith(`${set}-`) && /^[0-9a-f]{12}$/.test(folder.slice(-12));

/**
 * @typedef {{ status: 'ready' | 'skipped' | 'failed', python?: string, reason?: string, lockHash: string,
 *   requiresPython: string, optional: boolean }} SetState
 */

/**
 * One client set: reused, made, skipped or failed. `net.unreachable` carries a PyPI failure over to later sets.
 * @returns {Promise<SetState>}
 */
async function ensureSet(set, interp, uv, net, only) {
  const lockFile = lockPath(set.name);
  const hash = lockHash(readFileSync(lockFile, 'utf8'));
  const dir = path.join(venvsDir, `${set.name}-${hash}`);
  const python = venvBin(dir, 'python');
  const base = { lockHash: hash, requiresPython: set.requiresPython, optional: set.optional };
  if (!interp.ok) return { ...base, status: 'skipped', reason: `no Python interpreter: ${interp.error}` };
  if (!satisfiesPython(interp.version, set.requiresPython)) {
    return {
      ...base,
      status: 'skipped',
      reason: `set ${set.name} needs Python ${set.requiresPython}; the interpreter is ${interp.implementation} ${interp.version} (${interp.executable})`,
    };
  }
  const marker = completeMarker(dir);
  if (
    marker?.lockHash === hash &&
    marker.interpreter === interp.executable &&
    marker.version === interp.version &&
    existsSync(python)
  ) {
    return { ...base, status: 'ready', python };
  }
  if (only !== undefined && !only.names.has(set.name)) {
    return {
      ...base,
      status: 'skipped',
      reason: `not made: the sets asked for (${only.raw}) do not name it (npm start makes every set)`,
    };
  }
  if (!uv.ok) {
    return uv.unreachable
      ? { ...base, status: 'skipped', reason: `PyPI not reachable (${uv.error})` }
      : { ...base, status: 'failed', reason: uv.error };
  }
  if (net.unreachable) return { ...base, status: 'skipped', reason: `PyPI not reachable (${net.unreachable})` };

  say('b', `set ${set.name}: creating ${rel(dir)} from ${rel(lockFile)} (wheels only, hashes required)`);
  rmSync(dir, { recursive: true, force: true });
  const env = uvEnv();
  let r = await runWithProgress(uv.uv, ['venv', '--quiet', '--python', interp.executable, dir], env);
  if (r.ok)
    r = await runWithProgress(
      uv.uv,
      ['pip', 'sync', '--require-hashes', '--no-build', '--python', python, lockFile],
      env,
    );
  if (!r.ok) {
    rmSync(dir, { recursive: true, force: true });
    const why = firstError(r.output);
    if (NETWORK_ERROR.test(why)) {
      net.unreachable = `uv could not download: ${why}`;
      return { ...base, status: 'skipped', reason: `PyPI not reachable (${net.unreachable})` };
    }
    return { ...base, status: 'failed', reason: `uv could not install the lock: ${why}` };
  }
  writeFileSync(
    path.join(dir, COMPLETE),
    `${JSON.stringify({ lockHash: hash, interpreter: interp.executable, version: interp.version })}\n`,
  );
  for (const old of readdirSync(venvsDir).filter((n) => isEnvOf(set.name, n) && n !== path.basename(dir))) {
    rmSync(path.join(venvsDir, old), { recursive: true, force: true });
  }
  return { ...base, status: 'ready', python };
}

/**
 * `--sets=a,b` or `$CASEBOOK_BOOTSTRAP_SETS=a,b`: make only these sets and the runner's (`npm test` names the ones its
 * tests use); a set not named is still reused when already made, else skipped, saying why. Unset, every set is made.
 * @param {readonly string[]} known the sets of sets.json
 * @returns {{ raw: string, names: Set<string> } | undefined}
 */
function bootstrapSets(known) {
  // `--sets=a,b` (npm test names the sets its tests use) wins over the environment.
  const arg = process.argv.find((a) => a.startsWith('--sets='))?.slice('--sets='.length);
  // biome-ignore lint/suspicious/noUndeclaredEnvVars: read by bootstrap only, which is not a turbo task
  const raw = arg ?? process.env.CASEBOOK_BOOTSTRAP_SETS;
  if (raw === undefined || raw.trim() === '') return undefined;
  const names = new Set(
    raw
      .split(',')
      .map((n) => n.trim())
      .filter(Boolean),
  );
  const unknown = [...names].filter((n) => !known.includes(n));
  if (unknown.length > 0)
    fail(
      `$CASEBOOK_BOOTSTRAP_SETS names no set ${unknown.map((n) => `"${n}"`).join(', ')} (sets: ${known.join(', ')})`,
    );
  names.add(RUNNER_SET);
  return { raw, names };
}

async function ensurePythonSets() {
  mkdirSync(venvsDir, { recursive: true });
  const all = readSets();
  const only = bootstrapSets(all.map((s) => s.name));
  const interp = findInterpreter();
  say('b', interp.ok ? `interpreter ${describeInterpreter(interp)}` : `no interpreter: ${interp.error}`);
  const uv = await ensureUv(interp);
  if (!uv.ok) say('b', `${uv.unreachable ? 'PyPI not reachable: ' : ''}${uv.error}; no Python set can be made`);
  const net = { unreachable: uv.unreachable ? uv.error : undefined };
  /** @type {Record<string, SetState>} */
  const sets = {};
  for (const set of all) {
    const result = await ensureSet(set, interp, uv, net, only);
    sets[set.name] = result;
    const where = result.python !== undefined ? rel(path.dirname(path.dirname(result.python))) : result.reason;
    say('b', `set ${set.name}${set.optional ? ' (optional)' : ''}: ${result.status}: ${where}`);
  }
  const { ok: _ok, ...interpreter } = interp;
  const state = {
    interpreter,
    uv: uv.ok ? { version: uv.version, path: uv.uv } : { version: uv.version, error: uv.error },
    sets,
  };
  writeIfChanged(venvsStatePath, `${JSON.stringify(state, null, 2)}\n`);
  return sets;
}

const NBCLIENT_PROBE =
  'import json, sys, platform, nbclient, nbformat; print(json.dumps([sys.executable, platform.python_version()]))';

/** [executable, version] of a Python that imports nbclient + nbformat, or undefined. */
function probeJupyter(python) {
  const r = spawnSync(python, ['-c', NBCLIENT_PROBE], { encoding: 'utf8', timeout: 30_000 });
  if (r.error || r.status !== 0) return undefined;
  try {
    return JSON.parse(r.stdout.trim().split('\n').pop() ?? '');
  } catch {
    return undefined;
  }
}

/** apt-get as root on Debian/Ubuntu; undefined elsewhere (bootstrap never asks for a password). */
function canApt() {
  return (
    process.platform === 'linux' &&
    typeof process.getuid === 'function' &&
    process.getuid() === 0 &&
    commandExists('apt-get')
  );
}

function commandExists(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() !== '';
}

const aptUpdated = { done: false };

/** `apt-get install` as root; on failure refreshes the package lists once and retries. */
function aptInstall(step, packages) {
  const run = (args) => {
    console.log(`bootstrap ${step}: $ apt-get ${args.join(' ')}`);
    return (
      spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
        .status === 0
    );
  };
  const install = ['install', '-y', '-q', '--no-install-recommends', ...packages];
  if (run(install)) return true;
  if (aptUpdated.done) return false;
  aptUpdated.done = true;
  return run(['update', '-q']) && run(install);
}

function manualInstructions(tried) {
  return [
    "no Python can `import nbclient, nbformat` (Jupyter's headless notebook runner), and the runner environment could not be made.",
    ...tried.map((t) => `  tried ${t}`),
    'Either let `npm run bootstrap` reach PyPI (it makes .venvs/runner-* itself), or install Jupyter and run it again:',
    '  Debian/Ubuntu: sudo apt-get install --no-install-recommends jupyter-nbconvert python3-nbclient python3-ipykernel',
    '  anywhere:      python3 -m venv ~/.casebook-venv && ~/.casebook-venv/bin/pip install nbclient nbformat ipykernel',
    '                 then export CASEBOOK_PYTHON=~/.casebook-venv/bin/python',
  ].join('\n');
}

/** The notebook runner's Python: $CASEBOOK_PYTHON, the runner set, an existing Jupyter, then Debian's (root). */
function ensureRunnerPython(sets) {
  const runner = sets[RUNNER_SET];
  const fromEnv = process.env.CASEBOOK_PYTHON;
  let chosen;
  const tried = [];
  if (fromEnv) {
    const found = probeJupyter(fromEnv);
    if (found) chosen = { python: fromEnv, pythonVersion: found[1], source: '$CASEBOOK_PYTHON' };
    else say('b', `warning: CASEBOOK_PYTHON=${fromEnv} cannot import nbclient and nbformat; ignoring it`);
  }
  if (!chosen && runner?.python !== undefined) chosen = { python: runner.python, source: `set ${RUNNER_SET}` };
  if (!chosen) {
    say('b', `runner environment not available (${runner?.reason}): looking for an existing Jupyter`);
    const candidates = [...new Set([...(isWindows ? [] : ['/usr/bin/python3']), isWindows ? 'python' : 'python3'])];
    const look = () => {
      for (const c of candidates) {
        const found = probeJupyter(c);
        if (found) return { python: found[0], pythonVersion: found[1], source: `existing Jupyter (${c})` };
        tried.push(`${c}: cannot import nbclient, nbformat`);
      }
      return undefined;
    };
    chosen = look();
    if (!chosen && canApt()) {
      say('b', "no Python imports nbclient: installing Debian's Jupyter packages (last resort)");
      if (aptInstall('b', APT_JUPYTER)) chosen = look();
    }
    if (!chosen) fail(manualInstructions(tried));
  }
  const written = writeIfChanged(pythonStatePath, `${JSON.stringify(chosen, null, 2)}\n`);
  say('b', `notebook runner: ${chosen.python} (${chosen.source})${written ? ' (recorded)' : ''}`);
}

// ---------------------------------------------------------------------------------------------------------------
// d. system packages from Debian, as root only: fonts for charts (byte-identical PNGs), wrk for the FastAPI section,
//    Chromium for the browser tests (Playwright's own browser download is not used: Debian's build is the one a
//    machine without a browser CDN can install, and playwright-core drives it by path)

const APT_SYSTEM = [
  { name: 'fonts-dejavu-core', why: 'chart fonts; charts fall back to other fonts' },
  { name: 'wrk', why: "the seed FastAPI section's load generator; that section will say it is missing" },
  { name: 'chromium', why: 'the browser tests (results site, JupyterLab); they are skipped with a message' },
];

function ensureSystemPackages() {
  if (!canApt()) return;
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax, not a template
  const r = spawnSync('dpkg-query', ['-W', '-f=${Package} ${Status}\\n', ...APT_SYSTEM.map((p) => p.name)], {
    encoding: 'utf8',
  });
  const installed = new Set(
    (r.stdout ?? '')
      .split('\n')
      .filter((l) => l.endsWith(' installed'))
      .map((l) => l.split(' ')[0]),
  );
  const present = APT_SYSTEM.filter((p) => installed.has(p.name)).map((p) => p.name);
  if (present.length > 0) say('d', `Debian packages present: ${present.join(', ')}`);
  for (const pkg of APT_SYSTEM) {
    if (installed.has(pkg.name)) continue;
    if (aptInstall('d', [pkg.name])) say('d', `installed ${pkg.name}`);
    else say('d', `could not install ${pkg.name} (optional: ${pkg.why})`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// c. repo-local tslab kernelspec

function kernelSpec() {
  return {
    argv: [
      path.join(root, 'node_modules', '.bin', 'node'),
      '--require',
      path.join(root, 'packages', 'cli', 'kernel', 'zmq-send-queue.cjs'),
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

// ---------------------------------------------------------------------------------------------------------------
// e. the version store's entries the tests use (a runtime and a client version), so a fresh clone tests offline
//
// The same layout as packages/procs/src/version-store.ts (keep them in sync): <store>/<name>@<version>-<12 hex of the
// registry's sha512 integrity>/ with its own package.json, npm's lock, node_modules and a `.complete` marker written
// last; installed into a temporary folder with scripts off and renamed into place. Present entries cost no network.
// Small on purpose: one Node line and one undici version (test/version-store.test.ts, test/bench-versions.test.ts).

const PREFETCH_VERSIONS = [
  ['undici', '7.16.0'],
  ['node', '22.22.0'],
];

function storeNpmName(name) {
  if (name !== 'node') return name;
  const platform = process.platform === 'win32' ? 'win' : process.platform;
  const arch = platform === 'win' && process.arch === 'ia32' ? 'x86' : process.arch;
  return `${process.platform === 'darwin' && process.arch === 'arm64' ? 'node-bin' : 'node'}-${platform}-${arch}`;
}

function npmEnv() {
  // The calling npm's project settings (prefix, workspaces) must not redirect the install into the workspace.
  return Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) =>
        !k.toLowerCase().startsWith('npm_') || /^npm_config_(registry|cache|userconfig|.*proxy|cafile|ca)$/i.test(k),
    ),
  );
}

function ensureStoreEntry(storeDir, name, version) {
  const prefix = `${name}@${version}-`;
  const present = existsSync(storeDir)
    ? readdirSync(storeDir).find((n) => n.startsWith(prefix) && existsSync(path.join(storeDir, n, '.complete')))
    : undefined;
  if (present) return `${present} (present)`;
  mkdirSync(storeDir, { recursive: true });
  const npm = npmCommand();
  const npmName = storeNpmName(name);
  const env = npmEnv();
  const view = spawnSync(npm.cmd, [...npm.args, 'view', `${npmName}@${version}`, 'dist.integrity', '--json'], {
    cwd: storeDir,
    env,
    encoding: 'utf8',
    shell: isWindows,
  });
  const integrity = view.status === 0 && view.stdout.trim() ? JSON.parse(view.stdout) : undefined;
  if (typeof integrity !== 'string')
    return `not installed: npm view ${npmName}@${version} failed (${view.stderr.trim().split('\n').pop()})`;
  const hex = Buffer.from(integrity.replace(/^sha\d+-/, ''), 'base64')
    .toString('hex')
    .slice(0, 12);
  const tmp = path.join(storeDir, `.tmp-${name}@${version}-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  try {
    const manifest = { name: 'casebook-version-store-entry', private: true, dependencies: { [npmName]: version } };
    writeFileSync(path.join(tmp, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    const args = [
      'install',
      '--prefix',
      tmp,
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      '--omit=dev',
      '--omit=peer',
    ];
    const r = spawnSync(npm.cmd, [...npm.args, ...args, '--workspaces=false', '--save-exact'], {
      cwd: tmp,
      env,
      encoding: 'utf8',
      shell: isWindows,
    });
    if (r.status !== 0)
      return `not installed: npm install ${npmName}@${version} failed (${(r.stderr ?? '').trim().split('\n').pop()})`;
    const lock = readJson(path.join(tmp, 'package-lock.json'));
    if (lock?.packages?.[`node_modules/${npmName}`]?.integrity !== integrity)
      return `not installed: the integrity npm installed differs from the registry's (${integrity})`;
    writeFileSync(path.join(tmp, '.complete'), `${JSON.stringify({ name, version, npmName, integrity }, null, 2)}\n`);
    renameSync(tmp, path.join(storeDir, `${prefix}${hex}`));
    return `${prefix}${hex} (installed)`;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function ensureVersionStore() {
  const fromEnv = process.env.CASEBOOK_VERSION_STORE;
  const storeDir = fromEnv ? path.resolve(fromEnv) : path.join(root, '.casebook', 'versions');
  for (const [name, version] of PREFETCH_VERSIONS)
    say('e', `version store ${rel(storeDir)}: ${ensureStoreEntry(storeDir, name, version)}`);
}

ensureDependencies();
ensureRunnerPython(await ensurePythonSets());
ensureKernelspec();
ensureSystemPackages();
ensureVersionStore();
console.log(`bootstrap: ready in ${Date.now() - started} ms`);
