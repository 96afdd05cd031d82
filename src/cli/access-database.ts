import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, loadConfig } from '../config.js';
import { type Database, openDatabase } from '../db/connection.js';
import { isStorageUnavailable } from '../db/storage-errors.js';
import type { OwnerLimits } from '../domain/access.js';
import { QuotaService } from '../services/access/quotas.js';
import { TokenService } from '../services/access/token-service.js';
import { systemClock } from '../services/clock.js';
import { CliError } from './errors.js';

/** The server's access services, on its own database file. */
export interface Access {
  tokens: TokenService;
  quotas: QuotaService;
  /** Absolute, so that output can say which file was used. */
  databasePath: string;
  /** The defaults this environment's DEFAULT_* give; the server applies those of its own environment. */
  defaults: OwnerLimits;
}

/**
 * Runs `work` on the server's database (DATABASE_PATH, migrated on open as the server does) and closes it.
 * A missing file is created only where the command writes something worth keeping: for a lookup, a typo
 * in the path or the wrong folder would otherwise look like a database without tokens.
 */
export function withAccess<T>(
  environment: NodeJS.ProcessEnv,
  missing: 'create' | 'refuse',
  work: (access: Access) => T,
): T {
  const config = loadCliConfig(environment);
  const databasePath = config.databasePath === ':memory:' ? ':memory:' : resolve(config.databasePath);
  if (missing === 'refuse' && databasePath !== ':memory:' && !existsSync(databasePath)) {
    throw new CliError(
      `no database at ${databasePath}: set DATABASE_PATH to the server's (relative paths start from the current folder)`,
    );
  }
  let database: Database;
  try {
    database = openDatabase(databasePath);
  } catch (error) {
    throw new CliError(`cannot open the database at ${databasePath}: ${messageOf(error)}`);
  }
  try {
    return work({
      tokens: new TokenService(database, systemClock),
      quotas: new QuotaService(database, systemClock, config.access),
      databasePath,
      defaults: config.access.defaults,
    });
  } catch (error) {
    if (isStorageUnavailable(error))
      throw new CliError(`the database at ${databasePath} is unavailable: ${error.message}`);
    throw error;
  } finally {
    database.close();
  }
}

function loadCliConfig(environment: NodeJS.ProcessEnv) {
  try {
    return loadConfig(environment);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message);
    throw error;
  }
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
