import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import SQLite, { type RunResult } from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import * as tables from './tables.js';

/** What queries run on: the database, or a transaction on it. */
export type Queryable = BaseSQLiteDatabase<'sync', RunResult, typeof tables>;

export interface Database {
  db: Queryable;
  /** Runs `work` in one `BEGIN IMMEDIATE` transaction: it takes the write lock up front, so it waits rather than deadlocks. */
  writeTransaction<T>(work: (db: Queryable) => T): T;
  /** Changes whenever another connection (the CLI, another process) commits: when caches must be dropped. */
  dataVersion(): number;
  close(): void;
}

const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));

/** How long a write waits for another connection's lock before giving up. */
const busyTimeoutMs = 5000;
const synchronousFull = 2;

export function openDatabase(path: string): Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SQLite(path);
  sqlite.pragma(`busy_timeout = ${busyTimeoutMs}`);
  sqlite.pragma('journal_mode = WAL');
  // A job row is money spent: a commit must survive power loss, which WAL's default NORMAL does not promise.
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  // Checked, not assumed: a pragma SQLite cannot honour is silently ignored.
  const journalMode = sqlite.pragma('journal_mode', { simple: true });
  const synchronous = sqlite.pragma('synchronous', { simple: true });
  if ((path !== ':memory:' && journalMode !== 'wal') || synchronous !== synchronousFull) {
    sqlite.close();
    throw new Error(
      `SQLite at ${path} runs journal_mode=${String(journalMode)}, synchronous=${String(synchronous)}; need wal and FULL`,
    );
  }
  const db = drizzle(sqlite, { schema: tables });
  const dataVersion = sqlite.prepare('PRAGMA data_version');
  migrate(db, { migrationsFolder });

  return {
    db,
    writeTransaction: (work) => db.transaction(work, { behavior: 'immediate' }),
    dataVersion: () => dataVersion.pluck().get() as number,
    close: () => {
      if (sqlite.open) sqlite.close();
    },
  };
}
