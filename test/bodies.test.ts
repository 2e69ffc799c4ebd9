import { CLIENT_NAMES } from '@casebook/clients';
import { type BodyLab, openBodyLab } from '@casebook/runner';
import { GENERATED_CHUNK_BYTES, parseGeneratedBody } from '@casebook/servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SIZES = [0, 1000, GENERATED_CHUNK_BYTES + 7, 3 * 1024 * 1024];

describe('generated bodies: parsing', () => {
  it('parses size and framing, refuses bad input, ignores other paths', () => {
    expect(parseGeneratedBody('/bytes?n=10&framing=chunked')).toEqual({ bytes: 10, framing: 'chunked' });
    expect(parseGeneratedBody('/bytes?n=10')).toEqual({ bytes: 10, framing: 'length' });
    expect(parseGeneratedBody('/')).toBeNull();
    expect(parseGeneratedBody('/bytes?n=-1')).toHaveProperty('error');
    expect(parseGeneratedBody('/bytes?n=10&framing=gzip')).toHaveProperty('error');
    expect(parseGeneratedBody(`/bytes?n=${2 ** 31}`)).toHaveProperty('error');
  });
});

describe('bodies lab: byte counts on both sides, every client', () => {
  let lab: BodyLab;
  beforeAll(async () => {
    lab = await openBodyLab();
  });
  afterAll(async () => {
    await lab.close();
  });

  it.each(CLIENT_NAMES.map((c) => [c]))(
    '%s: stream and buffer receive exactly what the target finished sending, at every size and framing',
    async (client) => {
      for (const bytes of SIZES) {
        for (const consumption of ['stream', 'buffer'] as const) {
          const framing = bytes === SIZES[2] ? 'chunked' : 'length';
          const r = await lab.block({ client, bytes, consumption, framing, warmupRequests: 0, requestsPerTrial: 2 });
          const what = `${client} ${bytes} ${consumption} ${framing}`;
          expect(r.error, what).toBeNull();
          const t = r.trials[0];
          expect(t?.ok, what).toBe(2);
          expect(t?.bodyBytes, what).toBe(2 * bytes);
          expect(t?.bodies.finishedBodyBytes, what).toBe(2 * bytes);
          expect(t?.bodies.responsesFinished, what).toBe(2);
          expect(t?.rssPeakBytes, what).toBeGreaterThan(0);
          expect(t?.rssSampleMs, what).toBe(5);
        }
      }
    },
    60_000,
  );

  it('an unread body is reported as unread, never as ok', async () => {
    const r = await lab.block({
      client: 'node-http',
      bytes: 1024,
      consumption: 'unread',
      warmupRequests: 0,
      requestsPerTrial: 3,
    });
    expect(r.error).toBeNull();
    expect(r.trials[0]?.ok).toBe(0);
    expect(r.trials[0]?.unread).toBe(3);
    expect(r.trials[0]?.bodyBytes).toBe(0);
  }, 30_000);

  it('refuses a bad spec before anything starts, naming the field', async () => {
    await expect(lab.block({ client: 'nope', bytes: 1 })).rejects.toThrow(/client/);
    await expect(lab.block({ client: 'got', bytes: -1 })).rejects.toThrow(/bytes/);
  });
});
