/**
 * What a replica asks its driver to do. The replica never performs I/O: `step`, `tick`,
 * `submit` and the driver's answers (`proposed`, `validated`, `serveBlocks`) each return a
 * list of effects, and the driver carries them out **in order**. Order matters for one rule
 * above all: a `persist` effect must be durable before any later effect in the same list is
 * carried out, because the messages after it carry votes that the persisted records promise
 * never to contradict (persist before send).
 */

/** Persist (or, with `value: null`, delete) one record of the replica's safety state; pass all records back to `Replica` on restart. */
export interface PersistEffect {
  /** The effect's kind. */
  readonly kind: 'persist';
  /** Record key (ASCII, stable across versions). */
  readonly key: string;
  /** The record's bytes, or null to delete it. */
  readonly value: Uint8Array | null;
}

/** Send a signed consensus message to one member. */
export interface SendEffect {
  /** The effect's kind. */
  readonly kind: 'send';
  /** The receiving member's 32-byte public key. */
  readonly to: Uint8Array;
  /** The encoded, signed message. */
  readonly message: Uint8Array;
}

/** Send a signed consensus message to every other member. */
export interface BroadcastEffect {
  /** The effect's kind. */
  readonly kind: 'broadcast';
  /** The encoded, signed message. */
  readonly message: Uint8Array;
}

/**
 * The replica is primary and wants a block: build it on top of the last committed block
 * (height − 1) from these transactions, carrying `previousCertificate`, and hand its bytes to
 * `Replica.proposed`. The driver sets the timestamp and the roots (it runs the ledger).
 */
export interface ProposeEffect {
  /** The effect's kind. */
  readonly kind: 'propose';
  /** The view the block is proposed in. */
  readonly view: number;
  /** The block's height (= its PBFT sequence number). */
  readonly height: number;
  /** Transaction bytes, in the order to include them. */
  readonly txs: readonly Uint8Array[];
  /** Hash of the committed block at `height − 1`. */
  readonly previousHash: Uint8Array;
  /** Encoded commit certificate of the block at `height − 1` (empty for height 1). */
  readonly previousCertificate: Uint8Array;
}

/**
 * Check a proposed block against the application (execute it on top of the last committed
 * block) and answer with `Replica.validated(height, digest, ok, refusal?)` (`refusal` names why a block was refused: `invalid-proposal`, `timestamp-ahead`, `timestamp-before-parent`). The replica has already
 * checked the header's height, hash, link and previous certificate; the driver checks the rest.
 */
export interface ValidateEffect {
  /** The effect's kind. */
  readonly kind: 'validate';
  /** The view of the PRE-PREPARE that carried the block. */
  readonly view: number;
  /** The block's height. */
  readonly height: number;
  /** The block hash, recomputed by the replica from the header bytes. */
  readonly digest: Uint8Array;
  /** The block's bytes. */
  readonly block: Uint8Array;
}

/** A block is committed: apply it and store it with its certificate. Commits come in height order, without gaps. */
export interface CommitEffect {
  /** The effect's kind. */
  readonly kind: 'commit';
  /** The block's height. */
  readonly height: number;
  /** The view its certificate was formed in. */
  readonly view: number;
  /** The block hash. */
  readonly blockHash: Uint8Array;
  /** The block's bytes. */
  readonly block: Uint8Array;
  /** Its encoded commit certificate (2f + 1 COMMIT signatures). */
  readonly certificate: Uint8Array;
  /** How the replica learned it: by taking part in consensus, or from a peer by state transfer. */
  readonly via: 'consensus' | 'state-transfer';
}

/** A peer asked for committed blocks: read them with their certificates and answer with `Replica.serveBlocks`. */
export interface ServeBlocksEffect {
  /** The effect's kind. */
  readonly kind: 'serve-blocks';
  /** The asking member. */
  readonly to: Uint8Array;
  /** First height asked for. */
  readonly fromHeight: number;
  /** Most blocks to send (already capped by `limits.stateResponseBlocksMax`). */
  readonly countMax: number;
}

/** The replica's view changed: it started a view change (`phase: 'changing'`) or entered a view (`'active'`). */
export interface ViewEffect {
  /** The effect's kind. */
  readonly kind: 'view';
  /** The view being changed to, or entered. */
  readonly view: number;
  /** Whether the replica is waiting for a NEW-VIEW or running the view. */
  readonly phase: 'changing' | 'active';
}

/** Everything a replica can ask for. */
export type ReplicaEffect =
  | PersistEffect
  | SendEffect
  | BroadcastEffect
  | ProposeEffect
  | ValidateEffect
  | CommitEffect
  | ServeBlocksEffect
  | ViewEffect;
