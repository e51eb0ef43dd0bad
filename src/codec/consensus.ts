/**
 * PBFT consensus messages: their canonical bytes, what each signature covers, and the
 * signature checks a decoded message needs.
 *
 * Every message is one envelope:
 * ```
 * offset 0   u8  version      1
 *        1   u8  kind         1 request, 2 pre-prepare, 3 prepare, 4 commit, 5 checkpoint,
 *                             6 view-change, 7 new-view, 8 state-request, 9 state-response
 *        2   32  sender       the member's Ed25519 public key
 *       34   64  signature    Ed25519 over the signing message below
 *       98       body         by kind:
 *
 * request         u16 count (1..requestTxsMax) | count × (u32 txLength (1..txBytesMax) | tx)
 * pre-prepare     u53 view | u53 sequence | digest[32] | u32 blockLength (1..consensusProposalBytesMax) | block
 * prepare         u53 view | u53 sequence | digest[32]
 * commit          u53 view | u53 sequence | digest[32]
 * checkpoint      u53 sequence | blockHash[32] | stateRoot[32]
 * view-change     u53 newView | u53 checkpoint.sequence | checkpoint.blockHash[32] | checkpoint.stateRoot[32]
 *                 | u16 proofCount (≤ certificateSignaturesMax) | proofCount × (u32 length | checkpoint envelope)
 *                 | u16 preparedCount (≤ viewChangePreparedMax)
 *                 | preparedCount × ( u32 length | pre-prepare envelope
 *                                   | u16 prepareCount (≤ certificateSignaturesMax)
 *                                   | prepareCount × (u32 length | prepare envelope) )
 * new-view        u53 view | u16 viewChangeCount (1..certificateSignaturesMax) | × (u32 length | view-change envelope)
 *                 | u16 prePrepareCount (≤ viewChangePreparedMax) | × (u32 length | pre-prepare envelope)
 * state-request   u53 fromHeight | u16 countMax (1..stateResponseBlocksMax)
 * state-response  u16 count (≤ stateResponseBlocksMax)
 *                 | count × (u32 blockLength (1..blockBytesMax) | block | u32 certificateLength (1..certificateBytesMax) | certificate)
 * ```
 * A whole message is at most `consensusMessageBytesMax` bytes; the blocks of one
 * state-response total at most `stateResponseBytesMax`. Every count is also bounded by the
 * bytes after it: a count of nested envelopes must leave at least 102 bytes (a length prefix
 * and an envelope header) per item, a prepared certificate 104 (a nested PRE-PREPARE and its u16 prepareCount), a
 * request's transaction 4, a state-response's entry 8 (the length prefixes), so a count
 * claiming more items than the message could hold is refused before anything is allocated for
 * them. A decoder told the number of members (`signersMax`) also refuses a list of messages
 * that must come from distinct members (checkpoint proof, PREPAREs, VIEW-CHANGEs) longer than
 * that: no valid message holds one, and it bounds what a member's message can make a
 * receiver build.
 *
 * A nested envelope is a complete message of the named kind: its length prefix must equal its
 * encoded length exactly, and it is decoded (recursively, for the same chain) into a message
 * that keeps its own bytes. The envelope header (version, kind, sender) has a fixed layout, so
 * a receiver reads it alone ({@link readConsensusHeader}) and drops a non-member's message
 * before decoding its body.
 *
 * The signing message of a COMMIT is exactly {@link commitVoteMessage}(chainId, view,
 * sequence, digest), so the signature of a COMMIT goes straight into the block's commit
 * certificate. Every other kind signs
 * `"consortium-ledger/pbft/v1" ‖ 0x00 ‖ u8 chainIdLength ‖ chainId ‖ u8 kind ‖ sender ‖ SHA-256(signedBody)`,
 * where signedBody is the whole body, except for a PRE-PREPARE: its signedBody is only its
 * first 48 bytes (view | sequence | digest). Its block is bound by the digest, which the
 * receiver checks by hashing the block's header, so a prepared certificate (a PRE-PREPARE
 * and its PREPAREs) can be checked without the block's bytes being part of any signature.
 *
 * Signing the body's hash keeps every signing message small (a VIEW-CHANGE carrying prepared
 * blocks can be far larger than the Ed25519 message limit) and costs one SHA-256 pass over the
 * body, which the receiver needs anyway to check it.
 *
 * The codec checks structure only: the kinds, counts and lengths above. Whether a
 * VIEW-CHANGE's proof and prepared certificates agree with each other, whether signers are
 * members or repeated, whether a digest is the hash of the block: the consensus layer checks.
 * Decoded byte fields (and `bytes`) are views into the input, not copies.
 */
import { ByteReader, ByteWriter, bytesEqual, concatBytes } from '../bytes.js';
import { type Ed25519BatchItem, ed25519PublicKeyFromSecret, ed25519Sign } from '../crypto/ed25519.js';
import { sha256 } from '../crypto/sha256.js';
import { DecodeError } from '../errors.js';
import {
  blockBytesMax,
  certificateSignaturesMax,
  consensusMessageBytesMax,
  consensusProposalBytesMax,
  requestTxsMax,
  stateResponseBlocksMax,
  stateResponseBytesMax,
  txBytesMax,
  viewChangePreparedMax,
} from '../limits.js';
import { describeValue, requireBytes, requireBytesOfLength, requireInteger } from '../validate.js';
import { certificateBytesMax } from './block.js';
import { commitVoteMessage } from './certificate.js';
import { codecVersion, requireChainId, writeChainId } from './transaction.js';

