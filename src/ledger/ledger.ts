/**
 * The ledger: the supply-chain-finance state machine over an authenticated state map.
 *
 * A block is applied in two steps so nothing is lost when a later step fails:
 * `execute(block)` verifies every signature in one batch (the crypto backend: inline wasm or
 * the worker pool), applies the transactions in order, and updates the state tree once —
 * tentatively; then the caller either `commit`s (after the store has durably written the
 * block and its state writes) or `discard`s (the block was refused, the write failed), which
 * restores the state and the root exactly. `applyBlock` is `execute` plus the check that the
 * block's header matches what executing it produced.
 */
import { assert } from '../assert.js';
import { bytesEqual } from '../bytes.js';
import {
  type BlockHeader,
  blockHash,
  blockTxIds,
  blockTxRoot,
  type DecodedBlock,
  decodeBlock,
  encodeBlock,
  encodeBlockHeader,
} from '../codec/block.js';
import { encodeGenesis, type Genesis, genesisHash } from '../codec/genesis.js';
import { type Receipt, receiptsEncoding } from '../codec/receipt.js';
import type { Transaction } from '../codec/transaction.js';
import { type CryptoBackend, createInlineCrypto } from '../crypto/backend.js';
import { ed25519CheckPublicKey } from '../crypto/ed25519.js';
import { requireBytes } from '../validate.js';
import {
  type BlockPrecomputed,
  type ExecutedBlock,
  type LedgerLoadOptions,
  type LedgerOptions,
  type ProposalFields,
  type ProposedBlock,
  type ProvenState,
  precomputeBlock,
} from './block-work.js';
import { BlockMismatchError, GenesisError, StateRootMismatchError } from './errors.js';
import { applyTransaction } from './execute.js';
import {
  type Account,
  type Attestation,
  decodeAccount,
  decodeAttestation,
  decodeInvoice,
  decodeReceivable,
  type InvoiceRecord,
  type Receivable,
  stateKinds,
} from './records.js';
import { idKey, LedgerState, type StateWrite, type Table } from './state.js';
import { StateTree, type StateUpdateStats } from './state-tree.js';

export * from './block-work.js';
export { stateKeys } from './records.js';

const zeroHash = new Uint8Array(32);

/** The supply-chain-finance ledger. */
export class Ledger {
  /** The genesis the ledger started from. */
  readonly genesis: Genesis;
  /** The genesis's chain id; transactions naming another are refused (`wrongChain`). */
  readonly chainId: string;
  /** Where the ledger verifies signatures and hashes batches (`options.crypto`, default inline). */
  readonly crypto: CryptoBackend;
  readonly #state = new LedgerState();
  readonly #tree = new StateTree();
  #height = 0;
  /** Timestamp of the last committed block: a block may not be older than its predecessor. */
  #timestampMs: number;
  #pending: ExecutedBlock | undefined;

  private constructor(genesis: Genesis, options: LedgerOptions) {
    this.genesis = genesis;
    this.chainId = genesis.chainId;
    this.crypto = options.crypto ?? createInlineCrypto();
    this.#timestampMs = genesis.timestampMs;
  }

