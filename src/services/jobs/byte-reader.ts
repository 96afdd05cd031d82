/**
 * Reads a file front to back as it streams in, for checks that walk its structure: small exact reads of
 * headers (`peek`), and passes over long runs (`pass`) that see each chunk once and keep none of it, so a
 * check of a 10 MB file holds one chunk of it, not the file. The chunks may all be read into one buffer.
 */
export class ByteReader {
  /** Chunks received and not yet passed, first one first. */
  private readonly parts: Buffer[] = [];
  private buffered = 0;
  private ended = false;

  constructor(private readonly chunks: AsyncIterator<Uint8Array>) {}

  /**
   * The next `count` bytes, not consumed; fewer only where the file ends first. Valid until the next call (the
   * source may reuse its memory). Copies at most `count` bytes.
   */
  async peek(count: number): Promise<Buffer> {
    while (this.buffered < count && (await this.receive()));
    const first = this.parts[0];
    if (first && first.length >= count) return first.subarray(0, count);
    return Buffer.concat(this.parts, Math.min(count, this.buffered));
  }

  /** Consumes `count` bytes (Infinity: the rest), handing each piece to `each`; false when the file ends first. */
  async pass(count: number, each?: (piece: Buffer) => void): Promise<boolean> {
    let left = count;
    while (left > 0) {
      if (this.parts.length === 0 && !(await this.receive())) return count === Number.POSITIVE_INFINITY;
      const first = this.parts[0] as Buffer;
      const piece = left >= first.length ? first : first.subarray(0, left);
      each?.(piece);
      left -= piece.length;
      this.buffered -= piece.length;
      if (piece === first) this.parts.shift();
      else this.parts[0] = first.subarray(piece.length);
    }
    return true;
  }

  /** Stops reading (the file's stream is closed) when a check has its answer before the end. */
  async close(): Promise<void> {
    this.parts.length = 0;
    if (!this.ended) await this.chunks.return?.();
  }

  private async receive(): Promise<boolean> {
    if (this.ended) return false;
    // The source may read its next chunk into the same memory: what is left of this one (a few bytes short of a
    // header: `pass` asks only once all is passed) is copied first.
    if (this.parts.length > 0) this.parts.splice(0, this.parts.length, Buffer.concat(this.parts));
    const next = await this.chunks.next();
    if (next.done) {
      this.ended = true;
      return false;
    }
    const chunk = Buffer.isBuffer(next.value)
      ? next.value
      : Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
    this.parts.push(chunk);
    this.buffered += chunk.length;
    return true;
  }
}
