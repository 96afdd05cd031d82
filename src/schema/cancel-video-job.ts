import { decodeJobId } from '../domain/job-id.js';
import { NotCancellableError } from '../services/jobs/errors.js';
import { builder } from './builder.js';
import { ErrorInterface } from './errors.js';
import { jobNotFound } from './service-errors.js';
import { VideoJob } from './video-job.js';

builder.objectType(NotCancellableError, {
  name: 'NotCancellableError',
  description:
    'The job cannot be cancelled: it was already sent to Segmind, which has no cancel, so it will finish and be billed; or it has already ended.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    job: t.field({
      type: VideoJob,
      description: 'The job as it stood when the cancel was refused.',
      resolve: (error) => error.job,
    }),
  }),
});

builder.mutationFields((t) => ({
  cancelVideoJob: t.field({
    type: VideoJob,
    description:
      "Cancels a job not yet sent to Segmind: it ends CANCELLED and costs nothing. A job whose submit has started cannot be stopped (NotCancellableError: it will finish and be billed), nor can one that has ended. Cancelling a CANCELLED job again succeeds and returns it. An unknown id, or another owner's job, is a NOT_FOUND error.",
    authScopes: { jobsWrite: true },
    args: { id: t.arg.id({ required: true, description: "The job's global id (VideoJob.id)." }) },
    errors: {
      types: [NotCancellableError],
      result: {
        name: 'CancelVideoJobSuccess',
        description: 'The job is CANCELLED: it was never sent, and never will be.',
      },
      union: { name: 'CancelVideoJobResult', description: 'The cancelled job, or why it cannot be cancelled.' },
      dataField: { name: 'job', description: 'The job, CANCELLED.' },
    },
    resolve: (_root, args, context) => {
      const id = decodeJobId(String(args.id));
      if (id === undefined) throw jobNotFound(String(args.id));
      return context.jobs.cancel(context.viewer, id);
    },
  }),
}));
