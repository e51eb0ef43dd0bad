/**
 * Signature verification shared by every simulated node in the process. In a deployment each
 * node verifies every signature it receives; in one process the N copies of a message would
 * be verified N times for the same verdict. So each signature is verified once, really (our
 * WASM verifier), and its verdict is cached under SHA-256(public key ‖ signature ‖ message):
 * a forged or mutated message has another key and is verified on its own. The simulator says
 * so in its output (`verifiedSignatures`, `cachedVerdicts`).
 */
import type { CryptoBackend } from '../src/crypto/backend.js';
import { inlineCrypto } from '../src/crypto/backend.js';
import { type Ed25519BatchItem, ed25519VerifyBatch } from '../src/crypto/ed25519.js';
import { sha256, sha256Many } from '../src/crypto/sha256.js';

/** Counters of the cache. */
export interface VerifyCacheStats {
  /** Signatures really verified. */
  verified: number;
  /** Verdicts answered from the cache. */
  cached: number;
}

/** Most verdicts kept (oldest forgotten first). */
const entriesMax = 1 << 20;

/** A verdict cache with a replica verifier and a ledger crypto backend over it. */
export class VerifyCache {
  readonly #verdicts = new Map<string, boolean>();
  readonly #packed = new Map<string, Uint8Array>();
  readonly stats: VerifyCacheStats = { verified: 0, cached: 0 };

  /** A `verifyBatch` for `ReplicaOptions`. */
  readonly verifyBatch = (items: readonly Ed25519BatchItem[]): boolean[] => {
    const keys = sha256Many(items.map((item) => concat3(item.publicKey, item.signature, item.message)));
    const verdicts: boolean[] = new Array(items.length);
    const missing: number[] = [];
    keys.forEach((digest, i) => {
      const known = this.#verdicts.get(Buffer.from(digest).toString('latin1'));
      if (known === undefined) missing.push(i);
      else verdicts[i] = known;
    });
    this.stats.cached += items.length - missing.length;
    if (missing.length > 0) {
      const fresh = ed25519VerifyBatch(missing.map((i) => items[i] as Ed25519BatchItem));
      this.stats.verified += missing.length;
      missing.forEach((i, k) => {
        verdicts[i] = fresh[k] as boolean;
        this.#remember(this.#verdicts, Buffer.from(keys[i] as Uint8Array).toString('latin1'), fresh[k] as boolean);
      });
    }
    return verdicts;
  };

  /** A `CryptoBackend` for the nodes' ledgers: a block's packed signatures are verified once per process. */
  readonly backend: CryptoBackend = {
    ...inlineCrypto,
    verifyPackedBatch: async (packed: Uint8Array): Promise<Uint8Array> => {
      const key = Buffer.from(sha256(packed)).toString('latin1');
      const known = this.#packed.get(key);
      if (known !== undefined) {
        this.stats.cached += known.length;
        return known.slice();
      }
      const verdicts = await inlineCrypto.verifyPackedBatch(packed);
      this.stats.verified += verdicts.length;
      this.#remember(this.#packed, key, verdicts.slice());
      return verdicts;
    },
  };

  #remember<V>(map: Map<string, V>, key: string, value: V): void {
    if (map.size >= entriesMax) {
      const oldest = map.keys().next();
      if (oldest.done !== true) map.delete(oldest.value);
    }
    map.set(key, value);
  }
}

function concat3(a: Uint8Array, b: Uint8Array, c: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length + c.length);
  out.set(a, 0);
  out.set(b, a.length);
  out.set(c, a.length + b.length);
  return out;
}
