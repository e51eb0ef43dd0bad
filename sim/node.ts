/**
 * One simulated member: the real PBFT replica, the real ledger and the real block store
 * (over memory-level by default, or LevelDB), glued the way a node glues them. The node
 * carries out the replica's effects in order and awaits each store write before going on, so
 * at any event boundary everything acknowledged is durable: a crash between events loses only
 * the in-memory state (the replica's log, the ledger's tentative block, the request pool),
 * and a restart rebuilds the node from its store and its persisted replica records.
 */
import { MemoryLevel } from 'memory-level';
import { bytesEqual, toHex } from '../src/bytes.js';
import { type DecodedBlock, decodeBlock } from '../src/codec/block.js';
import type { Genesis } from '../src/codec/genesis.js';
import type { Receipt } from '../src/codec/receipt.js';
import type { Transaction } from '../src/codec/transaction.js';
import type { ReplicaEffect } from '../src/consensus/effects.js';
import type { ReplicaOptions } from '../src/consensus/options.js';
import { Replica } from '../src/consensus/replica.js';
import type { CryptoBackend } from '../src/crypto/backend.js';
import type { Ed25519BatchItem } from '../src/crypto/ed25519.js';
import type { ExecutedBlock } from '../src/ledger/block-work.js';
import { Ledger } from '../src/ledger/ledger.js';
import { BlockStore, type StoreDatabase } from '../src/store/index.js';
import { loadLedger } from '../src/store/load-ledger.js';
import type { SimIdentity, SimMember } from './consortium.js';

/** What a node tells the simulation about a commit. */
export interface CommitRecord {
  readonly node: number;
  readonly height: number;
  readonly hash: Uint8Array;
  readonly stateRoot: Uint8Array;
  readonly txIds: readonly Uint8Array[];
  readonly receipts: readonly Receipt[];
  /** The block's transactions, decoded. */
  readonly txs: readonly Transaction[];
  readonly view: number;
  readonly via: 'consensus' | 'state-transfer';
  readonly timestampMs: number;
}

/** The simulation, as a node sees it. */
export interface NodeHost {
  /** Simulated time, ms since the run started. */
  nowMs(): number;
  /** Sends to the member(s) holding public key `to`. */
  send(from: SimNode, to: Uint8Array, bytes: Uint8Array): void;
  /** Sends to every other node. */
  broadcast(from: SimNode, bytes: Uint8Array): void;
  /** A block committed at this node. */
  committed(node: SimNode, record: CommitRecord): void;
  /** The node's view changed. */
  viewChanged(node: SimNode, view: number, phase: 'changing' | 'active'): void;
  /** Something that must never happen did (a committed block that does not apply, …). */
  violation(description: string): void;
}

/** How a Byzantine node bends its own traffic (see byzantine.ts); honest nodes have none. */
export interface Adversary {
  /** The messages to really send in place of one the replica wants sent (to a key, or to all). */
  outgoing(
    node: SimNode,
    bytes: Uint8Array,
    to: Uint8Array | undefined,
  ): { to: Uint8Array | undefined; bytes: Uint8Array }[];
  /** Extra messages to send on a tick. */
  onTick(node: SimNode): { to: Uint8Array | undefined; bytes: Uint8Array }[];
  /** The blocks to really serve for a state-transfer request. */
  serve(entries: { block: Uint8Array; certificate: Uint8Array }[]): { block: Uint8Array; certificate: Uint8Array }[];
  /** Whether this node submits its role's workload. */
  readonly submits: boolean;
}

/** How a node is built. */
export interface SimNodeOptions {
  readonly member: SimMember;
  /** Node id (twins share a member but not an id). */
  readonly id: number;
  readonly genesis: Genesis;
  readonly validators: readonly Uint8Array[];
  readonly crypto: CryptoBackend;
  readonly verifyBatch: (items: readonly Ed25519BatchItem[]) => boolean[];
  readonly replica: Partial<ReplicaOptions>;
  /** `memory` (memory-level) or a LevelDB directory. */
  readonly storage: 'memory' | string;
  readonly adversary?: Adversary;
}

interface Tentative {
  readonly height: number;
  readonly hash: Uint8Array;
  readonly block: DecodedBlock;
  readonly executed: ExecutedBlock;
}

