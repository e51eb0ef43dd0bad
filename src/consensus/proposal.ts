/**
 * What the replica reads from a proposed block: only its header and the previous block's
 * certificate, never the transactions (the driver's ledger checks those). The block hash
 * (the PBFT digest) is always recomputed here from the header bytes; a digest written in a
 * message is only ever compared against it, never trusted.
 */
import { ByteReader, bytesEqual } from '../bytes.js';
import { type BlockHeader, blockHash, blockHeaderBytes, certificateBytesMax, readBlockHeader } from '../codec/block.js';
import { type CommitCertificate, commitVoteMessage, decodeCertificate } from '../codec/certificate.js';
import type { Ed25519BatchItem } from '../crypto/ed25519.js';
import { sha256 } from '../crypto/sha256.js';
import type { Members } from './members.js';

/** A proposed block's header, hash and embedded previous certificate. */
export interface ProposalParts {
  readonly header: BlockHeader;
  /** SHA-256 of the header bytes. */
  readonly hash: Uint8Array;
  /** The previous block's certificate bytes carried in the block (empty for height 1). */
  readonly previousCertificate: Uint8Array;
}

const zeroHash = new Uint8Array(32);

/** The header, hash and previous certificate of block bytes, or undefined when they are not a well-formed block prefix. */
export function readProposal(block: Uint8Array): ProposalParts | undefined {
  if (block.length < blockHeaderBytes + 4) return undefined;
  try {
    const reader = new ByteReader(block);
    const header = readBlockHeader(reader, 'block.header');
    const certificateLength = reader.u32('block.previousCertificateLength');
    if (certificateLength > certificateBytesMax) return undefined;
    const previousCertificate = reader.fixed(certificateLength, 'block.previousCertificate');
    return { header, hash: blockHash(block.subarray(0, blockHeaderBytes)), previousCertificate };
  } catch {
    return undefined;
  }
}

/**
 * Checks that `certificateBytes` certify block `height` with hash `hash` (it decodes, names
 * that height and block, and holds a quorum of signatures from validators — distinct, since
 * the encoding is strictly ascending) and returns the signatures still to verify, or a reason
 * it cannot. Whether a block's header commits to the certificate it carries is
 * {@link carriesCertificate}'s check.
 */
export function certificateClaims(
  certificateBytes: Uint8Array,
  chainId: string,
  members: Members,
  height: number,
  hash: Uint8Array,
): { certificate: CommitCertificate; items: Ed25519BatchItem[] } | string {
  let certificate: CommitCertificate;
  try {
    certificate = decodeCertificate(certificateBytes);
  } catch (error) {
    return `certificate does not decode: ${(error as Error).message}`;
  }
  if (certificate.height !== height) return `certificate is for height ${certificate.height}, not ${height}`;
  if (!bytesEqual(certificate.blockHash, hash)) return 'certificate names another block';
  if (certificate.signatures.length < members.quorum) {
    return `certificate has ${certificate.signatures.length} signatures, a quorum is ${members.quorum}`;
  }
  const message = commitVoteMessage(chainId, certificate.view, height, hash);
  const items: Ed25519BatchItem[] = [];
  for (const entry of certificate.signatures) {
    if (members.indexOf(entry.publicKey) < 0) return 'certificate is signed by a non-member';
    items.push({ publicKey: entry.publicKey, message, signature: entry.signature });
  }
  return { certificate, items };
}

/** Whether a block's header commits to the certificate bytes it carries. */
export function carriesCertificate(parts: ProposalParts): boolean {
  const expected = parts.previousCertificate.length === 0 ? zeroHash : sha256(parts.previousCertificate);
  return bytesEqual(expected, parts.header.previousCertificateHash);
}

/**
 * The bytes of each transaction in a block (views into it), found from the length fields
 * alone: the block was decoded and checked when it was validated, so only the boundaries are
 * needed here. Layout per transaction: `u8 version | u8 type | u8 chainIdLength | chainId |
 * sender[32] | u53 nonce | u16 payloadLength | payload | signature[64]`.
 * @throws DecodeError if a length runs past the block.
 */
export function blockTxBytes(block: Uint8Array): Uint8Array[] {
  const reader = new ByteReader(block);
  const header = readBlockHeader(reader, 'block.header');
  reader.fixed(reader.u32('block.previousCertificateLength'), 'block.previousCertificate');
  const out: Uint8Array[] = [];
  const view = new DataView(block.buffer, block.byteOffset, block.byteLength);
  let at = reader.position;
  for (let i = 0; i < header.txCount; i++) {
    const chainIdLength = at + 3 <= block.length ? (block[at + 2] as number) : 0;
    const payloadLengthAt = at + 3 + chainIdLength + 32 + 8;
    if (payloadLengthAt + 2 > block.length) reader.failAt(`block.txs[${i}]`, at, 'transaction runs past the block');
    const end = payloadLengthAt + 2 + view.getUint16(payloadLengthAt, true) + 64;
    if (end > block.length) reader.failAt(`block.txs[${i}]`, at, 'transaction runs past the block');
    out.push(block.subarray(at, end));
    at = end;
  }
  return out;
}
