/**
 * A test driver for PBFT replicas: carries out their effects with plain calls, holds the
 * messages in flight in one FIFO queue the test controls (deliver, drop, duplicate, partition,
 * reorder), and runs a small deterministic application: a hash chain whose block N's state
 * root is SHA-256(state root N−1 ‖ tx root N), checked on validation exactly as a ledger checks
 * its header. Tests read as sequences of deliveries and ticks, and assertions on what happened.
 */
import { bytesEqual, concatBytes, toHex } from '../../../src/bytes.js';
import {
  type BlockHeader,
  blockHash,
  blockHeaderBytes,
  decodeBlock,
  encodeBlock,
  encodeBlockHeader,
} from '../../../src/codec/block.js';
import { compareKeys, decodeCertificate } from '../../../src/codec/certificate.js';
import {
  type ConsensusBody,
  type ConsensusMessageKind,
  consensusMessageKind,
  decodeConsensusMessage,
  encodeConsensusMessage,
} from '../../../src/codec/consensus.js';
import { encodeTransaction, signTransaction } from '../../../src/codec/transaction.js';
import type { ReplicaEffect } from '../../../src/consensus/effects.js';
import type { ReplicaOptions } from '../../../src/consensus/options.js';
import { Replica } from '../../../src/consensus/replica.js';
import { inlineCrypto } from '../../../src/crypto/backend.js';
import { ed25519PublicKeyFromSecret } from '../../../src/crypto/ed25519.js';
import { merkleRoot } from '../../../src/crypto/merkle.js';
import { sha256 } from '../../../src/crypto/sha256.js';
import { certificateProblem } from '../../../src/ledger/quorum.js';

export const chainId = 'pbft-test';

/** A validator's key pair. */
export type Key = { publicKey: Uint8Array; secretKey: Uint8Array };
const zero = new Uint8Array(32);

/** Deterministic key pairs, ascending by public key (index = validator position). */
export function validatorKeys(n: number, salt = 0): { publicKey: Uint8Array; secretKey: Uint8Array }[] {
  const keys = [];
  for (let i = 0; i < n; i++) {
    const secretKey = sha256(new TextEncoder().encode(`pbft-test-key-${salt}-${i}`));
    keys.push({ publicKey: ed25519PublicKeyFromSecret(secretKey), secretKey });
  }
  return keys.sort((a, b) => compareKeys(a.publicKey, b.publicKey));
}

const clientKey = sha256(new TextEncoder().encode('pbft-test-client'));
const clientPublic = ed25519PublicKeyFromSecret(clientKey);

/** A distinct, well-formed transaction (a transfer with nonce `n`). */
export function testTx(n: number): Uint8Array {
  return encodeTransaction(
    signTransaction(
      { chainId, sender: clientPublic, nonce: n, op: { type: 'transfer', to: zero, amount: n } },
      clientKey,
    ),
  );
}

export const genesisBlock = encodeBlock(
  {
    height: 0,
    previousHash: zero,
    timestampMs: 0,
    proposer: zero,
    txCount: 0,
    txRoot: merkleRoot([]),
    receiptsRoot: merkleRoot([]),
    stateRoot: zero,
    previousCertificateHash: zero,
  },
  new Uint8Array(0),
  [],
);
export const genesisHash = blockHash(genesisBlock.subarray(0, blockHeaderBytes));

/** A committed block as the test application stores it. */
export interface StoredBlock {
  readonly block: Uint8Array;
  readonly hash: Uint8Array;
  readonly stateRoot: Uint8Array;
  readonly certificate: Uint8Array;
  readonly view: number;
}

/** The view of a PRE-PREPARE, PREPARE or COMMIT (undefined for other kinds). */
export function viewOf(message: InFlight): number | undefined {
  if (message.kind !== 'pre-prepare' && message.kind !== 'prepare' && message.kind !== 'commit') return undefined;
  return (decodeConsensusMessage(chainId, message.bytes) as { view: number }).view;
}

/** One message in flight. */
export interface InFlight {
  readonly from: number;
  readonly to: number;
  readonly bytes: Uint8Array;
  readonly kind: ConsensusMessageKind;
}

