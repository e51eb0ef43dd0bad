/**
 * Builds realistic chains for the store tests with the codec: a genesis of four members,
 * block 0, then blocks of Ed25519-signed transfers whose headers carry the real tx root,
 * receipts root and previous-certificate hash, and commit certificates signed by the
 * members. The state root is random: the store only compares it with the header.
 *
 * `build()` makes the next block without moving the builder (a test may alter it and see it
 * refused); `advance(commit)` records a block the store accepted.
 */
import { randomBytes } from 'node:crypto';
import { type BlockHeader, type DecodedBlock, decodeBlock, encodeBlock } from '../../src/codec/block.js';
import {
  type CommitSignature,
  commitVoteMessage,
  compareKeys,
  encodeCertificate,
} from '../../src/codec/certificate.js';
import { encodeGenesis } from '../../src/codec/genesis.js';
import { encodeReceipt, type ReasonCode, type Receipt, reasonCodes } from '../../src/codec/receipt.js';
import { encodeTransaction, signTransaction } from '../../src/codec/transaction.js';
import { ed25519GenerateKeyPair, ed25519Sign } from '../../src/crypto/ed25519.js';
import { merkleRoot } from '../../src/crypto/merkle.js';
import { sha256, sha256Many } from '../../src/crypto/sha256.js';
import type { BlockCommit, StateWrite } from '../../src/store/index.js';

export const chainId = 'store-test';

interface Member {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

/** Options of {@link TestChain.build}. */
export interface BuildOptions {
  /** Number of fresh signed transfers (default 3); ignored when `txBytes` is given. */
  readonly txCount?: number;
  /** Exact transaction bytes to include (e.g. a replay of an earlier transaction). */
  readonly txBytes?: readonly Uint8Array[];
  /** Receipt code per transaction (default all `ok`). */
  readonly codes?: readonly ReasonCode[];
  /** State writes (default: one account-like record per transaction). */
  readonly stateWrites?: readonly StateWrite[];
  /** Header fields to force (the roots are computed first, then overridden). */
  readonly header?: Partial<BlockHeader>;
  /** Include the block's own certificate in the commit (default false). */
  readonly withCertificate?: boolean;
  /** The previous certificate to carry (default: the builder's last one; `null`: none). */
  readonly previousCertificate?: Uint8Array | null;
}

/** A chain under construction. */
export class TestChain {
  readonly members: readonly Member[];
  readonly genesisBytes: Uint8Array;
  readonly block0: BlockCommit;
  /** Every accepted block, by height. */
  readonly blocks: DecodedBlock[] = [];
  #nonces: number[];
  #lastCertificate: Uint8Array | undefined;
  #nextSender = 0;

  constructor() {
    const members: Member[] = [];
    for (let i = 0; i < 4; i++) members.push(ed25519GenerateKeyPair());
    members.sort((a, b) => compareKeys(a.publicKey, b.publicKey));
    this.members = members;
    this.#nonces = members.map(() => 0);
    this.genesisBytes = encodeGenesis({
      chainId,
      timestampMs: 1_700_000_000_000,
      members: members.map((member, i) => ({
        role: i === 0 ? 'regulator' : 'bank',
        name: `member-${i}`,
        publicKey: member.publicKey,
        balance: 1_000_000,
        validator: true,
      })),
    });
    const header: BlockHeader = {
      height: 0,
      previousHash: sha256(this.genesisBytes),
      timestampMs: 1_700_000_000_000,
      proposer: new Uint8Array(32),
      txCount: 0,
      txRoot: merkleRoot([]),
      receiptsRoot: merkleRoot([]),
      stateRoot: randomBytes(32),
      previousCertificateHash: new Uint8Array(32),
    };
    const block = decodeBlock(encodeBlock(header, new Uint8Array(0), []));
    this.block0 = {
      block,
      txIds: [],
      receipts: [],
      stateWrites: members.map((member) => ({ key: accountKey(member.publicKey), value: randomBytes(24) })),
      stateRoot: header.stateRoot,
    };
  }

