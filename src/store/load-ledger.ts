/** Opening a ledger on a store: its genesis, its head and its state, checked against each other. */
import { decodeGenesis } from '../codec/genesis.js';
import { DecodeError } from '../errors.js';
import { Ledger, type LedgerOptions } from '../ledger/ledger.js';
import type { BlockStore } from './block-store.js';
import { decodeStored } from './chain-reader.js';
import { StoreCorruptError } from './errors.js';

/**
 * The ledger at the store's head: the genesis decoded, the state loaded and checked to hash to
 * the head block's state root (StateRootMismatchError otherwise; StoreCorruptError for a
 * stored record that does not decode). Returns undefined for an empty store (no genesis yet).
 */
export async function loadLedger(
  store: Pick<BlockStore, 'head' | 'genesisBytes' | 'blockByHeight' | 'stateEntries'>,
  options: LedgerOptions = {},
): Promise<Ledger | undefined> {
  const head = store.head;
  if (head === undefined) return undefined;
  const genesisBytes = await store.genesisBytes();
  if (genesisBytes === undefined) throw new StoreCorruptError('the store has a head but no genesis');
  const headBlock = await store.blockByHeight(head.height);
  if (headBlock === undefined) throw new StoreCorruptError(`the head block ${head.height} is missing`);
  const genesis = decodeStored(genesisBytes, decodeGenesis, 'the stored genesis');
  try {
    return await Ledger.load(genesis, head.height, head.stateRoot, store.stateEntries(), {
      ...options,
      headTimestampMs: headBlock.header.timestampMs,
    });
  } catch (error) {
    // A stored state record that does not decode is damage to the store, as one that does not hash is.
    if (error instanceof DecodeError) {
      throw new StoreCorruptError(`the stored state does not decode: ${error.message}`, { cause: error });
    }
    throw error;
  }
}
