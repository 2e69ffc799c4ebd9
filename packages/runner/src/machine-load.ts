import * as fs from 'node:fs';

/**
 * The machine's other load during a window, from /proc/stat (Linux): busy and steal time per core. With the client
 * and the target's own CPU subtracted, what is left on their cores was taken by something else — the kernel's
 * loopback work, the orchestrating process, or another tenant. Elsewhere it is null and the record says so.
 */
export interface CoreTimes {
  busyMs: number;
  stealMs: number;
  totalMs: number;
}

/** USER_HZ: /proc/stat counts in clock ticks, 100 per second on every Linux this runs on. */
const TICKS_PER_MS = 0.1;

export function readCoreTimes(file = '/proc/stat'): CoreTimes[] | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const cores: CoreTimes[] = [];
  for (const line of text.split('\n')) {
    const m = /^cpu(\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = (m[2] as string)
      .trim()
      .split(/\s+/)
      .map(Number);
    const busy = user + nice + system + irq + softirq;
    cores[Number(m[1])] = {
      busyMs: busy / TICKS_PER_MS,
      stealMs: steal / TICKS_PER_MS,
      totalMs: (busy + idle + iowait + steal) / TICKS_PER_MS,
    };
  }
  return cores.length > 0 ? cores : null;
}

export interface CoreShare {
  /** Share of the core's time that was busy during the window. */
  busy: number;
  steal: number;
}

export function coreShares(before: CoreTimes[] | null, after: CoreTimes[] | null): CoreShare[] | null {
  if (!before || !after) return null;
  return after.map((a, i) => {
    const b = before[i] as CoreTimes;
    const total = a.totalMs - b.totalMs;
    return total > 0
      ? { busy: (a.busyMs - b.busyMs) / total, steal: (a.stealMs - b.stealMs) / total }
      : { busy: 0, steal: 0 };
  });
}
