import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ioBase, memoryU8, reserveIo, wasmBuild, wasmExports, wasmModule } from '../../src/crypto/wasm.js';
import { sha256 } from '../../src/index.js';

interface ModuleStatics {
  customSections(module: unknown, name: string): ArrayBuffer[];
  exports(module: unknown): { name: string }[];
  new (bytes: Uint8Array): unknown;
}
const WasmModule = (globalThis as unknown as { WebAssembly: { Module: ModuleStatics } }).WebAssembly.Module;

describe('wasm loader', () => {
  it('loads the build the project asks for (the debug-wasm project runs on build/debug.wasm)', ({ task }) => {
    // From the vitest project running this file, not from the loader's own rule.
    const expected = task.file.projectName === 'debug-wasm' ? 'debug' : 'release';
    expect(wasmBuild).toBe(expected);
    // The debug target keeps function names and a source map reference; release strips them.
    const names = WasmModule.customSections(wasmModule, 'name');
    if (expected === 'debug') expect(names.length).toBeGreaterThan(0);
    else expect(names.length).toBe(0);
    const fileBytes = readFileSync(new URL(`../../build/${expected}.wasm`, import.meta.url));
    expect(WasmModule.customSections(new WasmModule(fileBytes), 'name').length).toBe(names.length);
  });

  it('test hooks are exported by the debug build only', () => {
    const names = WasmModule.exports(wasmModule).map((entry) => entry.name);
    const hooks = names.filter((name) => /Scalar|Field|SetPippenger/.test(name));
    if (wasmBuild === 'debug') expect(hooks).toEqual(expect.arrayContaining(['sha256ManyScalar', 'ed25519FieldMul']));
    else expect(hooks).toEqual([]);
    // The old all-in-one batch export is gone: batches are prepared, then checked by a policy.
    expect(names).not.toContain('ed25519VerifyBatch');
    expect(names).toContain('ed25519BatchPrepare');
  });

  it('the io region starts above all static data, 64-byte aligned', () => {
    expect(ioBase % 64).toBe(0);
    expect(ioBase).toBeGreaterThanOrEqual(wasmExports.heapBase());
  });

  it('memory grows on demand and views are refreshed after growth', () => {
    const before = memoryU8().buffer.byteLength;
    const base = reserveIo(before + (1 << 20));
    expect(base).toBe(ioBase);
    expect(memoryU8().buffer.byteLength).toBeGreaterThanOrEqual(ioBase + before + (1 << 20));
    expect(Buffer.from(sha256(Buffer.from('abc'))).toString('hex')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('refuses a region past the wasm32 ceiling with a RangeError, and keeps working', () => {
    expect(() => reserveIo(2 ** 33)).toThrow(/too large for wasm memory/);
    expect(sha256(new Uint8Array(3)).length).toBe(32);
  });
});
