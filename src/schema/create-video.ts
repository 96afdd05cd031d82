import { InputRejectedError, QuotaExceededError } from '../services/jobs/errors.js';
import { videoInputSchema, videoLimits } from '../services/jobs/video-input.js';
import { builder } from './builder.js';
import { VideoJob, VideoJobStatus, VideoResolution } from './video-job.js';

const CreateVideoInput = builder.inputType('CreateVideoInput', {
  description: 'What to generate. Every rule is checked before anything is stored or sent.',
  fields: (t) => ({
    image: t.string({
      description:
        'http(s) URL, or data: URI (base64) of a JPEG, PNG, WEBP or BMP image. A URL must be reachable by the gateway, which reads its first bytes before storing the job. Give exactly one of image and imageFile.',
    }),
    imageFile: t.field({
      type: 'File',
      description:
        'The image as a file (multipart request): JPEG, PNG, WEBP or BMP, at most 10 MB. Give exactly one of image and imageFile.',
    }),
    prompt: t.string({
      required: true,
      description: `1 to ${videoLimits.promptMaxLength} characters.`,
    }),
    audio: t.string({
      description:
        'http(s) URL or data: URI of WAV or MP3 audio, 3 to 30 s, at most 15 MB. A URL is checked like `image`. Not with audioFile.',
    }),
    audioFile: t.field({
      type: 'File',
      description: 'The audio as a file (multipart request): WAV or MP3, 3 to 30 s, at most 15 MB. Not with audio.',
    }),
    duration: t.int({
      required: true,
      defaultValue: 5,
      description: 'Seconds of video: 5, 10 or 15.',
    }),
    resolution: t.field({
      type: VideoResolution,
      required: true,
      defaultValue: '720p',
      description: 'Size of the video.',
    }),
    multiShots: t.boolean({
      required: true,
      defaultValue: false,
      description: 'Multi-shot segmentation; only takes effect with enablePromptExpansion.',
    }),
    negativePrompt: t.string({
      required: true,
      defaultValue: '',
      description: `0 to ${videoLimits.negativePromptMaxLength} characters.`,
    }),
    enablePromptExpansion: t.boolean({
      required: true,
      defaultValue: true,
      description: 'Let Segmind expand the prompt into a more detailed one before generating.',
    }),
    seed: t.int({
      description: `0 to ${videoLimits.seedMax}; null picks one at random.`,
    }),
    idempotencyKey: t.string({
      description: 'The same key again returns the same job and never submits a second time.',
    }),
    webhookUrl: t.string({
      description:
        "http(s) URL the gateway POSTs the job to, signed per Standard Webhooks with the owner's `Viewer.webhookSecret`, when it ends (COMPLETED, FAILED, CANCELLED) and at each status in webhookEvents. It must resolve to a public address (checked now and at each delivery).",
    }),
    webhookEvents: t.field({
      type: [VideoJobStatus],
      description:
        'Statuses besides the terminal ones that also get a webhook, e.g. [QUEUED, PROCESSING]; not PENDING, which createVideo itself answers with. Only with webhookUrl.',
    }),
  }),
});

builder.mutationFields((t) => ({
  createVideo: t.field({
    type: VideoJob,
    description: 'Stores the job and returns at once; it is sent to Segmind behind the answer.',
    authScopes: { jobsWrite: true },
    args: {
      input: t
        .arg({ type: CreateVideoInput, required: true, description: 'The video to make.' })
        .validate(videoInputSchema),
    },
    errors: {
      types: [InputRejectedError, QuotaExceededError],
      result: {
        name: 'CreateVideoSuccess',
        description: 'The job was stored; it is submitted to Segmind behind this answer.',
      },
      union: {
        name: 'CreateVideoResult',
        description:
          'The new job, or why none was made (bad input, or over a quota); on an error nothing is stored or sent.',
      },
      dataField: {
        name: 'job',
        description: 'The new job, PENDING; or the existing one when idempotencyKey was used before.',
      },
    },
    resolve: (_root, { input }, context) => context.jobs.create(context.viewer, input),
  }),
}));
