/**
 * The one crypto interface the layers above the crypto layer (codec users, ledger, store,
 * consensus, node) depend on: hash many, Merkle roots, verify a batch. Two backends implement
 * it — {@link inlineCrypto}, the wasm on the calling thread, and `CryptoPool`, the same wasm
 * spread over worker threads — with one shared test suite run against each
 * (test/crypto/backend.test.ts), as abstract-level does for its stores. Every method returns
 * a promise so a caller cannot tell, or depend on, which backend it holds.
 */
import { type Ed25519BatchItem, ed25519VerifyBatch, verifyPackedBatch } from './ed25519.js';
import { Ed25519Suspects } from './ed25519-suspects.js';
import { merkleRoot } from './merkle.js';
import { type MerkleInclusionItem, verifyMerkleInclusionMany } from './merkle-batch.js';
import { sha256Many } from './sha256.js';

/** Batched hashing and signature verification, inline or on a pool. */
export interface CryptoBackend {
  /** SHA-256 of each message, in order. */
  sha256Many(messages: readonly Uint8Array[]): Promise<Uint8Array[]>;
  /** The RFC 9162 root of `leaves`. */
  merkleRoot(leaves: readonly Uint8Array[]): Promise<Uint8Array>;
  /** ZIP-215 verdicts, one per item, in order. */
  verifyBatch(items: readonly Ed25519BatchItem[]): Promise<boolean[]>;
  /** ZIP-215 verdicts for a packed batch (`packVerifyBatch` layout): one byte per item, 1 valid. */
  verifyPackedBatch(packed: Uint8Array): Promise<Uint8Array>;
  /** RFC 9162 inclusion-proof verdicts, one per item, in order (`verifyMerkleInclusion`'s). */
  verifyMerkleInclusionMany(items: readonly MerkleInclusionItem[]): Promise<boolean[]>;
}

/**
 * The inline backend: the wasm on the calling thread, wrapped in resolved promises. It keeps
 * no state, so it carries no per-sender suspicion; {@link createInlineCrypto} makes one that does.
 */
export const inlineCrypto: CryptoBackend = Object.freeze({
  async sha256Many(messages: readonly Uint8Array[]): Promise<Uint8Array[]> {
    return sha256Many(messages);
  },
  async merkleRoot(leaves: readonly Uint8Array[]): Promise<Uint8Array> {
    return merkleRoot(leaves);
  },
  async verifyBatch(items: readonly Ed25519BatchItem[]): Promise<boolean[]> {
    return ed25519VerifyBatch(items);
  },
  async verifyPackedBatch(packed: Uint8Array): Promise<Uint8Array> {
    return verifyPackedBatch(packed);
  },
  async verifyMerkleInclusionMany(items: readonly MerkleInclusionItem[]): Promise<boolean[]> {
    return verifyMerkleInclusionMany(items);
  },
});

/** An inline backend made by {@link createInlineCrypto}. */
export interface InlineCrypto extends CryptoBackend {
  /** The suspects its verify calls read and update; undefined if suspicion is off. */
  readonly suspects: Ed25519Suspects | undefined;
}

/** Options of {@link createInlineCrypto}. */
export interface InlineCryptoOptions {
  /**
   * The keys whose signatures are verified one by one because they recently signed something
   * invalid (`Ed25519Suspects`), read and updated by every verify call. Default: a fresh
   * `Ed25519Suspects()` for this backend; `false` turns suspicion off (that is {@link inlineCrypto}).
   */
  readonly suspects?: Ed25519Suspects | false;
}

/**
 * An inline backend with its own per-sender suspicion (src/crypto/ed25519-suspects.ts): what a
 * node or a ledger uses when it is given no backend. Verdicts are {@link inlineCrypto}'s; a
 * batch carrying bad signatures from senders seen before costs their single verifications
 * instead of a bisection.
 *
 * @throws TypeError if `options.suspects` is neither an `Ed25519Suspects` nor `false`.
 */
export function createInlineCrypto(options: InlineCryptoOptions = {}): InlineCrypto {
  const chosen = options.suspects ?? new Ed25519Suspects();
  if (chosen !== false && !(chosen instanceof Ed25519Suspects)) {
    throw new TypeError('createInlineCrypto: expected options.suspects to be an Ed25519Suspects or false');
  }
  const suspects = chosen === false ? undefined : chosen;
  return Object.freeze({
    ...inlineCrypto,
    suspects,
    async verifyBatch(items: readonly Ed25519BatchItem[]): Promise<boolean[]> {
      return ed25519VerifyBatch(items, { suspects });
    },
    async verifyPackedBatch(packed: Uint8Array): Promise<Uint8Array> {
      return verifyPackedBatch(packed, { suspects });
    },
  });
}
