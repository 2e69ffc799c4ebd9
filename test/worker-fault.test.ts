import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { ipcTransport, jsonLinesTransport, stopChild } from '@casebook/procs';
import { CasebookError } from '@casebook/results';
import { describe, expect, test } from 'vitest';
import { driveWorker } from '../packages/runner/src/driver';

/**
 * A worker's fault written just before it exits must be the error a run reports: the driver fails on the child's
 * 'close' (stdio and IPC drained) after the messages so far are handled, never on 'exit' (which can come first).
 * The fixture says `phase-start`, then `fatal`, then exits at once; the phase-start handler is slow, so with 'exit'
 * the "exited before finishing" error would win.
 */

const FIXTURE = path.join(__dirname, 'fixtures', 'workers', 'fault-then-exit.js');

/** Longer than the gap between the child's exit and its 'close', so a driver that did not wait would lose the fault. */
const SLOW_HANDLER_MS = 300;

function drive(kind: 'ipc' | 'json-lines'): Promise<unknown> {
  const child =
    kind === 'ipc'
      ? spawn(process.execPath, [FIXTURE], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
      : spawn(process.execPath, [FIXTURE], { stdio: ['pipe', 'pipe', 'pipe'] });
  const transport = kind === 'ipc' ? ipcTransport<never, unknown>(child) : jsonLinesTransport<never, unknown>(child);
  return driveWorker({
    transport,
    start: { type: 'start' },
    phaseTimeoutMs: 10_000,
    onPhaseStart: () => new Promise((resolve) => setTimeout(resolve, SLOW_HANDLER_MS)),
    onPhaseEnd: () => undefined,
  })
    .then(
      (settings) => settings,
      (error: unknown) => error,
    )
    .finally(() => stopChild(child));
}

describe('a fault written just before exit', () => {
  for (const kind of ['ipc', 'json-lines'] as const) {
    test(`${kind}: the run fails with the fault, not "exited"`, async () => {
      const error = await drive(kind);
      expect(error).toBeInstanceOf(CasebookError);
      expect(error).toMatchObject({ code: 'CASEBOOK_RUN', message: expect.stringMatching(/fixture fault/) });
    });
  }

  test('a worker that exits without a fault: CASEBOOK_CLIENT_EXITED with its code', async () => {
    const child = spawn(process.execPath, ['-e', 'process.exit(4)'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const error = await driveWorker({
      transport: jsonLinesTransport<never, unknown>(child),
      start: { type: 'start' },
      phaseTimeoutMs: 10_000,
      onPhaseEnd: () => undefined,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CASEBOOK_CLIENT_EXITED', message: expect.stringMatching(/code 4/) });
  });
});
