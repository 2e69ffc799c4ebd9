#!/usr/bin/env node
// Re-locks the Python client sets and checks that every locked package has a wheel where the set says it runs.
//
//   node packages/runner/python/sets/lock.mjs [--upgrade] [set ...]     (default: every set in sets.json)
//
// For each set: `uv pip compile --universal --generate-hashes --only-binary :all:` from requirements.in to
// requirements.txt (one lock for Linux, macOS and Windows, resolved from its lowest supported Python), then a wheel
// check: the lock must resolve with --no-build for every CPython minor of CHECKED_MINORS that requiresPython admits,
// on every platform of CHECKED_PLATFORMS. A failure names the set, the Python and the platform: narrow requiresPython
// or change a pin. Without --upgrade, uv keeps the versions already in requirements.txt. Needs the uv that
// `npm run bootstrap` installs into <repo>/.venvs/uv-<version>/.

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { lockPath, parseSpec, readSets, SETS_DIR, satisfiesPython } from './sets.mjs';

const root = path.resolve(SETS_DIR, '..', '..', '..', '..');
// The CPython minors a reader may plausibly have in 2026 (Debian 12: 3.11, Ubuntu 22.04: 3.10, Homebrew: 3.13/3.14).
const CHECKED_MINORS = ['3.10', '3.11', '3.12', '3.13', '3.14'];
// Linux x86_64/arm64 (glibc 2.28+, Debian 10 and later) and macOS on Apple silicon and Intel: where the lab runs.
const CHECKED_PLATFORMS = [
  'x86_64-manylinux_2_28',
  'aarch64-manylinux_2_28',
  'aarch64-apple-darwin',
  'x86_64-apple-darwin',
];

const uvRequirements = readFileSync(path.join(root, 'packages', 'cli', 'python', 'uv-requirements.txt'), 'utf8');
const uvVersion = /^uv==(\S+)/m.exec(uvRequirements)?.[1];
if (uvVersion === undefined) throw new Error('packages/cli/python/uv-requirements.txt pins no uv==<version>');
const uv = path.join(root, '.venvs', `uv-${uvVersion}`, process.platform === 'win32' ? 'Scripts' : 'bin', 'uv');
if (!existsSync(uv)) throw new Error(`${uv} is missing: run \`npm run bootstrap\` first (it installs uv ${uvVersion})`);

const args = process.argv.slice(2);
const upgrade = args.includes('--upgrade');
const wanted = args.filter((a) => a !== '--upgrade');
const sets = readSets().filter((s) => wanted.length === 0 || wanted.includes(s.name));
if (wanted.length > 0 && sets.length !== wanted.length) throw new Error(`unknown set in ${wanted.join(' ')}`);

function run(argv) {
  return spawnSync(uv, argv, { cwd: root, encoding: 'utf8', env: { ...process.env, UV_NO_CONFIG: '1' } });
}

let failures = 0;
for (const set of sets) {
  const lowest = parseSpec(set.requiresPython).find((c) => c.op === '>=');
  if (lowest === undefined)
    throw new Error(`set ${set.name}: requiresPython ${set.requiresPython} needs a >= lower bound`);
  const lock = path.relative(root, lockPath(set.name));
  const input = path.join(path.dirname(lock), 'requirements.in');
  const compiled = run([
    'pip',
    'compile',
    '--quiet',
    '--universal',
    '--generate-hashes',
    '--only-binary',
    ':all:',
    '--python-version',
    lowest.version.join('.'),
    '--custom-compile-command',
    `node packages/runner/python/sets/lock.mjs ${set.name}`,
    ...(upgrade ? ['--upgrade'] : []),
    input,
    '-o',
    lock,
  ]);
  if (compiled.status !== 0) {
    console.error(`lock ${set.name}: uv pip compile failed:\n${compiled.stderr}`);
    failures++;
    continue;
  }
  const missing = [];
  for (const minor of CHECKED_MINORS.filter((m) => satisfiesPython(m, set.requiresPython))) {
    for (const platform of CHECKED_PLATFORMS) {
      const r = run([
        'pip',
        'compile',
        '--quiet',
        '--no-deps',
        '--no-header',
        '--only-binary',
        ':all:',
        '--python-version',
        minor,
        '--python-platform',
        platform,
        lock,
        '-o',
        process.platform === 'win32' ? 'NUL' : '/dev/null',
      ]);
      if (r.status !== 0) {
        const why =
          r.stderr.split('\n').find((l) => l.includes('no usable wheels') || l.includes('Because')) ?? r.stderr.trim();
        missing.push(`  CPython ${minor} on ${platform}: ${why.trim()}`);
      }
    }
  }
  if (missing.length > 0) failures++;
  const pins = readFileSync(lockPath(set.name), 'utf8').match(/^[A-Za-z0-9_.-]+==\S+/gm) ?? [];
  console.log(
    `lock ${set.name} (${set.requiresPython}): ${pins.length} pins; wheels ${missing.length === 0 ? 'everywhere checked' : 'MISSING:'}`,
  );
  for (const m of missing) console.log(m);
}
process.exit(failures === 0 ? 0 : 1);
