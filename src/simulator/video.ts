import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';

const sampleVideo = readFileSync(fileURLToPath(new URL('../../assets/sample.mp4', import.meta.url)));

/** Serves the sample MP4 with byte ranges, which browsers use to play and seek; `stall` sends only half of it. */
export function serveVideo(incoming: IncomingMessage, response: ServerResponse, stall = false): void {
  const size = sampleVideo.length;
  if (stall) {
    response.writeHead(200, { 'content-type': 'video/mp4', 'content-length': size });
    response.write(sampleVideo.subarray(0, size >> 1));
    return;
  }
  const range = /^bytes=(\d*)-(\d*)$/.exec(incoming.headers.range ?? '');
  const headers = { 'content-type': 'video/mp4', 'accept-ranges': 'bytes' };
  if (!range) {
    response.writeHead(200, { ...headers, 'content-length': size });
    response.end(incoming.method === 'HEAD' ? undefined : sampleVideo);
    return;
  }
  const start = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
  const end = range[1] && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
  if (start > end || start >= size) {
    response.writeHead(416, { 'content-range': `bytes */${size}` });
    response.end();
    return;
  }
  response.writeHead(206, {
    ...headers,
    'content-range': `bytes ${start}-${end}/${size}`,
    'content-length': end - start + 1,
  });
  response.end(sampleVideo.subarray(start, end + 1));
}
