/**
 * Signature verification shared by every simulated node in the process. In a deployment each
 * node verifies every signature it receives; in one process the N copies of a message would
 * be verified N times for the same verdict. So each signature is verified once, really (our
 * WASM verifier), and its verdict is cached under SHA-256(public key ‖ signature ‖ message):
 * a forged or mutated message has another key and is verified on its own. The simulator says
 * so in its output (`verifiedSignatures`, `cachedVerdicts`).
 */
import { concatBytes } from '../src/bytes.js';
import { type CryptoBackend, inlineCrypto } from '../src/crypto/backend.js';
import { type Ed25519BatchItem, ed25519VerifyBatch } from '../src/crypto/ed25519.js';
import { sha256, sha256Many } from '../src/crypto/sha256.js';

/** Counters of the cache. */
export interface VerifyCacheStats {
  /** Signatures really verified. */
  verified: number;
  /** Verdicts answered from the cache. */
  cached: number;
}

/** Most message verdicts kept (oldest forgotten first). */
const entriesMax = 1 << 20;

/**
 * Verdicts of packed signature batches (the layout `verifyPackedBatch` takes), keyed by the
 * SHA-256 of the packed bytes, oldest forgotten first. Remembering is lazy: a batch is hashed
 * only when a lookup misses, so whoever remembers pays no hashing on its own path (the e2e
 * benchmark's measured node); whoever looks up hashes its own batch.
 */
export class PackedVerdicts {
  readonly #unkeyed: { packed: Uint8Array; verdicts: Uint8Array }[] = [];
  readonly #keyed = new Map<string, Uint8Array>();
  readonly #entriesMax: number;
  /** Signatures answered from remembered verdicts, and verified because none were. */
  readonly stats = { reused: 0, verified: 0 };

  constructor(entriesMax: number) {
    this.#entriesMax = entriesMax;
  }

  /** Remembers the verdicts of `packed` (hashed only when a lookup needs it). */
  remember(packed: Uint8Array, verdicts: Uint8Array): void {
    this.#unkeyed.push({ packed, verdicts: verdicts.slice() });
    if (this.#unkeyed.length > this.#entriesMax) this.#unkeyed.shift();
  }

  /** A copy of the verdicts remembered for `packed`, or undefined. */
  lookup(packed: Uint8Array): Uint8Array | undefined {
    const key = Buffer.from(sha256(packed)).toString('latin1');
    let known = this.#keyed.get(key);
    if (known === undefined && this.#unkeyed.length > 0) {
      for (const entry of this.#unkeyed.splice(0)) {
        this.#keyed.set(Buffer.from(sha256(entry.packed)).toString('latin1'), entry.verdicts);
      }
      while (this.#keyed.size > this.#entriesMax) {
        const oldest = this.#keyed.keys().next();
        if (oldest.done === true) break;
        this.#keyed.delete(oldest.value);
      }
      known = this.#keyed.get(key);
    }
    return known?.slice();
  }

  /**
   * `inner` with `verifyPackedBatch` answered from remembered verdicts when it can; with
   * `remember`, what `inner` verifies is remembered for the next caller.
   */
  backend(inner: CryptoBackend, options: { remember: boolean }): CryptoBackend {
    return {
      ...inner,
      verifyPackedBatch: async (packed: Uint8Array): Promise<Uint8Array> => {
        const known = this.lookup(packed);
        if (known !== undefined) {
          this.stats.reused += known.length;
          return known;
        }
        const verdicts = await inner.verifyPackedBatch(packed);
        this.stats.verified += verdicts.length;
        if (options.remember) this.remember(packed, verdicts);
        return verdicts;
      },
    };
  }
}

/** A verdict cache with a replica verifier and a ledger crypto backend over it. */
export class VerifyCache {
  readonly #verdicts = new Map<string, boolean>();
  readonly #packed = new PackedVerdicts(entriesMax);
  readonly #messages = { verified: 0, cached: 0 };

  /** Signatures really verified, and verdicts reused, over messages and blocks. */
  get stats(): VerifyCacheStats {
    const packed = this.#packed.stats;
    return { verified: this.#messages.verified + packed.verified, cached: this.#messages.cached + packed.reused };
  }

  /** A `verifyBatch` for `ReplicaOptions`. */
  readonly verifyBatch = (items: readonly Ed25519BatchItem[]): boolean[] => {
    const keys = sha256Many(items.map((item) => concatBytes([item.publicKey, item.signature, item.message])));
    const verdicts: boolean[] = new Array(items.length);
    const missing: number[] = [];
    keys.forEach((digest, i) => {
      const known = this.#verdicts.get(Buffer.from(digest).toString('latin1'));
      if (known === undefined) missing.push(i);
      else verdicts[i] = known;
    });
    this.#messages.cached += items.length - missing.length;
    if (missing.length > 0) {
      const fresh = ed25519VerifyBatch(missing.map((i) => items[i] as Ed25519BatchItem));
      this.#messages.verified += missing.length;
      missing.forEach((i, k) => {
        verdicts[i] = fresh[k] as boolean;
        if (this.#verdicts.size >= entriesMax) {
          const oldest = this.#verdicts.keys().next();
          if (oldest.done !== true) this.#verdicts.delete(oldest.value);
        }
        this.#verdicts.set(Buffer.from(keys[i] as Uint8Array).toString('latin1'), fresh[k] as boolean);
      });
    }
    return verdicts;
  };

  /** A `CryptoBackend` for the nodes' ledgers: a block's packed signatures are verified once per process. */
  readonly backend: CryptoBackend = this.#packed.backend(inlineCrypto, { remember: true });
}
