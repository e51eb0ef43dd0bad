/**
 * Typed errors of the consensus layer. A peer's bad message is never an error: it is
 * dropped and counted (`Replica.stats.dropped`). Errors are for the local caller: a
 * transaction that cannot be accepted, a driver answer that does not fit what was asked.
 */
import { ConsortiumLedgerError } from '../errors.js';

/** Why `Replica.submit` refused a transaction. */
export type RequestRejection = 'malformed' | 'wrong-chain' | 'pool-full';

/** A transaction refused by `Replica.submit`; `reason` says why (nothing was queued). */
export class RequestRejectedError extends ConsortiumLedgerError {
  /** Why the transaction was refused. */
  readonly reason: RequestRejection;

  constructor(reason: RequestRejection, message: string, options?: { cause?: unknown }) {
    super('REQUEST_REJECTED', message, options);
    this.reason = reason;
  }
}

/** A driver answer that does not match anything the replica asked for (a proposal for another height, a block that is not the one proposed). */
export class ReplicaInputError extends ConsortiumLedgerError {
  constructor(message: string) {
    super('REPLICA_INPUT', message);
  }
}
