/**
 * `npm run bench -- store`: the ledger and its LevelDB block store (issue 7).
 *
 * - Block commit of 100- and 1,000-transaction blocks through `BlockStore.append` (checks,
 *   tx index, receipts, certificate, state writes, head; one synced batch) against raw
 *   `level` batches writing the same keys and bytes with the same sync, interleaved rounds.
 * - Apply + state root per block on one core (signatures verified beforehand, outside the
 *   timing: `verify-chain` measures them), with hashes per transaction, against
 *   @ethereumjs/mpt (Ethereum's Merkle Patricia trie) taking the same state writes per block.
 * - Tx lookup by id (`txLocation` + the block's bytes) against a raw `level` get of the same key.
 * - `verify-chain` throughput over the generated store, inline and with a pool of 2 threads.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMPT } from '@ethereumjs/mpt';
import { Level } from 'level';
import { encodeReceipts } from '../src/codec/receipt.js';
import { inlineCrypto } from '../src/crypto/backend.js';
import { type BlockPrecomputed, Ledger, type ProposedBlock, precomputeBlock } from '../src/ledger/ledger.js';
import { signCertificate } from '../src/ledger/quorum.js';
import { SyntheticConsortium } from '../src/ledger/synthetic.js';
import { CryptoPool } from '../src/pool/crypto-pool.js';
import { BlockStore } from '../src/store/block-store.js';
import { verifyChain } from '../src/store/verify-chain.js';
import { alternate, type BenchRow, type BenchTable, machine, oursName } from './common.js';

interface Built {
  proposed: ProposedBlock;
  certificate: Uint8Array;
  precomputed: BlockPrecomputed;
}

/** A chain of `blocks` blocks of `txs` transactions from a fresh synthetic consortium. */
async function buildChain(
  seed: number,
  blocks: number,
  txs: number,
): Promise<{ consortium: SyntheticConsortium; chain: Built[]; genesis: Awaited<ReturnType<Ledger['genesisBlock']>> }> {
  const consortium = new SyntheticConsortium(seed);
  const ledger = Ledger.fromGenesis(consortium.genesis);
  const genesis = await ledger.genesisBlock();
  const validators = consortium.validators;
  const quorum = validators.slice(0, 3);
  const chain: Built[] = [];
  let previousHash = genesis.block.hash;
  let previousCertificate: Uint8Array = new Uint8Array(0);
  for (let height = 1; height <= blocks; height++) {
    const proposed = await ledger.propose(consortium.nextTransactions(txs), {
      previousHash,
      timestampMs: consortium.genesis.timestampMs + height * 1000,
      proposer: (validators[0] as (typeof validators)[number]).publicKey,
      previousCertificateBytes: height >= 2 ? previousCertificate : new Uint8Array(0),
    });
    ledger.commit(proposed.executed);
    const certificate = signCertificate(consortium.genesis.chainId, 0, height, proposed.block.hash, quorum);
    chain.push({ proposed, certificate, precomputed: await precomputeBlock(proposed.block, inlineCrypto) });
    previousHash = proposed.block.hash;
    previousCertificate = certificate;
  }
  return { consortium, chain, genesis };
}

function heightKey(prefix: number, height: number): Uint8Array {
  const key = new Uint8Array(9);
  key[0] = prefix;
  new DataView(key.buffer).setBigUint64(1, BigInt(height));
  return key;
}

function prefixed(prefix: number, bytes: Uint8Array): Uint8Array {
  const key = new Uint8Array(bytes.length + 1);
  key[0] = prefix;
  key.set(bytes, 1);
  return key;
}