/** One simulated member: a replica, its store (chain + records) and its switches. */
export class TestNode {
  replica: Replica;
  readonly chain: StoredBlock[] = [
    { block: genesisBlock, hash: genesisHash, stateRoot: zero, certificate: new Uint8Array(0), view: 0 },
  ];
  readonly records = new Map<string, Uint8Array>();
  up = true;
  /** Answer `validate` effects at once (true) or hold them in `heldValidations`. */
  autoValidate = true;
  /** The application refuses every block (a Byzantine primary's invalid blocks). */
  refuseBlocks = false;
  readonly heldValidations: Extract<ReplicaEffect, { kind: 'validate' }>[] = [];
  /** Crash right after the next persist effects are durable, before anything after them is sent. */
  crashAfterPersist = false;
  readonly views: { view: number; phase: string }[] = [];

  constructor(
    readonly id: number,
    readonly key: { publicKey: Uint8Array; secretKey: Uint8Array },
    readonly options: Partial<ReplicaOptions>,
    readonly validators: readonly Uint8Array[],
  ) {
    this.replica = this.#open();
  }

  get height(): number {
    return this.chain.length - 1;
  }

  #open(): Replica {
    const tip = this.chain[this.chain.length - 1] as StoredBlock;
    return new Replica({
      chainId,
      validators: this.validators,
      signer: this.key,
      genesisBlockHash: genesisHash,
      committed: { height: this.height, blockHash: tip.hash, stateRoot: tip.stateRoot, certificate: tip.certificate },
      records: new Map(this.records),
      ...this.options,
    });
  }

  /** Crash: everything not persisted is lost. */
  crash(): void {
    this.up = false;
  }

  /** Restart from the store and the persisted records. */
  restart(): void {
    this.up = true;
    this.heldValidations.length = 0;
    this.replica = this.#open();
  }
}

export interface ClusterOptions {
  /** Replica options for every node. */
  readonly replica?: Partial<ReplicaOptions>;
  /** Extra nodes sharing a validator's key (Twins): node id → validator index. */
  readonly twins?: readonly number[];
  /** Key salt (a different validator set). */
  readonly salt?: number;
}

/** Nodes, a network queue and the test application. */
export class Cluster {
  readonly keys: { publicKey: Uint8Array; secretKey: Uint8Array }[];
  readonly nodes: TestNode[] = [];
  queue: InFlight[] = [];
  /** Return false to drop a message at delivery (partitions, targeted loss). */
  filter: (message: InFlight) => boolean = () => true;
  /** Every message ever sent (for replay attacks). */
  readonly sent: InFlight[] = [];
  delivered = 0;

  constructor(
    readonly n: number,
    options: ClusterOptions = {},
  ) {
    this.keys = validatorKeys(n, options.salt ?? 0);
    const validators = this.keys.map((key) => key.publicKey);
    const replicaOptions = {
      checkpointInterval: 4,
      viewChangeTimeoutTicks: 4,
      batchTimeoutTicks: 0,
      ...options.replica,
    };
    for (let i = 0; i < n; i++) this.nodes.push(new TestNode(i, this.keys[i] as never, replicaOptions, validators));
    for (const validator of options.twins ?? []) {
      this.nodes.push(new TestNode(this.nodes.length, this.keys[validator] as never, replicaOptions, validators));
    }
  }

  node(id: number): TestNode {
    return this.nodes[id] as TestNode;
  }

  /** Signs a message as validator `index` (Byzantine behaviour is written with this). */
  sign(index: number, body: ConsensusBody): Uint8Array {
    return encodeConsensusMessage(chainId, this.keys[index] as never, body);
  }

  /** Puts a message in flight from node `from` to node `to`. */
  inject(from: number, to: number, bytes: Uint8Array): void {
    const message = { from, to, bytes, kind: consensusMessageKind(bytes) };
    this.queue.push(message);
  }

  submit(id: number, tx: Uint8Array): void {
    this.apply(id, this.node(id).replica.submit(tx));
  }

