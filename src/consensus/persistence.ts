/**
 * The replica's safety state as key → bytes records, written through `persist` effects
 * before the votes they cover are sent, and handed back on restart. They are what a replica
 * must not forget to stay safe across a crash:
 *
 * ```
 * view               u53 view | u8 changing          the view it is in or changing to
 * checkpoint         u53 sequence | blockHash[32] | stateRoot[32] | u16 n | n × (u32 len | CHECKPOINT)
 *                                                     its stable checkpoint and proof
 * prepared/<seq>     u32 len | PRE-PREPARE | u16 n | n × (u32 len | PREPARE)
 *                                                     a prepared certificate, for VIEW-CHANGEs
 * vote/<seq>         u53 view | digest[32]            the last block it pre-prepared or prepared at seq
 * ```
 * `<seq>` is the sequence number in 16 decimal digits, so records sort by sequence. With the
 * `vote` records a restarted replica never signs a PREPARE or PRE-PREPARE for another block at
 * a (view, sequence) where it already voted; with `view` it never goes back to a view it left.
 */
import { ByteReader, ByteWriter } from '../bytes.js';
import {
  type CheckpointMessage,
  type CheckpointRef,
  type ConsensusMessage,
  type ConsensusMessageKind,
  decodeConsensusMessage,
  type PrePrepareMessage,
  type PreparedCertificate,
  type PrepareMessage,
} from '../codec/consensus.js';
import { DecodeError } from '../errors.js';
import { certificateSignaturesMax } from '../limits.js';

/** A vote the replica signed for a sequence number. */
export interface SignedVote {
  readonly view: number;
  readonly digest: Uint8Array;
}

/** The restored safety state. */
export interface SafetyState {
  readonly view: number;
  readonly changing: boolean;
  readonly checkpoint?: { readonly ref: CheckpointRef; readonly proof: readonly CheckpointMessage[] };
  readonly prepared: Map<number, PreparedCertificate>;
  readonly votes: Map<number, SignedVote>;
}

/** Record key of the view record. */
export const viewRecordKey = 'view';
/** Record key of the stable checkpoint record. */
export const checkpointRecordKey = 'checkpoint';

/** Record key of the prepared certificate at `sequence`. */
export function preparedRecordKey(sequence: number): string {
  return `prepared/${String(sequence).padStart(16, '0')}`;
}

/** Record key of the vote at `sequence`. */
export function voteRecordKey(sequence: number): string {
  return `vote/${String(sequence).padStart(16, '0')}`;
}

/** The view record's bytes. */
export function encodeViewRecord(view: number, changing: boolean): Uint8Array {
  return new ByteWriter(9).u53(view).bool(changing).finish();
}

/** The checkpoint record's bytes. */
export function encodeCheckpointRecord(ref: CheckpointRef, proof: readonly CheckpointMessage[]): Uint8Array {
  const writer = new ByteWriter(8 + 64 + 2 + proof.length * 200);
  writer.u53(ref.sequence).fixed(ref.blockHash).fixed(ref.stateRoot).u16(proof.length);
  for (const message of proof) writer.prefixed(4, message.bytes);
  return writer.finish();
}

/** A prepared certificate record's bytes. */
export function encodePreparedRecord(certificate: PreparedCertificate): Uint8Array {
  const writer = new ByteWriter(certificate.prePrepare.bytes.length + 8 + certificate.prepares.length * 200);
  writer.prefixed(4, certificate.prePrepare.bytes).u16(certificate.prepares.length);
  for (const prepare of certificate.prepares) writer.prefixed(4, prepare.bytes);
  return writer.finish();
}

/** A vote record's bytes. */
export function encodeVoteRecord(vote: SignedVote): Uint8Array {
  return new ByteWriter(40).u53(vote.view).fixed(vote.digest).finish();
}

function nested<K extends ConsensusMessageKind>(
  reader: ByteReader,
  chainId: string,
  kind: K,
  field: string,
): Extract<ConsensusMessage, { kind: K }> {
  const at = reader.offset;
  const bytes = reader.prefixed(4, 1, 0xffffffff, field);
  const message = decodeConsensusMessage(chainId, bytes);
  if (message.kind !== kind) throw new DecodeError(field, at, `expected a ${kind} message, got ${message.kind}`);
  return message as Extract<ConsensusMessage, { kind: K }>;
}

/** The safety state held in `records` (empty records: a fresh replica in `view` 0). @throws DecodeError naming the record. */
export function restoreSafetyState(records: ReadonlyMap<string, Uint8Array>, chainId: string): SafetyState {
  let view = 0;
  let changing = false;
  let checkpoint: SafetyState['checkpoint'];
  const prepared = new Map<number, PreparedCertificate>();
  const votes = new Map<number, SignedVote>();
  for (const [key, value] of records) {
    const reader = new ByteReader(value);
    if (key === viewRecordKey) {
      view = reader.u53('view.view');
      changing = reader.bool('view.changing');
    } else if (key === checkpointRecordKey) {
      const ref = {
        sequence: reader.u53('checkpoint.sequence'),
        blockHash: reader.fixed(32, 'checkpoint.blockHash'),
        stateRoot: reader.fixed(32, 'checkpoint.stateRoot'),
      };
      const count = reader.u16('checkpoint.count');
      if (count > certificateSignaturesMax)
        reader.fail('checkpoint.count', `${count} over ${certificateSignaturesMax}`);
      const proof: CheckpointMessage[] = [];
      for (let i = 0; i < count; i++) proof.push(nested(reader, chainId, 'checkpoint', `checkpoint.proof[${i}]`));
      checkpoint = { ref, proof };
    } else if (key.startsWith('prepared/')) {
      const prePrepare: PrePrepareMessage = nested(reader, chainId, 'pre-prepare', `${key}.prePrepare`);
      const count = reader.u16(`${key}.count`);
      if (count > certificateSignaturesMax) reader.fail(`${key}.count`, `${count} over ${certificateSignaturesMax}`);
      const prepares: PrepareMessage[] = [];
      for (let i = 0; i < count; i++) prepares.push(nested(reader, chainId, 'prepare', `${key}.prepares[${i}]`));
      prepared.set(prePrepare.sequence, { prePrepare, prepares });
    } else if (key.startsWith('vote/')) {
      const sequence = Number(key.slice('vote/'.length));
      if (!Number.isSafeInteger(sequence)) throw new DecodeError(key, 0, 'record key is not a sequence number');
      votes.set(sequence, { view: reader.u53(`${key}.view`), digest: reader.fixed(32, `${key}.digest`) });
    } else {
      throw new DecodeError(key, 0, 'unknown replica record');
    }
    reader.end(key);
  }
  return { view, changing, ...(checkpoint === undefined ? {} : { checkpoint }), prepared, votes };
}
