/**
 * Re-verifies a whole stored chain from its genesis, trusting nothing the store says: every
 * block's hash links (re-checked as the store reads them), every transaction signature (in
 * batches, on whatever crypto backend is given — a `CryptoPool` spreads them over threads),
 * every commit certificate against the genesis validators, and re-execution from the genesis
 * to the same tx roots, receipts and state roots. Then what the store derived from the
 * blocks: the stored receipts and tx index entries of every block against its re-execution,
 * and the stored state against the head's state root. The report lists what was checked
 * (with the head witness the store was opened against). The next blocks are read and their
 * signatures verified while the current one executes, so a pool stays busy.
 */
import { bytesEqual, toHex } from '../bytes.js';
import type { DecodedBlock } from '../codec/block.js';
import { decodeCertificate } from '../codec/certificate.js';
import { decodeGenesis, type Genesis } from '../codec/genesis.js';
import { consumesNonce, encodeReceipts, type Receipt } from '../codec/receipt.js';
import type { CryptoBackend } from '../crypto/backend.js';
import { ConsortiumLedgerError } from '../errors.js';
import { type BlockPrecomputed, type ExecutedBlock, Ledger, precomputeBlock } from '../ledger/ledger.js';
import { certificateProblem, validatorKeys } from '../ledger/quorum.js';
import type { BlockStore, StoreHead } from './block-store.js';
import { loadLedger } from './load-ledger.js';

/** What {@link verifyChain} found. */
export interface ChainReport {
  /** True iff every check passed. */
  readonly ok: boolean;
  /** The store's head height. */
  readonly height: number;
  /** The store's head hash (hex). */
  readonly headHash: string;
  /** Blocks verified (including block 0). */
  readonly blocks: number;
  /** Transactions whose signatures were checked and that were re-executed. */
  readonly txs: number;
  /** The first height that failed a check, when not ok. */
  readonly badHeight?: number;
  /** What failed there. */
  readonly problem?: string;
  /** Wall-clock time the verification took, in ms. */
  readonly durationMs: number;
  /** What was checked (each item a phrase), whether it passed or not. */
  readonly checked: readonly string[];
}

/** Options of {@link verifyChain}. */
export interface VerifyChainOptions {
  /** Where signatures are verified and batches hashed: `inlineCrypto`, or a `CryptoPool` to use every core. */
  readonly crypto: CryptoBackend;
  /** Blocks read and signature-checked ahead of execution (default 4). */
  readonly lookahead?: number;
  /** Called after each verified block. */
  readonly onBlock?: (height: number, txs: number) => void;
}

/** What {@link replayChain} reads: a `BlockStore`, or `repairStore`'s reader of a damaged one. */
export interface ChainSource {
  /** The head to verify up to. */
  readonly head: StoreHead | undefined;
  genesisBytes(): Promise<Uint8Array | undefined>;
  /** The block at `height`, checked as read. @throws StoreCorruptError when it does not check. */
  blockByHeight(height: number): Promise<DecodedBlock | undefined>;
  certificate(height: number): Promise<Uint8Array | undefined>;
  readonly witnessAtOpen: BlockStore['witnessAtOpen'];
}

/** Options of {@link replayChain}: {@link verifyChain}'s, and hooks. */
export interface ReplayOptions extends VerifyChainOptions {
  /** What the report says was checked. */
  readonly checked: readonly string[];
  /** A further check of each re-executed block (undefined: it passes). */
  readonly checkBlock?: (block: DecodedBlock, executed: ExecutedBlock) => Promise<string | undefined>;
  /** Called with each block that verified and its re-execution, in height order (errors propagate). */
  readonly onVerified?: (block: DecodedBlock, executed: ExecutedBlock) => Promise<void>;
  /** A last check once every block verified (undefined: it passes). */
  readonly finalCheck?: () => Promise<string | undefined>;
}

/** What verification checks of the blocks themselves. */
export const blockChecks: readonly string[] = [
  'hash links (each block against the hash index and the block below)',
  'transaction signatures',
  'commit certificates against the genesis validators',
  're-execution from the genesis (tx, receipts and state roots)',
];

