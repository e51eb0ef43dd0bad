/**
 * The validator set as the replica uses it: who may vote, how many make a quorum
 * (2f + 1 of n ≥ 3f + 1), and who is primary in a view (round robin over the keys in
 * ascending order, so every member computes the same primary without talking).
 */
import { toHex } from '../bytes.js';
import { compareKeys } from '../codec/certificate.js';
import { faultsTolerated, quorumSize } from '../ledger/quorum.js';

/** The validator set of a chain. */
export class Members {
  /** Public keys, ascending. */
  readonly keys: readonly Uint8Array[];
  /** Faults tolerated: f = ⌊(n − 1) / 3⌋. */
  readonly faults: number;
  /** Votes that make a quorum: 2f + 1. */
  readonly quorum: number;
  readonly #index = new Map<string, number>();

  constructor(keys: readonly Uint8Array[]) {
    if (!Array.isArray(keys) || keys.length < 1) throw new RangeError('Members: expected at least one validator key');
    const sorted = [...keys].sort(compareKeys);
    sorted.forEach((key, i) => {
      if (!(key instanceof Uint8Array) || key.length !== 32) {
        throw new TypeError(`Members: validators[${i}] is not a 32-byte public key`);
      }
      const hex = toHex(key);
      if (this.#index.has(hex)) throw new RangeError(`Members: validator ${hex} is listed twice`);
      this.#index.set(hex, i);
    });
    this.keys = sorted;
    this.faults = faultsTolerated(sorted.length);
    this.quorum = quorumSize(sorted.length);
  }

  /** Number of validators. */
  get size(): number {
    return this.keys.length;
  }

  /** The validator's position in ascending key order, or -1 for a non-member. */
  indexOf(key: Uint8Array): number {
    return this.#index.get(toHex(key)) ?? -1;
  }

  /** The primary of `view`: validator `view mod n`. */
  primary(view: number): Uint8Array {
    return this.keys[view % this.keys.length] as Uint8Array;
  }

  /** Position of the primary of `view`. */
  primaryIndex(view: number): number {
    return view % this.keys.length;
  }
}
