import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { projectRoot } from '../../../harness/build.js';
import { temporaryDirectory } from '../../../harness/temporary-directory.js';

export interface AppFolder {
  path: string;
  /** Writes `content` to `file` (relative to the folder, parents made) and returns its absolute path. */
  write(file: string, content: string): string;
  remove(): void;
}

/**
 * A folder laid out like an app that uses this API: an ES-module package.json and the project's node_modules
 * linked in, so that code written there imports the client packages this repository installs as dev
 * dependencies, while living outside the repository, as an app would.
 */
export function appFolder(): AppFolder {
  const folder = temporaryDirectory();
  symlinkSync(join(projectRoot, 'node_modules'), join(folder.path, 'node_modules'), 'dir');
  const write = (file: string, content: string) => {
    const path = join(folder.path, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    return path;
  };
  write('package.json', `${JSON.stringify({ name: 'app', private: true, type: 'module' })}\n`);
  return { path: folder.path, write, remove: folder.remove };
}

/** The compiler options of a typical app, whose bundler resolves its imports, under --strict. */
export const appCompilerOptions = {
  strict: true,
  noEmit: true,
  target: 'ES2022',
  module: 'ESNext',
  moduleResolution: 'Bundler',
  verbatimModuleSyntax: true,
  resolveJsonModule: true,
  skipLibCheck: true,
};
