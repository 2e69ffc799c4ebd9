/**
 * Request bodies for the bodies case study's uploads. A streamed upload is produced from ONE preallocated 64 KiB
 * chunk pushed again and again as the consumer pulls (backpressure), allocating nothing per pull, so the application
 * side neither holds the body nor makes garbage: growth of the client process's memory with the body size is the
 * client's own (its buffering, or its garbage; nodejs/undici#4058).
 * A buffered upload is one Buffer of the whole size, as an application that read a file into memory would hand it
 * over. The caller that times uploads prepares it BEFORE its clock and CPU counter start (prepareUploadBuffer):
 * filling 64 MiB is the application's cost, not the client's, and must not be charged to its ms or CPU per MB.
 */
import { Readable } from 'node:stream';

/** Chunk per push: 64 KiB, the size the generated response bodies use, so both directions chunk alike. */
export const UPLOAD_CHUNK_BYTES = 64 * 1024;
/** The one chunk every pull hands out, filled once and never written again (so sharing it is safe). */
const CHUNK = Buffer.alloc(UPLOAD_CHUNK_BYTES, 'u');

/**
 * The first `n` bytes of the one chunk, without copying: the source allocates nothing per pull, so no garbage of its
 * own inflates the client's RSS. The cost: a client that kept references to every chunk without copying would not
 * show the body in memory; one that copies (concatenates, queues into its own buffers) still does.
 */
function sharedChunk(n: number): Buffer {
  return n === UPLOAD_CHUNK_BYTES ? CHUNK : CHUNK.subarray(0, n);
}

/** A Node Readable producing `bytes` bytes on demand, the same 64 KiB chunk per pull. */
export function uploadReadable(bytes: number): Readable {
  let remaining = bytes;
  return new Readable({
    highWaterMark: UPLOAD_CHUNK_BYTES,
    read() {
      if (remaining <= 0) {
        this.push(null);
        return;
      }
      const n = Math.min(remaining, UPLOAD_CHUNK_BYTES);
      remaining -= n;
      this.push(sharedChunk(n));
    },
  });
}

/** The same body as a WHATWG ReadableStream (for fetch, with `duplex: 'half'`), pulled one chunk at a time. */
export function uploadWebStream(bytes: number): ReadableStream<Uint8Array> {
  let remaining = bytes;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (remaining <= 0) {
          controller.close();
          return;
        }
        const n = Math.min(remaining, UPLOAD_CHUNK_BYTES);
        remaining -= n;
        controller.enqueue(sharedChunk(n));
      },
    },
    { highWaterMark: 1 },
  );
}

/** The Buffer prepared for the next buffered uploads (one slot: a block uploads one size). */
let prepared: Buffer | null = null;

/** Allocate and fill the buffered upload body now, outside the timed calls; the adapters' uploads then reuse it. */
export function prepareUploadBuffer(bytes: number): void {
  prepared = prepared?.length === bytes ? prepared : Buffer.alloc(bytes, 'u');
}

/** Drop the prepared Buffer (its memory is the application's, freed when the block is done with it). */
export function releaseUploadBuffer(): void {
  prepared = null;
}

/** The whole body in one Buffer (a buffered upload): the prepared one when it has this size, else a new one. */
export function uploadBuffer(bytes: number): Buffer {
  return prepared?.length === bytes ? prepared : Buffer.alloc(bytes, 'u');
}
