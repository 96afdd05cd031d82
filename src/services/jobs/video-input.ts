import { createHash } from 'node:crypto';
import { z } from 'zod';
import { durations, type JobStatus, type Resolution, resolutions } from '../../domain/job.js';
import { OversizedUpload, type Upload, UploadedFile } from '../media/uploads.js';
import { webhookEventsRule, webhookUrlRule } from '../webhooks/webhook-input.js';
import { decodeDataUri, maxDataUriLength, tooLarge } from './data-uri.js';
import { audioDurationSeconds, audioKindsText, imageKindsText, sniffAudio, sniffImage } from './media-sniffing.js';

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
  /** Where the job's webhooks go; null: none. */
  webhookUrl: string | null;
  /** Non-terminal statuses that also get a webhook; null: terminal ones only. */
  webhookEvents: JobStatus[] | null;
}

/** A create request as it arrives: a media field may still be an upload, checked and stored by the service. */
export interface VideoRequest extends Omit<VideoInput, 'image' | 'audio'> {
  image: MediaInput | UploadedFile;
  audio: MediaInput | UploadedFile | null;
}

type Context = z.core.$RefinementCtx<string>;

function parseHttpUrl(value: string, context: Context): MediaInput {
  const refuse = (message: string) => {
    context.addIssue({ code: 'custom', message });
    return z.NEVER;
  };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return refuse('must be an http(s) URL or a base64 data: URI');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return refuse(`URL scheme ${url.protocol} is not allowed; use http(s) or data:`);
  }
  // The URL is shown to whoever lists the job, and sent on to Segmind.
  if (url.username !== '' || url.password !== '') return refuse('URL must not carry credentials (user:password@)');
  if (value.length > videoLimits.urlMaxLength) {
    return refuse(`URL is longer than ${videoLimits.urlMaxLength} characters`);
  }
  return { upstream: value, display: value };
}

/** What bytes are, as sent on: their sniffed media type, or why they are refused. */
export type MediaCheck = { type: string } | { problem: string };

/** The media type of an image's bytes, or why they are refused; `what` names them in the message. */
export function checkImage(bytes: Buffer, what: string): MediaCheck {
  const kind = sniffImage(bytes);
  return kind ? { type: `image/${kind}` } : { problem: `${what} is not ${imageKindsText}` };
}

/** The media type of audio's bytes, or why they are refused (not audio, damaged, too short or long). */
export function checkAudio(bytes: Buffer, what: string): MediaCheck {
  const kind = sniffAudio(bytes);
  if (!kind) return { problem: `${what} is not ${audioKindsText}` };
  const seconds = audioDurationSeconds(kind, bytes);
  const { audioMinSeconds: min, audioMaxSeconds: max } = videoLimits;
  if (seconds === undefined) return { problem: `${kind.toUpperCase()} audio is damaged: its length cannot be read` };
  if (seconds < min || seconds > max) {
    return { problem: `audio lasts ${seconds.toFixed(1)} s; it must last ${min} to ${max} s` };
  }
  return { type: kind === 'wav' ? 'audio/wav' : 'audio/mpeg' };
}

/**
 * An http(s) URL, or a base64 data: URI decoded once (see `decodeDataUri`) and passed on as
 * `data:<sniffed type>;base64,<canonical base64>`: what it claims to be is never trusted, so a mislabelled
 * photo still works and a false type (say `text/html`) never travels.
 */
