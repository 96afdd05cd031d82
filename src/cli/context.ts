import type { CliStreams } from './output.js';

/** What commands take from the process, passed in rather than read from globals. */
export interface CliContext {
  streams: CliStreams;
  environment: NodeJS.ProcessEnv;
}