/** The same keys and bytes the store writes for a block, as one raw batch. */
function rawOps(built: Built): { type: 'put'; key: Uint8Array; value: Uint8Array }[] {
  const { block, executed } = built.proposed;
  const height = block.header.height;
  const location = new Uint8Array(13);
  const ops: { type: 'put'; key: Uint8Array; value: Uint8Array }[] = [
    { type: 'put', key: heightKey(1, height), value: block.bytes },
    { type: 'put', key: prefixed(2, block.hash), value: heightKey(0, height).subarray(1) },
    { type: 'put', key: heightKey(4, height), value: encodeReceipts(executed.receipts) },
    { type: 'put', key: heightKey(5, height), value: built.certificate },
    { type: 'put', key: Uint8Array.of(7, 0), value: new Uint8Array(72) },
  ];
  executed.txIds.forEach((txId, index) => {
    new DataView(location.buffer).setUint32(8, index, true);
    ops.push({ type: 'put', key: prefixed(3, txId), value: location.slice() });
  });
  for (const write of executed.stateWrites) {
    ops.push({ type: 'put', key: prefixed(6, write.key), value: write.value ?? new Uint8Array(0) });
  }
  return ops;
}

async function commitCase(txs: number, blocksPerRound: number, rounds: number, notes: string[]): Promise<BenchRow[]> {
  const total = blocksPerRound * (rounds + 1);
  process.stderr.write(`  building ${total} blocks of ${txs} txs …\n`);
  const { chain, genesis } = await buildChain(txs, total, txs);
  const dir = mkdtempSync(join(tmpdir(), 'cl-bench-store-'));
  const store = await BlockStore.open(join(dir, 'ours'));
  const raw = new Level<Uint8Array, Uint8Array>(join(dir, 'raw'), { keyEncoding: 'view', valueEncoding: 'view' });
  await raw.open();
  await store.initialize(genesis.genesisBytes, {
    block: genesis.block,
    txIds: [],
    receipts: [],
    stateWrites: genesis.executed.stateWrites,
    stateRoot: genesis.executed.stateRoot,
  });
  const bytesPerBlock = chain.reduce((sum, built) => sum + built.proposed.block.bytes.length, 0) / chain.length;
  let oursNext = 0;
  let rawNext = 0;
  const run = await alternate(
    `block commit, ${txs} txs/block`,
    txs * blocksPerRound,
    'tx',
    [
      {
        impl: `${oursName} BlockStore.append`,
        fn: async () => {
          for (let i = 0; i < blocksPerRound; i++) {
            const built = chain[oursNext++] as Built;
            const { block, executed } = built.proposed;
            await store.append({
              block,
              txIds: executed.txIds,
              receipts: executed.receipts,
              stateWrites: executed.stateWrites,
              stateRoot: executed.stateRoot,
              certificate: built.certificate,
            });
          }
        },
      },
      {
        impl: 'raw level batch (same bytes, sync)',
        fn: async () => {
          for (let i = 0; i < blocksPerRound; i++) await raw.batch(rawOps(chain[rawNext++] as Built), { sync: true });
        },
      },
    ],
    { min: rounds, max: rounds, quietWanted: 0 },
  );
  notes.push(run.note);
  notes.push(`block commit, ${txs} txs/block: ${(bytesPerBlock / 1024).toFixed(1)} KiB per block`);
  for (const row of run.rows)
    row.note = `${(((row.itemsPerSec / txs) * bytesPerBlock) / 1e6).toFixed(1)} MB/s of block bytes`;

  // Tx lookup by id: random acknowledged tx ids.
  const ids = chain.slice(0, oursNext).flatMap((built) => built.proposed.executed.txIds);
  const lookups = 2000;
  const lookup = await alternate(
    `tx lookup by id (${txs} txs/block)`,
    lookups,
    'lookup',
    [
      {
        impl: `${oursName} txLocation + block`,
        fn: async () => {
          for (let i = 0; i < lookups; i++) {
            const location = await store.txLocation(ids[(i * 7919) % ids.length] as Uint8Array);
            if (location === undefined) throw new Error('lookup missed');
            await store.blockByHeight(location.height);
          }
        },
      },
      {
        impl: 'raw level get (index + block)',
        fn: async () => {
          for (let i = 0; i < lookups; i++) {
            const location = await raw.get(prefixed(3, ids[(i * 7919) % ids.length] as Uint8Array));
            if (location === undefined) throw new Error('lookup missed');
            await raw.get(heightKey(1, 1 + (i % oursNext)));
          }
        },
      },
    ],
    { min: 5, max: 5, quietWanted: 0 },
  );
  notes.push(lookup.note);
  await store.close();
  await raw.close();

  // verify-chain over the store just written.
  const reopened = await BlockStore.open(join(dir, 'ours'), { create: false });
  const pool = new CryptoPool({ threads: 2 });
  await pool.ready();
  const verifyRows: BenchRow[] = [];
  for (const [impl, crypto] of [
    [`${oursName} verify-chain, pool of 2`, pool],
    [`${oursName} verify-chain, inline`, inlineCrypto],
  ] as const) {
    const report = await verifyChain(reopened, { crypto });
    if (!report.ok) throw new Error(`verify-chain failed: ${report.problem}`);
    verifyRows.push({
      case: `verify-chain, ${txs} txs/block`,
      impl,
      itemsPerSec: report.txs / (report.durationMs / 1000),
      unit: 'tx',
      msPerCall: report.durationMs,
      note: `${report.txs} txs, ${report.blocks} blocks`,
    });
  }
  await pool.close();
  await reopened.close();
  rmSync(dir, { recursive: true, force: true });
  return [...run.rows, ...lookup.rows, ...verifyRows];
}

