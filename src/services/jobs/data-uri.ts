/** Reading base64 data: URIs once, with their size bounded before and after decoding. */

/** The header (`data:<type>;<params>;base64,`) a URI may have; more is refused with the rest. */
const maxHeaderLength = 256;
/** Line breaks a client may wrap its base64 with (MIME wraps at 76 characters: under 3 %). */
const whitespaceAllowance = 1 / 16;

/** The longest raw string that can hold a data: URI of `maxBytes` bytes: anything longer is refused unread. */
export function maxDataUriLength(maxBytes: number): number {
  const encoded = Math.ceil(maxBytes / 3) * 4;
  return maxHeaderLength + Math.ceil(encoded * (1 + whitespaceAllowance));
}

export const tooLarge = (maxBytes: number) => `data: URI is larger than ${maxBytes / 1024 / 1024} MB`;

const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/;
/** ASCII whitespace, as the WHATWG forgiving base64 decode skips it. */
const asciiWhitespace = /[\t\n\f\r ]+/g;

export type DecodedDataUri = { bytes: Buffer } | { problem: string };

/**
 * Decodes a base64 data: URI (whitespace in the payload tolerated), checking the decoded size against
 * `maxBytes`. The declared type is ignored: callers sniff the bytes.
 */
export function decodeDataUri(value: string, maxBytes: number): DecodedDataUri {
  const comma = value.indexOf(',');
  const header = comma === -1 ? '' : value.slice(5, comma);
  if (comma === -1 || !header.split(';').includes('base64')) {
    return { problem: 'data: URI must be base64 encoded (data:<type>;base64,<data>)' };
  }
  if (comma > maxHeaderLength) return { problem: `data: URI header is longer than ${maxHeaderLength} characters` };
  const encoded = value.slice(comma + 1).replace(asciiWhitespace, '');
  if (encoded.length === 0 || encoded.length % 4 === 1 || !base64Pattern.test(encoded)) {
    return { problem: 'data: URI payload is not valid base64' };
  }
  // The exact decoded length, known before a byte is allocated.
  const padding = encoded.endsWith('==') ? 2 : encoded.endsWith('=') ? 1 : 0;
  if (Math.floor((encoded.length * 3) / 4) - padding > maxBytes) return { problem: tooLarge(maxBytes) };
  return { bytes: Buffer.from(encoded, 'base64') };
}
