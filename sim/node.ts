/**
 * One simulated member: a real `LedgerNode` (replica, ledger, block store over memory-level
 * or LevelDB) whose `Transport` is the simulated network. Its disk (disk.ts) keeps what a real
 * disk keeps: a crash between events loses the in-memory state (the replica's log, the
 * tentative block, the request pool) and any write not yet synced; a crash armed to land on a
 * write stops the node in the middle of a step (after its block was written and before its
 * safety records were, say). A restart reopens the same store and records. A Byzantine
 * member's adversary bends the messages at this transport; an amnesiac one also forgets its
 * safety records when it restarts.
 */
import type { Genesis } from '../src/codec/genesis.js';
import type { Receipt } from '../src/codec/receipt.js';
import type { Transaction } from '../src/codec/transaction.js';
import { RequestRejectedError } from '../src/consensus/errors.js';
import type { Replica } from '../src/consensus/replica.js';
import type { CryptoBackend } from '../src/crypto/backend.js';
import type { Ed25519BatchItem } from '../src/crypto/ed25519.js';
import type { Ledger } from '../src/ledger/ledger.js';
import { LedgerNode, type NodeReplicaOptions } from '../src/node/ledger-node.js';
import type { MessageHandler, Transport } from '../src/node/transport.js';
import type { BlockStore } from '../src/store/index.js';
import type { SimIdentity, SimMember } from './consortium.js';
import { PowerLossError, SimDisk } from './disk.js';

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
  /** Extra messages to send on a tick (awaited: an adversary may execute blocks of its own). */
  onTick(
    node: SimNode,
  ): { to: Uint8Array | undefined; bytes: Uint8Array }[] | Promise<{ to: Uint8Array | undefined; bytes: Uint8Array }[]>;
  /** Sees each message delivered to the node, before the node does. */
  incoming?(node: SimNode, bytes: Uint8Array): void;
  /** Whether this node submits its role's workload. */
  readonly submits: boolean;
  /** Whether the node forgets its safety records whenever it restarts (and the simulation crashes it now and then). */
  readonly amnesia?: boolean;
}

/** How a node is built. */
export interface SimNodeOptions {
  readonly member: SimMember;
  /** Node id (twins share a member but not an id). */
  readonly id: number;
  readonly genesis: Genesis;
  readonly crypto: CryptoBackend;
  readonly verifyBatch: (items: readonly Ed25519BatchItem[]) => boolean[];
  readonly replica: NodeReplicaOptions;
  /** `memory` (memory-level) or a LevelDB directory. */
  readonly storage: 'memory' | string;
  readonly adversary?: Adversary;
}

/** The simulated network, as one node's transport. */
class SimTransport implements Transport {
  #handler: MessageHandler | undefined;
  #open = true;

  constructor(
    readonly node: SimNode,
    readonly host: NodeHost,
  ) {}

