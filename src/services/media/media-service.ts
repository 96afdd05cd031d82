import type { Database } from '../../db/connection.js';
import { findJobVideo } from '../../db/media-queries.js';
import type { JobRow } from '../../db/tables.js';
import type { MediaLinks } from './media-links.js';
import type { MediaStore } from './media-store.js';

/** Where `/media/<job>.mp4` sends a reader. */
export type VideoLocation =
  /** The kept copy, served from the store. */
  | { kind: 'file'; sha256: string; sizeBytes: number }
  /** No copy yet (or none could be made): Segmind's own URL. */
  | { kind: 'redirect'; url: string }
  /** The copy was deleted for its age. */
  | { kind: 'gone' }
  /** No such job, or it has no video. */
  | { kind: 'none' };

/** `VideoJob.video`: the gateway's copy of the video. */
export interface VideoFileView {
  url: string;
  sizeBytes: number;
  sha256: string;
  mirroredAt: Date;
  deletedAt: Date | null;
}

/** Kept videos as clients see them: signed links, the copy's facts, and where a link leads. */
export class MediaService {
  constructor(
    private readonly database: Database,
    readonly links: MediaLinks,
    readonly store: MediaStore,
  ) {}

  /** A fresh signed link once the job is COMPLETED with a video; null before. */
  videoUrl(job: JobRow): string | null {
    return job.status === 'COMPLETED' && job.videoUrl !== null ? this.links.videoUrl(job.id) : null;
  }

  /** The copy, once complete; null while it is being made, or when none could be. */
  videoFile(job: JobRow): VideoFileView | null {
    const file = findJobVideo(this.database.db, job.id)?.file;
    if (!file?.mirroredAt || file.sha256 === null || file.sizeBytes === null) return null;
    const { sha256, sizeBytes, mirroredAt, deletedAt } = file;
    return { url: this.links.videoUrl(job.id), sha256, sizeBytes, mirroredAt, deletedAt };
  }

  locate(jobId: number): VideoLocation {
    const video = findJobVideo(this.database.db, jobId);
    if (video?.status !== 'COMPLETED' || video.upstreamUrl === null) return { kind: 'none' };
    const file = video.file;
    if (file?.deletedAt) return { kind: 'gone' };
    if (file?.mirroredAt && file.sha256 !== null && file.sizeBytes !== null) {
      return { kind: 'file', sha256: file.sha256, sizeBytes: file.sizeBytes };
    }
    return { kind: 'redirect', url: video.upstreamUrl };
  }
}