  /** A ledger at height 0: the genesis members' accounts with their opening balances. */
  static fromGenesis(genesis: Genesis, options: LedgerOptions = {}): Ledger {
    encodeGenesis(genesis); // validates every field, throwing TypeError/RangeError naming it
    const ledger = new Ledger(genesis, options);
    for (const member of genesis.members) {
      const check = ed25519CheckPublicKey(member.publicKey);
      if (check !== 'ok')
        throw new GenesisError(`genesis member ${JSON.stringify(member.name)}: public key is ${check}`);
      ledger.#state.accounts.load(idKey(member.publicKey), {
        role: member.role,
        name: member.name,
        balance: member.balance,
        nonce: 0,
        frozen: false,
      });
    }
    ledger.#tree.update(ledger.#state.allWrites());
    return ledger;
  }

  /**
   * A ledger at `height` from stored state entries (every key → value the store holds).
   * @throws StateRootMismatchError if they do not hash to `stateRoot`; DecodeError if a record is malformed.
   */
  static async load(
    genesis: Genesis,
    height: number,
    stateRoot: Uint8Array,
    entries: AsyncIterable<readonly [Uint8Array, Uint8Array]> | Iterable<readonly [Uint8Array, Uint8Array]>,
    options: LedgerLoadOptions = {},
  ): Promise<Ledger> {
    const ledger = new Ledger(genesis, options);
    const state = ledger.#state;
    let batch: StateWrite[] = [];
    for await (const [key, value] of entries) {
      const id = idKey(key.subarray(1));
      switch (key[0]) {
        case stateKinds.account:
          state.accounts.load(id, decodeAccount(value));
          break;
        case stateKinds.receivable:
          state.receivables.load(id, decodeReceivable(value));
          break;
        case stateKinds.invoice:
          state.invoices.load(id, decodeInvoice(value));
          break;
        case stateKinds.attestation:
          state.attestations.load(id, decodeAttestation(value));
          break;
        default:
          throw new StateRootMismatchError(`stored state holds a key of unknown kind ${key[0]}`);
      }
      batch.push({ key: key.slice(), value: value.slice() });
      if (batch.length === 65536) {
        ledger.#tree.update(batch);
        batch = [];
      }
    }
    ledger.#tree.update(batch);
    if (!bytesEqual(ledger.#tree.root, stateRoot)) {
      throw new StateRootMismatchError(
        `stored state hashes to ${Buffer.from(ledger.#tree.root).toString('hex')}, but block ${height} says ${Buffer.from(stateRoot).toString('hex')}`,
      );
    }
    ledger.#height = height;
    ledger.#timestampMs = options.headTimestampMs ?? genesis.timestampMs;
    return ledger;
  }

  /** Height of the last committed block (0: only the genesis). */
  get height(): number {
    return this.#height;
  }

  /** The committed (or, while a block is tentative, the tentative) state root. */
  get stateRoot(): Uint8Array {
    return this.#tree.root;
  }

  /** What the state tree hashed in the last block's update (benchmarks: hashes per transaction). */
  get lastStateUpdateStats(): StateUpdateStats {
    return this.#tree.lastUpdateStats;
  }

  /** Number of state entries. */
  get stateSize(): number {
    return this.#tree.size;
  }

  /** Block 0 and the whole genesis state, for a new store. */
  async genesisBlock(): Promise<{
    /** The canonical genesis bytes; block 0's `previousHash` is their SHA-256. */
    genesisBytes: Uint8Array;
    /** Block 0: no transactions, the genesis state's root. */
    block: DecodedBlock;
    /** Its execution: every genesis account as a state write. */
    executed: ExecutedBlock;
  }> {
    assert(this.#height === 0 && this.#pending === undefined, 'Ledger.genesisBlock: only at height 0');
    const genesisBytes = encodeGenesis(this.genesis);
    const emptyRoot = await this.crypto.merkleRoot([]);
    const header: BlockHeader = {
      height: 0,
      previousHash: genesisHash(genesisBytes),
      timestampMs: this.genesis.timestampMs,
      proposer: zeroHash,
      txCount: 0,
      txRoot: emptyRoot,
      receiptsRoot: emptyRoot,
      stateRoot: this.stateRoot,
      previousCertificateHash: zeroHash,
    };
    const block = decodeBlock(encodeBlock(header, new Uint8Array(0), []));
    const executed: ExecutedBlock = {
      height: 0,
      timestampMs: this.genesis.timestampMs,
      txIds: [],
      receipts: [],
      txRoot: emptyRoot,
      receiptsRoot: emptyRoot,
      stateRoot: this.stateRoot,
      stateWrites: this.#state.allWrites(),
    };
    return { genesisBytes, block, executed };
  }

  /**
   * Executes the next block tentatively: verifies its signatures in one batch, applies its
   * transactions, updates the state tree. Does not check the header's roots (see
   * {@link applyBlock}). Call {@link commit} or {@link discard} before the next block.
   */
  async execute(block: DecodedBlock, precomputed?: BlockPrecomputed): Promise<ExecutedBlock> {
    assert(this.#pending === undefined, 'Ledger.execute: the previous block is still tentative');
    const height = block.header.height;
    if (height !== this.#height + 1) {
      throw new BlockMismatchError(height, 'height', `expected height ${this.#height + 1}`);
    }
    // Maturity is judged by block time: a proposer must not turn the clock back to suit a repayment.
    // Checked here rather than in the replica's proposal checks: the ledger holds the parent's
    // time on every path a block takes (validation, state transfer, a reopened store); the
    // replica's committed tip carries no time. (The bound against a node's clock is LedgerNode's.)
    if (block.header.timestampMs < this.#timestampMs) {
      throw new BlockMismatchError(
        height,
        'timestampMs',
        `timestamp ${block.header.timestampMs} is before the previous block's ${this.#timestampMs}`,
      );
    }
    const { verdicts } = precomputed ?? (await precomputeBlock(block, this.crypto));
    const txIds = blockTxIds(block);
    assert(
      verdicts.length === block.txs.length && txIds.length === block.txs.length,
      'Ledger.execute: precomputed work does not fit the block',
    );
    assert(this.#pending === undefined, 'Ledger.execute: another block was executed concurrently');
    const context = { chainId: this.chainId, timestampMs: block.header.timestampMs };
    const receipts: Receipt[] = new Array(block.txs.length);
    this.#state.begin();
    let stateWrites: StateWrite[];
    try {
      for (let i = 0; i < block.txs.length; i++) {
        const txId = txIds[i] as Uint8Array;
        const code = applyTransaction(this.#state, block.txs[i] as Transaction, txId, verdicts[i] === 1, context);
        receipts[i] = { txId, code };
      }
      stateWrites = this.#state.writes();
      this.#tree.update(stateWrites);
    } catch (error) {
      this.#state.rollback();
      throw error;
    }
    const txRoot = blockTxRoot(block);
    const receiptsRoot = receiptsEncoding(receipts).root;
    const executed: ExecutedBlock = {
      height,
      timestampMs: block.header.timestampMs,
      txIds,
      receipts,
      txRoot,
      receiptsRoot,
      stateRoot: this.#tree.root,
      stateWrites,
    };
    this.#pending = executed;
    return executed;
  }

  /**
   * Executes `block` and checks its header against the result (tx count, tx root, receipts
   * root, state root). On a mismatch the block is discarded and BlockMismatchError names the
   * first field that differs; otherwise the execution stays tentative for commit/discard.
   */
  async applyBlock(block: DecodedBlock, precomputed?: BlockPrecomputed): Promise<ExecutedBlock> {
    const executed = await this.execute(block, precomputed);
    const header = block.header;
    const mismatch =
      header.txCount !== block.txs.length
        ? 'txCount'
        : !bytesEqual(header.txRoot, executed.txRoot)
          ? 'txRoot'
          : !bytesEqual(header.receiptsRoot, executed.receiptsRoot)
            ? 'receiptsRoot'
            : !bytesEqual(header.stateRoot, executed.stateRoot)
              ? 'stateRoot'
              : undefined;
    if (mismatch !== undefined) {
      this.discard(executed);
      throw new BlockMismatchError(header.height, mismatch, `header ${mismatch} does not match the block's execution`);
    }
    return executed;
  }

  /**
   * Builds the next block from transactions (canonical bytes, e.g. from a mempool): executes
   * them and fills the header's roots. Every transaction is included, refused ones with their
   * reason in the receipts. The execution is tentative, as with {@link execute}.
   */
  async propose(txBytes: readonly Uint8Array[], fields: ProposalFields): Promise<ProposedBlock> {
    const previousCertificateBytes = fields.previousCertificateBytes ?? new Uint8Array(0);
    const previousCertificateHash =
      previousCertificateBytes.length === 0 ? zeroHash : (await this.crypto.sha256Many([previousCertificateBytes]))[0];
    const draftHeader: BlockHeader = {
      height: this.#height + 1,
      previousHash: fields.previousHash,
      timestampMs: fields.timestampMs,
      proposer: fields.proposer,
      txCount: txBytes.length,
      txRoot: zeroHash,
      receiptsRoot: zeroHash,
      stateRoot: zeroHash,
      previousCertificateHash: previousCertificateHash as Uint8Array,
    };
    const draft = decodeBlock(encodeBlock(draftHeader, previousCertificateBytes, txBytes));
    const executed = await this.execute(draft);
    const header: BlockHeader = {
      ...draftHeader,
      txRoot: executed.txRoot,
      receiptsRoot: executed.receiptsRoot,
      stateRoot: executed.stateRoot,
    };
    // Only the header changed: patch it into the draft's own bytes (encodeBlock made them for
    // us), so every view — header, transactions — stays a view of the block's one buffer.
    const headerBytes = encodeBlockHeader(header);
    const bytes = draft.bytes;
    bytes.set(headerBytes, 0);
    const block: DecodedBlock = { ...draft, header, hash: blockHash(headerBytes) };
    return { bytes, block, executed };
  }

  /** Makes a tentative block permanent (after the store has written it). */
  commit(executed: ExecutedBlock): void {
    assert(this.#pending === executed, 'Ledger.commit: not the tentative block');
    this.#state.commit();
    this.#height = executed.height;
    this.#timestampMs = executed.timestampMs;
    this.#pending = undefined;
  }

  /** Undoes a tentative block: state and state root return exactly to before it. */
  discard(executed: ExecutedBlock): void {
    assert(this.#pending === executed, 'Ledger.discard: not the tentative block');
    this.#tree.update(this.#state.previousWrites());
    this.#state.rollback();
    this.#pending = undefined;
  }

  /** The account of `publicKey` (read-only), if registered. */
  account(publicKey: Uint8Array): Readonly<Account> | undefined {
    return this.#state.accounts.get(idKey(publicKey));
  }

  /** The receivable (or part) with id `receivableId`, if any. */
  receivable(receivableId: Uint8Array): Readonly<Receivable> | undefined {
    return this.#state.receivables.get(idKey(receivableId));
  }

  /** The record of an invoice commitment, if issued. */
  invoice(commitment: Uint8Array): Readonly<InvoiceRecord> | undefined {
    return this.#state.invoices.get(idKey(commitment));
  }

  /** An attestation by the id of the transaction that made it. */
  attestation(attestationId: Uint8Array): Readonly<Attestation> | undefined {
    return this.#state.attestations.get(idKey(attestationId));
  }

  /** Every account, keyed by public key (latin1 string of the key bytes). */
  accounts(): IterableIterator<[string, Readonly<Account>]> {
    return this.#state.accounts.entries();
  }

  /** Every receivable and part. */
  receivables(): IterableIterator<[string, Readonly<Receivable>]> {
    return this.#state.receivables.entries();
  }

  /** The canonical bytes stored under a state key (kind byte ‖ 32-byte id), if present. */
  getState(key: Uint8Array): Uint8Array | undefined {
    requireBytes(key, 'key', 'Ledger.getState');
    const table = this.#tableOf(key);
    return table === undefined || key.length !== 33 ? undefined : table.encoded(idKey(key.subarray(1)));
  }

  /** A state value (or its absence) with its proof against the current state root. */
  proveState(key: Uint8Array): ProvenState {
    requireBytes(key, 'key', 'Ledger.proveState');
    return { key, value: this.getState(key), proof: this.#tree.prove(key), stateRoot: this.#tree.root };
  }

  #tableOf(key: Uint8Array): Table<unknown> | undefined {
    switch (key[0]) {
      case stateKinds.account:
        return this.#state.accounts as Table<unknown>;
      case stateKinds.receivable:
        return this.#state.receivables as Table<unknown>;
      case stateKinds.invoice:
        return this.#state.invoices as Table<unknown>;
      case stateKinds.attestation:
        return this.#state.attestations as Table<unknown>;
      default:
        return undefined;
    }
  }
}
