// Pure checks for small defects (no process, no socket): target options the HTTP/2 target cannot honour and time
// bounds, client options a client would ignore, the run-time PKI on reflect-metadata, and the live line's label and
// log-mode throttling (fake stream, fake clock, fake timers).
import { UsageError } from '@casebook/results';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { createLiveLine, LIVE_LINE_LOG_INTERVAL_MS, type LiveLineStream } from '../packages/charts/src/index';
import { resolveClientOptions } from '../packages/clients/src/registry';
import {
  DEFAULT_TARGET_OPTIONS,
  MAX_KEEP_ALIVE_TIMEOUT_MS,
  MAX_TARGET_TIME_MS,
  resolveTargetOptions,
  type TargetOptions,
} from '../packages/servers/src/options';
import { createPki } from '../packages/servers/src/tls-pki';

function refusal(run: () => unknown): UsageError {
  try {
    run();
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error('expected a UsageError, nothing was thrown');
}

describe('target options', () => {
  test('the HTTP/2 target refuses the options only the HTTP/1.1 target honours, naming field and value', () => {
    const cases: [keyof TargetOptions, TargetOptions][] = [
      ['keepAliveTimeoutMs', { keepAliveTimeoutMs: 1000 }],
      ['stallEveryMs', { stallEveryMs: 500, stallForMs: 100 }],
    ];
    for (const [field, input] of cases) {
      const error = refusal(() => resolveTargetOptions({ ...input, h2: {} }));
      expect(error.field).toBe(field);
      expect(error.value).toBe(input[field]);
      expect(error.message).toContain('not supported by the HTTP/2 target');
      expect(() => resolveTargetOptions(input)).not.toThrow();
    }
  });

  test('the HTTP/2 target accepts what it honours, and defaults passed explicitly', () => {
    const resolved = resolveTargetOptions({
      h2: { maxConcurrentStreams: 10 },
      delayMs: 50,
      bodyBytes: 128,
      status: 503,
      slowEvery: 20,
      slowDelayMs: 200,
      keepAliveTimeoutMs: DEFAULT_TARGET_OPTIONS.keepAliveTimeoutMs,
      stallEveryMs: 0,
      stallForMs: 0,
      tls: { version: 'any', certType: 'rsa-2048' },
    });
    expect(resolved.h2).toEqual({ allowHTTP1: true, maxConcurrentStreams: 10 });
    expect(resolved.tls?.alpn).toEqual(['h2', 'http/1.1']);
  });

  test('time options are bounded, and the error names the field and the value', () => {
    expect(resolveTargetOptions({ delayMs: MAX_TARGET_TIME_MS }).delayMs).toBe(MAX_TARGET_TIME_MS);
    const cases: [string, number, TargetOptions][] = [
      ['delay-ms', 99_999_999, { delayMs: 99_999_999 }],
      ['slowDelayMs', MAX_TARGET_TIME_MS + 1, { slowEvery: 2, slowDelayMs: MAX_TARGET_TIME_MS + 1 }],
      ['stallForMs', MAX_TARGET_TIME_MS + 1, { stallEveryMs: 1000, stallForMs: MAX_TARGET_TIME_MS + 1 }],
      ['stallEveryMs', MAX_TARGET_TIME_MS + 1, { stallEveryMs: MAX_TARGET_TIME_MS + 1, stallForMs: 10 }],
      ['keepAliveTimeoutMs', MAX_KEEP_ALIVE_TIMEOUT_MS + 1, { keepAliveTimeoutMs: MAX_KEEP_ALIVE_TIMEOUT_MS + 1 }],
    ];
    for (const [field, value, input] of cases) {
      const error = refusal(() => resolveTargetOptions(input));
      expect(error.field).toBe(field);
      expect(error.value).toBe(value);
      expect(error.message).toContain(String(value));
    }
    expect(refusal(() => resolveTargetOptions({ delayMs: 99_999_999 })).message).toContain('99999999');
  });

  test('a stall or slow delay that would do nothing is refused, not ignored', () => {
    expect(refusal(() => resolveTargetOptions({ stallEveryMs: 500 })).field).toBe('stallForMs');
    expect(refusal(() => resolveTargetOptions({ stallForMs: 100 })).field).toBe('stallEveryMs');
    expect(refusal(() => resolveTargetOptions({ stallEveryMs: 100, stallForMs: 100 })).field).toBe('stallForMs');
    expect(refusal(() => resolveTargetOptions({ slowDelayMs: 100 })).field).toBe('slowDelayMs');
    expect(resolveTargetOptions({ stallEveryMs: 500, stallForMs: 150 })).toMatchObject({
      stallEveryMs: 500,
      stallForMs: 150,
    });
  });
});

describe('client options a client would ignore', () => {
  test('axios and got over HTTP/2 refuse the Agent options their HTTP/2 paths bypass', () => {
    const axiosCap = refusal(() => resolveClientOptions('axios', { protocol: 'h2', connections: 4 }));
    expect(axiosCap.field).toBe('connections');
    expect(axiosCap.message).toContain('axios with protocol h2');
    expect(refusal(() => resolveClientOptions('axios', { protocol: 'h2', keepAlive: false })).field).toBe('keepAlive');
    expect(refusal(() => resolveClientOptions('got', { protocol: 'h2', keepAlive: false })).field).toBe('keepAlive');
    expect(refusal(() => resolveClientOptions('got', { protocol: 'h2', tlsSessionCacheSize: 0 })).field).toBe(
      'tlsSessionCacheSize',
    );
    // What they honour: got's HTTP/2 pool takes a cap; both take the options over HTTP/1.1.
    expect(() => resolveClientOptions('got', { protocol: 'h2', connections: 4 })).not.toThrow();
    expect(() => resolveClientOptions('axios', { connections: 4, keepAlive: false })).not.toThrow();
    expect(() => resolveClientOptions('got', { keepAlive: false, tlsSessionCacheSize: 0 })).not.toThrow();
  });

  test('node-http2 and node-fetch refuse a connect timeout they have no hook for', () => {
    expect(refusal(() => resolveClientOptions('node-http2', { connectTimeoutMs: 1000 })).field).toBe(
      'connectTimeoutMs',
    );
    expect(refusal(() => resolveClientOptions('node-http2', { tlsSessionCacheSize: 0 })).field).toBe(
      'tlsSessionCacheSize',
    );
    expect(refusal(() => resolveClientOptions('node-fetch', { connectTimeoutMs: 1000 })).field).toBe(
      'connectTimeoutMs',
    );
    expect(() => resolveClientOptions('node-http', { connectTimeoutMs: 1000 })).not.toThrow();
  });
});

test('the run-time PKI makes a CA and a leaf (@peculiar/x509 on reflect-metadata)', async () => {
  const pki = await createPki();
  const leaf = await pki.leaf('ecdsa-p256');
  expect(pki.caPem).toMatch(/^-----BEGIN CERTIFICATE-----/);
  expect(leaf.certPem).toMatch(/^-----BEGIN CERTIFICATE-----/);
  expect(leaf.dnsNames).toContain('localhost');
});

describe('live line', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  function fakeStream(isTTY: boolean): LiveLineStream & { chunks: string[] } {
    const chunks: string[] = [];
    return { isTTY, columns: 200, chunks, write: (chunk: string) => chunks.push(chunk) };
  }

  test('shows the label once when the text already starts with it', () => {
    const texts: string[] = [];
    const notebookDisplay = { text: (t: string) => texts.push(t) };
    let nowMs = 0;
    const run = createLiveLine('01-512-at-once', { notebookDisplay, now: () => nowMs });
    run.update('01-512-at-once (quick): cell 3/9');
    nowMs += 1000;
    run.update('cell 4/9');
    run.done('01-512-at-once (quick): executed');
    expect(texts).toEqual([
      '01-512-at-once: …',
      '01-512-at-once (quick): cell 3/9',
      '01-512-at-once: cell 4/9',
      '01-512-at-once (quick): executed',
    ]);

    const result = fakeStream(false);
    const bench = createLiveLine('bench undici-request', {
      progressStream: fakeStream(true),
      resultStream: result,
      notebookDisplay: null,
      now: () => 0,
    });
    const progress = fakeStream(true);
    const study = createLiveLine('measurements', {
      progressStream: progress,
      resultStream: result,
      notebookDisplay: null,
      now: () => 0,
    });
    study.update('[1/2] undici-request: trial 1/3', 0.5);
    expect(progress.chunks[0]).toMatch(/measurements \[#{10}\.{10}\]\s+50% \[1\/2\] undici-request: trial 1\/3$/);
    study.done('measurements: 2 measurements, 0 errored');
    bench.update('undici-request: trial 1/3');
    bench.done('completed');
    expect(result.chunks).toEqual(['measurements: 2 measurements, 0 errored\n', 'bench undici-request: completed\n']);
  });

  test('a bench label ending in the client name does not repeat it', () => {
    const progress = fakeStream(true);
    const line = createLiveLine('bench undici', {
      progressStream: progress,
      resultStream: fakeStream(false),
      notebookDisplay: null,
      now: () => 0,
    });
    line.update('undici: trial 2/5 [##########..........] 50/100');
    expect(progress.chunks[0]).toMatch(/bench undici: trial 2\/5 /);
    expect(progress.chunks[0]).not.toContain('undici: undici');
  });

  test('without a TTY, appends a plain progress line at most every 5 s, the latest text, then the final line', () => {
    vi.useFakeTimers();
    let nowMs = 0;
    const progress = fakeStream(false);
    const result = fakeStream(false);
    const line = createLiveLine('trials', {
      progressStream: progress,
      resultStream: result,
      notebookDisplay: null,
      now: () => nowMs,
    });
    expect(line.mode).toBe('log');
    line.update('1/100');
    expect(progress.chunks).toEqual(['trials: 1/100\n']);
    for (let i = 2; i <= 50; i++) {
      nowMs += 50;
      line.update(`${i}/100`);
    }
    expect(progress.chunks).toHaveLength(1); // throttled: not one line per update
    nowMs = LIVE_LINE_LOG_INTERVAL_MS;
    vi.advanceTimersByTime(LIVE_LINE_LOG_INTERVAL_MS);
    expect(progress.chunks).toEqual(['trials: 1/100\n', 'trials: 50/100\n']);
    nowMs += 1000;
    line.update('60/100');
    line.done('100 requests, 0 errors');
    vi.advanceTimersByTime(LIVE_LINE_LOG_INTERVAL_MS);
    expect(progress.chunks).toHaveLength(2);
    expect(progress.chunks.every((c) => !c.includes('\r') && !c.includes('\u001b'))).toBe(true);
    expect(result.chunks).toEqual(['trials: 100 requests, 0 errors\n']);
  });
});
