import { type Command, Option } from 'commander';
import { type Scope, scopes } from '../../domain/access.js';
import type { ApiToken } from '../../services/access/token-service.js';
import { parseOwner, parseScopes, parseTokenId, parseTokenName } from '../arguments.js';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { fields, formatTime, outputFor, printable, table } from '../output.js';
import { registerLimitsCommand } from './token-limits.js';

const defaultScopes: readonly Scope[] = ['jobs:read', 'jobs:write'];

/** SQLite and the services load on use: --help, and later the job commands, need none of them. */
const accessDatabase = () => import('../access-database.js');

const databaseHelp = `
Works on the server's SQLite file directly, whether the server runs or not:
DATABASE_PATH (default ./data/wan-i2v.sqlite, relative to the current folder),
migrated on open as the server does.`;

/** `wan-i2v tokens ...`: contract section 5, for operators on the gateway's machine. */
export function registerTokenCommands(program: Command, context: CliContext): void {
  const tokens = program.command('tokens').description("make, list and revoke access tokens; set owners' quotas");

  tokens
    .command('create')
    .description('make a token for an owner and print its secret, the only time it is shown')
    .requiredOption('--owner <owner>', 'whose jobs and quotas the token shares (letters, digits, . _ @ -)', parseOwner)
    .addOption(
      new Option('--scopes <list>', `comma list of ${scopes.join(', ')} (admin includes both job scopes)`)
        .argParser(parseScopes)
        .default(defaultScopes, defaultScopes.join(',')),
    )
    .option('--name <name>', 'a note for operators, e.g. the app or device', parseTokenName)
    .action(async (options: { owner: string; scopes: Scope[]; name?: string }, command: Command) => {
      const output = outputFor(context.streams, command);
      const { withAccess } = await accessDatabase();
      const { secret, token, databasePath } = withAccess(context.environment, 'create', (access) => ({
        ...access.tokens.create({ owner: options.owner, scopes: options.scopes, name: options.name || null }),
        databasePath: access.databasePath,
      }));
      output.result({ secret, token }, () =>
        [
          `Token ${token.id} for ${token.owner}, in ${databasePath}.`,
          'Copy the secret now: only its hash is kept, so it cannot be shown again.',
          '',
          `  ${secret}`,
          '',
          fields(tokenFields(token)),
          '',
          'Clients send it as: Authorization: Bearer <secret>',
        ].join('\n'),
      );
    });

  tokens
    .command('list')
    .description('every token, oldest first: never a secret (only hashes are stored)')
    .action(async (_options: unknown, command: Command) => {
      const output = outputFor(context.streams, command);
      const { withAccess } = await accessDatabase();
      const list = withAccess(context.environment, 'refuse', (access) => access.tokens.list());
      output.result(list, () =>
        list.length === 0
          ? 'No tokens yet; make one with: wan-i2v tokens create --owner <owner>'
          : table(list, columns),
      );
    });

  tokens
    .command('revoke')
    .description('revoke a token: requests with it are refused at once; revoking it again changes nothing')
    .argument('<id>', 'the token id, as tokens list shows it', parseTokenId)
    .action(async (id: number, _options: unknown, command: Command) => {
      const output = outputFor(context.streams, command);
      const { withAccess } = await accessDatabase();
      const { token, alreadyRevoked } = withAccess(context.environment, 'refuse', (access) => {
        const before = access.tokens.list().find((candidate) => candidate.id === id);
        if (before?.revokedAt) return { token: before, alreadyRevoked: true };
        const revoked = before && access.tokens.revoke(id);
        if (!revoked) throw new CliError(`no token with id ${id} in ${access.databasePath} (see: wan-i2v tokens list)`);
        return { token: revoked, alreadyRevoked: false };
      });
      const who = `Token ${token.id} (owner ${token.owner}${token.name ? `, ${printable(token.name)}` : ''})`;
      output.result({ token, alreadyRevoked }, () =>
        alreadyRevoked
          ? `${who} was already revoked at ${formatTime(token.revokedAt)}; nothing changed.`
          : `${who} revoked: requests with it are refused from now on.`,
      );
    });

  registerLimitsCommand(tokens, context);
  for (const command of [tokens, ...tokens.commands]) command.addHelpText('after', databaseHelp);
}

const tokenFields = (token: ApiToken): [string, string][] => [
  ['id', String(token.id)],
  ['owner', token.owner],
  ['name', token.name ?? '-'],
  ['scopes', token.scopes.join(',')],
  ['created', formatTime(token.createdAt)],
];

const columns = [
  { header: 'id', value: (token: ApiToken) => String(token.id) },
  { header: 'owner', value: (token: ApiToken) => token.owner },
  { header: 'name', value: (token: ApiToken) => token.name ?? '-' },
  { header: 'scopes', value: (token: ApiToken) => token.scopes.join(',') },
  { header: 'created', value: (token: ApiToken) => formatTime(token.createdAt) },
  { header: 'last used', value: (token: ApiToken) => formatTime(token.lastUsedAt) },
  { header: 'revoked', value: (token: ApiToken) => formatTime(token.revokedAt) },
];
