/**
 * The processes a notebook's measurements started, as its record names them, and which of them still exist.
 *
 * Notebook tests used to grep the machine's process table, which fails whenever anything else runs (another
 * `casebook run`, another checkout). The kernel runs in its own process tree, so the test process's child registry
 * does not see its children either; what the run itself recorded does: every measurement's bench record carries the
 * pid of its target and of its delaying proxy.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const repo = path.resolve(__dirname, '../..');

/** A measurement as a case-study record lists it: `file` is its bench record, relative to the repository. */
interface MeasurementRef {
  file: string;
}

/** The part of a bench record (Node or foreign client) that names the processes it started. */
interface BenchPids {
  target?: { pid?: number | null };
  proxy?: { pid?: number | null };
}

/** Pids of the targets and proxies the record's measurements started (each bench record is read from disk). */
export function recordedPids(measurements: readonly MeasurementRef[]): number[] {
  const pids = new Set<number>();
  for (const m of measurements) {
    const bench: BenchPids = JSON.parse(fs.readFileSync(path.resolve(repo, m.file), 'utf8'));
    for (const pid of [bench.target?.pid, bench.proxy?.pid]) if (typeof pid === 'number' && pid > 0) pids.add(pid);
  }
  return [...pids];
}

/**
 * The pids in `pids` that still name one of our processes. Signal 0 checks existence without sending anything; EPERM
 * means the pid now belongs to another user's process, so not to anything this run started.
 */
export function livePids(pids: readonly number[]): number[] {
  return pids.filter((pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  });
}
