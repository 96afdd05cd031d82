import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const projectRoot = fileURLToPath(new URL('..', import.meta.url));

/**
 * `npm run build`: compiles src/ into dist/, which the gateway processes run, as `npm start` does. The
 * build skips itself when dist/ is newer than every source, so a second call costs about a second.
 */
export function buildDist(): void {
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: projectRoot, stdio: 'inherit' });
}
