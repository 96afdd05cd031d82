import { GraphQLError, Kind } from 'graphql';
import { OversizedUpload, type Upload, UploadedFile } from '../services/media/uploads.js';
import { builder } from './builder.js';

function parseDate(value: unknown): Date {
  const date = typeof value === 'string' ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) {
    throw new GraphQLError('DateTime must be an ISO 8601 date-time string', {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  return date;
}

builder.scalarType('DateTime', {
  description: 'An instant, as an ISO 8601 string in UTC, e.g. "2026-11-24T10:15:30.000Z".',
  serialize: (value) => (value as Date).toISOString(),
  parseValue: parseDate,
  parseLiteral: (ast) => parseDate(ast.kind === Kind.STRING ? ast.value : undefined),
});

const notAnUpload = () =>
  new GraphQLError('a File is sent as a part of a multipart request (the GraphQL multipart request spec)', {
    extensions: { code: 'BAD_USER_INPUT' },
  });

builder.scalarType('File', {
  description:
    'A file sent as a part of a multipart request (the GraphQL multipart request spec): input only, never in JSON.',
  serialize: () => {
    throw new GraphQLError('File is an input type only');
  },
  parseValue: (value): Upload => {
    if (value instanceof UploadedFile || value instanceof OversizedUpload) return value;
    throw notAnUpload();
  },
  parseLiteral: () => {
    throw notAnUpload();
  },
});
