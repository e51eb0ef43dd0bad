/**
 * Building one group-commit batch: the database operations for a group of queued writes —
 * each block with its hash and tx index entries, receipts, certificate and state writes
 * (block 0 with the genesis), certificates for stored blocks, replica records — the new head
 * after the group's last block and the batch's number, all for one atomic `batch()`
 * (layouts: src/store/keys.ts).
 *
 * Tx index entries follow the rule at `indexTransactions`. The commit queue runs one group at
 * a time, so what its `getMany` reads already includes every earlier group.
 */
import { toHex } from '../bytes.js';
import { consumesNonce } from '../codec/receipt.js';
import type { PreparedBlock } from './block-check.js';
import { decodeStored } from './chain-reader.js';
import { asView, databaseCall, type StoreBatchOperation, type Sublevels } from './database.js';
import {
  decodeTxEntry,
  encodeBatchNumber,
  encodeHashEntry,
  encodeHead,
  encodeRecordValue,
  type HeadRecord,
  heightKey,
  metaKeys,
  type TxEntry,
  txEntryBytes,
  writeTxEntry,
} from './keys.js';

/** A change to the replica's safety records: a put, or a delete (`value: null`). */
export interface RecordChange {
  /** The record's key (src/consensus/persistence.ts names them). */
  readonly key: string;
  /** Its new value, or null to delete it. */
  readonly value: Uint8Array | null;
}

/**
 * A queued write: a checked block (block 0 with the genesis bytes; with the replica records
 * its commit step persists), a certificate for a block, or replica records alone.
 */
export type StoreWrite =
  | {
      readonly kind: 'block';
      readonly block: PreparedBlock;
      readonly genesisBytes?: Uint8Array;
      readonly records?: readonly RecordChange[];
    }
  | { readonly kind: 'certificate'; readonly height: number; readonly certificate: Uint8Array }
  | { readonly kind: 'records'; readonly changes: readonly RecordChange[] };

const utf8 = new TextEncoder();

function putRecords(changes: readonly RecordChange[], operations: StoreBatchOperation[], sublevels: Sublevels): void {
  for (const change of changes) {
    const key = utf8.encode(change.key);
    operations.push(
      change.value === null
        ? { type: 'del', sublevel: sublevels.replica, key }
        : { type: 'put', sublevel: sublevels.replica, key, value: encodeRecordValue(change.key, change.value) },
    );
  }
}

/** One group's batch and what it will make durable. */
export interface GroupBatch {
  readonly operations: StoreBatchOperation[];
  /** The group's blocks, in height order. */
  readonly blocks: readonly PreparedBlock[];
  /** The head after the group (undefined when it holds certificates only). */
  readonly head: HeadRecord | undefined;
  /** The genesis bytes, when the group holds block 0. */
  readonly genesisBytes: Uint8Array | undefined;
}

/**
 * The operations writing `writes` in one batch, numbered `batchNumber` (meta "batch", which
 * the head witness counts). Reads the tx index (one `getMany`).
 */
export async function buildGroupBatch(
  writes: readonly StoreWrite[],
  sublevels: Sublevels,
  name: string,
  batchNumber: number,
): Promise<GroupBatch> {
  const operations: StoreBatchOperation[] = [
    { type: 'put', sublevel: sublevels.meta, key: metaKeys.batch, value: encodeBatchNumber(batchNumber) },
  ];
  const blocks: PreparedBlock[] = [];
  const { meta, block: blockLevel, hash, receipt, cert, state } = sublevels;
  let genesisBytes: Uint8Array | undefined;
  for (const write of writes) {
    if (write.kind === 'certificate') {
      operations.push({ type: 'put', sublevel: cert, key: heightKey(write.height), value: write.certificate });
      continue;
    }
    if (write.kind === 'records') {
      putRecords(write.changes, operations, sublevels);
      continue;
    }
    if (write.records !== undefined) putRecords(write.records, operations, sublevels);
    const prepared = write.block;
    if (write.genesisBytes !== undefined) {
      genesisBytes = write.genesisBytes;
      operations.push({ type: 'put', sublevel: meta, key: metaKeys.genesis, value: genesisBytes });
    }
    const key = heightKey(prepared.height);
    operations.push({ type: 'put', sublevel: blockLevel, key, value: prepared.blockBytes });
    operations.push({ type: 'put', sublevel: hash, key: prepared.hash, value: encodeHashEntry(prepared.height) });
    operations.push({ type: 'put', sublevel: receipt, key, value: prepared.receiptsBytes });
    if (prepared.certificate !== undefined) {
      operations.push({ type: 'put', sublevel: cert, key, value: prepared.certificate });
    }
    for (const { key: stateKey, value } of prepared.stateWrites) {
      operations.push(
        value === undefined
          ? { type: 'del', sublevel: state, key: stateKey }
          : { type: 'put', sublevel: state, key: stateKey, value },
      );
    }
    blocks.push(prepared);
  }
  await indexTransactions(blocks, operations, sublevels, name);
  const top = blocks[blocks.length - 1];
  const head = top === undefined ? undefined : { height: top.height, hash: top.hash, stateRoot: top.stateRoot };
  if (head !== undefined) operations.push({ type: 'put', sublevel: meta, key: metaKeys.head, value: encodeHead(head) });
  return { operations, blocks, head, genesisBytes };
}

