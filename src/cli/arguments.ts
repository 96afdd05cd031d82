import { InvalidArgumentError } from 'commander';
import { ownerNamePattern, type Scope, scopes, tokenNameMaxLength } from '../domain/access.js';

/** Commander argument parsers: a bad value stops the command before anything is opened or written. */

export function parseOwner(value: string): string {
  if (!ownerNamePattern.test(value)) {
    throw new InvalidArgumentError('An owner is 1 to 64 letters, digits and . _ @ -, starting with a letter or digit.');
  }
  return value;
}

export function parseScopes(value: string): Scope[] {
  const named = value
    .split(',')
    .map((scope) => scope.trim())
    .filter((scope) => scope !== '');
  const unknown = named.filter((scope) => !(scopes as readonly string[]).includes(scope));
  if (unknown.length > 0) {
    throw new InvalidArgumentError(`Unknown scope ${unknown.join(', ')}; known: ${scopes.join(', ')}.`);
  }
  if (named.length === 0) throw new InvalidArgumentError(`Name at least one of ${scopes.join(', ')}.`);
  return [...new Set(named as Scope[])];
}

export function parseTokenName(value: string): string {
  if (value.length > tokenNameMaxLength) {
    throw new InvalidArgumentError(`A name is at most ${tokenNameMaxLength} characters.`);
  }
  return value;
}

export function parseTokenId(value: string): number {
  const id = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(id) || id < 1) throw new InvalidArgumentError('A token id is a whole number from 1.');
  return id;
}

/** What an operator writes to put a limit back to the server's default. */
export const defaultKeyword = 'default';

/**
 * A limit as given: a number, or the keyword kept as it is. Not null: commander turns a parser's null into
 * '', which SQLite would store and the quota check would read as 0.
 */
export type LimitArgument = number | typeof defaultKeyword;

/** A quota: a whole number of jobs, or `default`. */
export function parseJobLimit(value: string): LimitArgument {
  if (value === defaultKeyword) return defaultKeyword;
  const limit = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(limit) || limit > 1_000_000) {
    throw new InvalidArgumentError(`A whole number from 0 to 1000000, or ${defaultKeyword}.`);
  }
  return limit;
}

/** A spend cap in USD, cents allowed, or `default`. */
export function parseUsdLimit(value: string): LimitArgument {
  if (value === defaultKeyword) return defaultKeyword;
  if (!/^\d+(\.\d+)?$/.test(value) || !Number.isFinite(Number(value))) {
    throw new InvalidArgumentError(`An amount in USD such as 25 or 2.50, or ${defaultKeyword}.`);
  }
  return Number(value);
}
