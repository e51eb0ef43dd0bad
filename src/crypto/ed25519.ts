/**
 * Ed25519 (RFC 8032) with ZIP-215 verification semantics, over the project's wasm.
 *
 * Verification is ours, so every node reaches the same verdict on every signature, alone or
 * in a batch (docs/architecture.md, "Crypto"): `S ≥ L` is refused; `A` and `R` may be non-canonical
 * encodings (y ≥ p, or x = 0 with the sign bit set) and are refused only if they do not
 * decode; `k = SHA-512(R ‖ A ‖ M) mod L`; the signature is valid iff
 * `[8]([S]B − [k]A − R)` is the identity. Batches are in ed25519-batch.ts, and the packed
 * layout they travel in in ed25519-packed.ts (both re-exported here).
 *
 * Signing and key generation must be constant-time and use `node:crypto`.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import { ed25519MessageBytesMax } from '../limits.js';
import { requireBytes, requireBytesOfLength } from '../validate.js';
import { memoryU8, reserveIo, type WasmCore, wasmExports } from './wasm.js';

export * from './ed25519-batch.js';
export * from './ed25519-packed.js';

/** Bytes in an Ed25519 public key (a compressed point, RFC 8032 §5.1.2). */
export const ed25519PublicKeyBytes = 32;
/** Bytes in an Ed25519 secret key as used here: the 32-byte seed (RFC 8032 §5.1.5). */
export const ed25519SecretKeyBytes = 32;
/** Bytes in an Ed25519 signature: `R ‖ S` (RFC 8032 §5.1.6). */
export const ed25519SignatureBytes = 64;

/** One item of a batch: the same three inputs as {@link ed25519Verify}. */
export interface Ed25519BatchItem {
  /** The signer's 32-byte public key (any encoding ZIP-215 accepts, canonical or not). */
  readonly publicKey: Uint8Array;
  /** The signed message, of any length (a batch's messages total at most `limits.ed25519BatchMessageBytesMax`). */
  readonly message: Uint8Array;
  /** The 64-byte signature `R ‖ S`. */
  readonly signature: Uint8Array;
}

interface Ed25519Exports extends WasmCore {
  ed25519Init(): void;
  ed25519Verify(publicKey: number, signature: number, message: number, messageLength: number): number;
  ed25519CheckPublicKey(publicKey: number): number;
}

const wasm = wasmExports as unknown as Ed25519Exports;

/** @internal Checks a message argument: bytes within `ed25519MessageBytesMax`, errors naming `where` and `name`. */
export function requireMessage(value: unknown, name: string, where: string): asserts value is Uint8Array {
  requireBytes(value, name, where);
  if (value.length > ed25519MessageBytesMax) {
    throw new RangeError(`${where}: ${name} has ${value.length} bytes, limit ${ed25519MessageBytesMax}`);
  }
}

/**
 * Verifies an Ed25519 signature with ZIP-215 semantics.
 *
 * @param publicKey - 32-byte encoded public key `A` (non-canonical encodings accepted).
 * @param message - the signed bytes.
 * @param signature - 64-byte `R ‖ S`.
 * @returns true iff the signature is valid; false for any well-formed but wrong input.
 * @throws TypeError if an argument is not a Uint8Array; RangeError on a wrong length.
 */
export function ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  requireBytesOfLength(publicKey, ed25519PublicKeyBytes, 'publicKey', 'ed25519Verify');
  requireMessage(message, 'message', 'ed25519Verify');
  requireBytesOfLength(signature, ed25519SignatureBytes, 'signature', 'ed25519Verify');
  const base = reserveIo(96 + message.length);
  const memory = memoryU8();
  memory.set(publicKey, base);
  memory.set(signature, base + 32);
  memory.set(message, base + 96);
  return wasm.ed25519Verify(base, base + 32, base + 96, message.length) === 1;
}

/** What {@link ed25519CheckPublicKey} finds. */
export type Ed25519KeyCheck = 'ok' | 'not-on-curve' | 'small-order';

/**
 * Whether a 32-byte public key may be registered: `'ok'` if it decodes (ZIP-215: non-canonical
 * encodings accepted) to a point not of small order; `'not-on-curve'` if it does not decode;
 * `'small-order'` if [8]A is the identity. Small-order keys must be refused at registration:
 * under ZIP-215's cofactored equation the all-zero key with an all-zero signature (and other
 * small-order combinations) verifies every message.
 *
 * @throws TypeError/RangeError unless `publicKey` is 32 bytes.
 */
