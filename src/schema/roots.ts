import { builder } from './builder.js';

// The root types; each feature module adds its own fields to them.
builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
