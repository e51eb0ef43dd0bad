// Field arithmetic mod p = 2^255 - 19 (assembly/ed25519/field.ts) through its test hooks,
// against BigInt, over the whole input range the point formulas use: limbs up to
// 1.65 * 2^26 (even) / 2^25 (odd), i.e. sums and differences of up to three carried elements.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import '../../src/crypto/ed25519.js';
import { memoryU8, reserveIo, wasmBuild, wasmExports } from '../../src/crypto/wasm.js';
import { bytesToBigintLE as bytesToBigint, bigintToBytesLE as toBytes } from '../support/bigint.js';
import { fuzzParams } from '../support/fuzz.js';

const p = 2n ** 255n - 19n;
const limbShift = [0n, 26n, 51n, 77n, 102n, 128n, 153n, 179n, 204n, 230n];
const evenMax = Math.floor(1.65 * 2 ** 26);
const oddMax = Math.floor(1.65 * 2 ** 25);

interface FieldHooks {
  ed25519FieldMul(out: number, f: number, g: number): void;
  ed25519FieldSq(out: number, f: number): void;
  ed25519FieldSq2(out: number, f: number): void;
  ed25519FieldSqN(out: number, f: number, n: number): void;
  ed25519FieldSqN2(out0: number, out1: number, f: number, g: number, n: number): void;
  ed25519FieldPow22523Pair(out0: number, out1: number, f: number, g: number): void;
  ed25519FieldInvert(out: number, f: number): void;
  ed25519FieldPow22523(out: number, f: number): void;
  ed25519FieldToBytes(out: number, f: number): void;
  ed25519FieldFromBytes(out: number, s: number): void;
}
const hooks = wasmExports as unknown as FieldHooks;

type Limbs = readonly number[];

function mod(value: bigint): bigint {
  return ((value % p) + p) % p;
}
function limbsValue(limbs: Limbs): bigint {
  let value = 0n;
  for (let i = 0; i < 10; i++) value += BigInt(limbs[i] as number) << (limbShift[i] as bigint);
  return value;
}
function power(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  let b = mod(base);
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % p;
    b = (b * b) % p;
  }
  return result;
}

// Writes the operands at io offsets 0 and 40, runs `call` (output at offset 80), returns the
// output limbs.
function run(call: (out: number, f: number, g: number) => void, f: Limbs, g: Limbs = f): number[] {
  const base = reserveIo(160);
  const view = new DataView(memoryU8().buffer);
  for (let i = 0; i < 10; i++) {
    view.setInt32(base + 4 * i, f[i] as number, true);
    view.setInt32(base + 40 + 4 * i, g[i] as number, true);
  }
  call(base + 80, base, base + 40);
  const out = new DataView(memoryU8().buffer);
  return Array.from({ length: 10 }, (_, i) => out.getInt32(base + 80 + 4 * i, true));
}

// A carried element (the output of mul/sq) has limbs within about 2^25 (even) / 2^24 (odd).
function expectCarried(limbs: Limbs): void {
  for (let i = 0; i < 10; i++) {
    const bound = i % 2 === 0 ? 1.01 * 2 ** 25 : 1.01 * 2 ** 24;
    expect(Math.abs(limbs[i] as number)).toBeLessThanOrEqual(bound);
  }
}

const limbsArbitrary = fc.tuple(
  ...Array.from({ length: 10 }, (_, i) =>
    i % 2 === 0 ? fc.integer({ min: -evenMax, max: evenMax }) : fc.integer({ min: -oddMax, max: oddMax }),
  ),
);
const extremes: Limbs[] = [
  Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? evenMax : oddMax)),
  Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? -evenMax : -oddMax)),
  Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? evenMax : -oddMax)),
  Array.from({ length: 10 }, () => 0),
  [1, 0, 0, 0, 0, 0, 0, 0, 0, 0],
];

