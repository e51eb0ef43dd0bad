/**
 * The VIEW-CHANGEs a replica holds: at most one per member for each view from its own up to
 * `limits.viewChangeAheadMax` above it (admission refuses the rest), forgotten once a view is
 * entered. From them come the rule to join a view change that f + 1 members started, and the
 * 2f + 1 VIEW-CHANGEs a new primary puts in its NEW-VIEW.
 */
import { compareKeys } from '../codec/certificate.js';
import type { ViewChangeMessage } from '../codec/consensus.js';

/** VIEW-CHANGEs by the view they ask for and sender index. */
export class HeldViewChanges {
  readonly #held = new Map<number, Map<number, ViewChangeMessage>>();

  /** Messages held, over all views. */
  get size(): number {
    let count = 0;
    for (const held of this.#held.values()) count += held.size;
    return count;
  }

  /** How many members asked for `view`. */
  count(view: number): number {
    return this.#held.get(view)?.size ?? 0;
  }

  /** How many members asked for `view` or a view above it. */
  countAtOrAbove(view: number): number {
    const senders = new Set<number>();
    for (const [asked, held] of this.#held) if (asked >= view) for (const sender of held.keys()) senders.add(sender);
    return senders.size;
  }

  /** Holds `message` from member `sender`; false when that member's VIEW-CHANGE for its view is already held. */
  hold(sender: number, message: ViewChangeMessage): boolean {
    let held = this.#held.get(message.newView);
    if (held === undefined) {
      held = new Map();
      this.#held.set(message.newView, held);
    }
    if (held.has(sender)) return false;
    held.set(sender, message);
    return true;
  }

  /** Forgets the VIEW-CHANGEs for views below `view`. */
  forgetBelow(view: number): void {
    for (const held of [...this.#held.keys()]) if (held < view) this.#held.delete(held);
  }

  /**
   * The view to join when `witnesses` (f + 1) members, so at least one correct one, asked for views above
   * `view`: the lowest view any of them asked for, taking each member's lowest. VIEW-CHANGEs for
   * `view` itself count only while `active` (and then none are held: a straggler's is answered,
   * not held). Undefined when fewer than f + 1 members did, or the view found is not above `view`.
   */
  joinTarget(view: number, active: boolean, witnesses: number): number | undefined {
    const above = new Map<number, number>();
    for (const [asked, held] of this.#held) {
      if (asked <= view && !(asked === view && active)) continue;
      for (const sender of held.keys()) above.set(sender, Math.min(above.get(sender) ?? asked, asked));
    }
    if (above.size < witnesses) return undefined;
    const target = Math.min(...above.values());
    return target > view ? target : undefined;
  }

  /**
   * The `quorum` VIEW-CHANGEs for `view` a new primary (member `me`) puts in its NEW-VIEW: its
   * own first, then the others by sender key; undefined while fewer are held.
   */
  chooseForNewView(view: number, me: number, quorum: number): ViewChangeMessage[] | undefined {
    const held = this.#held.get(view);
    if (held === undefined || held.size < quorum) return undefined;
    const own = held.get(me);
    const others = [...held.values()].filter((message) => message !== own);
    others.sort((a, b) => compareKeys(a.sender, b.sender));
    return (own === undefined ? others : [own, ...others]).slice(0, quorum);
  }
}
