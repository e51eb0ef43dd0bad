/**
 * consortium-ledger — a ledger engine for consortium chains in supply-chain finance.
 *
 * The package root exports the crypto layer: SHA-256, SHA-512, RFC 9162 Merkle trees and
 * Ed25519 (ZIP-215 verification, alone or in batches) over the project's WebAssembly module,
 * which loads synchronously on import, so every call is ready — and `CryptoPool`, the same
 * API spread over worker threads.
 */

export {
  type Ed25519BatchItem,
  ed25519GenerateKeyPair,
  ed25519PublicKeyBytes,
  ed25519PublicKeyFromSecret,
  ed25519SecretKeyBytes,
  ed25519Sign,
  ed25519SignatureBytes,
  ed25519Verify,
  ed25519VerifyBatch,
} from './crypto/ed25519.js';
export {
  type MerkleInclusionProof,
  MerkleTree,
  merkleConsistencyProof,
  merkleInclusionProof,
  merkleLeafHash,
  merkleNodeHash,
  merkleRoot,
  verifyMerkleConsistency,
  verifyMerkleInclusion,
} from './crypto/merkle.js';
export {
  nativeDispatchBatchBytesMin,
  nativeDispatchBytesMin,
  sha256,
  sha256DigestBytes,
  sha256Many,
  sha256ManyPacked,
} from './crypto/sha256.js';
export { sha512, sha512DigestBytes } from './crypto/sha512.js';
export { wasmBuild } from './crypto/wasm.js';
export {
  CryptoPool,
  type CryptoPoolOptions,
  type PoolCallOptions,
} from './pool/crypto-pool.js';
export {
  AbortError,
  CryptoPoolError,
  PoolClosedError,
  PoolQueueFullError,
  WorkerCrashedError,
} from './pool/errors.js';
