/**
 * One direction of the delaying proxy: every chunk is stamped with now + one-way delay and forwarded in order from
 * one timer; FIN goes through the same queue, so it never overtakes data. The destination is never destroyed with
 * bytes still queued (that silently drops TLS 1.3 session tickets, which the server sends after the handshake).
 */
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

type Item = { due: number; chunk: Buffer } | { due: number; chunk: 'fin' } | { due: number; chunk: 'reset' };

const HIGH_WATER = 1 << 20;
const LOW_WATER = 1 << 18;

export interface LaneStats {
  bytes: number;
  chunks: number;
  peakQueuedBytes: number;
}

export class DelayLane {
  private readonly queue: Item[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | null = null;
  private queuedBytes = 0;
  private pausedByUs = false;
  readonly stats: LaneStats = { bytes: 0, chunks: 0, peakQueuedBytes: 0 };

  constructor(
    private readonly src: Socket,
    private readonly dst: Socket,
    private readonly delayMs: number,
    private readonly onDone: () => void,
  ) {
    src.on('data', (chunk: Buffer) => this.push(chunk));
    src.on('end', () => this.push('fin'));
    // Abrupt close (reset) of the source: pass it on, after what is already queued.
    src.on('close', (hadError) => {
      if (hadError || !src.readableEnded) this.push('reset');
    });
    src.on('error', () => undefined);
    dst.on('drain', () => this.maybeResume());
  }

  /** Items not yet forwarded. */
  get pending(): number {
    return this.queue.length - this.head;
  }

  private push(chunk: Buffer | 'fin' | 'reset'): void {
    if (Buffer.isBuffer(chunk)) {
      this.stats.bytes += chunk.length;
      this.stats.chunks++;
    }
    if (this.delayMs <= 0 && this.pending === 0) {
      this.forward(chunk);
      return;
    }
    this.queue.push({ due: performance.now() + this.delayMs, chunk } as Item);
    if (Buffer.isBuffer(chunk)) {
      this.queuedBytes += chunk.length;
      if (this.queuedBytes > this.stats.peakQueuedBytes) this.stats.peakQueuedBytes = this.queuedBytes;
      if (this.queuedBytes > HIGH_WATER && !this.pausedByUs) {
        this.pausedByUs = true;
        this.src.pause();
      }
    }
    if (this.timer === null) this.schedule();
  }

  private schedule(): void {
    const first = this.queue[this.head];
    if (!first) {
      this.queue.length = 0;
      this.head = 0;
      return;
    }
    const wait = first.due - performance.now();
    this.timer = setTimeout(() => this.flush(), Math.max(0, wait));
  }

  private flush(): void {
    this.timer = null;
    // Timers fire up to ~1 ms late or early; forward everything due within half a millisecond.
    const now = performance.now() + 0.5;
    while (this.head < this.queue.length) {
      const item = this.queue[this.head] as Item;
      if (item.due > now) break;
      this.head++;
      if (Buffer.isBuffer(item.chunk)) this.queuedBytes -= item.chunk.length;
      this.forward(item.chunk);
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    this.maybeResume();
    this.schedule();
  }

  private forward(chunk: Buffer | 'fin' | 'reset'): void {
    if (this.dst.destroyed) return;
    if (chunk === 'fin') {
      this.dst.end();
      this.onDone();
    } else if (chunk === 'reset') {
      // Everything queued before the reset has been written; let it flush, then close.
      this.dst.end(() => this.dst.destroy());
      this.onDone();
    } else {
      this.dst.write(chunk);
    }
  }

  private maybeResume(): void {
    if (this.pausedByUs && this.queuedBytes < LOW_WATER && !this.dst.writableNeedDrain) {
      this.pausedByUs = false;
      this.src.resume();
    }
  }
}