async function applyCase(txs: number, blocks: number, notes: string[]): Promise<BenchRow[]> {
  const { consortium, chain } = await buildChain(txs + 1, blocks, txs);
  const ledger = Ledger.fromGenesis(consortium.genesis);
  const mpt = await createMPT({ useKeyHashing: true });
  for (const write of (await Ledger.fromGenesis(consortium.genesis).genesisBlock()).executed.stateWrites) {
    await mpt.put(write.key, write.value as Uint8Array);
  }
  let next = 0;
  let hashes = 0;
  let ledgerTxs = 0;
  let mptNext = 0;
  const perRound = Math.max(1, Math.floor(blocks / 12));
  const run = await alternate(
    `apply + state root, ${txs} txs/block`,
    txs * perRound,
    'tx',
    [
      {
        impl: `${oursName} Ledger.applyBlock (one core)`,
        fn: async () => {
          for (let i = 0; i < perRound; i++) {
            const built = chain[next++] as Built;
            const executed = await ledger.applyBlock(built.proposed.block, built.precomputed);
            ledger.commit(executed);
            const stats = ledger.lastStateUpdateStats;
            hashes += stats.leafHashes + stats.nodeHashes;
            ledgerTxs += txs;
          }
        },
      },
      {
        impl: '@ethereumjs/mpt (same state writes, root per block)',
        fn: async () => {
          for (let i = 0; i < perRound; i++) {
            const built = chain[mptNext++] as Built;
            for (const write of built.proposed.executed.stateWrites) {
              if (write.value === undefined) await mpt.del(write.key);
              else await mpt.put(write.key, write.value);
            }
            mpt.root();
          }
        },
      },
    ],
    { min: 10, max: 10, quietWanted: 0 },
  );
  notes.push(run.note);
  notes.push(
    `apply + state root, ${txs} txs/block: ${(hashes / ledgerTxs).toFixed(1)} SHA-256 hashes per tx in the state tree`,
  );
  return run.rows;
}

export async function run(): Promise<BenchTable> {
  const notes: string[] = [];
  const rows: BenchRow[] = [];
  rows.push(...(await applyCase(1000, 12 * 5, notes)));
  rows.push(...(await commitCase(100, 20, 10, notes)));
  rows.push(...(await commitCase(1000, 3, 10, notes)));
  notes.push(`machine: ${JSON.stringify(machine())}`);
  return { name: 'store', rows, notes };
}
