/**
 * The ledger's in-memory state: one table per record kind, and a journal that makes a block's
 * execution tentative. Executing a block mutates the tables in place but first saves every
 * record it touches (copy on first write); committing drops the journal, discarding restores
 * the saved records. So a block that turns out to be wrong (its state root does not match,
 * the store refuses it) leaves no trace, and the journal doubles as the list of state keys
 * the block changed — exactly the store's state writes and the state tree's updates.
 */
import { assert } from '../assert.js';
import {
  type Account,
  type Attestation,
  encodeAccount,
  encodeAttestation,
  encodeInvoice,
  encodeReceivable,
  type InvoiceRecord,
  type Receivable,
  stateKey,
  stateKinds,
} from './records.js';

/** A 32-byte id as a Map key (latin1: one char per byte, no allocation beyond the string). */
export function idKey(id: Uint8Array): string {
  return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('latin1');
}

/** The id bytes of an {@link idKey}. */
export function idFromKey(key: string): Uint8Array {
  return new Uint8Array(Buffer.from(key, 'latin1'));
}

interface JournalEntry {
  readonly table: Table<unknown>;
  readonly id: string;
  readonly previous: unknown;
}

/** One kind of record: a map by id, how to copy a record and how to encode it. */
export class Table<T> {
  readonly kind: number;
  readonly #rows = new Map<string, T>();
  readonly #copy: (row: T) => T;
  readonly #encode: (row: T) => Uint8Array;
  readonly #state: LedgerState;

  constructor(state: LedgerState, kind: number, copy: (row: T) => T, encode: (row: T) => Uint8Array) {
    this.#state = state;
    this.kind = kind;
    this.#copy = copy;
    this.#encode = encode;
  }

  get size(): number {
    return this.#rows.size;
  }

  /** The record, read-only (do not mutate: use {@link write}). */
  get(id: string): T | undefined {
    return this.#rows.get(id);
  }

  /** The record, copied on first write in a journaled block so it can be restored. */
  write(id: string): T | undefined {
    const row = this.#rows.get(id);
    if (row === undefined) return undefined;
    if (!this.#state.touch(this as Table<unknown>, id, row)) return row;
    const copy = this.#copy(row);
    this.#rows.set(id, copy);
    return copy;
  }

  /** Inserts a new record (the id must be absent). */
  insert(id: string, row: T): void {
    assert(!this.#rows.has(id), `state: inserting an existing record of kind ${this.kind}`);
    this.#state.touch(this as Table<unknown>, id, undefined);
    this.#rows.set(id, row);
  }

  /** Restores a journaled record (undefined: remove). */
  restore(id: string, row: T | undefined): void {
    if (row === undefined) this.#rows.delete(id);
    else this.#rows.set(id, row);
  }

  /** Sets a record without journaling (loading state, genesis). */
  load(id: string, row: T): void {
    this.#rows.set(id, row);
  }

  /** Canonical bytes of a row of this table. */
  encode(row: unknown): Uint8Array {
    return this.#encode(row as T);
  }

  /** The record's canonical bytes, or undefined if absent. */
  encoded(id: string): Uint8Array | undefined {
    const row = this.#rows.get(id);
    return row === undefined ? undefined : this.#encode(row);
  }

  entries(): IterableIterator<[string, T]> {
    return this.#rows.entries();
  }
}

function copyAccount(row: Account): Account {
  return { ...row };
}
function copyReceivable(row: Receivable): Receivable {
  return { ...row, parts: row.parts.slice() };
}
function copyInvoice(row: InvoiceRecord): InvoiceRecord {
  return { ...row };
}
function copyAttestation(row: Attestation): Attestation {
  return { ...row };
}

/**
 * One state change a block's execution produced: set `key` to `value`, or delete it
 * (`undefined`). The ledger produces them, the state tree hashes them, the store writes them.
 */
export interface StateWrite {
  /** The state key (kind byte ‖ 32-byte id, see `stateKeys`). */
  readonly key: Uint8Array;
  /** Its new value bytes, or `undefined` to delete it. */
  readonly value: Uint8Array | undefined;
}

/** The whole supply-chain-finance state. */
export class LedgerState {
  readonly accounts: Table<Account>;
  readonly receivables: Table<Receivable>;
  readonly invoices: Table<InvoiceRecord>;
  readonly attestations: Table<Attestation>;
  #journal: JournalEntry[] | undefined;
  #touched = new Set<string>();

  constructor() {
    this.accounts = new Table(this, stateKinds.account, copyAccount, encodeAccount);
    this.receivables = new Table(this, stateKinds.receivable, copyReceivable, encodeReceivable);
    this.invoices = new Table(this, stateKinds.invoice, copyInvoice, encodeInvoice);
    this.attestations = new Table(this, stateKinds.attestation, copyAttestation, encodeAttestation);
  }

  /** True while a block's execution is tentative. */
  get journaling(): boolean {
    return this.#journal !== undefined;
  }

  /** Starts journaling: every change from here on can be undone. */
  begin(): void {
    assert(this.#journal === undefined, 'state: begin() while a block is already tentative');
    this.#journal = [];
    this.#touched.clear();
  }

  /**
   * Records that `id` in `table` is about to change (its current row `previous`); returns
   * true the first time in this block, when the caller must copy the row before writing.
   */
  touch(table: Table<unknown>, id: string, previous: unknown): boolean {
    const journal = this.#journal;
    if (journal === undefined) return false;
    const key = String.fromCharCode(table.kind) + id;
    if (this.#touched.has(key)) return false;
    this.#touched.add(key);
    journal.push({ table, id, previous });
    return true;
  }

  /** The keys changed since {@link begin}, with their new bytes, in first-touch order. */
  writes(): StateWrite[] {
    const journal = this.#journal;
    assert(journal !== undefined, 'state: writes() outside a block');
    return journal.map(({ table, id }) => ({
      key: stateKey(table.kind, idFromKey(id)),
      value: table.encoded(id),
    }));
  }

  /** The changed keys with their bytes *before* the block (undefined = absent): the inverse of {@link writes}. */
  previousWrites(): StateWrite[] {
    const journal = this.#journal;
    assert(journal !== undefined, 'state: previousWrites() outside a block');
    return journal.map(({ table, id, previous }) => ({
      key: stateKey(table.kind, idFromKey(id)),
      value: previous === undefined ? undefined : table.encode(previous),
    }));
  }

  /** Makes the block's changes permanent. */
  commit(): void {
    assert(this.#journal !== undefined, 'state: commit() outside a block');
    this.#journal = undefined;
    this.#touched.clear();
  }

  /** Undoes every change since {@link begin}, newest first. */
  rollback(): void {
    const journal = this.#journal;
    assert(journal !== undefined, 'state: rollback() outside a block');
    for (let i = journal.length - 1; i >= 0; i--) {
      const entry = journal[i] as JournalEntry;
      entry.table.restore(entry.id, entry.previous);
    }
    this.#journal = undefined;
    this.#touched.clear();
  }

  /** Every record as a state write (the whole state: genesis, rebuilds, audits). */
  allWrites(): StateWrite[] {
    const out: StateWrite[] = [];
    for (const table of [this.accounts, this.receivables, this.invoices, this.attestations] as Table<unknown>[]) {
      for (const [id] of table.entries())
        out.push({ key: stateKey(table.kind, idFromKey(id)), value: table.encoded(id) });
    }
    return out;
  }
}