  /** Carries out effects of node `id`. */
  apply(id: number, effects: readonly ReplicaEffect[]): void {
    const node = this.node(id);
    let persisted = false;
    for (const effect of effects) {
      if (!node.up) return;
      if (persisted && node.crashAfterPersist && effect.kind !== 'persist') {
        node.crashAfterPersist = false;
        node.crash();
        return;
      }
      switch (effect.kind) {
        case 'persist':
          if (effect.value === null) node.records.delete(effect.key);
          else node.records.set(effect.key, effect.value);
          persisted = true;
          break;
        case 'send':
          for (const other of this.nodes) {
            if (other.id !== id && bytesEqual(other.key.publicKey, effect.to)) this.#send(id, other.id, effect.message);
          }
          break;
        case 'broadcast':
          for (const other of this.nodes) if (other.id !== id) this.#send(id, other.id, effect.message);
          break;
        case 'propose':
          this.apply(id, node.replica.proposed(this.#build(node, effect)));
          break;
        case 'validate':
          if (node.autoValidate)
            this.apply(id, node.replica.validated(effect.height, effect.digest, this.#valid(node, effect.block)));
          else node.heldValidations.push(effect);
          break;
        case 'commit':
          this.#commit(node, effect);
          break;
        case 'serve-blocks': {
          const entries = node.chain
            .slice(effect.fromHeight, effect.fromHeight + effect.countMax)
            .map((stored) => ({ block: stored.block, certificate: stored.certificate }));
          this.apply(id, node.replica.serveBlocks(effect.to, entries));
          break;
        }
        case 'view':
          node.views.push({ view: effect.view, phase: effect.phase });
          break;
      }
    }
  }

  /** Answers the validations node `id` holds. */
  releaseValidations(id: number): void {
    const node = this.node(id);
    for (const effect of node.heldValidations.splice(0)) {
      this.apply(id, node.replica.validated(effect.height, effect.digest, this.#valid(node, effect.block)));
    }
  }

  #send(from: number, to: number, bytes: Uint8Array): void {
    const message = { from, to, bytes, kind: consensusMessageKind(bytes) };
    this.queue.push(message);
    this.sent.push(message);
  }

  #build(node: TestNode, effect: Extract<ReplicaEffect, { kind: 'propose' }>): Uint8Array {
    const tip = node.chain[node.chain.length - 1] as StoredBlock;
    const txRoot = merkleRoot(effect.txs.map((tx) => sha256(tx)));
    const header: BlockHeader = {
      height: effect.height,
      previousHash: effect.previousHash,
      timestampMs: effect.height * 1000,
      proposer: node.key.publicKey,
      txCount: effect.txs.length,
      txRoot,
      receiptsRoot: zero,
      stateRoot: sha256(concatBytes([tip.stateRoot, txRoot])),
      previousCertificateHash: effect.previousCertificate.length === 0 ? zero : sha256(effect.previousCertificate),
    };
    return encodeBlock(header, effect.previousCertificate, effect.txs);
  }

  #valid(node: TestNode, bytes: Uint8Array): boolean {
    if (node.refuseBlocks) return false;
    const tip = node.chain[node.chain.length - 1] as StoredBlock;
    try {
      const block = decodeBlock(bytes);
      const txRoot = merkleRoot(block.txBytes.map((tx) => sha256(tx)));
      return (
        block.header.height === node.chain.length &&
        bytesEqual(block.header.previousHash, tip.hash) &&
        bytesEqual(block.header.txRoot, txRoot) &&
        bytesEqual(block.header.stateRoot, sha256(concatBytes([tip.stateRoot, txRoot])))
      );
    } catch {
      return false;
    }
  }

  #commit(node: TestNode, effect: Extract<ReplicaEffect, { kind: 'commit' }>): void {
    const tip = node.chain[node.chain.length - 1] as StoredBlock;
    const block = decodeBlock(effect.block);
    if (effect.height !== node.chain.length)
      throw new Error(`node ${node.id}: commit of ${effect.height} after ${node.height}`);
    if (!bytesEqual(block.header.previousHash, tip.hash)) throw new Error(`node ${node.id}: commit does not link`);
    if (!bytesEqual(block.hash, effect.blockHash)) throw new Error(`node ${node.id}: commit hash mismatch`);
    const certificate = decodeCertificate(effect.certificate);
    node.chain.push({
      block: effect.block,
      hash: block.hash,
      stateRoot: block.header.stateRoot,
      certificate: effect.certificate,
      view: certificate.view,
    });
  }

  /** Delivers one message (FIFO). Returns false when nothing was in flight. */
  deliverOne(): boolean {
    const message = this.queue.shift();
    if (message === undefined) return false;
    const target = this.node(message.to);
    if (!target.up || !this.filter(message)) return true;
    this.delivered++;
    this.apply(message.to, target.replica.step(message.bytes));
    return true;
  }

  /** Delivers until nothing is in flight (or `max` deliveries). */
  deliverAll(max = 100_000): void {
    for (let i = 0; i < max && this.deliverOne(); i++);
  }

  /** Drops everything in flight. */
  dropAll(): void {
    this.queue = [];
  }

  tickAll(): void {
    for (const node of this.nodes) if (node.up) this.apply(node.id, node.replica.tick());
  }

  /** Rounds of: deliver everything, then tick everyone. */
  run(rounds: number): void {
    for (let round = 0; round < rounds; round++) {
      this.deliverAll();
      this.tickAll();
    }
    this.deliverAll();
  }

  /** Runs until `done()` or `roundsMax` rounds; returns the rounds used. */
  runUntil(done: () => boolean, roundsMax = 200): number {
    for (let round = 0; round < roundsMax; round++) {
      this.deliverAll();
      if (done()) return round;
      this.tickAll();
    }
    this.deliverAll();
    if (done()) return roundsMax;
    throw new Error(
      `not done after ${roundsMax} rounds; heights ${this.nodes.map((node) => `${node.height}@v${node.replica.view}${node.replica.phase === 'changing' ? '*' : ''}`).join(' ')}`,
    );
  }

  /** Safety: no two nodes (among `ids`) hold different blocks at one height. */
  assertAgreement(ids: readonly number[] = this.nodes.map((node) => node.id)): void {
    const byHeight = new Map<number, string>();
    for (const id of ids) {
      for (const [height, stored] of this.node(id).chain.entries()) {
        const hex = toHex(stored.hash);
        const seen = byHeight.get(height);
        if (seen !== undefined && seen !== hex) throw new Error(`agreement violated at height ${height} (node ${id})`);
        byHeight.set(height, hex);
      }
    }
  }

  /** Every stored certificate verifies against the validator set (as anyone with the keys checks it). */
  async assertCertificates(id: number): Promise<void> {
    const validators = this.keys.map((key) => key.publicKey);
    for (const [height, stored] of this.node(id).chain.entries()) {
      if (height === 0) continue;
      const problem = await certificateProblem(
        decodeCertificate(stored.certificate),
        chainId,
        validators,
        height,
        stored.hash,
        inlineCrypto,
      );
      if (problem !== undefined) throw new Error(`node ${id} height ${height}: ${problem}`);
    }
  }

  /** Transactions (bytes, hex) committed at node `id`, in order. */
  committedTxs(id: number): string[] {
    return this.node(id)
      .chain.slice(1)
      .flatMap((stored) => decodeBlock(stored.block).txBytes.map((tx) => toHex(tx)));
  }

  /** The header of a block header bytes (for building Byzantine proposals). */
  static header(bytes: Uint8Array): Uint8Array {
    return bytes.subarray(0, blockHeaderBytes);
  }

  /** A second, different valid block at the same height as node `id`'s next one (for equivocation). */
  forkBlock(id: number, height: number, txs: readonly Uint8Array[], proposerIndex: number): Uint8Array {
    const node = this.node(id);
    const tip = node.chain[height - 1] as StoredBlock;
    const txRoot = merkleRoot(txs.map((tx) => sha256(tx)));
    const certificate = tip.certificate;
    return encodeBlock(
      {
        height,
        previousHash: tip.hash,
        timestampMs: height * 1000,
        proposer: (this.keys[proposerIndex] as { publicKey: Uint8Array }).publicKey,
        txCount: txs.length,
        txRoot,
        receiptsRoot: zero,
        stateRoot: sha256(concatBytes([tip.stateRoot, txRoot])),
        previousCertificateHash: certificate.length === 0 ? zero : sha256(certificate),
      },
      certificate,
      txs,
    );
  }
}

export { encodeBlockHeader };
