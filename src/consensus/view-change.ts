/**
 * View change per Castro & Liskov, "Practical Byzantine Fault Tolerance and Proactive
 * Recovery" (TOCS 2002) §4.4, as pure functions over decoded messages whose signatures (the
 * message's own and every nested one) have already been verified in a batch.
 *
 * A VIEW-CHANGE for view v + 1 carries the sender's stable checkpoint with its proof (2f + 1
 * matching CHECKPOINTs) and, for every sequence number above it that the sender prepared,
 * the prepared certificate: the PRE-PREPARE (with the block) and 2f matching PREPAREs from
 * backups. The new primary collects 2f + 1 of them and computes the NEW-VIEW's PRE-PREPAREs
 * with `planNewView`; every backup recomputes the same plan from the same VIEW-CHANGEs and
 * refuses a NEW-VIEW that differs — digests come from block bytes, never from the message.
 *
 * Where the paper fills a gap in the sequence numbers with a null request, a hash chain
 * cannot skip a height: the plan instead stops at the first height without a prepared
 * certificate, or whose block does not link to the block planned below it. Nothing past that
 * point can have committed at an honest replica: an honest backup validates block n + 1 only
 * after it committed block n, so a committed n + 1 implies n prepared at f + 1 honest
 * replicas, one of which is in any 2f + 1 VIEW-CHANGEs and carries the certificate of the
 * one block n that can commit (the one n + 1 links to).
 */
import { bytesEqual } from '../bytes.js';
import type {
  CheckpointMessage,
  CheckpointRef,
  PrePrepareMessage,
  PreparedCertificate,
  ViewChangeMessage,
} from '../codec/consensus.js';
import type { Members } from './members.js';
import { readProposal } from './proposal.js';

/** Why a prepared certificate does not prove its block prepared, or undefined when it does. */
export function preparedCertificateProblem(certificate: PreparedCertificate, members: Members): string | undefined {
  const prePrepare = certificate.prePrepare;
  if (!bytesEqual(prePrepare.sender, members.primary(prePrepare.view))) {
    return `pre-prepare for view ${prePrepare.view} is not from that view's primary`;
  }
  const parts = readProposal(prePrepare.block);
  if (parts === undefined) return `block at sequence ${prePrepare.sequence} is malformed`;
  if (!bytesEqual(parts.hash, prePrepare.digest))
    return `digest at sequence ${prePrepare.sequence} is not the block's hash`;
  if (parts.header.height !== prePrepare.sequence) return `block at sequence ${prePrepare.sequence} has another height`;
  const senders = new Set<number>();
  for (const prepare of certificate.prepares) {
    if (prepare.view !== prePrepare.view || prepare.sequence !== prePrepare.sequence) {
      return `prepare for sequence ${prePrepare.sequence} names another view or sequence`;
    }
    if (!bytesEqual(prepare.digest, prePrepare.digest))
      return `prepare for sequence ${prePrepare.sequence} names another digest`;
    const index = members.indexOf(prepare.sender);
    if (index < 0) return 'prepare from a non-member';
    if (index === members.primaryIndex(prePrepare.view)) return 'prepare from the primary';
    if (senders.has(index)) return 'two prepares from one member';
    senders.add(index);
  }
  // q − 1 backups and the primary: a quorum, so a certificate for another digest at this
  // sequence and view would need a correct member to have prepared twice.
  if (senders.size < members.preparesNeeded) {
    return `sequence ${prePrepare.sequence} has ${senders.size} prepares, q − 1 = ${members.preparesNeeded} needed`;
  }
  return undefined;
}

