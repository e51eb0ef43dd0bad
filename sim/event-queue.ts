/**
 * The simulator's event queue: a binary heap ordered by (time, sequence number). Every event
 * gets the next sequence number when it is scheduled, so two events at the same simulated
 * millisecond run in the order they were scheduled: the order is total and depends only on
 * the seed and the options, never on the host.
 */

/** A scheduled event. */
export interface Scheduled<T> {
  /** Simulated time, ms since the run started. */
  readonly timeMs: number;
  /** Order of scheduling (ties in time run in this order). */
  readonly sequence: number;
  /** What happens. */
  readonly event: T;
}

/** A min-heap of events by (time, sequence). */
export class EventQueue<T> {
  readonly #heap: Scheduled<T>[] = [];
  #sequence = 0;

  /** Events waiting. */
  get size(): number {
    return this.#heap.length;
  }

  /** Schedules `event` at `timeMs`. */
  push(timeMs: number, event: T): void {
    const item = { timeMs, sequence: this.#sequence++, event };
    const heap = this.#heap;
    heap.push(item);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(item, heap[parent] as Scheduled<T>)) break;
      heap[i] = heap[parent] as Scheduled<T>;
      i = parent;
    }
    heap[i] = item;
  }

  /** The earliest event, removed; undefined when empty. */
  pop(): Scheduled<T> | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child =
        right < heap.length && before(heap[right] as Scheduled<T>, heap[left] as Scheduled<T>) ? right : left;
      if (!before(heap[child] as Scheduled<T>, last)) break;
      heap[i] = heap[child] as Scheduled<T>;
      i = child;
    }
    heap[i] = last;
    return top;
  }

  /** The earliest event's time, or undefined. */
  peekTime(): number | undefined {
    return this.#heap[0]?.timeMs;
  }
}

function before<T>(a: Scheduled<T>, b: Scheduled<T>): boolean {
  return a.timeMs < b.timeMs || (a.timeMs === b.timeMs && a.sequence < b.sequence);
}
