import type { VideoFileView } from '../services/media/media-service.js';
import { builder } from './builder.js';

export const VideoFile = builder.objectRef<VideoFileView>('VideoFile').implement({
  description: "The gateway's own copy of a finished video, kept in its media store.",
  fields: (t) => ({
    url: t.exposeString('url', {
      description:
        'A signed link to the copy (the same as VideoJob.videoUrl): works without headers, e.g. in <video src>, until it expires (MEDIA_LINK_TTL_SECONDS); read the field again for a fresh one.',
    }),
    sizeBytes: t.exposeInt('sizeBytes', { description: 'Size of the MP4 file in bytes.' }),
    sha256: t.exposeString('sha256', {
      description: 'Lower-case hex SHA-256 of the file; also its ETag.',
    }),
    mirroredAt: t.expose('mirroredAt', {
      type: 'DateTime',
      description: 'When the copy was complete and began to be served from the gateway.',
    }),
    deletedAt: t.expose('deletedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When the copy was deleted for its age (MEDIA_RETENTION_DAYS); its link then answers 410.',
    }),
  }),
});
