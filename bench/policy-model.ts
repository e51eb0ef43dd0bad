/**
 * `npx tsx bench/policy-model.ts`: the Ed25519 batch policy on a model batch whose operations
 * count their cost in units of one single verification (the policy's own cost table), for the
 * layouts of bad signatures the adversarial benchmark uses. A quick way to compare policies
 * without the wasm: prints the cost after the first check, in units of n single verifications.
 */
import {
  checkCostPerItem,
  differenceCost,
  type PreparedBatch,
  settleBatch,
} from '../src/crypto/ed25519-batch-policy.js';

class CostModel implements PreparedBatch {
  readonly count: number;
  cost = 0;
  checks = 0;
  readonly #bad: Int32Array;
  readonly #slots = new Map<number, number>();

  constructor(n: number, bad: ReadonlySet<number>) {
    this.count = n;
    this.#bad = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) this.#bad[i + 1] = (this.#bad[i] as number) + (bad.has(i) ? 1 : 0);
  }

  #badIn(from: number, to: number): number {
    return (this.#bad[to] as number) - (this.#bad[from] as number);
  }

  checkInto(from: number, to: number, slot: number): boolean {
    if (this.checks++ > 0) this.cost += (to - from) * checkCostPerItem(to - from);
    this.#slots.set(slot, this.#badIn(from, to));
    return this.#badIn(from, to) === 0;
  }

  checkDifference(whole: number, part: number, out: number): boolean {
    this.cost += differenceCost;
    const rest = (this.#slots.get(whole) as number) - (this.#slots.get(part) as number);
    this.#slots.set(out, rest);
    return rest === 0;
  }

  accept(): void {}

  verifySingly(from: number, to: number): number {
    this.cost += to - from;
    return to - from - this.#badIn(from, to);
  }
}

const n = 16_384;
const layouts: Record<string, Set<number>> = {
  'one bad': new Set([5000]),
  '0.1 % spread (every 997th)': new Set(Array.from({ length: 16 }, (_, k) => 996 + 997 * k)),
  '0.1 % from one sender (every 256th from 0)': new Set(Array.from({ length: 16 }, (_, k) => 256 * k)),
  '1 % spread (every 100th)': new Set(Array.from({ length: 163 }, (_, k) => 99 + 100 * k)),
  '1 % from 3 senders': new Set(Array.from({ length: 163 }, (_, k) => 256 * Math.floor(k / 3) + (k % 3))),
  '10 % spread': new Set(Array.from({ length: 1638 }, (_, k) => 9 + 10 * k)),
  'all bad': new Set(Array.from({ length: n }, (_, k) => k)),
};
for (const [name, bad] of Object.entries(layouts)) {
  const model = new CostModel(n, bad);
  settleBatch(model);
  console.log(`${name.padEnd(44)} ${(model.cost / n).toFixed(3)} n  (${model.checks} checks)`);
}
