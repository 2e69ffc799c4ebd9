/**
 * Sinks the bodies case study streams response bodies into: they count and discard, as an application writing a
 * download to a file or another socket would (with backpressure), without holding the body. One for Node streams,
 * one for WHATWG streams (fetch), so each client is consumed through its own stream type, not an adapter's.
 */
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Pipe a Node Readable into a counting sink; resolves with the bytes that arrived. */
export async function streamToSink(body: NodeJS.ReadableStream): Promise<number> {
  let bytes = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      callback();
    },
  });
  await pipeline(body, sink);
  return bytes;
}

/** pipeTo a WHATWG ReadableStream into a counting WritableStream; resolves with the bytes that arrived. */
export async function webStreamToSink(body: ReadableStream<Uint8Array> | null): Promise<number> {
  if (body === null) return 0;
  let bytes = 0;
  await body.pipeTo(
    new WritableStream<Uint8Array>({
      write(chunk) {
        bytes += chunk.byteLength;
      },
    }),
  );
  return bytes;
}
