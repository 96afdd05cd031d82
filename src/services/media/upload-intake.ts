import { BulkheadRejectedError, bulkhead } from 'cockatiel';
import { ByteReader } from '../jobs/byte-reader.js';
import { type InputIssue, InputRejectedError, ServiceBusyError } from '../jobs/errors.js';
import { audioDamage, imageDamage } from '../jobs/media-integrity.js';
import { sniffAudio, sniffImage } from '../jobs/media-sniffing.js';
import { checkAudio, checkImage, type MediaInput, type VideoInput, type VideoRequest } from '../jobs/video-input.js';
import type { MediaStore } from './media-store.js';
import { readStored, UploadedFile, uploadReference } from './uploads.js';

/** What a whole-file check found: the media type, or why the file is refused. */
type Inspection = { type: string; problem?: undefined } | { problem: string };

/** How one kind of upload is checked: the data: URI rules, then the whole file's integrity. */
interface UploadRules {
  field: 'imageFile' | 'audioFile';
  inspect: (store: MediaStore, file: UploadedFile) => Promise<Inspection>;
}

/** The image's header is sniffed, then its structure walked as the stored file streams by (never held whole). */
const imageRules: UploadRules = {
  field: 'imageFile',
  inspect: async (store, file) => {
    const reader = new ByteReader(store.scan(file.sha256, Buffer.allocUnsafeSlow(64 * 1024))[Symbol.asyncIterator]());
    try {
      const header = await reader.peek(sniffedBytes);
      const checked = checkImage(header, 'imageFile');
      const kind = sniffImage(header);
      if ('problem' in checked || !kind) return checked;
      const problem = await imageDamage(kind, reader, file.sizeBytes);
      return problem === undefined ? checked : { problem };
    } finally {
      await reader.close();
    }
  },
};

/** Audio is read whole (at most 15 MB): its length in time is summed over every MP3 frame. */
const audioRules: UploadRules = {
  field: 'audioFile',
  inspect: async (store, file) => {
    const bytes = await readStored(store, file.sha256);
    const checked = checkAudio(bytes, 'audioFile');
    if ('problem' in checked) return checked;
    const kind = sniffAudio(bytes);
    const problem = kind && audioDamage(kind, bytes);
    return problem === undefined ? checked : { problem };
  },
};

/** Enough of a file's start for `sniffImage` to tell every kind it knows. */
const sniffedBytes = 32;

/**
 * Turns a request's uploads (already streamed into the media store) into media inputs: sniffed with the same
 * rules as data: URIs, and read to the end to refuse a file cut short or a valid header over garbage. The job's
 * payload names the stored file; the submit sends it as base64.
 */
export class UploadIntake {
  /**
   * Whole-file checks read the stored file: an image as it streams by, audio (at most 15 MB) into memory. Two at a
   * time, so twenty uploads at once cost the memory of two, not of twenty, and the disk is not read twenty times
   * over. Past the waiting room a request is refused as busy (retryable).
   */
  private readonly wholeFileChecks = bulkhead(2, 256);

  constructor(private readonly store: MediaStore) {}

  async accept(request: VideoRequest): Promise<VideoInput> {
    const issues: InputIssue[] = [];
    const [image, audio] = await Promise.all([
      this.media(request.image, imageRules, issues),
      request.audio === null ? null : this.media(request.audio, audioRules, issues),
    ]);
    if (issues.length > 0 || image === undefined || audio === undefined) throw new InputRejectedError(issues);
    return { ...request, image, audio };
  }

  private async media(
    value: MediaInput | UploadedFile,
    rules: UploadRules,
    issues: InputIssue[],
  ): Promise<MediaInput | undefined> {
    if (!(value instanceof UploadedFile)) return value;
    const checked = await this.checkWhole(value, rules);
    if (checked.problem !== undefined) {
      issues.push({ field: rules.field, message: checked.problem });
      return undefined;
    }
    return {
      upstream: uploadReference(checked.type, value.sha256),
      display: `upload: ${checked.type}, ${value.sizeBytes} bytes, sha256 ${value.sha256}`,
    };
  }

  private async checkWhole(value: UploadedFile, rules: UploadRules): Promise<Inspection> {
    try {
      return await this.wholeFileChecks.execute(() => rules.inspect(this.store, value));
    } catch (error) {
      if (error instanceof BulkheadRejectedError) {
        throw new ServiceBusyError('too many uploads are being checked at once; retry in a few seconds');
      }
      throw error;
    }
  }
}
