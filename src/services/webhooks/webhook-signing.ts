import { Webhook } from 'standardwebhooks';

/** The headers that make a delivery verifiable under the Standard Webhooks spec. */
export interface WebhookHeaders {
  'webhook-id': string;
  /** Seconds since the epoch, when this attempt was signed. */
  'webhook-timestamp': string;
  /** `v1,<base64 HMAC-SHA256>`, one per secret, space-separated (during a rotation's grace: new, then old). */
  'webhook-signature': string;
}

/** Signs one attempt with every given secret (`whsec_...`), through the Standard Webhooks library. */
export function signWebhook(messageId: string, at: Date, payload: string, secrets: readonly string[]): WebhookHeaders {
  const signatures = secrets.map((secret) => new Webhook(secret).sign(messageId, at, payload));
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signatures.join(' '),
  };
}
