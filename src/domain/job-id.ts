/**
 * The one codec of a job's public ids: the Relay global id (`base64("VideoJob:<n>")`, the format Pothos
 * uses for every node) and the opaque pagination cursor. Schema, tests and later the CLI and media links
 * all go through here.
 */

const jobTypename = 'VideoJob';
const typenamePattern = /^[A-Z_a-z]\w*$/;

export function encodeGlobalId(typename: string, id: number | string | bigint): string {
  return Buffer.from(`${typename}:${id}`, 'utf8').toString('base64');
}

/** `{ typename, id }` of a global id, or undefined when the text is not one. */
export function decodeGlobalId(globalId: string): { typename: string; id: string } | undefined {
  const text = Buffer.from(globalId, 'base64').toString('utf8');
  const separator = text.indexOf(':');
  if (separator < 0) return undefined;
  const typename = text.slice(0, separator);
  const id = text.slice(separator + 1);
  return typenamePattern.test(typename) && id !== '' ? { typename, id } : undefined;
}

/** A positive safe integer from its decimal text, or undefined. */
function databaseId(text: string): number | undefined {
  if (!/^[1-9]\d*$/.test(text)) return undefined;
  const number = Number(text);
  return Number.isSafeInteger(number) ? number : undefined;
}

export const encodeJobId = (id: number): string => encodeGlobalId(jobTypename, id);

/** A job's database id from its global id, or undefined when the id names no video job. */
export function decodeJobId(globalId: string): number | undefined {
  const decoded = decodeGlobalId(globalId);
  return decoded?.typename === jobTypename ? databaseId(decoded.id) : undefined;
}

const cursorPrefix = `${jobTypename}:`;

export const encodeJobCursor = (id: number): string => Buffer.from(`${cursorPrefix}${id}`).toString('base64url');

/** The job id a cursor points after, or undefined when the text is not a cursor of ours. */
export function decodeJobCursor(cursor: string): number | undefined {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  return text.startsWith(cursorPrefix) ? databaseId(text.slice(cursorPrefix.length)) : undefined;
}
