/**
 * The verifier's one wasm instance and the three primitives it needs from it: SHA-256, the
 * RFC 9162 node hash, and ZIP-215 Ed25519 batch verification (decision 1: verification is
 * ours, in the wasm, so a browser reaches the verdict a node does).
 *
 * Why not `src/crypto/sha256.ts` and `ed25519.ts`: they load the module with node:fs on
 * import, hand large messages to node:crypto and sign with it, so no browser can import them.
 * This file drives the same wasm exports through the same io layouts (`src/crypto/items.ts`'s
 * 16-byte alignment, the packed batch of `ed25519-packed.ts`), on an instance made from what
 * the caller hands `initVerifier` (`src/crypto/wasm-instance.ts`, which has no Node
 * dependency). test/verify/verify.test.ts checks its results against the library's.
 */

import {
  instantiateWasmAsync,
  type WasmInstance,
  type WasmModuleHandle,
  WebAssemblyApi,
} from '../crypto/wasm-instance.js';
import { certificateSignaturesMax } from '../limits.js';
import { fromHex } from './hex.js';

/**
 * Where the verifier's wasm comes from: the bytes of `release.wasm` (`build/release.wasm` in
 * the package, exported as `consortium-ledger/release.wasm`), a compiled
 * `WebAssembly.Module`, or a URL to fetch them from (a browser; Node's `fetch` cannot read
 * `file:` URLs, so in Node pass the bytes).
 */
export type VerifierWasmSource = Uint8Array | ArrayBuffer | URL | string | WasmModuleHandle;

/** Options of {@link initVerifier}. */
export interface VerifierOptions {
  /** The wasm module, its bytes, or its URL. */
  readonly wasm: VerifierWasmSource;
}

interface VerifierExports {
  sha256(data: number, length: number, out: number): void;
  ed25519Verify(publicKey: number, signature: number, message: number, messageLength: number): number;
  ed25519BatchScratchBytes(count: number, suspectCount: number): number;
  ed25519BatchPrepare(
    packed: number,
    coefficients: number,
    verdicts: number,
    scratch: number,
    suspects: number,
    suspectCount: number,
  ): number;
  ed25519BatchCheckInto(from: number, to: number, slot: number): number;
  ed25519BatchAccept(from: number, to: number): void;
  ed25519BatchVerifySingly(from: number, to: number): number;
}

const requiredExports: readonly (keyof VerifierExports)[] = [
  'sha256',
  'ed25519Verify',
  'ed25519BatchScratchBytes',
  'ed25519BatchPrepare',
  'ed25519BatchCheckInto',
  'ed25519BatchAccept',
  'ed25519BatchVerifySingly',
];

let instance: WasmInstance | undefined;
let wasm: VerifierExports | undefined;
let loading: Promise<void> | undefined;

async function compile(source: VerifierWasmSource): Promise<WasmModuleHandle> {
  if (source instanceof WebAssemblyApi.Module) return source;
  if (source instanceof Uint8Array) return WebAssemblyApi.compile(source);
  if (source instanceof ArrayBuffer) return WebAssemblyApi.compile(new Uint8Array(source));
  if (typeof source === 'string' || source instanceof URL) {
    const url = String(source);
    let response: { ok: boolean; status: number; arrayBuffer(): Promise<ArrayBuffer> };
    try {
      response = await fetch(url);
    } catch (cause) {
      throw new Error(
        `initVerifier: cannot fetch the wasm from ${url} (in Node, pass its bytes: options.wasm = the contents of consortium-ledger/release.wasm)`,
        { cause },
      );
    }
    if (!response.ok) throw new Error(`initVerifier: fetching the wasm from ${url} answered HTTP ${response.status}`);
    return WebAssemblyApi.compile(new Uint8Array(await response.arrayBuffer()));
  }
  throw new TypeError('initVerifier: expected options.wasm to be bytes, a WebAssembly.Module or a URL');
}

// RFC 8032 §7.1 TEST 1 (empty message): checks that the module is a working build.
const selfTestKey = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
const selfTestSignature =
  'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b';

async function load(source: VerifierWasmSource): Promise<void> {
  const made = await instantiateWasmAsync(await compile(source));
  for (const name of requiredExports) {
    if (typeof made.exports[name] !== 'function') {
      throw new Error(`initVerifier: the wasm has no export ${name}: it is not consortium-ledger's wasm`);
    }
  }
  const exports = made.exports as unknown as VerifierExports;
  const base = made.reserveIo(96);
  const memory = made.memoryU8();
  memory.set(fromHex(selfTestKey), base);
  memory.set(fromHex(selfTestSignature), base + 32);
  if (exports.ed25519Verify(base, base + 32, base + 96, 0) !== 1) {
    throw new Error('initVerifier: the wasm fails the Ed25519 self-test (RFC 8032 TEST 1)');
  }
  instance = made;
  wasm = exports;
}

/**
 * Loads the verifier's wasm; call once (later calls return at once) and await it before
 * verifying. In a browser: `await initVerifier({ wasm: new URL('release.wasm', import.meta.url) })`;
 * in Node: `await initVerifier({ wasm: await readFile(fileURLToPath(import.meta.resolve('consortium-ledger/release.wasm'))) })`.
 *
 * @throws Error if the wasm cannot be fetched, does not compile, or is not this package's build.
 */
