import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import { Busboy } from '@fastify/busboy';
import { createGraphQLError, type GraphQLParams, type Plugin } from 'graphql-yoga';
import { videoLimits } from '../services/jobs/video-input.js';
import { type MediaStore, MediaTooLargeError } from '../services/media/media-store.js';
import { OversizedUpload, type Upload, UploadedFile } from '../services/media/uploads.js';
import { stopReadingBody } from './request-size.js';

/** No file may pass the largest cap of a file field; each field's own cap is an input rule (video-input.ts). */
const maxFileBytes = Math.max(videoLimits.imageMaxBytes, videoLimits.audioMaxBytes);

/** `operations` and `map` are small JSON; a request carries at most one image and one audio file. */
const limits = {
  fields: 2,
  fieldSize: 1024 * 1024,
  files: 2,
  parts: 4,
  fileSize: maxFileBytes + 1,
};

const badRequest = (message: string) =>
  createGraphQLError(message, { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });

/**
 * The GraphQL multipart request spec, streamed: each file goes straight from the socket into the media
 * store, capped as it arrives (at its field's cap, see `capOf`), instead of Yoga's parser, which keeps every
 * file in memory. Files become `UploadedFile` values in the variables (or `OversizedUpload`, for a ValidationError).
 * Runs after CSRF prevention, which refuses a multipart POST that has no preflight header.
 */
export function useStreamedUploads(store: MediaStore): Plugin {
  return {
    onRequestParse: ({ request, serverContext, setRequestParser }) => {
      const type = request.headers.get('content-type') ?? '';
      if (request.method !== 'POST' || !/^multipart\/form-data\b/i.test(type)) return;
      // Yoga's Node adapter passes Node's request and response.
      const { req, res } = serverContext as { req?: IncomingMessage; res?: ServerResponse };
      setRequestParser(() => parseMultipart(request, type, store, () => stopReadingBody(req, res)));
    },
  };
}

/**
 * `stopBody` stops reading the request once a file is refused for its size, so the rest of a huge upload is
 * never received (the connection closes after the answer); the files not received stay null.
 */
