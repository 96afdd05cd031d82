import type { Logger } from 'pino';
import { type GuardedFetch, GuardedFetchError, readAtMost } from '../outbound/guarded-fetch.js';
import type { InputIssue } from './errors.js';
import { audioKindsText, imageKindsText, sniffAudio, sniffImage } from './media-sniffing.js';
import type { MediaInput, VideoInput } from './video-input.js';

/** The contract's figures for the pre-check (section 6). */
export const precheckLimits = {
  maxBytes: 64 * 1024,
  timeoutMs: 5000,
  maxRedirects: 3,
} as const;

export interface UrlPrecheckOptions {
  fetch: GuardedFetch;
  logger: Logger;
  /** Time limit of one URL's check, redirects and reading included. @default 5_000 // 5 seconds */
  timeoutMs?: number;
}

/** The problems of a request's http(s) media URLs, one issue per bad field; none when every URL is usable. */
export type UrlPrecheck = (input: VideoInput) => Promise<InputIssue[]>;

const headers = { 'user-agent': 'wan-i2v-gateway (URL pre-check)' };

interface MediaField {
  field: 'image' | 'audio';
  media: MediaInput | null;
  kinds: string;
  sniff: (bytes: Buffer) => string | undefined;
}

/**
 * Reads the first bytes of each http(s) URL (image and audio at once) and says what is wrong with the ones
 * Segmind could not use: a broken link is refused before it is stored and billed. data: URIs were checked
 * whole by the input rules already. Audio is recognised by type only: its length is past the bytes read.
 */
export function createUrlPrecheck(options: UrlPrecheckOptions): UrlPrecheck {
  const timeoutMs = options.timeoutMs ?? precheckLimits.timeoutMs;

  async function problemWith(url: string, { kinds, sniff }: MediaField): Promise<string | undefined> {
    try {
      const response = await options.fetch.fetch(url, {
        headers,
        maxRedirects: precheckLimits.maxRedirects,
        timeoutMs,
      });
      if (response.status < 200 || response.status > 299) {
        response.body.destroy();
        return `URL answered HTTP ${response.status}; it must answer 2xx with the file`;
      }
      const prefix = await readAtMost(response.body, precheckLimits.maxBytes);
      if (sniff(prefix)) return undefined;
      const type = response.headers['content-type'];
      return `URL is not ${kinds}${typeof type === 'string' ? ` (the server sent ${type})` : ''}`;
    } catch (error) {
      if (!(error instanceof GuardedFetchError)) throw error;
      switch (error.reason) {
        case 'timeout':
          return `URL did not answer within ${timeoutMs / 1000} s`;
        case 'network':
          return `URL could not be fetched (${error.message})`;
        default:
          return `URL refused: ${error.message}`;
      }
    }
  }

  return async (input) => {
    const fields: MediaField[] = [
      { field: 'image', media: input.image, kinds: imageKindsText, sniff: sniffImage },
      { field: 'audio', media: input.audio, kinds: audioKindsText, sniff: sniffAudio },
    ];
    const checked = await Promise.all(
      fields.map(async (field): Promise<InputIssue | undefined> => {
        const url = field.media?.upstream;
        // data: URIs and uploads were checked whole already; only http(s) URLs are read here.
        if (url === undefined || !/^https?:/i.test(url)) return undefined;
        const message = await problemWith(url, field);
        if (message === undefined) return undefined;
        // A client's mistake, so debug; the query is left out, since signed URLs carry their secret there.
        const { origin, pathname } = new URL(url);
        options.logger.debug({ field: field.field, url: `${origin}${pathname}`, problem: message }, 'URL refused');
        return { field: field.field, message };
      }),
    );
    return checked.filter((issue) => issue !== undefined);
  };
}
