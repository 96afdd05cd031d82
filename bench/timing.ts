import type { Resolution } from '../src/domain/job.js';

/** The job classes a run mixes, as clients would. */
export const jobClasses: { duration: number; resolution: Resolution }[] = [
  { duration: 5, resolution: '720p' },
  { duration: 10, resolution: '720p' },
  { duration: 5, resolution: '1080p' },
];

/** A seeded random source, so both sides of a comparison see the same jobs. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

function normal(next: () => number): number {
  return Math.sqrt(-2 * Math.log(next() || 1e-9)) * Math.cos(2 * Math.PI * next());
}

/**
 * Segmind's timing as the seed page gives it (~129 s for 5 s of 720p), spread by duration and resolution,
 * with a few seconds of queue and random jitter (4 % standard deviation); all divided by `compression`.
 */
export function segmindTiming(
  input: Record<string, unknown>,
  next: () => number,
  compression: number,
): { queueMs: number; processingMs: number } {
  const duration = typeof input.duration === 'number' ? input.duration : 5;
  const base = 125_000 * (duration / 5) ** 0.7 * (input.resolution === '1080p' ? 1.5 : 1);
  const queueMs = 2000 + next() * 4000;
  const processingMs = base * (1 + 0.04 * normal(next));
  return { queueMs: queueMs / compression, processingMs: processingMs / compression };
}
