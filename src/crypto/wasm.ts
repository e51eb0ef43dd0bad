/**
 * Loads the project's one WebAssembly module, once per thread, synchronously on import
 * (import-time work: this file is listed under `sideEffects` in package.json).
 *
 * The module is small (tens of KiB), so `new WebAssembly.Module(bytes)` on import costs
 * little and lets `import { sha256 } from 'consortium-ledger'` be ready to call. A worker
 * thread compiles nothing: the pool hands it the main thread's compiled module through
 * `workerData[wasmModuleKey]`, and the worker only instantiates it.
 *
 * Memory (docs/architecture.md, "Crypto"): the module runs with AssemblyScript's `stub` runtime and
 * never allocates on its own. Its constants and fixed scratch buffers are static data below
 * `__heap_base`; everything from `ioBase` upwards is the input/output region that the
 * TypeScript side owns. A call writes its inputs there, makes one wasm call, and reads its
 * outputs back. Calls are synchronous and single-threaded per instance, so one region is
 * shared by every primitive without locking.
 *
 * We do not use `@assemblyscript/loader` or asc's generated bindings: every export takes and
 * returns plain numbers (pointers and counts), so a loader would only add a layer of
 * wrappers on the hot path.
 */
import { readFileSync } from 'node:fs';
import { workerData } from 'node:worker_threads';
import { wasmMemoryBytesMax } from '../limits.js';
import { packageRoot } from '../package-root.js';

/** Key under which a pool passes the compiled module to its workers in `workerData`. */
export const wasmModuleKey = 'consortiumLedgerWasmModule';

/** Which build to load: `release` (default) or `debug` (assertions on; the tests run both). */
export const wasmBuild: 'release' | 'debug' = process.env.CONSORTIUM_LEDGER_WASM === 'debug' ? 'debug' : 'release';

const pageBytes = 65536;

// @types/node does not declare the WebAssembly namespace (only lib.dom does), and pulling in
// DOM typings would pollute every consumer's globals; these are the few shapes we use.
/** A compiled WebAssembly module (an opaque handle that can be posted to workers). */
export interface WasmModuleHandle {
  readonly __wasmModule?: never;
}
/** The exported linear memory. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(deltaPages: number): number;
}
interface WasmNamespace {
  Module: new (bytes: Uint8Array) => WasmModuleHandle;
  Instance: new (
    module: WasmModuleHandle,
    imports: Record<string, Record<string, unknown>>,
  ) => { readonly exports: Record<string, unknown> };
}
const WebAssemblyApi = (globalThis as unknown as { WebAssembly: WasmNamespace }).WebAssembly;
const ioAlignBytes = 64;

/** Exports every build of the module has; each primitive's file types its own exports. */
export interface WasmCore {
  readonly memory: WasmMemory;
  heapBase(): number;
}

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

let memoryRef: WasmMemory | undefined;

/** Decodes an AssemblyScript string (UTF-16LE, byte length at ptr − 4) for abort messages. */
function readAscString(ptr: number): string {
  if (memoryRef === undefined || ptr === 0) return '';
  const view = new DataView(memoryRef.buffer);
  const byteLength = view.getUint32(ptr - 4, true);
  return Buffer.from(memoryRef.buffer, ptr, byteLength).toString('utf16le');
}

const instance = new WebAssemblyApi.Instance(wasmModule, {
  env: {
    abort(messagePtr: number, filePtr: number, line: number, column: number): never {
      const message = readAscString(messagePtr);
      const file = readAscString(filePtr);
      throw new Error(`consortium-ledger wasm abort: ${message} at ${file}:${line}:${column}`);
    },
  },
});

/** The instance's exports; a primitive's file casts this to its own typed interface. */
export const wasmExports = instance.exports as unknown as WasmCore & Record<string, unknown>;
memoryRef = wasmExports.memory;

/** First byte of the input/output region (above all static data), 64-byte aligned. */
export const ioBase = Math.ceil(wasmExports.heapBase() / ioAlignBytes) * ioAlignBytes;

let viewU8 = new Uint8Array(memoryRef.buffer);

/** The current byte view of wasm memory; re-made after the memory grows. */
export function memoryU8(): Uint8Array {
  if (viewU8.buffer !== wasmExports.memory.buffer) viewU8 = new Uint8Array(wasmExports.memory.buffer);
  return viewU8;
}

/**
 * Ensures `[ioBase, ioBase + bytes)` is inside wasm memory, growing it if needed, and
 * returns `ioBase`. Memory never shrinks, so a large batch raises the high-water mark once.
 * `where` names the public function on whose behalf the memory is needed, for the error.
 *
 * @throws RangeError past the wasm32 ceiling, or if the host refuses to grow the memory.
 */
export function reserveIo(bytes: number, where = 'consortium-ledger'): number {
  const end = ioBase + bytes;
  if (end > wasmMemoryBytesMax) {
    throw new RangeError(`${where}: input too large for wasm memory: needs ${end} bytes, limit ${wasmMemoryBytesMax}`);
  }
  const memory = wasmExports.memory;
  const have = memory.buffer.byteLength;
  if (end > have) {
    try {
      memory.grow(Math.ceil((end - have) / pageBytes));
    } catch (cause) {
      // V8 throws a RangeError when the host cannot reserve the pages; say whose call it was.
      throw new RangeError(`${where}: cannot grow wasm memory to ${end} bytes: ${(cause as Error).message}`, {
        cause,
      });
    }
  }
  return ioBase;
}
