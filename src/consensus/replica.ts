/**
 * A PBFT replica (Castro & Liskov, TOCS 2002) as a pure state machine, in the manner of
 * etcd's raft: `step`/`stepMany` (messages from peers), `tick` (time), `submit` (client
 * transactions) and the driver's answers (`proposed`, `validated`, `serveBlocks`) return the
 * effects the driver must carry out, in order (see effects.ts). Nothing here reads a clock,
 * draws a random number, touches a socket or the disk, or awaits.
 *
 * Sequence numbers are block heights. The primary of view v (validator v mod n, keys
 * ascending) proposes block h + 1 once block h has committed, because block h + 1 carries
 * h's commit certificate; a backup may meanwhile still be collecting h's COMMITs while it
 * validates h + 1, so the log holds several sequence numbers between the watermarks.
 *
 * Normal case: PRE-PREPARE(v, n, digest, block) → backups validate (header, link and the
 * previous certificate here; execution by the driver) and send PREPARE → with 2f matching
 * PREPAREs a replica is prepared and sends COMMIT, whose signature is a commit vote → with
 * 2f + 1 matching COMMITs the block commits, its certificate made of those signatures.
 * Every K blocks a CHECKPOINT; 2f + 1 matching ones make it stable and move the low
 * watermark. View changes follow view-change.ts; a replica that falls behind fetches
 * certified blocks (state transfer) and never trusts a block without its certificate.
 *
 * Every message's signature, and every nested message's, is verified before it is counted,
 * all messages of one `stepMany` call in one batch. A message that is malformed, from a
 * non-member, for another view, a duplicate or otherwise useless is dropped and counted in
 * `stats.dropped` under a named reason; every collection a peer can grow has a limit.
 */
import { bytesEqual } from '../bytes.js';
import { compareKeys, encodeCertificate } from '../codec/certificate.js';
import {
  type CheckpointMessage,
  type CheckpointRef,
  type CommitMessage,
  type ConsensusBody,
  type ConsensusMessage,
  type ConsensusSigner,
  consensusSignatureItems,
  decodeConsensusMessage,
  encodeConsensusMessage,
  type NewViewMessage,
  type PrePrepareMessage,
  type PreparedCertificate,
  type PrepareMessage,
  type StateResponseMessage,
  type ViewChangeMessage,
} from '../codec/consensus.js';
import { decodeTransaction, requireChainId } from '../codec/transaction.js';
import { type Ed25519BatchItem, ed25519VerifyBatch } from '../crypto/ed25519.js';
import { requireBytesOfLength } from '../crypto/validate.js';
import {
  blockBytesMax,
  committedTxIdsRememberedMax,
  consensusMessageBytesMax,
  ed25519BatchItemsMax,
  requestTxsMax,
  stateResponseBlocksMax,
  stateResponseBytesMax,
  viewChangeAheadMax,
} from '../limits.js';
import type { ReplicaEffect } from './effects.js';
import { ReplicaInputError, RequestRejectedError } from './errors.js';
import { Members } from './members.js';
import { type CommittedTip, type ReplicaOptions, type ResolvedOptions, resolveOptions } from './options.js';
import {
  checkpointRecordKey,
  encodeCheckpointRecord,
  encodePreparedRecord,
  encodeViewRecord,
  encodeVoteRecord,
  preparedRecordKey,
  restoreSafetyState,
  type SignedVote,
  viewRecordKey,
  voteRecordKey,
} from './persistence.js';
import { blockTxBytes, carriesCertificate, certificateClaims, type ProposalParts, readProposal } from './proposal.js';
import { RequestPool } from './request-pool.js';
import { type NewViewPlan, planNewView, viewChangeProblem } from './view-change.js';

/** Why a replica dropped a message (counted in `stats.dropped`). */
export type DropReason =
  | 'oversized'
  | 'malformed'
  | 'non-member'
  | 'own-key'
  | 'bad-signature'
  | 'stale-view'
  | 'future-view'
  | 'view-too-far'
  | 'view-changing'
  | 'stale-sequence'
  | 'beyond-watermark'
  | 'not-primary'
  | 'duplicate'
  | 'equivocation'
  | 'bad-digest'
  | 'conflicts-own-vote'
  | 'bad-proposal'
  | 'invalid-proposal'
  | 'bad-view-change'
  | 'bad-new-view'
  | 'bad-checkpoint'
  | 'bad-request'
  | 'replayed-request'
  | 'pool-full'
  | 'rate-limited'
  | 'unsolicited'
  | 'bad-state-response';

/** Counters a replica keeps (the simulator and the node report them). */
export interface ReplicaStats {
  /** Messages handed to `step`/`stepMany`. */
  received: number;
  /** Signatures verified (messages and nested messages). */
  signaturesVerified: number;
  /** Dropped messages by reason. */
  dropped: Partial<Record<DropReason, number>>;
  /** View changes this replica started. */
  viewChangesStarted: number;
  /** Blocks committed through consensus. */
  committedByConsensus: number;
  /** Blocks committed from state transfer. */
  committedByStateTransfer: number;
}

/** One sequence number's progress in the current view. */
interface Entry {
  readonly sequence: number;
  prePrepare?: PrePrepareMessage;
  parts?: ProposalParts;
  validation: 'none' | 'pending' | 'ok' | 'bad';
  readonly prepares: Map<number, PrepareMessage>;
  readonly commits: Map<number, CommitMessage>;
  /** Messages this replica sent for the entry, re-sent while it is unfinished. */
  readonly sent: Uint8Array[];
  sentCommit: boolean;
}

const zeroHash = new Uint8Array(32);

/** A PBFT replica. Create one per validator; drive it with `step`, `tick` and `submit`. */
export class Replica {
  readonly #chainId: string;
  readonly #members: Members;
  readonly #signer: ConsensusSigner;
  readonly #me: number;
  readonly #genesisBlockHash: Uint8Array;
  readonly #options: ResolvedOptions;
  readonly #verify: (items: readonly Ed25519BatchItem[]) => boolean[];

