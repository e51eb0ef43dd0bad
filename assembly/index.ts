// The project's one WebAssembly module (DESIGN.md: assembly/ → one .wasm).
// Each primitive lives in its own file; this entry re-exports their wasm-facing functions.
// Memory convention (see src/crypto/wasm.ts): static constants and fixed scratch buffers are
// `memory.data` segments below __heap_base; the TypeScript side owns everything above it.

/** First byte above all static data: the TypeScript side's input/output region starts here. */
export function heapBase(): usize {
  return __heap_base;
}

export { merkleLeafHashes, merkleLeafHashes32, merkleNodeLevel, merklePathStep, sha256, sha256Many } from './sha256';
export * from './ed25519/index';
