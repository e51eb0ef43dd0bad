/**
 * Commit certificates: 2f+1 members' COMMIT signatures over one block, which anyone holding
 * the member keys can check. A block's header carries the hash of the certificate of the
 * block before it, and the block body carries that certificate itself, so the chain of
 * certificates is as tamper-evident as the chain of blocks.
 *
 * ```
 * u8  version          1
 * u53 height           the committed block's height
 * 32  blockHash
 * u53 view             the PBFT view the block committed in
 * u16 count            1..certificateSignaturesMax
 * count × ( publicKey[32] | signature[64] )   strictly ascending by publicKey
 * ```
 * The order makes the encoding canonical (one set of signatures, one byte string) and makes
 * duplicate signers impossible to encode. A signature covers the commit-vote message:
 * `"consortium-ledger/commit/v1" ‖ 0x00 ‖ u8 chainIdLength ‖ chainId ‖ u53 view ‖ u53 height ‖ blockHash`.
 */
import { ByteReader, ByteWriter } from '../bytes.js';
import { DecodeError } from '../errors.js';
import { certificateSignaturesMax } from '../limits.js';
import { requireBytes, requireBytesOfLength, requireInteger } from '../validate.js';
import { codecVersion, requireChainId, writeChainId } from './transaction.js';

/** One member's vote in a certificate. */
export interface CommitSignature {
  /** The voting validator's 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  /** Its 64-byte Ed25519 signature over {@link commitVoteMessage} for the certified block. */
  readonly signature: Uint8Array;
}

/** A commit certificate. */
export interface CommitCertificate {
  /** Height of the committed block. */
  readonly height: number;
  /** Hash of the committed block (SHA-256 of its header bytes). */
  readonly blockHash: Uint8Array;
  /** The PBFT view the block committed in; part of every vote's signed message. */
  readonly view: number;
  /** Strictly ascending by public key. */
  readonly signatures: readonly CommitSignature[];
}

const commitDomain = new TextEncoder().encode('consortium-ledger/commit/v1\0');

/** The bytes a member signs to vote COMMIT for `blockHash` at `height` in `view`. */
export function commitVoteMessage(chainId: string, view: number, height: number, blockHash: Uint8Array): Uint8Array {
  const where = 'commitVoteMessage';
  requireChainId(chainId, where);
  requireInteger(view, 'view', where, 0, Number.MAX_SAFE_INTEGER);
  requireInteger(height, 'height', where, 0, Number.MAX_SAFE_INTEGER);
  requireBytesOfLength(blockHash, 32, 'blockHash', where);
  const writer = new ByteWriter(commitDomain.length + 1 + chainId.length + 48);
  writer.fixed(commitDomain);
  writeChainId(writer, chainId);
  return writer.u53(view).u53(height).fixed(blockHash).finish();
}

/** Compares two 32-byte keys lexicographically. */
export function compareKeys(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 32; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return 0;
}

/** Canonical bytes of a certificate. @throws RangeError if signers are not strictly ascending. */
export function encodeCertificate(certificate: CommitCertificate): Uint8Array {
  const where = 'encodeCertificate';
  requireInteger(certificate.height, 'height', where, 0, Number.MAX_SAFE_INTEGER);
  requireBytesOfLength(certificate.blockHash, 32, 'blockHash', where);
  requireInteger(certificate.view, 'view', where, 0, Number.MAX_SAFE_INTEGER);
  const signatures = certificate.signatures;
  if (!Array.isArray(signatures) || signatures.length < 1 || signatures.length > certificateSignaturesMax) {
    throw new RangeError(`${where}: signatures must hold 1..${certificateSignaturesMax} entries`);
  }
  const writer = new ByteWriter(1 + 8 + 32 + 8 + 2 + 96 * signatures.length);
  writer.u8(codecVersion).u53(certificate.height).fixed(certificate.blockHash).u53(certificate.view);
  writer.u16(signatures.length);
  for (let i = 0; i < signatures.length; i++) {
    const entry = signatures[i] as CommitSignature;
    requireBytesOfLength(entry.publicKey, 32, `signatures[${i}].publicKey`, where);
    requireBytesOfLength(entry.signature, 64, `signatures[${i}].signature`, where);
    if (i > 0 && compareKeys((signatures[i - 1] as CommitSignature).publicKey, entry.publicKey) >= 0) {
      throw new RangeError(`${where}: signatures[${i}].publicKey is not above signatures[${i - 1}].publicKey`);
    }
    writer.fixed(entry.publicKey).fixed(entry.signature);
  }
  return writer.finish();
}

/** Reads a certificate (the reader may hold more after it). */
export function readCertificate(reader: ByteReader, field: string): CommitCertificate {
  const versionAt = reader.offset;
  const version = reader.u8(`${field}.version`);
  if (version !== codecVersion) {
    throw new DecodeError(`${field}.version`, versionAt, `unknown certificate version ${version}`);
  }
  const height = reader.u53(`${field}.height`);
  const blockHash = reader.fixed(32, `${field}.blockHash`);
  const view = reader.u53(`${field}.view`);
  const countAt = reader.offset;
  const count = reader.u16(`${field}.count`);
  if (count < 1 || count > certificateSignaturesMax) {
    throw new DecodeError(`${field}.count`, countAt, `count ${count} outside [1, ${certificateSignaturesMax}]`);
  }
  const signatures: CommitSignature[] = [];
  for (let i = 0; i < count; i++) {
    const keyAt = reader.offset;
    const publicKey = reader.fixed(32, `${field}.signatures[${i}].publicKey`);
    if (i > 0 && compareKeys((signatures[i - 1] as CommitSignature).publicKey, publicKey) >= 0) {
      throw new DecodeError(`${field}.signatures[${i}].publicKey`, keyAt, 'signers not strictly ascending');
    }
    signatures.push({ publicKey, signature: reader.fixed(64, `${field}.signatures[${i}].signature`) });
  }
  return { height, blockHash, view, signatures };
}

/** Decodes a certificate's canonical bytes. @throws DecodeError naming the field and offset. */
export function decodeCertificate(bytes: Uint8Array): CommitCertificate {
  requireBytes(bytes, 'bytes', 'decodeCertificate');
  const reader = new ByteReader(bytes);
  const certificate = readCertificate(reader, 'certificate');
  reader.end('certificate');
  return certificate;
}