/** A simulated node. */
export class SimNode {
  readonly id: number;
  readonly member: SimMember;
  readonly adversary: Adversary | undefined;
  readonly records = new Map<string, Uint8Array>();
  up = true;
  paused = false;
  readonly #options: SimNodeOptions;
  readonly #host: NodeHost;
  readonly #database: StoreDatabase | string;
  #store!: BlockStore;
  #ledger!: Ledger;
  #replica!: Replica;
  #tentative: Tentative | undefined;
  #genesisBlockHash!: Uint8Array;

  private constructor(options: SimNodeOptions, host: NodeHost) {
    this.id = options.id;
    this.member = options.member;
    this.adversary = options.adversary;
    this.#options = options;
    this.#host = host;
    this.#database =
      options.storage === 'memory'
        ? (new MemoryLevel<Uint8Array, Uint8Array>({ keyEncoding: 'view', valueEncoding: 'view' }) as StoreDatabase)
        : options.storage;
  }

  /** A node with a fresh store holding block 0. */
  static async create(options: SimNodeOptions, host: NodeHost): Promise<SimNode> {
    const node = new SimNode(options, host);
    node.#store = await BlockStore.open(node.#database, { sync: false });
    node.#ledger = Ledger.fromGenesis(options.genesis, { crypto: options.crypto });
    const { genesisBytes, block, executed } = await node.#ledger.genesisBlock();
    await node.#store.initialize(genesisBytes, { block, ...executed });
    node.#genesisBlockHash = block.hash;
    node.#replica = node.#newReplica(new Uint8Array(0));
    return node;
  }

  /** The member identity this node signs as. */
  get identity(): SimIdentity {
    return this.member.identity;
  }

  /** The replica (read its view, stats). */
  get replica(): Replica {
    return this.#replica;
  }

  /** The committed ledger (read state for the workload and the checkers). */
  get ledger(): Ledger {
    return this.#ledger;
  }

  /** The block store. */
  get store(): BlockStore {
    return this.#store;
  }

  /** Committed height. */
  get height(): number {
    return this.#ledger.height;
  }

  /** Messages from peers, in arrival order. */
  async deliver(messages: readonly Uint8Array[]): Promise<void> {
    await this.#apply(this.#replica.stepMany(messages));
  }

  /** One tick of the replica (and of the adversary, if any). */
  async tick(): Promise<void> {
    if (this.adversary !== undefined) {
      for (const extra of this.adversary.onTick(this)) this.#route(extra.to, extra.bytes);
    }
    await this.#apply(this.#replica.tick());
  }

  /** Client transactions submitted at this node. */
  async submit(txs: readonly Uint8Array[]): Promise<void> {
    await this.#apply(this.#replica.submitMany(txs));
  }

  /** Crash: the in-memory state is gone; the store and the persisted records stay. */
  async crash(): Promise<void> {
    this.up = false;
    if (this.#tentative !== undefined) this.#ledger.discard(this.#tentative.executed);
    this.#tentative = undefined;
    await this.#store.close();
  }

  /** Restart from the store and the persisted records. */
  async restart(): Promise<void> {
    this.#store = await BlockStore.open(this.#database, { sync: false });
    const ledger = await loadLedger(this.#store, { crypto: this.#options.crypto });
    if (ledger === undefined) throw new Error(`node ${this.id}: store lost its genesis`);
    this.#ledger = ledger;
    const height = this.#store.head?.height ?? 0;
    this.#replica = this.#newReplica((await this.#store.certificate(height)) ?? new Uint8Array(0));
    this.up = true;
  }

  /** Closes the store (end of run). */
  async close(): Promise<void> {
    if (this.up) await this.#store.close();
    this.up = false;
  }

  #newReplica(certificate: Uint8Array): Replica {
    const head = this.#store.head;
    if (head === undefined) throw new Error(`node ${this.id}: store has no head`);
    return new Replica({
      ...this.#options.replica,
      chainId: this.#options.genesis.chainId,
      validators: this.#options.validators,
      signer: { publicKey: this.identity.publicKey, secretKey: this.identity.secretKey },
      genesisBlockHash: this.#genesisBlockHash,
      committed: { height: head.height, blockHash: head.hash, stateRoot: head.stateRoot, certificate },
      records: new Map(this.records),
      verifyBatch: this.#options.verifyBatch,
    });
  }

  async #apply(effects: readonly ReplicaEffect[]): Promise<void> {
    for (const effect of effects) {
      if (!this.up) return;
      switch (effect.kind) {
        case 'persist':
          if (effect.value === null) this.records.delete(effect.key);
          else this.records.set(effect.key, effect.value);
          break;
        case 'send':
          this.#route(effect.to, effect.message);
          break;
        case 'broadcast':
          this.#route(undefined, effect.message);
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
          this.#host.viewChanged(this, effect.view, effect.phase);
          break;
      }
    }
  }

