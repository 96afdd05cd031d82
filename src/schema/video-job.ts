import type { JobEventRow, JobRow } from '../db/tables.js';
import type { JobError, JobErrorCode, JobStatus, Resolution } from '../domain/job.js';
import { builder } from './builder.js';
import { VideoFile } from './video-file.js';

export const VideoJobStatus = builder.enumType('VideoJobStatus', {
  description:
    'Forward only: PENDING -> QUEUED -> PROCESSING -> COMPLETED | FAILED; a step may be skipped. PENDING -> CANCELLED when cancelVideoJob comes before the job is sent.',
  values: {
    PENDING: {
      value: 'PENDING',
      description: 'Stored by the gateway; not yet accepted by Segmind. Cancellable until its submit starts.',
    },
    QUEUED: { value: 'QUEUED', description: 'Accepted by Segmind (upstreamRequestId is set), waiting to start.' },
    PROCESSING: { value: 'PROCESSING', description: 'Segmind is generating the video.' },
    COMPLETED: { value: 'COMPLETED', description: 'Finished: videoUrl is set. Terminal.' },
    FAILED: { value: 'FAILED', description: 'Ended without a video: error says why. Terminal.' },
    CANCELLED: {
      value: 'CANCELLED',
      description:
        'Cancelled with cancelVideoJob before anything was sent to Segmind: never sent, never billed. Terminal.',
    },
  } as const satisfies Record<JobStatus, { value: JobStatus; description: string }>,
});

export const VideoResolution = builder.enumType('VideoResolution', {
  description: 'Size of the output video (MP4, H.264, 30 fps).',
  values: {
    RES_720P: { value: '720p', description: '1280x720.' },
    RES_1080P: { value: '1080p', description: '1920x1080.' },
  } as const satisfies Record<string, { value: Resolution; description: string }>,
});

const VideoJobErrorCode = builder.enumType('VideoJobErrorCode', {
  description: 'Why a job FAILED; VideoJobError.message gives the details.',
  values: {
    GENERATION_FAILED: {
      value: 'GENERATION_FAILED',
      description:
        "Segmind failed the generation (content-policy blocks included); the message carries Segmind's text. Not worth retrying as is: show the message and let the person change the prompt or image.",
    },
    UPSTREAM_REJECTED: {
      value: 'UPSTREAM_REJECTED',
      description:
        'Segmind refused the job on submit (HTTP 400, 403, 404 for the model, 410 retired model) or refused to report on it. Not retryable: the same request fails the same way; tell the operator.',
    },
    UPSTREAM_UNAUTHORIZED: {
      value: 'UPSTREAM_UNAUTHORIZED',
      description:
        "Segmind refused the gateway's API key (HTTP 401). Retryable once an operator has fixed the key; show the person a service problem, not their mistake.",
    },
    INSUFFICIENT_CREDITS: {
      value: 'INSUFFICIENT_CREDITS',
      description:
        "The gateway's Segmind account is out of credits (HTTP 406). Retryable once the operator has added credits.",
    },
    UPSTREAM_EXPIRED: {
      value: 'UPSTREAM_EXPIRED',
      description:
        'Segmind no longer knows the request (HTTP 404 for its id): its records expire 1 h after submission. Retryable: create the job again (it may be billed again).',
    },
    UPSTREAM_UNAVAILABLE: {
      value: 'UPSTREAM_UNAVAILABLE',
      description:
        "Segmind kept failing (429, 5xx, network errors) until retries ran out, or the submit's outcome is unknown and it was not resent. Retryable later by creating the job again; when the message says the outcome is unknown, the first attempt may still have been billed.",
    },
  } as const satisfies Record<JobErrorCode, { value: JobErrorCode; description: string }>,
});

const VideoJobError = builder.objectRef<JobError>('VideoJobError').implement({
  description: 'Why a job FAILED.',
  fields: (t) => ({
    code: t.field({
      type: VideoJobErrorCode,
      description: 'What kind of failure it is.',
      resolve: (error) => error.code,
    }),
    message: t.exposeString('message', { description: 'What went wrong, in words; may quote Segmind.' }),
  }),
});

const VideoJobEvent = builder.objectRef<JobEventRow>('VideoJobEvent').implement({
  description: 'One status change of a job.',
  fields: (t) => ({
    status: t.field({
      type: VideoJobStatus,
      description: 'The status the job moved to.',
      resolve: (event) => event.status,
    }),
    at: t.expose('at', { type: 'DateTime', description: 'When the change was recorded.' }),
    message: t.exposeString('message', {
      nullable: true,
      description: 'What happened, in words; null when the status says it all.',
    }),
  }),
});

