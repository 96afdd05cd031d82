import type { Logger } from 'pino';
import type { Database } from '../../db/connection.js';
import { secretNamed } from '../../db/media-queries.js';
import type { Clock } from '../clock.js';
import type { JobPubSub } from '../jobs/job-pubsub.js';
import { anyAddress, publicUnicastOnly } from '../outbound/address-policy.js';
import { createGuardedFetch, type ResolveHost } from '../outbound/guarded-fetch.js';
import { MediaLinks } from './media-links.js';
import { MediaService } from './media-service.js';
import type { MediaStore } from './media-store.js';
import { OutputMirror } from './output-mirror.js';
import { MediaRetention } from './retention.js';

export interface KeptVideosSettings {
  /** What links start with; unset: `origin()`, the listening address. */
  publicBaseUrl: string | undefined;
  linkTtlMs: number;
  retentionMs: number | undefined;
  /** ALLOW_PRIVATE_URLS, or an upstream on loopback (the simulator, a local fake): its outputs are there too. */
  downloadsMayReachPrivateAddresses: boolean;
}

export interface KeptVideosDependencies {
  database: Database;
  store: MediaStore;
  pubsub: JobPubSub;
  clock: Clock;
  logger: Logger;
  /** The listening address, known once the server listens. */
  origin: () => string;
  resolveHost?: ResolveHost | undefined;
  retryBaseMs?: number | undefined;
}

/** Finished videos kept and served (contract section 6): signed links, the download of each, retention. */
export function createKeptVideos(settings: KeptVideosSettings, dependencies: KeptVideosDependencies) {
  const { database, store, pubsub, clock, logger } = dependencies;
  const media = new MediaService(
    database,
    new MediaLinks({
      key: secretNamed(database.db, 'media-links', new Date(clock.now())),
      baseUrl: () => settings.publicBaseUrl ?? dependencies.origin(),
      ttlMs: settings.linkTtlMs,
      clock,
    }),
    store,
  );
  // Its own guarded fetch: the same guard, with the policy the downloads need.
  const fetch = createGuardedFetch({
    allows: settings.downloadsMayReachPrivateAddresses ? anyAddress : publicUnicastOnly,
    resolveHost: dependencies.resolveHost,
  });
  const mirror = new OutputMirror({
    database,
    store,
    fetch,
    clock,
    logger: logger.child({ component: 'output-mirror' }),
    retryBaseMs: dependencies.retryBaseMs,
  });
  const stopWatching = pubsub.watchEveryJob((job) => {
    if (job.status === 'COMPLETED' && job.videoUrl !== null) mirror.owe(job.id, job.videoUrl);
  });
  const { retentionMs } = settings;
  const retention =
    retentionMs === undefined
      ? undefined
      : new MediaRetention({ database, store, clock, logger: logger.child({ component: 'retention' }), retentionMs });
  return {
    media,
    mirror,
    start(): void {
      mirror.start();
      retention?.start();
    },
    /** Stops downloads (owed again at the next start) and the sweep. */
    async stop(): Promise<void> {
      stopWatching();
      await Promise.all([mirror.stop(), retention?.stop()]);
      await fetch.close();
    },
  };
}
