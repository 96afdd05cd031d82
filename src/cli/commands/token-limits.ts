import type { Command } from 'commander';
import { localOwner, type OwnerLimits } from '../../domain/access.js';
import { defaultKeyword, type LimitArgument, parseJobLimit, parseOwner, parseUsdLimit } from '../arguments.js';
import type { CliContext } from '../context.js';
import { outputFor, table } from '../output.js';

interface LimitsOptions {
  owner: string;
  maxActive?: LimitArgument;
  jobsPerMinute?: LimitArgument;
  dailySpendUsd?: LimitArgument;
}

const limitsHelp = `
Each flag takes a value, or the word ${defaultKeyword}: that clears the owner's own
setting, so the server's default applies again (DEFAULT_MAX_ACTIVE_JOBS,
DEFAULT_JOBS_PER_MINUTE, DEFAULT_DAILY_SPEND_USD). Flags left out keep what is
set; without any, the command only shows the limits. An owner cannot be exempted
from a default cap: give it a high value instead. The defaults shown are those
of this command's environment, so run it with the server's.

Examples:
  wan-i2v tokens limits --owner alice --max-active 3 --daily-spend-usd 20
  wan-i2v tokens limits --owner alice --max-active ${defaultKeyword}`;

/** `wan-i2v tokens limits`: an owner's quotas, through the same service that enforces them. */
export function registerLimitsCommand(tokens: Command, context: CliContext): void {
  tokens
    .command('limits')
    .description("show an owner's quotas, or set them with the flags below")
    .requiredOption('--owner <owner>', 'the owner whose quotas to show or set', parseOwner)
    .option('--max-active <n>', 'unfinished jobs at once (0 refuses new jobs)', parseJobLimit)
    .option('--jobs-per-minute <n>', 'new jobs in any 60 s', parseJobLimit)
    .option('--daily-spend-usd <usd>', "USD per UTC day: today's known costs plus estimates", parseUsdLimit)
    .addHelpText('after', limitsHelp)
    .action(async (options: LimitsOptions, command: Command) => {
      const output = outputFor(context.streams, command);
      // Loaded on use, as in tokens.ts: --help needs no SQLite.
      const { withAccess } = await import('../access-database.js');
      const changes: Partial<OwnerLimits> = {};
      if (options.maxActive !== undefined) changes.maxActiveJobs = setting(options.maxActive);
      if (options.jobsPerMinute !== undefined) changes.jobsPerMinute = setting(options.jobsPerMinute);
      if (options.dailySpendUsd !== undefined) changes.dailySpendUsd = setting(options.dailySpendUsd);
      const changing = Object.keys(changes).length > 0;

      const { limits, defaults, hasTokens } = withAccess(
        context.environment,
        changing ? 'create' : 'refuse',
        (access) => ({
          limits: changing ? access.quotas.setLimits(options.owner, changes) : access.quotas.limitsFor(options.owner),
          defaults: access.defaults,
          hasTokens: access.tokens.list().some((token) => token.owner === options.owner),
        }),
      );
      // Owners exist only through their tokens, so a typo would otherwise set limits nobody has.
      if (!hasTokens && options.owner !== localOwner) {
        output.note(`note: no token has owner ${options.owner} yet; these limits apply to its tokens once made`);
      }
      output.result({ owner: options.owner, limits, defaults }, () =>
        [
          changing ? `Limits of ${options.owner}, now in force:` : `Limits of ${options.owner}:`,
          table(rows, [
            { header: 'limit', value: (row) => row.label },
            { header: 'in force', value: (row) => shown(limits[row.quota]) },
            { header: 'default', value: (row) => shown(defaults[row.quota]) },
          ]),
        ].join('\n'),
      );
    });
}

const rows: { quota: keyof OwnerLimits; label: string }[] = [
  { quota: 'maxActiveJobs', label: 'max active jobs' },
  { quota: 'jobsPerMinute', label: 'jobs per minute' },
  { quota: 'dailySpendUsd', label: 'daily spend (USD)' },
];

/** What `setLimits` takes: null puts the default back. */
const setting = (limit: LimitArgument): number | null => (limit === defaultKeyword ? null : limit);

const shown = (limit: number | null): string => (limit === null ? 'no cap' : String(limit));