// Carried operands for the exponentiations (their inputs are always mul/sq outputs).
function carried(limbs: Limbs): number[] {
  return run((out, f) => hooks.ed25519FieldMul(out, f, f + 40), limbs, [1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
}

// The hooks are exported by the debug build only; the debug-wasm project runs this file.
describe.runIf(wasmBuild === 'debug')('ed25519 field arithmetic mod 2^255 - 19', () => {
  it('mul equals BigInt and returns a carried element, over the full operand range', () => {
    for (const f of extremes)
      for (const g of extremes) {
        const out = run((o, a, b) => hooks.ed25519FieldMul(o, a, b), f, g);
        expect(mod(limbsValue(out))).toBe(mod(limbsValue(f) * limbsValue(g)));
        expectCarried(out);
      }
    fc.assert(
      fc.property(limbsArbitrary, limbsArbitrary, (f, g) => {
        const out = run((o, a, b) => hooks.ed25519FieldMul(o, a, b), f, g);
        expect(mod(limbsValue(out))).toBe(mod(limbsValue(f) * limbsValue(g)));
        expectCarried(out);
      }),
      fuzzParams(10),
    );
  });

  it('sq, sq2 and sqN equal BigInt powers', () => {
    const check = (f: Limbs) => {
      const value = limbsValue(f);
      const square = run((o, a) => hooks.ed25519FieldSq(o, a), f);
      expect(mod(limbsValue(square))).toBe(mod(value * value));
      expectCarried(square);
      const double = run((o, a) => hooks.ed25519FieldSq2(o, a), f);
      expect(mod(limbsValue(double))).toBe(mod(2n * value * value));
      expectCarried(double);
      const fourth = run((o, a) => hooks.ed25519FieldSqN(o, a, 5), f);
      expect(mod(limbsValue(fourth))).toBe(power(value, 32n));
      expectCarried(fourth);
    };
    for (const f of extremes) check(f);
    fc.assert(fc.property(limbsArbitrary, check), fuzzParams(5));
  });

  it('invert gives the inverse (0 for 0), and pow22523 gives f^((p-5)/8)', () => {
    const check = (f: Limbs) => {
      const operand = carried(f);
      const value = mod(limbsValue(operand));
      const inverse = run((o, a) => hooks.ed25519FieldInvert(o, a), operand);
      expect(mod(limbsValue(inverse) * value)).toBe(value === 0n ? 0n : 1n);
      const root = run((o, a) => hooks.ed25519FieldPow22523(o, a), operand);
      expect(mod(limbsValue(root))).toBe(power(value, (p - 5n) / 8n));
    };
    for (const f of extremes) check(f);
    fc.assert(fc.property(limbsArbitrary, check), fuzzParams(0.5));
  });

  it('toBytes gives the canonical encoding and fromBytes reads y >= p unreduced', () => {
    const encode = (f: Limbs) => {
      const base = reserveIo(80);
      const view = new DataView(memoryU8().buffer);
      for (let i = 0; i < 10; i++) view.setInt32(base + 4 * i, f[i] as number, true);
      hooks.ed25519FieldToBytes(base + 40, base);
      return bytesToBigint(memoryU8().slice(base + 40, base + 72));
    };
    for (const f of extremes) expect(encode(f)).toBe(mod(limbsValue(f)));
    fc.assert(
      fc.property(limbsArbitrary, (f) => {
        expect(encode(f)).toBe(mod(limbsValue(f)));
      }),
      fuzzParams(5),
    );
    for (const value of [0n, 1n, p - 1n, p, p + 1n, 2n ** 255n - 1n, 2n ** 256n - 1n]) {
      const base = reserveIo(80);
      memoryU8().set(toBytes(value & (2n ** 256n - 1n)), base);
      hooks.ed25519FieldFromBytes(base + 40, base);
      const view = new DataView(memoryU8().buffer);
      const limbs = Array.from({ length: 10 }, (_, i) => view.getInt32(base + 40 + 4 * i, true));
      expect(limbsValue(limbs)).toBe(value & (2n ** 255n - 1n));
    }
  });

  it('the two-lane sqN2 and pow22523Pair give, limb for limb, what sqN and pow22523 give', () => {
    const check = (f: Limbs, g: Limbs, n: number) => {
      const a = carried(f);
      const b = carried(g);
      // The one-lane results first: run() and the pair below share the io region.
      const squaredA = run((o, x) => hooks.ed25519FieldSqN(o, x, n), a);
      const squaredB = run((o, x) => hooks.ed25519FieldSqN(o, x, n), b);
      const rootA = run((o, x) => hooks.ed25519FieldPow22523(o, x), a);
      const rootB = run((o, x) => hooks.ed25519FieldPow22523(o, x), b);
      const base = reserveIo(240);
      const view = new DataView(memoryU8().buffer);
      for (let i = 0; i < 10; i++) {
        view.setInt32(base + 4 * i, a[i] as number, true);
        view.setInt32(base + 40 + 4 * i, b[i] as number, true);
      }
      hooks.ed25519FieldSqN2(base + 80, base + 120, base, base + 40, n);
      hooks.ed25519FieldPow22523Pair(base + 160, base + 200, base, base + 40);
      const out = new DataView(memoryU8().buffer);
      const limbsAt = (at: number) => Array.from({ length: 10 }, (_, i) => out.getInt32(at + 4 * i, true));
      expect(limbsAt(base + 80)).toEqual(squaredA);
      expect(limbsAt(base + 120)).toEqual(squaredB);
      expect(limbsAt(base + 160)).toEqual(rootA);
      expect(limbsAt(base + 200)).toEqual(rootB);
    };
    for (const f of extremes) for (const g of extremes) check(f, g, 3);
    fc.assert(fc.property(limbsArbitrary, limbsArbitrary, fc.integer({ min: 1, max: 12 }), check), fuzzParams(1));
  });
});
