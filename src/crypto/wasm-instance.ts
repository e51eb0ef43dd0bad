/**
 * One instance of the project's WebAssembly module and its io region, on any platform: this
 * file uses nothing but the `WebAssembly` global, `TextDecoder` and typed arrays, so a browser
 * runs it as Node does. Where the compiled module comes from is the caller's business:
 * `wasm.ts` reads `build/<build>.wasm` with node:fs (or takes a pool's module from
 * `workerData`) and instantiates it synchronously on import; the verifier (`src/verify/`)
 * compiles the bytes, URL or module its caller hands to `initVerifier` and instantiates it
 * asynchronously (browsers refuse large synchronous compiles on their main thread).
 *
 * Memory (docs/architecture.md, "Crypto"): the module runs with AssemblyScript's `stub` runtime and
 * never allocates on its own. Its constants and fixed scratch buffers are static data below
 * `__heap_base`; everything from `ioBase` upwards is the input/output region that the
 * TypeScript side owns. A call writes its inputs there, makes one wasm call, and reads its
 * outputs back. Calls are synchronous and single-threaded per instance, so one region is
 * shared by every primitive without locking.
 */
import { wasmMemoryBytesMax } from '../limits.js';

const pageBytes = 65536;
const ioAlignBytes = 64;

// @types/node does not declare the WebAssembly namespace (only lib.dom does), and pulling in
// DOM typings would pollute every consumer's globals; these are the few shapes we use.
/** A compiled WebAssembly module (an opaque handle that can be posted to workers). */
export interface WasmModuleHandle {
  /** Never present: it only makes the handle a type of its own. */
  readonly __wasmModule?: never;
}
/** The exported linear memory. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(deltaPages: number): number;
}
type WasmImports = Record<string, Record<string, unknown>>;
interface WasmInstanceHandle {
  readonly exports: Record<string, unknown>;
}
interface WasmNamespace {
  Module: new (bytes: Uint8Array) => WasmModuleHandle;
  Instance: new (module: WasmModuleHandle, imports: WasmImports) => WasmInstanceHandle;
  compile(bytes: Uint8Array): Promise<WasmModuleHandle>;
  instantiate(module: WasmModuleHandle, imports: WasmImports): Promise<WasmInstanceHandle>;
}

/** The platform's `WebAssembly` namespace, typed with the few shapes above. */
export const WebAssemblyApi = (globalThis as unknown as { WebAssembly: WasmNamespace }).WebAssembly;

/** Exports every build of the module has; each primitive's file types its own exports. */
export interface WasmCore {
  readonly memory: WasmMemory;
  heapBase(): number;
}

/** One instance: its exports and the io region above its static data. */
export interface WasmInstance {
  /** The instance's exports; a primitive's file casts this to its own typed interface. */
  readonly exports: WasmCore & Record<string, unknown>;
  /** First byte of the input/output region (above all static data), 64-byte aligned. */
  readonly ioBase: number;
  /** The current byte view of the instance's memory; re-made after the memory grows. */
  readonly memoryU8: () => Uint8Array;
  /**
   * Ensures `[ioBase, ioBase + bytes)` is inside the memory, growing it if needed, and returns
   * `ioBase`. `where` names the public function on whose behalf the memory is needed.
   */
  readonly reserveIo: (bytes: number, where?: string) => number;
}

const utf16Decoder = new TextDecoder('utf-16le');

/**
 * The import object every instance takes (`env.abort`, which AssemblyScript calls on a failed
 * assertion), and the hook that tells it the instance's memory once there is one.
 */
function abortImports(): { imports: WasmImports; bind(memory: WasmMemory): void } {
  let memoryRef: WasmMemory | undefined;
  // Decodes an AssemblyScript string (UTF-16LE, byte length at ptr − 4) for abort messages.
  const readAscString = (ptr: number): string => {
    if (memoryRef === undefined || ptr === 0) return '';
    const byteLength = new DataView(memoryRef.buffer).getUint32(ptr - 4, true);
    return utf16Decoder.decode(new Uint8Array(memoryRef.buffer, ptr, byteLength));
  };
  const imports: WasmImports = {
    env: {
      abort(messagePtr: number, filePtr: number, line: number, column: number): never {
        const message = readAscString(messagePtr);
        const file = readAscString(filePtr);
        throw new Error(`consortium-ledger wasm abort: ${message} at ${file}:${line}:${column}`);
      },
    },
  };
  return {
    imports,
    bind(memory) {
      memoryRef = memory;
    },
  };
}

/** Wraps a fresh instance's exports with its io region and memory helpers. */
function wrapInstance(handle: WasmInstanceHandle, bind: (memory: WasmMemory) => void): WasmInstance {
  const exports = handle.exports as unknown as WasmCore & Record<string, unknown>;
  if (typeof exports.heapBase !== 'function' || !(exports.memory?.buffer instanceof ArrayBuffer)) {
    throw new Error(
      "consortium-ledger: the module exports no memory and heapBase(): it is not consortium-ledger's wasm",
    );
  }
  bind(exports.memory);
  const ioBase = Math.ceil(exports.heapBase() / ioAlignBytes) * ioAlignBytes;
  let viewU8 = new Uint8Array(exports.memory.buffer);

  const memoryU8 = (): Uint8Array => {
    if (viewU8.buffer !== exports.memory.buffer) viewU8 = new Uint8Array(exports.memory.buffer);
    return viewU8;
  };

  // Memory never shrinks, so a large batch raises the high-water mark once.
  const reserveIo = (bytes: number, where = 'consortium-ledger'): number => {
    const end = ioBase + bytes;
    if (end > wasmMemoryBytesMax) {
      throw new RangeError(
        `${where}: input too large for wasm memory: needs ${end} bytes, limit ${wasmMemoryBytesMax}`,
      );
    }
    const memory = exports.memory;
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
  };

  return { exports, ioBase, memoryU8, reserveIo };
}

/** Instantiates a compiled module synchronously (Node, workers: the module is small). */
export function instantiateWasm(module: WasmModuleHandle): WasmInstance {
  const { imports, bind } = abortImports();
  return wrapInstance(new WebAssemblyApi.Instance(module, imports), bind);
}

/** Instantiates a compiled module asynchronously (a browser's main thread may refuse the synchronous form). */
export async function instantiateWasmAsync(module: WasmModuleHandle): Promise<WasmInstance> {
  const { imports, bind } = abortImports();
  return wrapInstance(await WebAssemblyApi.instantiate(module, imports), bind);
}