/** The nine consensus message kinds. */
export type ConsensusMessageKind =
  | 'request'
  | 'pre-prepare'
  | 'prepare'
  | 'commit'
  | 'checkpoint'
  | 'view-change'
  | 'new-view'
  | 'state-request'
  | 'state-response';

/** Wire codes of the message kinds (the envelope's `kind` byte). */
export const consensusKindCodes: Readonly<Record<ConsensusMessageKind, number>> = Object.freeze({
  request: 1,
  'pre-prepare': 2,
  prepare: 3,
  commit: 4,
  checkpoint: 5,
  'view-change': 6,
  'new-view': 7,
  'state-request': 8,
  'state-response': 9,
});

/** Kind by wire code (index = code; 0 and codes above 9 are unknown). */
const kindsByCode: readonly (ConsensusMessageKind | undefined)[] = [
  undefined,
  'request',
  'pre-prepare',
  'prepare',
  'commit',
  'checkpoint',
  'view-change',
  'new-view',
  'state-request',
  'state-response',
];

/** The root of a decoded message's field paths, by kind (`viewChange.prepared[0].prePrepare.view`). */
const rootFields: Readonly<Record<ConsensusMessageKind, string>> = {
  request: 'request',
  'pre-prepare': 'prePrepare',
  prepare: 'prepare',
  commit: 'commit',
  checkpoint: 'checkpoint',
  'view-change': 'viewChange',
  'new-view': 'newView',
  'state-request': 'stateRequest',
  'state-response': 'stateResponse',
};

/** What every decoded message carries. */
export interface ConsensusEnvelope {
  /** The message kind (the envelope's `kind` byte). */
  readonly kind: ConsensusMessageKind;
  /** The sending member's 32-byte Ed25519 public key. */
  readonly sender: Uint8Array;
  /** Its 64-byte Ed25519 signature over {@link ConsensusEnvelope.signingMessage}. */
  readonly signature: Uint8Array;
  /** The whole canonical envelope (a view into the input). */
  readonly bytes: Uint8Array;
  /**
   * The bytes the signature covers. Built on first access (a copy of the signed body behind
   * the domain prefix; for a COMMIT, the commit-vote message), then kept.
   */
  readonly signingMessage: Uint8Array;
}

/** Client transactions submitted for ordering, forwarded in one signed message. */
export interface RequestMessage extends ConsensusEnvelope {
  /** The kind. */
  readonly kind: 'request';
  /** The transactions' bytes (each 1..`limits.txBytesMax`; the consensus layer decodes them). */
  readonly txs: readonly Uint8Array[];
}

/** The primary's proposal of a block for a sequence number in a view. */
export interface PrePrepareMessage extends ConsensusEnvelope {
  /** The kind. */
  readonly kind: 'pre-prepare';
  /** The view the block is proposed in. */
  readonly view: number;
  /** The sequence number (the block's height). */
  readonly sequence: number;
  /** The block's hash (SHA-256 of its header); signed, and binds the block. */
  readonly digest: Uint8Array;
  /** The block's bytes (1..`limits.consensusProposalBytesMax`); not signed, bound by the digest. */
  readonly block: Uint8Array;
}

/** A backup's PREPARE vote for a proposal. */
export interface PrepareMessage extends ConsensusEnvelope {
  /** The kind. */
  readonly kind: 'prepare';
  /** The view of the proposal. */
  readonly view: number;
  /** The sequence number of the proposal. */
  readonly sequence: number;
  /** The proposed block's hash. */
  readonly digest: Uint8Array;
}

/** A COMMIT vote; its signature is a commit-certificate signature ({@link commitVoteMessage}). */
export interface CommitMessage extends ConsensusEnvelope {
  /** The kind. */
  readonly kind: 'commit';
  /** The view the block commits in. */
  readonly view: number;
  /** The sequence number (the block's height). */
  readonly sequence: number;
  /** The block's hash. */
  readonly digest: Uint8Array;
}

/** A member's statement of the chain state after a committed block. */
export interface CheckpointMessage extends ConsensusEnvelope {
  /** The kind. */
  readonly kind: 'checkpoint';
  /** The height of the checkpointed block. */
  readonly sequence: number;
  /** Its hash. */
  readonly blockHash: Uint8Array;
  /** The state root after it. */
  readonly stateRoot: Uint8Array;
}

/** A PRE-PREPARE with the PREPAREs that prepared it, as a VIEW-CHANGE carries them. */
export interface PreparedCertificate {
  /** The proposal. */
  readonly prePrepare: PrePrepareMessage;
  /** The PREPARE votes for it (at most `limits.certificateSignaturesMax`). */
  readonly prepares: readonly PrepareMessage[];
}

/** The stable checkpoint a VIEW-CHANGE starts from. */
export interface CheckpointRef {
  /** Height of the checkpointed block. */
  readonly sequence: number;
  /** Its 32-byte hash. */
  readonly blockHash: Uint8Array;
  /** The 32-byte state root after it. */
  readonly stateRoot: Uint8Array;
}

/** A member's vote to move to `newView`, with what it has prepared above its checkpoint. */
export interface ViewChangeMessage extends ConsensusEnvelope {
  /** The kind. */
  readonly kind: 'view-change';
  /** The view the member moves to. */
  readonly newView: number;
  /** Its last stable checkpoint. */
  readonly checkpoint: CheckpointRef;
  /** CHECKPOINT messages proving it (at most `limits.certificateSignaturesMax`). */
  readonly checkpointProof: readonly CheckpointMessage[];
  /** Prepared certificates above the checkpoint (at most `limits.viewChangePreparedMax`). */
  readonly prepared: readonly PreparedCertificate[];
}

