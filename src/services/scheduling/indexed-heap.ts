/**
 * A binary min-heap that knows where each item sits, so that any item can be removed in O(log n), not only
 * the first; `place` records an item's position (-1 when it leaves), `placeOf` reads it back.
 */
export class IndexedHeap<T> {
  private items: T[] = [];

  constructor(
    /** True when `a` comes out before `b`; a strict order, ties broken by the caller. */
    private readonly before: (a: T, b: T) => boolean,
    private readonly place: (item: T, index: number) => void,
    private readonly placeOf: (item: T) => number,
  ) {}

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    this.items.push(item);
    this.place(item, this.items.length - 1);
    this.up(this.items.length - 1);
  }

  pop(): T | undefined {
    const first = this.items[0];
    if (first !== undefined) this.remove(first);
    return first;
  }

  /** Takes `item` out wherever it is; an item not in this heap is ignored. */
  remove(item: T): void {
    const index = this.placeOf(item);
    if (index < 0 || this.items[index] !== item) return;
    const last = this.items.pop() as T;
    this.place(item, -1);
    if (index === this.items.length) return;
    this.items[index] = last;
    this.place(last, index);
    this.down(index);
    this.up(index);
  }

  /** Replaces the content with `items` in O(n) (Floyd's heap construction). */
  rebuild(items: T[]): void {
    for (const item of this.items) this.place(item, -1);
    this.items = items;
    items.forEach((item, index) => {
      this.place(item, index);
    });
    for (let index = (items.length >> 1) - 1; index >= 0; index--) this.down(index);
  }

  private up(start: number): void {
    const { items } = this;
    const item = items[start] as T;
    let index = start;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = items[parentIndex] as T;
      if (!this.before(item, parent)) break;
      items[index] = parent;
      this.place(parent, index);
      index = parentIndex;
    }
    items[index] = item;
    this.place(item, index);
  }

  private down(start: number): void {
    const { items } = this;
    const item = items[start] as T;
    const length = items.length;
    let index = start;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      const child = right < length && this.before(items[right] as T, items[left] as T) ? right : left;
      if (!this.before(items[child] as T, item)) break;
      items[index] = items[child] as T;
      this.place(items[index] as T, index);
      index = child;
    }
    items[index] = item;
    this.place(item, index);
  }
}