export function initVerifier(options: VerifierOptions): Promise<void> {
  if (instance !== undefined) return Promise.resolve();
  if (typeof options !== 'object' || options === null) {
    return Promise.reject(new TypeError('initVerifier: expected options { wasm }'));
  }
  loading ??= load(options.wasm).catch((error: unknown) => {
    loading = undefined; // let a caller retry with another source
    throw error;
  });
  return loading;
}

/** True once {@link initVerifier} has finished. */
export function verifierReady(): boolean {
  return instance !== undefined;
}

function ready(): { instance: WasmInstance; wasm: VerifierExports } {
  if (instance === undefined || wasm === undefined) {
    throw new Error('consortium-ledger/verify: await initVerifier({ wasm }) before verifying');
  }
  return { instance, wasm };
}

const align16 = (n: number): number => Math.ceil(n / 16) * 16;
const hashBytes = 32;

/** SHA-256 of `data` (at most a few KiB here: transactions, headers, state values). */
export function sha256(data: Uint8Array): Uint8Array {
  const { instance, wasm } = ready();
  const base = instance.reserveIo(align16(data.length) + hashBytes, 'consortium-ledger/verify');
  const out = base + align16(data.length);
  instance.memoryU8().set(data, base);
  wasm.sha256(base, data.length, out);
  return instance.memoryU8().slice(out, out + hashBytes);
}

/** SHA-256 of `prefix ‖ parts…`: the RFC 9162 leaf (0x00) and node (0x01) hashes, the state tree's too. */
export function prefixedHash(prefix: number, parts: readonly Uint8Array[]): Uint8Array {
  let length = 1;
  for (const part of parts) length += part.length;
  const joined = new Uint8Array(length);
  joined[0] = prefix;
  let at = 1;
  for (const part of parts) {
    joined.set(part, at);
    at += part.length;
  }
  return sha256(joined);
}

/** One signer's key and signature over a message all signers share (a commit vote). */
export interface SignedVote {
  readonly publicKey: Uint8Array;
  readonly signature: Uint8Array;
}

// The packed batch layout of src/crypto/ed25519-packed.ts: u32 count | u32 messageBytesTotal |
// count × (publicKey[32] | signature[64] | u32 messageOffset | u32 messageLength) | messages.
const packedHeaderBytes = 8;
const packedRecordBytes = 104;
const coefficientBytes = 16;
const align64 = (n: number): number => Math.ceil(n / 64) * 64;

/**
 * ZIP-215 verdicts (1 valid, 0 not) for signatures over one shared `message`: one batch
 * equation under fresh 128-bit coefficients from `crypto.getRandomValues`; if it fails, every
 * candidate is verified singly, so each verdict is exactly the single verdict. (The library's
 * bisection policy saves work on large batches with a few bad items; a certificate holds at
 * most `certificateSignaturesMax` signatures, so the plain policy is enough here.)
 */
export function verifyVotes(votes: readonly SignedVote[], message: Uint8Array): Uint8Array {
  const { instance, wasm } = ready();
  const count = votes.length;
  if (count > certificateSignaturesMax) {
    throw new RangeError(`verifyVotes: ${count} signatures, limit ${certificateSignaturesMax}`);
  }
  if (count === 0) return new Uint8Array(0);
  const messagesAt = packedHeaderBytes + count * packedRecordBytes;
  const coefficientsAt = align64(messagesAt + message.length);
  const randomBytes = count * coefficientBytes + 8; // + the seed of the wasm's key hash table
  const verdictsAt = coefficientsAt + align64(randomBytes);
  const scratchAt = verdictsAt + align64(count); // no suspect keys between verdicts and scratch
  const end = scratchAt + wasm.ed25519BatchScratchBytes(count, 0);
  const base = instance.reserveIo(end, 'consortium-ledger/verify');
  const memory = instance.memoryU8();
  const view = new DataView(memory.buffer);
  view.setUint32(base, count, true);
  view.setUint32(base + 4, message.length, true);
  for (let i = 0; i < count; i++) {
    const at = base + packedHeaderBytes + i * packedRecordBytes;
    const vote = votes[i] as SignedVote;
    memory.set(vote.publicKey, at);
    memory.set(vote.signature, at + 32);
    view.setUint32(at + 96, 0, true);
    view.setUint32(at + 100, message.length, true);
  }
  memory.set(message, base + messagesAt);
  crypto.getRandomValues(memory.subarray(base + coefficientsAt, base + coefficientsAt + randomBytes));
  const candidates = wasm.ed25519BatchPrepare(
    base,
    base + coefficientsAt,
    base + verdictsAt,
    base + scratchAt,
    base + scratchAt,
    0,
  );
  if (candidates > 0) {
    if (wasm.ed25519BatchCheckInto(0, candidates, 0) === 1) wasm.ed25519BatchAccept(0, candidates);
    else wasm.ed25519BatchVerifySingly(0, candidates);
  }
  return instance.memoryU8().slice(base + verdictsAt, base + verdictsAt + count);
}
