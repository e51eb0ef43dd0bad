/**
 * Block headers and blocks.
 *
 * Header (213 bytes, fixed):
 * ```
 * offset   0  u8  version                  1
 *          1  u53 height                   0 for the genesis block
 *          9  32  previousHash             hash of block height − 1; for block 0, SHA-256(genesis bytes)
 *         41  u53 timestampMs              proposer's time, ms since the Unix epoch
 *         49  32  proposer                 proposer's public key (zeros for block 0)
 *         81  u32 txCount                  ≤ blockTxsMax
 *         85  32  txRoot                   RFC 9162 root over the 32-byte tx ids, in block order
 *        117  32  receiptsRoot             RFC 9162 root over the 33-byte receipts, in block order
 *        149  32  stateRoot                authenticated state after applying the block
 *        181  32  previousCertificateHash  SHA-256 of the previous block's commit certificate (zeros if none)
 * ```
 * The block hash is SHA-256 of these 213 bytes. A block is the header, then
 * `u32 certificateLength ‖ certificate` (the previous block's commit certificate, length 0
 * when there is none), then `txCount` transactions back to back (each self-delimiting).
 *
 * Decoding a block also lays its signatures out in the packed batch form that
 * `verifyPackedBatch` and `CryptoPool` take (src/crypto/ed25519.ts): one record per
 * transaction (sender key, signature, message range) and the signing messages in one
 * message area, written once while the block is parsed, so verification needs no per-item
 * repacking on the calling thread.
 */
import { ByteReader, ByteWriter, concatBytes } from '../bytes.js';
import { PackedBatchWriter } from '../crypto/ed25519.js';
import { merkleRoot } from '../crypto/merkle.js';
import { sha256, sha256Many } from '../crypto/sha256.js';
import { DecodeError } from '../errors.js';
import { blockBytesMax, blockTxsMax, certificateSignaturesMax } from '../limits.js';
import { requireBytes, requireBytesArray, requireBytesOfLength, requireInteger } from '../validate.js';
import { type CommitCertificate, readCertificate } from './certificate.js';
import {
  codecVersion,
  readTransaction,
  signingMessagePrefixBytes,
  type Transaction,
  writeSigningMessagePrefix,
} from './transaction.js';

/** Bytes of a canonical block header. */
export const blockHeaderBytes = 213;

/** Largest canonical certificate, in bytes. */
export const certificateBytesMax = 1 + 8 + 32 + 8 + 2 + 96 * certificateSignaturesMax;

/** A block header (see the layout above). */
export interface BlockHeader {
  /** Position in the chain: 0 for the genesis block, then one more per block. */
  readonly height: number;
  /** Hash of the block at `height − 1`; for block 0, SHA-256 of the genesis bytes. */
  readonly previousHash: Uint8Array;
  /** The proposer's time, ms since the Unix epoch; never earlier than the previous block's. */
  readonly timestampMs: number;
  /** The proposer's 32-byte public key (zeros for block 0). */
  readonly proposer: Uint8Array;
  /** Number of transactions in the block (at most `limits.blockTxsMax`). */
  readonly txCount: number;
  /** RFC 9162 root over the 32-byte tx ids in block order, so each tx has a standard inclusion proof. */
  readonly txRoot: Uint8Array;
  /** RFC 9162 root over the 33-byte receipts (`txId ‖ reason code`) in block order. */
  readonly receiptsRoot: Uint8Array;
  /** Root of the authenticated state after applying the block (see {@link StateTree}). */
  readonly stateRoot: Uint8Array;
  /** SHA-256 of the previous block's commit certificate, carried in this block (zeros if none). */
  readonly previousCertificateHash: Uint8Array;
}

/** A decoded block: its parts, their canonical bytes (views into the input) and the packed signatures. */
export interface DecodedBlock {
  /** The decoded header. */
  readonly header: BlockHeader;
  /** The 213 canonical header bytes. */
  readonly headerBytes: Uint8Array;
  /** SHA-256 of the header bytes. */
  readonly hash: Uint8Array;
  /** The previous block's commit certificate, or null (blocks 0 and 1). */
  readonly previousCertificate: CommitCertificate | null;
  /** Its canonical bytes (empty when null). */
  readonly previousCertificateBytes: Uint8Array;
  /** The decoded transactions, in block order. */
  readonly txs: readonly Transaction[];
  /** Each transaction's canonical bytes, in block order. */
  readonly txBytes: readonly Uint8Array[];
  /**
   * Every transaction's (sender, signature, signing message) in the packed batch layout, in a
   * `SharedArrayBuffer` (a `CryptoPool` verifies it without copying it).
   */
  readonly signatures: Uint8Array;
  /** The whole block's bytes. */
  readonly bytes: Uint8Array;
}

