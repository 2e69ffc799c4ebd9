#!/usr/bin/env node
// The pilot that set the steady-state method's parameters (README, "How a number is made"). Two parts:
//  1. Block length: two clients (undici-request, node-http) at 512 in flight, interleaved in rounds with blocks of
//     1, 2 and 4 windows of 500 ms. For each length: the CV of each client's per-round throughput, and the CV of their
//     per-round ratio. Noise that is common-mode (both clients of a round see it) cancels in the ratio.
//  2. Precision per minute: all seven Node clients at 512 in flight, 0 ms think-time, a fixed number of rounds; after
//     each round, the widest 95 % interval half-width of the per-round ratios to undici-request, against elapsed time.
// Usage: npm run build && node scripts/pilot-steady-state.mjs [--rounds 12] [--out results/method/pilot.json]
// One measurement at a time: run it on a quiet machine.
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

const requireFromHere = createRequire(import.meta.url);
const { runInterleaved } = requireFromHere('../packages/runner/dist/index.js');
const { medianInterval, pairedRatio, relativeHalfWidth } = requireFromHere('../packages/stats/dist/index.js');
const { CLIENT_NAMES } = requireFromHere('../packages/clients/dist/index.js');

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '12' },
    out: { type: 'string' },
    'length-rounds': { type: 'string', default: '8' },
  },
});
const rounds = Number(values.rounds);
const lengthRounds = Number(values['length-rounds']);
const C = 512;

/** @param {number[]} xs */
const cv = (xs) => {
  const m = xs.reduce((s, x) => s + x, 0) / xs.length;
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1)) / m;
};
const say = (line) => process.stderr.write(`${line}\n`);

const lengths = [];
for (const windowsPerBlock of [1, 2, 4, 8]) {
  const { records, run } = await runInterleaved(
    [
      { client: 'undici-request', concurrency: C, requests: 1000, label: 'undici-request' },
      { client: 'node-http', concurrency: C, requests: 1000, label: 'node-http' },
    ],
    {
      windowMs: 500,
      windowsPerBlock,
      minRounds: lengthRounds,
      maxRounds: lengthRounds,
      targetHalfWidth: null,
      seed: 7,
    },
  );
  const perRoundA = records[0].method.blocks.map((x) => x.throughputRps);
  const perRoundB = records[1].method.blocks.map((x) => x.throughputRps);
  const ratios = perRoundA.map((x, i) => perRoundB[i] / x);
  const row = {
    blockMs: windowsPerBlock * 500,
    rounds: run.rounds,
    elapsedMs: run.elapsedMs,
    cvUndiciRequest: cv(perRoundA),
    cvNodeHttp: cv(perRoundB),
    cvRatio: cv(ratios),
    noise: run.noise,
    otherLoad: records.map((r) => r.guards.otherLoad),
  };
  lengths.push(row);
  say(
    `block ${row.blockMs} ms: CV undici-request ${(row.cvUndiciRequest * 100).toFixed(1)} %, node-http ${(row.cvNodeHttp * 100).toFixed(1)} %, ratio ${(row.cvRatio * 100).toFixed(1)} % (${Math.round(row.elapsedMs / 1000)} s)`,
  );
}

async function precisionPerMinute() {
  const started = Date.now();
  const { records, run } = await runInterleaved(
    CLIENT_NAMES.map((client) => ({ client, concurrency: C, requests: 1000, label: client })),
    { windowMs: 500, windowsPerBlock: 2, minRounds: rounds, maxRounds: rounds, targetHalfWidth: null, seed: 11 },
    (p) => {
      if (p.phase === 'measured' && p.windows === 2)
        say(`round ${p.round + 1} ${p.label} ${Math.round(p.elapsedMs / 1000)} s`);
    },
  );
  const reference = records.find((r) => r.label === 'undici-request');
  const blocksByRound = (r) => [...r.method.blocks].sort((x, y) => x.round - y.round);
  const precision = [];
  for (let k = 3; k <= run.rounds; k++) {
    const ref = blocksByRound(reference)
      .slice(0, k)
      .map((b) => b.throughputRps);
    const widths = records
      .filter((r) => r !== reference)
      .map((r) =>
        relativeHalfWidth(
          pairedRatio(
            ref,
            blocksByRound(r)
              .slice(0, k)
              .map((b) => b.throughputRps),
          ),
        ),
      );
    // Elapsed measurement time after k rounds: the blocks' own timing, from the records.
    const elapsedMs = (run.elapsedMs * k) / run.rounds;
    precision.push({
      rounds: k,
      minutes: elapsedMs / 60_000,
      worstHalfWidth: Math.max(...widths),
      medianHalfWidth: medianInterval(widths).median,
      coverage: pairedRatio(ref, ref).coverage,
    });
    say(
      `after ${k} rounds (${(elapsedMs / 60_000).toFixed(1)} min): worst half-width ${(Math.max(...widths) * 100).toFixed(1)} %, median ${(medianInterval(widths).median * 100).toFixed(1)} %`,
    );
  }
  const firstWindowBias = records.map((r) => {
    const warm = r.method.warmupCurve.filter((w) => w.block === r.method.blocks[0]?.index);
    return {
      label: r.label,
      warmupWindowsFirstBlock: warm.length,
      steadyBlocks: r.method.blocks.filter((b) => b.steady).length,
    };
  });
  return {
    environment: records[0]?.environment,
    precision,
    run: { rounds: run.rounds, elapsedMs: run.elapsedMs, noise: run.noise, ratios: run.ratios },
    firstWindowBias,
    clients: records.map((r) => ({ label: r.label, blocks: r.method.blocks, guards: r.guards })),
    wallMs: Date.now() - started,
  };
}

// Part 2 is skipped with --rounds 0 (a standard run of 512-at-once records the same per-round data).
let part2 = null;
if (rounds > 0) part2 = await precisionPerMinute();
const out = { date: new Date().toISOString(), blockLength: lengths, ...(part2 ?? {}) };
const file = values.out ?? path.join('results', 'local', 'method', `pilot-${Date.now()}.json`);
fs.mkdirSync(path.dirname(file), { recursive: true });
fs.writeFileSync(file, `${JSON.stringify(out, null, 1)}\n`);
say(`written ${file}`);
