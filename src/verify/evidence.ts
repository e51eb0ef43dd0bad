/**
 * The evidence's JSON form (what `consortium-ledger tx <id> --json`, `state <key> --prove
 * --json` and `genesis --json` print, and `transactionEvidence`/`stateEvidence` build) and its
 * parsing into bytes, with every length bounded before anything is decoded. Raw canonical
 * bytes travel as hex, so a third party can recompute every hash from the JSON alone
 * (decision 10). Fields the verifier does not read (a CLI's `status`, `type`, …) are ignored.
 */
import {
  certificateSignaturesMax,
  genesisMembersMax,
  merkleProofHashesMax,
  stateKeyBytesMax,
  stateProofSiblingsMax,
  stateValueBytesMax,
  txBytesMax,
} from '../limits.js';
import { fromHex, isHex } from './hex.js';
import { headerBytes } from './layouts.js';
import { VerdictStop } from './verdict.js';

/** An RFC 9162 inclusion proof, hashes in hex (bottom-up). */
export interface InclusionProofJson {
  /** Index of the proven leaf, from 0. */
  readonly leafIndex: number;
  /** Leaves in the tree (the block's transaction count). */
  readonly treeSize: number;
  /** Sibling hashes, bottom-up (RFC 9162 PATH), hex. */
  readonly path: readonly string[];
}

/**
 * Evidence that a transaction is committed: its bytes, its inclusion proof under its block's
 * tx root, the block's header and the block's commit certificate. `txId`, `height` and
 * `blockHash` are claims the verifier checks when present; `receipt` proves what applying the
 * transaction did (code 0 applied) under the header's receipts root.
 */
export interface TransactionEvidence {
  /** `'transaction'` (lets a page tell evidence kinds apart; optional). */
  readonly kind?: 'transaction';
  /** The chain the evidence is from; must be the genesis's. */
  readonly chainId?: string;
  /** The tx id (SHA-256 of `tx`), hex. */
  readonly txId?: string;
  /** The transaction's canonical bytes, hex. */
  readonly tx: string;
  /** Its position in the block (its leaf index under the tx root). */
  readonly txIndex: number;
  /** RFC 9162 proof of the tx id under the header's tx root. */
  readonly proof: InclusionProofJson;
  /** Its receipt code and the RFC 9162 proof of the 33-byte receipt (tx id ‖ code) under the receipts root. */
  readonly receipt?: {
    /** The receipt code: 0 applied, else the refusal reason (src/codec/receipt.ts). */
    readonly code: number;
    /** RFC 9162 proof of `txId ‖ code` under the header's receipts root. */
    readonly proof: InclusionProofJson;
  };
  /** The block's height. */
  readonly height?: number;
  /** The block's hash (SHA-256 of `header`), hex. */
  readonly blockHash?: string;
  /** The block's 213 canonical header bytes, hex. */
  readonly header: string;
  /** The block's commit certificate (canonical bytes), hex. */
  readonly certificate: string;
}

/**
 * Evidence of a state value, or of a key's absence, after a certified block: the key, the
 * value (null for absence), the canonical state proof bytes, the header whose state root the
 * proof is against and that block's commit certificate.
 */
export interface StateEvidence {
  /** `'state'` (optional). */
  readonly kind?: 'state';
  /** The chain the evidence is from; must be the genesis's. */
  readonly chainId?: string;
  /** The state key (kind byte ‖ 32-byte id), hex. */
  readonly key: string;
  /** Its value bytes, hex; null: the key is absent. */
  readonly value: string | null;
  /** The canonical state proof (src/ledger/state-proof.ts), hex. */
  readonly proof: string;
  /** The block's height. */
  readonly height?: number;
  /** The block's hash, hex. */
  readonly blockHash?: string;
  /** The header's state root, hex. */
  readonly stateRoot?: string;
  /** The block's 213 canonical header bytes, hex. */
  readonly header: string;
  /** The block's commit certificate, hex. */
  readonly certificate: string;
}

/**
 * What a verifier needs of the genesis: the chain id and the validators' public keys (hex).
 * `n`, `f` and `q` (as `genesis --json` prints them) are optional; when present they must be
 * what the validators imply.
 */
