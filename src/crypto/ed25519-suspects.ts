/**
 * Per-sender suspicion for batch verification: the public keys that recently signed something
 * invalid, whose items the next batches verify one by one instead of putting them in the
 * batch equation.
 *
 * Why: one bad signature makes a batch's equation fail, and finding it costs checks of ranges
 * of the batch (ed25519-batch-policy.ts). Whoever sends bad signatures once tends to send more
 * (a faulty or hostile member, a forged client); in a consortium every signer is a registered
 * key, so the keys that sent bad signatures are few and their items can be set aside. An item
 * of a suspect key costs one single verification (from the batch's prepared data) and can no
 * longer fail a check for the others. Verdicts never depend on suspicion: it only decides
 * which path an item takes to the same single verdict.
 *
 * A key becomes a suspect when an item signed under it is found invalid, and stays one until
 * `forgiveAfterCalls` further batches went by without another; at most `keysMax` keys are held,
 * the least recently offending dropped first. Suspicion is keyed by the public key, so a forger
 * who signs garbage in an honest member's name makes that member's items cost a single
 * verification each for a while — never a wrong verdict. It is not shared between processes.
 */
import { ed25519SuspectKeysMax } from '../limits.js';
import { requireInteger } from '../validate.js';

/** Bytes of one suspect key (an Ed25519 public key). */
const keyBytes = 32;

/** Options of {@link Ed25519Suspects}. */
export interface Ed25519SuspectsOptions {
  /** Most keys held (default 1,024; at most `limits.ed25519SuspectKeysMax`). */
  readonly keysMax?: number;
  /** Batches a key stays a suspect after its last invalid signature (default 64). */
  readonly forgiveAfterCalls?: number;
}

interface Suspect {
  readonly key: Uint8Array;
  lastOffenseCall: number;
}

/** The suspect keys of one verifier (a pool, a node's crypto backend); see the file comment. */
export class Ed25519Suspects {
  /** Most keys held; past it, the least recent offender is dropped. */
  readonly keysMax: number;
  /** Batches a key stays a suspect after its last invalid signature. */
  readonly forgiveAfterCalls: number;
  readonly #suspects = new Map<string, Suspect>();
  #calls = 0;
  #packed: Uint8Array | undefined;

  /** @throws TypeError/RangeError naming the option if `keysMax` or `forgiveAfterCalls` is not a positive integer in range. */
  constructor(options: Ed25519SuspectsOptions = {}) {
    const where = 'Ed25519Suspects';
    this.keysMax = options.keysMax ?? 1024;
    this.forgiveAfterCalls = options.forgiveAfterCalls ?? 64;
    requireInteger(this.keysMax, 'keysMax', where, 1, ed25519SuspectKeysMax);
    requireInteger(this.forgiveAfterCalls, 'forgiveAfterCalls', where, 1, Number.MAX_SAFE_INTEGER);
  }

  /** How many keys are suspects now. */
  get size(): number {
    return this.#suspects.size;
  }

  /** Whether `publicKey` is a suspect now. */
  has(publicKey: Uint8Array): boolean {
    return this.#suspects.has(keyId(publicKey));
  }

  /**
   * The suspect keys, 32 bytes each back to back, as the wasm takes them (and a pool sends its
   * workers). The same array until the set changes; do not modify it.
   */
  packedKeys(): Uint8Array {
    if (this.#packed === undefined) {
      const packed = new Uint8Array(this.#suspects.size * keyBytes);
      let at = 0;
      for (const { key } of this.#suspects.values()) {
        packed.set(key, at);
        at += keyBytes;
      }
      this.#packed = packed;
    }
    return this.#packed;
  }

  /**
   * Ends one batch: `offenders` are the keys of its invalid items. They become (or stay)
   * suspects; keys that offended more than `forgiveAfterCalls` batches ago are forgiven.
   */
  endBatch(offenders: Iterable<Uint8Array>): void {
    const call = ++this.#calls;
    for (const key of offenders) {
      const id = keyId(key);
      const known = this.#suspects.get(id);
      // Re-inserted, so the map's order is the order of last offense (oldest first).
      if (known !== undefined) this.#suspects.delete(id);
      this.#suspects.set(id, { key: known?.key ?? key.slice(), lastOffenseCall: call });
      this.#packed = undefined;
      if (this.#suspects.size > this.keysMax) this.#suspects.delete(this.#suspects.keys().next().value as string);
    }
    for (const [id, suspect] of this.#suspects) {
      if (call - suspect.lastOffenseCall < this.forgiveAfterCalls) break;
      this.#suspects.delete(id);
      this.#packed = undefined;
    }
  }
}

function keyId(publicKey: Uint8Array): string {
  return Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('latin1');
}
