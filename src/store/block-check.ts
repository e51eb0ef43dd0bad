/**
 * The block store's pair assertions (after TigerBeetle): a block is checked
 * against the chain before it is written (`prepareCommit`, refusing with
 * `StoreAppendError`) and checked again after it is read back (`checkStoredBlock`, refusing
 * with `StoreCorruptError`). Both recompute the tx root from the transaction bytes and the
 * previous-certificate hash from the certificate bytes, so a block whose body was altered on
 * disk is caught even when its header was not. Pure functions: the store supplies the head a
 * commit must follow and checks the database indexes itself.
 */
import { assert } from '../assert.js';
import { bytesEqual, toHex } from '../bytes.js';
import { blockHeaderBytes, blockTxIds, blockTxRoot, type DecodedBlock, decodeBlock } from '../codec/block.js';
import { decodeCertificate } from '../codec/certificate.js';
import { type Receipt, reasonName, receiptBytes, receiptsEncoding } from '../codec/receipt.js';
import { merkleRoot } from '../crypto/merkle.js';
import { sha256, sha256DigestBytes } from '../crypto/sha256.js';
import { DecodeError } from '../errors.js';
import type { StateWrite } from '../ledger/state.js';
import { blockStateWritesMax, blockTxsMax, stateKeyBytesMax, stateValueBytesMax } from '../limits.js';
import { describeValue, requireBytes, requireBytesArray } from '../validate.js';
import { StoreAppendError, StoreCorruptError } from './errors.js';
import { txEntryBytes } from './keys.js';

export type { StateWrite } from '../ledger/state.js';

/** What `append`/`initialize` take: a decoded block and what the caller's execution of it produced. */
export interface BlockCommit {
  /** The block, from `decodeBlock(bytes)` (src/codec/block.ts). */
  readonly block: DecodedBlock;
  /** SHA-256 of each transaction's canonical bytes, in block order. */
  readonly txIds: readonly Uint8Array[];
  /** One receipt per transaction, in block order; `receipts[i].txId` equals `txIds[i]`. */
  readonly receipts: readonly Receipt[];
  /** The state changes the ledger's execution of this block produced, applied in order. */
  readonly stateWrites: readonly StateWrite[];
  /** The state root the caller's execution produced; must equal `block.header.stateRoot`. */
  readonly stateRoot: Uint8Array;
  /** This block's own commit certificate bytes, if already known. */
  readonly certificate?: Uint8Array;
}

/** What a commit must follow: the height and hash it must extend (for block 0, SHA-256 of the genesis). */
export interface ChainTip {
  readonly height: number;
  readonly hash: Uint8Array;
}

/** A commit that passed every check, reduced to what the batch writes. */
export interface PreparedBlock {
  readonly height: number;
  readonly hash: Uint8Array;
  readonly stateRoot: Uint8Array;
  readonly blockBytes: Uint8Array;
  /** The receipts' canonical bytes, back to back. */
  readonly receiptsBytes: Uint8Array;
  /** The tx ids, in block order. */
  readonly txIds: readonly Uint8Array[];
  /** Receipt code of each transaction. */
  readonly codes: Uint8Array;
  /** Each transaction's byte offset in `blockBytes` and its length (the tx index keeps them). */
  readonly txRanges: Uint32Array;
  readonly certificate: Uint8Array | undefined;
  readonly stateWrites: readonly StateWrite[];
  /** Bytes this block adds to a batch (for the group-commit budget). */
  readonly batchBytes: number;
}

const zeroHash = new Uint8Array(sha256DigestBytes);

/** SHA-256 of a block's previous certificate bytes, or 32 zeros when it carries none. */
export function previousCertificateHashOf(block: DecodedBlock): Uint8Array {
  return block.previousCertificateBytes.length === 0 ? zeroHash : sha256(block.previousCertificateBytes);
}

function refuse(height: number, what: string): never {
  throw new StoreAppendError(`block ${height}: ${what}`);
}

function hex(bytes: Uint8Array): string {
  return toHex(bytes);
}

/**
 * Checks `commit` against the chain ending at `tip` and returns what to write.
 *
 * @throws StoreAppendError naming the first check that failed; TypeError when a part of the
 *   commit has the wrong type (a programmer error, not a block that does not fit).
 */
