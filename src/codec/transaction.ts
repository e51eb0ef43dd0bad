/**
 * Transactions: the canonical bytes, the signing message and the id.
 *
 * ```
 * offset 0   u8  version              1
 *        1   u8  type                 operation code, 1..9 (src/codec/operation.ts)
 *        2   u8  chainIdLength        1..32, then chainId: ASCII [a-z0-9._-]
 *            32  sender               Ed25519 public key
 *            u53 nonce                per-sender sequence number (u64 ≤ 2^53 − 1)
 *            u16 payloadLength        ≤ txPayloadBytesMax, then the operation's payload
 *            64  signature            Ed25519 over the signing message below
 * ```
 * The unsigned bytes are everything before the signature. The signing message is
 * `"consortium-ledger/tx/v1" ‖ 0x00 ‖ u8 chainIdLength ‖ chainId ‖ unsigned bytes`: the fixed
 * prefix keeps a transaction signature from ever being valid as any other message the
 * engine signs (commit votes use their own prefix), and the chain id keeps it from being
 * replayed on another consortium's chain. The tx id is SHA-256 of the whole canonical bytes
 * (signature included), so anyone holding the bytes recomputes it.
 */
import { ByteReader, ByteWriter } from '../bytes.js';
import { ed25519Sign } from '../crypto/ed25519.js';
import { sha256 } from '../crypto/sha256.js';
import { DecodeError } from '../errors.js';
import { chainIdBytesMax, txBytesMax, txPayloadBytesMax } from '../limits.js';
import { requireBytes, requireBytesOfLength, requireInteger } from '../validate.js';
import { type Operation, operationCodes, operationTypes, readOperation, writeOperation } from './operation.js';

/** Format version of transactions, block headers and certificates written by this release. */
export const codecVersion = 1;

/** A transaction before signing. */
export interface UnsignedTransaction {
  /** The consortium chain's id (ASCII `[a-z0-9._-]`, 1..32 bytes). */
  readonly chainId: string;
  /** The signer's 32-byte Ed25519 public key (its account). */
  readonly sender: Uint8Array;
  /** Per-sender sequence number: the first transaction of a sender has nonce 1. */
  readonly nonce: number;
  /** What the transaction does; its type byte and payload follow the sender and nonce. */
  readonly op: Operation;
}

/** A signed transaction. */
export interface Transaction extends UnsignedTransaction {
  /** 64-byte Ed25519 signature over {@link transactionSigningMessage}. */
  readonly signature: Uint8Array;
}

const txDomain = new TextEncoder().encode('consortium-ledger/tx/v1\0');
const chainIdPattern = /^[a-z0-9._-]{1,32}$/;

/** Throws `RangeError` unless `chainId` is 1..32 characters of `[a-z0-9._-]`. */
export function requireChainId(chainId: unknown, where: string): asserts chainId is string {
  if (typeof chainId !== 'string' || !chainIdPattern.test(chainId)) {
    throw new RangeError(
      `${where}: chainId must be 1..${chainIdBytesMax} characters of [a-z0-9._-], got ${JSON.stringify(chainId)}`,
    );
  }
}

/** True iff `bytes` (a chain id's wire bytes) are all in `[a-z0-9._-]`. */
function chainIdBytesValid(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i] as number;
    const ok = (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x5f || c === 0x2d;
    if (!ok) return false;
  }
  return true;
}

/** Reads a u8-prefixed chain id, refusing lengths out of range and bytes outside the charset. */
export function readChainId(reader: ByteReader, field: string): string {
  const at = reader.offset;
  const raw = reader.prefixed(1, 1, chainIdBytesMax, field);
  if (!chainIdBytesValid(raw)) throw new DecodeError(field, at, 'chain id has a byte outside [a-z0-9._-]');
  return String.fromCharCode(...raw);
}

/** Writes the u8-prefixed chain id (already checked by the caller). */
export function writeChainId(writer: ByteWriter, chainId: string): void {
  writer.u8(chainId.length);
  for (let i = 0; i < chainId.length; i++) writer.u8(chainId.charCodeAt(i));
}

function writeUnsigned(writer: ByteWriter, tx: UnsignedTransaction, where: string): void {
  if (typeof tx !== 'object' || tx === null) throw new TypeError(`${where}: expected a transaction object`);
  requireChainId(tx.chainId, where);
  requireBytesOfLength(tx.sender, 32, 'sender', where);
  requireInteger(tx.nonce, 'nonce', where, 0, Number.MAX_SAFE_INTEGER);
  if (typeof tx.op !== 'object' || tx.op === null || !(tx.op.type in operationCodes)) {
    throw new RangeError(`${where}: unknown operation type ${JSON.stringify((tx.op as { type?: unknown })?.type)}`);
  }
  const payload = new ByteWriter(128);
  writeOperation(payload, tx.op);
  if (payload.length > txPayloadBytesMax) {
    throw new RangeError(`${where}: payload has ${payload.length} bytes, limit ${txPayloadBytesMax}`);
  }
  writer.u8(codecVersion).u8(operationCodes[tx.op.type]);
  writeChainId(writer, tx.chainId);
  writer.fixed(tx.sender).u53(tx.nonce).prefixed(2, payload.finish());
}

