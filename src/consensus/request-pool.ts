/**
 * Client transactions waiting to be proposed, and the ids of recently committed ones.
 * Every replica holds the requests it has seen (so that any of them, as primary, can propose
 * them, and each can tell that a primary is ignoring them). A request is held once, however
 * many replicas it was submitted to; a replay of a committed transaction is dropped here
 * cheaply, and anything older than the remembered ids is refused by the ledger's nonces.
 */
import { toHex } from '../bytes.js';
import { sha256Many } from '../crypto/sha256.js';

/** What happened to an offered request. */
export type OfferOutcome = 'added' | 'duplicate' | 'committed' | 'full';

/** Pending requests in arrival order, plus a bounded memory of committed ids. */
export class RequestPool {
  readonly #pending = new Map<string, Uint8Array>();
  readonly #committed = new Set<string>();
  readonly #pendingMax: number;
  readonly #committedMax: number;

  constructor(pendingMax: number, committedMax: number) {
    this.#pendingMax = pendingMax;
    this.#committedMax = committedMax;
  }

  /** Requests waiting. */
  get size(): number {
    return this.#pending.size;
  }

  /** Adds requests (their ids hashed in one batch), returning each one's outcome. */
  offerMany(txs: readonly Uint8Array[]): OfferOutcome[] {
    const ids = sha256Many(txs);
    return txs.map((tx, i) => {
      const id = toHex(ids[i] as Uint8Array);
      if (this.#committed.has(id)) return 'committed';
      if (this.#pending.has(id)) return 'duplicate';
      if (this.#pending.size >= this.#pendingMax) return 'full';
      this.#pending.set(id, tx);
      return 'added';
    });
  }

  /** Up to `count` requests, oldest first (they stay pending until committed). */
  take(count: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const tx of this.#pending.values()) {
      if (out.length === count) break;
      out.push(tx);
    }
    return out;
  }

  /** Marks transactions committed (bytes as they appear in a block): removes them and remembers their ids. */
  markCommitted(txs: readonly Uint8Array[]): void {
    if (txs.length === 0) return;
    for (const digest of sha256Many(txs)) {
      const id = toHex(digest);
      this.#pending.delete(id);
      this.#committed.add(id);
    }
    // Forget the oldest ids (a Set iterates in insertion order).
    let excess = this.#committed.size - this.#committedMax;
    for (const id of this.#committed) {
      if (excess-- <= 0) break;
      this.#committed.delete(id);
    }
  }
}
