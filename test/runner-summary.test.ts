import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BenchRecord } from '../packages/runner/src/record';
import { summarizeTrials, withWarmupWindows } from '../packages/runner/src/summary';

/**
 * The bench summary of a steady-state record: its warm-up is the blocks' warm-up windows (method.warmupCurve), not a
 * phase, so `summarizeTrials(…, null, …)` alone reports 0 connections opened in warm-up (the committed run
 * 512-at-once-893dcc1f shows it). `withWarmupWindows` folds the windows in. Pure functions; no process is started.
 */

const file = path.resolve(__dirname, '../results/512-at-once/512-at-once-893dcc1f/benches/001-undici-request-512.json');
const record = JSON.parse(fs.readFileSync(file, 'utf8')) as BenchRecord;
const curve = record.method?.warmupCurve ?? [];

describe('steady-state summary: connections opened in warm-up', () => {
  it('the committed record shows the defect: 0 in warm-up although its warm-up windows opened sockets', () => {
    expect(record.target.connectionsOpenedWarmup).toBe(0);
    expect(curve.reduce((s, w) => s + w.newConnections, 0)).toBe(982);
  });

  it('folding the warm-up windows in gives the real counts, total = warm-up + measured, and the peak over both', () => {
    const summary = summarizeTrials(record.trials, null, { pid: 1, cpu: 1 });
    expect(summary.target.connectionsOpenedWarmup).toBe(0); // what the summary alone says
    const target = withWarmupWindows(summary.target, curve);
    expect(target).toMatchObject({
      connectionsOpenedWarmup: 982,
      connectionsOpenedMeasured: 60,
      connectionsOpened: 1042,
      peakOpenConnections: 1024,
    });
  });

  it('no warm-up windows leave the summary as it was', () => {
    const summary = summarizeTrials(record.trials, null, { pid: 1, cpu: 1 });
    expect(withWarmupWindows(summary.target, [])).toEqual(summary.target);
    const cold = withWarmupWindows(summary.target, [{ newConnections: 5, peakOpenConnections: 2000 }]);
    expect(cold.peakOpenConnections).toBe(2000);
  });
});
