import type { StreamedString } from '../upstream/json-body.js';
import type { MediaStore } from './media-store.js';

/**
 * A file a multipart request carried (the GraphQL multipart request spec), already streamed into the media
 * store. Only the transport makes these: a JSON variable can never be one, so no client names a stored file.
 */
export class UploadedFile {
  constructor(
    readonly sha256: string,
    readonly sizeBytes: number,
  ) {}
}

/** A file part refused while it streamed in, over the largest cap of any file field; nothing of it is kept. */
export class OversizedUpload {}

export type Upload = UploadedFile | OversizedUpload;

/** How a stored upload is named in a job's payload until the submit inlines it as base64. */
const referencePattern = /^media:([\w.+-]+\/[\w.+-]+);sha256,([0-9a-f]{64})$/;

export const uploadReference = (type: string, sha256: string) => `media:${type};sha256,${sha256}`;

/**
 * A stored file as a base64 data: URI, made as it is sent: `chunks` reads the file and encodes it a chunk at a
 * time, so a submit holds a chunk of it, not the file, its base64 and the JSON around it (50 MB for a 10 MB
 * file). Each call of `chunks` reads the file again, into one buffer of its own.
 */
export class StoredDataUri implements StreamedString {
  readonly length: number;
  private readonly prefix: string;

  constructor(
    type: string,
    private readonly sha256: string,
    sizeBytes: number,
    private readonly store: MediaStore,
  ) {
    this.prefix = `data:${type};base64,`;
    this.length = this.prefix.length + 4 * Math.ceil(sizeBytes / 3);
  }

  async *chunks(): AsyncGenerator<string> {
    yield this.prefix;
    let carry: Buffer = Buffer.alloc(0);
    // Whole groups of 3 bytes, read into one buffer: a full piece leaves nothing to carry to the next.
    for await (const piece of this.store.scan(this.sha256, Buffer.allocUnsafeSlow(3 * 16 * 1024))) {
      const bytes = carry.length === 0 ? piece : Buffer.concat([carry, piece]);
      // Whole groups of 3 bytes only, so no padding falls in the middle.
      const whole = bytes.length - (bytes.length % 3);
      if (whole > 0) yield bytes.subarray(0, whole).toString('base64');
      // Copied: the next piece is read into the same buffer.
      carry = Buffer.from(bytes.subarray(whole));
    }
    if (carry.length > 0) yield carry.toString('base64');
  }
}

/**
 * A payload as Segmind takes it: an upload's reference becomes a base64 data: URI of the stored file (read
 * only as the submit sends it; a missing file fails here, before the submit starts); anything else is passed
 * on as stored.
 */
export async function inlineUpload(value: string, store: MediaStore): Promise<string | StoredDataUri> {
  const reference = referencePattern.exec(value);
  if (!reference) return value;
  const [, type = '', sha256 = ''] = reference;
  const stored = await store.stat(sha256);
  if (!stored) throw new Error(`the uploaded file ${sha256} is no longer stored`);
  return new StoredDataUri(type, sha256, stored.sizeBytes, store);
}

/**
 * A stored file whole: for checks of audio, capped at 15 MB. Read into one buffer of the file's size, not
 * collected and concatenated (which held every file twice at its peak), through one 64 KB buffer.
 */
export async function readStored(store: MediaStore, sha256: string): Promise<Buffer> {
  // A missing file: `scan` fails as `read` did.
  const bytes = Buffer.allocUnsafe((await store.stat(sha256))?.sizeBytes ?? 0);
  let filled = 0;
  for await (const part of store.scan(sha256, Buffer.allocUnsafeSlow(64 * 1024))) {
    // Stored files never change (they are named by their content); one that did is not sent half-read.
    if (filled + part.length > bytes.length) throw new Error(`the stored file ${sha256} grew while it was read`);
    part.copy(bytes, filled);
    filled += part.length;
  }
  if (filled !== bytes.length) throw new Error(`the stored file ${sha256} shrank while it was read`);
  return bytes;
}