  send(to: Uint8Array, message: Uint8Array): void {
    if (this.#open) this.#route(to, message);
  }

  broadcast(message: Uint8Array): void {
    if (this.#open) this.#route(undefined, message);
  }

  onMessage(handler: MessageHandler): void {
    this.#handler = handler;
  }

  async close(): Promise<void> {
    this.#open = false;
  }

  /** Hands one message to the node (awaited: the node processes it completely). */
  async deliver(message: Uint8Array): Promise<void> {
    this.node.adversary?.incoming?.(this.node, message);
    if (this.#open && this.#handler !== undefined) await this.#handler(new Uint8Array(32), message);
  }

  #route(to: Uint8Array | undefined, bytes: Uint8Array): void {
    const adversary = this.node.adversary;
    const sends = adversary === undefined ? [{ to, bytes }] : adversary.outgoing(this.node, bytes, to);
    for (const send of sends) {
      if (send.to === undefined) this.host.broadcast(this.node, send.bytes);
      else this.host.send(this.node, send.to, send.bytes);
    }
  }
}

/** A simulated node. */
export class SimNode {
  readonly id: number;
  readonly member: SimMember;
  readonly adversary: Adversary | undefined;
  up = true;
  paused = false;
  readonly #options: SimNodeOptions;
  readonly #host: NodeHost;
  /** The simulated disk (memory storage), or undefined for a LevelDB directory. */
  readonly disk: SimDisk | undefined;
  #node!: LedgerNode;
  /** Called when the node goes down by itself (a crash that landed on a write). */
  onCrash: (() => void) | undefined;
  #transport!: SimTransport;

  private constructor(options: SimNodeOptions, host: NodeHost) {
    this.id = options.id;
    this.member = options.member;
    this.adversary = options.adversary;
    this.#options = options;
    this.#host = host;
    this.disk = options.storage === 'memory' ? new SimDisk() : undefined;
  }

  /** A node with a fresh store holding block 0. */
  static async create(options: SimNodeOptions, host: NodeHost): Promise<SimNode> {
    const node = new SimNode(options, host);
    await node.#open();
    return node;
  }

  async #open(): Promise<void> {
    this.#transport = new SimTransport(this, this.#host);
    const options = this.#options;
    this.#node = await LedgerNode.open({
      genesis: options.genesis,
      secretKey: this.identity.secretKey,
      transport: this.#transport,
      // Synced writes, as a production node makes them: the disk model decides what a crash keeps.
      ...(this.disk === undefined
        ? { dataDir: options.storage, sync: false }
        : { database: this.disk.database, sync: true }),
      crypto: options.crypto,
      verifyBatch: options.verifyBatch,
      replica: options.replica,
      tickMs: null,
      clock: () => options.genesis.timestampMs + this.#host.nowMs(),
    });
    this.#node.onBlock((block) => {
      this.#host.committed(this, {
        node: this.id,
        height: block.height,
        hash: block.hash,
        stateRoot: block.stateRoot,
        txIds: block.receipts.map((receipt) => receipt.txId),
        receipts: block.receipts,
        txs: block.block.txs,
        view: block.view,
        via: block.via,
        timestampMs: block.block.header.timestampMs,
      });
    });
    this.#node.onView((view, phase) => this.#host.viewChanged(this, view, phase));
  }

  /** The member identity this node signs as. */
  get identity(): SimIdentity {
    return this.member.identity;
  }

  /** The replica (read its view, stats). */
  get replica(): Replica {
    return this.#node.replica;
  }

  /** The committed ledger. */
  get ledger(): Ledger {
    return this.#node.ledger;
  }

  /** The block store. */
  get store(): BlockStore {
    return this.#node.store;
  }

  /** Committed height. */
  get height(): number {
    return this.#node.height;
  }

  /** A message from a peer. */
  async deliver(message: Uint8Array): Promise<void> {
    await this.#guard(() => this.#transport.deliver(message));
  }

  /** One tick (and the adversary's, if any). */
  async tick(): Promise<void> {
    if (this.adversary !== undefined) {
      for (const extra of await this.adversary.onTick(this)) {
        if (extra.to === undefined) this.#host.broadcast(this, extra.bytes);
        else this.#host.send(this, extra.to, extra.bytes);
      }
    }
    await this.#guard(() => this.#node.tick());
  }

  /** Client transactions submitted at this node (not waiting for them to commit). */
  async submit(txs: readonly Uint8Array[]): Promise<void> {
    await this.#guard(async () => {
      try {
        await this.#node.offer(txs);
      } catch (error) {
        // A full pool refuses them: offered load above what the consortium takes. Not a fault.
        if (!(error instanceof RequestRejectedError)) throw error;
      }
    });
  }

  /** Crash between events: the in-memory state and unsynced writes are gone; what was synced stays. */
  async crash(): Promise<void> {
    this.up = false;
    this.disk?.crashNow();
    await this.#closeAfterCrash();
  }

  /** Arms a crash that lands on the node's `k`-th write from now (memory storage only). */
  armCrash(k: number): void {
    this.disk?.armCrash(k);
  }

  /** Restart from what the disk kept (an amnesiac forgets its safety records first). */
  async restart(): Promise<void> {
    this.disk?.recover();
    if (this.adversary?.amnesia === true) await this.disk?.forgetRecords();
    await this.#open();
    this.up = true;
  }

  /** Closes the node object after power loss: nothing is written (the disk refuses), everything is released. */
  async #closeAfterCrash(): Promise<void> {
    try {
      await this.#node.close();
    } catch (error) {
      if (!(error instanceof PowerLossError)) throw error;
    }
  }

  /** Closes the store (end of run). */
  async close(): Promise<void> {
    if (this.up) await this.#node.close();
    this.up = false;
  }

  async #guard(work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (this.disk?.lost === true) {
        // The armed crash landed on a write: the node is down mid-step, as after a power cut.
        this.up = false;
        await this.#closeAfterCrash();
        this.onCrash?.();
        return;
      }
      // A committed block that does not apply, or a store that fails: this must never happen.
      this.#host.violation(`node ${this.id}: ${(error as Error).message}`);
      this.up = false;
    }
  }
}
