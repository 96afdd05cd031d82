import { createHmac, timingSafeEqual } from 'node:crypto';
import { encodeJobId } from '../../domain/job-id.js';
import type { Clock } from '../clock.js';

/** Where the gateway serves kept videos: `/media/<job global id>.mp4`. */
export const mediaPathPrefix = '/media/';

export interface MediaLinksOptions {
  /** The HMAC-SHA256 key: made once and kept in the database, so links survive a restart. */
  key: Buffer;
  /** What links start with (PUBLIC_BASE_URL, or the listening address, known once listening). */
  baseUrl: () => string;
  /** How long a link works after it is made. */
  ttlMs: number;
  clock: Clock;
}

/** Whether a presented link may be served. */
export type LinkCheck = 'valid' | 'bad-signature' | 'expired';

/**
 * Signed links to kept videos: the signature is the capability, so a `<video src>` plays them without any
 * header, and a link stops working at its expiry.
 */
export class MediaLinks {
  constructor(private readonly options: MediaLinksOptions) {}

  /** A fresh link to a job's video, valid for the configured time from now. */
  videoUrl(jobId: number): string {
    const name = `${encodeJobId(jobId)}.mp4`;
    const expires = Math.ceil((this.options.clock.now() + this.options.ttlMs) / 1000);
    const query = new URLSearchParams({ exp: String(expires), sig: this.sign(name, expires) });
    return `${this.options.baseUrl()}${mediaPathPrefix}${encodeURIComponent(name)}?${query}`;
  }

  /** Checks the `exp` and `sig` of a link to `name` (the path's last segment, decoded). */
  check(name: string, exp: string | null, sig: string | null): LinkCheck {
    if (exp === null || sig === null || !/^\d{1,12}$/.test(exp)) return 'bad-signature';
    const expected = Buffer.from(this.sign(name, Number(exp)), 'base64url');
    const given = Buffer.from(sig, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'bad-signature';
    return Number(exp) * 1000 < this.options.clock.now() ? 'expired' : 'valid';
  }

  private sign(name: string, expires: number): string {
    return createHmac('sha256', this.options.key).update(`${name}\n${expires}`).digest('base64url');
  }
}
