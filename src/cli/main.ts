import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerTokenCommands } from './commands/tokens.js';
import type { CliContext } from './context.js';
import { CliError, exitCodes } from './errors.js';

const exitCodeHelp = `
Output is text on a terminal and JSON otherwise; --json and --no-json choose.
Exit codes: 0 done, 1 the job failed, 2 usage or connection error.`;

/** The `wan-i2v` program; each command group registers itself, so that groups inherit these settings. */
export function createProgram(context: CliContext): Command {
  const program = new Command('wan-i2v')
    .description('Operate the wan-i2v gateway: access tokens and quotas.')
    .version(packageVersion(), '-V, --version')
    .option('--json', 'print JSON (the default when stdout is not a terminal)')
    .option('--no-json', 'print tables even when stdout is not a terminal')
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({
      writeOut: (text) => context.streams.stdout.write(text),
      writeErr: (text) => context.streams.stderr.write(text),
    })
    .showHelpAfterError('(add --help for usage)')
    // Commander would exit the process itself, with 1: the job-failed code.
    .exitOverride()
    .addHelpText('after', exitCodeHelp);
  registerTokenCommands(program, context);
  return program;
}

/** Runs one command line (`process.argv` form) and answers its exit code; never throws. */
export async function main(argv: readonly string[], context: CliContext = processContext()): Promise<number> {
  try {
    await createProgram(context).parseAsync(argv);
    return exitCodes.done;
  } catch (error) {
    // Commander has printed its own message, or the help or version asked for.
    if (error instanceof CommanderError) return error.exitCode === 0 ? exitCodes.done : exitCodes.usage;
    if (error instanceof CliError) {
      context.streams.stderr.write(`error: ${error.message}\n`);
      return error.exitCode;
    }
    // A bug, not the operator's doing: the stack is for the issue they will open.
    context.streams.stderr.write(`error: unexpected failure, please report it\n${stackOf(error)}\n`);
    return exitCodes.usage;
  }
}

const processContext = (): CliContext => ({
  streams: { stdout: process.stdout, stderr: process.stderr },
  environment: process.env,
});

const stackOf = (error: unknown): string => (error instanceof Error ? (error.stack ?? error.message) : String(error));

function packageVersion(): string {
  // src/cli and dist/cli are both two levels below package.json.
  const manifest: unknown = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  return typeof manifest === 'object' && manifest !== null && 'version' in manifest ? String(manifest.version) : '';
}
