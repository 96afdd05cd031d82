/** Recognises media by its bytes, not by what a data: URI claims. */

export type ImageKind = 'jpeg' | 'png' | 'webp' | 'bmp';
export type AudioKind = 'wav' | 'mp3';

/** What `sniffImage` and `sniffAudio` recognise, as messages name it. */
export const imageKindsText = 'a JPEG, PNG, WEBP or BMP image';
export const audioKindsText = 'WAV or MP3 audio';

const startsWith = (bytes: Buffer, prefix: readonly number[], offset = 0) =>
  bytes.length >= offset + prefix.length && prefix.every((byte, index) => bytes[offset + index] === byte);
const ascii = (text: string) => [...text].map((character) => character.charCodeAt(0));

export function sniffImage(bytes: Buffer): ImageKind | undefined {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'webp';
  if (startsWith(bytes, ascii('BM')) && bytes.length >= 26) return 'bmp';
  return undefined;
}

export function sniffAudio(bytes: Buffer): AudioKind | undefined {
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WAVE'), 8)) return 'wav';
  if (startsWith(bytes, ascii('ID3')) || firstMp3Frame(bytes, 0) !== undefined) return 'mp3';
  return undefined;
}

/** Playing time in seconds, or undefined when the file is too damaged to tell. */
export function audioDurationSeconds(kind: AudioKind, bytes: Buffer): number | undefined {
  return kind === 'wav' ? wavDuration(bytes) : mp3Duration(bytes);
}

function wavDuration(bytes: Buffer): number | undefined {
  let byteRate: number | undefined;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = bytes.toString('ascii', offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    if (id === 'fmt ' && offset + 16 <= bytes.length) byteRate = bytes.readUInt32LE(offset + 16);
    if (id === 'data') {
      if (!byteRate) return undefined;
      // A streamed WAV may carry a placeholder size: trust the bytes actually present.
      return Math.min(size, bytes.length - offset - 8) / byteRate;
    }
    offset += 8 + size + (size % 2);
  }
  return undefined;
}

const mp3Bitrates: Record<string, readonly number[]> = {
  // kbit/s by bitrate index, for MPEG-1 and MPEG-2/2.5 layer III
  v1: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  v2: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const mp3SampleRates: Record<number, readonly number[]> = {
  3: [44_100, 48_000, 32_000],
  2: [22_050, 24_000, 16_000],
  0: [11_025, 12_000, 8000],
};

interface Mp3Frame {
  length: number;
  seconds: number;
}

function firstMp3Frame(bytes: Buffer, offset: number): Mp3Frame | undefined {
  if (offset + 4 > bytes.length) return undefined;
  const header = bytes.readUInt32BE(offset);
  if ((header & 0xffe00000) >>> 0 !== 0xffe00000) return undefined;
  const version = (header >>> 19) & 3;
  const layer = (header >>> 17) & 3;
  const bitrateIndex = (header >>> 12) & 15;
  const sampleRateIndex = (header >>> 10) & 3;
  const padding = (header >>> 9) & 1;
  if (version === 1 || layer !== 1 || bitrateIndex === 0 || bitrateIndex === 15 || sampleRateIndex === 3) {
    return undefined;
  }
  const bitrate = (mp3Bitrates[version === 3 ? 'v1' : 'v2']?.[bitrateIndex] ?? 0) * 1000;
  const sampleRate = mp3SampleRates[version]?.[sampleRateIndex] ?? 0;
  if (!bitrate || !sampleRate) return undefined;
  const samples = version === 3 ? 1152 : 576;
  const length = Math.floor(((samples / 8) * bitrate) / sampleRate) + padding;
  return { length, seconds: samples / sampleRate };
}

/** Sums frame durations, so variable bit rates are timed right. */
function mp3Duration(bytes: Buffer): number | undefined {
  let offset = 0;
  if (startsWith(bytes, ascii('ID3')) && bytes.length >= 10) {
    const tagSize = ((bytes[6] ?? 0) << 21) | ((bytes[7] ?? 0) << 14) | ((bytes[8] ?? 0) << 7) | (bytes[9] ?? 0);
    offset = 10 + tagSize;
  }
  let seconds = 0;
  let frames = 0;
  while (offset < bytes.length) {
    const frame = firstMp3Frame(bytes, offset);
    if (!frame) {
      if (frames > 0) break;
      offset++; // skip padding before the first frame
      continue;
    }
    seconds += frame.seconds;
    frames++;
    offset += frame.length;
  }
  return frames > 0 ? seconds : undefined;
}
