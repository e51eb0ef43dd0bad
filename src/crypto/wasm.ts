/**
 * Loads the project's one WebAssembly module, once per thread, synchronously on import
 * (import-time work: this file is listed under `sideEffects` in package.json).
 *
 * The module is small (tens of KiB), so `new WebAssembly.Module(bytes)` on import costs
 * little and lets `import { sha256 } from 'consortium-ledger'` be ready to call. A worker
 * thread compiles nothing: the pool hands it the main thread's compiled module through
 * `workerData[wasmModuleKey]`, and the worker only instantiates it.
 *
 * This file is the Node loader (node:fs, `workerData`, `process.env`); instantiating a module
 * and managing its io region is `wasm-instance.ts`, which has no Node dependency, so the
 * browser verifier (`src/verify/`) instantiates the same module the same way. The memory
 * layout is described there.
 *
 * We do not use `@assemblyscript/loader` or asc's generated bindings: every export takes and
 * returns plain numbers (pointers and counts), so a loader would only add a layer of
 * wrappers on the hot path.
 */
import { readFileSync } from 'node:fs';
import { workerData } from 'node:worker_threads';
import { packageRoot } from '../package-root.js';
import { instantiateWasm, type WasmCore, type WasmModuleHandle, WebAssemblyApi } from './wasm-instance.js';

export type { WasmCore, WasmMemory, WasmModuleHandle } from './wasm-instance.js';

/** Key under which a pool passes the compiled module to its workers in `workerData`. */
export const wasmModuleKey = 'consortiumLedgerWasmModule';

/** Which build to load: `release` (default) or `debug` (assertions on; the tests run both). */
export const wasmBuild: 'release' | 'debug' = process.env.CONSORTIUM_LEDGER_WASM === 'debug' ? 'debug' : 'release';

function moduleFromWorkerData(): WasmModuleHandle | undefined {
  const data: unknown = workerData;
  if (typeof data !== 'object' || data === null) return undefined;
  const candidate = (data as Record<string, unknown>)[wasmModuleKey];
  return candidate instanceof WebAssemblyApi.Module ? candidate : undefined;
}

function compileModule(): WasmModuleHandle {
  const url = new URL(`build/${wasmBuild}.wasm`, packageRoot(import.meta.url));
  let bytes: Buffer;
  try {
    bytes = readFileSync(url);
  } catch (cause) {
    // The published package ships build/release.wasm only: the debug build (assertions on) is
    // for this repository's tests, so say so rather than suggest a build script it lacks.
    const remedy =
      wasmBuild === 'debug'
        ? 'the debug build is not in the published package (it ships build/release.wasm only); unset CONSORTIUM_LEDGER_WASM, or run `npm run build` in a clone of the repository'
        : 'run `npm run build` to build the wasm';
    throw new Error(`consortium-ledger: cannot read ${url.pathname}; ${remedy}`, { cause });
  }
  return new WebAssemblyApi.Module(bytes);
}

/** The compiled module; hand it to workers so they do not compile it again. */
export const wasmModule: WasmModuleHandle = moduleFromWorkerData() ?? compileModule();

const instance = instantiateWasm(wasmModule);

/** The instance's exports; a primitive's file casts this to its own typed interface. */
export const wasmExports: WasmCore & Record<string, unknown> = instance.exports;

/** First byte of the input/output region (above all static data), 64-byte aligned. */
export const ioBase: number = instance.ioBase;

/** The current byte view of wasm memory; re-made after the memory grows. */
export const memoryU8: () => Uint8Array = instance.memoryU8;

/**
 * Ensures `[ioBase, ioBase + bytes)` is inside wasm memory, growing it if needed, and
 * returns `ioBase`. Memory never shrinks, so a large batch raises the high-water mark once.
 * `where` names the public function on whose behalf the memory is needed, for the error.
 *
 * @throws RangeError past the wasm32 ceiling, or if the host refuses to grow the memory.
 */
export const reserveIo: (bytes: number, where?: string) => number = instance.reserveIo;
