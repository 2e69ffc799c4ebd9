import { performance } from 'node:perf_hooks';
import { type ClientSession, errorCode } from '@casebook/clients';
import { createLatencyHistogram, encodeHistogram, recordMicros } from '@casebook/stats';
import type { LoadSpec } from './options';
import type { PhaseResult } from './protocol';
import { QueueTiming } from './queue-timing';

export type ProgressFn = (done: number) => void;

/** Counters one phase (or window) fills; O(1) in the number of requests (a histogram, never an array of samples). */
export class PhaseCounters {
  readonly histogram = createLatencyHistogram();
  sent = 0;
  ok = 0;
  errorsTotal = 0;
  readonly byCode: Record<string, number> = {};
  readonly samples: Record<string, string> = {};
  readonly protocols: Record<string, number> = {};
  inFlight: number;
  peakInFlight: number;

  /** `inFlight`: requests already in flight when the window opens (a continuous load carries them over). */
  constructor(
    private readonly load: LoadSpec,
    inFlight = 0,
  ) {
    this.inFlight = inFlight;
    this.peakInFlight = inFlight;
  }

  start(): void {
    this.sent++;
    this.inFlight++;
    if (this.inFlight > this.peakInFlight) this.peakInFlight = this.inFlight;
  }

  success(status: number, bodyBytes: number, protocol: string | null, micros: number): void {
    this.inFlight--;
    if (protocol) this.protocols[protocol] = (this.protocols[protocol] ?? 0) + 1;
    if (status !== this.load.expectedStatus) {
      this.error(`HTTP_${status}`, `status ${status}, expected ${this.load.expectedStatus}`);
      return;
    }
    if (bodyBytes !== this.load.expectedBodyBytes) {
      this.error('CASEBOOK_BODY_SIZE', `body ${bodyBytes} bytes, expected ${this.load.expectedBodyBytes}`);
      return;
    }
    this.ok++;
    recordMicros(this.histogram, micros);
  }

  failure(error: unknown): void {
    this.inFlight--;
    const code = errorCode(error);
    this.error(code, error instanceof Error ? error.message : String(error));
  }

  private error(code: string, message: string): void {
    this.errorsTotal++;
    this.byCode[code] = (this.byCode[code] ?? 0) + 1;
    if (this.samples[code] === undefined) this.samples[code] = message.slice(0, 300);
  }
}

/** Monotonic clock in ms (double, sub-µs resolution): cheaper per request than hrtime.bigint(). */
export const nowMs = (): number => performance.now();

/**
 * Run one phase and return its raw numbers. Closed loop: `concurrency` lanes, each sends its next request when the
 * previous one ends. Open loop: request i is due at t0 + i / rate and its latency is timed from that intended start,
 * so a stall delays every request scheduled during it (no coordinated omission).
 */
