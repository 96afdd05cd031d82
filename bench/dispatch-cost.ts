/**
 * (e) The cost of one dispatch with every active job of a database watched, in-process: a build's own poller
 * (from its dist/) on the restart scenario's database (after the gateway stopped), driven by a clock that moves only here and
 * an upstream that answers PROCESSING at once. Prints one JSON line. Run as
 * `node --import tsx bench/dispatch-cost.ts <dist folder> <database file> <dispatches>`.
 */
import { pino } from 'pino';

const [distFolder, databasePath, dispatchesArgument] = process.argv.slice(2);
if (!distFolder || !databasePath) throw new Error('usage: dispatch-cost.ts <dist folder> <database file> [dispatches]');
const dispatches = Number(dispatchesArgument ?? 30);

// The build's own modules: the baseline's and the current ones share these entry points.
const load = (path: string) => import(`${distFolder}/${path}`);
const [{ openDatabase }, { learnedDurationModel }, { JobPubSub }, { JobStateMachine }, { createPoller }] =
  await Promise.all([
    load('db/connection.js'),
    load('services/scheduling/duration-history.js'),
    load('services/jobs/job-pubsub.js'),
    load('services/jobs/job-state-machine.js'),
    load('services/scheduling/create-poller.js'),
  ]);

let now = Date.now();
const clock = { now: () => now, setTimer: () => () => {} }; // the dispatcher never fires: calls are made here
const processing = async () => ({ status: 'PROCESSING' as const });
const client = {
  submit: async () => ({ requestId: `bench-${now}` }),
  status: processing,
  result: processing,
  abortAll: async () => {},
  close: async () => {},
};
const logger = pino({ level: 'silent' });
const database = openDatabase(databasePath);
const model = learnedDurationModel(database, {});
const machine = new JobStateMachine(
  database,
  new JobPubSub(),
  clock,
  () => null,
  () => {},
);
const poller = createPoller(
  {
    callsPerMinute: 50,
    rateWindowMs: 60_000,
    pollMinIntervalMs: 1000,
    pollMaxIntervalMs: 15_000,
    pollTargetDelayMs: 3000,
  },
  { database, store: undefined, client, machine, model, clock, logger, onUnexpectedError: () => {} },
);
const startedAt = performance.now();
poller.start();
const startMs = performance.now() - startedAt;

interface Work {
  dueAt: number;
  run(send: <T>(call: () => Promise<T>) => Promise<T>): Promise<void>;
}
interface Step {
  nextWork(now: number): Work | undefined;
  /** Plans every watched job again; builds before the queue have none. */
  replan?(): void;
}
// The steps are private parts of the poller: reached here, as the dispatcher reaches them.
const { submits, polls } = (poller as unknown as { parts: { submits: Step; polls: Step } }).parts;
const choosing: number[] = [];
const whole: number[] = [];
for (let dispatch = 0; dispatch < dispatches; dispatch++) {
  now += 1200; // one call a budget of 50 a minute affords
  const before = performance.now();
  const submit = submits.nextWork(now);
  const poll = polls.nextWork(now);
  const chosen = performance.now();
  const work = submit && submit.dueAt <= now ? submit : poll;
  if (work && work.dueAt <= now) await work.run((call) => call());
  choosing.push((chosen - before) * 1000);
  whole.push((performance.now() - before) * 1000);
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const replanning: number[] = [];
for (let round = 0; round < 5 && polls.replan; round++) {
  const before = performance.now();
  polls.replan();
  replanning.push(performance.now() - before);
}
const figures = {
  startMs: Math.round(startMs),
  nextWorkUs: median(choosing),
  dispatchUs: median(whole),
  replanMs: replanning.length > 0 ? Math.round(median(replanning)) : undefined,
};
process.stdout.write(`${JSON.stringify(figures)}\n`);
await poller.stop();
database.close();