/** The new primary's announcement of a view, with the VIEW-CHANGEs that justify it. */
export interface NewViewMessage extends ConsensusEnvelope {
  /** The kind. */
  readonly kind: 'new-view';
  /** The view that starts. */
  readonly view: number;
  /** The VIEW-CHANGE messages (1..`limits.certificateSignaturesMax`). */
  readonly viewChanges: readonly ViewChangeMessage[];
  /** The PRE-PREPAREs re-proposed in the new view (at most `limits.viewChangePreparedMax`). */
  readonly prePrepares: readonly PrePrepareMessage[];
}

/** A lagging replica's request for committed blocks. */
export interface StateRequestMessage extends ConsensusEnvelope {
  /** The kind. */
  readonly kind: 'state-request';
  /** Height of the first block wanted. */
  readonly fromHeight: number;
  /** Most blocks wanted (1..`limits.stateResponseBlocksMax`). */
  readonly countMax: number;
}

/** Committed blocks with their certificates, answering a STATE-REQUEST. */
export interface StateResponseMessage extends ConsensusEnvelope {
  /** The kind. */
  readonly kind: 'state-response';
  /** Committed blocks with their certificates (at most `limits.stateResponseBlocksMax`). */
  readonly entries: readonly {
    /** A block's canonical bytes (1..`limits.blockBytesMax`). */
    readonly block: Uint8Array;
    /** Its commit certificate's canonical bytes (1..`certificateBytesMax`). */
    readonly certificate: Uint8Array;
  }[];
}

/** Any decoded consensus message. */
export type ConsensusMessage =
  | RequestMessage
  | PrePrepareMessage
  | PrepareMessage
  | CommitMessage
  | CheckpointMessage
  | ViewChangeMessage
  | NewViewMessage
  | StateRequestMessage
  | StateResponseMessage;

/** The content of a message before it is signed; nested messages are given as their encoded envelopes. */
export type ConsensusBody =
  | {
      /** Client transactions. */
      kind: 'request';
      /** 1..`limits.requestTxsMax` transactions' bytes, each 1..`limits.txBytesMax`. */
      txs: readonly Uint8Array[];
    }
  | {
      /** A proposal. */
      kind: 'pre-prepare';
      /** The view, a u53. */
      view: number;
      /** The sequence number, a u53. */
      sequence: number;
      /** The block's 32-byte hash. */
      digest: Uint8Array;
      /** The block's bytes, 1..`limits.consensusProposalBytesMax`. */
      block: Uint8Array;
    }
  | {
      /** A PREPARE vote. */
      kind: 'prepare';
      /** The view, a u53. */
      view: number;
      /** The sequence number, a u53. */
      sequence: number;
      /** The block's 32-byte hash. */
      digest: Uint8Array;
    }
  | {
      /** A COMMIT vote. */
      kind: 'commit';
      /** The view, a u53. */
      view: number;
      /** The sequence number (height), a u53. */
      sequence: number;
      /** The block's 32-byte hash. */
      digest: Uint8Array;
    }
  | {
      /** A checkpoint. */
      kind: 'checkpoint';
      /** The height, a u53. */
      sequence: number;
      /** The block's 32-byte hash. */
      blockHash: Uint8Array;
      /** The 32-byte state root. */
      stateRoot: Uint8Array;
    }
  | {
      /** A view change. */
      kind: 'view-change';
      /** The view to move to, a u53. */
      newView: number;
      /** The stable checkpoint. */
      checkpoint: CheckpointRef;
      /** Encoded CHECKPOINT envelopes (at most `limits.certificateSignaturesMax`). */
      checkpointProof: readonly Uint8Array[];
      /** Prepared certificates (at most `limits.viewChangePreparedMax`). */
      prepared: readonly {
        /** An encoded PRE-PREPARE envelope. */
        prePrepare: Uint8Array;
        /** Encoded PREPARE envelopes (at most `limits.certificateSignaturesMax`). */
        prepares: readonly Uint8Array[];
      }[];
    }
  | {
      /** A new view. */
      kind: 'new-view';
      /** The view, a u53. */
      view: number;
      /** Encoded VIEW-CHANGE envelopes (1..`limits.certificateSignaturesMax`). */
      viewChanges: readonly Uint8Array[];
      /** Encoded PRE-PREPARE envelopes (at most `limits.viewChangePreparedMax`). */
      prePrepares: readonly Uint8Array[];
    }
  | {
      /** A state-transfer request. */
      kind: 'state-request';
      /** First height wanted, a u53. */
      fromHeight: number;
      /** Most blocks wanted, 1..`limits.stateResponseBlocksMax`. */
      countMax: number;
    }
  | {
      /** A state-transfer response. */
      kind: 'state-response';
      /** Blocks and their certificates (at most `limits.stateResponseBlocksMax`). */
      entries: readonly {
        /** A block's bytes, 1..`limits.blockBytesMax`. */
        block: Uint8Array;
        /** Its certificate's bytes, 1..`certificateBytesMax`. */
        certificate: Uint8Array;
      }[];
    };

/** A signer: the member's 32-byte public key and 32-byte secret seed (as ed25519Sign takes it). */
export type ConsensusSigner = ConsensusKeyPair | ConsensusExternalSigner;

/** A signer holding its secret seed (signing uses `node:crypto`). */
export interface ConsensusKeyPair {
  /** The member's 32-byte Ed25519 public key (the messages' `sender`). */
  readonly publicKey: Uint8Array;
  /** The 32-byte secret seed whose public key `publicKey` is. */
  readonly secretKey: Uint8Array;
}

