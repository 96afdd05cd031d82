import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../../../harness/build.js';

/** Runs a command line tool the project installs, in the project's root; rejects with its output if it fails. */
export async function runTool(name: string, args: string[]): Promise<void> {
  const tool = join(projectRoot, 'node_modules', '.bin', name);
  // Vitest sets NODE_ENV=test, under which graphql-codegen leaves out what failed.
  const { NODE_ENV: _, ...env } = process.env;
  await promisify(execFile)(process.execPath, [tool, ...args], { cwd: projectRoot, env }).catch(
    (error: { stdout: string; stderr: string }) => Promise.reject(new Error(`${name}: ${error.stderr}${error.stdout}`)),
  );
}
