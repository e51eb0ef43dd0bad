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
  // Two raw databases: the chained and the array peer each write every block once.
  const raw = new Level<Uint8Array, Uint8Array>(join(dir, 'raw'), { keyEncoding: 'view', valueEncoding: 'view' });
  const rawArray = new Level<Uint8Array, Uint8Array>(join(dir, 'raw-array'), {
    keyEncoding: 'view',
    valueEncoding: 'view',
  });
  await rawArray.open();
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
  let rawArrayNext = 0;
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
        impl: 'raw level chained batch (same bytes, sync)',
        fn: async () => {
          for (let i = 0; i < blocksPerRound; i++) {
            const batch = raw.batch();
            for (const op of rawOps(chain[rawNext++] as Built)) {
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
            await rawArray.batch(rawOps(chain[rawArrayNext++] as Built) as never, { sync: true } as never);
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
  await raw.close();
  await rawArray.close();

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