/**
 * A signer whose key lives elsewhere (an HSM, a KMS, a signing service): `sign` returns the
 * 64-byte Ed25519 signature of the message under `publicKey`'s key. A wrong signature is not
 * caught here; every peer drops the message as badly signed.
 */
export interface ConsensusExternalSigner {
  /** The member's 32-byte Ed25519 public key (the messages' `sender`). */
  readonly publicKey: Uint8Array;
  /** Signs a message (synchronously: the replica never awaits). */
  readonly sign: (message: Uint8Array) => Uint8Array;
}

// ---- Signing messages ----------------------------------------------------------------------

/** Bytes of the envelope before the body: version, kind, sender, signature. */
const envelopeHeaderBytes = 1 + 1 + 32 + 64;

/** Bytes of a PRE-PREPARE's signed body: view, sequence, digest. */
const prePrepareSignedBytes = 8 + 8 + 32;

const pbftDomain = new TextEncoder().encode('consortium-ledger/pbft/v1\0');

/** Bytes of the signing message before the signed body, for a chain id of `chainIdLength` bytes. */
function signingPrefixBytes(chainIdLength: number): number {
  return pbftDomain.length + 1 + chainIdLength + 1 + 32;
}

/** The signing message of a kind other than COMMIT: domain ‖ chain id ‖ kind ‖ sender ‖ SHA-256(signed body). */
function pbftSigningMessage(chainId: string, code: number, sender: Uint8Array, signedBody: Uint8Array): Uint8Array {
  const prefix = new ByteWriter(signingPrefixBytes(chainId.length) + 32);
  prefix.fixed(pbftDomain);
  writeChainId(prefix, chainId);
  prefix.u8(code).fixed(sender).fixed(sha256(signedBody));
  return prefix.finish();
}

// ---- Decoding ------------------------------------------------------------------------------

/** What the envelope header says, read without the body (see {@link readConsensusHeader}). */
export interface ConsensusHeader {
  /** The message kind. */
  readonly kind: ConsensusMessageKind;
  /** The sender's 32-byte public key (a view into the input). */
  readonly sender: Uint8Array;
}

/** Options of {@link decodeConsensusMessage}. */
export interface ConsensusDecodeOptions {
  /**
   * Most entries of a list whose messages must come from distinct members (a VIEW-CHANGE's
   * checkpoint proof, a prepared certificate's PREPAREs, a NEW-VIEW's VIEW-CHANGEs): the number
   * of members, when the caller knows it. 1..`limits.certificateSignaturesMax`, the default.
   */
  readonly signersMax?: number;
}

/** Least bytes of one nested `u32 length | envelope`: its prefix and an envelope header (the body may be anything). */
const nestedBytesMin = 4 + envelopeHeaderBytes;

/** A length prefix (u32) in [min, max], refused at its own offset. */
function readLength(reader: ByteReader, field: string, min: number, max: number): number {
  const at = reader.offset;
  const length = reader.u32(field);
  if (length < min || length > max) throw new DecodeError(field, at, `length ${length} outside [${min}, ${max}]`);
  return length;
}

/**
 * A u16 count in [min, max] of items that take at least `itemBytesMin` bytes each, refused at
 * its own offset when out of range or when the bytes left cannot hold that many items (before
 * any item is read, so a lying count costs nothing).
 */
function readCount(reader: ByteReader, field: string, min: number, max: number, itemBytesMin: number): number {
  const at = reader.offset;
  const count = reader.u16(field);
  if (count < min || count > max) throw new DecodeError(field, at, `count ${count} outside [${min}, ${max}]`);
  if (count * itemBytesMin > reader.remaining) {
    throw new DecodeError(
      field,
      at,
      `count ${count} needs at least ${count * itemBytesMin} bytes, ${reader.remaining} left`,
    );
  }
  return count;
}

/** A nested `u32 length | envelope` of kind `kind`: the length must be the envelope's exactly. */
function readNested<K extends ConsensusMessageKind>(
  reader: ByteReader,
  chainId: string,
  path: string,
  kind: K,
  signersMax: number,
): Extract<ConsensusMessage, { kind: K }> {
  const length = reader.u32(`${path}.length`);
  const sub = reader.sub(length, path);
  const message = readEnvelope(sub, chainId, path, kind, signersMax);
  sub.end(path);
  return message as Extract<ConsensusMessage, { kind: K }>;
}

/**
 * Reads one envelope that fills `reader` exactly (the outer input, or a nested envelope's
 * sub-reader); the caller refuses trailing bytes. `expected` is the kind a nested field must
 * hold, or undefined at the top.
 */
function readEnvelope(
  reader: ByteReader,
  chainId: string,
  path: string,
  expected: ConsensusMessageKind | undefined,
  signersMax: number,
): ConsensusMessage {
  const start = reader.position;
  const kindAt = reader.offset + 1;
  const kind = readVersionAndKind(reader, path);
  const code = consensusKindCodes[kind];
  if (expected !== undefined && kind !== expected) {
    throw new DecodeError(`${path}.kind`, kindAt, `expected a ${expected} message, got a ${kind} message`);
  }
  const sender = reader.fixed(32, `${path}.sender`);
  const signature = reader.fixed(64, `${path}.signature`);
  const bodyStart = reader.position;
  const fields = readBody(reader, chainId, path, kind, signersMax);
  const bytes = reader.bytes.subarray(start, reader.position);
  const body = reader.bytes.subarray(bodyStart, reader.position);
  let signingMessage: Uint8Array | undefined;
  const sign =
    kind === 'commit'
      ? () => {
          const vote = fields as { view: number; sequence: number; digest: Uint8Array };
          return commitVoteMessage(chainId, vote.view, vote.sequence, vote.digest);
        }
      : () =>
          pbftSigningMessage(
            chainId,
            code,
            sender,
            kind === 'pre-prepare' ? body.subarray(0, prePrepareSignedBytes) : body,
          );
  return {
    kind,
    sender,
    signature,
    bytes,
    get signingMessage(): Uint8Array {
      if (signingMessage === undefined) signingMessage = sign();
      return signingMessage;
    },
    ...fields,
  } as ConsensusMessage;
}

