import { type InputIssue, InputRejectedError, QuotaExceededError } from '../services/jobs/errors.js';
import { builder } from './builder.js';

export const ErrorInterface = builder.interfaceRef<Error>('Error').implement({
  description: 'A problem the client can fix, returned as a value rather than a GraphQL error.',
  fields: (t) => ({ message: t.exposeString('message', { description: 'What is wrong, for a human.' }) }),
});

const ValidationIssue = builder.objectRef<InputIssue>('ValidationIssue').implement({
  description: 'One input field and what is wrong with it.',
  fields: (t) => ({
    field: t.exposeString('field', {
      description: 'The input field\'s name, e.g. "duration".',
    }),
    message: t.exposeString('message', {
      description: 'What is wrong with it, e.g. "duration must be one of 5, 10, 15 seconds".',
    }),
  }),
});

builder.objectType(InputRejectedError, {
  name: 'ValidationError',
  description: 'The input broke one or more rules; nothing was stored or sent. Every bad field is listed.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    issues: t.field({
      type: [ValidationIssue],
      description: 'Every problem found, one entry each.',
      resolve: (error) => [...error.issues],
    }),
  }),
});

builder.objectType(QuotaExceededError, {
  name: 'QuotaExceededError',
  description: "One more job would go over one of the owner's quotas; nothing was stored or sent.",
  interfaces: [ErrorInterface],
  fields: (t) => ({
    quota: t.exposeString('quota', {
      description: 'Which quota: `maxActiveJobs`, `jobsPerMinute` or `dailySpendUsd`.',
    }),
    limit: t.exposeFloat('limit', { description: 'The quota in force for this owner.' }),
    retryAfterSeconds: t.exposeInt('retryAfterSeconds', {
      nullable: true,
      description: 'When trying again can succeed; null when it waits on one of your jobs finishing.',
    }),
  }),
});
