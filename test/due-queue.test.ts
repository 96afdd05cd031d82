import { describe, expect, it } from 'vitest';
import { DueQueue } from '../src/services/scheduling/due-queue.js';

interface Item {
  id: number;
  dueAt: number;
  priority: number;
  since: number;
}

const byPriority = (a: Item, b: Item) => (a.priority !== b.priority ? a.priority < b.priority : a.id < b.id);
const bySince = (a: Item, b: Item) => (a.since !== b.since ? a.since < b.since : a.id < b.id);
const bySoonest = (a: Item, b: Item) => (a.dueAt !== b.dueAt ? a.dueAt < b.dueAt : byPriority(a, b));

/** What a scan over every item would choose. */
function scanFirst(items: Iterable<Item>, keep: (item: Item) => boolean, before: (a: Item, b: Item) => boolean) {
  let best: Item | undefined;
  for (const item of items) if (keep(item) && (!best || before(item, best))) best = item;
  return best;
}

/** A small deterministic generator (mulberry32), so a failure replays. */
function random(seed: number) {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

describe('the due queue', () => {
  it('answers as a scan over every item would, through adds, removals, rebuilds and time passing', () => {
    const draw = random(11);
    const queue = new DueQueue<Item>({ dueAt: (item) => item.dueAt, dueBefore: byPriority, alsoBefore: bySince });
    const items = new Map<number, Item>();
    let now = 0;
    const newItem = (id: number): Item => ({
      id,
      dueAt: now + Math.floor(draw() * 50) - 10,
      priority: Math.floor(draw() * 5),
      since: Math.floor(draw() * 100),
    });
    for (let step = 0; step < 5000; step++) {
      const action = draw();
      if (action < 0.45) {
        const item = newItem(Math.floor(draw() * 300));
        items.set(item.id, item);
        queue.add(item, now);
      } else if (action < 0.7) {
        const id = Math.floor(draw() * 300);
        items.delete(id);
        queue.remove(id);
      } else if (action < 0.72) {
        for (const id of items.keys()) items.set(id, newItem(id));
        queue.rebuild(items.values(), now);
      } else now += Math.floor(draw() * 5);

      const due = (item: Item) => item.dueAt <= now;
      expect(queue.size).toBe(items.size);
      expect(queue.firstDue(now)).toBe(scanFirst(items.values(), due, byPriority));
      expect(queue.firstDueAlso(now)).toBe(scanFirst(items.values(), due, bySince));
      expect(queue.soonest()).toBe(scanFirst(items.values(), (item) => !due(item), bySoonest));
    }
  });
});
