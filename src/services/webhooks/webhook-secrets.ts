import { randomBytes } from 'node:crypto';
import type { Database } from '../../db/connection.js';
import { findWebhookSecret, insertWebhookSecretIfMissing, upsertWebhookSecret } from '../../db/webhook-queries.js';
import type { Clock } from '../clock.js';

/**
 * How long the secret replaced by a rotation keeps signing deliveries beside the new one: time for the
 * receiver to switch, during which either secret verifies. @default 86_400_000 // 24 hours
 */
export const previousSecretGraceMs = 24 * 60 * 60 * 1000;

/** What a rotation made: the new secret, and until when the old one still signs (null: there was none). */
export interface RotatedSecret {
  secret: string;
  previousExpiresAt: Date | null;
}

/** A Standard Webhooks secret: `whsec_` and 32 random bytes in base64 (the spec asks for 24 to 64). */
function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * One signing secret per owner, made on first need. Kept in the database as it is, not hashed: the gateway
 * must sign with it (see README, Webhooks, on secrets at rest).
 */
export class WebhookSecrets {
  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
  ) {}

  /** The owner's secret, made now if it has none. */
  current(owner: string): string {
    const stored = findWebhookSecret(this.database.db, owner);
    if (stored) return stored.secret;
    return this.database.writeTransaction(
      (tx) =>
        insertWebhookSecretIfMissing(tx, {
          owner,
          secret: newSecret(),
          createdAt: new Date(this.clock.now()),
          previousSecret: null,
          previousExpiresAt: null,
        }).secret,
    );
  }

  /** The secrets a delivery is signed with now: the current one first, then the previous one while in grace. */
  signingSecrets(owner: string): string[] {
    const stored = findWebhookSecret(this.database.db, owner);
    if (!stored) return [this.current(owner)];
    const inGrace = stored.previousExpiresAt !== null && stored.previousExpiresAt.getTime() > this.clock.now();
    return stored.previousSecret && inGrace ? [stored.secret, stored.previousSecret] : [stored.secret];
  }

  /** Replaces the owner's secret; the one replaced keeps signing beside it for {@link previousSecretGraceMs}. */
  rotate(owner: string): RotatedSecret {
    const now = this.clock.now();
    return this.database.writeTransaction((tx) => {
      const stored = findWebhookSecret(tx, owner);
      const secret = newSecret();
      const previousExpiresAt = stored ? new Date(now + previousSecretGraceMs) : null;
      upsertWebhookSecret(tx, {
        owner,
        secret,
        createdAt: new Date(now),
        previousSecret: stored?.secret ?? null,
        previousExpiresAt,
      });
      return { secret, previousExpiresAt };
    });
  }
}
