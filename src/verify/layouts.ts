/**
 * The byte layouts the verifier reads: block headers, commit certificates, the commit-vote
 * message and state proofs. Each is specified in the codec file named beside it, which is the
 * one writer; these readers exist because the codec's modules import the Node crypto code
 * (signing, node:crypto hashing) and so cannot load in a browser. They read with the same
 * `ByteReader` and refuse what the codec refuses (unknown versions, short input, trailing
 * bytes, unsorted signers); test/verify/verify.test.ts checks them against the codec's
 * decoders on real chains and on mutated bytes.
 */
import { ByteReader, ByteWriter } from '../bytes.js';
import { DecodeError } from '../errors.js';
import { blockTxsMax, certificateSignaturesMax, stateProofSiblingsMax } from '../limits.js';

/** Format version of block headers and certificates (src/codec/transaction.ts `codecVersion`). */
const codecVersion = 1;

/** Bytes of a canonical block header (src/codec/block.ts). */
export const headerBytes = 213;

/** The header fields the verifier checks against (src/codec/block.ts has the full layout). */
export interface HeaderFields {
  readonly height: number;
  readonly timestampMs: number;
  readonly txCount: number;
  readonly txRoot: Uint8Array;
  readonly receiptsRoot: Uint8Array;
  readonly stateRoot: Uint8Array;
}

/**
 * Reads a block header (src/codec/block.ts):
 * `u8 version | u53 height | previousHash[32] | u53 timestampMs | proposer[32] | u32 txCount |
 * txRoot[32] | receiptsRoot[32] | stateRoot[32] | previousCertificateHash[32]`.
 * @throws DecodeError naming the field.
 */
export function readHeader(bytes: Uint8Array): HeaderFields {
  if (bytes.length !== headerBytes) {
    throw new DecodeError('header', 0, `a header is ${headerBytes} bytes, got ${bytes.length}`);
  }
  const reader = new ByteReader(bytes);
  const version = reader.u8('header.version');
  if (version !== codecVersion) throw new DecodeError('header.version', 0, `unknown header version ${version}`);
  const height = reader.u53('header.height');
  reader.fixed(32, 'header.previousHash');
  const timestampMs = reader.u53('header.timestampMs');
  reader.fixed(32, 'header.proposer');
  const countAt = reader.offset;
  const txCount = reader.u32('header.txCount');
  if (txCount > blockTxsMax)
    throw new DecodeError('header.txCount', countAt, `${txCount} exceeds limit ${blockTxsMax}`);
  const txRoot = reader.fixed(32, 'header.txRoot');
  const receiptsRoot = reader.fixed(32, 'header.receiptsRoot');
  const stateRoot = reader.fixed(32, 'header.stateRoot');
  reader.fixed(32, 'header.previousCertificateHash');
  reader.end('header');
  return { height, timestampMs, txCount, txRoot, receiptsRoot, stateRoot };
}

/** A commit certificate (src/codec/certificate.ts). */
export interface CertificateFields {
  readonly height: number;
  readonly blockHash: Uint8Array;
  readonly view: number;
  /** Strictly ascending by public key. */
  readonly signatures: readonly { readonly publicKey: Uint8Array; readonly signature: Uint8Array }[];
}

/** Compares two 32-byte keys lexicographically. */
function compareKeys(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 32; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Reads a certificate (src/codec/certificate.ts): `u8 version | u53 height | blockHash[32] |
 * u53 view | u16 count | count × (publicKey[32] | signature[64])`, signers strictly ascending.
 * @throws DecodeError naming the field.
 */
export function readCertificate(bytes: Uint8Array): CertificateFields {
  const reader = new ByteReader(bytes);
  const version = reader.u8('certificate.version');
  if (version !== codecVersion)
    throw new DecodeError('certificate.version', 0, `unknown certificate version ${version}`);
  const height = reader.u53('certificate.height');
  const blockHash = reader.fixed(32, 'certificate.blockHash');
  const view = reader.u53('certificate.view');
  const countAt = reader.offset;
  const count = reader.u16('certificate.count');
  if (count < 1 || count > certificateSignaturesMax) {
    throw new DecodeError('certificate.count', countAt, `count ${count} outside [1, ${certificateSignaturesMax}]`);
  }
  const signatures: { publicKey: Uint8Array; signature: Uint8Array }[] = [];
  for (let i = 0; i < count; i++) {
    const keyAt = reader.offset;
    const publicKey = reader.fixed(32, `certificate.signatures[${i}].publicKey`);
    const previous = signatures[i - 1];
    if (previous !== undefined && compareKeys(previous.publicKey, publicKey) >= 0) {
      throw new DecodeError(`certificate.signatures[${i}].publicKey`, keyAt, 'signers not strictly ascending');
    }
    signatures.push({ publicKey, signature: reader.fixed(64, `certificate.signatures[${i}].signature`) });
  }
  reader.end('certificate');
  return { height, blockHash, view, signatures };
}

const commitDomain = new TextEncoder().encode('consortium-ledger/commit/v1\0');

/**
 * The bytes a validator signs to vote COMMIT (src/codec/certificate.ts `commitVoteMessage`):
 * `"consortium-ledger/commit/v1" ‖ 0x00 ‖ u8 chainIdLength ‖ chainId ‖ u53 view ‖ u53 height ‖ blockHash`.
 * `chainId` is ASCII `[a-z0-9._-]`, checked by the caller.
 */
export function commitVoteMessage(chainId: string, view: number, height: number, blockHash: Uint8Array): Uint8Array {
  const writer = new ByteWriter(commitDomain.length + 1 + chainId.length + 48);
  writer.fixed(commitDomain).u8(chainId.length);
  for (let i = 0; i < chainId.length; i++) writer.u8(chainId.charCodeAt(i));
  return writer.u53(view).u53(height).fixed(blockHash).finish();
}

/** A state proof (src/ledger/state-proof.ts). */
export interface StateProofFields {
  /** Sibling hashes from the root down: siblings[i] is at depth i + 1. */
  readonly siblings: readonly Uint8Array[];
  /** The leaf at the end of the key's path, or null for an empty slot. */
  readonly leaf: { readonly keyHash: Uint8Array; readonly valueHash: Uint8Array } | null;
}

/**
 * Reads a state proof (src/ledger/state-proof.ts): `u8 version = 1 | u16 siblingCount |
 * u8 hasLeaf | [keyHash[32] | valueHash[32]] | siblingCount × 32`.
 * @throws DecodeError naming the field.
 */
export function readStateProof(bytes: Uint8Array): StateProofFields {
  const reader = new ByteReader(bytes);
  const version = reader.u8('stateProof.version');
  if (version !== 1) throw new DecodeError('stateProof.version', 0, `expected version 1, got ${version}`);
  const siblingCount = reader.u16('stateProof.siblingCount');
  if (siblingCount > stateProofSiblingsMax) {
    throw new DecodeError('stateProof.siblingCount', 1, `${siblingCount} exceeds limit ${stateProofSiblingsMax}`);
  }
  const leaf = reader.bool('stateProof.hasLeaf')
    ? { keyHash: reader.fixed(32, 'stateProof.leaf.keyHash'), valueHash: reader.fixed(32, 'stateProof.leaf.valueHash') }
    : null;
  const siblings: Uint8Array[] = [];
  for (let i = 0; i < siblingCount; i++) siblings.push(reader.fixed(32, `stateProof.siblings[${i}]`));
  reader.end('stateProof');
  return { siblings, leaf };
}
