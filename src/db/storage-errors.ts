import SQLite from 'better-sqlite3';

/** SQLite result codes that mean the disk or file cannot take writes now (full, read-only, I/O error, locked). */
const unavailableCodes = /^SQLITE_(FULL|READONLY|IOERR|BUSY|LOCKED|CANTOPEN|PROTOCOL)/;

/** True when a write failed because of the storage, not because of the data: trying later may work. */
export function isStorageUnavailable(error: unknown): error is InstanceType<typeof SQLite.SqliteError> {
  return error instanceof SQLite.SqliteError && unavailableCodes.test(error.code);
}
