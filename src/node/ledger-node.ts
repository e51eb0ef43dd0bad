/**
 * A consortium member's node: the PBFT replica, the ledger, the block store and a crypto
 * backend (a `CryptoPool` verifies every block's transaction signatures in batches, straight
 * from the packed layout the block decoder writes), behind one `Transport`.
 *
 * Every input — a peer's message, a tick, a submission — goes through one queue, so the
 * replica's effects are carried out strictly in order: safety records are written (synced)
 * before the messages they cover are sent, a block is validated by executing it tentatively,
 * and a committed block is written to the store (synced, with its certificate) before the
 * ledger commits it and anyone is told. A node that restarts reopens its store and records
 * and catches up by state transfer.
 */
import { EventEmitter } from 'node:events';
import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { bytesEqual, toHex } from '../bytes.js';
import { blockTxIds, type DecodedBlock, decodeBlock } from '../codec/block.js';
import { encodeGenesis, type Genesis } from '../codec/genesis.js';
import type { Receipt } from '../codec/receipt.js';
import { transactionId } from '../codec/transaction.js';
import type { ReplicaEffect } from '../consensus/effects.js';
import { RequestRejectedError } from '../consensus/errors.js';
import type { ReplicaOptions } from '../consensus/options.js';
import { Replica } from '../consensus/replica.js';
import type { ProposalRefusal } from '../consensus/stats.js';
import { type CryptoBackend, createInlineCrypto } from '../crypto/backend.js';
import { type Ed25519BatchItem, ed25519PublicKeyFromSecret } from '../crypto/ed25519.js';
import { type MerkleInclusionProof, merkleInclusionProof } from '../crypto/merkle.js';
import { ConsortiumLedgerError, DecodeError } from '../errors.js';
import type { ExecutedBlock, ProvenState } from '../ledger/block-work.js';
import { BlockMismatchError } from '../ledger/errors.js';
import { Ledger } from '../ledger/ledger.js';
import { blockTimestampFutureToleranceMs, inboxBatchBytesMax, inboxBatchMessagesMax } from '../limits.js';
import { mapOpenError } from '../store/database.js';
import { BlockStore, StoreCorruptError, type StoreDatabase } from '../store/index.js';
import { loadLedger } from '../store/load-ledger.js';
import { requireBytes, requireBytesArray, requireBytesOfLength, requireInteger } from '../validate.js';
import { LevelRecords, type RecordStore, StoreRecords } from './records.js';
import type { Transport } from './transport.js';

/** The replica tuning a node may set (identity, chain and tip come from the node). */
export type NodeReplicaOptions = Omit<
  ReplicaOptions,
  'chainId' | 'validators' | 'signer' | 'genesisBlockHash' | 'committed' | 'records' | 'verifyBatch'
>;

/** How to open a node. */
export interface LedgerNodeOptions {
  /** The consortium's genesis (its validators are the replica's peers). */
  readonly genesis: Genesis;
  /** This member's 32-byte Ed25519 secret seed; its public key must be a genesis validator. */
  readonly secretKey: Uint8Array;
  /** How the node reaches its peers. */
  readonly transport: Transport;
  /** A directory: the block store (LevelDB) in `blocks/`, the replica's safety records in the same database. */
  readonly dataDir?: string;
  /** Instead of `dataDir`: an abstract-level database for the blocks and a record store. */
  readonly database?: StoreDatabase;
  /** Where the replica's safety records live, if not in the block store's database (the default). */
  readonly records?: RecordStore;
  /** The ledger's crypto (a `CryptoPool` to verify transactions on every core). Default inline. */
  readonly crypto?: CryptoBackend;
  /** The replica's message verifier (default the WASM batch verifier). */
  readonly verifyBatch?: (items: readonly Ed25519BatchItem[]) => boolean[];
  /** Replica tuning (checkpoint interval, block size, timeouts in ticks …). */
  readonly replica?: NodeReplicaOptions;
  /** Tick period in ms for a timer the node runs itself; `null` when the caller calls `tick()` (the simulator). Default 50. */
  readonly tickMs?: number | null;
  /** Block timestamps, ms since the epoch (default `Date.now`; the simulator passes its clock). */
  readonly clock?: () => number;
  /**
   * How far ahead of `clock` a proposed block's timestamp may be, in ms, for this node to
   * accept it as a backup (and the furthest ahead it proposes as primary). Default
   * `limits.blockTimestampFutureToleranceMs`; a non-negative integer.
   */
  readonly blockTimestampFutureToleranceMs?: number;
  /** If given, must match the role the genesis gives this member. */
  readonly role?: string;
  /** If given, the peers' public keys: they must be exactly the genesis's other validators (a check that the node joins the consortium its operator expects). */
  readonly peers?: readonly Uint8Array[];
  /** Whether store writes are synced (default true; the simulator's memory stores need not). */
  readonly sync?: boolean;
}

