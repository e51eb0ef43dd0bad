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
 * - `verify-chain` throughput over a 120-block store, inline and with pools of 1 and 2 threads.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMPT } from '@ethereumjs/mpt';
import { Level } from 'level';
import type { DecodedBlock } from '../src/codec/block.js';
import { encodeReceipts } from '../src/codec/receipt.js';
import { type CryptoBackend, inlineCrypto } from '../src/crypto/backend.js';
import { type BlockPrecomputed, Ledger, type ProposedBlock, precomputeBlock } from '../src/ledger/ledger.js';
import { signCertificate } from '../src/ledger/quorum.js';
import { SyntheticConsortium } from '../src/ledger/synthetic.js';
import { CryptoPool } from '../src/pool/crypto-pool.js';
import { BlockStore } from '../src/store/block-store.js';
import { encodeHashEntry, encodeHead, encodeTxEntry, heightKey } from '../src/store/keys.js';
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

const utf8 = new TextEncoder();

/** `!name!` ‖ key: the bytes a sublevel named `name` writes on the root database. */
function prefixed(name: string, key: Uint8Array): Uint8Array {
  const prefix = utf8.encode(`!${name}!`);
  const out = new Uint8Array(prefix.length + key.length);
  out.set(prefix, 0);
  out.set(key, prefix.length);
  return out;
}

type RawOp = { type: 'put' | 'del'; key: Uint8Array; value?: Uint8Array };

/** The same keys and bytes the store writes for a block (src/store/keys.ts), for the raw peers. */
function rawOps(built: Built): RawOp[] {
  const { block, executed } = built.proposed;
  const height = block.header.height;
  const key = heightKey(height);
  const ops: RawOp[] = [
    { type: 'put', key: prefixed('block', key), value: block.bytes },
    { type: 'put', key: prefixed('hash', block.hash), value: encodeHashEntry(height) },
    { type: 'put', key: prefixed('receipt', key), value: encodeReceipts(executed.receipts) },
    { type: 'put', key: prefixed('cert', key), value: built.certificate },
  ];
  executed.txIds.forEach((txId, index) => {
    const code = (executed.receipts[index] as { code: number }).code;
    const tx = block.txBytes[index] as Uint8Array;
    const offset = tx.byteOffset - block.bytes.byteOffset;
    ops.push({
      type: 'put',
      key: prefixed('tx', txId),
      value: encodeTxEntry({ height, index, code, offset, length: tx.length }),
    });
  });
  for (const write of executed.stateWrites) {
    ops.push(
      write.value === undefined
        ? { type: 'del', key: prefixed('state', write.key) }
        : { type: 'put', key: prefixed('state', write.key), value: write.value },
    );
  }
  ops.push({
    type: 'put',
    key: prefixed('meta', utf8.encode('head')),
    value: encodeHead({ height, hash: block.hash, stateRoot: executed.stateRoot }),
  });
  return ops;
}