  /** The last accepted block (block 0 before any append; call `advance(block0)` after initialize). */
  get tip(): DecodedBlock {
    const tip = this.blocks[this.blocks.length - 1];
    if (tip === undefined) throw new Error('TestChain: advance(block0) first');
    return tip;
  }

  /** Fresh signed transfers, advancing the senders' nonces only in `advance`. */
  transfers(count: number): Uint8Array[] {
    const nonces = [...this.#nonces];
    const txs: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      const from = (this.#nextSender + i) % this.members.length;
      const sender = this.members[from] as Member;
      const to = this.members[(from + 1) % this.members.length] as Member;
      nonces[from] = (nonces[from] as number) + 1;
      const tx = signTransaction(
        {
          chainId,
          sender: sender.publicKey,
          nonce: nonces[from] as number,
          op: { type: 'transfer', to: to.publicKey, amount: 10 + i },
        },
        sender.secretKey,
      );
      txs.push(encodeTransaction(tx));
    }
    return txs;
  }

  /** The next block on the tip, with its commit parts (not yet accepted). */
  build(options: BuildOptions = {}): BlockCommit {
    const tip = this.tip;
    const txBytes = options.txBytes ?? this.transfers(options.txCount ?? 3);
    const txIds = sha256Many(txBytes).map((id) => id.slice());
    const receipts: Receipt[] = txIds.map((txId, i) => ({ txId, code: options.codes?.[i] ?? reasonCodes.ok }));
    const previousCertificate =
      options.previousCertificate === null
        ? new Uint8Array(0)
        : (options.previousCertificate ?? this.#lastCertificate ?? new Uint8Array(0));
    const stateRoot = randomBytes(32);
    const header: BlockHeader = {
      height: tip.header.height + 1,
      previousHash: tip.hash,
      timestampMs: tip.header.timestampMs + 1000,
      proposer: (this.members[tip.header.height % this.members.length] as Member).publicKey,
      txCount: txBytes.length,
      txRoot: merkleRoot(txIds),
      receiptsRoot: merkleRoot(receipts.map(encodeReceipt)),
      stateRoot,
      previousCertificateHash: previousCertificate.length === 0 ? new Uint8Array(32) : sha256(previousCertificate),
      ...options.header,
    };
    const block = decodeBlock(encodeBlock(header, previousCertificate, txBytes));
    const commit: BlockCommit = {
      block,
      txIds,
      receipts,
      stateWrites:
        options.stateWrites ??
        txIds.map((txId) => ({ key: Uint8Array.of(2, ...txId), value: Uint8Array.of(header.height % 256) })),
      stateRoot: header.stateRoot,
    };
    return options.withCertificate ? { ...commit, certificate: this.certificate(block) } : commit;
  }

  /** A commit certificate for `block`, signed by every member (view 0). */
  certificate(block: DecodedBlock, view = 0): Uint8Array {
    const message = commitVoteMessage(chainId, view, block.header.height, block.hash);
    const signatures: CommitSignature[] = this.members.map((member) => ({
      publicKey: member.publicKey,
      signature: ed25519Sign(member.secretKey, message),
    }));
    return encodeCertificate({ height: block.header.height, blockHash: block.hash, view, signatures });
  }

  /** Forgets the blocks above `height` (ones a failed write never stored). */
  rewind(height: number): void {
    this.blocks.length = height + 1;
    this.#lastCertificate = height === 0 ? undefined : this.certificate(this.tip);
  }

  /** Records `commit` as accepted: it becomes the tip, and its certificate goes into the next block. */
  advance(commit: BlockCommit): void {
    const { block } = commit;
    this.blocks.push(block);
    for (const tx of block.txs) {
      const index = this.members.findIndex((member) => compareKeys(member.publicKey, tx.sender) === 0);
      if (index >= 0 && tx.nonce > (this.#nonces[index] as number)) this.#nonces[index] = tx.nonce;
    }
    this.#nextSender = (this.#nextSender + block.txs.length) % this.members.length;
    this.#lastCertificate = block.header.height === 0 ? undefined : this.certificate(block);
  }
}

/** An account-like state key: kind byte 1 and a public key. */
export function accountKey(publicKey: Uint8Array): Uint8Array {
  return Uint8Array.of(1, ...publicKey);
}
