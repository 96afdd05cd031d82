import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, mkdirSync, rmSync } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

/**
 * Where media bytes live, named by their SHA-256 (so the same bytes are kept once). Callers see only this
 * interface: local disk today, an object store could stand behind it later.
 */
export interface MediaStore {
  /** Streams `source` in, hashing as it goes; never holds it whole. Over `maxBytes`: `MediaTooLargeError`, nothing kept. */
  put(source: AsyncIterable<Uint8Array>, options: { maxBytes: number }): Promise<StoredMedia>;
  /** The stored file named `sha256`, or undefined when there is none. */
  stat(sha256: string): Promise<StoredMedia | undefined>;
  /** Bytes `start` to `end` (inclusive) of a stored file; the whole file without a range. */
  read(sha256: string, range?: { start: number; end: number }): Readable;
  /**
   * A stored file front to back, each piece read into `into` and valid only until the next is asked for: for a
   * reader that looks at each byte once, so a 10 MB file costs one buffer, not a new one per piece.
   */
  scan(sha256: string, into: Buffer): AsyncIterable<Buffer>;
  /** Removes a stored file; a missing one is no error. */
  delete(sha256: string): Promise<void>;
}

export interface StoredMedia {
  /** Lower-case hex. */
  sha256: string;
  sizeBytes: number;
}

export class MediaTooLargeError extends Error {
  override name = 'MediaTooLargeError';
  constructor(readonly maxBytes: number) {
    super(`larger than ${maxBytes} bytes`);
  }
}

const sha256Pattern = /^[0-9a-f]{64}$/;

/** Files under `directory`/<first two hex digits>/<sha256>; unfinished writes under `directory`/incoming. */
export function createDiskMediaStore(directory: string): MediaStore {
  const incoming = join(directory, 'incoming');
  // What is there was cut off by a crash: nothing refers to it.
  rmSync(incoming, { recursive: true, force: true });
  mkdirSync(incoming, { recursive: true });
  const pathOf = (sha256: string) => {
    // A name from outside (a link, a row) never becomes a path unless it is a SHA-256.
    if (!sha256Pattern.test(sha256)) throw new Error(`not a SHA-256: ${sha256}`);
    return join(directory, sha256.slice(0, 2), sha256);
  };

  return {
    async put(source, { maxBytes }) {
      const temporary = join(incoming, `${randomUUID()}.part`);
      const hash = createHash('sha256');
      let sizeBytes = 0;
      const file = await open(temporary, 'wx');
      try {
        for await (const chunk of source) {
          sizeBytes += chunk.byteLength;
          if (sizeBytes > maxBytes) throw new MediaTooLargeError(maxBytes);
          hash.update(chunk);
          await file.write(chunk);
        }
        // Durable before anyone is told it is there.
        await file.sync();
      } catch (error) {
        await file.close();
        await rm(temporary, { force: true });
        throw error;
      }
      await file.close();
      const sha256 = hash.digest('hex');
      const path = pathOf(sha256);
      await mkdir(join(directory, sha256.slice(0, 2)), { recursive: true });
      // Same bytes, same name: a second copy replaces the first with identical content.
      await rename(temporary, path);
      return { sha256, sizeBytes };
    },
    async stat(sha256) {
      try {
        return { sha256, sizeBytes: (await stat(pathOf(sha256))).size };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    read: (sha256, range) => createReadStream(pathOf(sha256), range),
    async *scan(sha256, into) {
      const file = await open(pathOf(sha256), 'r');
      try {
        for (;;) {
          const { bytesRead } = await file.read(into, 0, into.length, null);
          if (bytesRead === 0) return;
          yield into.subarray(0, bytesRead);
        }
      } finally {
        await file.close();
      }
    },
    delete: (sha256) => rm(pathOf(sha256), { force: true }),
  };
}