export function prepareCommit(commit: BlockCommit, tip: ChainTip): PreparedBlock {
  const where = 'BlockStore.append';
  if (typeof commit !== 'object' || commit === null) {
    throw new TypeError(`${where}: expected a BlockCommit, got ${describeValue(commit)}`);
  }
  const { block } = commit;
  if (typeof block !== 'object' || block === null || typeof block.header !== 'object') {
    throw new TypeError(`${where}: expected commit.block to be a DecodedBlock, got ${describeValue(block)}`);
  }
  requireBytes(block.bytes, 'commit.block.bytes', where);
  requireBytesArray(commit.txIds, 'commit.txIds', where, blockTxsMax);
  if (!Array.isArray(commit.receipts)) {
    throw new TypeError(`${where}: expected commit.receipts to be an array, got ${describeValue(commit.receipts)}`);
  }
  requireBytes(commit.stateRoot, 'commit.stateRoot', where);
  // A DecodedBlock is the output of decodeBlock; one whose parts disagree with its bytes is a
  // programmer error, and storing it would read back as corruption.
  assert(
    block.headerBytes.length === blockHeaderBytes &&
      bytesEqual(block.headerBytes, block.bytes.subarray(0, blockHeaderBytes)),
    `${where}: commit.block.headerBytes are not the start of commit.block.bytes`,
  );
  assert(bytesEqual(block.hash, sha256(block.headerBytes)), `${where}: commit.block.hash is not SHA-256 of its header`);
  let bodyBytes = blockHeaderBytes + 4 + block.previousCertificateBytes.length;
  for (const tx of block.txBytes) bodyBytes += tx.length;
  assert(bodyBytes === block.bytes.length, `${where}: commit.block parts do not add up to its bytes`);

  const { header } = block;
  const height = header.height;
  if (height !== tip.height + 1) refuse(height, `height ${height} does not follow the head height ${tip.height}`);
  if (!bytesEqual(header.previousHash, tip.hash)) {
    refuse(height, `previousHash ${hex(header.previousHash)} is not the head hash ${hex(tip.hash)}`);
  }
  const txCount = block.txBytes.length;
  if (commit.txIds.length !== txCount) refuse(height, `${commit.txIds.length} tx ids for ${txCount} transactions`);
  if (commit.receipts.length !== txCount)
    refuse(height, `${commit.receipts.length} receipts for ${txCount} transactions`);
  if (!bytesEqual(commit.stateRoot, header.stateRoot)) {
    refuse(height, `the executed state root ${hex(commit.stateRoot)} is not header.stateRoot ${hex(header.stateRoot)}`);
  }
  if (!bytesEqual(previousCertificateHashOf(block), header.previousCertificateHash)) {
    refuse(height, 'header.previousCertificateHash is not SHA-256 of the previous certificate it carries');
  }
  const previous = block.previousCertificate;
  if (previous !== null && (previous.height !== height - 1 || !bytesEqual(previous.blockHash, tip.hash))) {
    refuse(height, `its previous certificate names block ${previous.height} ${hex(previous.blockHash)}, not the head`);
  }

  const codes = new Uint8Array(txCount);
  for (let i = 0; i < txCount; i++) {
    const receipt = commit.receipts[i] as Receipt;
    if (typeof receipt !== 'object' || receipt === null) {
      throw new TypeError(`${where}: expected commit.receipts[${i}] to be a Receipt, got ${describeValue(receipt)}`);
    }
    const txId = commit.txIds[i] as Uint8Array;
    // The same object (as the ledger hands them over) needs no byte comparison.
    if (receipt.txId !== txId) {
      requireBytes(receipt.txId, `commit.receipts[${i}].txId`, where);
      if (!bytesEqual(receipt.txId, txId)) refuse(height, `receipts[${i}].txId is not txIds[${i}]`);
    }
    if (!Number.isInteger(receipt.code) || reasonName(receipt.code) === undefined) {
      refuse(height, `receipts[${i}].code ${String(receipt.code)} is not a known reason code`);
    }
    codes[i] = receipt.code;
  }

  const certificate = commit.certificate;
  if (certificate !== undefined) checkOwnCertificate(certificate, height, block.hash);
  const stateBytes = checkStateWrites(commit.stateWrites, height);

  // The hashing last, once everything cheap has passed. The ids and roots are computed once
  // per block object (the ledger that executed this block usually already has them).
  const txIds = blockTxIds(block);
  for (let i = 0; i < txCount; i++) {
    const given = commit.txIds[i] as Uint8Array;
    if (given !== txIds[i] && !bytesEqual(given, txIds[i] as Uint8Array)) {
      refuse(height, `txIds[${i}] is not SHA-256 of transaction ${i}'s bytes`);
    }
  }
  const txRoot = blockTxRoot(block);
  if (!bytesEqual(txRoot, header.txRoot)) refuse(height, `the tx root over txIds is ${hex(txRoot)}, not header.txRoot`);
  const { bytes: receiptsBytes, root: receiptsRoot } = receiptsEncoding(commit.receipts);
  if (!bytesEqual(receiptsRoot, header.receiptsRoot)) {
    refuse(height, `the receipts root is ${hex(receiptsRoot)}, not header.receiptsRoot`);
  }
  return {
    height,
    hash: block.hash,
    stateRoot: header.stateRoot,
    blockBytes: block.bytes,
    receiptsBytes,
    txIds,
    codes,
    txRanges: txRangesOf(block),
    certificate,
    stateWrites: commit.stateWrites,
    batchBytes:
      block.bytes.length +
      receiptsBytes.length +
      txCount * (sha256DigestBytes + txEntryBytes) +
      stateBytes +
      (certificate?.length ?? 0),
  };
}

