/**
 * `consortium-ledger/verify`: checks a transaction's or a state value's evidence against the
 * genesis, for regulators and auditors, in a browser as in Node. No Node built-ins, no
 * LevelDB, no workers: SHA-256, the RFC 9162 proofs, the state proofs and ZIP-215 Ed25519 run
 * on the package's wasm, which the caller hands over (bytes, a compiled module or a URL).
 *
 * ```ts
 * import { initVerifier, verifyTransaction } from 'consortium-ledger/verify';
 * await initVerifier({ wasm: new URL('release.wasm', import.meta.url) });
 * const verdict = verifyTransaction(evidence, genesis); // { ok: true, facts } | { ok: false, reason, detail }
 * ```
 * Evidence comes from `consortium-ledger tx <id> --json` and `state <key> --prove --json`,
 * the genesis info from `consortium-ledger genesis --json` (docs/architecture.md, "Verifier").
 *
 * @packageDocumentation
 */
export type { WasmModuleHandle } from '../crypto/wasm-instance.js';
export type {
  GenesisInfo,
  InclusionProofJson,
  StateEvidence,
  TransactionEvidence,
} from './evidence.js';
export {
  type CertifiedBlock,
  type StateFacts,
  type StateVerdict,
  type TransactionFacts,
  type TransactionVerdict,
  type VerdictFailure,
  type VerdictReason,
  type VerdictSuccess,
  verdictReasons,
} from './verdict.js';
export { verifyState, verifyTransaction } from './verify-evidence.js';
export { initVerifier, type VerifierOptions, type VerifierWasmSource, verifierReady } from './wasm-core.js';
