/**
 * What the ledger's block work takes and gives: the result of executing a block (tentative
 * until committed or discarded), work that can be done ahead (signature verdicts), a
 * proposer's block, the ledger's options and a proven state value.
 */
import type { DecodedBlock } from '../codec/block.js';
import { blockTxIds } from '../codec/block.js';
import type { Receipt } from '../codec/receipt.js';
import type { CryptoBackend } from '../crypto/backend.js';
import type { StateWrite } from './state.js';
import type { StateProof } from './state-tree.js';

/** What executing a block produced; tentative until `Ledger.commit` or `Ledger.discard`. */
export interface ExecutedBlock {
  /** The executed block's height. */
  readonly height: number;
  /** The block's timestamp. */
  readonly timestampMs: number;
  /** SHA-256 of each transaction's canonical bytes, in block order. */
  readonly txIds: readonly Uint8Array[];
  /** One receipt per transaction, in block order: applied, or refused with its reason. */
  readonly receipts: readonly Receipt[];
  /** RFC 9162 root over {@link txIds}, for the header's `txRoot`. */
  readonly txRoot: Uint8Array;
  /** RFC 9162 root over the canonical receipts, for the header's `receiptsRoot`. */
  readonly receiptsRoot: Uint8Array;
  /** The state root after the block, for the header's `stateRoot`. */
  readonly stateRoot: Uint8Array;
  /**
   * The state keys the block changed, with their new bytes (undefined = deleted): what the
   * store writes with the block (the same shape as the store's `StateWrite`).
   */
  readonly stateWrites: readonly StateWrite[];
}

/**
 * Work on a block that can be done before its turn (a verifier pipelines it: the next blocks'
 * signatures verify in the pool while this one executes).
 */
export interface BlockPrecomputed {
  /** `verifyPackedBatch(block.signatures)`: one byte per transaction, 1 = valid. */
  readonly verdicts: Uint8Array;
}

/**
 * Verifies a block's signatures on `crypto` (for `Ledger.execute`); its tx ids come
 * from `blockTxIds` (src/codec/block.ts; hashed once per decoded block, inline: ~1 µs a transaction).
 */
export async function precomputeBlock(block: DecodedBlock, crypto: CryptoBackend): Promise<BlockPrecomputed> {
  const verifying = crypto.verifyPackedBatch(block.signatures);
  blockTxIds(block); // hashed now, while the signatures verify elsewhere
  return { verdicts: await verifying };
}

/** A block a proposer built: its bytes, decoded form and (tentative) execution. */
export interface ProposedBlock {
  /** The block's canonical bytes, to send to the other replicas. */
  readonly bytes: Uint8Array;
  /** The same block decoded (its views share `bytes`), for `BlockStore.append`. */
  readonly block: DecodedBlock;
  /** Its tentative execution: commit or discard it before the next block. */
  readonly executed: ExecutedBlock;
}

/** Header fields a proposer chooses; the roots and tx count come from execution. */
export interface ProposalFields {
  /** Hash of the block this one extends (the store's head hash). */
  readonly previousHash: Uint8Array;
  /** The proposer's time, ms since the Unix epoch; not earlier than the previous block's. */
  readonly timestampMs: number;
  /** The proposer's 32-byte public key. */
  readonly proposer: Uint8Array;
  /** The previous block's commit certificate bytes, carried in the block; omit for blocks 0 and 1. */
  readonly previousCertificateBytes?: Uint8Array;
}

/** Options of a ledger. */
export interface LedgerOptions {
  /** Where signatures are verified and batches hashed (default: inline wasm). */
  readonly crypto?: CryptoBackend;
}

/** Options of `Ledger.load`. */
export interface LedgerLoadOptions extends LedgerOptions {
  /** The timestamp of the block at `height` (the next block may not be older); default the genesis time. */
  readonly headTimestampMs?: number;
}

/** A value with its proof against a state root. */
export interface ProvenState {
  /** The state key asked for (kind byte ‖ 32-byte id, see `stateKeys`). */
  readonly key: Uint8Array;
  /** Its canonical value bytes, or `undefined` if absent (the proof then proves absence). */
  readonly value: Uint8Array | undefined;
  /** The proof; check it with `verifyStateProof(stateRoot, key, value, proof)`. */
  readonly proof: StateProof;
  /** The state root the proof is against (the ledger's current one). */
  readonly stateRoot: Uint8Array;
}
