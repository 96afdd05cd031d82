import { builder } from './builder.js';

// The root types; each feature module adds its own fields to them.
builder.queryType({ description: 'Reads: your jobs, who you are, and (admins) tokens. Needs `jobs:read` for jobs.' });
builder.mutationType({ description: 'Writes: make videos (`jobs:write`) and manage tokens (`admin`).' });
builder.subscriptionType({
  description: 'Live job updates over graphql-transport-ws or Server-Sent Events. Needs `jobs:read`.',
});
