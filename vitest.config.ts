import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql ships CJS and ESM builds; the server libraries load the CJS one, so our code must too, or
    // `instanceof GraphQLError` fails across the two copies and every error is masked.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Files in one worker share its module cache instead of importing the app anew (about 1 s of CPU each).
    // Safe while nothing keeps module-level state: every test makes its own apps, servers and databases.
    isolate: false,
    // Most tests wait on sockets, timers and child processes, not the CPU: two at once halve the run on 2 cores.
    maxWorkers: 2,
  },
});
