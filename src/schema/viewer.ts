import type { Viewer } from '../domain/access.js';
import { builder } from './builder.js';

const ViewerUsage = builder
  .objectRef<{ activeJobs: number; jobsLastMinute: number; spendTodayUsd: number }>('ViewerUsage')
  .implement({
    description: 'What the owner uses of its quotas now.',
    fields: (t) => ({
      activeJobs: t.exposeInt('activeJobs', { description: 'Jobs not yet ended (COMPLETED, FAILED or CANCELLED).' }),
      jobsLastMinute: t.exposeInt('jobsLastMinute', { description: 'Jobs created in the last 60 s.' }),
      spendTodayUsd: t.exposeFloat('spendTodayUsd', {
        description: "Known costs of today's jobs (UTC) plus an estimate for those not priced yet.",
      }),
    }),
  });

const ViewerLimits = builder
  .objectRef<{ maxActiveJobs: number | null; jobsPerMinute: number | null; dailySpendUsd: number | null }>(
    'ViewerLimits',
  )
  .implement({
    description: "The owner's quotas; null: no cap.",
    fields: (t) => ({
      maxActiveJobs: t.exposeInt('maxActiveJobs', { nullable: true, description: 'Unfinished jobs at once.' }),
      jobsPerMinute: t.exposeInt('jobsPerMinute', { nullable: true, description: 'New jobs in any 60 s.' }),
      dailySpendUsd: t.exposeFloat('dailySpendUsd', { nullable: true, description: 'USD per UTC day.' }),
    }),
  });

export const ViewerType = builder.objectRef<Viewer>('Viewer').implement({
  description: 'Who this request acts for, what it may do, and its quotas.',
  fields: (t) => ({
    owner: t.exposeString('owner', { description: 'The owner whose jobs and quotas this token shares.' }),
    scopes: t.stringList({
      description: 'What the token may do: `jobs:read`, `jobs:write`, `admin` (which includes both).',
      resolve: (viewer) => [...viewer.scopes],
    }),
    usage: t.field({
      type: ViewerUsage,
      description: 'What the owner uses now.',
      resolve: (viewer, _args, context) => context.quotas.usage(viewer.owner),
    }),
    limits: t.field({
      type: ViewerLimits,
      description: "The owner's quotas.",
      resolve: (viewer, _args, context) => context.quotas.limitsFor(viewer.owner),
    }),
  }),
});

builder.queryFields((t) => ({
  viewer: t.field({
    type: ViewerType,
    description: 'Who this request acts for (in open mode without a token: owner `local`, every scope).',
    resolve: (_root, _args, context) => context.viewer,
  }),
}));