export async function runPhase(
  session: ClientSession,
  load: LoadSpec,
  requests: number | null,
  onProgress?: ProgressFn,
): Promise<PhaseResult> {
  const c = new PhaseCounters(load);
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  const t0 = nowMs();
  const durationMs = requests === null ? load.durationMs : null;
  const deadline = durationMs !== null ? t0 + durationMs : null;
  const total = requests ?? null;
  const timing = load.queueTiming ? new QueueTiming() : null;
  // Progress is looked at every 256 completions and sent at most every 200 ms: the clock is not read per request.
  let lastProgress = t0;
  let sinceCheck = 0;
  const progress = (): void => {
    if (!onProgress || ++sinceCheck < 256) return;
    sinceCheck = 0;
    const now = nowMs();
    if (now - lastProgress >= 200) {
      lastProgress = now;
      onProgress(c.ok + c.errorsTotal);
    }
  };

  if (load.mode === 'closed') {
    const path = load.path;
    // The hot loop without queue timing: in a closed loop the next request starts when the previous one ends, so one
    // clock read per request serves as both its end and the next start.
    const plainLane = async (): Promise<void> => {
      let start = nowMs();
      for (;;) {
        if (total !== null && c.sent >= total) return;
        if (deadline !== null && start >= deadline) return;
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
        progress();
      }
    };
    const timedLane = async (): Promise<void> => {
      const t = timing as QueueTiming;
      for (;;) {
        if (total !== null && c.sent >= total) return;
        if (deadline !== null && nowMs() >= deadline) return;
        c.start();
        const start = nowMs();
        const tagged = t.begin(path, start);
        try {
          const res = await session.request(tagged ? tagged.path : path);
          c.success(res.status, res.bodyBytes, res.protocol, (nowMs() - start) * 1000);
        } catch (error) {
          t.drop(tagged ? tagged.id : null);
          c.failure(error);
        }
        progress();
      }
    };
    const lane = timing ? timedLane : plainLane;
    await Promise.all(Array.from({ length: load.concurrency }, lane));
  } else {
    const rate = load.rateRps as number;
    const intervalMs = 1000 / rate;
    const planned = total ?? Math.max(1, Math.floor((rate * (durationMs ?? 0)) / 1000));
    await new Promise<void>((resolve) => {
      let issued = 0;
      let finished = 0;
      const finish = (): void => {
        finished++;
        progress();
        if (finished === planned) resolve();
      };
      const fire = (intended: number): void => {
        c.start();
        const tagged = timing?.begin(load.path, intended);
        session.request(tagged ? tagged.path : load.path).then(
          (res) => {
            c.success(res.status, res.bodyBytes, res.protocol, (nowMs() - intended) * 1000);
            finish();
          },
          (error: unknown) => {
            timing?.drop(tagged ? tagged.id : null);
            c.failure(error);
            finish();
          },
        );
      };
      const tick = (): void => {
        const elapsed = nowMs() - t0;
        const due = Math.min(planned, Math.floor(elapsed / intervalMs) + 1);
        while (issued < due) {
          const intended = t0 + issued * intervalMs;
          issued++;
          fire(intended);
        }
        if (issued < planned) setTimeout(tick, 1);
      };
      tick();
    });
  }

  const elapsedMs = nowMs() - t0;
  const cpu = process.cpuUsage(cpu0);
  const elu = performance.eventLoopUtilization(elu0);
  const split = timing?.stop();
  return {
    ...(split ?? {}),
    sent: c.sent,
    ok: c.ok,
    errors: { total: c.errorsTotal, byCode: c.byCode },
    errorSamples: c.samples,
    durationMs: elapsedMs,
    histogram: encodeHistogram(c.histogram),
    cpuUserMicros: cpu.user,
    cpuSystemMicros: cpu.system,
    eventLoopUtilization: elu.utilization,
    clientPeakInFlight: c.peakInFlight,
    protocols: c.protocols,
  };
}

/** The same closed loop with nothing but a counter: the baseline that harness overhead is measured against. */
export async function runBareClosedLoop(
  session: ClientSession,
  load: LoadSpec,
  requests: number,
): Promise<PhaseResult> {
  let sent = 0;
  let ok = 0;
  let failed = 0;
  const cpu0 = process.cpuUsage();
  const t0 = nowMs();
  const lane = async (): Promise<void> => {
    while (sent < requests) {
      sent++;
      try {
        await session.request(load.path);
        ok++;
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: load.concurrency }, lane));
  const durationMs = nowMs() - t0;
  const cpu = process.cpuUsage(cpu0);
  return {
    sent,
    ok,
    errors: { total: failed, byCode: failed ? { BARE_LOOP_FAILURE: failed } : {} },
    errorSamples: {},
    durationMs,
    histogram: encodeHistogram(createLatencyHistogram()),
    cpuUserMicros: cpu.user,
    cpuSystemMicros: cpu.system,
    eventLoopUtilization: 0,
    clientPeakInFlight: load.concurrency,
    protocols: {},
  };
}