export function ed25519CheckPublicKey(publicKey: Uint8Array): Ed25519KeyCheck {
  requireBytesOfLength(publicKey, ed25519PublicKeyBytes, 'publicKey', 'ed25519CheckPublicKey');
  const base = reserveIo(32);
  memoryU8().set(publicKey, base);
  const verdict = wasm.ed25519CheckPublicKey(base);
  return verdict === 0 ? 'ok' : verdict === 1 ? 'not-on-curve' : 'small-order';
}

// PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410 §7): SEQUENCE { INTEGER 0,
// SEQUENCE { OID 1.3.101.112 }, OCTET STRING { OCTET STRING seed } }.
const pkcs8Prefix = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);
// The raw key is the last 32 bytes of the SPKI DER of an Ed25519 public key (RFC 8410 §4).
const spkiKeyOffset = 12;

/**
 * Imported signing keys by seed. Importing a PKCS#8 key costs ~0.6 ms, ten times the signature
 * itself, and a node signs every message with the same few keys; the cache holds at most
 * `privateKeyCacheEntriesMax` keys (oldest dropped first) in this process's memory only.
 */
const privateKeyCache = new Map<string, ReturnType<typeof createPrivateKey>>();
const privateKeyCacheEntriesMax = 256;

function privateKeyFromSeed(seed: Uint8Array) {
  const cacheKey = Buffer.from(seed.buffer, seed.byteOffset, seed.byteLength).toString('latin1');
  const cached = privateKeyCache.get(cacheKey);
  if (cached !== undefined) return cached;
  const der = new Uint8Array(pkcs8Prefix.length + 32);
  der.set(pkcs8Prefix, 0);
  der.set(seed, pkcs8Prefix.length);
  const key = createPrivateKey({ key: Buffer.from(der.buffer), format: 'der', type: 'pkcs8' });
  if (privateKeyCache.size >= privateKeyCacheEntriesMax) {
    privateKeyCache.delete(privateKeyCache.keys().next().value as string);
  }
  privateKeyCache.set(cacheKey, key);
  return key;
}

/**
 * Generates a key pair with `node:crypto`.
 *
 * @returns the 32-byte public key and the 32-byte secret seed.
 */
export function ed25519GenerateKeyPair(): {
  /** The 32-byte public key, as `ed25519Verify` takes it. */
  publicKey: Uint8Array;
  /** The 32-byte secret seed (RFC 8032 §5.1.5), as `ed25519Sign` takes it; keep it private. */
  secretKey: Uint8Array;
} {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
  return {
    publicKey: new Uint8Array(spki.subarray(spkiKeyOffset)),
    secretKey: new Uint8Array(pkcs8.subarray(pkcs8Prefix.length)),
  };
}

/** The 32-byte public key of a 32-byte secret seed (via `node:crypto`). */
export function ed25519PublicKeyFromSecret(secretKey: Uint8Array): Uint8Array {
  requireBytesOfLength(secretKey, ed25519SecretKeyBytes, 'secretKey', 'ed25519PublicKeyFromSecret');
  const spki = createPublicKey(privateKeyFromSeed(secretKey)).export({ format: 'der', type: 'spki' });
  return new Uint8Array(spki.subarray(spkiKeyOffset));
}

/**
 * Signs `message` with the 32-byte secret seed (RFC 8032 §5.1.6, via `node:crypto`).
 *
 * @returns the 64-byte signature.
 * @throws TypeError if an argument is not a Uint8Array; RangeError on a wrong length.
 */
export function ed25519Sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
  requireBytesOfLength(secretKey, ed25519SecretKeyBytes, 'secretKey', 'ed25519Sign');
  requireMessage(message, 'message', 'ed25519Sign');
  return new Uint8Array(nodeSign(null, message, privateKeyFromSeed(secretKey)));
}

// Build the base-point table and let V8 tier up the hot functions now, not inside the first
// caller's latency budget: V8 moves a wasm function to its optimising tier between calls,
// never in the middle of one, so a cold first batch would run long stretches unoptimised.
// Two verifications of RFC 8032 §7.1 TEST 1 (~1,400 field multiplications each) suffice to
// trip the tier-up budget of the field and point functions; they also check the build.
// (This import-time work is why dist/src/crypto/ed25519.js is listed under `sideEffects`.)
function warmUp(): void {
  wasm.ed25519Init();
  const publicKey = Buffer.from('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', 'hex');
  const signature = Buffer.from(
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    'hex',
  );
  for (let i = 0; i < 2; i++) {
    if (!ed25519Verify(publicKey, new Uint8Array(0), signature)) {
      throw new Error('consortium-ledger: the wasm Ed25519 self-test failed (RFC 8032 TEST 1); rebuild the wasm');
    }
  }
}
warmUp();
