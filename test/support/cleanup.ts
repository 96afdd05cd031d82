import { afterEach } from 'vitest';

type Cleanup = () => unknown;

/** Returns a function that registers cleanups; after each test they run, the last registered first. */
export function cleanupAfterEach(): (...cleanups: Cleanup[]) => void {
  const pending: Cleanup[] = [];
  afterEach(async () => {
    for (const cleanup of pending.splice(0).reverse()) await cleanup();
  });
  return (...cleanups) => {
    pending.push(...cleanups);
  };
}
