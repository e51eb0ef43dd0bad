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
 * previous certificate here; execution by the driver) and send PREPARE → with q − 1 matching
 * PREPAREs a replica is prepared and sends COMMIT, whose signature is a commit vote → with
 * q matching COMMITs the block commits, its certificate made of those signatures.
 * Every K blocks a CHECKPOINT; q matching ones make it stable and move the low watermark.
 * Castro–Liskov write 2f and 2f + 1 for n = 3f + 1; here q = ⌈(n + f + 1) / 2⌉ for every n
 * (quorum.ts), the smallest quorum any two of which share a correct member. View changes follow view-change.ts; a replica that falls behind fetches
 * certified blocks (state transfer) and never trusts a block without its certificate.
 *
 * Requests and stragglers, where Castro–Liskov lean on the client: the paper's client re-sends
 * a request that gets no reply to every replica; here the driver's `submit` of a transaction
 * still pending is forwarded again, and a replica that gives up on its view because its
 * requests did not commit relays them once with its VIEW-CHANGE (`#relayPending`). Without
 * that, a REQUEST lost on every link left its replica alone in a view change no correct
 * replica joins (f + 1 rule) while the rest sat idle. A replica left alone in a view change
 * (fewer than q asked for its view) while the others, a quorum without it, commit in the view
 * it left, probes peers for blocks by state transfer (`#checkLag`): nothing else shows it their
 * height once they fall idle. Neither signs a vote, so no quorum argument changes.
 *
 * Every message's signature, and every nested message's, is verified before it is counted,
 * all messages of one `stepMany` call in one batch. A message that is malformed, from a
 * non-member, for another view, a duplicate or otherwise useless is dropped and counted in
 * `stats.dropped` under a named reason (stats.ts); every collection a peer can grow has a limit.
 *
 * The `Replica` class owns the view, the committed tip, the stable checkpoint and the timers,
 * and orchestrates the pieces beside it: admission.ts (checks before any signature is
 * verified), log.ts (the per-sequence entries and their quorums), proposal-checks.ts (a
 * proposal against the committed tip), safety.ts (votes and prepared certificates, persisted),
 * checkpoints.ts (CHECKPOINTs and their quorum), view-changes-held.ts and new-view.ts (held
 * VIEW-CHANGEs, the f + 1 join rule, checking a NEW-VIEW) and state-transfer.ts (checking a
 * STATE-RESPONSE, peers' heights and the fetch in flight).
 */
import { bytesEqual } from '../bytes.js';
import {
  type CheckpointMessage,
  type CheckpointRef,
  type CommitMessage,
  type ConsensusBody,
  type ConsensusMessage,
  type ConsensusSigner,
  decodeConsensusMessage,
  encodeConsensusMessage,
  type NewViewMessage,
  type PrePrepareMessage,
  type PrepareMessage,
  type StateResponseMessage,
  type ViewChangeMessage,
} from '../codec/consensus.js';
import { requireChainId } from '../codec/transaction.js';
import { type Ed25519BatchItem, ed25519VerifyBatch } from '../crypto/ed25519.js';
import { committedTxIdsRememberedMax, requestTxsMax, stateResponseBlocksMax } from '../limits.js';
import { requireBytesOfLength } from '../validate.js';
import { type AdmissionState, admitAll, checkRequest, isRequestOf } from './admission.js';
import { CheckpointCollector, genesisCheckpoint, type StableCheckpoint } from './checkpoints.js';
import type { ReplicaEffect } from './effects.js';
import { ReplicaInputError, RequestRejectedError } from './errors.js';
import { commitCertificate, type Entry, highWatermark, Log, preparedCertificate } from './log.js';
import { Members } from './members.js';
import { newViewProblem, prePrepareBodies } from './new-view.js';
import { type CommittedTip, type ReplicaOptions, type ResolvedOptions, resolveOptions } from './options.js';
import {
  checkpointRecordKey,
  encodeCheckpointRecord,
  encodeViewRecord,
  restoreSafetyState,
  viewRecordKey,
} from './persistence.js';
import { blockTxBytes, type ProposalParts, readProposal } from './proposal.js';
import { linkProblem, proposedBlock } from './proposal-checks.js';
import { quorumRule, unsafeQuorumOption, unsafeTwoFPlusOneRule } from './quorum.js';
import { RequestPool } from './request-pool.js';
import { SafetyRecords } from './safety.js';
import { verifyInBatches, verifyMessages } from './signatures.js';
import { checkStateResponse, chooseServed, PeerHeights, servedCount, verifiedPrefix } from './state-transfer.js';
import { countDrop, type DropReason, emptyStats, type ProposalRefusal, type ReplicaStats } from './stats.js';
import { type NewViewPlan, planNewView, viewChangeProblem } from './view-change.js';
import { HeldViewChanges } from './view-changes-held.js';

export type { DropReason, ReplicaStats } from './stats.js';

/** What a replica holds (each bounded by a limit). */
export interface ReplicaFootprint {
  /** Sequence numbers in the log (at most the watermark window). */
  readonly entries: number;
  /** CHECKPOINT messages held. */
  readonly checkpoints: number;
  /** VIEW-CHANGE messages held. */
  readonly viewChanges: number;
  /** Prepared certificates kept for VIEW-CHANGEs. */
  readonly prepared: number;
  /** Pending client transactions. */
  readonly pending: number;
}

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
  #stable: StableCheckpoint;
  /** A stable checkpoint above the committed height, reached once state transfer catches up. */
  #pendingStable: StableCheckpoint | undefined;
  readonly #log = new Log();
  readonly #safety: SafetyRecords;
  readonly #checkpoints = new CheckpointCollector();
  readonly #viewChanges = new HeldViewChanges();
  #ownViewChange: Uint8Array | undefined;
  #newView: Uint8Array | undefined;
  readonly #requests: RequestPool;
  #proposing: { view: number; height: number } | undefined;
  /** Proposals ever asked for (a `proposed` call with none outstanding is stale only if one was). */
  #proposalsAsked = 0;
  /** Highest height each peer has shown (from its verified messages), and the fetch in flight. */
  readonly #peers: PeerHeights;
  readonly #servedThisTick = new Set<number>();
  #ticks = { batch: 0, progress: 0, viewChange: 0, resend: 0, sinceCommit: 0 };
  #attempt = 0;
  readonly #stats: ReplicaStats = emptyStats();

  constructor(options: ReplicaOptions) {
    this.#options = resolveOptions(options);
    requireChainId(options.chainId, 'Replica');
    this.#chainId = options.chainId;
    this.#members = new Members(
      options.validators,
      (options as { [unsafeQuorumOption]?: boolean })[unsafeQuorumOption] === true ? unsafeTwoFPlusOneRule : quorumRule,
    );
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
    this.#peers = new PeerHeights(this.#me, this.#members.size, this.#members.witnesses);

    const safety = restoreSafetyState(options.records ?? new Map(), this.#chainId);
    this.#view = safety.view;
    this.#active = !safety.changing;
    this.#safety = new SafetyRecords(safety.prepared, safety.votes);
    this.#stable = safety.checkpoint ?? genesisCheckpoint(this.#genesisBlockHash);
    if (this.#stable.ref.sequence > this.#committed.height) {
      // The records are ahead of the store (they cannot be after an orderly run): catch up first.
      this.#pendingStable = this.#stable;
      this.#stable = genesisCheckpoint(this.#genesisBlockHash);
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
  get footprint(): ReplicaFootprint {
    return {
      entries: this.#log.size,
      checkpoints: this.#checkpoints.size,
      viewChanges: this.#viewChanges.size,
      prepared: this.#safety.preparedCount,
      pending: this.#requests.size,
    };
  }

  // --- inputs -----------------------------------------------------------------------

  /**
   * A client transaction. It is sent to every replica (so that any primary can propose it
   * and every backup can tell if the primary ignores it). Submitting a transaction twice,
   * here or at another replica, is harmless: it is held and executed once. Submitting one
   * that is still pending here forwards it again (a client's re-send after a lost REQUEST).
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
      checkRequest(tx, i, this.#chainId);
    });
    if (this.#requests.size + txs.length > this.#options.pendingRequestsMax) {
      throw new RequestRejectedError('pool-full', 'Replica.submit: the pending request pool is full');
    }
    const { added, held } = this.#offer(txs);
    const out: ReplicaEffect[] = [];
    // Castro–Liskov §4.1: a client that gets no reply re-sends its request to every replica,
    // and that re-send is what reaches a replica the first REQUEST missed. A transaction
    // submitted again while it is still pending here is such a re-send, so it is forwarded
    // again (a peer's REQUEST for a held transaction is not: that would echo every request
    // n times). Forwarding a request is not a vote: it changes no quorum.
    if (held.length > 0) out.push({ kind: 'broadcast', message: this.#sign({ kind: 'request', txs: held }) });
    if (added.length > 0) this.#maybePropose(out);
    return out;
  }

  /** One message from a peer. */
  step(message: Uint8Array): ReplicaEffect[] {
    return this.stepMany([message]);
  }

  /** Messages from peers, in arrival order; their signatures are verified in one batch. */
  stepMany(messages: readonly Uint8Array[]): ReplicaEffect[] {
    if (!Array.isArray(messages)) throw new TypeError('Replica.stepMany: messages must be an array');
    // Cheap checks first: a message is dropped before any signature is verified when it can be.
    const admitted = admitAll(messages, this.#chainId, this.#admissionState(), this.#stats);
    const out: ReplicaEffect[] = [];
    if (admitted.length === 0) return out;
    const valid = verifyMessages(admitted, (items) => this.#verifyAll(items));
    admitted.forEach((message, i) => {
      if (valid[i]) this.#handle(message, out);
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
      if (this.#requests.size > 0 || this.#log.hasProposalAbove(this.#committed.height)) {
        ticks.progress++;
        if (ticks.progress >= this.#timeout()) {
          this.#relayPending(out);
          this.#startViewChange(this.#view + 1, out);
          return out;
        }
      } else {
        ticks.progress = 0;
      }
      this.#maybePropose(out);
    } else {
      // Castro–Liskov: the timer for view v runs once a quorum asked for v (only then can a
      // NEW-VIEW exist); when it expires without a valid NEW-VIEW, move on to v + 1 (the timeout
      // doubles, up to a cap). A member that asked for a view above v counts too: it has given
      // up on v, and if its VIEW-CHANGE for v was lost, waiting for exactly q for v would wait
      // forever (two correct replicas at v and one at v + 1 would each wait for the other).
      if (this.#viewChanges.countAtOrAbove(this.#view) >= this.#members.quorum) {
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
    this.#peers.tick(this.#options.stateTransferTimeoutTicks);
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
    const out: ReplicaEffect[] = [];
    if (asked === undefined) {
      // Asked and then withdrawn in the same call (a view change after the propose effect): stale.
      if (this.#proposalsAsked > 0) return out;
      throw new ReplicaInputError('Replica.proposed: no proposal was asked for');
    }
    this.#proposing = undefined;
    if (asked.view !== this.#view || !this.#active || asked.height !== this.#committed.height + 1) return out;
    const parts = proposedBlock(block, asked.height, this.#committed, this.#signer.publicKey);
    if (typeof parts === 'string') throw new ReplicaInputError(`Replica.proposed: ${parts}`);
    if (!this.#safety.mayVote(asked.height, this.#view, parts.hash)) return out;
    const bytes = this.#sign({
      kind: 'pre-prepare',
      view: this.#view,
      sequence: asked.height,
      digest: parts.hash,
      block,
    });
    const entry = this.#log.entry(asked.height);
    entry.prePrepare = decodeConsensusMessage(this.#chainId, bytes) as PrePrepareMessage;
    entry.parts = parts;
    entry.validation = 'ok';
    out.push(this.#safety.recordVote(asked.height, this.#view, parts.hash));
    entry.sent.push(bytes);
    out.push({ kind: 'broadcast', message: bytes });
    this.#progress(entry, out);
    return out;
  }

  /**
   * The driver's verdict on a `validate` effect. A verdict for a block the replica no longer
   * waits on (the view changed) is ignored. A block the application refuses is not
   * prepared, so the primary's requests time out and the view changes; it is counted under `refusal`.
   */
  validated(
    height: number,
    digest: Uint8Array,
    ok: boolean,
    refusal: ProposalRefusal = 'invalid-proposal',
  ): ReplicaEffect[] {
    requireBytesOfLength(digest, 32, 'digest', 'Replica.validated');
    const out: ReplicaEffect[] = [];
    const entry = this.#log.get(height);
    if (entry?.prePrepare === undefined || entry.validation !== 'pending') return out;
    if (!bytesEqual(entry.prePrepare.digest, digest)) return out;
    if (ok) {
      entry.validation = 'ok';
      this.#afterValidated(entry, out);
    } else {
      // Not prepared: the request timer replaces the primary (an immediate view change would let
      // an application that refuses everything churn through views without any timeout).
      entry.validation = 'bad';
      this.#drop(refusal);
    }
    return out;
  }

  /** Blocks with their certificates for a `serve-blocks` effect (consecutive heights from the one asked for). */
  serveBlocks(to: Uint8Array, entries: readonly { block: Uint8Array; certificate: Uint8Array }[]): ReplicaEffect[] {
    requireBytesOfLength(to, 32, 'to', 'Replica.serveBlocks');
    if (!Array.isArray(entries)) throw new TypeError('Replica.serveBlocks: entries must be an array');
    const chosen = chooseServed(entries);
    if (chosen.length === 0) return [];
    return [{ kind: 'send', to, message: this.#sign({ kind: 'state-response', entries: chosen }) }];
  }

  // --- admission and dispatch ---------------------------------------------------------

  /** What admission reads: it does not change while a batch is admitted, so it is read once per batch. */
  #admissionState(): AdmissionState {
    return {
      members: this.#members,
      me: this.#me,
      view: this.#view,
      active: this.#active,
      committedHeight: this.#committed.height,
      stableSequence: this.#stable.ref.sequence,
      highWatermark: this.#highWatermark(),
      log: this.#log,
      servedThisTick: this.#servedThisTick,
      fetching: this.#peers.fetching,
    };
  }

  #handle(message: ConsensusMessage, out: ReplicaEffect[]): void {
    switch (message.kind) {
      case 'request': {
        const wellFormed = message.txs.filter((tx) => isRequestOf(tx, this.#chainId) || this.#drop('bad-request'));
        if (this.#offer(wellFormed).added.length > 0) this.#maybePropose(out);
        return;
      }
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

  /**
   * Queues requests already checked; returns those added (not pending or committed already)
   * and those now held (added, or pending already), in the order given.
   */
  #offer(txs: readonly Uint8Array[]): { added: Uint8Array[]; held: Uint8Array[] } {
    const added: Uint8Array[] = [];
    const held: Uint8Array[] = [];
    this.#requests.offerMany(txs).forEach((outcome, i) => {
      const tx = txs[i] as Uint8Array;
      if (outcome === 'added') added.push(tx);
      if (outcome === 'added' || outcome === 'duplicate') held.push(tx);
      else if (outcome === 'full') this.#drop('pool-full');
      else if (outcome === 'committed') this.#drop('replayed-request');
    });
    return { added, held };
  }

  /**
   * Forwards the oldest pending requests (at most `limits.requestTxsMax`) to every replica, when
   * this replica gives up on its view because they did not commit. A REQUEST is sent once, and
   * one lost on its way to the primary (or held only by a replica that crashed) is otherwise
   * never proposed: this replica alone would time out and ask for a view change no other
   * correct replica joins (the f + 1 rule), waiting forever while the rest are idle. Relayed,
   * the requests start the other replicas' timers too (Castro–Liskov §4.4: a backup that holds
   * a request the primary does not execute suspects it), or the primary just proposes them.
   * Once per view change started, so bounded by the timeout's doubling. Forwarding requests
   * signs no vote: no quorum and no certificate changes.
   */
  #relayPending(out: ReplicaEffect[]): void {
    const txs = this.#requests.take(requestTxsMax);
    if (txs.length > 0) out.push({ kind: 'broadcast', message: this.#sign({ kind: 'request', txs }) });
  }

  #maybePropose(out: ReplicaEffect[]): void {
    if (!this.#active || !this.isPrimary || this.#proposing !== undefined) return;
    const height = this.#committed.height + 1;
    if (this.#log.get(height)?.prePrepare !== undefined) return;
    if (height > this.#highWatermark() || this.#pendingStable !== undefined) return;
    const waiting = this.#requests.size;
    if (waiting === 0) return;
    if (waiting < this.#options.blockTxsMax && this.#ticks.batch < this.#options.batchTimeoutTicks) return;
    this.#ticks.batch = 0;
    this.#proposing = { view: this.#view, height };
    this.#proposalsAsked++;
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
    const entry = this.#log.entry(message.sequence);
    if (entry.prePrepare !== undefined) {
      this.#drop(bytesEqual(entry.prePrepare.digest, message.digest) ? 'duplicate' : 'equivocation');
      return;
    }
    const parts = readProposal(message.block);
    if (parts === undefined || !bytesEqual(parts.hash, message.digest) || parts.header.height !== message.sequence) {
      this.#drop('bad-digest');
      return;
    }
    if (!this.#safety.mayVote(message.sequence, this.#view, message.digest)) {
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
    const verify = (items: readonly Ed25519BatchItem[]) => this.#verifyAll(items);
    if (linkProblem(parts, sequence, this.#committed, this.#chainId, this.#members, verify) !== undefined) {
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

  #afterValidated(entry: Entry, out: ReplicaEffect[]): void {
    const prePrepare = entry.prePrepare as PrePrepareMessage;
    if (!this.isPrimary) {
      if (!this.#safety.mayVote(entry.sequence, this.#view, prePrepare.digest)) {
        this.#drop('conflicts-own-vote');
        return;
      }
      out.push(this.#safety.recordVote(entry.sequence, this.#view, prePrepare.digest));
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
    const entry = this.#log.holdPrepare(this.#members.indexOf(message.sender), message);
    if (entry === undefined) this.#drop('duplicate');
    else this.#progress(entry, out);
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
    const entry = this.#log.holdCommit(this.#members.indexOf(message.sender), message);
    if (entry === undefined) this.#drop('duplicate');
    else this.#progress(entry, out);
  }

  /** Moves an entry on: prepared → COMMIT sent; then commits whatever is ready, in height order. */
  #progress(entry: Entry, out: ReplicaEffect[]): void {
    const certificate = preparedCertificate(entry, this.#members.preparesNeeded);
    if (certificate !== undefined) {
      entry.sentCommit = true;
      out.push(this.#safety.recordPrepared(entry.sequence, certificate));
      const digest = certificate.prePrepare.digest;
      const bytes = this.#sign({ kind: 'commit', view: this.#view, sequence: entry.sequence, digest });
      entry.commits.set(this.#me, decodeConsensusMessage(this.#chainId, bytes) as CommitMessage);
      entry.sent.push(bytes);
      out.push({ kind: 'broadcast', message: bytes });
    }
    this.#commitReady(out);
  }

  #commitReady(out: ReplicaEffect[]): void {
    for (;;) {
      const entry = this.#log.get(this.#committed.height + 1);
      if (entry === undefined) return;
      const certificate = commitCertificate(entry, this.#view, this.#members.quorum);
      if (certificate === undefined) return;
      this.#stats.committedByConsensus++;
      const block = (entry.prePrepare as PrePrepareMessage).block;
      this.#applyCommit(block, entry.parts as ProposalParts, certificate, this.#view, 'consensus', out);
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
    // Remembered even with an empty pool, so a replayed REQUEST is dropped here, not re-proposed.
    this.#requests.markCommitted(blockTxBytes(block));
    if (via === 'state-transfer') this.#log.delete(height);
    if (height % this.#options.checkpointInterval === 0) this.#sendCheckpoint(parts, out);
    const pending = this.#pendingStable;
    if (pending !== undefined && pending.ref.sequence <= height) {
      this.#pendingStable = undefined;
      this.#stableIfCommitted(pending, out);
    }
    const next = this.#log.get(height + 1);
    if (next !== undefined) this.#tryValidate(next, out);
    this.#maybePropose(out);
  }

  // --- checkpoints --------------------------------------------------------------------

  #sendCheckpoint(parts: ProposalParts, out: ReplicaEffect[]): void {
    const bytes = this.#sign({
      kind: 'checkpoint',
      sequence: parts.header.height,
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
    if (!this.#checkpoints.hold(this.#members.indexOf(message.sender), message)) {
      this.#drop('duplicate');
      return;
    }
    const agreeing = this.#checkpoints.quorumFor(message, this.#members.quorum);
    if (agreeing === undefined || message.sequence <= this.#stable.ref.sequence) return;
    const ref = { sequence: message.sequence, blockHash: message.blockHash, stateRoot: message.stateRoot };
    if (message.sequence > this.#committed.height) {
      // A quorum is past this replica: fetch the blocks, then make it stable.
      this.#pendingStable = { ref, proof: agreeing };
      this.#checkLag(out);
      return;
    }
    this.#stableIfCommitted({ ref, proof: agreeing }, out);
  }

  /** Makes a checkpoint at or below the committed height stable if it names the block this replica committed there. */
  #stableIfCommitted(checkpoint: StableCheckpoint, out: ReplicaEffect[]): void {
    const known = this.#hashes.get(checkpoint.ref.sequence);
    if (known !== undefined && bytesEqual(known, checkpoint.ref.blockHash)) this.#makeStable(checkpoint, out);
  }

  #makeStable(checkpoint: StableCheckpoint, out: ReplicaEffect[]): void {
    this.#stable = checkpoint;
    out.push({
      kind: 'persist',
      key: checkpointRecordKey,
      value: encodeCheckpointRecord(checkpoint.ref, checkpoint.proof),
    });
    const low = checkpoint.ref.sequence;
    this.#log.forgetTo(low);
    this.#checkpoints.forgetTo(low);
    for (const sequence of [...this.#hashes.keys()]) if (sequence < low) this.#hashes.delete(sequence);
    out.push(...this.#safety.forgetTo(low));
    this.#maybePropose(out);
  }

  // --- view change --------------------------------------------------------------------

  #startViewChange(target: number, out: ReplicaEffect[]): void {
    if (target <= this.#view) return;
    this.#stats.viewChangesStarted++;
    this.#attempt++;
    this.#proposing = undefined;
    this.#newView = undefined;
    this.#moveTo(target, 'changing', out);
    this.#broadcastViewChange(out);
  }

  /** Enters (`'active'`) or starts changing to (`'changing'`) `view`, with an empty log, and persists it. */
  #moveTo(view: number, phase: 'active' | 'changing', out: ReplicaEffect[]): void {
    this.#view = view;
    this.#active = phase === 'active';
    this.#log.clear();
    this.#ticks.viewChange = 0;
    this.#ticks.progress = 0;
    // VIEW-CHANGEs for the view changed to are kept until it is entered.
    this.#viewChanges.forgetBelow(phase === 'active' ? view + 1 : view);
    out.push({ kind: 'persist', key: viewRecordKey, value: encodeViewRecord(view, phase === 'changing') });
    out.push({ kind: 'view', view, phase });
  }

  #broadcastViewChange(out: ReplicaEffect[]): void {
    const stable = this.#stable;
    const bytes = this.#sign({
      kind: 'view-change',
      newView: this.#view,
      checkpoint: stable.ref,
      checkpointProof: stable.proof.map((message) => message.bytes),
      prepared: this.#safety.forViewChange(stable.ref.sequence, this.#options.watermarkWindow, this.#view),
    });
    this.#ownViewChange = bytes;
    out.push({ kind: 'broadcast', message: bytes });
    this.#viewChanges.hold(this.#me, decodeConsensusMessage(this.#chainId, bytes) as ViewChangeMessage);
    this.#tryNewView(out);
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
    if (!this.#viewChanges.hold(this.#members.indexOf(message.sender), message)) {
      this.#drop('duplicate');
      return;
    }
    // Join a view change that f + 1 members started: at least one of them is correct (so the
    // faulty alone cannot drag correct members out of a working view).
    const target = this.#viewChanges.joinTarget(this.#view, this.#active, this.#members.witnesses);
    if (target !== undefined) this.#startViewChange(target, out);
    this.#tryNewView(out);
  }

  #tryNewView(out: ReplicaEffect[]): void {
    if (this.#active || !this.isPrimary || this.#newView !== undefined) return;
    const chosen = this.#viewChanges.chooseForNewView(this.#view, this.#me, this.#members.quorum);
    if (chosen === undefined) return;
    const plan = planNewView(chosen);
    const prePrepares = prePrepareBodies(this.#view, plan).map((body) => this.#sign(body));
    for (const proposal of plan.proposals) {
      out.push(this.#safety.recordVote(proposal.sequence, this.#view, proposal.digest));
    }
    const viewChanges = chosen.map((message) => message.bytes);
    const bytes = this.#sign({ kind: 'new-view', view: this.#view, viewChanges, prePrepares });
    this.#newView = bytes;
    out.push({ kind: 'broadcast', message: bytes });
    const decoded = prePrepares.map((pp) => decodeConsensusMessage(this.#chainId, pp) as PrePrepareMessage);
    this.#enterView(this.#view, plan, decoded, out);
  }

  #onNewView(message: NewViewMessage, out: ReplicaEffect[]): void {
    const problem = newViewProblem(message, this.#members, this.#genesisBlockHash, this.#options.watermarkWindow);
    if (problem !== undefined) {
      this.#drop('bad-new-view');
      // A NEW-VIEW signed by that view's primary that does not hold together proves the primary
      // faulty; from anyone else it proves nothing and moves nobody.
      const fromPrimary = this.#members.indexOf(message.sender) === this.#members.primaryIndex(message.view);
      if (fromPrimary && message.view >= this.#view) this.#startViewChange(message.view + 1, out);
      return;
    }
    const plan = planNewView(message.viewChanges);
    this.#view = message.view;
    this.#newView = undefined;
    this.#enterView(message.view, plan, message.prePrepares, out);
  }

  #enterView(view: number, plan: NewViewPlan, prePrepares: readonly PrePrepareMessage[], out: ReplicaEffect[]): void {
    this.#ownViewChange = undefined;
    this.#ticks.batch = 0;
    this.#moveTo(view, 'active', out);
    const checkpoint = { ref: plan.checkpoint, proof: plan.checkpointProof };
    if (checkpoint.ref.sequence > this.#stable.ref.sequence) {
      if (checkpoint.ref.sequence <= this.#committed.height) this.#stableIfCommitted(checkpoint, out);
      else this.#pendingStable = checkpoint;
    }
    this.#log.installPrePrepares(prePrepares, this.#stable.ref.sequence, this.isPrimary);
    for (const entry of this.#log.inOrder()) this.#tryValidate(entry, out);
    this.#checkLag(out);
    this.#maybePropose(out);
  }

  // --- state transfer -----------------------------------------------------------------

  #onStateRequest(message: { sender: Uint8Array; fromHeight: number; countMax: number }, out: ReplicaEffect[]): void {
    this.#servedThisTick.add(this.#members.indexOf(message.sender));
    const countMax = servedCount(message.fromHeight, message.countMax, this.#committed.height);
    if (countMax !== undefined) {
      out.push({ kind: 'serve-blocks', to: message.sender, fromHeight: message.fromHeight, countMax });
    }
  }

  #onStateResponse(message: StateResponseMessage, out: ReplicaEffect[]): void {
    const check = checkStateResponse(message.entries, this.#committed, this.#members, this.#chainId);
    const verified = verifiedPrefix(check.accepted, this.#verifyAll(check.items));
    let adoptView = -1;
    for (const entry of check.accepted.slice(0, verified)) {
      this.#stats.committedByStateTransfer++;
      this.#applyCommit(entry.block, entry.parts, entry.certificate, entry.view, 'state-transfer', out);
      adoptView = Math.max(adoptView, entry.view);
    }
    if (check.bad || verified < check.accepted.length) {
      // A peer that sends a block without a valid certificate is not asked again now.
      this.#drop('bad-state-response');
      this.#peers.cancel();
    } else {
      this.#peers.answered(this.#members.indexOf(message.sender));
    }
    // Blocks certified in a view at or above the one this replica is changing to prove a
    // quorum got there: follow it (never back to a view it already left).
    if (adoptView > this.#view || (adoptView === this.#view && !this.#active)) this.#followView(adoptView, out);
    this.#checkLag(out);
  }

  #followView(view: number, out: ReplicaEffect[]): void {
    this.#ownViewChange = undefined;
    this.#newView = undefined;
    this.#proposing = undefined;
    this.#moveTo(view, 'active', out);
    this.#maybePropose(out);
  }

  /**
   * Starts a fetch when f + 1 peers (so at least one correct one) have shown blocks two or more
   * above this replica's, or probes a peer while this replica waits alone for a view change.
   *
   * Alone: it asked for a view that fewer than q members asked for, so its view-change timer
   * does not run, and no other correct member joins before its own timer fires (the f + 1
   * rule). Where the others are more than a quorum without it (n = 6 or 9 with f members
   * silent, or fewer faulty members than f), they go on committing in the view it left; it
   * drops their messages as from a stale view, and once they fall idle nothing shows it their
   * height: it would stay behind for good (test/consensus/liveness.test.ts). So it asks a
   * peer for blocks above its own, one request per `stateTransferTimeoutTicks`. Safe: state
   * transfer takes a block only with a commit certificate a quorum signed, and following
   * committed blocks never moves this replica back to a view it left (`#onStateResponse`).
   */
  #checkLag(out: ReplicaEffect[]): void {
    const stalled = this.#ticks.sinceCommit >= this.#options.stateTransferTimeoutTicks;
    const alone = !this.#active && this.#viewChanges.countAtOrAbove(this.#view) < this.#members.quorum;
    const peer = this.#peers.startFetch(
      this.#committed.height,
      this.#pendingStable?.ref.sequence,
      stalled,
      stalled && alone,
    );
    if (peer === undefined) return;
    const fromHeight = this.#committed.height + 1;
    const message = this.#sign({ kind: 'state-request', fromHeight, countMax: stateResponseBlocksMax });
    out.push({ kind: 'send', to: this.#members.keys[peer] as Uint8Array, message });
  }

  #sawHeight(sender: Uint8Array, height: number): void {
    this.#peers.saw(this.#members.indexOf(sender), height);
  }

  // --- helpers ------------------------------------------------------------------------

  #timeout(): number {
    const options = this.#options;
    return Math.min(
      options.viewChangeTimeoutTicks * 2 ** Math.min(this.#attempt, 30),
      options.viewChangeTimeoutMaxTicks,
    );
  }

  #highWatermark(): number {
    return highWatermark(this.#committed.height, this.#stable.ref.sequence, this.#options);
  }

  #resend(out: ReplicaEffect[]): void {
    if (!this.#active) {
      if (this.#ownViewChange !== undefined) out.push({ kind: 'broadcast', message: this.#ownViewChange });
      return;
    }
    for (const message of this.#log.toResend(this.#committed.height)) out.push({ kind: 'broadcast', message });
    // The latest unstable checkpoint, so a quorum forms even if some were lost.
    const latest = this.#checkpoints.latestOf(this.#me, this.#stable.ref.sequence);
    if (latest !== undefined) out.push({ kind: 'broadcast', message: latest.bytes });
  }

  /** Verifies in batches of at most `limits.ed25519BatchItemsMax` items, counting the signatures. */
  #verifyAll(items: readonly Ed25519BatchItem[]): boolean[] {
    this.#stats.signaturesVerified += items.length;
    return verifyInBatches(this.#verify, items);
  }

  #sign(body: ConsensusBody): Uint8Array {
    return encodeConsensusMessage(this.#chainId, this.#signer, body);
  }

  #drop(reason: DropReason): false {
    countDrop(this.#stats, reason);
    return false;
  }
}