async function commitCase(txs: number, blocksPerRound: number, rounds: number, notes: string[]): Promise<BenchRow[]> {
  const total = blocksPerRound * (rounds + 1);
  process.stderr.write(`  building ${total} blocks of ${txs} txs …\n`);
  const { chain, genesis } = await buildChain(txs, total, txs);
  const dir = mkdtempSync(join(tmpdir(), 'cl-bench-store-'));
  const store = await BlockStore.open(join(dir, 'ours'));
  const coldStore = await BlockStore.open(join(dir, 'ours-cold'));
  // Two raw databases: the chained and the array peer each write every block once.
  const raw = new Level<Uint8Array, Uint8Array>(join(dir, 'raw'), { keyEncoding: 'view', valueEncoding: 'view' });
  const rawArray = new Level<Uint8Array, Uint8Array>(join(dir, 'raw-array'), {
    keyEncoding: 'view',
    valueEncoding: 'view',
  });
  await rawArray.open();
  await raw.open();
  for (const target of [store, coldStore]) {
    await target.initialize(genesis.genesisBytes, {
      block: genesis.block,
      txIds: [],
      receipts: [],
      stateWrites: genesis.executed.stateWrites,
      stateRoot: genesis.executed.stateRoot,
    });
  }
  // The peers write prepared operations: their timing is the write alone.
  const rawOpsByBlock = chain.map(rawOps);
  // Cold commits: fresh arrays, so the store hashes the transactions and roots itself instead
  // of reusing what the ledger computed when it executed the block.
  const coldCommits = chain.map((built) => {
    const { block, executed } = built.proposed;
    return {
      block: { ...block, txBytes: [...block.txBytes] },
      txIds: executed.txIds,
      receipts: [...executed.receipts],
      stateWrites: executed.stateWrites,
      stateRoot: executed.stateRoot,
      certificate: built.certificate,
    };
  });
  let coldNext = 0;
  const bytesPerBlock = chain.reduce((sum, built) => sum + built.proposed.block.bytes.length, 0) / chain.length;
  let oursNext = 0;
  let rawNext = 0;
  let rawArrayNext = 0;
  const run = await alternate(
    `block commit, ${txs} txs/block`,
    txs * blocksPerRound,
    'tx',
    [
      {
        impl: `${oursName} BlockStore.append (after execution)`,
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
        impl: `${oursName} BlockStore.append (cold: hashes the block itself)`,
        fn: async () => {
          for (let i = 0; i < blocksPerRound; i++)
            await coldStore.append(coldCommits[coldNext++] as (typeof coldCommits)[number]);
        },
      },
      {
        impl: 'raw level chained batch (same bytes, sync)',
        fn: async () => {
          for (let i = 0; i < blocksPerRound; i++) {
            const batch = raw.batch();
            for (const op of rawOpsByBlock[rawNext++] as RawOp[]) {
              if (op.type === 'put') batch.put(op.key, op.value as Uint8Array);
              else batch.del(op.key);
            }
            await batch.write({ sync: true } as never);
          }
        },
      },
      {
        impl: 'raw level array batch (same bytes, sync)',
        fn: async () => {
          for (let i = 0; i < blocksPerRound; i++) {
            await rawArray.batch(rawOpsByBlock[rawArrayNext++] as never, { sync: true } as never);
          }
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
        impl: `${oursName} BlockStore.transaction (checked)`,
        fn: async () => {
          for (let i = 0; i < lookups; i++) {
            const found = await store.transaction(ids[(i * 7919) % ids.length] as Uint8Array);
            if (found === undefined) throw new Error('lookup missed');
          }
        },
      },
      {
        impl: 'raw level gets (index entry, then block; slice)',
        fn: async () => {
          for (let i = 0; i < lookups; i++) {
            const location = await raw.get(prefixed('tx', ids[(i * 7919) % ids.length] as Uint8Array));
            if (location === undefined) throw new Error('lookup missed');
            const view = new DataView(location.buffer, location.byteOffset, location.byteLength);
            const block = await raw.get(prefixed('block', heightKey(view.getUint32(0, true))));
            const offset = view.getUint32(13, true);
            block?.subarray(offset, offset + view.getUint32(17, true));
          }
        },
      },
    ],
    { min: 5, max: 5, quietWanted: 0 },
  );
  notes.push(lookup.note);
  await store.close();
  await coldStore.close();
  await raw.close();
  await rawArray.close();

  rmSync(dir, { recursive: true, force: true });
  return [...run.rows, ...lookup.rows];
}

/**
 * verify-chain over a stored chain long enough for a steady state (JIT warm, pool started
 * before the clock as the CLI does): a pool of 2 threads, a pool of 1, and inline, in
 * alternating rounds.
 */
async function verifyCase(blocks: number, txs: number, notes: string[]): Promise<BenchRow[]> {
  process.stderr.write(`  building ${blocks} blocks of ${txs} txs for verify-chain …\n`);
  const { chain, genesis } = await buildChain(txs + 2, blocks, txs);
  const dir = mkdtempSync(join(tmpdir(), 'cl-bench-verify-'));
  const store = await BlockStore.open(dir);
  await store.initialize(genesis.genesisBytes, {
    block: genesis.block,
    txIds: [],
    receipts: [],
    stateWrites: genesis.executed.stateWrites,
    stateRoot: genesis.executed.stateRoot,
  });
  for (const built of chain) {
    const { block, executed } = built.proposed;
    void store.append({ ...executed, block, certificate: built.certificate });
  }
  await store.close();
  const reopened = await BlockStore.open(dir, { create: false });
  const pools = [new CryptoPool({ threads: 2 }), new CryptoPool({ threads: 1 })] as const;
  await Promise.all(pools.map((pool) => pool.ready()));
  const verify = (crypto: CryptoBackend) => async () => {
    const report = await verifyChain(reopened, { crypto });
    if (!report.ok) throw new Error(`verify-chain failed: ${report.problem}`);
  };
  const run = await alternate(
    `verify-chain, ${txs} txs/block`,
    txs * blocks,
    'tx',
    [
      { impl: `${oursName} verify-chain, pool of 2`, fn: verify(pools[0]) },
      { impl: `${oursName} verify-chain, pool of 1`, fn: verify(pools[1]) },
      { impl: `${oursName} verify-chain, inline`, fn: verify(inlineCrypto) },
    ],
    { min: 3, max: 3, quietWanted: 0 },
  );
  notes.push(run.note);
  await Promise.all(pools.map((pool) => pool.close()));
  await reopened.close();
  rmSync(dir, { recursive: true, force: true });
  return run.rows;
}

async function applyCase(txs: number, blocks: number, notes: string[]): Promise<BenchRow[]> {
  const { consortium, chain } = await buildChain(txs + 1, blocks, txs);
  const ledger = Ledger.fromGenesis(consortium.genesis);
  const mpt = await createMPT({ useKeyHashing: true });
  for (const write of (await Ledger.fromGenesis(consortium.genesis).genesisBlock()).executed.stateWrites) {
    await mpt.put(write.key, write.value as Uint8Array);
  }
  // Fresh copies of the blocks, so applying hashes their transactions (as a replica that
  // received the bytes does) instead of reusing the ids warmed while the chain was built.
  const coldBlocks = chain.map((built) => ({ ...built.proposed.block, txBytes: [...built.proposed.block.txBytes] }));
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
            const built = chain[next] as Built;
            const executed = await ledger.applyBlock(coldBlocks[next++] as DecodedBlock, built.precomputed);
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

/**
 * Runs every case; `BENCH_STORE_CASES` (comma-separated: apply, commit, verify) runs some,
 * for quick re-measurement while working on one of them.
 */
export async function run(): Promise<BenchTable> {
  const wanted = new Set((process.env.BENCH_STORE_CASES ?? 'apply,commit,verify').split(','));
  const notes: string[] = [];
  const rows: BenchRow[] = [];
  if (wanted.has('apply')) rows.push(...(await applyCase(1000, 12 * 5, notes)));
  if (wanted.has('commit')) {
    rows.push(...(await commitCase(100, 40, 12, notes)));
    rows.push(...(await commitCase(1000, 8, 12, notes)));
  }
  if (wanted.has('verify')) rows.push(...(await verifyCase(120, 1000, notes)));
  notes.push(`machine: ${JSON.stringify(machine())}`);
  return { name: wanted.size === 3 ? 'store' : `store-${[...wanted].join('-')}`, rows, notes };
}