/** The version byte (which must be `codecVersion`) and the kind byte of an envelope, at `path`. */
function readVersionAndKind(reader: ByteReader, path: string): ConsensusMessageKind {
  const versionAt = reader.offset;
  const version = reader.u8(`${path}.version`);
  if (version !== codecVersion) {
    throw new DecodeError(`${path}.version`, versionAt, `unknown consensus message version ${version}`);
  }
  const kindAt = reader.offset;
  const code = reader.u8(`${path}.kind`);
  const kind = kindsByCode[code];
  if (kind === undefined) throw new DecodeError(`${path}.kind`, kindAt, `unknown consensus message kind ${code}`);
  return kind;
}

/** The kind-specific fields of a body, read at `path`. */
function readBody(
  reader: ByteReader,
  chainId: string,
  path: string,
  kind: ConsensusMessageKind,
  signersMax: number,
): object {
  switch (kind) {
    case 'request': {
      const count = readCount(reader, `${path}.count`, 1, requestTxsMax, 4);
      const txs: Uint8Array[] = [];
      for (let i = 0; i < count; i++) {
        const length = readLength(reader, `${path}.txs[${i}].length`, 1, txBytesMax);
        txs.push(reader.fixed(length, `${path}.txs[${i}]`));
      }
      return { txs };
    }
    case 'pre-prepare': {
      const view = reader.u53(`${path}.view`);
      const sequence = reader.u53(`${path}.sequence`);
      const digest = reader.fixed(32, `${path}.digest`);
      const length = readLength(reader, `${path}.blockLength`, 1, consensusProposalBytesMax);
      return { view, sequence, digest, block: reader.fixed(length, `${path}.block`) };
    }
    case 'prepare':
    case 'commit': {
      const view = reader.u53(`${path}.view`);
      const sequence = reader.u53(`${path}.sequence`);
      return { view, sequence, digest: reader.fixed(32, `${path}.digest`) };
    }
    case 'checkpoint': {
      const sequence = reader.u53(`${path}.sequence`);
      const blockHash = reader.fixed(32, `${path}.blockHash`);
      return { sequence, blockHash, stateRoot: reader.fixed(32, `${path}.stateRoot`) };
    }
    case 'view-change': {
      const newView = reader.u53(`${path}.newView`);
      const sequence = reader.u53(`${path}.checkpoint.sequence`);
      const blockHash = reader.fixed(32, `${path}.checkpoint.blockHash`);
      const stateRoot = reader.fixed(32, `${path}.checkpoint.stateRoot`);
      const proofCount = readCount(reader, `${path}.proofCount`, 0, signersMax, nestedBytesMin);
      const checkpointProof: CheckpointMessage[] = [];
      for (let i = 0; i < proofCount; i++) {
        checkpointProof.push(readNested(reader, chainId, `${path}.checkpointProof[${i}]`, 'checkpoint', signersMax));
      }
      const preparedCount = readCount(reader, `${path}.preparedCount`, 0, viewChangePreparedMax, nestedBytesMin + 2);
      const prepared: PreparedCertificate[] = [];
      for (let i = 0; i < preparedCount; i++) {
        const at = `${path}.prepared[${i}]`;
        const prePrepare = readNested(reader, chainId, `${at}.prePrepare`, 'pre-prepare', signersMax);
        const prepareCount = readCount(reader, `${at}.prepareCount`, 0, signersMax, nestedBytesMin);
        const prepares: PrepareMessage[] = [];
        for (let j = 0; j < prepareCount; j++) {
          prepares.push(readNested(reader, chainId, `${at}.prepares[${j}]`, 'prepare', signersMax));
        }
        prepared.push({ prePrepare, prepares });
      }
      return { newView, checkpoint: { sequence, blockHash, stateRoot }, checkpointProof, prepared };
    }
    case 'new-view': {
      const view = reader.u53(`${path}.view`);
      const viewChangeCount = readCount(reader, `${path}.viewChangeCount`, 1, signersMax, nestedBytesMin);
      const viewChanges: ViewChangeMessage[] = [];
      for (let i = 0; i < viewChangeCount; i++) {
        viewChanges.push(readNested(reader, chainId, `${path}.viewChanges[${i}]`, 'view-change', signersMax));
      }
      const prePrepareCount = readCount(reader, `${path}.prePrepareCount`, 0, viewChangePreparedMax, nestedBytesMin);
      const prePrepares: PrePrepareMessage[] = [];
      for (let i = 0; i < prePrepareCount; i++) {
        prePrepares.push(readNested(reader, chainId, `${path}.prePrepares[${i}]`, 'pre-prepare', signersMax));
      }
      return { view, viewChanges, prePrepares };
    }
    case 'state-request': {
      const fromHeight = reader.u53(`${path}.fromHeight`);
      // countMax counts blocks asked for, not items that follow: nothing to bound by size.
      return { fromHeight, countMax: readCount(reader, `${path}.countMax`, 1, stateResponseBlocksMax, 0) };
    }
    case 'state-response': {
      const count = readCount(reader, `${path}.count`, 0, stateResponseBlocksMax, 8);
      const entries: StateResponseMessage['entries'][number][] = [];
      let blocksTotal = 0;
      for (let i = 0; i < count; i++) {
        const at = `${path}.entries[${i}]`;
        const lengthAt = reader.offset;
        const blockLength = readLength(reader, `${at}.blockLength`, 1, blockBytesMax);
        blocksTotal += blockLength;
        if (blocksTotal > stateResponseBytesMax) {
          throw new DecodeError(
            `${at}.blockLength`,
            lengthAt,
            `blocks total ${blocksTotal} bytes, limit ${stateResponseBytesMax}`,
          );
        }
        const block = reader.fixed(blockLength, `${at}.block`);
        const certificateLength = readLength(reader, `${at}.certificateLength`, 1, certificateBytesMax);
        entries.push({ block, certificate: reader.fixed(certificateLength, `${at}.certificate`) });
      }
      return { entries };
    }
  }
}