/** A committed block, as the node reports it. */
export interface CommittedBlock {
  /** Its height. */
  readonly height: number;
  /** Its hash. */
  readonly hash: Uint8Array;
  /** The block, decoded. */
  readonly block: DecodedBlock;
  /** One receipt per transaction, in block order. */
  readonly receipts: readonly Receipt[];
  /** The state root after it. */
  readonly stateRoot: Uint8Array;
  /** Its commit certificate's bytes. */
  readonly certificate: Uint8Array;
  /** The view its certificate was formed in. */
  readonly view: number;
  /** Learned by taking part in consensus, or by state transfer. */
  readonly via: 'consensus' | 'state-transfer';
}

/** A transaction with its inclusion proof against its block header's tx root. */
export interface ProvenTransaction {
  /** Height of its block. */
  readonly height: number;
  /** Its position in the block (its leaf index under the tx root). */
  readonly index: number;
  /** Its canonical bytes. */
  readonly bytes: Uint8Array;
  /** Its receipt's code (`reasonCodes.ok` if applied). */
  readonly receiptCode: number;
  /** Its block's 213 header bytes. */
  readonly headerBytes: Uint8Array;
  /** The header's tx root. */
  readonly txRoot: Uint8Array;
  /** RFC 9162 proof of the tx id (leaf) under `txRoot`. */
  readonly proof: MerkleInclusionProof;
}

/** Where a node's time went, cumulative ms since it opened (for benchmarks and monitoring). */
export interface NodeTimings {
  /** Inside the replica (decoding, verifying and handling messages, signing its own). */
  replicaMs: number;
  /** Executing blocks: proposing, validating, applying (signature batches, execution, state root, tx and receipts roots). */
  executeMs: number;
  /** Writing blocks to the store (synced batches). */
  storeMs: number;
  /** Writing the replica's safety records. */
  recordsMs: number;
  /** Blocks committed, and their transactions. */
  blocks: number;
  /** Transactions in the blocks committed. */
  txs: number;
}

/** The node is closed (or closing): the call cannot complete. */
export class NodeClosedError extends ConsortiumLedgerError {
  constructor(message = 'the node is closed') {
    super('NODE_CLOSED', message);
  }
}

