/**
 * What may enter a replica, checked cheaply before any signature is verified: a peer's
 * message's size, its sender (read from the fixed envelope header, before the body is
 * decoded: a non-member's message costs a header read, however large its body), its
 * encoding, then the message against the replica's view, watermarks and rate limits
 * (`admitAll`, `admissionDrop`), and a transaction against the chain (`checkRequest` for a
 * client's, `isRequestOf` for a peer's).
 */
import { type ConsensusMessage, decodeConsensusMessage, readConsensusHeader } from '../codec/consensus.js';
import { decodeTransaction } from '../codec/transaction.js';
import { DecodeError } from '../errors.js';
import { consensusMessageBytesMax, viewChangeAheadMax } from '../limits.js';
import { RequestRejectedError } from './errors.js';
import type { Members } from './members.js';
import { countDrop, type DropReason, type ReplicaStats } from './stats.js';

/** The replica's state that admission reads (it does not change while a batch is admitted). */
export interface AdmissionState {
  readonly members: Members;
  /** This replica's member index. */
  readonly me: number;
  readonly view: number;
  /** False while changing to `view`. */
  readonly active: boolean;
  readonly committedHeight: number;
  /** The stable checkpoint's sequence number (the low watermark). */
  readonly stableSequence: number;
  readonly highWatermark: number;
  /** The sequence numbers the log holds entries for. */
  readonly log: { has(sequence: number): boolean };
  /** Members whose STATE-REQUEST was served this tick. */
  readonly servedThisTick: ReadonlySet<number>;
  /** Whether a fetch is in flight (a STATE-RESPONSE is expected). */
  readonly fetching: boolean;
}

/**
 * The messages of a `stepMany` batch worth verifying, decoded, in arrival order; each is
 * counted in `stats.received` and each refused one in `stats.dropped`. A message's size and
 * sender are checked before its body is decoded, and a member's body is decoded with nested
 * lists bounded by the membership and every count by the bytes that follow it.
 * @throws TypeError when a message is not a Uint8Array.
 */
export function admitAll(
  messages: readonly Uint8Array[],
  chainId: string,
  state: AdmissionState,
  stats: ReplicaStats,
): ConsensusMessage[] {
  const admitted: ConsensusMessage[] = [];
  // One STATE-REQUEST per member per tick, counting those earlier in this same batch.
  const requested = new Set<number>(state.servedThisTick);
  // No list of distinct members' messages (PREPAREs, a checkpoint proof, VIEW-CHANGEs) is longer than the membership.
  const decodeOptions = { signersMax: state.members.size };
  for (const bytes of messages) {
    if (!(bytes instanceof Uint8Array)) throw new TypeError('Replica.stepMany: every message must be a Uint8Array');
    stats.received++;
    if (bytes.length > consensusMessageBytesMax) {
      countDrop(stats, 'oversized');
      continue;
    }
    const early = headerDrop(bytes, state);
    if (early !== undefined) {
      countDrop(stats, early);
      continue;
    }
    let message: ConsensusMessage;
    try {
      message = decodeConsensusMessage(chainId, bytes, decodeOptions);
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      countDrop(stats, 'malformed');
      continue;
    }
    const reason = admissionDrop(message, { ...state, servedThisTick: requested });
    if (reason === undefined) {
      admitted.push(message);
      if (message.kind === 'state-request') requested.add(state.members.indexOf(message.sender));
    } else {
      countDrop(stats, reason);
    }
  }
  return admitted;
}

/**
 * Why a message is dropped on its fixed envelope header alone (a header that does not read,
 * a sender outside the membership, this replica's own key), or undefined to decode its body.
 */
export function headerDrop(bytes: Uint8Array, state: AdmissionState): DropReason | undefined {
  let sender: Uint8Array;
  try {
    sender = readConsensusHeader(bytes).sender;
  } catch (error) {
    if (!(error instanceof DecodeError)) throw error;
    return 'malformed';
  }
  const index = state.members.indexOf(sender);
  if (index < 0) return 'non-member';
  if (index === state.me) return 'own-key';
  return undefined;
}

/**
 * Why a decoded message is dropped before its signatures are verified, or undefined to verify
 * it (its sender is checked again here, so the function stands alone for a decoded message).
 */
export function admissionDrop(message: ConsensusMessage, state: AdmissionState): DropReason | undefined {
  const sender = state.members.indexOf(message.sender);
  if (sender < 0) return 'non-member';
  if (sender === state.me) return 'own-key';
  switch (message.kind) {
    case 'pre-prepare':
    case 'prepare':
    case 'commit':
      // A COMMIT from another view for a height two or more above this replica's is still
      // verified: it is evidence that this replica fell behind (state transfer), not a vote.
      if (message.kind === 'commit' && message.sequence >= state.committedHeight + 2) {
        if (message.view !== state.view || !state.active) return undefined;
      }
      if (message.view < state.view) return 'stale-view';
      if (message.view > state.view) return 'future-view';
      if (!state.active) return 'view-changing';
      // At or below the committed height only for a block a NEW-VIEW re-proposed (others still need this replica's votes).
      if (message.sequence <= state.committedHeight && !state.log.has(message.sequence)) {
        if (message.kind !== 'commit') return 'stale-sequence';
      }
      if (message.sequence <= state.stableSequence) return 'stale-sequence';
      if (message.sequence > state.highWatermark) return 'beyond-watermark';
      return undefined;
    case 'checkpoint':
      if (message.sequence <= state.stableSequence) return 'stale-sequence';
      return undefined;
    case 'view-change':
      if (message.newView < state.view) return 'stale-view';
      if (message.newView > state.view + viewChangeAheadMax) return 'view-too-far';
      return undefined;
    case 'new-view':
      if (message.view < state.view || (message.view === state.view && state.active)) return 'stale-view';
      if (message.view > state.view + viewChangeAheadMax) return 'view-too-far';
      return undefined;
    case 'request':
      return undefined;
    case 'state-request':
      if (state.servedThisTick.has(sender)) return 'rate-limited';
      return undefined;
    case 'state-response':
      if (!state.fetching) return 'unsolicited';
      return undefined;
  }
}

/**
 * Checks a client's transaction (`txs[index]` of a `submit` call).
 * @throws RequestRejectedError unless `tx` is a well-formed transaction of chain `chainId`.
 */
export function checkRequest(tx: Uint8Array, index: number, chainId: string): void {
  let txChainId: string;
  try {
    txChainId = decodeTransaction(tx).chainId;
  } catch (error) {
    throw new RequestRejectedError('malformed', `Replica.submit: txs[${index}]: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (txChainId !== chainId) {
    throw new RequestRejectedError('wrong-chain', `Replica.submit: txs[${index}] is for chain ${txChainId}`);
  }
}

/** Whether a peer's request is a well-formed transaction of chain `chainId`. */
export function isRequestOf(tx: Uint8Array, chainId: string): boolean {
  try {
    return decodeTransaction(tx).chainId === chainId;
  } catch (error) {
    if (!(error instanceof DecodeError)) throw error;
    return false;
  }
}
