import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../harness/build.js';
import { cleanupAfterEach } from '../support/cleanup.js';
import { appFolder } from './support/app-folder.js';

const cleanup = cleanupAfterEach();
const generatedFolder = 'starter-kit/generated';

/** Runs a command line tool the project installs, in the project's root; rejects with its output if it fails. */
async function runTool(name: string, args: string[]): Promise<void> {
  const tool = join(projectRoot, 'node_modules', '.bin', name);
  // Vitest sets NODE_ENV=test, under which graphql-codegen leaves out what failed.
  const { NODE_ENV: _, ...env } = process.env;
  await promisify(execFile)(process.execPath, [tool, ...args], { cwd: projectRoot, env }).catch(
    (error: { stdout: string; stderr: string }) => Promise.reject(new Error(`${name}: ${error.stderr}${error.stdout}`)),
  );
}

/** Every file under `folder`, relative to it. */
const filesUnder = (folder: string): string[] =>
  readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(folder, join(entry.parentPath, entry.name)))
    .sort();

/** The compiler options of a typical app (a bundler resolves its imports), under --strict. */
const appTsconfig = {
  compilerOptions: {
    strict: true,
    noEmit: true,
    target: 'ES2022',
    module: 'ESNext',
    moduleResolution: 'Bundler',
    verbatimModuleSyntax: true,
    skipLibCheck: true,
  },
  include: ['generated'],
};

describe('the starter kit (npm run starter-kit:generate)', () => {
  it('is generated from the current schema, and its typed documents compile under tsc --strict', async () => {
    const app = appFolder();
    cleanup(app.remove);
    const output = join(app.path, 'generated');
    // The CLI and the config of `npm run starter-kit:generate`, writing into the app folder instead.
    const config = app.write(
      'codegen.ts',
      `import config from ${JSON.stringify(join(projectRoot, 'starter-kit', 'codegen.ts'))};
      const into = (file: string) => file.replace(${JSON.stringify(generatedFolder)}, ${JSON.stringify(output)});
      const generates = Object.entries(config.generates).map(([file, target]) => [into(file), target]);
      export default { ...config, generates: Object.fromEntries(generates) };`,
    );
    await runTool('graphql-codegen', ['--config', config]);

    const files = filesUnder(output);
    expect(filesUnder(join(projectRoot, generatedFolder)), 'files codegen no longer writes').toEqual(files);
    const stale = files.filter(
      (file) =>
        readFileSync(join(output, file), 'utf8') !== readFileSync(join(projectRoot, generatedFolder, file), 'utf8'),
    );
    expect(stale, `stale files under ${generatedFolder}: run npm run starter-kit:generate`).toEqual([]);

    app.write('tsconfig.json', JSON.stringify(appTsconfig));
    await runTool('tsc', ['-p', app.path]);
  });

  it('has Relay artifacts that relay-compiler --validate finds up to date with the schema', async () => {
    await runTool('relay-compiler', ['--validate', '--output', 'quiet-with-errors', 'starter-kit/relay.config.json']);
  });
});
