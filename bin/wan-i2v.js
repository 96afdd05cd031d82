#!/usr/bin/env node
// The CLI is compiled TypeScript: `npm install` / `npm ci` build dist/ (the prepare script), `npm run build` refreshes it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (existsSync(entry)) {
  const { main } = await import(entry.href);
  // Not process.exit(): that could cut off output still on its way into a pipe.
  process.exitCode = await main(process.argv);
} else {
  const root = fileURLToPath(new URL('..', import.meta.url));
  process.stderr.write(`error: wan-i2v is not built (no ${fileURLToPath(entry)}): run npm run build in ${root}\n`);
  process.exitCode = 2;
}
