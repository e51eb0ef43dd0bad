/**
 * The validator set as the replica uses it: who may vote, its quorum arithmetic (quorum.ts:
 * q = ⌈(n + f + 1) / 2⌉, so that any two quorums share a correct member at every n), and who
 * is primary in a view (round robin over the keys in ascending order, so every member
 * computes the same primary without talking).
 */
import { bytesEqual, toHex } from '../bytes.js';
import { compareKeys } from '../codec/certificate.js';
import { type QuorumRule, quorumRule } from './quorum.js';

/** The validator set of a chain. */
export class Members {
  /** Public keys, ascending. */
  readonly keys: readonly Uint8Array[];
  /** Faults tolerated: f = ⌊(n − 1) / 3⌋. */
  readonly faults: number;
  /** Votes that make a quorum: q = ⌈(n + f + 1) / 2⌉. */
  readonly quorum: number;
  /** PREPAREs from backups that prepare a block with the PRE-PREPARE: q − 1. */
  readonly preparesNeeded: number;
  /** f + 1: members enough that one of them is correct. */
  readonly witnesses: number;
  /** Position by the key's first 6 bytes (a number), with the full key checked on lookup. */
  readonly #index = new Map<number, number[]>();

  /** `rule` maps n to its quorum arithmetic (default `quorumRule`; tests pass the unsafe one as a negative control). */
  constructor(keys: readonly Uint8Array[], rule: (n: number) => QuorumRule = quorumRule) {
    if (!Array.isArray(keys) || keys.length < 1) throw new RangeError('Members: expected at least one validator key');
    const sorted = [...keys].sort(compareKeys);
    sorted.forEach((key, i) => {
      if (!(key instanceof Uint8Array) || key.length !== 32) {
        throw new TypeError(`Members: validators[${i}] is not a 32-byte public key`);
      }
      if (i > 0 && compareKeys(sorted[i - 1] as Uint8Array, key) === 0) {
        throw new RangeError(`Members: validator ${toHex(key)} is listed twice`);
      }
      const prefix = prefixOf(key);
      const held = this.#index.get(prefix);
      if (held === undefined) this.#index.set(prefix, [i]);
      else held.push(i);
    });
    this.keys = sorted;
    const arithmetic = rule(sorted.length);
    this.faults = arithmetic.faults;
    this.quorum = arithmetic.quorum;
    this.preparesNeeded = arithmetic.preparesNeeded;
    this.witnesses = arithmetic.witnesses;
  }

  /** Number of validators. */
  get size(): number {
    return this.keys.length;
  }

  /** The validator's position in ascending key order, or -1 for a non-member. */
  indexOf(key: Uint8Array): number {
    if (key.length !== 32) return -1;
    const held = this.#index.get(prefixOf(key));
    if (held === undefined) return -1;
    for (const i of held) if (bytesEqual(this.keys[i] as Uint8Array, key)) return i;
    return -1;
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

/** The first 6 bytes of a key as a number (a map key without building a string). */
function prefixOf(key: Uint8Array): number {
  return (
    (key[0] as number) +
    (key[1] as number) * 0x100 +
    (key[2] as number) * 0x10000 +
    (key[3] as number) * 0x1000000 +
    (key[4] as number) * 0x100000000 +
    (key[5] as number) * 0x10000000000
  );
}
