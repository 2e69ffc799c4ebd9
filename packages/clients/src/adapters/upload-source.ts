/**
 * Request bodies for the bodies case study's uploads. A streamed upload is produced one FRESH 64 KiB chunk per pull
 * (backpressure: the consumer pulls the next when it has taken this one), and the source keeps no reference to a chunk
 * it has handed out. So a client that keeps references to the chunks it was given (a replay buffer, a queue) holds
 * the body in memory exactly as it would with an application's file stream, and the GC-settled figures show it; the
 * chunks a client lets go are garbage the forced GC removes. (An earlier version handed out one shared chunk, which
 * hid retention by reference: follow-redirects' `_requestBodyBuffers` under axios, run bodies-893e1bbf.)
 * A buffered upload is one Buffer of the whole size, as an application that read a file into memory would hand it
 * over. The caller that times uploads prepares it BEFORE its clock and CPU counter start (prepareUploadBuffer):
 * filling 64 MiB is the application's cost, not the client's, and must not be charged to its ms or CPU per MB.
 */
import { Readable } from 'node:stream';

/** Chunk per push: 64 KiB, the size the generated response bodies use, so both directions chunk alike. */
export const UPLOAD_CHUNK_BYTES = 64 * 1024;
/** The byte every upload is made of ('u'). */
const FILL = 0x75;

/**
 * A new chunk of `n` bytes, filled (no uninitialised memory on the wire). Above Buffer.poolSize / 2 (4 KiB) Node
 * allocates it on its own, so no chunk shares memory with another and dropping one frees it.
 */
function freshChunk(n: number): Buffer {
  return Buffer.allocUnsafe(n).fill(FILL);
}

/** A Node Readable producing `bytes` bytes on demand, a fresh 64 KiB chunk per pull. */
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
      this.push(freshChunk(n));
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
        controller.enqueue(freshChunk(n));
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
