import { resolveCursorConnection } from '@pothos/plugin-relay';
import { GraphQLError } from 'graphql';
import type { JobRow } from '../db/tables.js';
import { decodeJobCursor, decodeJobId, encodeJobCursor } from '../domain/job-id.js';
import { builder } from './builder.js';
import { jobNotFound } from './service-errors.js';
import { VideoJob, VideoJobStatus } from './video-job.js';

/** A status filter longer than the statuses there are is a mistake (or an attack on the query planner). */
const maxStatusFilter = 10;
/** The largest page `first` or `last` may ask for. */
const maxPageSize = 100;

const badInput = (message: string) => new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });

/** Page sizes are 0..100, and one direction at a time (as the Relay cursor spec advises). */
function checkPageArguments(args: { first?: number | null; last?: number | null }): void {
  if (args.first != null && args.last != null) throw badInput('give first or last, not both');
  for (const [name, size] of [
    ['first', args.first],
    ['last', args.last],
  ] as const) {
    if (size != null && (size < 0 || size > maxPageSize)) {
      throw badInput(`${name} must be between 0 and ${maxPageSize}`);
    }
  }
}

function decodeCursor(cursor: string): number {
  const id = decodeJobCursor(cursor);
  if (id === undefined) {
    throw badInput(`invalid cursor "${cursor}"`);
  }
  return id;
}

builder.queryFields((t) => ({
  videoJob: t.field({
    type: VideoJob,
    nullable: true,
    description: "One of your jobs (any job, for an admin); null for an unknown id or another owner's job.",
    authScopes: { jobsRead: true },
    args: { id: t.arg.id({ required: true, description: "The job's global id (VideoJob.id)." }) },
    resolve: (_root, args, context) => {
      const id = decodeJobId(String(args.id));
      return id === undefined ? null : (context.jobs.get(context.viewer, id) ?? null);
    },
  }),
  videoJobs: t.connection(
    {
      type: VideoJob,
      description: "Your jobs (an admin: every owner's, or one owner's), newest first.",
      authScopes: { jobsRead: true },
      args: {
        status: t.arg({
          type: [VideoJobStatus],
          required: false,
          description: `Only jobs in these statuses (at most ${maxStatusFilter}).`,
        }),
        owner: t.arg.string({
          required: false,
          description: "Admins only: only this owner's jobs. Ignored for other callers, who only ever see their own.",
        }),
      },
      resolve: (_root, args, context) => {
        if ((args.status?.length ?? 0) > maxStatusFilter)
          throw badInput(`status takes at most ${maxStatusFilter} values`);
        checkPageArguments(args);
        return resolveCursorConnection<JobRow[]>(
          { args, toCursor: (job) => encodeJobCursor(job.id) },
          ({ before, after, limit, inverted }) =>
            context.jobs.page(
              context.viewer,
              {
                statuses: args.status ?? undefined,
                idBelow: after === undefined ? undefined : decodeCursor(after),
                idAbove: before === undefined ? undefined : decodeCursor(before),
                limit,
                order: inverted ? 'oldest' : 'newest',
              },
              args.owner,
            ),
        );
      },
    },
    {
      name: 'VideoJobConnection',
      description: 'A page of jobs, newest first (Relay cursor connection).',
      edgesField: { description: 'The jobs on this page, newest first.' },
    },
    {
      name: 'VideoJobEdge',
      description: 'One job in a page, with its cursor.',
      nodeField: { description: 'The job.' },
    },
  ),
}));

builder.subscriptionFields((t) => ({
  videoJob: t.field({
    type: VideoJob,
    description:
      'The job now, then the job after every change, in order, with no gap and no duplicate; completes after a terminal status.',
    authScopes: { jobsRead: true },
    args: {
      id: t.arg.id({ required: true, description: "The job's global id; an unknown one is a NOT_FOUND error." }),
      afterVersion: t.arg.int({
        description:
          'Resume after a lost connection: the last version this client saw. The snapshot is then sent only if newer. Over SSE, a `Last-Event-ID` header (which an EventSource resends on its own) counts the same way; the larger wins.',
      }),
    },
    subscribe: (_root, args, context) => {
      const id = decodeJobId(String(args.id));
      if (id === undefined) throw jobNotFound(String(args.id));
      const afterVersion = Math.max(args.afterVersion ?? 0, context.stream?.afterVersion ?? 0);
      return context.jobs.watch(context.viewer, id, afterVersion);
    },
    resolve: (job, _args, context) => {
      context.stream?.resolved(job.version);
      return job;
    },
  }),
}));
