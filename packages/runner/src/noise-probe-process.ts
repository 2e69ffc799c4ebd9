/**
 * The machine's noise at run time: a fixed CPU-bound loop cut into equal chunks, timed, on the client's core. On a
 * quiet core every chunk takes the same time; the coefficient of variation of the chunk times is the noise figure
 * recorded before and after a run. Prints one JSON line and exits.
 */
import { performance } from 'node:perf_hooks';

const CHUNKS = 20;
/** About 10–20 ms of arithmetic per chunk on the lab machines: long enough to time, short enough to take < 1 s. */
const ITERATIONS = 2_000_000;

let sink = 0;
const times: number[] = [];
for (let c = 0; c < CHUNKS + 2; c++) {
  const t0 = performance.now();
  let x = c;
  for (let i = 0; i < ITERATIONS; i++) x = (x * 1103515245 + 12345) % 2147483648;
  sink += x;
  // The first two chunks include V8's tier-up: not noise.
  if (c >= 2) times.push(performance.now() - t0);
}
const mean = times.reduce((s, t) => s + t, 0) / times.length;
const sd = Math.sqrt(times.reduce((s, t) => s + (t - mean) ** 2, 0) / (times.length - 1));
process.stdout.write(`${JSON.stringify({ cv: sd / mean, meanChunkMs: mean, sink: sink % 2 })}\n`);
