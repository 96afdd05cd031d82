import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../../harness/build.js';

export interface ReadmeExample {
  /** The name after `client-example=`. */
  name: string;
  /** The fence's language: `ts` runs with tsx, `sh` with bash. */
  language: 'ts' | 'sh';
  code: string;
}

const fence = /^```(ts|sh) client-example=([\w-]+)\n([\s\S]*?)^```$/gm;

/** Every fenced block of README.md tagged `client-example=<name>`, in order. */
export function readmeExamples(): ReadmeExample[] {
  const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');
  return [...readme.matchAll(fence)].map(([, language, name, code]) => ({
    name: name as string,
    language: language as ReadmeExample['language'],
    code: code as string,
  }));
}