  #view: number;
  #active: boolean;
  #committed: CommittedTip;
  /** Hashes of committed blocks above the low watermark (to check re-proposals after a view change). */
  readonly #hashes = new Map<number, Uint8Array>();
  #stable: { ref: CheckpointRef; proof: readonly CheckpointMessage[] };
  /** A stable checkpoint above the committed height, reached once state transfer catches up. */
  #pendingStable: { ref: CheckpointRef; proof: readonly CheckpointMessage[] } | undefined;
  readonly #entries = new Map<number, Entry>();
  readonly #prepared: Map<number, PreparedCertificate>;
  readonly #votes: Map<number, SignedVote>;
  readonly #checkpoints = new Map<number, Map<number, CheckpointMessage>>();
  readonly #viewChanges = new Map<number, Map<number, ViewChangeMessage>>();
  #ownViewChange: Uint8Array | undefined;
  #newView: Uint8Array | undefined;
  readonly #requests: RequestPool;
  #proposing: { view: number; height: number } | undefined;
  /** Highest height each peer has shown (by index), from its verified messages. */
  readonly #peerHeights = new Map<number, number>();
  #fetch: { peer: number; ticks: number } | undefined;
  #lastFetchPeer = -1;
  readonly #servedThisTick = new Set<number>();
  #ticks = { batch: 0, progress: 0, viewChange: 0, resend: 0, sinceCommit: 0 };
  #attempt = 0;
  readonly #stats: ReplicaStats = {
    received: 0,
    signaturesVerified: 0,
    dropped: {},
    viewChangesStarted: 0,
    committedByConsensus: 0,
    committedByStateTransfer: 0,
  };

  constructor(options: ReplicaOptions) {
    this.#options = resolveOptions(options);
    requireChainId(options.chainId, 'Replica');
    this.#chainId = options.chainId;
    this.#members = new Members(options.validators);
    const signer = options.signer;
    if (typeof signer !== 'object' || signer === null) throw new TypeError('Replica: signer is required');
    requireBytesOfLength(signer.publicKey, 32, 'signer.publicKey', 'Replica');
    if (!('sign' in signer && typeof signer.sign === 'function')) {
      requireBytesOfLength((signer as { secretKey?: unknown }).secretKey, 32, 'signer.secretKey', 'Replica');
    }
    this.#me = this.#members.indexOf(signer.publicKey);
    if (this.#me < 0) throw new RangeError('Replica: signer.publicKey is not a validator');
    this.#signer = signer;
    this.#genesisBlockHash = options.genesisBlockHash;
    this.#verify = options.verifyBatch ?? ed25519VerifyBatch;
    this.#committed = options.committed;
    this.#hashes.set(options.committed.height, options.committed.blockHash);
    this.#requests = new RequestPool(this.#options.pendingRequestsMax, committedTxIdsRememberedMax);

    const safety = restoreSafetyState(options.records ?? new Map(), this.#chainId);
    this.#view = safety.view;
    this.#active = !safety.changing;
    this.#prepared = safety.prepared;
    this.#votes = safety.votes;
    const genesisRef = { sequence: 0, blockHash: this.#genesisBlockHash, stateRoot: zeroHash };
    this.#stable = safety.checkpoint ?? { ref: genesisRef, proof: [] };
    if (this.#stable.ref.sequence > this.#committed.height) {
      // The records are ahead of the store (they cannot be after an orderly run): catch up first.
      this.#pendingStable = this.#stable;
      this.#stable = { ref: genesisRef, proof: [] };
    }
  }

  // --- read-only state --------------------------------------------------------------

  /** This replica's public key. */
  get publicKey(): Uint8Array {
    return this.#signer.publicKey;
  }

  /** The view the replica is in, or changing to. */
  get view(): number {
    return this.#view;
  }

  /** `'active'` in a view, `'changing'` while waiting for a NEW-VIEW. */
  get phase(): 'active' | 'changing' {
    return this.#active ? 'active' : 'changing';
  }

  /** Whether this replica is the primary of its view. */
  get isPrimary(): boolean {
    return this.#members.primaryIndex(this.#view) === this.#me;
  }

  /** The last committed block. */
  get committed(): CommittedTip {
    return this.#committed;
  }

  /** The stable checkpoint (the low watermark). */
  get stableCheckpoint(): CheckpointRef {
    return this.#stable.ref;
  }

  /** Requests waiting to be proposed. */
  get pendingRequests(): number {
    return this.#requests.size;
  }

  /** Counters. */
  get stats(): Readonly<ReplicaStats> {
    return this.#stats;
  }

  /** How much the replica holds (for limit tests and monitoring). */
  get footprint(): { entries: number; checkpoints: number; viewChanges: number; prepared: number; pending: number } {
    let viewChanges = 0;
    for (const held of this.#viewChanges.values()) viewChanges += held.size;
    let checkpoints = 0;
    for (const held of this.#checkpoints.values()) checkpoints += held.size;
    return {
      entries: this.#entries.size,
      checkpoints,
      viewChanges,
      prepared: this.#prepared.size,
      pending: this.#requests.size,
    };
  }

  // --- inputs -----------------------------------------------------------------------

  /**
   * A client transaction. It is sent to every replica (so that any primary can propose it
   * and every backup can tell if the primary ignores it). Submitting a transaction twice,
   * here or at another replica, is harmless: it is held and executed once.
   * @throws RequestRejectedError when it is malformed, for another chain, or the pool is full.
   */
  submit(tx: Uint8Array): ReplicaEffect[] {
    return this.submitMany([tx]);
  }

  /**
   * Client transactions, forwarded to the other replicas in one signed REQUEST message (at
   * most `limits.requestTxsMax` per call). All are checked before any is queued.
   * @throws RequestRejectedError naming the first transaction that cannot be accepted.
   */
  submitMany(txs: readonly Uint8Array[]): ReplicaEffect[] {
    if (!Array.isArray(txs)) throw new TypeError('Replica.submitMany: txs must be an array');
    if (txs.length > requestTxsMax)
      throw new RangeError(`Replica.submitMany: at most ${requestTxsMax} transactions per call`);
    txs.forEach((tx, i) => {
      if (!(tx instanceof Uint8Array)) throw new TypeError(`Replica.submitMany: txs[${i}] must be a Uint8Array`);
      this.#checkRequest(tx, i);
    });
    if (this.#requests.size + txs.length > this.#options.pendingRequestsMax) {
      throw new RequestRejectedError('pool-full', 'Replica.submit: the pending request pool is full');
    }
    const added = this.#offer(txs);
    const out: ReplicaEffect[] = [];
    if (added.length > 0) {
      out.push({ kind: 'broadcast', message: this.#sign({ kind: 'request', txs: added }) });
      this.#maybePropose(out);
    }
    return out;
  }

  /** One message from a peer. */
  step(message: Uint8Array): ReplicaEffect[] {
    return this.stepMany([message]);
  }

  /** Messages from peers, in arrival order; their signatures are verified in one batch. */
  stepMany(messages: readonly Uint8Array[]): ReplicaEffect[] {
    if (!Array.isArray(messages)) throw new TypeError('Replica.stepMany: messages must be an array');
    const admitted: ConsensusMessage[] = [];
    for (const bytes of messages) {
      if (!(bytes instanceof Uint8Array)) throw new TypeError('Replica.stepMany: every message must be a Uint8Array');
      this.#stats.received++;
      if (bytes.length > consensusMessageBytesMax) {
        this.#drop('oversized');
        continue;
      }
      let message: ConsensusMessage;
      try {
        message = decodeConsensusMessage(this.#chainId, bytes);
      } catch {
        this.#drop('malformed');
        continue;
      }
      if (this.#admit(message)) admitted.push(message);
    }
    const out: ReplicaEffect[] = [];
    if (admitted.length === 0) return out;
    const itemsPerMessage = admitted.map((message) => consensusSignatureItems(message));
    const items = itemsPerMessage.flat();
    const verdicts = this.#verifyAll(items);
    let at = 0;
    admitted.forEach((message, i) => {
      const count = (itemsPerMessage[i] as Ed25519BatchItem[]).length;
      let valid = true;
      for (let k = at; k < at + count; k++) valid &&= verdicts[k] === true;
      at += count;
      if (valid) this.#handle(message, out);
      else this.#drop('bad-signature');
    });
    return out;
  }

  /** One unit of time. */
  tick(): ReplicaEffect[] {
    const out: ReplicaEffect[] = [];
    this.#servedThisTick.clear();
    const ticks = this.#ticks;
    ticks.sinceCommit++;
    if (this.#active) {
      ticks.batch++;
      if (this.#hasWork()) {
        ticks.progress++;
        if (ticks.progress >= this.#timeout()) {
          this.#startViewChange(this.#view + 1, out);
          return out;
        }
      } else {
        ticks.progress = 0;
      }
      this.#maybePropose(out);
    } else {
      // Castro–Liskov: the timer for view v runs once 2f + 1 VIEW-CHANGEs for v are held;
      // when it expires without a valid NEW-VIEW, move on to v + 1 (the timeout doubles).
      const held = this.#viewChanges.get(this.#view)?.size ?? 0;
      if (held >= this.#members.quorum) {
        ticks.viewChange++;
        if (ticks.viewChange >= this.#timeout()) {
          this.#startViewChange(this.#view + 1, out);
          return out;
        }
      }
      if (this.#ownViewChange === undefined) this.#broadcastViewChange(out);
    }
    if (++ticks.resend >= this.#options.resendTicks) {
      ticks.resend = 0;
      this.#resend(out);
    }
    if (this.#fetch !== undefined && ++this.#fetch.ticks >= this.#options.stateTransferTimeoutTicks) {
      this.#fetch = undefined;
    }
    this.#checkLag(out);
    return out;
  }

  /**
   * The block the driver built for a `propose` effect. A block for a proposal the replica no
   * longer wants (its view changed, or the height committed meanwhile) is ignored.
   * @throws ReplicaInputError when no proposal was asked for or the block does not fit it.
   */
  proposed(block: Uint8Array): ReplicaEffect[] {
    if (!(block instanceof Uint8Array)) throw new TypeError('Replica.proposed: block must be a Uint8Array');
    const asked = this.#proposing;
    if (asked === undefined) throw new ReplicaInputError('Replica.proposed: no proposal was asked for');
    this.#proposing = undefined;
    const out: ReplicaEffect[] = [];
    if (asked.view !== this.#view || !this.#active || asked.height !== this.#committed.height + 1) return out;
    const parts = readProposal(block);
    if (parts === undefined) throw new ReplicaInputError('Replica.proposed: block is malformed');
    if (block.length > blockBytesMax) throw new ReplicaInputError('Replica.proposed: block is over the size limit');
    if (parts.header.height !== asked.height) {
      throw new ReplicaInputError(
        `Replica.proposed: block has height ${parts.header.height}, ${asked.height} was asked for`,
      );
    }
    if (!bytesEqual(parts.header.previousHash, this.#committed.blockHash)) {
      throw new ReplicaInputError('Replica.proposed: block does not link to the last committed block');
    }
    if (!bytesEqual(parts.previousCertificate, this.#committed.certificate) || !carriesCertificate(parts)) {
      throw new ReplicaInputError("Replica.proposed: block does not carry the previous block's certificate");
    }
    if (!bytesEqual(parts.header.proposer, this.#signer.publicKey)) {
      throw new ReplicaInputError('Replica.proposed: block names another proposer');
    }
    if (!this.#mayVote(asked.height, parts.hash)) return out;
    const bytes = this.#sign({
      kind: 'pre-prepare',
      view: this.#view,
      sequence: asked.height,
      digest: parts.hash,
      block,
    });
    const prePrepare = decodeConsensusMessage(this.#chainId, bytes) as PrePrepareMessage;
    const entry = this.#entry(asked.height);
    entry.prePrepare = prePrepare;
    entry.parts = parts;
    entry.validation = 'ok';
    this.#recordVote(asked.height, parts.hash, out);
    entry.sent.push(bytes);
    out.push({ kind: 'broadcast', message: bytes });
    this.#progress(entry, out);
    return out;
  }

  /**
   * The driver's verdict on a `validate` effect. A verdict for a block the replica no longer
   * waits on (the view changed) is ignored. A block the application refuses is not
   * prepared, so the primary's requests time out and the view changes.
   */
  validated(height: number, digest: Uint8Array, ok: boolean): ReplicaEffect[] {
    requireBytesOfLength(digest, 32, 'digest', 'Replica.validated');
    const out: ReplicaEffect[] = [];
    const entry = this.#entries.get(height);
    if (entry?.prePrepare === undefined || entry.validation !== 'pending') return out;
    if (!bytesEqual(entry.prePrepare.digest, digest)) return out;
    if (ok) {
      entry.validation = 'ok';
      this.#afterValidated(entry, out);
    } else {
      // Not prepared: the request timer replaces the primary (an immediate view change would let
      // an application that refuses everything churn through views without any timeout).
      entry.validation = 'bad';
      this.#drop('invalid-proposal');
    }
    return out;
  }

  /** Blocks with their certificates for a `serve-blocks` effect (consecutive heights from the one asked for). */
  serveBlocks(to: Uint8Array, entries: readonly { block: Uint8Array; certificate: Uint8Array }[]): ReplicaEffect[] {
    requireBytesOfLength(to, 32, 'to', 'Replica.serveBlocks');
    if (!Array.isArray(entries)) throw new TypeError('Replica.serveBlocks: entries must be an array');
    const chosen: { block: Uint8Array; certificate: Uint8Array }[] = [];
    let bytes = 0;
    for (const entry of entries.slice(0, stateResponseBlocksMax)) {
      bytes += entry.block.length;
      if (chosen.length > 0 && bytes > stateResponseBytesMax) break;
      chosen.push(entry);
    }
    if (chosen.length === 0) return [];
    return [{ kind: 'send', to, message: this.#sign({ kind: 'state-response', entries: chosen }) }];
  }

  // --- admission (cheap checks before any signature is verified) -----------------------

  #admit(message: ConsensusMessage): boolean {
    const sender = this.#members.indexOf(message.sender);
    if (sender < 0) return this.#drop('non-member');
    if (sender === this.#me) return this.#drop('own-key');
    switch (message.kind) {
      case 'pre-prepare':
      case 'prepare':
      case 'commit':
        // A COMMIT from another view for a height two or more above this replica's is still
        // verified: it is evidence that this replica fell behind (state transfer), not a vote.
        if (message.kind === 'commit' && message.sequence >= this.#committed.height + 2) {
          if (message.view !== this.#view || !this.#active) return true;
        }
        if (message.view < this.#view) return this.#drop('stale-view');
        if (message.view > this.#view) return this.#drop('future-view');
        if (!this.#active) return this.#drop('view-changing');
        // At or below the committed height only for a block a NEW-VIEW re-proposed (others still need this replica's votes).
        if (message.sequence <= this.#committed.height && !this.#entries.has(message.sequence)) {
          if (message.kind !== 'commit') return this.#drop('stale-sequence');
        }
        if (message.sequence <= this.#stable.ref.sequence) return this.#drop('stale-sequence');
        if (message.sequence > this.#highWatermark()) return this.#drop('beyond-watermark');
        return true;
      case 'checkpoint':
        if (message.sequence <= this.#stable.ref.sequence) return this.#drop('stale-sequence');
        return true;
      case 'view-change':
        if (message.newView < this.#view) return this.#drop('stale-view');
        if (message.newView > this.#view + viewChangeAheadMax) return this.#drop('view-too-far');
        return true;
      case 'new-view':
        if (message.view < this.#view || (message.view === this.#view && this.#active)) return this.#drop('stale-view');
        if (message.view > this.#view + viewChangeAheadMax) return this.#drop('view-too-far');
        return true;
      case 'request':
        return true;
      case 'state-request':
        if (this.#servedThisTick.has(sender)) return this.#drop('rate-limited');
        return true;
      case 'state-response':
        if (this.#fetch === undefined) return this.#drop('unsolicited');
        return true;
    }
  }

  #handle(message: ConsensusMessage, out: ReplicaEffect[]): void {
    switch (message.kind) {
      case 'request':
        if (this.#offer(message.txs.filter((tx) => this.#wellFormed(tx))).length > 0) this.#maybePropose(out);
        return;
      case 'pre-prepare':
        this.#onPrePrepare(message, out);
        return;
      case 'prepare':
        this.#onPrepare(message, out);
        return;
      case 'commit':
        this.#onCommit(message, out);
        return;
      case 'checkpoint':
        this.#onCheckpoint(message, out);
        return;
      case 'view-change':
        this.#onViewChange(message, out);
        return;
      case 'new-view':
        this.#onNewView(message, out);
        return;
      case 'state-request':
        this.#onStateRequest(message, out);
        return;
      case 'state-response':
        this.#onStateResponse(message, out);
        return;
    }
  }

  // --- requests ---------------------------------------------------------------------

  /** Throws RequestRejectedError unless `tx` is a well-formed transaction of this chain. */
  #checkRequest(tx: Uint8Array, index: number): void {
    let chainId: string;
    try {
      chainId = decodeTransaction(tx).chainId;
    } catch (error) {
      throw new RequestRejectedError('malformed', `Replica.submit: txs[${index}]: ${(error as Error).message}`, {
        cause: error,
      });
    }
    if (chainId !== this.#chainId) {
      throw new RequestRejectedError('wrong-chain', `Replica.submit: txs[${index}] is for chain ${chainId}`);
    }
  }

  /** Queues requests already checked; returns those added (not pending or committed already). */
  #offer(txs: readonly Uint8Array[]): Uint8Array[] {
    const added: Uint8Array[] = [];
    this.#requests.offerMany(txs).forEach((outcome, i) => {
      if (outcome === 'added') added.push(txs[i] as Uint8Array);
      else if (outcome === 'full') this.#drop('pool-full');
      else if (outcome === 'committed') this.#drop('replayed-request');
    });
    return added;
  }

  /** Whether a peer's request is a well-formed transaction of this chain. */
  #wellFormed(tx: Uint8Array): boolean {
    try {
      if (decodeTransaction(tx).chainId === this.#chainId) return true;
    } catch {
      // counted below
    }
    this.#drop('bad-request');
    return false;
  }

  #maybePropose(out: ReplicaEffect[]): void {
    if (!this.#active || !this.isPrimary || this.#proposing !== undefined) return;
    const height = this.#committed.height + 1;
    if (this.#entries.get(height)?.prePrepare !== undefined) return;
    if (height > this.#highWatermark() || this.#pendingStable !== undefined) return;
    const waiting = this.#requests.size;
    if (waiting === 0) return;
    if (waiting < this.#options.blockTxsMax && this.#ticks.batch < this.#options.batchTimeoutTicks) return;
    this.#ticks.batch = 0;
    this.#proposing = { view: this.#view, height };
    out.push({
      kind: 'propose',
      view: this.#view,
      height,
      txs: this.#requests.take(this.#options.blockTxsMax),
      previousHash: this.#committed.blockHash,
      previousCertificate: this.#committed.certificate,
    });
  }

  // --- normal case --------------------------------------------------------------------

  #onPrePrepare(message: PrePrepareMessage, out: ReplicaEffect[]): void {
    if (this.#members.indexOf(message.sender) !== this.#members.primaryIndex(this.#view)) {
      this.#drop('not-primary');
      return;
    }
    this.#sawHeight(message.sender, message.sequence - 1);
    const entry = this.#entry(message.sequence);
    if (entry.prePrepare !== undefined) {
      this.#drop(bytesEqual(entry.prePrepare.digest, message.digest) ? 'duplicate' : 'equivocation');
      return;
    }
    const parts = readProposal(message.block);
    if (parts === undefined || !bytesEqual(parts.hash, message.digest) || parts.header.height !== message.sequence) {
      this.#drop('bad-digest');
      return;
    }
    if (!this.#mayVote(message.sequence, message.digest)) {
      this.#drop('conflicts-own-vote');
      return;
    }
    entry.prePrepare = message;
    entry.parts = parts;
    this.#tryValidate(entry, out);
  }

  #tryValidate(entry: Entry, out: ReplicaEffect[]): void {
    const prePrepare = entry.prePrepare;
    const parts = entry.parts;
    if (prePrepare === undefined || parts === undefined || entry.validation !== 'none') return;
    const sequence = entry.sequence;
    if (sequence <= this.#committed.height) {
      // A block re-proposed by a NEW-VIEW that this replica already committed.
      const known = this.#hashes.get(sequence);
      entry.validation = known !== undefined && bytesEqual(known, prePrepare.digest) ? 'ok' : 'bad';
      if (entry.validation === 'ok') this.#afterValidated(entry, out);
      return;
    }
    if (sequence !== this.#committed.height + 1) return;
    const problem = this.#linkProblem(parts, sequence);
    if (problem !== undefined) {
      entry.validation = 'bad';
      this.#drop('bad-proposal');
      return;
    }
    entry.validation = 'pending';
    out.push({
      kind: 'validate',
      view: this.#view,
      height: sequence,
      digest: prePrepare.digest,
      block: prePrepare.block,
    });
  }

  /** Checks a block at committed + 1 against the committed block: link and the previous certificate. */
  #linkProblem(parts: ProposalParts, height: number): string | undefined {
    if (!bytesEqual(parts.header.previousHash, this.#committed.blockHash)) return 'does not link';
    if (!carriesCertificate(parts)) return 'certificate hash mismatch';
    if (height === 1) return parts.previousCertificate.length === 0 ? undefined : 'block 1 carries a certificate';
    const claims = certificateClaims(
      parts.previousCertificate,
      this.#chainId,
      this.#members,
      height - 1,
      this.#committed.blockHash,
    );
    if (typeof claims === 'string') return claims;
    return this.#verifyAll(claims.items).every((ok) => ok) ? undefined : 'certificate signature does not verify';
  }

  #afterValidated(entry: Entry, out: ReplicaEffect[]): void {
    const prePrepare = entry.prePrepare as PrePrepareMessage;
    if (!this.isPrimary) {
      if (!this.#mayVote(entry.sequence, prePrepare.digest)) {
        this.#drop('conflicts-own-vote');
        return;
      }
      this.#recordVote(entry.sequence, prePrepare.digest, out);
      const bytes = this.#sign({
        kind: 'prepare',
        view: this.#view,
        sequence: entry.sequence,
        digest: prePrepare.digest,
      });
      entry.prepares.set(this.#me, decodeConsensusMessage(this.#chainId, bytes) as PrepareMessage);
      entry.sent.push(bytes);
      out.push({ kind: 'broadcast', message: bytes });
    }
    this.#progress(entry, out);
  }

  #onPrepare(message: PrepareMessage, out: ReplicaEffect[]): void {
    if (this.#members.indexOf(message.sender) === this.#members.primaryIndex(this.#view)) {
      this.#drop('not-primary');
      return;
    }
    this.#sawHeight(message.sender, message.sequence - 1);
    const entry = this.#entry(message.sequence);
    const key = this.#members.indexOf(message.sender);
    if (entry.prepares.has(key)) {
      this.#drop('duplicate');
      return;
    }
    entry.prepares.set(key, message);
    this.#progress(entry, out);
  }

  #onCommit(message: CommitMessage, out: ReplicaEffect[]): void {
    this.#sawHeight(message.sender, message.sequence - 1);
    if (message.view !== this.#view || !this.#active) {
      this.#drop(
        message.view < this.#view ? 'stale-view' : message.view > this.#view ? 'future-view' : 'view-changing',
      );
      this.#checkLag(out);
      return;
    }
    if (message.sequence <= this.#committed.height) {
      this.#drop('stale-sequence');
      return;
    }
    const entry = this.#entry(message.sequence);
    const key = this.#members.indexOf(message.sender);
    if (entry.commits.has(key)) {
      this.#drop('duplicate');
      return;
    }
    entry.commits.set(key, message);
    this.#progress(entry, out);
  }

  /** Moves an entry on: prepared → COMMIT sent; then commits whatever is ready, in height order. */
  #progress(entry: Entry, out: ReplicaEffect[]): void {
    const prePrepare = entry.prePrepare;
    if (prePrepare !== undefined && entry.validation === 'ok' && !entry.sentCommit) {
      const prepares = matching(entry.prepares, prePrepare.digest);
      if (prepares.length >= 2 * this.#members.faults) {
        entry.sentCommit = true;
        const certificate: PreparedCertificate = { prePrepare, prepares: prepares.slice(0, 2 * this.#members.faults) };
        this.#prepared.set(entry.sequence, certificate);
        out.push({ kind: 'persist', key: preparedRecordKey(entry.sequence), value: encodePreparedRecord(certificate) });
        const bytes = this.#sign({
          kind: 'commit',
          view: this.#view,
          sequence: entry.sequence,
          digest: prePrepare.digest,
        });
        entry.commits.set(this.#me, decodeConsensusMessage(this.#chainId, bytes) as CommitMessage);
        entry.sent.push(bytes);
        out.push({ kind: 'broadcast', message: bytes });
      }
    }
    this.#commitReady(out);
  }

  #commitReady(out: ReplicaEffect[]): void {
    for (;;) {
      const height = this.#committed.height + 1;
      const entry = this.#entries.get(height);
      const prePrepare = entry?.prePrepare;
      if (entry === undefined || prePrepare === undefined || entry.validation !== 'ok') return;
      const commits = matching(entry.commits, prePrepare.digest);
      if (commits.length < this.#members.quorum) return;
      const signatures = commits
        .map((commit) => ({ publicKey: commit.sender, signature: commit.signature }))
        .sort((a, b) => compareKeys(a.publicKey, b.publicKey));
      const certificate = encodeCertificate({ height, blockHash: prePrepare.digest, view: this.#view, signatures });
      this.#stats.committedByConsensus++;
      this.#applyCommit(prePrepare.block, entry.parts as ProposalParts, certificate, this.#view, 'consensus', out);
    }
  }

  #applyCommit(
    block: Uint8Array,
    parts: ProposalParts,
    certificate: Uint8Array,
    view: number,
    via: 'consensus' | 'state-transfer',
    out: ReplicaEffect[],
  ): void {
    const height = parts.header.height;
    out.push({ kind: 'commit', height, view, blockHash: parts.hash, block, certificate, via });
    this.#committed = { height, blockHash: parts.hash, stateRoot: parts.header.stateRoot, certificate };
    this.#hashes.set(height, parts.hash);
    this.#ticks.progress = 0;
    this.#ticks.sinceCommit = 0;
    this.#attempt = 0;
    if (this.#requests.size > 0) this.#requests.markCommitted(blockTxBytes(block));
    if (via === 'state-transfer') this.#entries.delete(height);
    if (height % this.#options.checkpointInterval === 0) this.#sendCheckpoint(parts, out);
    const pending = this.#pendingStable;
    if (pending !== undefined && pending.ref.sequence <= height) {
      this.#pendingStable = undefined;
      const known = this.#hashes.get(pending.ref.sequence);
      if (known !== undefined && bytesEqual(known, pending.ref.blockHash))
        this.#makeStable(pending.ref, pending.proof, out);
    }
    const next = this.#entries.get(height + 1);
    if (next !== undefined) this.#tryValidate(next, out);
    this.#maybePropose(out);
  }

  // --- checkpoints --------------------------------------------------------------------

  #sendCheckpoint(parts: ProposalParts, out: ReplicaEffect[]): void {
    const sequence = parts.header.height;
    const bytes = this.#sign({
      kind: 'checkpoint',
      sequence,
      blockHash: parts.hash,
      stateRoot: parts.header.stateRoot,
    });
    out.push({ kind: 'broadcast', message: bytes });
    this.#collectCheckpoint(decodeConsensusMessage(this.#chainId, bytes) as CheckpointMessage, out);
  }

  #onCheckpoint(message: CheckpointMessage, out: ReplicaEffect[]): void {
    if (message.sequence % this.#options.checkpointInterval !== 0) {
      this.#drop('bad-checkpoint');
      return;
    }
    this.#sawHeight(message.sender, message.sequence);
    if (message.sequence > this.#highWatermark()) return; // evidence of lag only; not held
    this.#collectCheckpoint(message, out);
  }

  #collectCheckpoint(message: CheckpointMessage, out: ReplicaEffect[]): void {
    let held = this.#checkpoints.get(message.sequence);
    if (held === undefined) {
      held = new Map();
      this.#checkpoints.set(message.sequence, held);
    }
    const key = this.#members.indexOf(message.sender);
    if (held.has(key)) {
      this.#drop('duplicate');
      return;
    }
    held.set(key, message);
    const agreeing = [...held.values()].filter(
      (other) => bytesEqual(other.blockHash, message.blockHash) && bytesEqual(other.stateRoot, message.stateRoot),
    );
    if (agreeing.length < this.#members.quorum || message.sequence <= this.#stable.ref.sequence) return;
    const ref = { sequence: message.sequence, blockHash: message.blockHash, stateRoot: message.stateRoot };
    if (message.sequence > this.#committed.height) {
      // A quorum is past this replica: fetch the blocks, then make it stable.
      this.#pendingStable = { ref, proof: agreeing };
      this.#checkLag(out);
      return;
    }
    const known = this.#hashes.get(message.sequence);
    if (known !== undefined && bytesEqual(known, message.blockHash)) this.#makeStable(ref, agreeing, out);
  }

  #makeStable(ref: CheckpointRef, proof: readonly CheckpointMessage[], out: ReplicaEffect[]): void {
    this.#stable = { ref, proof };
    out.push({ kind: 'persist', key: checkpointRecordKey, value: encodeCheckpointRecord(ref, proof) });
    const low = ref.sequence;
    for (const sequence of [...this.#entries.keys()]) if (sequence <= low) this.#entries.delete(sequence);
    for (const sequence of [...this.#checkpoints.keys()]) if (sequence <= low) this.#checkpoints.delete(sequence);
    for (const sequence of [...this.#hashes.keys()]) if (sequence < low) this.#hashes.delete(sequence);
    for (const sequence of [...this.#prepared.keys()]) {
      if (sequence <= low) {
        this.#prepared.delete(sequence);
        out.push({ kind: 'persist', key: preparedRecordKey(sequence), value: null });
      }
    }
    for (const sequence of [...this.#votes.keys()]) {
      if (sequence <= low) {
        this.#votes.delete(sequence);
        out.push({ kind: 'persist', key: voteRecordKey(sequence), value: null });
      }
    }
    this.#maybePropose(out);
  }

  // --- view change --------------------------------------------------------------------

  #startViewChange(target: number, out: ReplicaEffect[]): void {
    if (target <= this.#view) return;
    this.#stats.viewChangesStarted++;
    this.#attempt++;
    this.#view = target;
    this.#active = false;
    this.#entries.clear();
    this.#proposing = undefined;
    this.#newView = undefined;
    this.#ticks.viewChange = 0;
    this.#ticks.progress = 0;
    for (const view of [...this.#viewChanges.keys()]) if (view < target) this.#viewChanges.delete(view);
    out.push({ kind: 'persist', key: viewRecordKey, value: encodeViewRecord(target, true) });
    out.push({ kind: 'view', view: target, phase: 'changing' });
    this.#broadcastViewChange(out);
  }

  #broadcastViewChange(out: ReplicaEffect[]): void {
    const low = this.#stable.ref.sequence;
    const prepared = [...this.#prepared.values()]
      .filter((certificate) => {
        const sequence = certificate.prePrepare.sequence;
        return (
          sequence > low && sequence <= low + this.#options.watermarkWindow && certificate.prePrepare.view < this.#view
        );
      })
      .sort((a, b) => a.prePrepare.sequence - b.prePrepare.sequence)
      .map((certificate) => ({
        prePrepare: certificate.prePrepare.bytes,
        prepares: certificate.prepares.map((prepare) => prepare.bytes),
      }));
    const bytes = this.#sign({
      kind: 'view-change',
      newView: this.#view,
      checkpoint: this.#stable.ref,
      checkpointProof: this.#stable.proof.map((message) => message.bytes),
      prepared,
    });
    this.#ownViewChange = bytes;
    out.push({ kind: 'broadcast', message: bytes });
    this.#holdViewChange(decodeConsensusMessage(this.#chainId, bytes) as ViewChangeMessage);
    this.#tryNewView(out);
  }

  #holdViewChange(message: ViewChangeMessage): boolean {
    let held = this.#viewChanges.get(message.newView);
    if (held === undefined) {
      held = new Map();
      this.#viewChanges.set(message.newView, held);
    }
    const key = this.#members.indexOf(message.sender);
    if (held.has(key)) return false;
    held.set(key, message);
    return true;
  }

  #onViewChange(message: ViewChangeMessage, out: ReplicaEffect[]): void {
    const problem = viewChangeProblem(message, this.#members, this.#genesisBlockHash, this.#options.watermarkWindow);
    if (problem !== undefined) {
      this.#drop('bad-view-change');
      return;
    }
    this.#sawHeight(message.sender, message.checkpoint.sequence);
    if (message.newView === this.#view && this.#active) {
      // A straggler still asking for the view this replica is in: the primary answers with its NEW-VIEW.
      if (this.#newView !== undefined) out.push({ kind: 'send', to: message.sender, message: this.#newView });
      else this.#drop('stale-view');
      return;
    }
    if (!this.#holdViewChange(message)) {
      this.#drop('duplicate');
      return;
    }
    // Join a view change that f + 1 members started: at least one of them is correct.
    const above = new Map<number, number>();
    for (const [view, held] of this.#viewChanges) {
      if (view <= this.#view && !(view === this.#view && this.#active)) continue;
      for (const sender of held.keys()) above.set(sender, Math.min(above.get(sender) ?? view, view));
    }
    if (above.size >= this.#members.faults + 1) {
      const target = Math.min(...above.values());
      if (target > this.#view) this.#startViewChange(target, out);
    }
    this.#tryNewView(out);
  }

  #tryNewView(out: ReplicaEffect[]): void {
    if (this.#active || !this.isPrimary || this.#newView !== undefined) return;
    const held = this.#viewChanges.get(this.#view);
    if (held === undefined || held.size < this.#members.quorum) return;
    const own = held.get(this.#me);
    const others = [...held.values()].filter((message) => message !== own);
    others.sort((a, b) => compareKeys(a.sender, b.sender));
    const chosen = (own === undefined ? others : [own, ...others]).slice(0, this.#members.quorum);
    const plan = planNewView(chosen);
    const prePrepares = plan.proposals.map((proposal) =>
      this.#sign({
        kind: 'pre-prepare',
        view: this.#view,
        sequence: proposal.sequence,
        digest: proposal.digest,
        block: proposal.block,
      }),
    );
    for (const proposal of plan.proposals) this.#recordVote(proposal.sequence, proposal.digest, out);
    const bytes = this.#sign({
      kind: 'new-view',
      view: this.#view,
      viewChanges: chosen.map((message) => message.bytes),
      prePrepares,
    });
    this.#newView = bytes;
    out.push({ kind: 'broadcast', message: bytes });
    const decoded = prePrepares.map((pp) => decodeConsensusMessage(this.#chainId, pp) as PrePrepareMessage);
    this.#enterView(this.#view, plan, decoded, out);
  }

  #onNewView(message: NewViewMessage, out: ReplicaEffect[]): void {
    const problem = this.#newViewProblem(message);
    if (problem !== undefined) {
      this.#drop('bad-new-view');
      // A NEW-VIEW signed by the new primary that does not hold together proves it faulty.
      if (message.view >= this.#view) this.#startViewChange(message.view + 1, out);
      return;
    }
    const plan = planNewView(message.viewChanges);
    this.#view = message.view;
    this.#newView = undefined;
    this.#enterView(message.view, plan, message.prePrepares, out);
  }

  #newViewProblem(message: NewViewMessage): string | undefined {
    if (this.#members.indexOf(message.sender) !== this.#members.primaryIndex(message.view))
      return 'not from the primary';
    const senders = new Set<number>();
    for (const viewChange of message.viewChanges) {
      if (viewChange.newView !== message.view) return 'holds a VIEW-CHANGE for another view';
      const key = this.#members.indexOf(viewChange.sender);
      if (senders.has(key)) return 'holds two VIEW-CHANGEs from one member';
      senders.add(key);
      const problem = viewChangeProblem(
        viewChange,
        this.#members,
        this.#genesisBlockHash,
        this.#options.watermarkWindow,
      );
      if (problem !== undefined) return problem;
    }
    if (senders.size < this.#members.quorum) return 'holds fewer than 2f + 1 VIEW-CHANGEs';
    // Recompute what the NEW-VIEW must propose; digests come from the blocks, never from the message.
    const plan = planNewView(message.viewChanges);
    if (plan.proposals.length !== message.prePrepares.length) return 'proposes another set of blocks';
    for (let i = 0; i < plan.proposals.length; i++) {
      const expected = plan.proposals[i] as NewViewPlan['proposals'][number];
      const prePrepare = message.prePrepares[i] as PrePrepareMessage;
      if (prePrepare.view !== message.view || !bytesEqual(prePrepare.sender, message.sender))
        return 'holds a foreign pre-prepare';
      if (prePrepare.sequence !== expected.sequence || !bytesEqual(prePrepare.digest, expected.digest)) {
        return `pre-prepare ${i} differs from the recomputed one`;
      }
      const parts = readProposal(prePrepare.block);
      if (parts === undefined || !bytesEqual(parts.hash, prePrepare.digest))
        return `pre-prepare ${i} carries another block`;
    }
    return undefined;
  }

  #enterView(view: number, plan: NewViewPlan, prePrepares: readonly PrePrepareMessage[], out: ReplicaEffect[]): void {
    this.#view = view;
    this.#active = true;
    this.#entries.clear();
    this.#ownViewChange = undefined;
    this.#ticks.viewChange = 0;
    this.#ticks.progress = 0;
    this.#ticks.batch = 0;
    for (const held of [...this.#viewChanges.keys()]) if (held <= view) this.#viewChanges.delete(held);
    out.push({ kind: 'persist', key: viewRecordKey, value: encodeViewRecord(view, false) });
    out.push({ kind: 'view', view, phase: 'active' });
    const checkpoint = plan.checkpoint;
    if (checkpoint.sequence > this.#stable.ref.sequence) {
      const known = this.#hashes.get(checkpoint.sequence);
      if (checkpoint.sequence <= this.#committed.height) {
        if (known !== undefined && bytesEqual(known, checkpoint.blockHash))
          this.#makeStable(checkpoint, plan.checkpointProof, out);
      } else {
        this.#pendingStable = { ref: checkpoint, proof: plan.checkpointProof };
      }
    }
    for (const prePrepare of prePrepares) {
      if (prePrepare.sequence <= this.#stable.ref.sequence) continue;
      const entry = this.#entry(prePrepare.sequence);
      entry.prePrepare = prePrepare;
      entry.parts = readProposal(prePrepare.block);
      if (this.isPrimary) entry.sent.push(prePrepare.bytes);
    }
    for (const entry of [...this.#entries.values()].sort((a, b) => a.sequence - b.sequence))
      this.#tryValidate(entry, out);
    this.#checkLag(out);
    this.#maybePropose(out);
  }

  // --- state transfer -----------------------------------------------------------------

  #onStateRequest(message: { sender: Uint8Array; fromHeight: number; countMax: number }, out: ReplicaEffect[]): void {
    const sender = this.#members.indexOf(message.sender);
    this.#servedThisTick.add(sender);
    if (message.fromHeight < 1 || message.fromHeight > this.#committed.height) return;
    const countMax = Math.min(
      message.countMax,
      stateResponseBlocksMax,
      this.#committed.height - message.fromHeight + 1,
    );
    out.push({ kind: 'serve-blocks', to: message.sender, fromHeight: message.fromHeight, countMax });
  }

  #onStateResponse(message: StateResponseMessage, out: ReplicaEffect[]): void {
    const accepted: {
      block: Uint8Array;
      parts: ProposalParts;
      certificate: Uint8Array;
      view: number;
      items: number;
    }[] = [];
    const items: Ed25519BatchItem[] = [];
    let previousHash = this.#committed.blockHash;
    let height = this.#committed.height + 1;
    let bad = false;
    for (const entry of message.entries) {
      const parts = readProposal(entry.block);
      if (parts === undefined || parts.header.height < height) continue; // already held
      if (parts.header.height !== height || !bytesEqual(parts.header.previousHash, previousHash)) {
        bad = true;
        break;
      }
      const claims = certificateClaims(entry.certificate, this.#chainId, this.#members, height, parts.hash);
      if (typeof claims === 'string') {
        bad = true;
        break;
      }
      items.push(...claims.items);
      accepted.push({
        block: entry.block,
        parts,
        certificate: entry.certificate,
        view: claims.certificate.view,
        items: claims.items.length,
      });
      previousHash = parts.hash;
      height++;
    }
    const verdicts = this.#verifyAll(items);
    let at = 0;
    let adoptView = -1;
    for (const entry of accepted) {
      const valid = verdicts.slice(at, at + entry.items).every((ok) => ok);
      at += entry.items;
      if (!valid) {
        bad = true;
        break;
      }
      this.#stats.committedByStateTransfer++;
      this.#applyCommit(entry.block, entry.parts, entry.certificate, entry.view, 'state-transfer', out);
      adoptView = Math.max(adoptView, entry.view);
    }
    if (bad) {
      // A peer that sends a block without a valid certificate is not asked again now.
      this.#drop('bad-state-response');
      this.#fetch = undefined;
    } else if (this.#fetch !== undefined && this.#members.indexOf(message.sender) === this.#fetch.peer) {
      this.#fetch = undefined;
    }
    // Blocks certified in a view at or above the one this replica is changing to prove a
    // quorum got there: follow it (never back to a view it already left).
    if (adoptView > this.#view || (adoptView === this.#view && !this.#active)) this.#followView(adoptView, out);
    this.#checkLag(out);
  }

  #followView(view: number, out: ReplicaEffect[]): void {
    this.#view = view;
    this.#active = true;
    this.#entries.clear();
    this.#ownViewChange = undefined;
    this.#newView = undefined;
    this.#proposing = undefined;
    this.#ticks.viewChange = 0;
    this.#ticks.progress = 0;
    for (const held of [...this.#viewChanges.keys()]) if (held <= view) this.#viewChanges.delete(held);
    out.push({ kind: 'persist', key: viewRecordKey, value: encodeViewRecord(view, false) });
    out.push({ kind: 'view', view, phase: 'active' });
    this.#maybePropose(out);
  }

  /** Starts a fetch when f + 1 peers (so at least one correct one) have shown blocks two or more above this replica's. */
  #checkLag(out: ReplicaEffect[]): void {
    if (this.#fetch !== undefined) return;
    const known = this.#knownHeight();
    const target = Math.max(known, this.#pendingStable?.ref.sequence ?? 0);
    // Two blocks behind, or one behind with no commit for a while (its COMMITs were lost).
    const behind =
      target >= this.#committed.height + 2 ||
      (target > this.#committed.height &&
        (this.#pendingStable !== undefined || this.#ticks.sinceCommit >= this.#options.stateTransferTimeoutTicks));
    if (!behind) return;
    const size = this.#members.size;
    for (let step = 1; step <= size; step++) {
      const peer = (this.#lastFetchPeer + step + size) % size;
      if (peer === this.#me || (this.#peerHeights.get(peer) ?? 0) <= this.#committed.height) continue;
      this.#lastFetchPeer = peer;
      this.#fetch = { peer, ticks: 0 };
      const message = this.#sign({
        kind: 'state-request',
        fromHeight: this.#committed.height + 1,
        countMax: stateResponseBlocksMax,
      });
      out.push({ kind: 'send', to: this.#members.keys[peer] as Uint8Array, message });
      return;
    }
  }

  /** The (f + 1)-th highest height peers have shown: at least one correct peer has it. */
  #knownHeight(): number {
    const heights = [...this.#peerHeights.values()].sort((a, b) => b - a);
    return heights[this.#members.faults] ?? 0;
  }

  #sawHeight(sender: Uint8Array, height: number): void {
    const index = this.#members.indexOf(sender);
    if (height > (this.#peerHeights.get(index) ?? 0)) this.#peerHeights.set(index, height);
  }

  // --- helpers ------------------------------------------------------------------------

  #hasWork(): boolean {
    if (this.#requests.size > 0) return true;
    for (const entry of this.#entries.values()) {
      if (entry.prePrepare !== undefined && entry.sequence > this.#committed.height) return true;
    }
    return false;
  }

  #timeout(): number {
    return this.#options.viewChangeTimeoutTicks * 2 ** Math.min(this.#attempt, 16);
  }

  #highWatermark(): number {
    const k = this.#options.checkpointInterval;
    const floor = this.#committed.height - (this.#committed.height % k);
    return Math.max(this.#stable.ref.sequence, floor) + this.#options.watermarkWindow;
  }

  #entry(sequence: number): Entry {
    let entry = this.#entries.get(sequence);
    if (entry === undefined) {
      entry = { sequence, validation: 'none', prepares: new Map(), commits: new Map(), sent: [], sentCommit: false };
      this.#entries.set(sequence, entry);
    }
    return entry;
  }

  /** Whether signing a vote for `digest` at `sequence` in this view keeps every promise already persisted. */
  #mayVote(sequence: number, digest: Uint8Array): boolean {
    const vote = this.#votes.get(sequence);
    return vote === undefined || vote.view !== this.#view || bytesEqual(vote.digest, digest);
  }

  #recordVote(sequence: number, digest: Uint8Array, out: ReplicaEffect[]): void {
    const vote = { view: this.#view, digest };
    this.#votes.set(sequence, vote);
    out.push({ kind: 'persist', key: voteRecordKey(sequence), value: encodeVoteRecord(vote) });
  }

  #resend(out: ReplicaEffect[]): void {
    if (!this.#active) {
      if (this.#ownViewChange !== undefined) out.push({ kind: 'broadcast', message: this.#ownViewChange });
      return;
    }
    for (const entry of this.#entries.values()) {
      if (entry.sequence <= this.#committed.height && entry.sequence !== this.#committed.height) continue;
      for (const message of entry.sent) out.push({ kind: 'broadcast', message });
    }
    // The latest unstable checkpoint, so a quorum forms even if some were lost.
    const own = this.#me;
    let latest: CheckpointMessage | undefined;
    for (const [sequence, held] of this.#checkpoints) {
      const mine = held.get(own);
      if (
        mine !== undefined &&
        sequence > this.#stable.ref.sequence &&
        (latest === undefined || sequence > latest.sequence)
      ) {
        latest = mine;
      }
    }
    if (latest !== undefined) out.push({ kind: 'broadcast', message: latest.bytes });
  }

  /** Verifies in batches of at most `limits.ed25519BatchItemsMax` items. */
  #verifyAll(items: readonly Ed25519BatchItem[]): boolean[] {
    this.#stats.signaturesVerified += items.length;
    if (items.length <= ed25519BatchItemsMax) return this.#verify(items);
    const verdicts: boolean[] = [];
    for (let start = 0; start < items.length; start += ed25519BatchItemsMax) {
      verdicts.push(...this.#verify(items.slice(start, start + ed25519BatchItemsMax)));
    }
    return verdicts;
  }

  #sign(body: ConsensusBody): Uint8Array {
    return encodeConsensusMessage(this.#chainId, this.#signer, body);
  }

  #drop(reason: DropReason): false {
    this.#stats.dropped[reason] = (this.#stats.dropped[reason] ?? 0) + 1;
    return false;
  }
}

function matching<M extends { digest: Uint8Array }>(held: Map<number, M>, digest: Uint8Array): M[] {
  const out: M[] = [];
  for (const message of held.values()) if (bytesEqual(message.digest, digest)) out.push(message);
  return out;
}
