import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { paddedPng } from '../bench/media.js';
import { ByteReader } from '../src/services/jobs/byte-reader.js';
import { imageDamage } from '../src/services/jobs/media-integrity.js';
import { type ImageKind, sniffImage } from '../src/services/jobs/media-sniffing.js';

const photo = readFileSync(new URL('./fixtures/python-logo.jpg', import.meta.url));
const png = paddedPng(200_000, 1);

/** The file as a stream of `size`-byte chunks, as the store hands a stored file out. */
async function* chunksOf(bytes: Buffer, size: number) {
  for (let start = 0; start < bytes.length; start += size) yield bytes.subarray(start, start + size);
}

const damageOf = (bytes: Buffer, chunkSize: number) =>
  imageDamage(sniffImage(bytes) as ImageKind, new ByteReader(chunksOf(bytes, chunkSize)), bytes.length);

describe('checking a stored image as it streams by', () => {
  it('gives the same verdict whatever the chunks, one byte to the whole file', async () => {
    const badCrc = Buffer.from(png);
    badCrc.writeUInt8(badCrc.readUInt8(png.length - 40) ^ 0xff, png.length - 40); // inside the tEXt data
    const cases: [Buffer, string | undefined][] = [
      [png, undefined],
      [photo, undefined],
      [png.subarray(0, png.length - 5), 'the PNG file is cut short'],
      [badCrc, 'the PNG file is damaged (bad CRC)'],
      // Cut before its end-of-image marker (FF D9, its last two bytes).
      [photo.subarray(0, photo.length - 2), 'the JPEG file is cut short'],
      [photo.subarray(0, 40), 'the JPEG file is cut short'],
    ];
    for (const [bytes, expected] of cases) {
      for (const chunkSize of [1, 2, 7, 64 * 1024, bytes.length]) {
        expect({ chunkSize, damage: await damageOf(bytes, chunkSize) }).toEqual({ chunkSize, damage: expected });
      }
    }
  });

  it('finds the end-of-image marker split across two chunks', async () => {
    // The marker's FF ends one chunk and its D9 starts the next.
    expect(await damageOf(photo, photo.length - 1)).toBeUndefined();
  });

  it('peeks without consuming and copies only across chunks', async () => {
    const reader = new ByteReader(chunksOf(Buffer.from('abcdefgh'), 3));
    expect((await reader.peek(5)).toString()).toBe('abcde');
    expect(await reader.pass(4)).toBe(true);
    expect((await reader.peek(10)).toString()).toBe('efgh');
    expect(await reader.pass(5)).toBe(false);
  });
});