export const VideoJob = builder.node(builder.objectRef<JobRow & { events?: readonly JobEventRow[] }>('VideoJob'), {
  description: 'One image-to-video generation, from submission to a playable video.',
  id: {
    description: 'Opaque global id; use it with videoJob, node and Subscription.videoJob.',
    resolve: (job) => job.id,
  },
  loadMany: (ids, context) => context.jobs.getMany(context.viewer, ids.map(Number)),
  fields: (t) => ({
    version: t.exposeInt('version', {
      description: '+1 on every change; what a subscriber sees only grows.',
    }),
    owner: t.exposeString('owner', {
      description: 'Whose job it is: the owner of the token that made it (`local` in open mode).',
    }),
    status: t.field({
      type: VideoJobStatus,
      description: 'Where the job is in its life.',
      resolve: (job) => job.status,
    }),
    prompt: t.exposeString('prompt', { description: 'The prompt given.' }),
    image: t.exposeString('image', {
      description: 'The URL given; a data: URI is described, not echoed in full.',
    }),
    audio: t.exposeString('audio', {
      nullable: true,
      description: 'The audio given (a data: URI is described, not echoed in full); null when none.',
    }),
    duration: t.exposeInt('duration', { description: 'Seconds of video.' }),
    resolution: t.field({
      type: VideoResolution,
      description: 'Size of the video.',
      resolve: (job) => job.resolution,
    }),
    multiShots: t.exposeBoolean('multiShots', { description: 'Multi-shot segmentation, as given.' }),
    negativePrompt: t.exposeString('negativePrompt', { description: 'What to avoid, as given; empty for none.' }),
    enablePromptExpansion: t.exposeBoolean('enablePromptExpansion', { description: 'Prompt expansion, as given.' }),
    seed: t.exposeInt('seed', {
      nullable: true,
      description: 'The seed given; null when none was, so a random one was used.',
    }),
    upstreamRequestId: t.exposeString('upstreamRequestId', {
      nullable: true,
      description: "Segmind's request_id, once submitted.",
    }),
    videoUrl: t.string({
      nullable: true,
      description:
        "Set when COMPLETED: the gateway's stable link to the video, signed and expiring (a fresh signature at every read), playable without headers. Until the gateway's copy is complete it redirects to Segmind's URL.",
      resolve: (job, _args, context) => context.media.videoUrl(job),
    }),
    upstreamVideoUrl: t.exposeString('videoUrl', {
      nullable: true,
      description: "Segmind's own URL of the video, set when COMPLETED; Segmind keeps it about 7 days.",
    }),
    video: t.field({
      type: VideoFile,
      nullable: true,
      description:
        "The gateway's copy of the video, once its download is complete; null before, or if none could be made.",
      resolve: (job, _args, context) => context.media.videoFile(job),
    }),
    error: t.field({
      type: VideoJobError,
      nullable: true,
      description: 'Set when FAILED.',
      resolve: (job) => (job.errorCode ? { code: job.errorCode, message: job.errorMessage ?? '' } : null),
    }),
    cost: t.exposeFloat('cost', {
      nullable: true,
      description: "USD, from Segmind's metrics, when known.",
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When createVideo stored it.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it last changed (version went up).' }),
    submittedAt: t.expose('submittedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When Segmind accepted it (QUEUED); null before.',
    }),
    startedAt: t.expose('startedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'First seen PROCESSING.',
    }),
    finishedAt: t.expose('finishedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'Reached COMPLETED, FAILED or CANCELLED.',
    }),
    estimatedFinishAt: t.field({
      type: 'DateTime',
      nullable: true,
      description:
        'An estimate, learned from recent jobs like this one: when Segmind should finish it. The finish time once COMPLETED; null once FAILED or CANCELLED.',
      resolve: (job, _args, context) => context.jobs.estimate(job).finishAt,
    }),
    progress: t.float({
      description:
        'An estimate from 0 to 1 of how far along the job is, from the same model; it never decreases and is 1 only when COMPLETED.',
      resolve: (job, _args, context) => context.jobs.estimate(job).progress,
    }),
    events: t.field({
      type: [VideoJobEvent],
      description: 'Every status change, oldest first.',
      resolve: (job, _args, context) => job.events ?? context.jobs.events(job.id),
    }),
  }),
});
