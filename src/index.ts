/**
 * consortium-ledger — a ledger engine for consortium chains in supply-chain finance.
 *
 * The package root exports every layer, bottom up: the crypto layer (SHA-256, SHA-512,
 * RFC 9162 Merkle trees, Ed25519 with ZIP-215 verification over the project's WebAssembly
 * module, which loads synchronously on import; `CryptoPool`, the same API over worker
 * threads; `CryptoBackend`, the interface both implement), the canonical codec, the
 * supply-chain-finance ledger with its authenticated state, the LevelDB block store, the
 * sans-IO PBFT replica, and the node that runs them together behind a transport.
 *
 * Importing a module does no work beyond defining its exports, except in the modules listed
 * under `sideEffects` in package.json (the wasm loader, Ed25519's table build and self-test,
 * the CLI entry), so bundlers may drop the rest when unused. A module that gains import-time
 * work joins that list.
 *
 * @packageDocumentation
 */

export { bytesEqual, fromHex, toHex } from './bytes.js';
// Codec: canonical bytes of transactions, blocks, certificates, receipts and the genesis.
export {
  type BlockHeader,
  blockHash,
  blockHeaderBytes,
  type DecodedBlock,
  decodeBlock,
  decodeBlockHeader,
  encodeBlock,
  encodeBlockHeader,
} from './codec/block.js';
export {
  type CommitCertificate,
  type CommitSignature,
  commitVoteMessage,
  decodeCertificate,
  encodeCertificate,
} from './codec/certificate.js';
export {
  type CheckpointMessage,
  type CheckpointRef,
  type CommitMessage,
  type ConsensusBody,
  type ConsensusDecodeOptions,
  type ConsensusEnvelope,
  type ConsensusExternalSigner,
  type ConsensusHeader,
  type ConsensusKeyPair,
  type ConsensusMessage,
  type ConsensusMessageKind,
  type ConsensusSigner,
  consensusKindCodes,
  consensusMessageKind,
  consensusSignatureItems,
  decodeConsensusMessage,
  encodeConsensusMessage,
  type NewViewMessage,
  type PrePrepareMessage,
  type PreparedCertificate,
  type PrepareMessage,
  type RequestMessage,
  readConsensusHeader,
  type StateRequestMessage,
  type StateResponseMessage,
  type ViewChangeMessage,
} from './codec/consensus.js';
export { decodeGenesis, encodeGenesis, type Genesis, type GenesisMember, genesisHash } from './codec/genesis.js';
export {
  type FreezeTarget,
  type Operation,
  type OperationType,
  operationCodes,
  type Role,
  roleCodes,
  roles,
} from './codec/operation.js';
export {
  decodeReceipts,
  encodeReceipt,
  encodeReceipts,
  type ReasonCode,
  type ReasonName,
  type Receipt,
  reasonCodes,
  reasonName,
} from './codec/receipt.js';
export {
  decodeTransaction,
  encodeTransaction,
  encodeUnsignedTransaction,
  signTransaction,
  type Transaction,
  transactionId,
  transactionSigningMessage,
  type UnsignedTransaction,
} from './codec/transaction.js';
// Consensus: the sans-IO PBFT replica.
export type {
  BroadcastEffect,
  CommitEffect,
  PersistEffect,
  ProposeEffect,
  ReplicaEffect,
  SendEffect,
  ServeBlocksEffect,
  ValidateEffect,
  ViewEffect,
} from './consensus/effects.js';
export { ReplicaInputError, RequestRejectedError, type RequestRejection } from './consensus/errors.js';
export type { CommittedTip, ReplicaOptions } from './consensus/options.js';
export {
  correctWitnesses,
  faultsTolerated,
  type QuorumRule,
  quorumRule,
  quorumSize,
} from './consensus/quorum.js';
export { type DropReason, Replica, type ReplicaFootprint, type ReplicaStats } from './consensus/replica.js';
export type { ProposalRefusal } from './consensus/stats.js';
export {
  type CryptoBackend,
  createInlineCrypto,
  type InlineCrypto,
  type InlineCryptoOptions,
  inlineCrypto,
} from './crypto/backend.js';
export {
  type Ed25519BatchItem,
  type Ed25519BatchOptions,
  type Ed25519KeyCheck,
  ed25519CheckPublicKey,
  ed25519GenerateKeyPair,
  ed25519PublicKeyBytes,
  ed25519PublicKeyFromSecret,
  ed25519SecretKeyBytes,
  ed25519Sign,
  ed25519SignatureBytes,
  ed25519Verify,
  ed25519VerifyBatch,
  PackedBatchWriter,
  packedHeaderBytes,
  packedRecordBytes,
  packVerifyBatch,
  slicePackedBatch,
  verifyPackedBatch,
} from './crypto/ed25519.js';
export { Ed25519Suspects, type Ed25519SuspectsOptions } from './crypto/ed25519-suspects.js';
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
export { type MerkleInclusionItem, verifyMerkleInclusionMany } from './crypto/merkle-batch.js';
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
export { ConsortiumLedgerError, DecodeError } from './errors.js';
// Ledger: the supply-chain-finance state machine and its authenticated state.
export { BlockMismatchError, GenesisError, StateRootMismatchError } from './ledger/errors.js';
export {
  type BlockPrecomputed,
  type ExecutedBlock,
  Ledger,
  type LedgerLoadOptions,
  type LedgerOptions,
  type ProposalFields,
  type ProposedBlock,
  type ProvenState,
  precomputeBlock,
  stateKeys,
} from './ledger/ledger.js';
export { certificateProblem, signCertificate, validatorKeys } from './ledger/quorum.js';
export type { Account, Attestation, InvoiceRecord, Receivable, ReceivableStatus } from './ledger/records.js';
export { operationRoles, rolePermits } from './ledger/rules.js';
export {
  decodeStateProof,
  encodeStateProof,
  type StateChange,
  type StateProof,
  StateTree,
  type StateUpdateStats,
  stateEmptyRoot,
  verifyStateProof,
} from './ledger/state-tree.js';
export { type NonceSource, SyntheticConsortium, type SyntheticMember } from './ledger/synthetic.js';
export * as limits from './limits.js';
// Node: replica + ledger + store + crypto behind a transport.
export {
  type CommittedBlock,
  LedgerNode,
  type LedgerNodeOptions,
  NodeClosedError,
  NodeConfigError,
  NodeFailedError,
  type NodeReplicaOptions,
  type NodeTimings,
  type ProvenTransaction,
} from './node/ledger-node.js';
export { LocalNetwork, type LocalNetworkOptions } from './node/local-network.js';
export { LevelRecords, MemoryRecords, type RecordStore } from './node/records.js';
export type { MessageHandler, Transport } from './node/transport.js';
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
  PoolTaskTimeoutError,
  WorkerCrashedError,
} from './pool/errors.js';
export { Prng } from './prng.js';

// Store: LevelDB blocks, indexes, receipts, certificates, state and head.
export * from './store/index.js';
export { loadLedger } from './store/load-ledger.js';
export { type ChainReport, type VerifyChainOptions, verifyChain } from './store/verify-chain.js';
export type {
  GenesisInfo,
  InclusionProofJson,
  StateEvidence,
  TransactionEvidence,
} from './verify/evidence.js';
export {
  type EvidenceSource,
  type GenesisSummary,
  genesisInfo,
  type HasStore,
  type StoredStateEvidence,
  type StoredTransactionEvidence,
  stateEvidence,
  transactionEvidence,
} from './verify/evidence-from-store.js';