  #route(to: Uint8Array | undefined, bytes: Uint8Array): void {
    const sends = this.adversary === undefined ? [{ to, bytes }] : this.adversary.outgoing(this, bytes, to);
    for (const send of sends) {
      if (send.to === undefined) this.#host.broadcast(this, send.bytes);
      else this.#host.send(this, send.to, send.bytes);
    }
  }

  #discardTentative(): void {
    if (this.#tentative !== undefined) this.#ledger.discard(this.#tentative.executed);
    this.#tentative = undefined;
  }

  async #propose(effect: Extract<ReplicaEffect, { kind: 'propose' }>): Promise<void> {
    this.#discardTentative();
    const proposed = await this.#ledger.propose(effect.txs, {
      previousHash: effect.previousHash,
      timestampMs: this.#blockTime(),
      proposer: this.identity.publicKey,
      ...(effect.previousCertificate.length > 0 ? { previousCertificateBytes: effect.previousCertificate } : {}),
    });
    this.#tentative = {
      height: effect.height,
      hash: proposed.block.hash,
      block: proposed.block,
      executed: proposed.executed,
    };
    await this.#apply(this.#replica.proposed(proposed.bytes));
  }

  async #validate(effect: Extract<ReplicaEffect, { kind: 'validate' }>): Promise<void> {
    this.#discardTentative();
    let ok = false;
    try {
      const block = decodeBlock(effect.block);
      const executed = await this.#ledger.applyBlock(block);
      this.#tentative = { height: effect.height, hash: block.hash, block, executed };
      ok = true;
    } catch {
      ok = false; // malformed, or its roots do not match its execution: refuse it
    }
    await this.#apply(this.#replica.validated(effect.height, effect.digest, ok));
  }

  async #commit(effect: Extract<ReplicaEffect, { kind: 'commit' }>): Promise<void> {
    let tentative = this.#tentative;
    if (
      tentative === undefined ||
      tentative.height !== effect.height ||
      !bytesEqual(tentative.hash, effect.blockHash)
    ) {
      this.#discardTentative();
      const block = decodeBlock(effect.block);
      try {
        tentative = { height: effect.height, hash: block.hash, block, executed: await this.#ledger.applyBlock(block) };
      } catch (error) {
        this.#host.violation(
          `node ${this.id}: committed block ${effect.height} does not apply: ${(error as Error).message}`,
        );
        this.up = false;
        return;
      }
    }
    this.#tentative = undefined;
    await this.#store.append({ block: tentative.block, ...tentative.executed, certificate: effect.certificate });
    this.#ledger.commit(tentative.executed);
    this.#host.committed(this, {
      node: this.id,
      height: effect.height,
      hash: effect.blockHash,
      stateRoot: tentative.executed.stateRoot,
      txIds: tentative.executed.txIds,
      receipts: tentative.executed.receipts,
      txs: tentative.block.txs,
      view: effect.view,
      via: effect.via,
      timestampMs: tentative.block.header.timestampMs,
    });
  }

  async #serve(effect: Extract<ReplicaEffect, { kind: 'serve-blocks' }>): Promise<void> {
    let entries: { block: Uint8Array; certificate: Uint8Array }[] = [];
    for (let height = effect.fromHeight; height < effect.fromHeight + effect.countMax; height++) {
      const block = await this.#store.blockByHeight(height);
      const certificate = await this.#store.certificate(height);
      if (block === undefined || certificate === undefined) break;
      entries.push({ block: block.bytes, certificate });
    }
    if (this.adversary !== undefined) entries = this.adversary.serve(entries);
    await this.#apply(this.#replica.serveBlocks(effect.to, entries));
  }

  /** Block timestamps follow the simulated clock from the genesis time. */
  #blockTime(): number {
    return this.#options.genesis.timestampMs + Math.floor(this.#host.nowMs());
  }

  /** Hex of this node's key (for logs). */
  get keyHex(): string {
    return toHex(this.identity.publicKey);
  }
}
