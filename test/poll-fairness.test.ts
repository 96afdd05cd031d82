import { describe, expect, it } from 'vitest';
import { CallBudget } from '../src/services/upstream/call-budget.js';
import { ManualClock } from './support/manual-clock.js';

describe('waiting for the call budget', () => {
  it('tells a call the reserve holds back when it can go, rather than "now" again and again', () => {
    const clock = new ManualClock();
    const budget = new CallBudget(50, clock);
    while (budget.tryTake()) {}
    clock.advance(1500); // a call's worth of pacing: enough for a likely poll, not for a routine one
    expect(budget.tryTake(1)).toBe(false);
    const freeAt = budget.nextFreeAt(1);
    expect(freeAt).toBeGreaterThan(clock.now());
    clock.advance(freeAt - clock.now() - 1);
    expect(budget.tryTake(1)).toBe(false);
    clock.advance(1);
    expect(budget.tryTake(1)).toBe(true);
  });
});
