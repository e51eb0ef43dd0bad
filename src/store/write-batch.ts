/**
 * Building one group-commit batch: the database operations for a group of queued writes —
 * each block with its hash and tx index entries, receipts, certificate and state writes
 * (block 0 with the genesis), certificates for stored blocks — and the new head after the
 * group's last block, all for one atomic `batch()` (layouts: src/store/keys.ts).
 *
 * The tx index entries of the whole group are resolved with one `getMany` of its distinct tx
 * ids: each id keeps the occurrence whose receipt says applied, if any, else its first one,
 * and an entry is written only where that changes. The commit queue runs one group at a time,
 * so what `getMany` reads already includes every earlier group.
 */
import { toHex } from '../bytes.js';
import { reasonCodes } from '../codec/receipt.js';
import { sha256DigestBytes } from '../crypto/sha256.js';
import type { PreparedBlock } from './block-check.js';
import { decodeStored } from './chain-reader.js';
import { asView, databaseCall, type StoreBatchOperation, type Sublevels } from './database.js';
import {
  decodeTxEntry,
  encodeHashEntry,
  encodeHead,
  encodeTxEntry,
  type HeadRecord,
  heightKey,
  metaKeys,
  type TxEntry,
} from './keys.js';

/** A queued write: a checked block (block 0 with the genesis bytes), or a certificate for a block. */
export type StoreWrite =
  | { readonly kind: 'block'; readonly block: PreparedBlock; readonly genesisBytes?: Uint8Array }
  | { readonly kind: 'certificate'; readonly height: number; readonly certificate: Uint8Array };

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

/** The operations writing `writes` in one batch. Reads the tx index (one `getMany`). */
export async function buildGroupBatch(
  writes: readonly StoreWrite[],
  sublevels: Sublevels,
  name: string,
): Promise<GroupBatch> {
  const operations: StoreBatchOperation[] = [];
  const blocks: PreparedBlock[] = [];
  const { meta, block: blockLevel, hash, receipt, cert, state } = sublevels;
  let genesisBytes: Uint8Array | undefined;
  for (const write of writes) {
    if (write.kind === 'certificate') {
      operations.push({ type: 'put', sublevel: cert, key: heightKey(write.height), value: write.certificate });
      continue;
    }
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

interface Slot {
  readonly key: Uint8Array;
  entry: TxEntry | undefined;
  changed: boolean;
}

/** Adds the tx index entries of `blocks` to `operations` (the rule in the header comment). */
async function indexTransactions(
  blocks: readonly PreparedBlock[],
  operations: StoreBatchOperation[],
  sublevels: Sublevels,
  name: string,
): Promise<void> {
  const byId = new Map<string, Slot>();
  const slotsByBlock = blocks.map((block) => {
    const slots = new Array<Slot>(block.codes.length);
    for (let i = 0; i < slots.length; i++) {
      const key = block.txIdsPacked.subarray(i * sha256DigestBytes, (i + 1) * sha256DigestBytes);
      const id = toHex(key);
      let slot = byId.get(id);
      if (slot === undefined) {
        slot = { key, entry: undefined, changed: false };
        byId.set(id, slot);
      }
      slots[i] = slot;
    }
    return slots;
  });
  if (byId.size === 0) return;
  const distinct = [...byId.values()];
  const stored = await databaseCall(
    () => sublevels.tx.getMany(distinct.map((slot) => slot.key)),
    'BlockStore.append',
    name,
  );
  for (let i = 0; i < distinct.length; i++) {
    const bytes = stored[i];
    const slot = distinct[i] as Slot;
    if (bytes !== undefined) {
      slot.entry = decodeStored(asView(bytes), decodeTxEntry, `the tx index entry of ${toHex(slot.key)}`);
    }
  }
  for (let b = 0; b < blocks.length; b++) {
    const block = blocks[b] as PreparedBlock;
    const slots = slotsByBlock[b] as Slot[];
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i] as Slot;
      const code = block.codes[i] as number;
      if (slot.entry === undefined || (slot.entry.code !== reasonCodes.ok && code === reasonCodes.ok)) {
        slot.entry = { height: block.height, index: i, code };
        slot.changed = true;
      }
    }
  }
  for (const slot of distinct) {
    if (slot.changed && slot.entry !== undefined) {
      operations.push({ type: 'put', sublevel: sublevels.tx, key: slot.key, value: encodeTxEntry(slot.entry) });
    }
  }
}