/** [offset, length] of each transaction within the block's bytes (txBytes are views of them). */
function txRangesOf(block: DecodedBlock): Uint32Array {
  const ranges = new Uint32Array(2 * block.txBytes.length);
  for (let i = 0; i < block.txBytes.length; i++) {
    const tx = block.txBytes[i] as Uint8Array;
    assert(tx.buffer === block.bytes.buffer, "BlockStore: a decoded block's txBytes must be views of its bytes");
    ranges[2 * i] = tx.byteOffset - block.bytes.byteOffset;
    ranges[2 * i + 1] = tx.length;
  }
  return ranges;
}

/** The receipts' canonical bytes as RFC 9162 leaves (views, one per receipt). */
function _receiptLeaves(receiptsBytes: Uint8Array): Uint8Array[] {
  const leaves = new Array<Uint8Array>(receiptsBytes.length / receiptBytes);
  for (let i = 0; i < leaves.length; i++) leaves[i] = receiptsBytes.subarray(i * receiptBytes, (i + 1) * receiptBytes);
  return leaves;
}

/**
 * Checks that `certificate` decodes and names block `height` with hash `blockHash`.
 * @throws StoreAppendError naming what does not match.
 */
export function checkOwnCertificate(certificate: Uint8Array, height: number, blockHash: Uint8Array): void {
  requireBytes(certificate, 'certificate', 'BlockStore');
  let decoded: ReturnType<typeof decodeCertificate>;
  try {
    decoded = decodeCertificate(certificate);
  } catch (error) {
    if (error instanceof DecodeError) refuse(height, `its certificate does not decode: ${error.message}`);
    throw error;
  }
  if (decoded.height !== height) refuse(height, `its certificate names height ${decoded.height}`);
  if (!bytesEqual(decoded.blockHash, blockHash)) {
    refuse(height, `its certificate names block hash ${hex(decoded.blockHash)}, not ${hex(blockHash)}`);
  }
}

/** Checks the shapes and limits of a block's state writes; returns their total bytes. */
function checkStateWrites(writes: readonly StateWrite[], height: number): number {
  const where = 'BlockStore.append';
  if (!Array.isArray(writes)) {
    throw new TypeError(`${where}: expected commit.stateWrites to be an array, got ${describeValue(writes)}`);
  }
  if (writes.length > blockStateWritesMax) {
    refuse(height, `${writes.length} state writes, limit ${blockStateWritesMax}`);
  }
  let bytes = 0;
  for (let i = 0; i < writes.length; i++) {
    const write = writes[i] as StateWrite;
    if (typeof write !== 'object' || write === null) {
      throw new TypeError(
        `${where}: expected commit.stateWrites[${i}] to be a StateWrite, got ${describeValue(write)}`,
      );
    }
    requireBytes(write.key, `commit.stateWrites[${i}].key`, where);
    if (write.key.length < 1 || write.key.length > stateKeyBytesMax) {
      refuse(height, `stateWrites[${i}].key has ${write.key.length} bytes, outside [1, ${stateKeyBytesMax}]`);
    }
    bytes += write.key.length;
    if (write.value !== undefined) {
      requireBytes(write.value, `commit.stateWrites[${i}].value`, where);
      if (write.value.length > stateValueBytesMax) {
        refuse(height, `stateWrites[${i}].value has ${write.value.length} bytes, limit ${stateValueBytesMax}`);
      }
      bytes += write.value.length;
    }
  }
  return bytes;
}

/** Throws `TypeError`/`RangeError` unless `key` is a state key of 1..`stateKeyBytesMax` bytes. */
export function requireStateKey(key: unknown, where: string): asserts key is Uint8Array {
  requireBytes(key, 'key', where);
  if (key.length < 1 || key.length > stateKeyBytesMax) {
    throw new RangeError(`${where}: key must be 1..${stateKeyBytesMax} bytes, got ${key.length}`);
  }
}

/**
 * Decodes block bytes read from height `height` and re-checks what the bytes alone can
 * show: the header's height is the key's, the tx root is the root over the transactions'
 * ids, the previous-certificate hash and height match. (The hash index and the previous
 * block's hash need the database; the store checks those.)
 *
 * @throws StoreCorruptError naming the height and what does not match.
 */
export function checkStoredBlock(height: number, bytes: Uint8Array): DecodedBlock {
  let block: DecodedBlock;
  try {
    block = decodeBlock(bytes);
  } catch (error) {
    if (error instanceof DecodeError) {
      throw new StoreCorruptError(`block ${height} does not decode: ${error.message}`, { cause: error });
    }
    throw error;
  }
  const { header } = block;
  if (header.height !== height) throw new StoreCorruptError(`block ${height}: its header says height ${header.height}`);
  const txRoot = merkleRoot(blockTxIds(block));
  if (!bytesEqual(txRoot, header.txRoot)) {
    throw new StoreCorruptError(`block ${height}: its transactions do not hash to header.txRoot`);
  }
  if (!bytesEqual(previousCertificateHashOf(block), header.previousCertificateHash)) {
    throw new StoreCorruptError(
      `block ${height}: its previous certificate does not hash to header.previousCertificateHash`,
    );
  }
  if (block.previousCertificate !== null && block.previousCertificate.height !== height - 1) {
    throw new StoreCorruptError(
      `block ${height}: its previous certificate names height ${block.previousCertificate.height}`,
    );
  }
  return block;
}