/**
 * A block's tx ids and tx root, computed once per decoded block. They are keyed on the block's
 * `txBytes` array, which a block keeps through every copy made with a spread (a proposal's
 * final block shares its draft's): the ledger hashes a block's transactions to execute it,
 * the store checks the same ids and root before writing, and both get the one computation.
 * The values are shared: callers must not modify them.
 */
const txDigests = new WeakMap<readonly Uint8Array[], { ids: readonly Uint8Array[]; root?: Uint8Array }>();

function digestsOf(block: DecodedBlock): { ids: readonly Uint8Array[]; root?: Uint8Array } {
  let digests = txDigests.get(block.txBytes);
  if (digests === undefined) {
    digests = { ids: sha256Many(block.txBytes) };
    txDigests.set(block.txBytes, digests);
  }
  return digests;
}

/** The tx ids of a decoded block (SHA-256 of each transaction's bytes, one batched call), computed once. */
export function blockTxIds(block: DecodedBlock): readonly Uint8Array[] {
  return digestsOf(block).ids;
}

/** The RFC 9162 root over a block's tx ids (what `header.txRoot` must be), computed once. */
export function blockTxRoot(block: DecodedBlock): Uint8Array {
  const digests = digestsOf(block);
  digests.root ??= merkleRoot(digests.ids);
  return digests.root;
}

/** Canonical header bytes. @throws TypeError/RangeError naming the field. */
export function encodeBlockHeader(header: BlockHeader): Uint8Array {
  const where = 'encodeBlockHeader';
  requireInteger(header.height, 'height', where, 0, Number.MAX_SAFE_INTEGER);
  requireBytesOfLength(header.previousHash, 32, 'previousHash', where);
  requireInteger(header.timestampMs, 'timestampMs', where, 0, Number.MAX_SAFE_INTEGER);
  requireBytesOfLength(header.proposer, 32, 'proposer', where);
  requireInteger(header.txCount, 'txCount', where, 0, blockTxsMax);
  requireBytesOfLength(header.txRoot, 32, 'txRoot', where);
  requireBytesOfLength(header.receiptsRoot, 32, 'receiptsRoot', where);
  requireBytesOfLength(header.stateRoot, 32, 'stateRoot', where);
  requireBytesOfLength(header.previousCertificateHash, 32, 'previousCertificateHash', where);
  return new ByteWriter(blockHeaderBytes)
    .u8(codecVersion)
    .u53(header.height)
    .fixed(header.previousHash)
    .u53(header.timestampMs)
    .fixed(header.proposer)
    .u32(header.txCount)
    .fixed(header.txRoot)
    .fixed(header.receiptsRoot)
    .fixed(header.stateRoot)
    .fixed(header.previousCertificateHash)
    .finish();
}

/** Reads a header (the reader may hold more after it). */
export function readBlockHeader(reader: ByteReader, field: string): BlockHeader {
  const versionAt = reader.offset;
  const version = reader.u8(`${field}.version`);
  if (version !== codecVersion)
    throw new DecodeError(`${field}.version`, versionAt, `unknown header version ${version}`);
  const height = reader.u53(`${field}.height`);
  const previousHash = reader.fixed(32, `${field}.previousHash`);
  const timestampMs = reader.u53(`${field}.timestampMs`);
  const proposer = reader.fixed(32, `${field}.proposer`);
  const countAt = reader.offset;
  const txCount = reader.u32(`${field}.txCount`);
  if (txCount > blockTxsMax)
    throw new DecodeError(`${field}.txCount`, countAt, `${txCount} exceeds limit ${blockTxsMax}`);
  return {
    height,
    previousHash,
    timestampMs,
    proposer,
    txCount,
    txRoot: reader.fixed(32, `${field}.txRoot`),
    receiptsRoot: reader.fixed(32, `${field}.receiptsRoot`),
    stateRoot: reader.fixed(32, `${field}.stateRoot`),
    previousCertificateHash: reader.fixed(32, `${field}.previousCertificateHash`),
  };
}

/** Decodes header bytes. @throws DecodeError naming the field and offset. */
export function decodeBlockHeader(bytes: Uint8Array): BlockHeader {
  requireBytes(bytes, 'bytes', 'decodeBlockHeader');
  const reader = new ByteReader(bytes);
  const header = readBlockHeader(reader, 'header');
  reader.end('header');
  return header;
}

/** The block hash: SHA-256 of the canonical header bytes. */
export function blockHash(headerBytes: Uint8Array): Uint8Array {
  return sha256(headerBytes);
}