/** The node met an error it cannot recover from by itself (see `LedgerNode.onError`); `cause` says which. */
export class NodeFailedError extends ConsortiumLedgerError {
  constructor(cause: unknown) {
    super('NODE_FAILED', `the node failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** The store holds another consortium's chain, or the key is not a validator's. */
export class NodeConfigError extends ConsortiumLedgerError {
  constructor(message: string) {
    super('NODE_CONFIG', message);
  }
}

interface Tentative {
  readonly height: number;
  readonly hash: Uint8Array;
  readonly block: DecodedBlock;
  readonly executed: ExecutedBlock;
}

/** Messages handed to the replica in one `stepMany`, and the promise of that step. */
interface InboxBatch {
  readonly messages: Uint8Array[];
  /** Their total bytes. */
  bytes: number;
  handled: Promise<void>;
}

interface Waiter {
  resolve(receipt: Receipt): void;
  reject(error: Error): void;
}

/** A consortium member's node. */
export class LedgerNode {
  /** This member's public key. */
  readonly publicKey: Uint8Array;
  readonly #options: LedgerNodeOptions;
  readonly #events = new EventEmitter();
  readonly #store: BlockStore;
  readonly #records: RecordStore;
  #ledger: Ledger;
  #replica: Replica;
  #tentative: Tentative | undefined;
  #queue: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #failure: NodeFailedError | undefined;
  #closed = false;
  readonly #waiting = new Map<string, Waiter[]>();
  #pendingPersists: { key: string; value: Uint8Array | null }[] = [];
  /** Cumulative timings. */
  readonly timings: NodeTimings = { replicaMs: 0, executeMs: 0, storeMs: 0, recordsMs: 0, blocks: 0, txs: 0 };

  private constructor(
    options: LedgerNodeOptions,
    store: BlockStore,
    records: RecordStore,
    ledger: Ledger,
    replica: Replica,
    publicKey: Uint8Array,
  ) {
    this.#options = options;
    this.#store = store;
    this.#records = records;
    this.#ledger = ledger;
    this.#replica = replica;
    this.publicKey = publicKey;
    this.#events.setMaxListeners(0);
  }

  /**
   * Opens a node: its store (created with the genesis block when new; a store of another
   * genesis is refused), its replica records, and a replica at the store's head.
   *
   * A store that lost acknowledged writes (behind its head witness: docs/architecture.md,
   * "Block store") is refused, naming the heights, and not opened at what survived: the lost
   * batches may have held the replica's safety records (the votes it sent), so going on
   * without a word could let it vote against itself. Repairing is the operator's explicit
   * step (`repairStore`, `consortium-ledger repair <dataDir>/blocks --yes`); the node then
   * opens at the surviving head and fetches the rest from its peers by state transfer.
   *
   * @throws NodeConfigError for a key that is not a validator, a role that does not match, or
   *   a store of another chain; StoreLossError (code `STORE_CORRUPT`) for a store that lost
   *   acknowledged writes; StoreCorruptError for a store that does not hold together or
   *   safety records that do not decode (naming where they are).
   */
  static async open(options: LedgerNodeOptions): Promise<LedgerNode> {
    requireBytesOfLength(options.secretKey, 32, 'secretKey', 'LedgerNode.open');
    const publicKey = ed25519PublicKeyFromSecret(options.secretKey);
    const member = options.genesis.members.find((m) => bytesEqual(m.publicKey, publicKey));
    if (member === undefined || !member.validator)
      throw new NodeConfigError('LedgerNode.open: secretKey is not a genesis validator’s');
    if (options.role !== undefined && options.role !== member.role) {
      throw new NodeConfigError(
        `LedgerNode.open: the genesis gives this member the role ${member.role}, not ${options.role}`,
      );
    }
    if (options.peers !== undefined) {
      const expected = options.genesis.members
        .filter((m) => m.validator && !bytesEqual(m.publicKey, publicKey))
        .map((m) => toHex(m.publicKey));
      const given = options.peers.map((key) => toHex(key));
      if (given.length !== expected.length || !expected.every((key) => given.includes(key))) {
        throw new NodeConfigError('LedgerNode.open: peers are not the genesis’s other validators');
      }
    }
    if (options.blockTimestampFutureToleranceMs !== undefined) {
      requireInteger(
        options.blockTimestampFutureToleranceMs,
        'blockTimestampFutureToleranceMs',
        'LedgerNode.open',
        0,
        Number.MAX_SAFE_INTEGER,
      );
    }
    if ((options.dataDir === undefined) === (options.database === undefined)) {
      throw new TypeError('LedgerNode.open: give exactly one of dataDir and database');
    }
    const crypto = options.crypto ?? createInlineCrypto();
    const store = await BlockStore.open(
      options.dataDir !== undefined ? join(options.dataDir, 'blocks') : (options.database as StoreDatabase),
      {
        sync: options.sync ?? true,
      },
    );
    let records: RecordStore | undefined;
    try {
      // One database per node: the safety records live in the block store's database (unless
      // the caller keeps them elsewhere), so a block and its commit step's records share a batch.
      if (options.records === undefined && options.dataDir !== undefined) {
        await migrateSeparateRecords(options.dataDir, store);
      }
      records = options.records ?? new StoreRecords(store);
      const genesisBytes = encodeGenesis(options.genesis);
      let ledger = await loadLedger(store, { crypto });
      if (ledger === undefined) {
        ledger = Ledger.fromGenesis(options.genesis, { crypto });
        const { block, executed } = await ledger.genesisBlock();
        await store.initialize(genesisBytes, { block, ...executed });
      } else if (!bytesEqual((await store.genesisBytes()) as Uint8Array, genesisBytes)) {
        throw new NodeConfigError('LedgerNode.open: the store holds another genesis’s chain');
      }
      const genesisBlock = (await store.blockByHeight(0)) as DecodedBlock;
      const head = store.head;
      if (head === undefined) throw new NodeConfigError('LedgerNode.open: the store has no head');
      const certificate = (await store.certificate(head.height)) ?? new Uint8Array(0);
      const loaded = await records.load();
      const replica = replicaOrCorrupt(
        recordsWhere(options),
        () =>
          new Replica({
            ...options.replica,
            chainId: options.genesis.chainId,
            validators: options.genesis.members.filter((m) => m.validator).map((m) => m.publicKey),
            signer: { publicKey, secretKey: options.secretKey },
            genesisBlockHash: genesisBlock.hash,
            committed: {
              height: head.height,
              blockHash: head.hash,
              stateRoot: head.stateRoot,
              certificate,
            },
            records: loaded,
            ...(options.verifyBatch === undefined ? {} : { verifyBatch: options.verifyBatch }),
          }),
      );
      const node = new LedgerNode(options, store, records, ledger, replica, publicKey);
      node.#lastTimestamp = ((await store.blockByHeight(head.height)) as DecodedBlock).header.timestampMs;
      options.transport.onMessage((_from, message) => node.#receive(message));
      const tickMs = options.tickMs === undefined ? 50 : options.tickMs;
      if (tickMs !== null) {
        node.#timer = setInterval(() => {
          node.tick().catch(() => undefined); // a failure is reported through onError (see #fail)
        }, tickMs);
        node.#timer.unref();
      }
      return node;
    } catch (error) {
      await store.close().catch(() => undefined);
      await records?.close().catch(() => undefined);
      throw error;
    }
  }

  /** Committed height. */
  get height(): number {
    return this.#ledger.height;
  }

  /** The replica (its view, phase and counters). */
  get replica(): Replica {
    return this.#replica;
  }

  /** The committed ledger. */
  get ledger(): Ledger {
    return this.#ledger;
  }

  /** The block store. */
  get store(): BlockStore {
    return this.#store;
  }

  /** One tick of the replica's clock (the node's timer calls it; the simulator calls it itself). */
  tick(): Promise<void> {
    return this.#enqueue(() => this.#carryOut(this.#timed('replicaMs', () => this.#replica.tick())));
  }

  /**
   * Submits a transaction; resolves with its receipt once a block holding it commits here.
   * @throws TypeError if `tx` is not a Uint8Array; RequestRejectedError (malformed, another
   *   chain, pool full), NodeClosedError.
   */
  async submit(tx: Uint8Array): Promise<Receipt> {
    requireBytes(tx, 'tx', 'LedgerNode.submit');
    const [receipt] = await this.submitMany([tx]);
    return receipt as Receipt;
  }

  /**
   * Submits transactions without waiting for them to commit: resolves once they are queued and
   * forwarded to the other members (their receipts arrive with their blocks: `onBlock`).
   * @throws RequestRejectedError, NodeClosedError.
   */
  offer(txs: readonly Uint8Array[]): Promise<void> {
    try {
      requireBytesArray(txs, 'txs', 'LedgerNode.offer', Number.MAX_SAFE_INTEGER);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#enqueue(() => this.#carryOut(this.#timed('replicaMs', () => this.#replica.submitMany(txs))));
  }

  /** Submits transactions (forwarded in one message); resolves with their receipts, in order, once all committed. */
  async submitMany(txs: readonly Uint8Array[]): Promise<Receipt[]> {
    requireBytesArray(txs, 'txs', 'LedgerNode.submitMany', Number.MAX_SAFE_INTEGER);
    if (this.#closed) throw new NodeClosedError();
    const receipts = txs.map((tx) => {
      const id = toHex(transactionId(tx));
      const receipt = new Promise<Receipt>((resolve, reject) => {
        const list = this.#waiting.get(id) ?? [];
        list.push({ resolve, reject });
        this.#waiting.set(id, list);
      });
      receipt.catch(() => undefined); // settled through Promise.all below, or the error thrown here
      return receipt;
    });
    try {
      await this.offer(txs);
    } catch (error) {
      for (const tx of txs) this.#settle(toHex(transactionId(tx)), undefined, error as Error);
      throw error;
    }
    return Promise.all(receipts);
  }

  /** Calls `listener` with every block committed from now on. Returns a function that removes it. */
  onBlock(listener: (block: CommittedBlock) => void): () => void {
    this.#events.on('block', listener);
    return () => this.#events.off('block', listener);
  }

  /** Calls `listener` once if the node fails (it then refuses every input; close it). Returns a remover. */
  onError(listener: (error: NodeFailedError) => void): () => void {
    this.#events.on('failure', listener);
    return () => this.#events.off('failure', listener);
  }

  /** Calls `listener` on every view change of the replica (`changing` to a view, or `active` in it). Returns a remover. */
  onView(listener: (view: number, phase: 'changing' | 'active') => void): () => void {
    this.#events.on('view', listener);
    return () => this.#events.off('view', listener);
  }

  /** Committed blocks from `fromHeight` (default the next one) on, read from the store, waiting for new ones; ends when the node closes. */
  async *blocks(fromHeight = this.height + 1): AsyncGenerator<DecodedBlock> {
    let height = fromHeight;
    while (!this.#closed) {
      if (height <= this.height) {
        const block = await this.#store.blockByHeight(height);
        if (block === undefined) return;
        yield block;
        height++;
        continue;
      }
      await new Promise<void>((resolve) => {
        const done = () => {
          this.#events.off('block', done);
          this.#events.off('closed', done);
          resolve();
        };
        this.#events.on('block', done);
        this.#events.on('closed', done);
      });
    }
  }

  /** The committed block at a height or with a hash. */
  block(at: number | Uint8Array): Promise<DecodedBlock | undefined> {
    return typeof at === 'number' ? this.#store.blockByHeight(at) : this.#store.blockByHash(at);
  }

  /** A committed transaction by id, with its inclusion proof against its block's header. */
  async transaction(txId: Uint8Array): Promise<ProvenTransaction | undefined> {
    const found = await this.#store.transaction(txId);
    if (found === undefined) return undefined;
    const block = (await this.#store.blockByHeight(found.height)) as DecodedBlock;
    return {
      height: found.height,
      index: found.index,
      bytes: found.bytes,
      receiptCode: found.code,
      headerBytes: found.headerBytes,
      txRoot: found.header.txRoot,
      proof: merkleInclusionProof(blockTxIds(block), found.index),
    };
  }

  /** A state value (or its absence) with its proof against the head's state root. */
  state(key: Uint8Array): ProvenState {
    return this.#ledger.proveState(key);
  }

  /** The commit certificate of the block at `height`. */
  certificate(height: number): Promise<Uint8Array | undefined> {
    return this.#store.certificate(height);
  }

  /**
   * Closes the node: stops its timer, lets queued work finish (everything acknowledged is
   * already written), rejects submissions still waiting with NodeClosedError, and closes the
   * store, the records and the transport.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    await this.#queue.catch(() => undefined);
    this.#discardTentative();
    for (const [id] of this.#waiting)
      this.#settle(id, undefined, new NodeClosedError('the node closed before the transaction committed'));
    this.#events.emit('closed');
    await this.#options.transport.close();
    await this.#records.close();
    await this.#store.close();
  }

  /**
   * Messages wait in inbox batches; one queued step hands a batch to one `stepMany`, so their
   * signatures are verified together. A batch takes what arrives until its step starts, up to
   * `limits.inboxBatchMessagesMax` messages and `limits.inboxBatchBytesMax` bytes (a larger
   * message goes alone); what does not fit opens the next batch, queued behind it, and is
   * never dropped here. The returned promise settles once the message has been handled.
   */
  #receive(message: Uint8Array): Promise<void> {
    let batch = this.#filling;
    if (
      batch === undefined ||
      batch.messages.length >= inboxBatchMessagesMax ||
      (batch.messages.length > 0 && batch.bytes + message.length > inboxBatchBytesMax)
    ) {
      const opened: InboxBatch = { messages: [], bytes: 0, handled: Promise.resolve() };
      this.#filling = opened;
      // The step runs after the current microtask at the earliest: `message` joins the batch first.
      opened.handled = this.#enqueue(() => {
        if (this.#filling === opened) this.#filling = undefined;
        return this.#carryOut(this.#timed('replicaMs', () => this.#replica.stepMany(opened.messages)));
      });
      batch = opened;
    }
    batch.messages.push(message);
    batch.bytes += message.length;
    return batch.handled;
  }

  /** The inbox batch still taking messages (its step has not started), if any. */
  #filling: InboxBatch | undefined;

  #enqueue(work: () => Promise<void>): Promise<void> {
    if (this.#closed) return Promise.reject(new NodeClosedError());
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const run = this.#queue.then(work).catch((error: unknown) => {
      // A refused submission is the caller's matter; anything else leaves the node unsure of its state.
      if (!(error instanceof RequestRejectedError)) this.#fail(error);
      throw error;
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Carries out effects in order; records are flushed (synced) before anything after them. */
  async #carryOut(effects: readonly ReplicaEffect[]): Promise<void> {
    for (const effect of effects) {
      if (effect.kind === 'persist') {
        this.#pendingPersists.push({ key: effect.key, value: effect.value });
        continue;
      }
      // A commit takes the records persisted before it into its own batch when they share a
      // database (one synced write); every other effect waits until they are durable.
      if (effect.kind !== 'commit' || !this.#recordsInStore()) await this.#flushRecords();
      switch (effect.kind) {
        case 'send':
          this.#options.transport.send(effect.to, effect.message);
          break;
        case 'broadcast':
          this.#options.transport.broadcast(effect.message);
          break;
        case 'propose':
          await this.#propose(effect);
          break;
        case 'validate':
          await this.#validate(effect);
          break;
        case 'commit':
          await this.#commit(effect);
          break;
        case 'serve-blocks':
          await this.#serve(effect);
          break;
        case 'view':
          this.#events.emit('view', effect.view, effect.phase);
          break;
      }
    }
    await this.#flushRecords();
  }

  /** Whether the replica's records live in the block store's database (so a commit can carry them). */
  #recordsInStore(): boolean {
    return this.#records instanceof StoreRecords && this.#records.store === this.#store;
  }

  async #flushRecords(): Promise<void> {
    if (this.#pendingPersists.length === 0) return;
    const changes = this.#pendingPersists;
    this.#pendingPersists = [];
    const started = performance.now();
    await this.#records.write(changes);
    this.timings.recordsMs += performance.now() - started;
  }

  #discardTentative(): void {
    if (this.#tentative !== undefined) this.#ledger.discard(this.#tentative.executed);
    this.#tentative = undefined;
  }

  /**
   * Builds the block a `propose` effect asks for, timestamped with this node's clock, raised
   * to the previous block's timestamp when the clock is behind it (the ledger refuses an older
   * block). When the previous block is further ahead of this clock than the tolerance, no
   * timestamp passes both bounds: the node proposes nothing (as a backup it would refuse such
   * a block itself, and so would every backup whose clock agrees with its own) and the view
   * changes when the requests time out.
   */
  async #propose(effect: Extract<ReplicaEffect, { kind: 'propose' }>): Promise<void> {
    this.#discardTentative();
    const nowMs = this.#nowMs();
    const timestampMs = Math.max(nowMs, this.#lastTimestamp);
    if (timestampMs > nowMs + this.#futureToleranceMs) return;
    const started = performance.now();
    const proposed = await this.#ledger.propose(effect.txs, {
      previousHash: effect.previousHash,
      timestampMs,
      proposer: this.publicKey,
      ...(effect.previousCertificate.length > 0 ? { previousCertificateBytes: effect.previousCertificate } : {}),
    });
    this.#tentative = {
      height: effect.height,
      hash: proposed.block.hash,
      block: proposed.block,
      executed: proposed.executed,
    };
    this.timings.executeMs += performance.now() - started;
    await this.#carryOut(this.#timed('replicaMs', () => this.#replica.proposed(proposed.bytes)));
  }

  /** The head block's timestamp (a new block may not be older). */
  #lastTimestamp = 0;

  /**
   * This node's clock, in whole ms since the epoch.
   * @throws RangeError when `options.clock` returns anything else (NaN would pass every bound).
   */
  #nowMs(): number {
    const now = (this.#options.clock ?? Date.now)();
    if (typeof now !== 'number' || !(now >= 0 && now <= Number.MAX_SAFE_INTEGER)) {
      throw new RangeError(`LedgerNode: clock() returned ${String(now)}, expected ms since the epoch`);
    }
    return Math.floor(now);
  }

  get #futureToleranceMs(): number {
    return this.#options.blockTimestampFutureToleranceMs ?? blockTimestampFutureToleranceMs;
  }

  /**
   * Checks a proposed block for the replica: its timestamp against this node's clock (at most
   * the tolerance ahead: block time decides maturity, and a block far in the future would
   * mature every receivable and pin every later block's time), then executes it tentatively.
   * Not older than its parent is the ledger's check (`Ledger.execute`), not this one's: the
   * ledger holds the parent's timestamp on every path a block takes (validation, state
   * transfer, a reopened store), while the replica's tip carries no time and the replica reads
   * no clock. A committed block is not held to this node's clock: its certificate shows that a
   * quorum accepted it, and a node whose clock lags must still follow the chain.
   */
  async #validate(effect: Extract<ReplicaEffect, { kind: 'validate' }>): Promise<void> {
    this.#discardTentative();
    let refusal: ProposalRefusal | undefined;
    const started = performance.now();
    try {
      const block = decodeBlock(effect.block);
      if (block.header.timestampMs > this.#nowMs() + this.#futureToleranceMs) {
        refusal = 'timestamp-ahead';
      } else {
        const executed = await this.#ledger.applyBlock(block);
        this.#tentative = { height: effect.height, hash: block.hash, block, executed };
      }
    } catch (error) {
      // Malformed, older than its parent, or its roots do not match its execution: refused.
      // Anything else is not the block's fault, and fails the node (see #enqueue).
      if (error instanceof BlockMismatchError) {
        refusal = error.field === 'timestampMs' ? 'timestamp-before-parent' : 'invalid-proposal';
      } else if (error instanceof DecodeError) {
        refusal = 'invalid-proposal';
      } else {
        throw error;
      }
    }
    this.timings.executeMs += performance.now() - started;
    await this.#carryOut(
      this.#timed('replicaMs', () =>
        this.#replica.validated(effect.height, effect.digest, refusal === undefined, refusal),
      ),
    );
  }

  async #commit(effect: Extract<ReplicaEffect, { kind: 'commit' }>): Promise<void> {
    let tentative = this.#tentative;
    if (
      tentative === undefined ||
      tentative.height !== effect.height ||
      !bytesEqual(tentative.hash, effect.blockHash)
    ) {
      this.#discardTentative();
      const started = performance.now();
      const block = decodeBlock(effect.block);
      tentative = { height: effect.height, hash: block.hash, block, executed: await this.#ledger.applyBlock(block) };
      this.timings.executeMs += performance.now() - started;
    }
    // Still tentative while the store writes: if the write fails, #fail discards it.
    this.#tentative = tentative;
    const writing = performance.now();
    const records = this.#pendingPersists;
    this.#pendingPersists = [];
    await this.#store.append(
      { block: tentative.block, ...tentative.executed, certificate: effect.certificate },
      records.length === 0 ? {} : { records },
    );
    this.timings.storeMs += performance.now() - writing;
    this.#tentative = undefined;
    this.#ledger.commit(tentative.executed);
    this.timings.blocks++;
    this.timings.txs += tentative.block.txs.length;
    this.#lastTimestamp = tentative.block.header.timestampMs;
    const committed: CommittedBlock = {
      height: effect.height,
      hash: effect.blockHash,
      block: tentative.block,
      receipts: tentative.executed.receipts,
      stateRoot: tentative.executed.stateRoot,
      certificate: effect.certificate,
      view: effect.view,
      via: effect.via,
    };
    for (const receipt of committed.receipts) this.#settle(toHex(receipt.txId), receipt);
    this.#events.emit('block', committed);
  }

  async #serve(effect: Extract<ReplicaEffect, { kind: 'serve-blocks' }>): Promise<void> {
    const entries: { block: Uint8Array; certificate: Uint8Array }[] = [];
    for (let height = effect.fromHeight; height < effect.fromHeight + effect.countMax; height++) {
      const block = await this.#store.blockByHeight(height);
      const certificate = await this.#store.certificate(height);
      if (block === undefined || certificate === undefined) break;
      entries.push({ block: block.bytes, certificate });
    }
    await this.#carryOut(this.#timed('replicaMs', () => this.#replica.serveBlocks(effect.to, entries)));
  }

  #timed<T>(key: 'replicaMs', work: () => T): T {
    const started = performance.now();
    try {
      return work();
    } finally {
      this.timings[key] += performance.now() - started;
    }
  }

  /**
   * Something the node cannot recover from by itself (a store write that failed, a committed
   * block its ledger refuses): it stops taking inputs, rejects waiting submissions and tells
   * the `onError` listeners. Its store still holds everything acknowledged before.
   */
  #fail(error: unknown): void {
    if (this.#failure !== undefined) return;
    this.#failure = new NodeFailedError(error);
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#discardTentative();
    for (const [id] of this.#waiting) this.#settle(id, undefined, this.#failure);
    this.#events.emit('failure', this.#failure);
  }

  #settle(id: string, receipt: Receipt | undefined, error?: Error): void {
    const waiters = this.#waiting.get(id);
    if (waiters === undefined) return;
    this.#waiting.delete(id);
    for (const waiter of waiters) {
      if (receipt !== undefined) waiter.resolve(receipt);
      else waiter.reject(error ?? new NodeClosedError());
    }
  }
}

/** Where the replica's safety records are, as open-time errors name it. */
function recordsWhere(options: LedgerNodeOptions): string {
  if (options.records !== undefined) return 'the record store given to LedgerNode.open';
  return options.dataDir !== undefined ? join(options.dataDir, 'blocks') : 'the database given to LedgerNode.open';
}

/**
 * Builds the replica; safety records that do not decode are a damaged store, not a bug:
 * `StoreCorruptError` naming where they are and the record (the replica reads them as
 * `DecodeError`).
 */
function replicaOrCorrupt(where: string, build: () => Replica): Replica {
  try {
    return build();
  } catch (error) {
    if (error instanceof DecodeError) {
      throw new StoreCorruptError(
        `LedgerNode.open: the replica's safety records in ${where} do not decode: ${error.message}`,
        { cause: error },
      );
    }
    throw error;
  }
}

/**
 * Moves the replica records of the layout before one database per node (a separate LevelDB
 * under `<dataDir>/replica`) into the block store in one synced batch, then renames that
 * directory `replica.migrated` (kept, not deleted: nothing is lost if the operator needs it).
 * Records already in the store are newer and win.
 */
async function migrateSeparateRecords(dataDir: string, store: BlockStore): Promise<void> {
  const directory = join(dataDir, 'replica');
  if (!existsSync(directory)) return;
  const old = new LevelRecords(directory);
  let records: Map<string, Uint8Array>;
  try {
    records = await old.load();
  } catch (error) {
    // A damaged or unreadable database of the earlier layout: say which, with LevelDB's reason.
    throw mapOpenError(error, 'LedgerNode.open (migrating the replica records)', directory);
  } finally {
    await old.close().catch(() => undefined);
  }
  if (records.size > 0 && (await store.replicaRecords()).size === 0) {
    await store.writeReplicaRecords([...records].map(([key, value]) => ({ key, value })));
  }
  renameSync(directory, `${directory}.migrated`);
}