/** A tx index entry to write under `key`. */
interface Occurrence {
  readonly key: Uint8Array;
  readonly entry: TxEntry;
}

function latin1(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
}

/**
 * Adds the tx index entries of `blocks` to `operations`. An id's entry is its occurrence that
 * consumed the sender's nonce (applied, or refused by a rule) if there is one, else its first
 * occurrence. A consuming occurrence is unique in a chain's history (the nonce is spent), so
 * it is written without reading; only ids seen solely in non-consuming refusals (replays,
 * nonce gaps, bad signatures — rare) are read, with one `getMany`, to keep an earlier entry.
 */
async function indexTransactions(
  blocks: readonly PreparedBlock[],
  operations: StoreBatchOperation[],
  sublevels: Sublevels,
  name: string,
): Promise<void> {
  const consuming: Occurrence[] = [];
  const others: Occurrence[] = [];
  for (const block of blocks) {
    for (let i = 0; i < block.codes.length; i++) {
      const code = block.codes[i] as number;
      const entry: TxEntry = {
        height: block.height,
        index: i,
        code,
        offset: block.txRanges[2 * i] as number,
        length: block.txRanges[2 * i + 1] as number,
      };
      (consumesNonce(code) ? consuming : others).push({ key: block.txIds[i] as Uint8Array, entry });
    }
  }
  putEntries(consuming, operations, sublevels);
  if (others.length === 0) return;
  // The rare path: ids the group saw only in non-consuming refusals, first occurrence each.
  const consumed = new Set(consuming.map((occurrence) => latin1(occurrence.key)));
  const firsts = new Map<string, Occurrence>();
  for (const occurrence of others) {
    const id = latin1(occurrence.key);
    if (!consumed.has(id) && !firsts.has(id)) firsts.set(id, occurrence);
  }
  const unresolved = [...firsts.values()];
  if (unresolved.length === 0) return;
  const stored = await databaseCall(
    () => sublevels.tx.getMany(unresolved.map((occurrence) => occurrence.key)),
    'BlockStore.append',
    name,
  );
  const missing: Occurrence[] = [];
  for (let i = 0; i < unresolved.length; i++) {
    const occurrence = unresolved[i] as Occurrence;
    const bytes = stored[i];
    // An earlier entry stays: it is an earlier occurrence, or the one that consumed the nonce.
    if (bytes === undefined) missing.push(occurrence);
    else decodeStored(asView(bytes), decodeTxEntry, `the tx index entry of ${toHex(occurrence.key)}`);
  }
  putEntries(missing, operations, sublevels);
}

/** Puts `occurrences`' entries, encoded into one buffer (each value a view of it). */
function putEntries(occurrences: readonly Occurrence[], operations: StoreBatchOperation[], sublevels: Sublevels): void {
  const entries = new Uint8Array(occurrences.length * txEntryBytes);
  for (let i = 0; i < occurrences.length; i++) {
    const { key, entry } = occurrences[i] as Occurrence;
    const at = i * txEntryBytes;
    writeTxEntry(entries, at, entry);
    operations.push({ type: 'put', sublevel: sublevels.tx, key, value: entries.subarray(at, at + txEntryBytes) });
  }
}
