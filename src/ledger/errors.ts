/** The ledger's operating errors (refused *transactions* are not errors: they get receipts). */
import { ConsortiumLedgerError } from '../errors.js';

/**
 * A block whose header does not match what executing it produced (its tx root, receipts
 * root, state root or tx count), or that is not the next block. The state is left exactly
 * as it was before the block. `field` names the first header field that did not match.
 */
export class BlockMismatchError extends ConsortiumLedgerError {
  /** The first header field that did not match (`'txRoot'`, `'height'`, `'timestampMs'` …). */
  readonly field: string;
  /** Height of the refused block, as its header states it. */
  readonly height: number;

  constructor(height: number, field: string, message: string) {
    super('BLOCK_MISMATCH', `block ${height}: ${message}`);
    this.field = field;
    this.height = height;
  }
}

/** Loaded state that does not hash to the root it should (a store that does not hold together). */
export class StateRootMismatchError extends ConsortiumLedgerError {
  constructor(message: string) {
    super('STATE_ROOT_MISMATCH', message);
  }
}

/** A genesis the ledger cannot start from (e.g. a member key of small order). */
export class GenesisError extends ConsortiumLedgerError {
  constructor(message: string) {
    super('GENESIS_INVALID', message);
  }
}
