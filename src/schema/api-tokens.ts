import { z } from 'zod';
import { ownerNamePattern, type Scope, scopes, tokenNameMaxLength } from '../domain/access.js';
import type { ApiToken } from '../services/access/token-service.js';
import { InputRejectedError } from '../services/jobs/errors.js';
import { builder } from './builder.js';

const ApiTokenScope = builder.enumType('ApiTokenScope', {
  description: 'What a token may do.',
  values: {
    JOBS_READ: { value: 'jobs:read', description: "Queries and subscriptions on its owner's jobs." },
    JOBS_WRITE: { value: 'jobs:write', description: 'createVideo and cancelVideoJob for its owner.' },
    ADMIN: { value: 'admin', description: "Every owner's jobs and token management; includes both job scopes." },
  } as const satisfies Record<string, { value: Scope; description: string }>,
});

const ApiTokenType = builder.objectRef<ApiToken>('ApiToken').implement({
  description: 'An access token as operators see it; its secret is shown once, when made, and never again.',
  fields: (t) => ({
    id: t.id({ description: 'The number the CLI names it by.', resolve: (token) => String(token.id) }),
    owner: t.exposeString('owner', { description: 'Tokens of one owner share its jobs and quotas.' }),
    name: t.exposeString('name', { nullable: true, description: 'What the operator called it.' }),
    scopes: t.field({ type: [ApiTokenScope], description: 'What it may do.', resolve: (token) => token.scopes }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was made.' }),
    lastUsedAt: t.expose('lastUsedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'Last request made with it, to the minute.',
    }),
    revokedAt: t.expose('revokedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'Set once revoked: from then on it opens nothing.',
    }),
  }),
});

const CreateApiTokenInput = builder.inputType('CreateApiTokenInput', {
  description: 'A token to make: whose it is, what it may do, and a note.',
  fields: (t) => ({
    owner: t.string({ required: true, description: 'Letters, digits and . _ @ -, at most 64 characters.' }),
    scopes: t.field({
      type: [ApiTokenScope],
      required: true,
      defaultValue: ['jobs:read', 'jobs:write'],
      description: 'Default: read and write jobs.',
    }),
    name: t.string({ description: 'A note for operators, e.g. the app or device; at most 100 characters.' }),
  }),
});

const createTokenRules = z.object({
  owner: z.string().regex(ownerNamePattern, 'letters, digits and . _ @ -, starting with a letter or digit, at most 64'),
  scopes: z.array(z.enum(scopes)).min(1, 'name at least one scope'),
  name: z.string().max(tokenNameMaxLength, `at most ${tokenNameMaxLength} characters`).nullish(),
});

const CreateApiTokenSuccess = builder
  .objectRef<{ secret: string; token: ApiToken }>('CreateApiTokenSuccess')
  .implement({
    description: 'The new token. Keep `secret` now: only its hash is stored, so it cannot be shown again.',
    fields: (t) => ({
      secret: t.exposeString('secret', { description: 'The token to send as `Authorization: Bearer <secret>`.' }),
      apiToken: t.field({
        type: ApiTokenType,
        description: 'The token as it is listed.',
        resolve: (made) => made.token,
      }),
    }),
  });

builder.queryFields((t) => ({
  apiTokens: t.field({
    type: [ApiTokenType],
    description: 'Admins only: every token, oldest first (never their secrets).',
    authScopes: { admin: true },
    resolve: (_root, _args, context) => context.tokens.list(),
  }),
}));

builder.mutationFields((t) => ({
  createApiToken: t.field({
    type: CreateApiTokenSuccess,
    description: 'Admins only: makes a token for an owner.',
    authScopes: { admin: true },
    args: {
      input: t
        .arg({ type: CreateApiTokenInput, required: true, description: 'The token to make.' })
        .validate(createTokenRules),
    },
    errors: {
      types: [InputRejectedError],
      directResult: true,
      union: { name: 'CreateApiTokenResult', description: 'The new token and its secret, or why none was made.' },
    },
    resolve: (_root, { input }, context) => context.tokens.create(input),
  }),
  revokeApiToken: t.field({
    type: ApiTokenType,
    nullable: true,
    description:
      'Admins only: revokes a token at once (open WebSockets using it close within 5 s); null for an unknown id.',
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true, description: "The token's id, as in ApiToken.id." }) },
    resolve: (_root, args, context) => {
      const id = Number(args.id);
      return Number.isSafeInteger(id) && id > 0 ? (context.tokens.revoke(id) ?? null) : null;
    },
  }),
}));
