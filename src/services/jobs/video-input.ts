import { createHash } from 'node:crypto';
import { z } from 'zod';
import { durations, type Resolution, resolutions } from '../../domain/job.js';
import { audioDurationSeconds, sniffAudio, sniffImage } from './media-sniffing.js';

/** The contract's limits for one video (section 1). */
export const videoLimits = {
  promptMaxLength: 1500,
  negativePromptMaxLength: 500,
  durations,
  seedMax: 2_147_483_647,
  urlMaxLength: 2048,
  imageMaxBytes: 10 * 1024 * 1024,
  audioMaxBytes: 15 * 1024 * 1024,
  audioMinSeconds: 3,
  audioMaxSeconds: 30,
  idempotencyKeyMaxLength: 255,
} as const;

/** A media field as sent upstream, and as shown back to clients (a data: URI is not echoed in full). */
export interface MediaInput {
  upstream: string;
  display: string;
}

/** A create request that passed every local rule. */
export interface VideoInput {
  image: MediaInput;
  prompt: string;
  audio: MediaInput | null;
  duration: number;
  resolution: Resolution;
  multiShots: boolean;
  negativePrompt: string;
  enablePromptExpansion: boolean;
  seed: number | null;
  idempotencyKey: string | null;
}

const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/;

type Context = z.core.$RefinementCtx<string>;

function parseHttpUrl(value: string, context: Context): MediaInput {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    context.addIssue({
      code: 'custom',
      message: 'must be an http(s) URL or a base64 data: URI',
    });
    return z.NEVER;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    context.addIssue({
      code: 'custom',
      message: `URL scheme ${url.protocol} is not allowed; use http(s) or data:`,
    });
    return z.NEVER;
  }
  if (value.length > videoLimits.urlMaxLength) {
    context.addIssue({
      code: 'custom',
      message: `URL is longer than ${videoLimits.urlMaxLength} characters`,
    });
    return z.NEVER;
  }
  return { upstream: value, display: value };
}

/** Decodes a base64 data: URI, or reports why it is not one. */
function decodeDataUri(value: string, maxBytes: number, context: Context): Buffer | undefined {
  const comma = value.indexOf(',');
  const header = comma === -1 ? '' : value.slice(5, comma);
  if (comma === -1 || !header.split(';').includes('base64')) {
    context.addIssue({
      code: 'custom',
      message: 'data: URI must be base64 encoded (data:<type>;base64,<data>)',
    });
    return undefined;
  }
  const encoded = value.slice(comma + 1).replace(/\s+/g, '');
  if (encoded.length === 0 || encoded.length % 4 === 1 || !base64Pattern.test(encoded)) {
    context.addIssue({
      code: 'custom',
      message: 'data: URI payload is not valid base64',
    });
    return undefined;
  }
  if ((encoded.length * 3) / 4 > maxBytes + 3) {
    context.addIssue({
      code: 'custom',
      message: `data: URI is larger than ${maxBytes / 1024 / 1024} MB`,
    });
    return undefined;
  }
  return Buffer.from(encoded, 'base64');
}

const describeData = (kind: string, bytes: Buffer) => `data:${kind};base64,… (${bytes.length} bytes)`;

const imageField = z
  .string()
  .trim()
  .transform((value, context): MediaInput => {
    if (!value.toLowerCase().startsWith('data:')) return parseHttpUrl(value, context);
    const bytes = decodeDataUri(value, videoLimits.imageMaxBytes, context);
    if (!bytes) return z.NEVER;
    const kind = sniffImage(bytes);
    if (!kind) {
      context.addIssue({
        code: 'custom',
        message: 'data: URI is not a JPEG, PNG, WEBP or BMP image',
      });
      return z.NEVER;
    }
    return { upstream: value, display: describeData(`image/${kind}`, bytes) };
  });

const audioField = z
  .string()
  .trim()
  .transform((value, context): MediaInput => {
    if (!value.toLowerCase().startsWith('data:')) return parseHttpUrl(value, context);
    const bytes = decodeDataUri(value, videoLimits.audioMaxBytes, context);
    if (!bytes) return z.NEVER;
    const kind = sniffAudio(bytes);
    if (!kind) {
      context.addIssue({
        code: 'custom',
        message: 'data: URI is not WAV or MP3 audio',
      });
      return z.NEVER;
    }
    const seconds = audioDurationSeconds(kind, bytes);
    const { audioMinSeconds: min, audioMaxSeconds: max } = videoLimits;
    if (seconds === undefined) {
      context.addIssue({
        code: 'custom',
        message: `${kind.toUpperCase()} audio is damaged: its length cannot be read`,
      });
      return z.NEVER;
    }
    if (seconds < min || seconds > max) {
      context.addIssue({
        code: 'custom',
        message: `audio lasts ${seconds.toFixed(1)} s; it must last ${min} to ${max} s`,
      });
      return z.NEVER;
    }
    return {
      upstream: value,
      display: describeData(kind === 'wav' ? 'audio/wav' : 'audio/mpeg', bytes),
    };
  });

/** The rules of `CreateVideoInput`; each failure names its field. */
export const videoInputSchema = z.object({
  image: imageField,
  prompt: z
    .string()
    .trim()
    .min(1, 'prompt must not be empty')
    .max(videoLimits.promptMaxLength, `prompt must be at most ${videoLimits.promptMaxLength} characters`),
  audio: audioField.nullish().transform((audio) => audio ?? null),
  duration: z
    .number()
    .int()
    .refine((duration) => (videoLimits.durations as readonly number[]).includes(duration), {
      message: `duration must be one of ${videoLimits.durations.join(', ')} seconds`,
    }),
  resolution: z.enum(resolutions),
  multiShots: z.boolean(),
  negativePrompt: z
    .string()
    .max(
      videoLimits.negativePromptMaxLength,
      `negativePrompt must be at most ${videoLimits.negativePromptMaxLength} characters`,
    ),
  enablePromptExpansion: z.boolean(),
  seed: z
    .number()
    .int()
    .min(0, `seed must be between 0 and ${videoLimits.seedMax}`)
    .max(videoLimits.seedMax, `seed must be between 0 and ${videoLimits.seedMax}`)
    .nullish()
    .transform((seed) => seed ?? null),
  idempotencyKey: z
    .string()
    .min(1, 'idempotencyKey must not be empty')
    .max(
      videoLimits.idempotencyKeyMaxLength,
      `idempotencyKey must be at most ${videoLimits.idempotencyKeyMaxLength} characters`,
    )
    .nullish()
    .transform((key) => key ?? null),
}) satisfies z.ZodType<VideoInput, unknown>;

/** Identifies what a request asks for, so a replayed idempotency key can be told from a reused one. */
export function fingerprint(input: VideoInput): string {
  const { idempotencyKey: _key, ...request } = input;
  const upstream = {
    ...request,
    image: request.image.upstream,
    audio: request.audio?.upstream ?? null,
  };
  return createHash('sha256').update(JSON.stringify(upstream)).digest('hex');
}
