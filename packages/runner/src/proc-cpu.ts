import * as fs from 'node:fs';

/**
 * CPU time of any process, read from /proc/<pid>/stat (Linux): what a process that cannot report its own CPU — the
 * Python app, wrk — used over a window, the same way for each. Elsewhere (or once the process is gone) it is null and
 * the record says so.
 */

/** USER_HZ: /proc counts CPU time in clock ticks, 100 per second on every Linux this runs on (as machine-load.ts). */
const MICROS_PER_TICK = 10_000;

/**
 * utime + stime (all threads) of one `/proc/<pid>/stat` line, in µs. The command name in parentheses may hold spaces
 * and parentheses, so fields are counted after the last ')': state is field 3, utime 14 and stime 15.
 */
export function parseProcStatCpuMicros(line: string): number | null {
  const close = line.lastIndexOf(')');
  if (close < 0) return null;
  const fields = line
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return null;
  return (utime + stime) * MICROS_PER_TICK;
}

export function procCpuMicros(pid: number): number | null {
  try {
    return parseProcStatCpuMicros(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}
