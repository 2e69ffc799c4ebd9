import { performance } from 'node:perf_hooks';
import type { ClientSession } from '@casebook/clients';
import { encodeHistogram } from '@casebook/stats';
import { nowMs, PhaseCounters } from './load';
import type { LoadSpec } from './options';
import type { PhaseResult } from './protocol';

/**
 * One continuous load, cut into consecutive windows (the steady-state method). The lanes never restart between
 * windows: at each window boundary the counters are swapped (requests in flight are carried over and counted in the
 * window they complete in), and CPU and event-loop time are read, so a window is a slice of an uninterrupted load —
 * no drain, no synchronous restart of every lane. `pause()` stops issuing, waits for what is in flight and drops the
 * partial window (it is reported, but never measured).
 */
export interface ContinuousLoad {
  /** Stop issuing, wait for the requests in flight; resolves with the partial last window. */
  pause(): Promise<PhaseResult>;
}

function windowResult(
  c: PhaseCounters,
  startedMs: number,
  endedMs: number,
  cpu: NodeJS.CpuUsage,
  elu: number,
): PhaseResult {
  return {
    sent: c.sent,
    ok: c.ok,
    errors: { total: c.errorsTotal, byCode: c.byCode },
    errorSamples: c.samples,
    durationMs: endedMs - startedMs,
    histogram: encodeHistogram(c.histogram),
    cpuUserMicros: cpu.user,
    cpuSystemMicros: cpu.system,
    eventLoopUtilization: elu,
    clientPeakInFlight: c.peakInFlight,
    protocols: c.protocols,
  };
}

/** Start the load now; `onWindow` gets each full window of `windowMs` as it ends. */
export function startContinuousLoad(
  session: ClientSession,
  load: LoadSpec,
  windowMs: number,
  onWindow: (result: PhaseResult) => void,
): ContinuousLoad {
  let c = new PhaseCounters(load);
  let stopping = false;
  let windowStart = nowMs();
  let cpu0 = process.cpuUsage();
  let elu0 = performance.eventLoopUtilization();

  const cut = (): PhaseResult => {
    const now = nowMs();
    const cpu = process.cpuUsage(cpu0);
    const elu = performance.eventLoopUtilization(elu0);
    const result = windowResult(c, windowStart, now, cpu, elu.utilization);
    c = new PhaseCounters(load, c.inFlight);
    windowStart = now;
    cpu0 = process.cpuUsage();
    elu0 = performance.eventLoopUtilization();
    return result;
  };
  // Boundaries are scheduled from the load's start (t0 + k·windowMs), so timer lateness does not accumulate.
  const t0 = windowStart;
  let k = 0;
  let timer: NodeJS.Timeout | null = null;
  const schedule = (): void => {
    k++;
    timer = setTimeout(
      () => {
        if (stopping) return;
        onWindow(cut());
        schedule();
      },
      Math.max(0, t0 + k * windowMs - nowMs()),
    );
  };
  schedule();

  let finished: Promise<void>;
  if (load.mode === 'closed') {
    const path = load.path;
    const lane = async (): Promise<void> => {
      let start = nowMs();
      while (!stopping) {
        c.start();
        try {
          const res = await session.request(path);
          const end = nowMs();
          c.success(res.status, res.bodyBytes, res.protocol, (end - start) * 1000);
          start = end;
        } catch (error) {
          c.failure(error);
          start = nowMs();
        }
      }
    };
    finished = Promise.all(Array.from({ length: load.concurrency }, lane)).then(() => undefined);
  } else {
    const intervalMs = 1000 / (load.rateRps as number);
    finished = new Promise<void>((resolve) => {
      let issued = 0;
      let outstanding = 0;
      const settle = (): void => {
        outstanding--;
        if (stopping && outstanding === 0) resolve();
      };
      const fire = (intended: number): void => {
        c.start();
        outstanding++;
        session.request(load.path).then(
          (res) => {
            c.success(res.status, res.bodyBytes, res.protocol, (nowMs() - intended) * 1000);
            settle();
          },
          (error: unknown) => {
            c.failure(error);
            settle();
          },
        );
      };
      // Request i is due at t0 + i / rate and timed from then (no coordinated omission).
      const tick = (): void => {
        if (stopping) {
          if (outstanding === 0) resolve();
          return;
        }
        const due = Math.floor((nowMs() - t0) / intervalMs) + 1;
        while (issued < due) fire(t0 + issued++ * intervalMs);
        setTimeout(tick, 1);
      };
      tick();
    });
  }

  return {
    async pause() {
      stopping = true;
      if (timer) clearTimeout(timer);
      await finished;
      return cut();
    },
  };
}
