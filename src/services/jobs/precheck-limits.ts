import { type BulkheadPolicy, BulkheadRejectedError, bulkhead } from 'cockatiel';
import { ServiceBusyError } from './errors.js';

/** URL pre-checks one owner may have running at once, and waiting behind those. */
const perOwner = { running: 4, waiting: 16 };
/** URL pre-checks the whole gateway runs at once, and waiting behind those. */
const overall = { running: 64, waiting: 256 };

/**
 * Bounds the outbound fetches that createVideo requests cause: a refused pre-check stores nothing and so
 * counts toward no quota, and one owner's flood of bad URLs must neither hold hundreds of sockets nor crowd
 * out everyone else. Past the waiting room a request is refused as busy (retryable), nothing fetched.
 */
export class PrecheckLimits {
  private readonly overall = bulkhead(overall.running, overall.waiting);
  private readonly owners = new Map<string, BulkheadPolicy>();

  async run<T>(owner: string, check: () => Promise<T>): Promise<T> {
    let policy = this.owners.get(owner);
    if (!policy) {
      policy = bulkhead(perOwner.running, perOwner.waiting);
      this.owners.set(owner, policy);
    }
    try {
      return await policy.execute(() => this.overall.execute(check));
    } catch (error) {
      if (error instanceof BulkheadRejectedError) {
        throw new ServiceBusyError('too many image / audio URLs are being checked at once; retry in a few seconds');
      }
      throw error;
    } finally {
      // An idle owner's limiter is dropped, so the map holds only owners with checks in flight.
      if (policy.executionSlots === perOwner.running && policy.queueSlots === perOwner.waiting) {
        this.owners.delete(owner);
      }
    }
  }
}
