import * as path from 'node:path';
import { pinningPlan, spawnPinned } from '@casebook/procs';

export interface NoiseFigure {
  /** Coefficient of variation of equal CPU-bound chunks on the client core (0.01 = 1 %). */
  cv: number;
  meanChunkMs: number;
}

/** Run the noise probe pinned to the client core; null if it could not run (the record says so). */
export async function probeNoise(): Promise<NoiseFigure | null> {
  const child = spawnPinned(process.execPath, [path.join(__dirname, 'noise-probe-process.js')], {
    cpu: pinningPlan().clientCpu,
    stdio: 'pipe',
    role: 'noise probe',
  });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
  });
  child.stdin?.end();
  const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
  if (code !== 0) return null;
  try {
    const parsed = JSON.parse(out.trim()) as { cv: number; meanChunkMs: number };
    return { cv: Math.round(parsed.cv * 10_000) / 10_000, meanChunkMs: Math.round(parsed.meanChunkMs * 100) / 100 };
  } catch {
    return null;
  }
}