/**
 * Decodes a consensus message (nested messages included) without verifying signatures:
 * {@link consensusSignatureItems} lists the checks. Byte fields are views into `bytes`.
 * A receiver reads the sender first ({@link readConsensusHeader}) and decodes only a member's
 * message, passing the number of members as `options.signersMax`.
 *
 * @param chainId - the chain the message is for (its signing messages include it).
 * @throws DecodeError naming the field (e.g. `newView.viewChanges[1].prepared[0].prepares[3].view`)
 *   and the byte offset; RangeError/TypeError on a bad `chainId`, a non-Uint8Array `bytes`
 *   or a `signersMax` outside 1..`limits.certificateSignaturesMax`.
 */
export function decodeConsensusMessage(
  chainId: string,
  bytes: Uint8Array,
  options: ConsensusDecodeOptions = {},
): ConsensusMessage {
  const where = 'decodeConsensusMessage';
  requireChainId(chainId, where);
  requireBytes(bytes, 'bytes', where);
  const signersMax = options.signersMax ?? certificateSignaturesMax;
  requireInteger(signersMax, 'options.signersMax', where, 1, certificateSignaturesMax);
  const known = bytes.length > 1 ? kindsByCode[bytes[1] as number] : undefined;
  const root = known === undefined ? 'message' : rootFields[known];
  const reader = new ByteReader(bytes);
  if (bytes.length > consensusMessageBytesMax) {
    reader.fail(root, `${bytes.length} bytes exceeds limit ${consensusMessageBytesMax}`);
  }
  const message = readEnvelope(reader, chainId, root, undefined, signersMax);
  reader.end(root);
  return message;
}

/**
 * Reads only an envelope's fixed header — version, kind and sender, the first 34 bytes — so a
 * receiver can refuse a message by its sender (or its size) before decoding a body that may
 * hold hundreds of thousands of nested messages. The signature is not checked here.
 *
 * @throws DecodeError when the bytes are too short to hold the header (98 bytes, signature
 *   included) or the version or kind is unknown; TypeError for a non-Uint8Array `bytes`.
 */
export function readConsensusHeader(bytes: Uint8Array): ConsensusHeader {
  requireBytes(bytes, 'bytes', 'readConsensusHeader');
  const known = bytes.length > 1 ? kindsByCode[bytes[1] as number] : undefined;
  const root = known === undefined ? 'message' : rootFields[known];
  const reader = new ByteReader(bytes);
  const kind = readVersionAndKind(reader, root);
  const sender = reader.fixed(32, `${root}.sender`);
  reader.fixed(64, `${root}.signature`); // a message without a whole header is malformed, whoever it names
  return { kind, sender };
}

/**
 * Reads only the header of an envelope (its version and kind bytes), for cheap dispatch and
 * counting; the rest is not looked at.
 *
 * @throws DecodeError when the bytes are too short, or the version or kind is unknown.
 */
export function consensusMessageKind(bytes: Uint8Array): ConsensusMessageKind {
  requireBytes(bytes, 'bytes', 'consensusMessageKind');
  return readVersionAndKind(new ByteReader(bytes), 'message');
}

/**
 * The signature checks a message needs — its own and every nested message's — in a fixed
 * order: the message first, then the nested ones depth-first in encoding order (a
 * VIEW-CHANGE: itself, its checkpoint proof, then each prepared certificate's PRE-PREPARE
 * and its PREPAREs; a NEW-VIEW: itself, each VIEW-CHANGE with its nested messages, then its
 * PRE-PREPAREs). Hand them to `ed25519VerifyBatch`, or for a very large NEW-VIEW (more than
 * `limits.ed25519BatchItemsMax` items) to `CryptoPool.verifyBatch` or in chunks.
 */
export function consensusSignatureItems(message: ConsensusMessage): Ed25519BatchItem[] {
  if (typeof message !== 'object' || message === null || kindsByCode.indexOf(message.kind) < 1) {
    throw new TypeError(`consensusSignatureItems: expected a decoded consensus message, got ${describeValue(message)}`);
  }
  const items: Ed25519BatchItem[] = [];
  collectItems(message, items);
  return items;
}

function collectItems(message: ConsensusMessage, items: Ed25519BatchItem[]): void {
  items.push({ publicKey: message.sender, message: message.signingMessage, signature: message.signature });
  if (message.kind === 'view-change') {
    for (const proof of message.checkpointProof) collectItems(proof, items);
    for (const certificate of message.prepared) {
      collectItems(certificate.prePrepare, items);
      for (const prepare of certificate.prepares) collectItems(prepare, items);
    }
  } else if (message.kind === 'new-view') {
    for (const viewChange of message.viewChanges) collectItems(viewChange, items);
    for (const prePrepare of message.prePrepares) collectItems(prePrepare, items);
  }
}

