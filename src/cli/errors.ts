/** Exit codes of contract section 7: scripts branch on them. */
export const exitCodes = {
  done: 0,
  /** Reserved for the job commands: the job itself failed. */
  jobFailed: 1,
  /** Bad arguments, or the database or server could not be reached. */
  usage: 2,
} as const;

export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];

/** A failure the operator can act on: its message is printed as it is, never with a stack. */
export class CliError extends Error {
  override name = 'CliError';

  constructor(
    message: string,
    readonly exitCode: ExitCode = exitCodes.usage,
  ) {
    super(message);
  }
}