/**
 * Canonical block bytes from already-encoded parts (what a proposer holds: its mempool keeps
 * transactions as bytes). `header.txCount` must equal `txBytes.length`.
 */
export function encodeBlock(
  header: BlockHeader,
  previousCertificateBytes: Uint8Array,
  txBytes: readonly Uint8Array[],
): Uint8Array {
  const where = 'encodeBlock';
  requireBytes(previousCertificateBytes, 'previousCertificateBytes', where);
  requireBytesArray(txBytes, 'txBytes', where, blockTxsMax);
  if (previousCertificateBytes.length > certificateBytesMax) {
    throw new RangeError(
      `${where}: previousCertificateBytes has ${previousCertificateBytes.length} bytes, limit ${certificateBytesMax}`,
    );
  }
  if (header.txCount !== txBytes.length) {
    throw new RangeError(`${where}: header.txCount is ${header.txCount} but ${txBytes.length} transactions were given`);
  }
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, previousCertificateBytes.length, true);
  const bytes = concatBytes([encodeBlockHeader(header), length, previousCertificateBytes, ...txBytes]);
  if (bytes.length > blockBytesMax)
    throw new RangeError(`${where}: block has ${bytes.length} bytes, limit ${blockBytesMax}`);
  return bytes;
}

/** Decodes a block's canonical bytes and packs its signatures. @throws DecodeError naming the field and offset. */
export function decodeBlock(bytes: Uint8Array): DecodedBlock {
  requireBytes(bytes, 'bytes', 'decodeBlock');
  const reader = new ByteReader(bytes);
  if (bytes.length > blockBytesMax) reader.fail('block', `${bytes.length} bytes exceeds limit ${blockBytesMax}`);
  const header = readBlockHeader(reader, 'block.header');
  const headerBytes = bytes.subarray(0, blockHeaderBytes);
  const certificateAt = reader.offset;
  const certificateLength = reader.u32('block.certificateLength');
  if (certificateLength > certificateBytesMax) {
    throw new DecodeError(
      'block.certificateLength',
      certificateAt,
      `${certificateLength} exceeds limit ${certificateBytesMax}`,
    );
  }
  let previousCertificate: CommitCertificate | null = null;
  const previousCertificateBytes = bytes.subarray(reader.position, reader.position + certificateLength);
  if (certificateLength > 0) {
    const certificateReader = reader.sub(certificateLength, 'block.previousCertificate');
    previousCertificate = readCertificate(certificateReader, 'block.previousCertificate');
    certificateReader.end('block.previousCertificate');
  }
  const txs: Transaction[] = new Array(header.txCount);
  const txBytes: Uint8Array[] = new Array(header.txCount);
  const unsignedStarts = new Uint32Array(header.txCount);
  const unsignedLengths = new Uint32Array(header.txCount);
  let messageBytesTotal = 0;
  for (let i = 0; i < header.txCount; i++) {
    const start = reader.position;
    const { tx, unsignedBytes } = readTransaction(reader, `block.txs[${i}]`);
    txs[i] = tx;
    txBytes[i] = bytes.subarray(start, reader.position);
    unsignedStarts[i] = start;
    unsignedLengths[i] = unsignedBytes;
    messageBytesTotal += signingMessagePrefixBytes(tx.chainId.length) + unsignedBytes;
  }
  reader.end('block');
  const signatures = packSignatures(bytes, txs, unsignedStarts, unsignedLengths, messageBytesTotal);
  return {
    header,
    headerBytes,
    hash: sha256(headerBytes),
    previousCertificate,
    previousCertificateBytes,
    txs,
    txBytes,
    signatures,
    bytes,
  };
}

/** Writes the packed verification batch of a parsed block (layout: src/crypto/ed25519.ts). */
function packSignatures(
  bytes: Uint8Array,
  txs: readonly Transaction[],
  unsignedStarts: Uint32Array,
  unsignedLengths: Uint32Array,
  messageBytesTotal: number,
): Uint8Array {
  // In shared memory, so a CryptoPool's workers read it in place (no copy on the calling thread).
  const writer = new PackedBatchWriter(txs.length, messageBytesTotal, true);
  for (let i = 0; i < txs.length; i++) {
    const tx = txs[i] as Transaction;
    const prefixBytes = signingMessagePrefixBytes(tx.chainId.length);
    const unsignedStart = unsignedStarts[i] as number;
    const unsignedLength = unsignedLengths[i] as number;
    const messageAt = writer.add(tx.sender, tx.signature, prefixBytes + unsignedLength);
    writeSigningMessagePrefix(writer.packed, messageAt, tx.chainId);
    writer.packed.set(bytes.subarray(unsignedStart, unsignedStart + unsignedLength), messageAt + prefixBytes);
  }
  return writer.packed;
}
