/**
 * Options of a replica, with their defaults and bounds. Time is counted in ticks: the
 * driver calls `tick()` at whatever period it chooses (the simulator on its virtual clock, a
 * node on a timer), and every timeout is a number of ticks.
 */
import type { ConsensusSigner } from '../codec/consensus.js';
import type { Ed25519BatchItem } from '../crypto/ed25519.js';
import { blockTxsMax, pendingRequestsMax, viewChangePreparedMax } from '../limits.js';
import { requireBytesOfLength, requireInteger } from '../validate.js';

/** The last block a replica's store holds when the replica starts. */
export interface CommittedTip {
  /** Its height (0: only the genesis block). */
  readonly height: number;
  /** Its hash. */
  readonly blockHash: Uint8Array;
  /** Its header's state root. */
  readonly stateRoot: Uint8Array;
  /** Its encoded commit certificate (empty at height 0). */
  readonly certificate: Uint8Array;
}

/** How to build a replica. */
export interface ReplicaOptions {
  /** The chain id every message is signed for. */
  readonly chainId: string;
  /** The validators' 32-byte public keys (any order; primaries rotate in ascending key order). */
  readonly validators: readonly Uint8Array[];
  /** This replica's key pair; its public key must be a validator. */
  readonly signer: ConsensusSigner;
  /** Hash of block 0 (the checkpoint every chain starts from). */
  readonly genesisBlockHash: Uint8Array;
  /** The last committed block, from the store. */
  readonly committed: CommittedTip;
  /** Every record from earlier `persist` effects (empty or absent for a replica that never ran). */
  readonly records?: ReadonlyMap<string, Uint8Array>;
  /** Blocks between checkpoints (K). Default 8. */
  readonly checkpointInterval?: number;
  /** Sequence numbers above the low watermark that may be in the log (L ≥ K). Default 2K, at most `limits.viewChangePreparedMax`. */
  readonly watermarkWindow?: number;
  /** Most transactions the primary puts in one block. Default 1024. */
  readonly blockTxsMax?: number;
  /** Ticks the primary waits for a block to fill before proposing what it has. Default 1. */
  readonly batchTimeoutTicks?: number;
  /** Ticks without a commit, while there is work, before a backup suspects the primary; doubles with each view change in a row. Default 8. */
  readonly viewChangeTimeoutTicks?: number;
  /**
   * The most the doubling may reach. Castro & Liskov double without bound, which is enough for
   * eventual synchrony; but after a long faulty period an unbounded timeout leaves a healed
   * consortium idle for minutes. Default 16 × `viewChangeTimeoutTicks`.
   */
  readonly viewChangeTimeoutMaxTicks?: number;
  /** Ticks between re-sends of the messages of unfinished work (messages get lost). Default 3. */
  readonly resendTicks?: number;
  /** Ticks to wait for a state-transfer answer before asking another peer. Default 4. */
  readonly stateTransferTimeoutTicks?: number;
  /** Most pending requests (at most `limits.pendingRequestsMax`). Default that limit. */
  readonly pendingRequestsMax?: number;
  /**
   * Verifies a batch of signatures, one verdict per item, synchronously. Default: the
   * WASM `ed25519VerifyBatch`. A driver that verified messages already (in its pool) may pass
   * a verifier that consults its own verdicts; it must give the single-verification verdict.
   */
  readonly verifyBatch?: (items: readonly Ed25519BatchItem[]) => boolean[];
}

/** Options with defaults filled in and bounds checked. */
export interface ResolvedOptions {
  readonly checkpointInterval: number;
  readonly watermarkWindow: number;
  readonly blockTxsMax: number;
  readonly batchTimeoutTicks: number;
  readonly viewChangeTimeoutTicks: number;
  readonly viewChangeTimeoutMaxTicks: number;
  readonly resendTicks: number;
  readonly stateTransferTimeoutTicks: number;
  readonly pendingRequestsMax: number;
}

/** Fills defaults and checks every option. @throws TypeError/RangeError naming the option. */
export function resolveOptions(options: ReplicaOptions): ResolvedOptions {
  const where = 'Replica';
  if (typeof options !== 'object' || options === null) throw new TypeError(`${where}: expected an options object`);
  requireBytesOfLength(options.genesisBlockHash, 32, 'genesisBlockHash', where);
  const committed = options.committed;
  if (typeof committed !== 'object' || committed === null) throw new TypeError(`${where}: committed is required`);
  requireInteger(committed.height, 'committed.height', where, 0, Number.MAX_SAFE_INTEGER);
  requireBytesOfLength(committed.blockHash, 32, 'committed.blockHash', where);
  requireBytesOfLength(committed.stateRoot, 32, 'committed.stateRoot', where);
  if (!(committed.certificate instanceof Uint8Array))
    throw new TypeError(`${where}: committed.certificate must be a Uint8Array`);
  const checkpointInterval = options.checkpointInterval ?? 8;
  requireInteger(checkpointInterval, 'checkpointInterval', where, 1, viewChangePreparedMax);
  const watermarkWindow = options.watermarkWindow ?? Math.min(2 * checkpointInterval, viewChangePreparedMax);
  requireInteger(watermarkWindow, 'watermarkWindow', where, checkpointInterval, viewChangePreparedMax);
  const resolved = {
    checkpointInterval,
    watermarkWindow,
    blockTxsMax: options.blockTxsMax ?? 1024,
    batchTimeoutTicks: options.batchTimeoutTicks ?? 1,
    viewChangeTimeoutTicks: options.viewChangeTimeoutTicks ?? 8,
    viewChangeTimeoutMaxTicks: options.viewChangeTimeoutMaxTicks ?? 16 * (options.viewChangeTimeoutTicks ?? 8),
    resendTicks: options.resendTicks ?? 3,
    stateTransferTimeoutTicks: options.stateTransferTimeoutTicks ?? 4,
    pendingRequestsMax: options.pendingRequestsMax ?? pendingRequestsMax,
  };
  requireInteger(resolved.blockTxsMax, 'blockTxsMax', where, 1, blockTxsMax);
  requireInteger(resolved.batchTimeoutTicks, 'batchTimeoutTicks', where, 0, 1 << 20);
  requireInteger(resolved.viewChangeTimeoutTicks, 'viewChangeTimeoutTicks', where, 1, 1 << 20);
  requireInteger(
    resolved.viewChangeTimeoutMaxTicks,
    'viewChangeTimeoutMaxTicks',
    where,
    resolved.viewChangeTimeoutTicks,
    1 << 30,
  );
  requireInteger(resolved.resendTicks, 'resendTicks', where, 1, 1 << 20);
  requireInteger(resolved.stateTransferTimeoutTicks, 'stateTransferTimeoutTicks', where, 1, 1 << 20);
  requireInteger(resolved.pendingRequestsMax, 'pendingRequestsMax', where, 1, pendingRequestsMax);
  return resolved;
}
