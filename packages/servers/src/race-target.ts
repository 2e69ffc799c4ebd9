import * as path from 'node:path';
import { pinningPlan, startControlledChild } from '@casebook/procs';
import {
  type RaceTargetCounters,
  type RaceTargetOptions,
  type ResolvedRaceTargetOptions,
  resolveRaceTargetOptions,
} from './race-target-protocol';

/** The parent's handle on a race target process (race-target-process.ts). */
export interface RaceTargetHandle {
  origin: string;
  port: number;
  pid: number;
  /** Core the target was pinned to, or null when unpinned. */
  cpu: number | null;
  options(): ResolvedRaceTargetOptions;
  counters(): Promise<RaceTargetCounters>;
  /** Returns the counters as they were just before the reset (open connections are kept, and listed again). */
  reset(): Promise<RaceTargetCounters>;
  /** New idle timeout, close mode, hint or race window for connections that become idle from now on. */
  configure(input: RaceTargetOptions): Promise<ResolvedRaceTargetOptions>;
  /** Destroy every stalled connection; resolves with how many there were. */
  release(): Promise<number>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  isAlive(): boolean;
  close(): Promise<void>;
}

/** Start a race target in its own process on an ephemeral loopback port (pinned like every lab server). */
export async function startRaceTarget(
  input: RaceTargetOptions,
  placement: { cpu?: number | null } = {},
): Promise<RaceTargetHandle> {
  let options = resolveRaceTargetOptions(input);
  const cpu = placement.cpu === undefined ? pinningPlan().serverCpu : placement.cpu;
  const server = await startControlledChild<{ port: number; pid: number }>({
    name: 'race target',
    script: path.join(__dirname, 'race-target-process.js'),
    args: [JSON.stringify(options)],
    cpu,
    codes: {
      start: 'CASEBOOK_RACE_TARGET_START',
      exited: 'CASEBOOK_RACE_TARGET_EXITED',
      control: 'CASEBOOK_RACE_TARGET_CONTROL',
    },
  });
  const { port, pid } = server.listening;
  return {
    origin: `http://${options.host}:${port}`,
    port,
    pid,
    cpu,
    options: () => options,
    counters: () => server.ask<RaceTargetCounters>('counters'),
    reset: () => server.ask<RaceTargetCounters>('reset'),
    async configure(next) {
      resolveRaceTargetOptions(next); // refuse bad options here, with the field named, before asking the child
      options = await server.ask<ResolvedRaceTargetOptions>('configure', { options: next });
      return options;
    },
    release: () => server.ask<number>('release'),
    exited: server.exited,
    isAlive: server.isAlive,
    close: server.close,
  };
}
