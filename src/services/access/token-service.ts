import { findToken, findTokenByHash, insertToken, listTokens, updateToken } from '../../db/access-queries.js';
import type { Database } from '../../db/connection.js';
import { isStorageUnavailable } from '../../db/storage-errors.js';
import type { ApiTokenRow } from '../../db/tables.js';
import { scopes as knownScopes, type Scope, type Viewer } from '../../domain/access.js';
import type { Clock } from '../clock.js';
import { hashTokenSecret, looksLikeToken, newTokenSecret, sameHash } from './token-secrets.js';

/** A token as operators see it: never its secret. */
export interface ApiToken {
  id: number;
  owner: string;
  scopes: Scope[];
  name: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export interface NewToken {
  owner: string;
  scopes: readonly Scope[];
  name?: string | null | undefined;
}

/** `lastUsedAt` is written at most this often per token: a write per request would cost an fsync each. */
const lastUsedResolutionMs = 60_000;
/** Tokens kept in memory at most; past it the cache starts over. */
const cacheLimit = 10_000;

// The hash is left out at run time too, not only in the type: callers print and serialise these objects.
const toApiToken = ({ secretHash: _secretHash, ...row }: ApiTokenRow): ApiToken => ({
  ...row,
  scopes: row.scopes.split(',').filter((scope): scope is Scope => (knownScopes as readonly string[]).includes(scope)),
});

/**
 * Makes, lists and revokes access tokens and tells who a presented token acts for. Only SHA-256 hashes
 * are stored. Known tokens are cached by hash; the cache is dropped whenever another connection (the CLI)
 * commits, so a revocation from anywhere takes effect on the next request.
 */
export class TokenService {
  private readonly cache = new Map<string, ApiTokenRow>();
  private cacheDataVersion = -1;

  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
  ) {}

  /** Makes a token; its secret is in the answer and nowhere else, ever. */
  create(token: NewToken): { secret: string; token: ApiToken } {
    const secret = newTokenSecret();
    const row = this.database.writeTransaction((tx) =>
      insertToken(tx, {
        secretHash: hashTokenSecret(secret),
        owner: token.owner,
        scopes: [...new Set(token.scopes)].join(','),
        name: token.name ?? null,
        createdAt: new Date(this.clock.now()),
        lastUsedAt: null,
        revokedAt: null,
      }),
    );
    return { secret, token: toApiToken(row) };
  }

  list(): ApiToken[] {
    return listTokens(this.database.db).map(toApiToken);
  }

  /** Revokes a token at once; undefined for an unknown id. Revoking twice keeps the first time. */
  revoke(id: number): ApiToken | undefined {
    const row = this.database.writeTransaction((tx) => {
      const current = findToken(tx, id);
      if (!current || current.revokedAt) return current;
      return updateToken(tx, id, { revokedAt: new Date(this.clock.now()) });
    });
    this.cache.clear();
    return row && toApiToken(row);
  }

  /** Who a presented token acts for; undefined when it is malformed, unknown or revoked. */
  authenticate(secret: string): Viewer | undefined {
    if (!looksLikeToken(secret)) return undefined;
    const hash = hashTokenSecret(secret);
    const row = this.lookup(hash);
    if (!row || row.revokedAt || !sameHash(row.secretHash, hash)) return undefined;
    this.noteUse(row);
    const token = toApiToken(row);
    return { owner: token.owner, scopes: token.scopes, tokenId: token.id };
  }

  private lookup(hash: string): ApiTokenRow | undefined {
    const version = this.database.dataVersion();
    if (version !== this.cacheDataVersion || this.cache.size >= cacheLimit) {
      this.cache.clear();
      this.cacheDataVersion = version;
    }
    let row = this.cache.get(hash);
    if (!row) {
      row = findTokenByHash(this.database.db, hash);
      if (row) this.cache.set(hash, row);
    }
    return row;
  }

  private noteUse(row: ApiTokenRow): void {
    const now = this.clock.now();
    if (row.lastUsedAt && now - row.lastUsedAt.getTime() < lastUsedResolutionMs) return;
    try {
      const updated = updateToken(this.database.db, row.id, { lastUsedAt: new Date(now) });
      if (updated) this.cache.set(row.secretHash, updated);
    } catch (error) {
      // Only a hint for operators: a disk that cannot take it must not refuse the request.
      if (!isStorageUnavailable(error)) throw error;
    }
  }
}
