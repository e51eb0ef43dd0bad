/**
 * The one crypto interface the layers above the crypto layer (codec users, ledger, store,
 * consensus, node) depend on: hash many, Merkle roots, verify a batch. Two backends implement
 * it — {@link inlineCrypto}, the wasm on the calling thread, and `CryptoPool`, the same wasm
 * spread over worker threads — with one shared test suite run against each
 * (test/crypto/backend.test.ts), as abstract-level does for its stores. Every method returns
 * a promise so a caller cannot tell, or depend on, which backend it holds.
 */
import { type Ed25519BatchItem, ed25519VerifyBatch, verifyPackedBatch } from './ed25519.js';
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

/** The inline backend: the wasm on the calling thread, wrapped in resolved promises. */
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
