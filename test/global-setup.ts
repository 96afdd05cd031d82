import type { TestProject } from 'vitest/node';
import { buildDist } from '../harness/build.js';

/** Builds dist/ once per run, before any test: the process tests start the gateway from it, as `npm start` does. */
export default function setup(project: TestProject): void {
  buildDist();
  // In watch mode, each rerun gets a build of the sources it tests.
  project.onTestsRerun(() => buildDist());
}
