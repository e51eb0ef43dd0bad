/**
 * Run in a fresh process by bench/hash.ts: how long the very first calls take (module load,
 * V8's baseline-compiled wasm) against the same calls once warm.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';

const t0 = performance.now();
const { merkleRoot, sha256Many } = await import('../src/index.js');
const importMs = performance.now() - t0;

const leaves = Array.from({ length: 1 << 20 }, () => randomBytes(32));
const messages = Array.from({ length: 1024 }, () => randomBytes(64));

function time(fn: () => unknown): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}
const manyFirst = time(() => sha256Many(messages));
const rootFirst = time(() => merkleRoot(leaves));
let rootWarm = Number.POSITIVE_INFINITY;
for (let i = 0; i < 5; i++)
  rootWarm = Math.min(
    rootWarm,
    time(() => merkleRoot(leaves)),
  );
const manyWarm = Math.min(...Array.from({ length: 20 }, () => time(() => sha256Many(messages))));
console.log(
  `import ${importMs.toFixed(1)} ms; sha256Many(1024×64 B) first ${manyFirst.toFixed(2)} ms vs warm ${manyWarm.toFixed(2)} ms; ` +
    `merkleRoot(2^20) first ${rootFirst.toFixed(0)} ms vs warm ${rootWarm.toFixed(0)} ms`,
);
