import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BenchRecord } from '@casebook/results';
import { describe, expect, it } from 'vitest';
import { versionLoaded } from '../packages/cli/src/commands/bisect';

// A committed cell of notebook 07's section 6: node:http on Node 22.23.3 from the version store, the runner on 24.21.0.
const bench = (file: string): BenchRecord =>
  JSON.parse(
    fs.readFileSync(path.resolve(__dirname, '../results/versions/versions-670dac55/benches', file), 'utf8'),
  ) as BenchRecord;
const node22 = fs
  .readdirSync(path.resolve(__dirname, '../results/versions/versions-670dac55/benches'))
  .find((f) => f.includes('node-http-node-v22-23-3')) as string;

describe('versionLoaded (bisect: the version a step ran)', () => {
  it('reads a Node step from the worker, not from the runner (which stays on the pinned Node)', () => {
    const r = bench(node22);
    expect(r.environment.node).toBe('v24.21.0');
    expect(versionLoaded('node', r)).toBe('v22.23.3');
  });

  it('falls back to the runner for records made before the version store, and reads a client package from the client', () => {
    const r = bench(node22);
    const old = { ...r, client: { ...r.client, settings: {} } } as BenchRecord;
    expect(versionLoaded('node', old)).toBe('v24.21.0');
    expect(versionLoaded('undici', { ...r, client: { ...r.client, version: '8.6.0' } })).toBe('8.6.0');
  });
});