async function parseMultipart(
  request: Request,
  contentType: string,
  store: MediaStore,
  stopBody: () => boolean,
): Promise<GraphQLParams> {
  let stopped = false;
  // The body, once no longer read, may neither end nor fail: every wait on it ends when reading stops.
  const { stop, orStop } = stopSignal();
  const fields = new Map<string, string>();
  const uploads = new Map<string, Promise<Upload>>();
  const parts: PassThrough[] = [];
  let problem: string | undefined;
  const busboy = Busboy({ headers: { 'content-type': contentType }, limits });
  busboy.on('field', (name, value, _nameTruncated, valueTruncated) => {
    if (valueTruncated) problem ??= `the ${name} field is larger than ${limits.fieldSize} bytes`;
    else fields.set(name, value);
  });
  busboy.on('file', (name, stream) => {
    const target = mapTarget(fields.get('map'), name);
    if (target.problem !== undefined) {
      problem ??= target.problem;
      stream.resume();
      return;
    }
    const cap = capOf(target.path);
    const part = new PassThrough();
    parts.push(part);
    const upload = storeFile(stream, part, store, cap);
    // Awaited below unless the request fails first; then its rejection is expected and dropped.
    upload.catch(() => {});
    uploads.set(name, upload);
    // Counted as it arrives, so reading stops at the chunk that passes the cap: waiting for the store to refuse
    // it (and remove what it wrote) let 20 MB more of a 200 MB upload be read meanwhile.
    let received = 0;
    stream.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received <= cap || stopped) return;
      uploads.set(name, Promise.resolve(new OversizedUpload()));
      stopped = stopBody();
      if (stopped) stop();
    });
  });
  for (const event of ['filesLimit', 'fieldsLimit', 'partsLimit'] as const) {
    busboy.on(event, () => {
      problem ??= `at most ${limits.files} files and the operations and map fields`;
    });
  }
  const finished = once(busboy, 'finish');
  if (!request.body) throw badRequest('a multipart request without a body');
  // Node's web streams (and whatwg-node's) are async iterable; TypeScript's DOM types do not say so.
  const chunks = (request.body as unknown as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  try {
    while (!stopped) {
      const next = await orStop(chunks.next());
      if (next === undefined || next.done) break;
      if (!busboy.write(next.value)) await orStop(once(busboy, 'drain'));
    }
    if (!stopped) {
      busboy.end();
      await finished;
    }
  } catch (error) {
    if (!stopped) {
      // A request cut off mid-file: the store drops what it had written.
      for (const part of parts) part.destroy(error instanceof Error ? error : new Error(String(error)));
      throw badRequest(`unreadable multipart request: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  // Files cut off because reading stopped are dropped by the store; the refused one answers for the request.
  if (stopped) {
    busboy.destroy();
    for (const part of parts) part.destroy(new Error('the rest of the request was not read'));
  }
  const settled = new Map<string, Upload>();
  for (const [name, upload] of uploads) {
    const result = await upload.then(
      (value) => value,
      (error: unknown) => {
        if (stopped) return undefined;
        throw error;
      },
    );
    if (result) settled.set(name, result);
  }
  if (problem) throw badRequest(problem);
  return assemble(fields, settled, stopped);
}

/**
 * `orStop(wait)` settles as `wait` does, or with undefined once `stop` is called. Not `Promise.race` with one
 * pending promise: each race leaves a reaction on that promise holding the race's result (here a body chunk)
 * until it settles, so a request kept every chunk of its body alive until it ended (20 uploads of 10 MB at
 * once: 200 MB). Only the wait in progress is held here.
 */
export function stopSignal() {
  let stopped = false;
  let wake: (() => void) | undefined;
  return {
    stop: () => {
      stopped = true;
      wake?.();
      wake = undefined;
    },
    orStop<T>(wait: Promise<T>): Promise<T | undefined> {
      if (stopped) {
        // Stopped already: its result no longer matters, nor its failure (the body's, once no longer read).
        wait.catch(() => {});
        return Promise.resolve(undefined);
      }
      return new Promise<T | undefined>((resolve, reject) => {
        wake = () => resolve(undefined);
        wait.then(resolve, reject);
      });
    },
  };
}

/** The variable the `map` field (read before the file part `name`) names for it, or why it names none. */
function mapTarget(
  mapText: string | undefined,
  name: string,
): { path: string; problem?: undefined } | { problem: string } {
  if (mapText === undefined) return { problem: 'the map field must come before the files' };
  const targets = (parseJson(mapText, 'map') as Record<string, unknown>)[name];
  const single = Array.isArray(targets) && targets.length === 1 && typeof targets[0] === 'string';
  return single ? { path: targets[0] } : { problem: `the map names no single variable for the file ${name}` };
}

/**
 * A file set at an input's `imageFile` or `audioFile` is capped at that field's size (10 or 15 MB), so a refused
 * image is read no further than 10 MB; a file in a variable of its own, at the largest cap of any file field.
 */
function capOf(path: string): number {
  if (path.endsWith('.imageFile')) return videoLimits.imageMaxBytes;
  if (path.endsWith('.audioFile')) return videoLimits.audioMaxBytes;
  return maxFileBytes;
}

/** Streams one file into the store; over the cap it is refused as a value and the rest is read and dropped. */
async function storeFile(
  stream: NodeJS.ReadableStream,
  pass: PassThrough,
  store: MediaStore,
  maxBytes: number,
): Promise<Upload> {
  // Through a PassThrough: when the store stops reading, the part's own stream is drained, not destroyed.
  stream.pipe(pass);
  try {
    const stored = await store.put(pass, { maxBytes });
    return new UploadedFile(stored.sha256, stored.sizeBytes);
  } catch (error) {
    stream.unpipe(pass);
    stream.resume();
    if (error instanceof MediaTooLargeError) return new OversizedUpload();
    throw error;
  }
}

/** The operation, with each file set at the variable its map entry names. */
function assemble(fields: Map<string, string>, uploads: Map<string, Upload>, stopped: boolean): GraphQLParams {
  const operationsText = fields.get('operations');
  if (operationsText === undefined) throw badRequest('the operations field is missing');
  const operations = parseJson(operationsText, 'operations');
  if (typeof operations !== 'object' || operations === null || Array.isArray(operations)) {
    throw badRequest('operations must be one operation (batching is off)');
  }
  const map = parseJson(fields.get('map') ?? '{}', 'map') as Record<string, string[]>;
  for (const [name, [path = ''] = []] of Object.entries(map)) {
    const upload = uploads.get(name);
    // Not received since reading stopped (another file was refused): the variable stays null.
    if (!upload && stopped) continue;
    if (!upload) throw badRequest(`the map names a file ${name} that the request did not carry`);
    setAtPath(operations as Record<string, unknown>, path.split('.'), upload);
  }
  return operations as GraphQLParams;
}

function setAtPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  const [head, ...rest] = path;
  if (head === undefined || head === '__proto__') throw badRequest('a map path names no variable');
  if (rest.length === 0) {
    target[head] = value;
    return;
  }
  const next = target[head];
  if (typeof next !== 'object' || next === null) throw badRequest(`the map path ${path.join('.')} names no variable`);
  setAtPath(next as Record<string, unknown>, rest, value);
}

function parseJson(text: string, field: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest(`the ${field} field is not JSON`);
  }
}
