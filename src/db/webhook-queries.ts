import { and, asc, eq, lte, min, notInArray } from 'drizzle-orm';
import type { Queryable } from './connection.js';
import {
  jobs,
  type WebhookAttemptRow,
  type WebhookDeliveryRow,
  type WebhookSecretRow,
  webhookAttempts,
  webhookDeliveries,
  webhookSecrets,
} from './tables.js';

export type NewWebhookDelivery = Omit<WebhookDeliveryRow, 'id'>;

export function insertWebhookDelivery(tx: Queryable, delivery: NewWebhookDelivery): void {
  tx.insert(webhookDeliveries).values(delivery).run();
}

/** A delivery due now, with the owner whose secret signs it. */
export type DueWebhookDelivery = WebhookDeliveryRow & { owner: string };

/** Pending deliveries due by `now`, oldest due first, leaving out those in flight. */
export function listDueWebhookDeliveries(
  db: Queryable,
  now: Date,
  inFlight: readonly number[],
  limit: number,
): DueWebhookDelivery[] {
  return db
    .select({ delivery: webhookDeliveries, owner: jobs.owner })
    .from(webhookDeliveries)
    .innerJoin(jobs, eq(jobs.id, webhookDeliveries.jobId))
    .where(
      and(
        eq(webhookDeliveries.state, 'pending'),
        lte(webhookDeliveries.nextAttemptAt, now),
        notInArray(webhookDeliveries.id, [...inFlight]),
      ),
    )
    .orderBy(asc(webhookDeliveries.nextAttemptAt), asc(webhookDeliveries.id))
    .limit(limit)
    .all()
    .map(({ delivery, owner }) => ({ ...delivery, owner }));
}

/** When the next pending delivery not in flight falls due; undefined when none is pending. */
export function nextWebhookDueAt(db: Queryable, inFlight: readonly number[]): Date | undefined {
  const row = db
    .select({ at: min(webhookDeliveries.nextAttemptAt) })
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.state, 'pending'), notInArray(webhookDeliveries.id, [...inFlight])))
    .get();
  return row?.at ?? undefined;
}

/** Records one attempt and what follows it (the delivery's new state and next time), together. */
export function recordWebhookAttempt(
  tx: Queryable,
  attempt: Omit<WebhookAttemptRow, 'id'>,
  next: Pick<WebhookDeliveryRow, 'state' | 'nextAttemptAt'>,
): void {
  tx.insert(webhookAttempts).values(attempt).run();
  tx.update(webhookDeliveries)
    .set({ ...next, attempts: attempt.attempt })
    .where(eq(webhookDeliveries.id, attempt.deliveryId))
    .run();
}

/** Every attempt at the job's webhooks, oldest first. */
export function listWebhookAttempts(db: Queryable, jobId: number): (WebhookAttemptRow & { type: string })[] {
  return db
    .select({ attempt: webhookAttempts, type: webhookDeliveries.type })
    .from(webhookAttempts)
    .innerJoin(webhookDeliveries, eq(webhookDeliveries.id, webhookAttempts.deliveryId))
    .where(eq(webhookAttempts.jobId, jobId))
    .orderBy(asc(webhookAttempts.id))
    .all()
    .map(({ attempt, type }) => ({ ...attempt, type }));
}

export function findWebhookSecret(db: Queryable, owner: string): WebhookSecretRow | undefined {
  return db.select().from(webhookSecrets).where(eq(webhookSecrets.owner, owner)).get();
}

/** Stores a first secret for the owner unless one exists; returns what is stored either way. */
export function insertWebhookSecretIfMissing(tx: Queryable, row: WebhookSecretRow): WebhookSecretRow {
  tx.insert(webhookSecrets).values(row).onConflictDoNothing().run();
  return findWebhookSecret(tx, row.owner) ?? row;
}

export function upsertWebhookSecret(tx: Queryable, row: WebhookSecretRow): void {
  tx.insert(webhookSecrets).values(row).onConflictDoUpdate({ target: webhookSecrets.owner, set: row }).run();
}