export interface GenesisInfo {
  /** The chain id every commit vote signs. */
  readonly chainId: string;
  /** The validators' 32-byte Ed25519 public keys, hex. */
  readonly validators: readonly string[];
  /** n: validators. */
  readonly n?: number;
  /** f = ⌊(n − 1)/3⌋: Byzantine validators tolerated. */
  readonly f?: number;
  /** q = ⌈(n + f + 1)/2⌉: signatures a quorum needs. */
  readonly q?: number;
}

/** An inclusion proof in bytes. */
export interface InclusionProofBytes {
  readonly leafIndex: number;
  readonly treeSize: number;
  readonly path: readonly Uint8Array[];
}

/** Reads evidence fields, stopping at the first one that is wrong with `reason`. */
export class FieldReader {
  readonly #object: Record<string, unknown>;
  readonly #reason: 'malformed-evidence' | 'malformed-genesis';
  readonly #what: string;

  constructor(value: unknown, what: string, reason: 'malformed-evidence' | 'malformed-genesis') {
    this.#reason = reason;
    this.#what = what;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.fail(`${what} must be a JSON object`);
    }
    this.#object = value as Record<string, unknown>;
  }

  fail(detail: string): never {
    throw new VerdictStop(this.#reason, detail);
  }

  has(name: string): boolean {
    return this.#object[name] !== undefined;
  }

  raw(name: string): unknown {
    return this.#object[name];
  }

  /** Hex bytes of `bytesMin`..`bytesMax` bytes. */
  hex(name: string, bytesMin: number, bytesMax: number): Uint8Array {
    const value = this.#object[name];
    return hexField(value, `${this.#what}.${name}`, bytesMin, bytesMax, (detail) => this.fail(detail));
  }

  integer(name: string, min: number, max: number): number {
    const value = this.#object[name];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
      this.fail(`${this.#what}.${name} must be an integer in [${min}, ${max}], got ${JSON.stringify(value)}`);
    }
    return value;
  }

  chainId(name: string): string {
    const value = this.#object[name];
    if (typeof value !== 'string' || !/^[a-z0-9._-]{1,32}$/.test(value)) {
      this.fail(`${this.#what}.${name} must be 1..32 characters of [a-z0-9._-], got ${JSON.stringify(value)}`);
    }
    return value;
  }

  /** An inclusion proof `{ leafIndex, treeSize, path: [hex] }`. */
  inclusionProof(name: string): InclusionProofBytes {
    const proof = new FieldReader(this.#object[name], `${this.#what}.${name}`, this.#reason);
    const leafIndex = proof.integer('leafIndex', 0, Number.MAX_SAFE_INTEGER);
    const treeSize = proof.integer('treeSize', 1, Number.MAX_SAFE_INTEGER);
    const path = proof.hexArray('path', 32, merkleProofHashesMax);
    return { leafIndex, treeSize, path };
  }

  /** An array of at most `countMax` hex strings of exactly `bytes` bytes each. */
  hexArray(name: string, bytes: number, countMax: number): Uint8Array[] {
    const value = this.#object[name];
    const field = `${this.#what}.${name}`;
    if (!Array.isArray(value)) this.fail(`${field} must be an array of hex strings`);
    if (value.length > countMax) this.fail(`${field} has ${value.length} entries, limit ${countMax}`);
    return value.map((item, i) => hexField(item, `${field}[${i}]`, bytes, bytes, (detail) => this.fail(detail)));
  }
}

function hexField(
  value: unknown,
  field: string,
  bytesMin: number,
  bytesMax: number,
  fail: (detail: string) => never,
): Uint8Array {
  if (!isHex(value)) return fail(`${field} must be an even-length hex string`);
  const length = value.length / 2;
  if (length < bytesMin || length > bytesMax) {
    return fail(
      bytesMin === bytesMax
        ? `${field} must be ${bytesMin} bytes, got ${length}`
        : `${field} must be ${bytesMin}..${bytesMax} bytes, got ${length}`,
    );
  }
  return fromHex(value);
}

/** Largest canonical certificate, in bytes (src/codec/block.ts `certificateBytesMax`). */
const certificateBytesMax = 1 + 8 + 32 + 8 + 2 + 96 * certificateSignaturesMax;
/** Largest canonical state proof, in bytes (src/ledger/state-proof.ts). */
const stateProofBytesMax = 4 + 64 + 32 * stateProofSiblingsMax;

