import type { JobEventRow, JobRow } from '../db/tables.js';
import { type JobError, jobErrorCodes, jobStatuses } from '../domain/job.js';
import { builder } from './builder.js';

export const VideoJobStatus = builder.enumType('VideoJobStatus', {
  description: 'Forward only: PENDING -> QUEUED -> PROCESSING -> COMPLETED | FAILED; a step may be skipped.',
  values: jobStatuses,
});

export const VideoResolution = builder.enumType('VideoResolution', {
  values: {
    RES_720P: { value: '720p' },
    RES_1080P: { value: '1080p' },
  } as const,
});

const VideoJobErrorCode = builder.enumType('VideoJobErrorCode', {
  values: jobErrorCodes,
});

const VideoJobError = builder.objectRef<JobError>('VideoJobError').implement({
  description: 'Why a job FAILED.',
  fields: (t) => ({
    code: t.field({
      type: VideoJobErrorCode,
      resolve: (error) => error.code,
    }),
    message: t.exposeString('message'),
  }),
});

const VideoJobEvent = builder.objectRef<JobEventRow>('VideoJobEvent').implement({
  description: 'One status change of a job.',
  fields: (t) => ({
    status: t.field({
      type: VideoJobStatus,
      resolve: (event) => event.status,
    }),
    at: t.expose('at', { type: 'DateTime' }),
    message: t.exposeString('message', { nullable: true }),
  }),
});

export const VideoJob = builder.node(builder.objectRef<JobRow & { events?: readonly JobEventRow[] }>('VideoJob'), {
  description: 'One image-to-video generation, from submission to a playable video.',
  id: { resolve: (job) => job.id },
  loadMany: (ids, context) => context.jobs.getMany(context.viewer, ids.map(Number)),
  fields: (t) => ({
    version: t.exposeInt('version', {
      description: '+1 on every change; what a subscriber sees only grows.',
    }),
    owner: t.exposeString('owner', {
      description: 'Whose job it is: the owner of the token that made it (`local` in open mode).',
    }),
    status: t.field({ type: VideoJobStatus, resolve: (job) => job.status }),
    prompt: t.exposeString('prompt'),
    image: t.exposeString('image', {
      description: 'The URL given; a data: URI is described, not echoed in full.',
    }),
    audio: t.exposeString('audio', { nullable: true }),
    duration: t.exposeInt('duration', { description: 'Seconds of video.' }),
    resolution: t.field({
      type: VideoResolution,
      resolve: (job) => job.resolution,
    }),
    multiShots: t.exposeBoolean('multiShots'),
    negativePrompt: t.exposeString('negativePrompt'),
    enablePromptExpansion: t.exposeBoolean('enablePromptExpansion'),
    seed: t.exposeInt('seed', { nullable: true }),
    upstreamRequestId: t.exposeString('upstreamRequestId', {
      nullable: true,
      description: "Segmind's request_id, once submitted.",
    }),
    videoUrl: t.exposeString('videoUrl', {
      nullable: true,
      description: 'Set when COMPLETED; downloadable for about 7 days.',
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
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    submittedAt: t.expose('submittedAt', { type: 'DateTime', nullable: true }),
    startedAt: t.expose('startedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'First seen PROCESSING.',
    }),
    finishedAt: t.expose('finishedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'Reached COMPLETED or FAILED.',
    }),
    estimatedFinishAt: t.field({
      type: 'DateTime',
      nullable: true,
      description:
        'An estimate, learned from recent jobs like this one: when Segmind should finish it. The finish time once COMPLETED; null once FAILED.',
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
