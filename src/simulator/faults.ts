import type { Clock } from '../services/clock.js';
import type { SimulatorFault, SimulatorFaults, SimulatorRoute } from './index.js';

export interface FaultOptions {
  clock: Clock;
  /** The record TTL that `clear()` restores. */
  recordTtlMs: number;
  /** Segmind's own rate limit; unset for none. */
  callsPerWindow?: number | undefined;
  rateWindowMs: number;
}

/** The controls tests turn, and what they mean for the call at hand. */
export interface Faults {
  /** Handed out as `Simulator.faults`; tests set its fields directly. */
  controls: SimulatorFaults;
  /** The scripted fault for a call of `route`, if any; taking it uses it up. */
  take(route: SimulatorRoute): SimulatorFault | undefined;
  /** When the rate limit this call runs into resets; undefined when the call is within every limit. */
  rateLimitedUntil(): number | undefined;
}

export function createFaults(options: FaultOptions): Faults {
  const { clock, recordTtlMs } = options;
  const scripted: { fault: SimulatorFault; route: SimulatorRoute; remaining: number }[] = [];
  let limitedUntil = 0;

  const controls: SimulatorFaults = {
    inject: (fault, count = 1, route = 'any') => {
      scripted.push({ fault, route, remaining: count });
    },
    rateLimitUntil: (time) => {
      limitedUntil = time;
    },
    rejectKey: false,
    outOfCredits: false,
    latencyMs: 0,
    recordTtlMs,
    clear: () => {
      scripted.length = 0;
      limitedUntil = 0;
      Object.assign(controls, { rejectKey: false, outOfCredits: false, latencyMs: 0, recordTtlMs });
    },
  };

  /** Segmind's limit as a sliding log of accepted calls; returns the reset time when this call is over it. */
  const acceptedCallTimes: number[] = [];
  const overCallsPerWindow = (): number | undefined => {
    if (options.callsPerWindow === undefined) return undefined;
    const now = clock.now();
    while (acceptedCallTimes.length > 0 && (acceptedCallTimes[0] as number) <= now - options.rateWindowMs)
      acceptedCallTimes.shift();
    if (acceptedCallTimes.length >= options.callsPerWindow) {
      return (acceptedCallTimes[0] as number) + options.rateWindowMs;
    }
    acceptedCallTimes.push(now);
    return undefined;
  };

  return {
    controls,
    take: (route) => {
      const entry = scripted.find(
        (candidate) => candidate.route === route || (candidate.route === 'any' && route !== 'video'),
      );
      if (!entry) return undefined;
      entry.remaining--;
      if (entry.remaining <= 0) scripted.splice(scripted.indexOf(entry), 1);
      return entry.fault;
    },
    // A call refused by `rateLimitUntil` does not count against the sliding window.
    rateLimitedUntil: () => (clock.now() < limitedUntil ? limitedUntil : overCallsPerWindow()),
  };
}
