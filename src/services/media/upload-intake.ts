import { BulkheadRejectedError, bulkhead } from 'cockatiel';
import { type InputIssue, InputRejectedError, ServiceBusyError } from '../jobs/errors.js';
import { audioDamage, imageDamage } from '../jobs/media-integrity.js';
import { sniffAudio, sniffImage } from '../jobs/media-sniffing.js';
import {
  checkAudio,
  checkImage,
  type MediaCheck,
  type MediaInput,
  type VideoInput,
  type VideoRequest,
} from '../jobs/video-input.js';
import type { MediaStore } from './media-store.js';
import { readStored, UploadedFile, uploadReference } from './uploads.js';

/** How one kind of upload is checked: the data: URI rules, then the whole file's integrity. */
interface UploadRules {
  field: 'imageFile' | 'audioFile';
  check: (bytes: Buffer, what: string) => MediaCheck;
  damage: (bytes: Buffer) => string | undefined;
}

const imageRules: UploadRules = {
  field: 'imageFile',
  check: checkImage,
  damage: (bytes) => {
    const kind = sniffImage(bytes);
    return kind && imageDamage(kind, bytes);
  },
};
const audioRules: UploadRules = {
  field: 'audioFile',
  check: checkAudio,
  damage: (bytes) => {
    const kind = sniffAudio(bytes);
    return kind && audioDamage(kind, bytes);
  },
};

/**
 * Turns a request's uploads (already streamed into the media store) into media inputs: sniffed with the same
 * rules as data: URIs, and read whole to refuse a file cut short or a valid header over garbage. The job's
 * payload names the stored file; the submit sends it as base64.
 */
export class UploadIntake {
  /**
   * Whole-file checks read the stored file (at most 15 MB) into memory: two at a time, so twenty uploads at once
   * cost the memory of two, not of twenty. Past the waiting room a request is refused as busy (retryable).
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
    const { checked, problem } = await this.checkWhole(value, rules);
    if (problem !== undefined || 'problem' in checked) {
      issues.push({ field: rules.field, message: problem ?? '' });
      return undefined;
    }
    return {
      upstream: uploadReference(checked.type, value.sha256),
      display: `upload: ${checked.type}, ${value.sizeBytes} bytes, sha256 ${value.sha256}`,
    };
  }

  private async checkWhole(value: UploadedFile, rules: UploadRules) {
    try {
      return await this.wholeFileChecks.execute(async () => {
        const bytes = await readStored(this.store, value.sha256);
        const checked = rules.check(bytes, rules.field);
        return { checked, problem: 'problem' in checked ? checked.problem : rules.damage(bytes) };
      });
    } catch (error) {
      if (error instanceof BulkheadRejectedError) {
        throw new ServiceBusyError('too many uploads are being checked at once; retry in a few seconds');
      }
      throw error;
    }
  }
}
