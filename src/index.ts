/**
 * consortium-ledger — a ledger engine for consortium chains in supply-chain finance.
 *
 * The package root exports the crypto layer: SHA-256 and RFC 9162 Merkle trees over the
 * project's WebAssembly module (loaded synchronously on import, so every call is ready).
 */

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
export { wasmBuild } from './crypto/wasm.js';
