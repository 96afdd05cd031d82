/**
 * Where the memory of 20 concurrent 10 MB uploads goes (bench (g)), in-process: the gateway in a child process
 * (bench/upload-memory-server.ts) samples process.memoryUsage() every 20 ms; `--gc` collects before each sample,
 * so its peaks are live memory, not garbage. PROBE_LIVE=1 lets the poller submit (fake Segmind in this process).
 * Usage: npx tsx bench/upload-memory.ts [--gc] [node flags]
 */
import { fork } from 'node:child_process';
import { paddedPng } from '../bench/media.js';
import { startSimulator } from '../src/simulator/index.js';

const sim = process.env.PROBE_LIVE ? await startSimulator({}) : undefined;
const extra = process.argv.slice(2);
const child = fork(
  'bench/upload-memory-server.ts',
  extra.filter((a) => a === '--gc'),
  {
    env: { ...process.env, ...(sim ? { PROBE_UPSTREAM: sim.url } : {}) },
    execArgv: ['--import', 'tsx', '--expose-gc', ...extra.filter((a) => a.startsWith('--') && a !== '--gc')],
  },
);
const next = () => new Promise<Record<string, unknown>>((resolve) => child.once('message', resolve));
const { url } = (await next()) as { url: string };
const q = 'mutation ($file: File!) { createVideo(input: { imageFile: $file, prompt: "p" }) { __typename } }';
async function up(file: Buffer) {
  const form = new FormData();
  form.set('operations', JSON.stringify({ query: q, variables: { file: null } }));
  form.set('map', JSON.stringify({ 0: ['variables.file'] }));
  form.set('0', new Blob([new Uint8Array(file)], { type: 'image/png' }), 'p.png');
  const r = await fetch(url, { method: 'POST', body: form, headers: { 'apollo-require-preflight': 'true' } });
  return r.text();
}
await up(paddedPng(64 * 1024, -1));
const files = Array.from({ length: 20 }, (_, i) => paddedPng(10 * 1048576 - 4096, i));
await new Promise((r) => setTimeout(r, 500));
child.send('start');
const t = performance.now();
const done: number[] = [];
const answers = await Promise.all(
  files.map(async (f) => {
    const a = await up(f);
    done.push(Math.round(performance.now() - t));
    return a;
  }),
);
const secs = (performance.now() - t) / 1000;
await new Promise((r) => setTimeout(r, Number(process.env.PROBE_WAIT ?? 200)));
child.send('stop');
const stats = await next();
console.log(
  JSON.stringify({
    args: extra,
    secs: +secs.toFixed(2),
    done,
    ok: answers.filter((a) => a.includes('CreateVideoSuccess')).length,
    ...stats,
  }),
);
child.disconnect();
await sim?.close();
process.exit(0);
