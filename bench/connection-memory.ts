/**
 * What one idle graphql-ws connection and one subscription hold on the server, in live memory: the gateway
 * of a build runs in this process (`node --expose-gc`), the clients in another, and the heap is read after
 * forced collections, so garbage and RSS slack do not count (bench (c) reads RSS, which includes them).
 * `node --expose-gc --import tsx bench/connection-memory.ts [dist folder] [connections]`; how the
 * per-connection and per-subscription costs of issue 11 were found and checked.
 */
import { pino } from 'pino';
import { graphqlAt } from '../harness/graphql.js';
import { temporaryDirectory } from '../harness/temporary-directory.js';
import { testEnvironment } from '../harness/test-environment.js';
import { startSimulator } from '../src/simulator/index.js';
import { createMutation, root, sleep, subscribers, subscriptionsPerConnection } from './context.js';

const dist = process.argv[2] ?? `${root}dist`;
const connections = Number(process.argv[3] ?? 2000);
const collect = (globalThis as { gc?: () => void }).gc;
if (!collect) throw new Error('run with node --expose-gc');
const { createApp } = (await import(`${dist}/app.js`)) as typeof import('../src/app.js');
const { loadConfig } = (await import(`${dist}/config.js`)) as typeof import('../src/config.js');

const folder = temporaryDirectory();
// Jobs that stay QUEUED throughout: nothing changes while memory is read.
const upstream = await startSimulator({ queueMs: 600_000, processingMs: 1000 });
const app = await createApp(
  loadConfig({
    ...testEnvironment(upstream.url),
    PORT: '0',
    DATABASE_PATH: `${folder.path}/jobs.sqlite`,
    MEDIA_DIR: `${folder.path}/media`,
    MAX_SUBSCRIPTIONS_PER_CONNECTION: String(subscriptionsPerConnection),
  }),
  { logger: pino({ level: 'warn' }) },
);
const ids: string[] = [];
for (let index = 0; index < 10; index++) {
  const answer = await graphqlAt<{ createVideo: { job: { id: string } } }>(app.url, createMutation, {
    input: { image: 'https://example.com/cat.png', prompt: `memory ${index}` },
  });
  ids.push(answer.data?.createVideo.job.id as string);
}
const heap = () => {
  collect();
  collect();
  return process.memoryUsage().heapUsed;
};
const subscribed = new Set<number>();
const crowd = subscribers(app.url, (receipt) => subscribed.add(receipt.s), { hold: true });
// One connection first, so that what is made once (code, caches) is not counted per connection.
crowd.connect(ids);
crowd.subscribe();
while (crowd.connected < 1 || subscribed.size < ids.length) await sleep(20);
await sleep(500);
const before = heap();
for (let connection = 0; connection < connections; connection++) {
  crowd.connect(Array.from({ length: subscriptionsPerConnection }, (_, n) => ids[n % ids.length] as string));
}
while (crowd.connected < connections + 1) await sleep(50);
await sleep(1000);
const connected = heap();
crowd.subscribe();
const total = connections * subscriptionsPerConnection;
while (subscribed.size < total + ids.length) await sleep(50);
await sleep(1000);
const after = heap();
process.stdout.write(
  `${JSON.stringify({
    dist,
    connections,
    subscriptions: total,
    heapPerConnectionBytes: Math.round((connected - before) / connections),
    heapPerSubscriptionBytes: Math.round((after - connected) / total),
  })}\n`,
);
process.exit(0);
