import * as path from 'node:path';
import { pinningPlan, startControlledChild } from '@casebook/procs';
import { type ResolvedTargetOptions, resolveTargetOptions, type TargetOptions } from './options';
import type { BodyCounters, TargetCounters } from './protocol';

export interface TargetHandle {
  origin: string;
  port: number;
  pid: number;
  /** Core the target was pinned to, or null when unpinned. */
  cpu: number | null;
  options: ResolvedTargetOptions;
  /** HTTPS targets: PEM of the run-time CA that signed the target's leaf (clients trust exactly this). */
  caPem: string | null;
  counters(): Promise<TargetCounters>;
  /** Body bytes, responses finished or held, per-connection bytes and the target's RSS (the bodies case study). */
  bodies(): Promise<BodyCounters>;
  /** Returns the counters as they were just before the reset (body counters reset too). */
  reset(): Promise<TargetCounters>;
  /** Resolves when the target process exits, with how it exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  isAlive(): boolean;
  kill(signal?: NodeJS.Signals): void;
  close(): Promise<void>;
}

/** Start the target in its own process on an ephemeral loopback port. */
export async function startTarget(
  input: TargetOptions = {},
  placement: { cpu?: number | null } = {},
): Promise<TargetHandle> {
  const options = resolveTargetOptions(input);
  const cpu = placement.cpu === undefined ? pinningPlan().serverCpu : placement.cpu;
  const server = await startControlledChild<{ port: number; pid: number; caPem?: string }>({
    name: 'target',
    script: path.join(__dirname, options.h2 ? 'h2-target-process.js' : 'target-process.js'),
    args: [JSON.stringify(options)],
    cpu,
    codes: { start: 'CASEBOOK_TARGET_START', exited: 'CASEBOOK_TARGET_EXITED', control: 'CASEBOOK_TARGET_CONTROL' },
  });
  const { listening } = server;
  return {
    origin: `${options.tls ? 'https' : 'http'}://${options.host}:${listening.port}`,
    caPem: listening.caPem ?? null,
    port: listening.port,
    pid: listening.pid,
    cpu,
    options,
    counters: () => server.ask<TargetCounters>('counters'),
    reset: () => server.ask<TargetCounters>('reset'),
    bodies: () => {
      if (options.h2) throw new Error('body counters: only the HTTP/1.1 target counts body bytes');
      return server.ask<BodyCounters>('bodies');
    },
    exited: server.exited,
    isAlive: server.isAlive,
    kill: server.kill,
    close: server.close,
  };
}
