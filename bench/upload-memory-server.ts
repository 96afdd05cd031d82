// The gateway for bench/upload-memory.ts: samples memoryUsage every 20 ms; IPC messages start and stop.
import { pino } from 'pino';
import { temporaryDirectory } from '../harness/temporary-directory.js';
import { testEnvironment } from '../harness/test-environment.js';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { startSimulator } from '../src/simulator/index.js';

const doGc = process.argv.includes('--gc');
const upstream = process.env.PROBE_UPSTREAM ? { url: process.env.PROBE_UPSTREAM } : await startSimulator({});
const folder = temporaryDirectory();
const config = loadConfig({
  ...testEnvironment(upstream.url),
  PORT: '0',
  DATABASE_PATH: `${folder.path}/p.sqlite`,
  MEDIA_DIR: `${folder.path}/media`,
  SEGMIND_RPM: '1',
  SEGMIND_RATE_WINDOW_MS: '3600000',
  ...(process.env.PROBE_LIVE ? { SEGMIND_RPM: '10000', SEGMIND_RATE_WINDOW_MS: '60000' } : {}),
});
const app = await createApp(config, { logger: pino({ level: 'warn' }) });
const keys = ['rss', 'heapUsed', 'external', 'arrayBuffers'] as const;
let base: NodeJS.MemoryUsage | undefined;
let peak: Record<string, number> = {};
let timer: NodeJS.Timeout | undefined;
const timeline: string[] = [];
let t0 = 0;
process.on('message', (message: string) => {
  if (message === 'start') {
    globalThis.gc?.();
    base = process.memoryUsage();
    peak = Object.fromEntries(keys.map((k) => [k, 0]));
    t0 = performance.now();
    timer = setInterval(() => {
      if (doGc) globalThis.gc?.();
      const now = process.memoryUsage();
      timeline.push(
        `${Math.round(performance.now() - t0)} ab=${Math.round((now.arrayBuffers - (base?.arrayBuffers ?? 0)) / 1048576)} rss=${Math.round((now.rss - (base?.rss ?? 0)) / 1048576)}`,
      );
      for (const k of keys) peak[k] = Math.max(peak[k] ?? 0, now[k] - (base?.[k] ?? 0));
    }, 20);
  } else if (message === 'stop') {
    clearInterval(timer);
    globalThis.gc?.();
    const after = process.memoryUsage();
    const mb = (n: number) => Math.round(n / 1048576);
    process.send?.({
      peak: Object.fromEntries(keys.map((k) => [k, mb(peak[k] ?? 0)])),
      timeline: process.env.PROBE_TIMELINE ? timeline.filter((_, i) => i % 5 === 0) : undefined,
      afterGc: Object.fromEntries(keys.map((k) => [k, mb(after[k] - (base?.[k] ?? 0))])),
    });
  }
});
process.send?.({ url: app.url });
process.on('disconnect', () => {
  folder.remove();
  process.exit(0);
});