// ---- Encoding ------------------------------------------------------------------------------

/** Public keys derived from secret seeds already checked, by the seed's array (see `requireSigner`). */
const checkedSigners = new WeakMap<Uint8Array, Uint8Array>();

/** Throws unless `signer` holds a 32-byte key and seed, the key being the seed's public key. */
function requireSigner(signer: unknown, where: string): asserts signer is ConsensusSigner {
  if (typeof signer !== 'object' || signer === null) {
    throw new TypeError(`${where}: expected signer to be an object, got ${describeValue(signer)}`);
  }
  const { publicKey, secretKey, sign } = signer as { publicKey?: unknown; secretKey?: unknown; sign?: unknown };
  requireBytesOfLength(publicKey, 32, 'signer.publicKey', where);
  if (typeof sign === 'function') return;
  requireBytesOfLength(secretKey, 32, 'signer.secretKey', where);
  let derived = checkedSigners.get(secretKey);
  if (derived === undefined) {
    derived = ed25519PublicKeyFromSecret(secretKey);
    checkedSigners.set(secretKey, derived);
  }
  if (!bytesEqual(derived, publicKey)) {
    throw new RangeError(`${where}: signer.publicKey is not the public key of signer.secretKey`);
  }
}

/** Throws unless `value` is an array of `min..max` entries. */
function requireArray(
  value: unknown,
  name: string,
  where: string,
  min: number,
  max: number,
): asserts value is unknown[] {
  if (!Array.isArray(value))
    throw new TypeError(`${where}: expected ${name} to be an array, got ${describeValue(value)}`);
  if (value.length < min || value.length > max) {
    throw new RangeError(`${where}: ${name} must hold ${min}..${max} entries, got ${value.length}`);
  }
}

/** Throws unless `value` is 1..`max` bytes. */
function requireBytesUpTo(value: unknown, max: number, name: string, where: string): asserts value is Uint8Array {
  requireBytes(value, name, where);
  if (value.length < 1 || value.length > max) {
    throw new RangeError(`${where}: ${name} must be 1..${max} bytes, got ${value.length}`);
  }
}

/** Writes `u32 length | envelope` after checking the envelope decodes as a `kind` message for `chainId`. */
function writeNested(
  writer: ByteWriter,
  chainId: string,
  value: unknown,
  name: string,
  where: string,
  kind: ConsensusMessageKind,
): void {
  requireBytes(value, name, where);
  try {
    const reader = new ByteReader(value);
    readEnvelope(reader, chainId, name, kind, certificateSignaturesMax);
    reader.end(name);
  } catch (error) {
    if (!(error instanceof DecodeError)) throw error;
    throw new RangeError(`${where}: ${name} is not a canonical ${kind} message: ${error.message}`);
  }
  writer.u32(value.length).fixed(value);
}

function writeU53(writer: ByteWriter, value: unknown, name: string, where: string): void {
  requireInteger(value, name, where, 0, Number.MAX_SAFE_INTEGER);
  writer.u53(value);
}

function writeHash(writer: ByteWriter, value: unknown, name: string, where: string): void {
  requireBytesOfLength(value, 32, name, where);
  writer.fixed(value);
}

