import type { Database } from '../../db/connection.js';
import { GroupCommit } from '../../db/group-commit.js';
import {
  findJobByIdempotencyKey,
  findJobs,
  type JobPageQuery,
  listEvents,
  listJobPage,
  prepareFindJob,
  prepareInsertJob,
} from '../../db/job-queries.js';
import { isStorageUnavailable } from '../../db/storage-errors.js';
import type { JobEventRow, JobRow } from '../../db/tables.js';
import type { Viewer } from '../../domain/access.js';
import { isTerminal } from '../../domain/job.js';
import { canSee, visibleOwner } from '../access/job-visibility.js';
import type { QuotaService } from '../access/quotas.js';
import type { Clock } from '../clock.js';
import type { UploadIntake } from '../media/upload-intake.js';
import type { DurationModel } from '../scheduling/duration-model.js';
import type { WebhookUrlCheck } from '../webhooks/webhook-input.js';
import { storedWebhookEvents } from '../webhooks/webhook-outbox.js';
import { AsyncQueue } from './async-queue.js';
import {
  InputRejectedError,
  JobNotFoundError,
  NotCancellableError,
  QuotaExceededError,
  StorageUnavailableError,
} from './errors.js';
import { estimateJob, type JobEstimate } from './job-estimate.js';
import type { JobPubSub, PublishedJob } from './job-pubsub.js';
import type { CancelOutcome, JobStateMachine } from './job-state-machine.js';
import { PrecheckLimits } from './precheck-limits.js';
import type { UrlPrecheck } from './url-precheck.js';
import { fingerprint, type VideoRequest } from './video-input.js';

/** Told of jobs that start or stop waiting to be sent: a new one is submitted without waiting for a timer. */
export interface PendingJobListener {
  jobCreated(job: JobRow): void;
  /** The job was CANCELLED before anything of it was sent: it never will be. */
  jobCancelled(jobId: number): void;
}

/** What clients can do with video jobs: create them, read them, watch them change, cancel them. */
export class JobService {
  /** New jobs arriving together are committed together: one fsync for many. */
  private readonly groupCommit: GroupCommit;
  private readonly insertJob: ReturnType<typeof prepareInsertJob>;
  private readonly findJob: ReturnType<typeof prepareFindJob>;
  private readonly precheckLimits = new PrecheckLimits();

  constructor(
    private readonly database: Database,
    private readonly pubsub: JobPubSub,
    private readonly clock: Clock,
    private readonly machine: JobStateMachine,
    private readonly pendingJobs: PendingJobListener,
    private readonly model: DurationModel,
    private readonly quotas: QuotaService,
    /** Reads the input's http(s) URLs before a job is stored; undefined when `URL_PRECHECK=false`. */
    private readonly precheck: UrlPrecheck | undefined,
    /** Refuses a webhookUrl the SSRF guard would not deliver to. */
    private readonly checkWebhookUrl: WebhookUrlCheck,
    /** Checks uploaded files (already in the media store) and names them for the payload. */
    private readonly uploads: UploadIntake,
  ) {
    this.groupCommit = new GroupCommit(database);
    this.insertJob = prepareInsertJob(database.db);
    this.findJob = prepareFindJob(database.db);
  }

  /**
   * Stores a valid request as the viewer's PENDING job and returns at once; submission happens behind it.
   * A repeated idempotency key (per owner) returns the job it made, provided the request is the same. The
   * owner's quotas are checked in the same transaction, so concurrent requests cannot both pass. Media URLs
   * and the webhook URL are checked first (uploaded files before that), except for a key already used: its
   * job exists, or the key is refused below.
   */
  async create(viewer: Viewer, request: VideoRequest): Promise<JobRow> {
    const input = await this.uploads.accept(request);
    const inputFingerprint = fingerprint(input);
    const { owner } = viewer;
    const { precheck } = this;
    if ((precheck || input.webhookUrl !== null) && !this.keyUsed(owner, input.idempotencyKey)) {
      // Quotas first, read only (the storing transaction decides): a caller over quota costs no fetch.
      const exceeded = this.quotas.check(this.database.db, owner, input);
      if (exceeded) throw new QuotaExceededError(exceeded);
      const checked = await Promise.all([
        precheck ? this.precheckLimits.run(owner, () => precheck(input)) : [],
        this.checkWebhookUrl(input.webhookUrl),
      ]);
      const issues = checked.flat();
      if (issues.length > 0) throw new InputRejectedError(issues);
    }
    const stored = await this.storing(
      this.groupCommit.run((tx) => {
        if (input.idempotencyKey !== null) {
          const existing = findJobByIdempotencyKey(tx, owner, input.idempotencyKey);
          if (existing) {
            if (existing.inputFingerprint !== inputFingerprint) {
              throw new InputRejectedError([
                {
                  field: 'idempotencyKey',
                  message: 'this key was already used for a different request',
                },
              ]);
            }
            return { kind: 'stored' as const, job: existing, created: false };
          }
        }
        // A value, not a throw: a throw would undo the whole group commit and replay it write by write.
        const exceeded = this.quotas.check(tx, owner, input);
        if (exceeded) return { kind: 'over-quota' as const, exceeded };
        const now = new Date(this.clock.now());
        const row = this.insertJob(
          {
            owner,
            status: 'PENDING',
            version: 1,
            prompt: input.prompt,
            image: input.image.display,
            audio: input.audio?.display ?? null,
            duration: input.duration,
            resolution: input.resolution,
            multiShots: input.multiShots,
            negativePrompt: input.negativePrompt,
            enablePromptExpansion: input.enablePromptExpansion,
            seed: input.seed,
            idempotencyKey: input.idempotencyKey,
            inputFingerprint,
            expectedDurationMs: Math.round(this.model.quantile(input, 0.5)),
            webhookUrl: input.webhookUrl,
            webhookEvents: storedWebhookEvents(input.webhookEvents),
            createdAt: now,
            updatedAt: now,
          },
          { image: input.image.upstream, audio: input.audio?.upstream ?? null },
        );
        return { kind: 'stored' as const, job: row, created: true };
      }),
    );
    if (stored.kind === 'over-quota') throw new QuotaExceededError(stored.exceeded);
    if (stored.created) this.pendingJobs.jobCreated(stored.job);
    return stored.job;
  }