/** The canonical bytes of an unsigned transaction (what the signature covers, after the domain). */
export function encodeUnsignedTransaction(tx: UnsignedTransaction): Uint8Array {
  const writer = new ByteWriter(192);
  writeUnsigned(writer, tx, 'encodeUnsignedTransaction');
  return writer.finish();
}

/** The canonical bytes of a signed transaction. @throws TypeError/RangeError naming the field. */
export function encodeTransaction(tx: Transaction): Uint8Array {
  const writer = new ByteWriter(256);
  writeUnsigned(writer, tx, 'encodeTransaction');
  requireBytesOfLength(tx.signature, 64, 'signature', 'encodeTransaction');
  writer.fixed(tx.signature);
  return writer.finish();
}

/** The message a transaction's signature covers: domain ‖ chain id ‖ unsigned bytes. */
export function transactionSigningMessage(tx: UnsignedTransaction): Uint8Array {
  return signingMessageOf(tx.chainId, encodeUnsignedTransaction(tx));
}

/** Domain ‖ u8 chainId length ‖ chainId ‖ `unsigned` (the canonical unsigned bytes). */
export function signingMessageOf(chainId: string, unsigned: Uint8Array): Uint8Array {
  const out = new Uint8Array(signingMessagePrefixBytes(chainId.length) + unsigned.length);
  writeSigningMessagePrefix(out, 0, chainId);
  out.set(unsigned, signingMessagePrefixBytes(chainId.length));
  return out;
}

/** Bytes of the signing message before the unsigned transaction bytes. */
export function signingMessagePrefixBytes(chainIdLength: number): number {
  return txDomain.length + 1 + chainIdLength;
}

/** Writes the domain and length-prefixed chain id at `at` in `target` (the block decoder packs in place). */
export function writeSigningMessagePrefix(target: Uint8Array, at: number, chainId: string): void {
  target.set(txDomain, at);
  target[at + txDomain.length] = chainId.length;
  for (let i = 0; i < chainId.length; i++) target[at + txDomain.length + 1 + i] = chainId.charCodeAt(i);
}

/** Signs `tx` with a 32-byte Ed25519 secret seed (node:crypto). */
export function signTransaction(tx: UnsignedTransaction, secretKey: Uint8Array): Transaction {
  const signature = ed25519Sign(secretKey, transactionSigningMessage(tx));
  return { chainId: tx.chainId, sender: tx.sender, nonce: tx.nonce, op: tx.op, signature };
}

/**
 * Reads one transaction from `reader` (which may hold more after it: a block's body).
 * Returns the transaction and the length of its unsigned part.
 */
export function readTransaction(reader: ByteReader, field: string): { tx: Transaction; unsignedBytes: number } {
  const start = reader.position;
  const versionAt = reader.offset;
  const version = reader.u8(`${field}.version`);
  if (version !== codecVersion) {
    throw new DecodeError(`${field}.version`, versionAt, `unknown transaction version ${version}`);
  }
  const typeAt = reader.offset;
  const typeCode = reader.u8(`${field}.type`);
  if (operationTypes[typeCode - 1] === undefined) {
    throw new DecodeError(`${field}.type`, typeAt, `unknown operation type ${typeCode}`);
  }
  const chainId = readChainId(reader, `${field}.chainId`);
  const sender = reader.fixed(32, `${field}.sender`);
  const nonce = reader.u53(`${field}.nonce`);
  const payloadReader = reader.sub(readPayloadLength(reader, `${field}.payloadLength`), `${field}.payload`);
  const op = readOperation(payloadReader, typeCode, `${field}.payload`);
  payloadReader.end(`${field}.payload`);
  const unsignedBytes = reader.position - start;
  const signature = reader.fixed(64, `${field}.signature`);
  return { tx: { chainId, sender, nonce, op, signature }, unsignedBytes };
}

function readPayloadLength(reader: ByteReader, field: string): number {
  const at = reader.offset;
  const length = reader.u16(field);
  if (length > txPayloadBytesMax)
    throw new DecodeError(field, at, `payload length ${length} exceeds limit ${txPayloadBytesMax}`);
  return length;
}

/** Decodes one transaction's canonical bytes. @throws DecodeError naming the field and offset. */
export function decodeTransaction(bytes: Uint8Array): Transaction {
  requireBytes(bytes, 'bytes', 'decodeTransaction');
  const reader = new ByteReader(bytes);
  if (bytes.length > txBytesMax) reader.fail('tx', `${bytes.length} bytes exceeds limit ${txBytesMax}`);
  const { tx } = readTransaction(reader, 'tx');
  reader.end('tx');
  return tx;
}

/** The tx id: SHA-256 of the canonical bytes. */
export function transactionId(bytes: Uint8Array): Uint8Array {
  return sha256(bytes);
}
