/**
 * The body of a file while it arrives from an upstream: appended to by one writer, read by any
 * number of responses, each of which gets its byte range as soon as those bytes are here. A
 * failure ends every reader with that error (the transport then resets the stream, so a client
 * never takes a short body for a whole one).
 */
export class GrowingBody {
  private readonly chunks: Buffer[] = [];
  private received = 0;
  private failure: Error | null = null;
  private wake: Array<() => void> = [];

  constructor(readonly size: number) {}

  get length(): number {
    return this.received;
  }

  get complete(): boolean {
    return this.received === this.size;
  }

  append(chunk: Buffer): void {
    if (this.failure) return;
    if (this.received + chunk.length > this.size) throw new Error(`more than the announced ${this.size} bytes`);
    this.chunks.push(chunk);
    this.received += chunk.length;
    this.notify();
  }

  fail(err: Error): void {
    this.failure ??= err;
    this.notify();
  }

  /** The whole body; only once complete. */
  bytes(): Buffer {
    if (!this.complete) throw new Error('body not complete');
    return Buffer.concat(this.chunks, this.size);
  }

  /** Bytes start..end (inclusive), yielded as they arrive. */
  async *read(start: number, end: number): AsyncGenerator<Buffer> {
    let pos = start;
    let index = 0;
    let indexOffset = 0;
    while (pos <= end) {
      if (pos < this.received) {
        // Walk forward to the chunk holding `pos` (readers only move forward).
        while (indexOffset + (this.chunks[index]?.length ?? 0) <= pos) indexOffset += this.chunks[index++]!.length;
        const chunk = this.chunks[index]!;
        const piece = chunk.subarray(pos - indexOffset, Math.min(chunk.length, end + 1 - indexOffset));
        pos += piece.length;
        yield piece;
        continue;
      }
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve) => this.wake.push(resolve));
    }
  }

  private notify(): void {
    for (const w of this.wake.splice(0)) w();
  }
}