/** What it checks of the data the store derived from the blocks. */
const derivedChecks = [
  'stored receipts',
  'tx index entries',
  'stored certificates against the genesis validators',
  'stored state against the head state root',
  "the replica's safety records against their checksums",
];

/** What the open checked (src/store/open-store.ts), as the report says it. */
export function witnessCheck(source: Pick<ChainSource, 'witnessAtOpen'>): string {
  const witness = source.witnessAtOpen;
  return witness === undefined
    ? 'no head witness (a store from before witnesses, or not in a directory)'
    : `head witness (acknowledged head ${witness.height}, ${witness.sequence} batches) and LevelDB's logs, read before its recovery`;
}

/** What is wrong with the tx index entries of a verified block, if anything. */
async function txIndexProblem(
  store: BlockStore,
  block: DecodedBlock,
  executed: ExecutedBlock,
): Promise<string | undefined> {
  const height = block.header.height;
  const entries = await store.txIndexEntries(executed.txIds);
  for (let i = 0; i < executed.txIds.length; i++) {
    const txId = executed.txIds[i] as Uint8Array;
    const entry = entries[i];
    const what = `tx index: transaction ${toHex(txId)} (block ${height}, index ${i})`;
    if (entry === undefined) return `${what} has no entry`;
    const code = (executed.receipts[i] as Receipt).code;
    if (consumesNonce(code)) {
      // The occurrence that consumed the nonce is the one the index names (src/store/keys.ts).
      if (entry.height !== height || entry.index !== i || entry.code !== code) {
        return `${what} is indexed at block ${entry.height}, index ${entry.index}, code ${entry.code}`;
      }
      const tx = block.txBytes[i] as Uint8Array;
      if (entry.offset !== tx.byteOffset - block.bytes.byteOffset || entry.length !== tx.length) {
        return `${what}: its indexed byte range is not where it is in the block`;
      }
    } else {
      // Another occurrence (earlier, or the later one that consumed the nonce): reading it checks it holds this transaction.
      await store.transaction(txId);
    }
  }
  return undefined;
}

type Fetched = { block: DecodedBlock; precomputed: BlockPrecomputed } | { error: string };

function describe(error: unknown): string {
  return error instanceof ConsortiumLedgerError || error instanceof Error ? error.message : String(error);
}

function receiptsEqual(a: readonly Receipt[], b: readonly Receipt[]): boolean {
  return a.length === b.length && bytesEqual(encodeReceipts(a), encodeReceipts(b));
}

/**
 * Verifies the chain in `store` (see the file header). Never throws for a bad chain: it
 * reports it, with the first bad height and what failed there.
 */
export function verifyChain(store: BlockStore, options: VerifyChainOptions): Promise<ChainReport> {
  let genesis: Genesis | undefined;
  return replayChain(store, {
    ...options,
    checked: [...blockChecks, ...derivedChecks, witnessCheck(store)],
    checkBlock: async (block, executed) => {
      const height = block.header.height;
      const stored = await store.receipts(height);
      if (stored === undefined || !receiptsEqual(stored, executed.receipts)) {
        return 'stored receipts differ from re-execution';
      }
      const problem = await txIndexProblem(store, block, executed);
      if (problem !== undefined) return problem;
      // The certificate the store serves to peers catching up must be one they accept.
      const certificate = await store.certificate(height);
      if (certificate === undefined) return undefined;
      genesis ??= decodeGenesis((await store.genesisBytes()) as Uint8Array);
      const certificateIssue = await certificateProblem(
        decodeCertificate(certificate),
        genesis.chainId,
        validatorKeys(genesis),
        height,
        block.hash,
        options.crypto,
      );
      return certificateIssue === undefined ? undefined : `stored certificate: ${certificateIssue}`;
    },
    finalCheck: async () => {
      // Re-execution reached the head's state root; the stored state must hash to it too.
      try {
        await loadLedger(store, { crypto: options.crypto });
      } catch (error) {
        if (error instanceof ConsortiumLedgerError) return `stored state: ${error.message}`;
        throw error;
      }
      try {
        await store.replicaRecords();
      } catch (error) {
        if (error instanceof ConsortiumLedgerError) return `replica safety records: ${error.message}`;
        throw error;
      }
      return undefined;
    },
  });
}

