import { liveChildren } from '@casebook/procs';
import { type AppRunRecord, CasebookError, validateRecord } from '@casebook/results';
import { runSeedApp } from '@casebook/runner';
import { describe, expect, it } from 'vitest';

// The seed's FastAPI app, for real but short: one route, one open-loop rate, one wrk point, 2 s windows. Starts the
// target, the app (Python set `latest`) and the load generators; skipped when the set is not ready.

describe('runSeedApp', () => {
  it('loads /httpx with the closed loop, the open loop and wrk, records each, and leaves no process', async (ctx) => {
    let record: AppRunRecord;
    try {
      record = await runSeedApp({
        routes: ['httpx'],
        rateFractions: [0.5],
        wrkConnections: [8],
        saturationConcurrency: 16,
        warmupMs: 2000,
        measureMs: 2000,
        delayMs: 1,
        caseStudy: 'seed',
      });
    } catch (error) {
      if (error instanceof CasebookError && error.code === 'CASEBOOK_FOREIGN_UNAVAILABLE') ctx.skip();
      throw error;
    }
    expect(liveChildren()).toEqual([]);

    // The record is what the schema says an app-run is.
    const read = validateRecord(JSON.parse(JSON.stringify(record)));
    expect(read.kind).toBe('app-run');
    expect(record.status, JSON.stringify(record.error)).toBe('completed');

    // The effective values the notebook states come from the live app.
    expect(record.app.settings).toMatchObject({ threadLimiterTotalTokens: 40, uvloop: false });

    const [saturation, open, wrk] = record.points;
    expect(saturation).toMatchObject({ generator: 'closed-loop', connections: 16, latencyFrom: 'send' });
    expect(open).toMatchObject({ generator: 'open-loop', latencyFrom: 'intended-start' });
    expect(open?.rateRps).toBeCloseTo((saturation?.throughputRps ?? 0) * 0.5, 0);
    if (record.loadGenerator.wrk === null) {
      expect(record.skipped).toEqual([expect.objectContaining({ generator: 'wrk', connections: 8 })]);
    } else {
      expect(wrk).toMatchObject({ generator: 'wrk', connections: 8 });
    }

    for (const point of record.points) {
      expect(point.error).toBeNull();
      expect(point.ok).toBeGreaterThan(0);
      expect(point.errors.total).toBe(0);
      expect(point.latencyMs).not.toBeNull();
      // Every request to /httpx made one upstream request, counted by the app and by the target.
      const route = point.app?.routes['/httpx'];
      expect(route?.upstreamStatus['200'] ?? 0).toBeGreaterThan(0);
      expect(route?.errors).toEqual({});
      expect(point.upstream.requests).toBeGreaterThan(0);
      // The app's process did work on its own core; the shares are fractions of a core.
      expect(point.cpuShare.app ?? 0).toBeGreaterThan(0);
      for (const s of Object.values(point.cpuShare)) if (s !== null) expect(s).toBeLessThan(1.5);
      expect(point.app?.loopLagMs?.samples ?? 0).toBeGreaterThan(0);
    }
  });
});
