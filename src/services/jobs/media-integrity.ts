import { crc32 } from 'node:zlib';
import type { ByteReader } from './byte-reader.js';
import type { AudioKind, ImageKind } from './media-sniffing.js';

/**
 * Whether a whole file is what its first bytes claim: sniffing reads only a header, so a PNG header over
 * garbage, or a file cut short on the way, would pass it. Used for uploads, once stored.
 */

/**
 * Why an image's bytes do not hold together, or undefined when they do: read from `reader` as the file streams
 * in (`sizeBytes` is its whole length), so the file is never held whole.
 */
export async function imageDamage(kind: ImageKind, reader: ByteReader, sizeBytes: number): Promise<string | undefined> {
  switch (kind) {
    case 'png':
      return pngDamage(reader);
    case 'jpeg':
      return jpegDamage(reader);
    case 'webp':
      return sizeBytes < (await reader.peek(8)).readUInt32LE(4) + 8 ? 'the WEBP file is cut short' : undefined;
    case 'bmp': {
      const declared = (await reader.peek(6)).readUInt32LE(2);
      return declared > sizeBytes ? 'the BMP file is cut short' : undefined;
    }
  }
}

/** Why audio's bytes do not hold together (a WAV whose data is shorter than its header says). */
export function audioDamage(kind: AudioKind, bytes: Buffer): string | undefined {
  if (kind !== 'wav') return undefined;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const size = bytes.readUInt32LE(offset + 4);
    if (bytes.toString('ascii', offset, offset + 4) === 'data') {
      // 0 and 0xFFFFFFFF are the placeholders of a WAV written as a stream; anything else must all be there.
      const placeholder = size === 0 || size === 0xffffffff;
      return !placeholder && offset + 8 + size > bytes.length ? 'the WAV file is cut short' : undefined;
    }
    offset += 8 + size + (size % 2);
  }
  return 'the WAV file has no data chunk';
}

/** Every chunk whole with its CRC right, IHDR first and IEND reached. */
async function pngDamage(reader: ByteReader): Promise<string | undefined> {
  await reader.pass(8);
  let first = true;
  // A chunk: length (4), type (4), data, CRC (4) of type and data.
  for (let head = await reader.peek(12); head.length === 12; head = await reader.peek(12)) {
    const length = head.readUInt32BE(0);
    const type = head.toString('latin1', 4, 8);
    if (first && type !== 'IHDR') return 'the PNG file does not start with its header chunk';
    first = false;
    await reader.pass(4);
    let crc = 0;
    if (!(await reader.pass(4 + length, (piece) => (crc = crc32(piece, crc))))) return 'the PNG file is cut short';
    const stored = await reader.peek(4);
    if (stored.length < 4) return 'the PNG file is cut short';
    if (crc !== stored.readUInt32BE(0)) return 'the PNG file is damaged (bad CRC)';
    if (type === 'IEND') return undefined;
    await reader.pass(4);
  }
  return 'the PNG file is cut short';
}

/** Segments well formed up to the scan, and the end-of-image marker after it. */
async function jpegDamage(reader: ByteReader): Promise<string | undefined> {
  await reader.pass(2);
  for (let head = await reader.peek(4); head.length === 4; head = await reader.peek(4)) {
    if (head[0] !== 0xff) return 'the JPEG file is damaged';
    const marker = head[1] ?? 0;
    if (marker === 0xff) {
      await reader.pass(1);
    } else if (marker === 0xda) {
      return (await endsImage(reader)) ? undefined : 'the JPEG file is cut short';
    } else if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      await reader.pass(2);
    } else {
      const length = head.readUInt16BE(2);
      if (length < 2) return 'the JPEG file is damaged';
      await reader.pass(2 + length);
    }
  }
  return 'the JPEG file is cut short';
}

/** Whether an end-of-image marker (FF D9) comes anywhere in the rest of the file, across chunks too. */
async function endsImage(reader: ByteReader): Promise<boolean> {
  let found = false;
  let previous = -1;
  await reader.pass(Number.POSITIVE_INFINITY, (piece) => {
    found ||= (previous === 0xff && piece[0] === 0xd9) || piece.includes(endOfImage);
    previous = piece[piece.length - 1] ?? previous;
  });
  return found;
}

const endOfImage = Buffer.from([0xff, 0xd9]);
