import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import { decodeJobId } from '../domain/job-id.js';
import { mediaPathPrefix } from '../services/media/media-links.js';
import type { MediaService } from '../services/media/media-service.js';
import { readRange } from './byte-range.js';

const plainText = { 'content-type': 'text/plain; charset=utf-8' };

/**
 * `/media/<job id>.mp4?exp=..&sig=..`, beside GraphQL and outside its token check: the signature is the
 * capability, so `<video src>` plays it. A bad or expired signature is 403. Until the copy is complete the
 * link redirects (302) to Segmind's URL; then the file is served with byte ranges, as players seek.
 */
export function createMediaRoute(media: MediaService, logger: Logger) {
  return (request: IncomingMessage, response: ServerResponse): boolean => {
    const url = new URL(request.url ?? '/', 'http://gateway');
    if (!url.pathname.startsWith(mediaPathPrefix)) return false;
    const answer = (status: number, text: string, headers: Record<string, string> = {}) => {
      response.writeHead(status, { ...plainText, ...headers }).end(request.method === 'HEAD' ? undefined : text);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      answer(405, 'GET or HEAD only', { allow: 'GET, HEAD' });
      return true;
    }
    let name: string;
    try {
      name = decodeURIComponent(url.pathname.slice(mediaPathPrefix.length));
    } catch {
      answer(404, 'not found');
      return true;
    }
    const check = media.links.check(name, url.searchParams.get('exp'), url.searchParams.get('sig'));
    if (check !== 'valid') {
      answer(403, check === 'expired' ? 'link expired: read videoUrl again for a fresh one' : 'bad link signature');
      return true;
    }
    const jobId = decodeJobId(name.replace(/\.mp4$/, ''));
    const location = jobId === undefined ? ({ kind: 'none' } as const) : media.locate(jobId);
    switch (location.kind) {
      case 'none':
        answer(404, 'no such video');
        break;
      case 'gone':
        answer(410, 'this video was deleted for its age (MEDIA_RETENTION_DAYS)');
        break;
      case 'redirect':
        // Not cached: once the copy is complete the same link serves it.
        answer(302, 'the copy is not complete yet', { location: location.url, 'cache-control': 'no-store' });
        break;
      case 'file':
        serveFile(media, location, request, response).catch((error: unknown) => {
          logger.warn({ err: error, jobId }, 'a kept video could not be served');
          if (!response.headersSent) answer(500, 'the video could not be read');
          else response.destroy();
        });
        break;
    }
    return true;
  };
}

/** The file with `Accept-Ranges`, a strong ETag (its SHA-256), 206 / 416 and conditional requests. */
async function serveFile(
  media: MediaService,
  file: { sha256: string; sizeBytes: number },
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const size = file.sizeBytes;
  const etag = `"${file.sha256}"`;
  const headers = {
    'content-type': 'video/mp4',
    'accept-ranges': 'bytes',
    etag,
    // The bytes behind an ETag never change; the link's own expiry bounds how long it works.
    'cache-control': 'private, max-age=3600',
  };
  if (request.headers['if-none-match']?.split(/\s*,\s*/).includes(etag)) {
    response.writeHead(304, headers).end();
    return;
  }
  // If-Range with another validator: the client's partial copy is stale, so it gets the whole file.
  const ifRange = request.headers['if-range'];
  const range = ifRange === undefined || ifRange === etag ? readRange(request.headers.range, size) : undefined;
  if (range?.kind === 'unsatisfiable') {
    response.writeHead(416, { ...headers, 'content-range': `bytes */${size}`, 'content-length': 0 }).end();
    return;
  }
  const partial = range?.kind === 'partial' ? range : undefined;
  const [start, end] = partial ? [partial.start, partial.end] : [0, size - 1];
  response.writeHead(partial ? 206 : 200, {
    ...headers,
    'content-length': end - start + 1,
    ...(partial ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
  });
  if (request.method === 'HEAD' || size === 0) {
    response.end();
    return;
  }
  try {
    await pipeline(media.store.read(file.sha256, { start, end }), response);
  } catch (error) {
    // Players drop requests as they seek: a reader gone away is no error of ours.
    if ((error as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw error;
  }
}
