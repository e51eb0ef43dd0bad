/**
 * Builds the evidence `consortium-ledger/verify` checks, from a node's block store: one
 * builder, so the CLI (`tx <id> --json`, `state <key> --prove --json`, `genesis --json`), the
 * client API and the tests hand auditors exactly the same objects. Node-side (LevelDB, the
 * library's crypto): the browser entry `src/verify/index.ts` never imports this file.
 */
import { bytesEqual, toHex } from '../bytes.js';
import { blockTxIds } from '../codec/block.js';
import { decodeGenesis, type Genesis, genesisHash } from '../codec/genesis.js';
import { encodeReceipt } from '../codec/receipt.js';
import { faultsTolerated, quorumSize } from '../consensus/quorum.js';
import { type MerkleInclusionProof, merkleInclusionProof } from '../crypto/merkle.js';
import type { Ledger } from '../ledger/ledger.js';
import { validatorKeys } from '../ledger/quorum.js';
import { encodeStateProof } from '../ledger/state-proof.js';
import { BlockStore } from '../store/block-store.js';
import { StoreCorruptError } from '../store/errors.js';
import { loadLedger } from '../store/load-ledger.js';
import type { GenesisInfo, InclusionProofJson, StateEvidence, TransactionEvidence } from './evidence.js';

/** Something that holds a block store (a `LedgerNode`). */
export interface HasStore {
  /** The block store the evidence is read from. */
  readonly store: BlockStore;
}

/** A block store, or something that holds one (a `LedgerNode`). */
export type EvidenceSource = BlockStore | HasStore;

/** Transaction evidence as the store gives it: always with its receipt and its proof. */
export interface StoredTransactionEvidence extends TransactionEvidence {
  /** Always `'transaction'`. */
  readonly kind: 'transaction';
  /** The transaction's receipt code and its inclusion proof under the header's receipts root. */
  readonly receipt: NonNullable<TransactionEvidence['receipt']>;
}

/** State evidence as the store gives it. */
export interface StoredStateEvidence extends StateEvidence {
  /** Always `'state'`. */
  readonly kind: 'state';
}

function storeOf(source: EvidenceSource): BlockStore {
  return source instanceof BlockStore ? source : source.store;
}

function proofJson(proof: MerkleInclusionProof): InclusionProofJson {
  return { leafIndex: proof.leafIndex, treeSize: proof.treeSize, path: proof.path.map(toHex) };
}

async function genesisOf(store: BlockStore): Promise<{ genesis: Genesis; bytes: Uint8Array }> {
  const bytes = await store.genesisBytes();
  if (bytes === undefined) throw new RangeError('the store is empty: it has no genesis');
  return { genesis: decodeGenesis(bytes), bytes };
}

async function certificateOf(store: BlockStore, height: number): Promise<Uint8Array> {
  const certificate = await store.certificate(height);
  if (certificate === undefined) throw new StoreCorruptError(`block ${height}: no commit certificate is stored`);
  return certificate;
}

/** What a verifier needs of a genesis (and what `consortium-ledger genesis --json` prints). */
export interface GenesisSummary extends GenesisInfo {
  /** n: validators. */
  readonly n: number;
  /** f = ⌊(n − 1)/3⌋. */
  readonly f: number;
  /** q = ⌈(n + f + 1)/2⌉. */
  readonly q: number;
  /** SHA-256 of the genesis bytes (block 0's previousHash), hex: which genesis this is. */
  readonly genesisHash: string;
}

/** The genesis info of a store's chain, or of genesis bytes. */
export async function genesisInfo(source: EvidenceSource | Uint8Array): Promise<GenesisSummary> {
  const bytes = source instanceof Uint8Array ? source : (await genesisOf(storeOf(source))).bytes;
  const genesis = decodeGenesis(bytes);
  const validators = validatorKeys(genesis);
  const n = validators.length;
  return {
    chainId: genesis.chainId,
    validators: validators.map(toHex),
    n,
    f: faultsTolerated(n),
    q: quorumSize(n),
    genesisHash: toHex(genesisHash(bytes)),
  };
}

/**
 * The evidence that transaction `txId` is committed (the occurrence the store's tx index
 * names): its bytes, its inclusion proof and its receipt's under its block's header, the
 * header, and the block's commit certificate. Undefined if the store does not hold it.
 *
 * @throws StoreCorruptError if the store's records do not agree (they are checked on read).
 */
export async function transactionEvidence(
  source: EvidenceSource,
  txId: Uint8Array,
): Promise<StoredTransactionEvidence | undefined> {
  const store = storeOf(source);
  const found = await store.transaction(txId);
  if (found === undefined) return undefined;
  const block = await store.blockByHeight(found.height);
  const receipts = await store.receipts(found.height);
  if (block === undefined || receipts === undefined) {
    throw new StoreCorruptError(`block ${found.height} (holding tx ${toHex(txId)}) is missing`);
  }
  const receipt = receipts[found.index];
  if (receipt === undefined || !bytesEqual(receipt.txId, txId)) {
    throw new StoreCorruptError(`block ${found.height}: receipt ${found.index} is not tx ${toHex(txId)}'s`);
  }
  const { genesis } = await genesisOf(store);
  return {
    kind: 'transaction',
    chainId: genesis.chainId,
    txId: toHex(txId),
    tx: toHex(found.bytes),
    txIndex: found.index,
    proof: proofJson(merkleInclusionProof(blockTxIds(block), found.index)),
    receipt: {
      code: receipt.code,
      proof: proofJson(merkleInclusionProof(receipts.map(encodeReceipt), found.index)),
    },
    height: found.height,
    blockHash: toHex(found.blockHash),
    header: toHex(found.headerBytes),
    certificate: toHex(await certificateOf(store, found.height)),
  };
}

/**
 * The evidence of state key `key`'s value (or absence) after the store's head block: the
 * value, the state proof against the head's state root, the head's header and its commit
 * certificate. A node passes itself (its ledger is at its head); a bare store's ledger is
 * loaded from it (which reads the whole state).
 *
 * @throws RangeError for an empty store; Error if the ledger's root is not the head's (a
 *   block is being committed: ask again).
 */
export async function stateEvidence(
  source: BlockStore | { readonly store: BlockStore; readonly ledger: Ledger },
  key: Uint8Array,
): Promise<StoredStateEvidence> {
  const store = storeOf(source);
  const ledger = source instanceof BlockStore ? await loadLedger(store) : source.ledger;
  const head = store.head;
  if (ledger === undefined || head === undefined) throw new RangeError('the store is empty: it has no blocks');
  const proven = ledger.proveState(key);
  if (!bytesEqual(proven.stateRoot, head.stateRoot)) {
    throw new Error(
      `the ledger's state root is not head block ${head.height}'s (a block is being committed); ask again`,
    );
  }
  const block = await store.blockByHeight(head.height);
  if (block === undefined) throw new StoreCorruptError(`the head block ${head.height} is missing`);
  const { genesis } = await genesisOf(store);
  return {
    kind: 'state',
    chainId: genesis.chainId,
    key: toHex(key),
    value: proven.value === undefined ? null : toHex(proven.value),
    proof: toHex(encodeStateProof(proven.proof)),
    height: head.height,
    blockHash: toHex(head.hash),
    stateRoot: toHex(head.stateRoot),
    header: toHex(block.headerBytes),
    certificate: toHex(await certificateOf(store, head.height)),
  };
}