function mediaField(maxBytes: number, check: (bytes: Buffer, what: string) => MediaCheck) {
  return z.string().transform((raw, context): MediaInput => {
    const isDataUri = raw.trimStart().slice(0, 5).toLowerCase() === 'data:';
    // Refused before any work: a string no valid value could be this long.
    if (raw.length > maxDataUriLength(maxBytes)) {
      const message = isDataUri ? tooLarge(maxBytes) : `URL is longer than ${videoLimits.urlMaxLength} characters`;
      context.addIssue({ code: 'custom', message });
      return z.NEVER;
    }
    const value = raw.trim();
    if (!isDataUri) return parseHttpUrl(value, context);
    const decoded = decodeDataUri(value, maxBytes);
    if ('problem' in decoded) {
      context.addIssue({ code: 'custom', message: decoded.problem });
      return z.NEVER;
    }
    const { bytes } = decoded;
    const checked = check(bytes, 'data: URI');
    if ('problem' in checked) {
      context.addIssue({ code: 'custom', message: checked.problem });
      return z.NEVER;
    }
    return {
      upstream: `data:${checked.type};base64,${bytes.toString('base64')}`,
      display: `data:${checked.type};base64,… (${bytes.length} bytes)`,
    };
  });
}

const imageField = mediaField(videoLimits.imageMaxBytes, checkImage);
const audioField = mediaField(videoLimits.audioMaxBytes, checkAudio);

/** A file field: its size is checked here, its bytes by the service (they are in the media store). */
function fileField(field: string, maxBytes: number) {
  return z
    .custom<Upload>((value) => value instanceof UploadedFile || value instanceof OversizedUpload)
    .transform((upload, context) => {
      if (upload instanceof UploadedFile && upload.sizeBytes <= maxBytes) return upload;
      context.addIssue({ code: 'custom', message: `${field} is larger than ${maxBytes / 1024 ** 2} MB` });
      return z.NEVER;
    });
}

const loneSurrogate = /\p{Surrogate}/u;

/**
 * Text that can be stored and sent as given: no NUL or other C0 control (tab and line breaks aside), and
 * no half of a UTF-16 surrogate pair (which no UTF-8 encoder, SQLite's included, can represent faithfully).
 */
function checkText(field: string) {
  return (value: string, context: Context) => {
    for (let index = 0; index < value.length; index++) {
      const code = value.charCodeAt(index);
      if (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) {
        const name = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
        context.addIssue({ code: 'custom', message: `${field} must not contain control characters (${name})` });
        return;
      }
    }
    if (loneSurrogate.test(value)) {
      context.addIssue({ code: 'custom', message: `${field} must not contain unpaired UTF-16 surrogates` });
    }
  };
}

/** The rules of `CreateVideoInput`; each failure names its field. */
export const videoInputSchema = z
  .object({
    image: imageField.nullish(),
    imageFile: fileField('imageFile', videoLimits.imageMaxBytes).nullish(),
    prompt: z
      .string()
      .trim()
      .min(1, 'prompt must not be empty')
      .max(videoLimits.promptMaxLength, `prompt must be at most ${videoLimits.promptMaxLength} characters`)
      .superRefine(checkText('prompt')),
    audio: audioField.nullish(),
    audioFile: fileField('audioFile', videoLimits.audioMaxBytes).nullish(),
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
      )
      .superRefine(checkText('negativePrompt')),
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
      .superRefine(checkText('idempotencyKey'))
      .nullish()
      .transform((key) => key ?? null),
    webhookUrl: webhookUrlRule,
    webhookEvents: webhookEventsRule,
  })
  .refine((input) => input.webhookEvents === null || input.webhookUrl !== null, {
    path: ['webhookEvents'],
    message: 'webhookEvents needs a webhookUrl to send them to',
  })
  .transform(({ image, imageFile, audio, audioFile, ...rest }, context): VideoRequest => {
    if (((image ?? undefined) === undefined) === ((imageFile ?? undefined) === undefined)) {
      context.addIssue({ code: 'custom', path: ['image'], message: 'give exactly one of image and imageFile' });
      return z.NEVER;
    }
    if (audio && audioFile) {
      context.addIssue({ code: 'custom', path: ['audio'], message: 'give at most one of audio and audioFile' });
      return z.NEVER;
    }
    return { ...rest, image: (image ?? imageFile) as MediaInput | UploadedFile, audio: audio ?? audioFile ?? null };
  }) satisfies z.ZodType<VideoRequest, unknown>;

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
