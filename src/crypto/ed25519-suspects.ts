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
 * A key becomes a suspect when an item signed under it is found invalid. Its items are set
 * aside only while its share of invalid items, since it first offended, is at least
 * `singleShareMin` (1/256): setting aside a sender that mixes a rare bad signature into
 * thousands of good ones would cost more single verifications than finding the bad one in the
 * batch does (about 400 single verifications' worth in a batch of thousands). It is forgiven once
 * `forgiveAfterValid` of its items, verified singly in batches where it signed nothing invalid,
 * turned out valid (an honest member whose name a forger used once), or after
 * `forgiveAfterCalls` batches without an invalid signature from it (a member who went quiet);
 * a key that keeps signing bad items stays a suspect. At most `keysMax` keys are held, the
 * least recently offending dropped first. Suspicion is keyed by the public key, so a forger
 * who signs garbage in honest members' names makes each of those members' next items cost a
 * single verification — never a wrong verdict. It is not shared between processes.
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
  /** Valid items, in batches where it signed nothing invalid, that clear a suspect (default 8). */
  readonly forgiveAfterValid?: number;
  /**
   * Share of a suspect's items seen since its first offence that must be invalid for its items
   * to be verified singly (default 1/256).
   */
  readonly singleShareMin?: number;
}

interface Suspect {
  readonly key: Uint8Array;
  lastOffenseCall: number;
  /** Valid items verified since the last offence (in batches without one). */
  cleared: number;
  /** Invalid and valid items seen since the first offence. */
  invalid: number;
  valid: number;
}

/** The suspect keys of one verifier (a pool, a node's crypto backend); see the file comment. */
export class Ed25519Suspects {
  /** Most keys held; past it, the least recent offender is dropped. */
  readonly keysMax: number;
  /** Batches a key stays a suspect after its last invalid signature. */
  readonly forgiveAfterCalls: number;
  /** Valid items, in batches without an offence, that clear a suspect. */
  readonly forgiveAfterValid: number;
  /** Invalid share at or above which a suspect's items are verified singly. */
  readonly singleShareMin: number;
  readonly #suspects = new Map<string, Suspect>();
  #calls = 0;
  #packed: Uint8Array | undefined;

  /** @throws TypeError/RangeError naming the option if one is not a positive integer in range. */
  constructor(options: Ed25519SuspectsOptions = {}) {
    const where = 'Ed25519Suspects';
    this.keysMax = options.keysMax ?? 1024;
    this.forgiveAfterCalls = options.forgiveAfterCalls ?? 64;
    this.forgiveAfterValid = options.forgiveAfterValid ?? 8;
    requireInteger(this.keysMax, 'keysMax', where, 1, ed25519SuspectKeysMax);
    requireInteger(this.forgiveAfterCalls, 'forgiveAfterCalls', where, 1, Number.MAX_SAFE_INTEGER);
    requireInteger(this.forgiveAfterValid, 'forgiveAfterValid', where, 1, Number.MAX_SAFE_INTEGER);
    this.singleShareMin = options.singleShareMin ?? 1 / 256;
    if (typeof this.singleShareMin !== 'number' || !(this.singleShareMin > 0 && this.singleShareMin <= 1)) {
      throw new RangeError(`${where}: singleShareMin must be a number in (0, 1], got ${String(this.singleShareMin)}`);
    }
  }

  /** How many keys are suspects now. */
  get size(): number {
    return this.#suspects.size;
  }

  /** Whether `publicKey` is a suspect now (whether or not its items are set aside). */
  has(publicKey: Uint8Array): boolean {
    return this.#suspects.has(keyId(publicKey));
  }

  /** Whether `publicKey`'s items are verified singly now: a suspect at or above `singleShareMin`. */
  singly(publicKey: Uint8Array): boolean {
    const suspect = this.#suspects.get(keyId(publicKey));
    return suspect !== undefined && this.#setAside(suspect);
  }

  #setAside(suspect: Suspect): boolean {
    return suspect.invalid >= this.singleShareMin * (suspect.invalid + suspect.valid);
  }

  /**
   * The keys whose items are set aside now ({@link singly}), 32 bytes each back to back, as the
   * wasm takes them (and a pool sends its workers). The same array until the set changes; do
   * not modify it.
   */
  packedKeys(): Uint8Array {
    if (this.#packed === undefined) {
      const aside = [...this.#suspects.values()].filter((suspect) => this.#setAside(suspect));
      const packed = new Uint8Array(aside.length * keyBytes);
      for (const [k, { key }] of aside.entries()) packed.set(key, k * keyBytes);
      this.#packed = packed;
    }
    return this.#packed;
  }

  /**
   * Ends one batch of `count` items, item i signed under `keyOf(i)` with verdict `validAt(i)`:
   * the keys of invalid items become (or stay) suspects; a suspect with no invalid item in the
   * batch is credited its valid ones and forgiven at `forgiveAfterValid`; keys that offended
   * more than `forgiveAfterCalls` batches ago are forgiven. With no suspects and no invalid
   * item, no key is read.
   */
  endBatch(count: number, keyOf: (i: number) => Uint8Array, validAt: (i: number) => boolean): void {
    const call = ++this.#calls;
    // First the offences, then (if there are suspects now) every suspect's valid items, so a
    // sender that offends is weighed against its own good items from its first batch on.
    const offended = new Set<string>();
    for (let i = 0; i < count; i++) {
      if (validAt(i)) continue;
      const key = keyOf(i);
      const id = keyId(key);
      this.#offend(id, key, call);
      offended.add(id);
    }
    if (this.#suspects.size > 0) {
      const valid = new Map<string, number>();
      for (let i = 0; i < count; i++) {
        if (!validAt(i)) continue;
        const id = keyId(keyOf(i));
        if (this.#suspects.has(id)) valid.set(id, (valid.get(id) ?? 0) + 1);
      }
      for (const [id, items] of valid) {
        const suspect = this.#suspects.get(id) as Suspect;
        suspect.valid += items;
        this.#packed = undefined;
        if (offended.has(id)) continue;
        suspect.cleared += items;
        if (suspect.cleared >= this.forgiveAfterValid) this.#forgive(id);
      }
    }
    for (const [id, suspect] of this.#suspects) {
      if (call - suspect.lastOffenseCall < this.forgiveAfterCalls) break;
      this.#forgive(id);
    }
  }

  /** Records an offence by the key with id `id` (it moves to the end of the order). */
  #offend(id: string, key: Uint8Array, call: number): void {
    const known = this.#suspects.get(id);
    // Re-inserted, so the map's order is the order of last offence (oldest first).
    if (known !== undefined) this.#suspects.delete(id);
    this.#suspects.set(id, {
      key: known?.key ?? key.slice(),
      lastOffenseCall: call,
      cleared: 0,
      invalid: (known?.invalid ?? 0) + 1,
      valid: known?.valid ?? 0,
    });
    this.#packed = undefined;
    if (this.#suspects.size > this.keysMax) this.#forgive(this.#suspects.keys().next().value as string);
  }

  #forgive(id: string): void {
    this.#suspects.delete(id);
    this.#packed = undefined;
  }
}

function keyId(publicKey: Uint8Array): string {
  return Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('latin1');
}