  private keyUsed(owner: string, key: string | null): boolean {
    return key !== null && findJobByIdempotencyKey(this.database.db, owner, key) !== undefined;
  }

  private async storing<T>(write: Promise<T>): Promise<T> {
    try {
      return await write;
    } catch (error) {
      if (isStorageUnavailable(error)) throw new StorageUnavailableError(error);
      throw error;
    }
  }

  /** The job, if the viewer may see it; another owner's job is as unknown as a missing one. */
  get(viewer: Viewer, id: number): JobRow | undefined {
    const job = this.findJob(id);
    return job && canSee(viewer, job) ? job : undefined;
  }

  /**
   * Cancels one of the viewer's jobs if nothing of it was sent to Segmind; a job already CANCELLED is
   * returned as it is. Throws NotCancellableError once a submit has started (Segmind cannot stop a job: it
   * will finish and be billed) or the job has ended.
   */
  cancel(viewer: Viewer, id: number): JobRow {
    let outcome: CancelOutcome | undefined;
    try {
      outcome =
        this.get(viewer, id) && this.machine.cancel(id, 'cancelled before it was sent to Segmind; nothing billed');
    } catch (error) {
      if (!isStorageUnavailable(error)) throw error;
      const message =
        'the gateway cannot record the cancel right now (its disk is full or read-only); the job is unchanged';
      throw new StorageUnavailableError(error, message);
    }
    if (!outcome) throw new JobNotFoundError(id);
    if (!outcome.cancelled) throw new NotCancellableError(outcome.job);
    this.pendingJobs.jobCancelled(id);
    return outcome.job;
  }

  /** Jobs by id, in the order asked, `undefined` where there is none the viewer may see. */
  getMany(viewer: Viewer, ids: readonly number[]): (JobRow | undefined)[] {
    const byId = new Map(findJobs(this.database.db, ids).map((job) => [job.id, job]));
    return ids.map((id) => {
      const job = byId.get(id);
      return job && canSee(viewer, job) ? job : undefined;
    });
  }

  /** A page of the jobs the viewer may see; an admin may name one owner. */
  page(viewer: Viewer, query: Omit<JobPageQuery, 'owner'>, owner?: string | null): JobRow[] {
    return listJobPage(this.database.db, { ...query, owner: visibleOwner(viewer, owner) });
  }

  /** The job with its events, as a change is published: one object every watcher can share. */
  private withEvents(id: number): PublishedJob | undefined {
    const job = this.findJob(id);
    return job && { ...job, events: this.events(id) };
  }

  /** The job's ETA and progress as of now. */
  estimate(job: JobRow): JobEstimate {
    return estimateJob(job, this.clock.now());
  }

  events(jobId: number): JobEventRow[] {
    return listEvents(this.database.db, jobId);
  }

  /**
   * The job now, then the job after every change, in order, each version once; ends after a terminal
   * status. It listens before it takes the snapshot, so no change can fall between the two. A client
   * resuming after a lost connection passes the last version it saw and gets only what is newer.
   */
  watch(viewer: Viewer, id: number, afterVersion = 0): AsyncIterableIterator<JobRow> {
    if (!this.get(viewer, id)) throw new JobNotFoundError(id);
    let lastVersion = afterVersion;
    const queue = new AsyncQueue<JobRow>(() => stop());
    const deliver = (job: JobRow) => {
      if (job.version > lastVersion) {
        lastVersion = job.version;
        queue.push(job);
      }
      // Ends at the end even for a client that claims a version past it: nothing more will ever come.
      if (isTerminal(job.status)) queue.end();
    };
    const { snapshot, stop } = this.pubsub.watch(id, deliver, () => this.withEvents(id));
    if (!snapshot) {
      void queue.return();
      throw new JobNotFoundError(id);
    }
    deliver(snapshot);
    return queue;
  }
}
