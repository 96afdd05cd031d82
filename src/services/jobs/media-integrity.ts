import { crc32 } from 'node:zlib';
import type { AudioKind, ImageKind } from './media-sniffing.js';

/**
 * Whether a whole file is what its first bytes claim: sniffing reads only a header, so a PNG header over
 * garbage, or a file cut short on the way, would pass it. Used where the gateway holds the whole file.
 */

/** Why an image's bytes do not hold together, or undefined when they do. */
export function imageDamage(kind: ImageKind, bytes: Buffer): string | undefined {
  switch (kind) {
    case 'png':
      return pngDamage(bytes);
    case 'jpeg':
      return jpegDamage(bytes);
    case 'webp':
      return bytes.length < bytes.readUInt32LE(4) + 8 ? 'the WEBP file is cut short' : undefined;
    case 'bmp': {
      const declared = bytes.readUInt32LE(2);
      return declared > bytes.length ? 'the BMP file is cut short' : undefined;
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
function pngDamage(bytes: Buffer): string | undefined {
  let offset = 8;
  let first = true;
  while (offset + 12 <= bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString('latin1', offset + 4, offset + 8);
    if (first && type !== 'IHDR') return 'the PNG file does not start with its header chunk';
    first = false;
    const end = offset + 8 + length;
    if (end + 4 > bytes.length) return 'the PNG file is cut short';
    if (crc32(bytes.subarray(offset + 4, end)) !== bytes.readUInt32BE(end)) return 'the PNG file is damaged (bad CRC)';
    if (type === 'IEND') return undefined;
    offset = end + 4;
  }
  return 'the PNG file is cut short';
}

/** Segments well formed up to the scan, and the end-of-image marker after it. */
function jpegDamage(bytes: Buffer): string | undefined {
  let offset = 2;
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) return 'the JPEG file is damaged';
    const marker = bytes[offset + 1] ?? 0;
    if (marker === 0xff) {
      offset++;
      continue;
    }
    if (marker === 0xda) {
      return bytes.lastIndexOf(Buffer.from([0xff, 0xd9])) > offset ? undefined : 'the JPEG file is cut short';
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      offset += 2;
      continue;
    }
    const length = bytes.readUInt16BE(offset + 2);
    if (length < 2) return 'the JPEG file is damaged';
    offset += 2 + length;
  }
  return 'the JPEG file is cut short';
}
