import { z } from 'zod';
import type { UpstreamJobState } from './segmind-client.js';

/** Segmind's answers to status and result reads, as the client reads them (contract section 3). */

const metrics = z.object({ cost: z.number(), queue_time: z.number(), inference_time: z.number() }).partial().optional();
const stateAnswer = z.discriminatedUnion('status', [
  z.object({ status: z.enum(['QUEUED', 'PROCESSING']) }),
  z.object({
    status: z.literal('COMPLETED'),
    output: z.unknown().optional(),
    video: z.object({ url: z.string() }).partial().optional(),
    metrics,
  }),
  z.object({ status: z.literal('FAILED'), error: z.unknown().optional(), metrics }),
]);

/** What a status or result answer says of the job; undefined when it cannot be read. */
export function jobState(json: unknown): UpstreamJobState | undefined {
  const parsed = stateAnswer.safeParse(json);
  if (!parsed.success) return undefined;
  const answer = parsed.data;
  switch (answer.status) {
    case 'COMPLETED':
      return {
        status: 'COMPLETED',
        videoUrl: outputUrl(answer.output) ?? answer.video?.url,
        cost: answer.metrics?.cost,
        upstreamMs: upstreamMs(answer.metrics),
      };
    case 'FAILED':
      return {
        status: 'FAILED',
        error: errorText(answer) ?? 'generation failed upstream',
        upstreamMs: upstreamMs(answer.metrics),
      };
    default:
      return { status: answer.status };
  }
}

function upstreamMs(answered: z.infer<typeof metrics>): number | undefined {
  const queue = answered?.queue_time;
  const inference = answered?.inference_time;
  return queue === undefined || inference === undefined ? undefined : Math.round((queue + inference) * 1000);
}

function outputUrl(output: unknown): string | undefined {
  if (typeof output === 'string' && output.length > 0) return output;
  if (Array.isArray(output)) return outputUrl(output[0]);
  if (output && typeof output === 'object' && 'url' in output) return outputUrl(output.url);
  return undefined;
}

/** The text of an error body (`error`, else `message`). */
export function errorText(json: unknown): string | undefined {
  if (!json || typeof json !== 'object') return undefined;
  const value = (json as Record<string, unknown>).error ?? (json as Record<string, unknown>).message;
  if (typeof value === 'string' && value.length > 0) return value;
  if (value && typeof value === 'object') return JSON.stringify(value);
  return undefined;
}
