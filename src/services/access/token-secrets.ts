import { createHash, randomInt, timingSafeEqual } from 'node:crypto';

/** Every token starts so, which makes a leaked one easy to spot (secret scanners, logs). */
const tokenPrefix = 'wan_';
const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** 43 base62 characters: 256 bits of entropy. */
const randomLength = 43;
const tokenPattern = new RegExp(`^${tokenPrefix}[0-9A-Za-z]{32,128}$`);

/** A new token: the prefix and 43 characters drawn uniformly from base62 by the system's CSPRNG. */
export function newTokenSecret(): string {
  let random = '';
  for (let index = 0; index < randomLength; index++) random += alphabet[randomInt(alphabet.length)];
  return `${tokenPrefix}${random}`;
}

/** True when the text has a token's shape; anything else is refused before any lookup. */
export const looksLikeToken = (text: string): boolean => tokenPattern.test(text);

/** What is stored and looked up: the lower-case hex SHA-256 of the whole token. */
export const hashTokenSecret = (secret: string): string => createHash('sha256').update(secret, 'utf8').digest('hex');

/** Compares two hashes in constant time, so a lookup's timing says nothing of how much of a hash matched. */
export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}
