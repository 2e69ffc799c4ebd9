import { CLIENT_NAMES } from '@casebook/clients';
import { type BodyLab, bodyJob, MAX_REQUEST_TIMEOUT_MS, openBodyLab } from '@casebook/runner';
import { GENERATED_CHUNK_BYTES, parseGeneratedBody, UPLOAD_PATH } from '@casebook/servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareUploadBuffer, releaseUploadBuffer, uploadBuffer } from '../packages/clients/src/adapters/upload-source';
import { bodyProgressText, bodyRoundsTitle } from '../packages/study/src/format';

/** The HTTP/1.1 clients the uploads sweep covers (notebook 09, section 2). */
const UPLOAD_CLIENTS = ['undici-request', 'undici-fetch', 'node-http', 'axios', 'got'] as const;
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

  it('a request limit long enough for the nodejs/undici#2014 times (95–104 s) is accepted, one past a phase is not', () => {
    const origin = 'http://127.0.0.1:1';
    expect(bodyJob(origin, { client: 'got', bytes: 1, requestTimeoutMs: 110_000 }).job.requestTimeoutMs).toBe(110_000);
    expect(() => bodyJob(origin, { client: 'got', bytes: 1, requestTimeoutMs: MAX_REQUEST_TIMEOUT_MS + 1 })).toThrow(
      /requestTimeoutMs/,
    );
  });

  it('a buffered upload reuses the Buffer prepared before the clock, and allocates when none of its size is', () => {
    prepareUploadBuffer(1000);
    const a = uploadBuffer(1000);
    expect(uploadBuffer(1000)).toBe(a);
    expect(a.toString('latin1', 0, 3)).toBe('uuu');
    expect(uploadBuffer(999)).not.toBe(a);
    releaseUploadBuffer();
    expect(uploadBuffer(1000)).not.toBe(a);
  });
});

describe('bodies lab: progress line', () => {
  it('names the round, the block, the client, size, consumption and phase, and the elapsed time', () => {
    const p = {
      round: 4,
      rounds: 6,
      block: 12,
      blocks: 42,
      done: 180,
      client: 'undici-fetch',
      bytes: 128 * 1024 * 1024,
      direction: 'download' as const,
      consumption: 'stream' as const,
      phase: 'warmup' as const,
      elapsedMs: 311_600,
    };
    expect(bodyProgressText(p)).toBe('round 5/6 · block 12/42 · undici-fetch · 128 MiB · stream · warming up · 312 s');
    expect(
      bodyProgressText({ ...p, phase: 'trial', direction: 'upload', bytes: 64 * 1024, consumption: 'buffer' }),
    ).toBe('round 5/6 · block 12/42 · undici-fetch · upload 64 KiB · buffer · measuring · 312 s');
    expect(bodyProgressText({ ...p, phase: 'starting', round: 0, block: 1, elapsedMs: 0 })).toContain(
      'round 1/6 · block 1/42 · undici-fetch · 128 MiB · stream · starting the client · 0 s',
    );
  });

  it('titles the line by what the blocks do', () => {
    expect(bodyRoundsTitle([{ direction: 'upload' }, { direction: 'upload', consumption: 'stream' }])).toBe('uploads');
    expect(bodyRoundsTitle([{ consumption: 'unread' }])).toBe('unread bodies');
    expect(bodyRoundsTitle([{ consumption: 'stream' }, { consumption: 'unread' }])).toBe('body sweep');
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

  it('rounds() reports each block as it starts and each of its phases, in round and block order', async () => {
    const seen: string[] = [];
    const specs = [
      { client: 'node-http', bytes: 1024, warmupRequests: 1, requestsPerTrial: 1 },
      { client: 'undici-request', bytes: 1024, direction: 'upload' as const, warmupRequests: 0, requestsPerTrial: 1 },
    ];
    const out = await lab.rounds(specs, {
      rounds: 1,
      seed: 1,
      onProgress: (p) => seen.push(`${p.round}/${p.rounds} ${p.block}/${p.blocks} ${p.done} ${p.client} ${p.phase}`),
    });
    expect(out.map((r) => r.error)).toEqual([null, null]);
    const http = ['0/1 ? ? node-http starting', '0/1 ? ? node-http warmup', '0/1 ? ? node-http trial'];
    const undici = ['0/1 ? ? undici-request starting', '0/1 ? ? undici-request trial'];
    const masked = seen.map((x) => x.replace(/ \d+\/2 \d+ /, ' ? ? '));
    expect(masked).toEqual(out[0]?.job.client === 'node-http' ? [...http, ...undici] : [...undici, ...http]);
    expect(seen[0]).toMatch(/^0\/1 1\/2 0 /);
    expect(seen.at(-1)).toMatch(/^0\/1 2\/2 1 /);
  }, 30_000);

  it('refuses a bad spec before anything starts, naming the field', async () => {
    await expect(lab.block({ client: 'nope', bytes: 1 })).rejects.toThrow(/client/);
    await expect(lab.block({ client: 'got', bytes: -1 })).rejects.toThrow(/bytes/);
    await expect(lab.block({ client: 'got', bytes: 1, direction: 'sideways' as 'upload' })).rejects.toThrow(
      /direction/,
    );
    await expect(lab.block({ client: 'got', bytes: 1, direction: 'upload', consumption: 'unread' })).rejects.toThrow(
      /consumption/,
    );
  });

  it.each(UPLOAD_CLIENTS.map((c) => [c]))(
    '%s: buffered and streamed uploads arrive whole at the target, with the live body limits recorded',
    async (client) => {
      for (const bytes of [0, GENERATED_CHUNK_BYTES + 7, 3 * 1024 * 1024]) {
        for (const consumption of ['stream', 'buffer'] as const) {
          const r = await lab.block({
            client,
            bytes,
            consumption,
            direction: 'upload',
            warmupRequests: 0,
            requestsPerTrial: 2,
          });
          const what = `${client} upload ${bytes} ${consumption}`;
          expect(r.error, what).toBeNull();
          expect(r.job.path, what).toBe(UPLOAD_PATH);
          const t = r.trials[0];
          expect(t?.ok, what).toBe(2);
          expect(t?.bodyBytes, what).toBe(2 * bytes);
          expect(t?.bodies.requestBodyBytesReceived, what).toBe(2 * bytes);
        }
      }
      const r = await lab.block({ client, bytes: 1024, direction: 'upload', warmupRequests: 0 });
      if (client === 'axios') expect(r.settings).toMatchObject({ maxBodyLength: -1, maxContentLength: -1 });
      if (client === 'undici-request' || client === 'undici-fetch')
        expect(typeof r.settings['liveBodyTimeoutMs']).toBe('number');
      if (client === 'got') expect(r.settings['timeout']).toEqual({});
    },
    60_000,
  );
});
