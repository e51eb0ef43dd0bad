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
  readonly height: number;
  /** The block's timestamp. */
  readonly timestampMs: number;
  /** SHA-256 of each transaction's canonical bytes, in block order. */
  readonly txIds: readonly Uint8Array[];
  readonly receipts: readonly Receipt[];
  readonly txRoot: Uint8Array;
  readonly receiptsRoot: Uint8Array;
  readonly stateRoot: Uint8Array;
  /** The state keys the block changed, with their new bytes (undefined = deleted). */
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
 * from {@link blockTxIds} (hashed once per decoded block, inline: ~1 µs a transaction).
 */
export async function precomputeBlock(block: DecodedBlock, crypto: CryptoBackend): Promise<BlockPrecomputed> {
  const verifying = crypto.verifyPackedBatch(block.signatures);
  blockTxIds(block); // hashed now, while the signatures verify elsewhere
  return { verdicts: await verifying };
}

/** A block a proposer built: its bytes, decoded form and (tentative) execution. */
export interface ProposedBlock {
  readonly bytes: Uint8Array;
  readonly block: DecodedBlock;
  readonly executed: ExecutedBlock;
}

/** Header fields a proposer chooses; the roots and tx count come from execution. */
export interface ProposalFields {
  readonly previousHash: Uint8Array;
  readonly timestampMs: number;
  readonly proposer: Uint8Array;
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
  readonly key: Uint8Array;
  readonly value: Uint8Array | undefined;
  readonly proof: StateProof;
  readonly stateRoot: Uint8Array;
}