/** Writes a body's bytes, checking every field (names are relative to the body). */
function writeBody(writer: ByteWriter, chainId: string, body: ConsensusBody, where: string): void {
  switch (body.kind) {
    case 'request':
      requireArray(body.txs, 'txs', where, 1, requestTxsMax);
      writer.u16(body.txs.length);
      body.txs.forEach((tx, i) => {
        requireBytesUpTo(tx, txBytesMax, `txs[${i}]`, where);
        writer.u32(tx.length).fixed(tx);
      });
      return;
    case 'pre-prepare':
      writeU53(writer, body.view, 'view', where);
      writeU53(writer, body.sequence, 'sequence', where);
      writeHash(writer, body.digest, 'digest', where);
      requireBytesUpTo(body.block, consensusProposalBytesMax, 'block', where);
      writer.u32(body.block.length).fixed(body.block);
      return;
    case 'prepare':
    case 'commit':
      writeU53(writer, body.view, 'view', where);
      writeU53(writer, body.sequence, 'sequence', where);
      writeHash(writer, body.digest, 'digest', where);
      return;
    case 'checkpoint':
      writeU53(writer, body.sequence, 'sequence', where);
      writeHash(writer, body.blockHash, 'blockHash', where);
      writeHash(writer, body.stateRoot, 'stateRoot', where);
      return;
    case 'view-change': {
      writeU53(writer, body.newView, 'newView', where);
      const checkpoint: unknown = body.checkpoint;
      if (typeof checkpoint !== 'object' || checkpoint === null) {
        throw new TypeError(`${where}: expected checkpoint to be an object, got ${describeValue(checkpoint)}`);
      }
      writeU53(writer, body.checkpoint.sequence, 'checkpoint.sequence', where);
      writeHash(writer, body.checkpoint.blockHash, 'checkpoint.blockHash', where);
      writeHash(writer, body.checkpoint.stateRoot, 'checkpoint.stateRoot', where);
      requireArray(body.checkpointProof, 'checkpointProof', where, 0, certificateSignaturesMax);
      writer.u16(body.checkpointProof.length);
      for (let i = 0; i < body.checkpointProof.length; i++) {
        writeNested(writer, chainId, body.checkpointProof[i], `checkpointProof[${i}]`, where, 'checkpoint');
      }
      requireArray(body.prepared, 'prepared', where, 0, viewChangePreparedMax);
      writer.u16(body.prepared.length);
      for (let i = 0; i < body.prepared.length; i++) {
        const certificate: unknown = body.prepared[i];
        if (typeof certificate !== 'object' || certificate === null) {
          throw new TypeError(`${where}: expected prepared[${i}] to be an object, got ${describeValue(certificate)}`);
        }
        const { prePrepare, prepares } = certificate as { prePrepare?: unknown; prepares?: unknown };
        writeNested(writer, chainId, prePrepare, `prepared[${i}].prePrepare`, where, 'pre-prepare');
        requireArray(prepares, `prepared[${i}].prepares`, where, 0, certificateSignaturesMax);
        writer.u16(prepares.length);
        for (let j = 0; j < prepares.length; j++) {
          writeNested(writer, chainId, prepares[j], `prepared[${i}].prepares[${j}]`, where, 'prepare');
        }
      }
      return;
    }
    case 'new-view':
      writeU53(writer, body.view, 'view', where);
      requireArray(body.viewChanges, 'viewChanges', where, 1, certificateSignaturesMax);
      writer.u16(body.viewChanges.length);
      for (let i = 0; i < body.viewChanges.length; i++) {
        writeNested(writer, chainId, body.viewChanges[i], `viewChanges[${i}]`, where, 'view-change');
      }
      requireArray(body.prePrepares, 'prePrepares', where, 0, viewChangePreparedMax);
      writer.u16(body.prePrepares.length);
      for (let i = 0; i < body.prePrepares.length; i++) {
        writeNested(writer, chainId, body.prePrepares[i], `prePrepares[${i}]`, where, 'pre-prepare');
      }
      return;
    case 'state-request':
      writeU53(writer, body.fromHeight, 'fromHeight', where);
      requireInteger(body.countMax, 'countMax', where, 1, stateResponseBlocksMax);
      writer.u16(body.countMax);
      return;
    case 'state-response': {
      requireArray(body.entries, 'entries', where, 0, stateResponseBlocksMax);
      writer.u16(body.entries.length);
      let blocksTotal = 0;
      for (let i = 0; i < body.entries.length; i++) {
        const entry: unknown = body.entries[i];
        if (typeof entry !== 'object' || entry === null) {
          throw new TypeError(`${where}: expected entries[${i}] to be an object, got ${describeValue(entry)}`);
        }
        const { block, certificate } = entry as { block?: unknown; certificate?: unknown };
        requireBytesUpTo(block, blockBytesMax, `entries[${i}].block`, where);
        requireBytesUpTo(certificate, certificateBytesMax, `entries[${i}].certificate`, where);
        blocksTotal += block.length;
        if (blocksTotal > stateResponseBytesMax) {
          throw new RangeError(`${where}: entries' blocks total ${blocksTotal} bytes, limit ${stateResponseBytesMax}`);
        }
        writer.u32(block.length).fixed(block).u32(certificate.length).fixed(certificate);
      }
      return;
    }
  }
}

/**
 * Encodes and signs a consensus message: the canonical envelope of `body`, sent by
 * `signer.publicKey` and signed with `signer.secretKey` for chain `chainId`. Nested messages
 * (a VIEW-CHANGE's proof and certificates, a NEW-VIEW's VIEW-CHANGEs and PRE-PREPAREs) are
 * given as their envelopes and copied as they are (their signatures are not checked).
 *
 * @throws TypeError/RangeError naming the function and the field (`prepared[1].prepares[0]`)
 *   for a bad chain id, signer or field, a count or length over its limit, a nested envelope
 *   that is not a canonical message of the right kind, or a message over
 *   `limits.consensusMessageBytesMax` (or whose signing message is over
 *   `limits.ed25519MessageBytesMax`).
 */
export function encodeConsensusMessage(chainId: string, signer: ConsensusSigner, body: ConsensusBody): Uint8Array {
  const where = 'encodeConsensusMessage';
  requireChainId(chainId, where);
  requireSigner(signer, where);
  if (typeof body !== 'object' || body === null) {
    throw new TypeError(`${where}: expected body to be an object, got ${describeValue(body)}`);
  }
  const kind = body.kind;
  if (typeof kind !== 'string' || !Object.hasOwn(consensusKindCodes, kind)) {
    throw new RangeError(`${where}: unknown consensus message kind ${JSON.stringify(kind)}`);
  }
  const code = consensusKindCodes[kind];
  const blockBytes = body.kind === 'pre-prepare' && body.block instanceof Uint8Array ? body.block.length : 0;
  const writer = new ByteWriter(64 + blockBytes);
  writeBody(writer, chainId, body, where);
  const bodyBytes = writer.finish();
  const length = envelopeHeaderBytes + bodyBytes.length;
  if (length > consensusMessageBytesMax) {
    throw new RangeError(`${where}: message has ${length} bytes, limit ${consensusMessageBytesMax}`);
  }
  let signingMessage: Uint8Array;
  if (body.kind === 'commit') {
    signingMessage = commitVoteMessage(chainId, body.view, body.sequence, body.digest);
  } else {
    const signedBody = kind === 'pre-prepare' ? bodyBytes.subarray(0, prePrepareSignedBytes) : bodyBytes;
    signingMessage = pbftSigningMessage(chainId, code, signer.publicKey, signedBody);
  }
  const signature = 'sign' in signer ? signer.sign(signingMessage) : ed25519Sign(signer.secretKey, signingMessage);
  requireBytesOfLength(signature, 64, 'signer.sign(message)', where);
  const header = new ByteWriter(envelopeHeaderBytes);
  header.u8(codecVersion).u8(code).fixed(signer.publicKey).fixed(signature);
  return concatBytes([header.finish(), bodyBytes]);
}
