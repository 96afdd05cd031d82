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
 * A payload as Segmind takes it: an upload's reference becomes a base64 data: URI of the stored file (read
 * only now, at the submit); anything else is passed on as stored.
 */
export async function inlineUpload(value: string, store: MediaStore): Promise<string> {
  const reference = referencePattern.exec(value);
  if (!reference) return value;
  const [, type, sha256 = ''] = reference;
  return `data:${type};base64,${(await readStored(store, sha256)).toString('base64')}`;
}

/** A stored file whole: for checks and submits of files already capped at 15 MB. */
export async function readStored(store: MediaStore, sha256: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of store.read(sha256)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