/**
 * Re-executes the chain `source` holds from its genesis, checking every block (hash links as
 * read, signatures, certificates, roots) and what `options.checkBlock` adds, up to the first
 * block that fails; hands each verified block to `options.onVerified`.
 */
export async function replayChain(source: ChainSource, options: ReplayOptions): Promise<ChainReport> {
  const started = performance.now();
  const head = source.head;
  const crypto = options.crypto;
  let blocks = 0;
  let txs = 0;
  const report = (badHeight?: number, problem?: string): ChainReport => ({
    ok: problem === undefined,
    height: head?.height ?? -1,
    headHash: head === undefined ? '' : toHex(head.hash),
    blocks,
    txs,
    ...(problem === undefined ? {} : { badHeight, problem }),
    durationMs: performance.now() - started,
    checked: options.checked,
  });
  if (head === undefined) return report(0, 'the store holds no genesis');
  let ledger: Ledger;
  let block0: DecodedBlock;
  let executed0: ExecutedBlock;
  try {
    const genesisBytes = await source.genesisBytes();
    if (genesisBytes === undefined) return report(0, 'the store holds no genesis');
    ledger = Ledger.fromGenesis(decodeGenesis(genesisBytes), { crypto });
    const expected = await ledger.genesisBlock();
    const stored = await source.blockByHeight(0);
    if (stored === undefined || !bytesEqual(stored.hash, expected.block.hash)) {
      return report(0, 'block 0 is not the block the genesis defines');
    }
    block0 = stored;
    executed0 = expected.executed;
  } catch (error) {
    return report(0, describe(error));
  }
  await options.onVerified?.(block0, executed0);
  blocks = 1;
  const validators = validatorKeys(ledger.genesis);
  const lookahead = Math.max(1, options.lookahead ?? 4);
  const fetch = async (height: number): Promise<Fetched> => {
    try {
      const block = await source.blockByHeight(height);
      if (block === undefined) return { error: `block ${height} is missing` };
      return { block, precomputed: await precomputeBlock(block, crypto) };
    } catch (error) {
      return { error: describe(error) };
    }
  };
  const window: Promise<Fetched>[] = [];
  let next = 1;
  let previousHash = block0.hash;
  for (let height = 1; height <= head.height; height++) {
    while (window.length < lookahead && next <= head.height) window.push(fetch(next++));
    const fetched = await (window.shift() as Promise<Fetched>);
    if ('error' in fetched) return report(height, fetched.error);
    const { block, precomputed } = fetched;
    let executed: ExecutedBlock;
    try {
      if (block.previousCertificate !== null) {
        const problem = await certificateProblem(
          block.previousCertificate,
          ledger.chainId,
          validators,
          height - 1,
          previousHash,
          crypto,
        );
        if (problem !== undefined) return report(height, `previous block's ${problem}`);
      } else if (height >= 2) {
        return report(height, `block ${height} carries no certificate for block ${height - 1}`);
      }
      executed = await ledger.applyBlock(block, precomputed);
      const problem = await options.checkBlock?.(block, executed);
      if (problem !== undefined) {
        ledger.discard(executed);
        return report(height, problem);
      }
    } catch (error) {
      return report(height, describe(error));
    }
    await options.onVerified?.(block, executed);
    ledger.commit(executed);
    previousHash = block.hash;
    blocks++;
    txs += block.txs.length;
    options.onBlock?.(height, block.txs.length);
  }
  if (head.height > 0) {
    try {
      const own = await source.certificate(head.height);
      const problem =
        own === undefined
          ? undefined
          : await certificateProblem(
              decodeCertificate(own),
              ledger.chainId,
              validators,
              head.height,
              head.hash,
              crypto,
            );
      if (problem !== undefined) return report(head.height, `head's ${problem}`);
    } catch (error) {
      return report(head.height, describe(error));
    }
  }
  const problem = await options.finalCheck?.();
  return problem === undefined ? report() : report(head.height, problem);
}