/** Why a checkpoint proof does not make `checkpoint` stable, or undefined when it does. Sequence 0 is the genesis block and needs no proof. */
export function checkpointProofProblem(
  checkpoint: CheckpointRef,
  proof: readonly CheckpointMessage[],
  members: Members,
  genesisBlockHash: Uint8Array,
): string | undefined {
  if (checkpoint.sequence === 0) {
    if (!bytesEqual(checkpoint.blockHash, genesisBlockHash)) return 'checkpoint 0 is not the genesis block';
    return proof.length === 0 ? undefined : 'checkpoint 0 carries a proof';
  }
  const senders = new Set<number>();
  for (const message of proof) {
    if (
      message.sequence !== checkpoint.sequence ||
      !bytesEqual(message.blockHash, checkpoint.blockHash) ||
      !bytesEqual(message.stateRoot, checkpoint.stateRoot)
    ) {
      return 'checkpoint proof holds a checkpoint for another block';
    }
    const index = members.indexOf(message.sender);
    if (index < 0) return 'checkpoint proof from a non-member';
    if (senders.has(index)) return 'checkpoint proof holds two messages from one member';
    senders.add(index);
  }
  // A quorum of signers: at least f + 1 correct members hold this block and state at the sequence.
  return senders.size >= members.quorum
    ? undefined
    : `checkpoint proof has ${senders.size} of ${members.quorum} signers`;
}

/** Why a VIEW-CHANGE is not well-formed (signatures aside), or undefined when it is. */
export function viewChangeProblem(
  message: ViewChangeMessage,
  members: Members,
  genesisBlockHash: Uint8Array,
  windowMax: number,
): string | undefined {
  // A VIEW-CHANGE counts toward 2f + 1 only from a member (quorum intersection needs it).
  if (members.indexOf(message.sender) < 0) return 'VIEW-CHANGE from a non-member';
  const problem = checkpointProofProblem(message.checkpoint, message.checkpointProof, members, genesisBlockHash);
  if (problem !== undefined) return problem;
  const low = message.checkpoint.sequence;
  let previous = low;
  for (const certificate of message.prepared) {
    const sequence = certificate.prePrepare.sequence;
    if (sequence <= previous) return 'prepared certificates are not in ascending sequence order above the checkpoint';
    if (sequence > low + windowMax) return `prepared sequence ${sequence} is beyond the watermark window`;
    if (certificate.prePrepare.view >= message.newView) return 'prepared certificate is not from an earlier view';
    const certificateProblem = preparedCertificateProblem(certificate, members);
    if (certificateProblem !== undefined) return certificateProblem;
    previous = sequence;
  }
  return undefined;
}

/** One block the NEW-VIEW re-proposes. */
export interface PlannedProposal {
  readonly sequence: number;
  readonly digest: Uint8Array;
  readonly block: Uint8Array;
}

/** What a NEW-VIEW must contain, computed from its VIEW-CHANGEs. */
export interface NewViewPlan {
  /** The highest stable checkpoint among the VIEW-CHANGEs (the new view's low watermark). */
  readonly checkpoint: CheckpointRef;
  /** The checkpoint's proof, taken from the VIEW-CHANGE that carried it. */
  readonly checkpointProof: readonly CheckpointMessage[];
  /** Blocks to re-propose, at consecutive sequence numbers from checkpoint + 1. */
  readonly proposals: readonly PlannedProposal[];
}

/** The NEW-VIEW plan for well-formed VIEW-CHANGEs (deterministic in their order). */
export function planNewView(viewChanges: readonly ViewChangeMessage[]): NewViewPlan {
  let chosen = viewChanges[0] as ViewChangeMessage;
  for (const message of viewChanges) {
    if (message.checkpoint.sequence > chosen.checkpoint.sequence) chosen = message;
  }
  const low = chosen.checkpoint.sequence;
  // For each sequence number, the prepared certificate from the highest view.
  const best = new Map<number, PrePrepareMessage>();
  for (const message of viewChanges) {
    for (const certificate of message.prepared) {
      const prePrepare = certificate.prePrepare;
      if (prePrepare.sequence <= low) continue;
      const held = best.get(prePrepare.sequence);
      if (held === undefined || prePrepare.view > held.view) best.set(prePrepare.sequence, prePrepare);
    }
  }
  const proposals: PlannedProposal[] = [];
  let previousHash = chosen.checkpoint.blockHash;
  for (let sequence = low + 1; ; sequence++) {
    const prePrepare = best.get(sequence);
    if (prePrepare === undefined) break;
    const parts = readProposal(prePrepare.block);
    if (parts === undefined || !bytesEqual(parts.header.previousHash, previousHash)) break;
    proposals.push({ sequence, digest: prePrepare.digest, block: prePrepare.block });
    previousHash = prePrepare.digest;
  }
  return { checkpoint: chosen.checkpoint, checkpointProof: chosen.checkpointProof, proposals };
}
