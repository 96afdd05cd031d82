/**
 * Runs the client snippets of README.md against a real gateway, so that they cannot rot.
 *
 * To add one: put it in the README as a fenced block whose info string is `ts client-example=<name>` (run
 * with tsx, and compiled with tsc --strict) or `sh client-example=<name>` (run with bash). It runs in an app
 * folder holding a copy of starter-kit/ (so `./generated/...` and `./relay/__generated__/...` resolve) and the
 * project's node_modules, with WAN_I2V_URL (the gateway's /graphql), WAN_I2V_TOKEN (a jobs:read and
 * jobs:write token: the gateway requires one) and WAN_I2V_JOB_ID (a job of that token's owner, PENDING).
 * Jobs stay PENDING until the snippet first writes to stdout; then time runs until every job has finished.
 * So a snippet creates its jobs before it first prints; it passes when it exits 0 and the last job status
 * it printed is COMPLETED.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../harness/build.js';
import { jobStatuses } from '../../src/domain/job.js';
import { dataField, requestAs } from '../support/auth.js';
import { cleanupAfterEach } from '../support/cleanup.js';
import { createVideoMutation } from '../support/gateway.js';
import { type AppFolder, appCompilerOptions, appFolder } from './support/app-folder.js';
import { clientsGatewayFixture } from './support/clients-gateway.js';
import { type ReadmeExample, readmeExamples } from './support/readme-examples.js';
import { runTool } from './support/run-tool.js';

const fixture = clientsGatewayFixture();
const cleanup = cleanupAfterEach();
const examples = readmeExamples();

/** An app folder that took the starter kit, with each snippet in a file of its own. */
function appWithExamples(): { app: AppFolder; files: Map<string, string> } {
  const app = appFolder();
  cleanup(app.remove);
  cpSync(join(projectRoot, 'starter-kit'), app.path, { recursive: true });
  // The photo the upload snippets send.
  cpSync(join(projectRoot, 'test/fixtures/python-logo.jpg'), join(app.path, 'cat.jpg'));
  const files = new Map(
    examples.map((example) => [example.name, app.write(`${example.name}.${example.language}`, example.code)]),
  );
  return { app, files };
}

/** What the process wrote, and when it first wrote to stdout and when it exited. */
function watchProcess(child: ChildProcess) {
  const output = { stdout: '', stderr: '' };
  let printed: () => void = () => undefined;
  const firstOutput = new Promise<void>((resolve) => {
    printed = resolve;
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    output.stdout += chunk.toString();
    printed();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output.stderr += chunk.toString();
  });
  const exited = new Promise<number | string>((resolve) =>
    child.on('close', (code, signal) => resolve(code ?? signal ?? '')),
  );
  return { output, firstOutput, exited };
}

const statusWords = new RegExp(`\\b(${jobStatuses.join('|')})\\b`, 'g');

describe('the client snippets of README.md', () => {
  it('are there for every client the Clients section covers', () => {
    const names = examples.map((example) => example.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(['apollo', 'urql', 'relay', 'graphql-ws', 'curl']));
  });

  it('compile under tsc --strict as in an app, TypeScript ones, with the starter kit they import', async () => {
    const { app, files } = appWithExamples();
    const typescript = examples
      .filter((example) => example.language === 'ts')
      .map((example) => files.get(example.name));
    app.write(
      'tsconfig.json',
      JSON.stringify({ compilerOptions: appCompilerOptions, files: typescript, include: ['generated'] }),
    );
    await runTool('tsc', ['-p', app.path]);
  });

  it.each(examples)(
    '$name: runs against a live gateway and follows a job to COMPLETED',
    async (example: ReadmeExample) => {
      const { app, files } = appWithExamples();
      const token = fixture.token(`readme-${example.name}`);
      const created = await requestAs(fixture.gateway.url, token, createVideoMutation, {
        input: { image: 'https://example.com/cat.png', prompt: 'a cat surfing a wave' },
      });
      const jobId = dataField<{ job: { id: string } }>(created, 'createVideo').job.id;

      const file = files.get(example.name) as string;
      const command = example.language === 'ts' ? [process.execPath, '--import', 'tsx', file] : ['bash', '-e', file];
      const child = spawn(command[0] as string, command.slice(1), {
        cwd: app.path,
        env: { ...process.env, WAN_I2V_URL: fixture.gateway.url, WAN_I2V_TOKEN: token, WAN_I2V_JOB_ID: jobId },
      });
      cleanup(() => child.kill('SIGKILL'));
      const { output, firstOutput, exited } = watchProcess(child);

      await Promise.race([firstOutput, exited]);
      await fixture.finishEveryJob();
      const exit = await exited;
      const report = `${example.name} exited ${exit}\n--- stdout\n${output.stdout}--- stderr\n${output.stderr}`;
      expect(exit, report).toBe(0);
      expect([...output.stdout.matchAll(statusWords)].at(-1)?.[0], report).toBe('COMPLETED');
    },
  );
});
