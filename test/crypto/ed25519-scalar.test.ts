// Scalar arithmetic mod L (assembly/ed25519/scalar.ts) through its test hooks, against BigInt.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import '../../src/crypto/ed25519.js';
import { memoryU8, reserveIo, wasmBuild, wasmExports } from '../../src/crypto/wasm.js';
import { bigintToBytesLE as toBytes } from '../support/bigint.js';
import { fuzzParams } from '../support/fuzz.js';

const L = 2n ** 252n + 27742317777372353535851937790883648493n;

interface ScalarHooks {
  ed25519ScalarReduce64(out: number, src: number): void;
  ed25519ScalarMulAdd(out: number, a: number, b: number, c: number): void;
  ed25519ScalarHalfGcd(rOut: number, tOut: number, k: number): number;
}
const hooks = wasmExports as unknown as ScalarHooks;

function toBigint(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i] as number);
  return value;
}

function reduce64(value: bigint): bigint {
  const base = reserveIo(128);
  memoryU8().set(toBytes(value, 64), base);
  hooks.ed25519ScalarReduce64(base + 64, base);
  return toBigint(memoryU8().slice(base + 64, base + 96));
}

function mulAdd(a: bigint, b: bigint, c: bigint): bigint {
  const base = reserveIo(128);
  const memory = memoryU8();
  memory.set(toBytes(a, 32), base);
  memory.set(toBytes(b, 32), base + 32);
  memory.set(toBytes(c, 32), base + 64);
  hooks.ed25519ScalarMulAdd(base + 96, base, base + 32, base + 64);
  return toBigint(memoryU8().slice(base + 96, base + 128));
}

/** The signed t and the r that the short-scalar reduction of single verification returns. */
function halfGcd(k: bigint): { r: bigint; t: bigint } {
  const base = reserveIo(96);
  memoryU8().set(toBytes(k, 32), base);
  const negative = hooks.ed25519ScalarHalfGcd(base + 32, base + 64, base);
  const memory = memoryU8();
  const magnitude = toBigint(memory.slice(base + 64, base + 96));
  return { r: toBigint(memory.slice(base + 32, base + 64)), t: negative === 1 ? -magnitude : magnitude };
}

function expectShortPair(k: bigint): void {
  const { r, t } = halfGcd(k);
  expect(r >= 0n && r < 2n ** 126n).toBe(true);
  expect(t !== 0n && t > -(2n ** 127n) && t < 2n ** 127n).toBe(true);
  expect((((t * k - r) % L) + L) % L).toBe(0n);
}

const big512 = fc.bigInt({ min: 0n, max: 2n ** 512n - 1n });
const big256 = fc.bigInt({ min: 0n, max: 2n ** 256n - 1n });

// The hooks are exported by the debug build only; the debug-wasm project runs this file.
describe.runIf(wasmBuild === 'debug')('ed25519 scalars mod L', () => {
  it('reduces the edge values of 512-bit input', () => {
    for (const value of [
      0n,
      1n,
      L - 1n,
      L,
      L + 1n,
      2n * L,
      2n ** 252n,
      2n ** 253n - 1n,
      2n ** 256n - 1n,
      2n ** 512n - 1n,
      L * L,
      L * 2n ** 259n - 1n,
    ]) {
      expect(reduce64(value)).toBe(value % L);
    }
  });

  it('reduction of a 512-bit number equals BigInt mod L', () => {
    fc.assert(
      fc.property(big512, (value) => {
        expect(reduce64(value)).toBe(value % L);
      }),
      fuzzParams(5),
    );
  });

  it('a * b + c mod L equals BigInt for 256-bit a, b, c', () => {
    for (const [a, b, c] of [
      [L - 1n, L - 1n, L - 1n],
      [2n ** 256n - 1n, 2n ** 256n - 1n, 2n ** 256n - 1n],
      [0n, 5n, L],
      [1n, L, 0n],
    ] as const) {
      expect(mulAdd(a, b, c)).toBe((a * b + c) % L);
    }
    fc.assert(
      fc.property(big256, big256, big256, (a, b, c) => {
        expect(mulAdd(a, b, c)).toBe((a * b + c) % L);
      }),
      fuzzParams(5),
    );
  });

  it('short scalars: r = t k mod L with r < 2^126 and 0 < |t| < 2^127, for every k < L', () => {
    for (const k of [
      0n,
      1n,
      2n,
      2n ** 126n - 1n,
      2n ** 126n,
      2n ** 126n + 1n,
      2n ** 127n,
      2n ** 252n,
      L - 1n,
      L - 2n,
      (L - 1n) / 2n,
    ]) {
      expectShortPair(k);
    }
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: L - 1n }), (k) => expectShortPair(k)),
      fuzzParams(20),
    );
  });
});
