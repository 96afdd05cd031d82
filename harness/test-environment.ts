/**
 * The settings a gateway under test starts from, in-process or as a child process: a fake Segmind at
 * `upstreamUrl`, polls every 100-200 ms, a call budget and quotas that never bind, a 5 s limit on a hung call, and
 * no URL pre-check.
 */
export const testEnvironment = (upstreamUrl: string): Record<string, string> => ({
  SEGMIND_API_KEY: 'test-key',
  SEGMIND_BASE_URL: upstreamUrl,
  SEGMIND_TIMEOUT_MS: '5000',
  POLL_MIN_INTERVAL_MS: '100',
  POLL_MAX_INTERVAL_MS: '200',
  POLL_TARGET_DELAY_MS: '100',
  SEGMIND_RPM: '10000',
  // Bursts of jobs are what many tests and benchmarks are about; the quota tests set their own limits.
  DEFAULT_MAX_ACTIVE_JOBS: '100000',
  DEFAULT_JOBS_PER_MINUTE: '100000',
  // Tests and benchmarks name images at https://example.com, which this need not reach; the pre-check's own
  // tests turn it on and serve their images on loopback.
  URL_PRECHECK: 'false',
  LOG_LEVEL: 'warn',
});