/** Transaction evidence in bytes. */
export interface TransactionEvidenceBytes {
  readonly chainId: string | undefined;
  readonly txId: Uint8Array | undefined;
  readonly tx: Uint8Array;
  readonly txIndex: number;
  readonly proof: InclusionProofBytes;
  readonly receipt: { readonly code: number; readonly proof: InclusionProofBytes } | undefined;
  readonly height: number | undefined;
  readonly blockHash: Uint8Array | undefined;
  readonly header: Uint8Array;
  readonly certificate: Uint8Array;
}

/** Parses transaction evidence. @throws VerdictStop('malformed-evidence'). */
export function parseTransactionEvidence(value: unknown): TransactionEvidenceBytes {
  const fields = new FieldReader(value, 'evidence', 'malformed-evidence');
  let receipt: TransactionEvidenceBytes['receipt'];
  if (fields.has('receipt')) {
    const receiptFields = new FieldReader(fields.raw('receipt'), 'evidence.receipt', 'malformed-evidence');
    receipt = { code: receiptFields.integer('code', 0, 255), proof: receiptFields.inclusionProof('proof') };
  }
  return {
    chainId: fields.has('chainId') ? fields.chainId('chainId') : undefined,
    txId: fields.has('txId') ? fields.hex('txId', 32, 32) : undefined,
    tx: fields.hex('tx', 1, txBytesMax),
    txIndex: fields.integer('txIndex', 0, Number.MAX_SAFE_INTEGER),
    proof: fields.inclusionProof('proof'),
    receipt,
    height: fields.has('height') ? fields.integer('height', 0, Number.MAX_SAFE_INTEGER) : undefined,
    blockHash: fields.has('blockHash') ? fields.hex('blockHash', 32, 32) : undefined,
    header: fields.hex('header', headerBytes, headerBytes),
    certificate: fields.hex('certificate', 1, certificateBytesMax),
  };
}

/** State evidence in bytes. */
export interface StateEvidenceBytes {
  readonly chainId: string | undefined;
  readonly key: Uint8Array;
  readonly value: Uint8Array | undefined;
  readonly proof: Uint8Array;
  readonly height: number | undefined;
  readonly blockHash: Uint8Array | undefined;
  readonly stateRoot: Uint8Array | undefined;
  readonly header: Uint8Array;
  readonly certificate: Uint8Array;
}

/** Parses state evidence. @throws VerdictStop('malformed-evidence'). */
export function parseStateEvidence(value: unknown): StateEvidenceBytes {
  const fields = new FieldReader(value, 'evidence', 'malformed-evidence');
  const rawValue = fields.raw('value');
  if (rawValue === undefined) fields.fail('evidence.value must be hex, or null for an absent key');
  return {
    chainId: fields.has('chainId') ? fields.chainId('chainId') : undefined,
    key: fields.hex('key', 1, stateKeyBytesMax),
    value: rawValue === null ? undefined : fields.hex('value', 0, stateValueBytesMax),
    proof: fields.hex('proof', 4, stateProofBytesMax),
    height: fields.has('height') ? fields.integer('height', 0, Number.MAX_SAFE_INTEGER) : undefined,
    blockHash: fields.has('blockHash') ? fields.hex('blockHash', 32, 32) : undefined,
    stateRoot: fields.has('stateRoot') ? fields.hex('stateRoot', 32, 32) : undefined,
    header: fields.hex('header', headerBytes, headerBytes),
    certificate: fields.hex('certificate', 1, certificateBytesMax),
  };
}

/** The genesis info in bytes: chain id and the validators' keys. */
export interface GenesisBytes {
  readonly chainId: string;
  readonly validators: readonly Uint8Array[];
}

/** Parses the genesis info (n/f/q are checked by the caller, who has the quorum arithmetic). */
export function parseGenesisInfo(value: unknown): GenesisBytes & { n?: unknown; f?: unknown; q?: unknown } {
  const fields = new FieldReader(value, 'genesis', 'malformed-genesis');
  const chainId = fields.chainId('chainId');
  const validators = fields.hexArray('validators', 32, genesisMembersMax);
  if (validators.length === 0) fields.fail('genesis.validators is empty');
  return { chainId, validators, n: fields.raw('n'), f: fields.raw('f'), q: fields.raw('q') };
}
