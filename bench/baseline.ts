/**
 * Today's gateway, built from a git commit beside this checkout, so that one benchmark run measures it and
 * the new code on the same machine at the same moment ("side by side").
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Build } from './context.js';

/**
 * The last commit before the performance work (issue 11): the figures the targets are measured
 * against. `--baseline=<ref>` picks another.
 */
export const defaultBaselineRef = '6253386';

/** Builds `ref` once into node_modules/.cache (reused by later runs) with this checkout's dependencies. */
export function baselineBuild(root: string, ref: string): Build {
  const commit = execFileSync('git', ['rev-parse', '--short', `${ref}^{commit}`], { cwd: root })
    .toString()
    .trim();
  const folder = join(root, 'node_modules', '.cache', 'wan-bench-baseline', commit);
  const entry = join(folder, 'dist', 'main.js');
  if (!existsSync(entry)) {
    mkdirSync(folder, { recursive: true });
    execFileSync('sh', ['-c', `git archive ${commit} | tar -x -C "${folder}"`], { cwd: root });
    if (!existsSync(join(folder, 'node_modules')))
      symlinkSync(join(root, 'node_modules'), join(folder, 'node_modules'));
    execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-b', 'tsconfig.build.json'], { cwd: folder });
  }
  return { label: `before (${commit})`, entry };
}
