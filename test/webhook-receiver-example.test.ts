import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { projectRoot } from '../harness/build.js';
import { freePort } from '../harness/process.js';
import { temporaryDirectory } from '../harness/temporary-directory.js';
import { appFolder } from './clients/support/app-folder.js';
import { cleanupAfterEach } from './support/cleanup.js';
import { runUntil } from './support/drive.js';
import { createJob, startFakeSegmind, startGateway, statusOf } from './support/gateway.js';
import { ManualClock } from './support/manual-clock.js';

const cleanup = cleanupAfterEach();

/** The README's receiver snippet, the fenced block tagged `webhook-receiver-example`. */
function receiverSnippet(): string {
  const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');
  const match = /^```ts webhook-receiver-example\n([\s\S]*?)^```$/m.exec(readme);
  if (!match?.[1]) throw new Error('README.md has no `ts webhook-receiver-example` block');
  return match[1];
}

it("the README's webhook receiver verifies a real delivery and refuses a forged one", async () => {
  // On a manual clock that starts at the real time: the receiver checks webhook-timestamp against its own.
  const clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000);
  const folder = temporaryDirectory();
  const upstream = await startFakeSegmind({ clock });
  const gateway = await startGateway({
    upstream,
    clock,
    databasePath: `${folder.path}/jobs.sqlite`,
    environment: { ALLOW_PRIVATE_URLS: 'true' },
  });
  cleanup(
    folder.remove,
    () => upstream.close(),
    () => gateway.close(),
  );
  const answer = await gateway.graphql<{ viewer: { webhookSecret: string } }>('{ viewer { webhookSecret } }');

  const app = appFolder();
  cleanup(app.remove);
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', app.write('receiver.ts', receiverSnippet())], {
    cwd: app.path,
    env: { ...process.env, PORT: String(port), WAN_I2V_WEBHOOK_SECRET: answer.data?.viewer.webhookSecret },
  });
  cleanup(() => child.kill('SIGKILL'));
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => {
    output.stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output.stderr += chunk.toString();
  });

  const url = `http://127.0.0.1:${port}/hooks/wan-i2v`;
  const forged = () =>
    fetch(url, {
      method: 'POST',
      headers: {
        'webhook-id': 'msg_forged',
        'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
        'webhook-signature': 'v1,Zm9yZ2Vk',
      },
      body: '{"type":"video_job.completed","data":{}}',
    }).then(
      (response) => response.status,
      () => 'not listening yet',
    );
  await expect.poll(forged, { timeout: 20_000, interval: 100 }).toBe(400);

  const id = await createJob(gateway, { webhookUrl: url });
  await runUntil(clock, gateway, () => statusOf(gateway, id) === 'COMPLETED', 60_000);
  await expect.poll(() => output.stdout, { timeout: 5000 }).not.toBe('');
  // The forged requests were refused unlogged; the real event was logged once.
  expect(output.stdout.trim().split('\n'), output.stderr).toEqual([
    expect.stringMatching(`^video_job.completed ${id} http`),
  ]);
});
