/**
 * State tree benchmark (`npx tsx bench/state-tree.ts [keys] [blocks]`): builds a tree of
 * `keys` (default 1,000,000) through `update` in batches of 65,536, then times blocks of
 * 3,000 changed keys (2,000 updates, 500 inserts, 500 deletes) — the ledger's block at
 * ~1,000 txs × 3 keys — and prove + verify. Prints a table; timing never fails anything.
 *
 * For the floor it also times the same number of bare node hashes as one wasm level call
 * (`wasmMerkleNodeLevel` over contiguous pairs, no gather/scatter), so the table shows what
 * share of a block is hashing and what is the tree's own work.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { sha256ManyPacked, wasmMerkleNodeLevel } from '../src/crypto/sha256.js';
import { reserveIo } from '../src/crypto/wasm.js';
import { type StateChange, StateTree, verifyStateProof } from '../src/ledger/state-tree.js';

const keyCount = Number(process.argv[2] ?? 1_000_000);
const blockCount = Number(process.argv[3] ?? 40);
const buildBatch = 65_536;
const blockKeys = 3_000;

const keyOf = (i: number): Uint8Array => new TextEncoder().encode(`acct/${i.toString(36)}/balance`);
const randomValue = (): Uint8Array => randomBytes(40);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1] as number;
}

const tree = new StateTree();
let buildMs = 0;
for (let start = 0; start < keyCount; start += buildBatch) {
  const changes: StateChange[] = [];
  for (let i = start; i < Math.min(start + buildBatch, keyCount); i++)
    changes.push({ key: keyOf(i), value: randomValue() });
  const t0 = performance.now();
  tree.update(changes);
  buildMs += performance.now() - t0;
}
const heapMb = process.memoryUsage().arrayBuffers / 2 ** 20;
console.log(
  `build: ${tree.size.toLocaleString()} keys in ${(buildMs / 1000).toFixed(2)} s through update ` +
    `(${((tree.size / buildMs) * 1000).toFixed(0)} keys/s); typed arrays ${heapMb.toFixed(0)} MiB`,
);

// Blocks: updates of live keys, inserts of new keys, deletes of live keys; ids rotate so the
// tree stays near `keyCount` keys.
let nextNew = keyCount;
let nextDelete = 0;
const blockMs: number[] = [];
// CPU time too: the development machine is shared, and wall time includes other tenants' turns.
const blockCpuMs: number[] = [];
const hashedMs: number[] = [];
const hashesPerKey: number[] = [];
const nodeHashesPerBlock: number[] = [];
const hashCalls: number[] = [];
for (let b = 0; b < blockCount; b++) {
  const changes: StateChange[] = [];
  for (let i = 0; i < 2_000; i++) {
    changes.push({
      key: keyOf(nextDelete + 1 + Math.floor(Math.random() * (nextNew - nextDelete - 1))),
      value: randomValue(),
    });
  }
  for (let i = 0; i < 500; i++) changes.push({ key: keyOf(nextNew++), value: randomValue() });
  for (let i = 0; i < 500; i++) changes.push({ key: keyOf(nextDelete++), value: undefined });
  // Every other block goes through updateHashed with the hashes precomputed, to separate the
  // key/value hashing from the tree's work.
  if (b % 2 === 0) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    tree.update(changes);
    blockMs.push(performance.now() - t0);
    blockCpuMs.push(process.cpuUsage(c0).user / 1000);
  } else {
    const keyHashes = sha256ManyPacked(changes.map((c) => c.key));
    const keys = changes.map((_, i) => keyHashes.subarray(32 * i, 32 * i + 32));
    const values = changes.map((c) => (c.value === undefined ? undefined : sha256ManyPacked([c.value])));
    const t0 = performance.now();
    tree.updateHashed(keys, values);
    hashedMs.push(performance.now() - t0);
  }
  const stats = tree.lastUpdateStats;
  hashesPerKey.push((stats.leafHashes + stats.nodeHashes) / blockKeys);
  nodeHashesPerBlock.push(stats.nodeHashes);
  hashCalls.push(stats.hashCalls);
}
// The first blocks run while V8 tiers up; report the second half.
const warm = (values: number[]): number[] => values.slice(values.length >> 1);
const nodeHashes = median(nodeHashesPerBlock);
const floorMs: number[] = [];
const base = reserveIo(nodeHashes * 64);
for (let i = 0; i < 20; i++) {
  const t0 = performance.now();
  wasmMerkleNodeLevel(base, nodeHashes, base);
  floorMs.push(performance.now() - t0);
}
console.log(
  `block of ${blockKeys} keys (2,000 updates, 500 inserts, 500 deletes) on ${tree.size.toLocaleString()} keys:\n` +
    `  update():        median ${median(warm(blockMs)).toFixed(2)} ms, min ${Math.min(...warm(blockMs)).toFixed(2)} ms ` +
    `(CPU ${median(warm(blockCpuMs)).toFixed(2)} ms)\n` +
    `  updateHashed():  median ${median(warm(hashedMs)).toFixed(2)} ms (hashes given)\n` +
    `  hashes per changed key: ${median(hashesPerKey).toFixed(1)} (leaf + node; plus 2 SHA-256 of key and value in update())\n` +
    `  node hashes per block: ${nodeHashes}, wasm hash calls per block: ${median(hashCalls)}\n` +
    `  floor: ${nodeHashes} node hashes in one contiguous wasm call: ${median(floorMs).toFixed(2)} ms`,
);

// Proofs: 1,000 present keys (given known values first) and 1,000 absent keys.
const presentIds = new Set<number>();
while (presentIds.size < 1_000) presentIds.add(nextDelete + Math.floor(Math.random() * (nextNew - nextDelete)));
const present = [...presentIds].map((id) => ({ key: keyOf(id), value: randomValue() }));
tree.update(present);
const probes: StateChange[] = [...present, ...present.map((_, i) => ({ key: keyOf(nextNew + i), value: undefined }))];
const root = tree.root;
let proveUs = 0;
let verifyUs = 0;
let siblings = 0;
for (let round = 0; round < 3; round++) {
  // Round 0 warms up; the last round is reported.
  const t0 = performance.now();
  const proofs = probes.map((probe) => tree.prove(probe.key));
  const t1 = performance.now();
  for (let i = 0; i < probes.length; i++) {
    const { key, value } = probes[i] as StateChange;
    if (!verifyStateProof(root, key, value, proofs[i] as never)) throw new Error(`proof ${i} failed`);
  }
  const t2 = performance.now();
  proveUs = ((t1 - t0) / probes.length) * 1000;
  verifyUs = ((t2 - t1) / probes.length) * 1000;
  siblings = proofs.reduce((sum, proof) => sum + proof.siblings.length, 0) / proofs.length;
}
console.log(
  `prove ${proveUs.toFixed(1)} µs, verify ${verifyUs.toFixed(1)} µs per key ` +
    `(half present, half absent; ${siblings.toFixed(1)} siblings on average)`,
);
