import { IndexedHeap } from './indexed-heap.js';

export interface DueQueueOptions<T> {
  /** When an item falls due; fixed while it is queued (re-add it to change it). */
  dueAt: (item: T) => number;
  /** Among due items, true when `a` goes before `b`: a strict order (break ties, e.g. by id). */
  dueBefore: (a: T, b: T) => boolean;
  /** A second order of the due items, read with `firstDueBy`: e.g. the longest unpolled. */
  alsoBefore?: (a: T, b: T) => boolean;
}

interface Node<T> {
  item: T;
  isDue: boolean;
  /** Position in `waiting` or `due`, whichever holds it. */
  slot: number;
  /** Position in `dueAlso`. */
  alsoSlot: number;
}

/**
 * Work items kept in two stages, so the next one is found in O(log n) without looking at the others: items
 * wait in a heap by due time, and move, once each, into a heap by priority when they fall due (and into a
 * second one, by another priority, when `alsoBefore` is given). Time only moves forward: a due item stays due.
 */
export class DueQueue<T extends { id: number }> {
  private readonly nodes = new Map<number, Node<T>>();
  private readonly waiting: IndexedHeap<Node<T>>;
  private readonly due: IndexedHeap<Node<T>>;
  private readonly dueAlso: IndexedHeap<Node<T>> | undefined;

  constructor(private readonly options: DueQueueOptions<T>) {
    const { dueAt, dueBefore, alsoBefore } = options;
    const setSlot = (node: Node<T>, index: number) => {
      node.slot = index;
    };
    const getSlot = (node: Node<T>) => node.slot;
    this.waiting = new IndexedHeap<Node<T>>(
      ({ item: a }, { item: b }) => {
        const dueA = dueAt(a);
        const dueB = dueAt(b);
        return dueA !== dueB ? dueA < dueB : dueBefore(a, b);
      },
      setSlot,
      getSlot,
    );
    this.due = new IndexedHeap<Node<T>>(({ item: a }, { item: b }) => dueBefore(a, b), setSlot, getSlot);
    if (alsoBefore) {
      this.dueAlso = new IndexedHeap<Node<T>>(
        ({ item: a }, { item: b }) => alsoBefore(a, b),
        (node, index) => {
          node.alsoSlot = index;
        },
        (node) => node.alsoSlot,
      );
    }
  }

  get size(): number {
    return this.nodes.size;
  }

  has(id: number): boolean {
    return this.nodes.has(id);
  }

  /** Queues `item`, replacing any item with its id. */
  add(item: T, now: number): void {
    this.remove(item.id);
    const node: Node<T> = { item, isDue: false, slot: -1, alsoSlot: -1 };
    this.nodes.set(item.id, node);
    if (this.options.dueAt(item) <= now) this.enterDue(node);
    else this.waiting.push(node);
  }

  remove(id: number): void {
    const node = this.nodes.get(id);
    if (!node) return;
    this.nodes.delete(id);
    if (node.isDue) {
      this.due.remove(node);
      this.dueAlso?.remove(node);
    } else this.waiting.remove(node);
  }

  /** Replaces the whole content in O(n): for replanning every item at once. */
  rebuild(items: Iterable<T>, now: number): void {
    this.nodes.clear();
    const waiting: Node<T>[] = [];
    const due: Node<T>[] = [];
    for (const item of items) {
      const isDue = this.options.dueAt(item) <= now;
      const node: Node<T> = { item, isDue, slot: -1, alsoSlot: -1 };
      this.nodes.set(item.id, node);
      (isDue ? due : waiting).push(node);
    }
    this.waiting.rebuild(waiting);
    this.due.rebuild(due);
    this.dueAlso?.rebuild([...due]);
  }

  /** The first due item by `dueBefore`; undefined when none is due at `now`. */
  firstDue(now: number): T | undefined {
    this.advance(now);
    return this.due.peek()?.item;
  }

  /** The first due item by `alsoBefore`. */
  firstDueAlso(now: number): T | undefined {
    this.advance(now);
    return this.dueAlso?.peek()?.item;
  }

  /** The item that falls due soonest among those not yet due. */
  soonest(): T | undefined {
    return this.waiting.peek()?.item;
  }

  /** Moves the items that fell due by `now` to the due heaps: each item moves once, in O(log n). */
  private advance(now: number): void {
    for (let next = this.waiting.peek(); next && this.options.dueAt(next.item) <= now; next = this.waiting.peek()) {
      this.waiting.pop();
      this.enterDue(next);
    }
  }

  private enterDue(node: Node<T>): void {
    node.isDue = true;
    this.due.push(node);
    this.dueAlso?.push(node);
  }
}
