/**
 * Re-verifies a whole stored chain from its genesis, trusting nothing the store says: every
 * block's hash links (re-checked as the store reads them), every transaction signature (in
 * batches, on whatever crypto backend is given — a `CryptoPool` spreads them over threads),
 * every commit certificate against the genesis validators, and re-execution from the genesis
 * to the same tx roots, receipts and state roots. The next blocks are read and their
 * signatures verified while the current one executes, so a pool stays busy.
 */
import { bytesEqual, toHex } from '../bytes.js';
import type { DecodedBlock } from '../codec/block.js';
import { decodeCertificate } from '../codec/certificate.js';
import { decodeGenesis } from '../codec/genesis.js';
import { encodeReceipts, type Receipt } from '../codec/receipt.js';
import type { CryptoBackend } from '../crypto/backend.js';
import { ConsortiumLedgerError } from '../errors.js';
import { type BlockPrecomputed, Ledger, precomputeBlock } from '../ledger/ledger.js';
import { certificateProblem, validatorKeys } from '../ledger/quorum.js';
import type { BlockStore } from './block-store.js';

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

type Fetched = { block: DecodedBlock; precomputed: BlockPrecomputed } | { error: string };

function describe(error: unknown): string {
  return error instanceof ConsortiumLedgerError || error instanceof Error ? error.message : String(error);
}

function receiptsEqual(a: readonly Receipt[], b: readonly Receipt[]): boolean {
  return a.length === b.length && bytesEqual(encodeReceipts(a), encodeReceipts(b));
}

/** Verifies the chain in `store` (see the file header). Never throws for a bad chain: it reports it. */
export async function verifyChain(store: BlockStore, options: VerifyChainOptions): Promise<ChainReport> {
  const started = performance.now();
  const head = store.head;
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
  });
  if (head === undefined) return report(0, 'the store holds no genesis');
  const genesisBytes = await store.genesisBytes();
  if (genesisBytes === undefined) return report(0, 'the store holds no genesis');
  let ledger: Ledger;
  try {
    ledger = Ledger.fromGenesis(decodeGenesis(genesisBytes), { crypto });
    const expected = await ledger.genesisBlock();
    const stored = await store.blockByHeight(0);
    if (stored === undefined || !bytesEqual(stored.hash, expected.block.hash)) {
      return report(0, 'block 0 is not the block the genesis defines');
    }
  } catch (error) {
    return report(0, describe(error));
  }
  blocks = 1;
  const validators = validatorKeys(ledger.genesis);
  const lookahead = Math.max(1, options.lookahead ?? 4);
  const fetch = async (height: number): Promise<Fetched> => {
    try {
      const block = await store.blockByHeight(height);
      if (block === undefined) return { error: `block ${height} is missing` };
      return { block, precomputed: await precomputeBlock(block, crypto) };
    } catch (error) {
      return { error: describe(error) };
    }
  };
  const window: Promise<Fetched>[] = [];
  let next = 1;
  let previousHash = (await store.blockByHeight(0))?.hash as Uint8Array;
  for (let height = 1; height <= head.height; height++) {
    while (window.length < lookahead && next <= head.height) window.push(fetch(next++));
    const fetched = await (window.shift() as Promise<Fetched>);
    if ('error' in fetched) return report(height, fetched.error);
    const { block, precomputed } = fetched;
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
      const executed = await ledger.applyBlock(block, precomputed);
      const stored = await store.receipts(height);
      if (stored === undefined || !receiptsEqual(stored, executed.receipts)) {
        ledger.discard(executed);
        return report(height, 'stored receipts differ from re-execution');
      }
      ledger.commit(executed);
    } catch (error) {
      return report(height, describe(error));
    }
    previousHash = block.hash;
    blocks++;
    txs += block.txs.length;
    options.onBlock?.(height, block.txs.length);
  }
  const own = await store.certificate(head.height);
  if (own !== undefined && head.height > 0) {
    try {
      const problem = await certificateProblem(
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
  return report();
}
