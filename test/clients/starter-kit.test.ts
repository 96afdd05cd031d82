import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../harness/build.js';
import { cleanupAfterEach } from '../support/cleanup.js';
import { appFolder } from './support/app-folder.js';
import { runTool } from './support/run-tool.js';

const cleanup = cleanupAfterEach();
const generatedFolder = 'starter-kit/generated';

/** Every file under `folder`, relative to it. */
const filesUnder = (folder: string): string[] =>
  readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(folder, join(entry.parentPath, entry.name)))
    .sort();

describe('the starter kit (npm run starter-kit:generate)', () => {
  it('is generated from the current schema (readme-examples.test.ts compiles it with the snippets)', async () => {
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
  });

  it('has Relay artifacts that relay-compiler --validate finds up to date with the schema', async () => {
    await runTool('relay-compiler', ['--validate', '--output', 'quiet-with-errors', 'starter-kit/relay.config.json']);
  });
});
