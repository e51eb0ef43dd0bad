/**
 * The project's one error base class (typed errors for operating conditions, a
 * stable `code` to branch on). Every layer's operating errors extend it — the codec's
 * `DecodeError`, the store's errors, the pool's errors — so an embedder can catch
 * `ConsortiumLedgerError` and switch on `code` without parsing messages. Programmer errors
 * stay `AssertionError` (src/assert.ts); bad arguments at a function boundary stay
 * `TypeError`/`RangeError`.
 */
export class ConsortiumLedgerError extends Error {
  /** Stable machine-readable code, e.g. `'DECODE'`, `'STORE_LOCKED'`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * Bytes that are not the canonical encoding of what was asked for: too short, trailing
 * bytes, a length over its limit, an unknown type, a non-canonical form. Names the field
 * (a dotted path such as `block.txs[3].payload.amount`) and the byte offset where reading it
 * failed, so a peer's bad message can be logged precisely.
 */
export class DecodeError extends ConsortiumLedgerError {
  /** Dotted path of the field being read. */
  readonly field: string;
  /** Byte offset (from the start of the outermost input) where the field starts or failed. */
  readonly offset: number;

  constructor(field: string, offset: number, reason: string) {
    super('DECODE', `cannot decode ${field} at byte ${offset}: ${reason}`);
    this.field = field;
    this.offset = offset;
  }
}
