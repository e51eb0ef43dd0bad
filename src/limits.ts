/**
 * Every limit the engine enforces, in one place (after TigerBeetle: put a limit on everything).
 * Each is checked at the public boundary that receives the input it bounds.
 */

/** Largest single message `sha256`/`sha256Many` accept, in bytes (1 GiB). */
export const messageBytesMax = 1 << 30;

/** Largest total input of one `sha256Many` call, in bytes (1 GiB). */
export const batchBytesMax = 1 << 30;

/** Most messages in one `sha256Many` call. */
export const batchMessagesMax = 1 << 24;

/**
 * Most leaves in one Merkle tree (2^25). A `MerkleTree` keeps every level in wasm memory while
 * it hashes: 2 × 2^25 hashes (2 GiB) beside the leaves (at most `batchBytesMax` = 1 GiB, plus a
 * 128 MiB offsets table), 3.1 GiB under the 4 GiB wasm32 ceiling; 2^26 leaves would need 6 GiB.
 * Proofs for larger trees verify `false`.
 */
export const merkleLeavesMax = 1 << 25;

/** Longest Merkle inclusion or consistency proof, in hashes (ceil(log2(merkleLeavesMax)) + slack). */
export const merkleProofHashesMax = 64;

/** Largest wasm linear memory we will grow to, in bytes (4 GiB is the wasm32 ceiling). */
export const wasmMemoryBytesMax = 4 * 1024 * 1024 * 1024 - 64 * 1024;

/** Most items in one `ed25519VerifyBatch`/`verifyPackedBatch` call (a pool splits larger sets). */
export const ed25519BatchItemsMax = 1 << 14;

/** Most keys one `Ed25519Suspects` may hold (each costs 32 bytes per batch call). */
export const ed25519SuspectKeysMax = 1 << 16;

/** Largest message `ed25519Verify`/`ed25519Sign` accept, in bytes (16 MiB). */
export const ed25519MessageBytesMax = 1 << 24;

/** Largest total message bytes of one Ed25519 batch (256 MiB). */
export const ed25519BatchMessageBytesMax = 1 << 28;

/** Most worker threads one `CryptoPool` may run. */
export const poolThreadsMax = 256;

/** Largest `maxQueue` a `CryptoPool` accepts: tasks (chunks) waiting for a thread. */
export const poolQueueTasksMax = 1 << 16;

/** Longest `idleTimeout` a `CryptoPool` accepts, in ms (the largest delay a Node timer keeps). */
export const poolIdleTimeoutMsMax = 2 ** 31 - 1;

/** Longest `taskTimeoutMs` a `CryptoPool` accepts, in ms (the largest delay a Node timer keeps). */
export const poolTaskTimeoutMsMax = 2 ** 31 - 1;

/** Most items in one `CryptoPool.verifyBatch` call (it splits them into `ed25519BatchItemsMax` chunks or smaller). */
export const poolVerifyItemsMax = 1 << 20;

/** Largest total message bytes of one `CryptoPool.verifyBatch` call (1 GiB). */
export const poolVerifyMessageBytesMax = 1 << 30;

// ---- Codec (src/codec/): every length a peer can put on the wire ----

/** Longest chain id, in bytes (ASCII `[a-z0-9._-]`): a name, not data. */
export const chainIdBytesMax = 32;

/** Largest canonical transaction payload, in bytes (the largest operation is ~110 bytes). */
export const txPayloadBytesMax = 1024;

/** Largest canonical transaction, in bytes: header fields + payload + signature. */
export const txBytesMax = 1 + 1 + 1 + chainIdBytesMax + 32 + 8 + 2 + txPayloadBytesMax + 64;

/** Most transactions in one block (a block of 16,384 fits one verification batch). */
export const blockTxsMax = 1 << 14;

/** Largest canonical block, in bytes (16,384 transactions of at most ~1.2 KiB, a certificate). */
export const blockBytesMax = 32 * 1024 * 1024;

/** Longest participant name, in UTF-8 bytes. */
export const participantNameBytesMax = 64;

/** Longest shipment id, in UTF-8 bytes. */
export const shipmentIdBytesMax = 64;

/**
 * Largest token amount, balance or total supply: 2^53 − 1, so every amount is an exact
 * JavaScript number and sums of balances (bounded by the total supply) never round.
 */
export const amountMax = Number.MAX_SAFE_INTEGER;

/** Most signatures in one commit certificate (members of the largest consortium). */
export const certificateSignaturesMax = 256;

/** Most members in a genesis (validators plus registered participants at block 0). */
export const genesisMembersMax = 1024;

/** Most shipment attestations one receivable records (its count is a u16 in the stored record). */
export const receivableAttestationsMax = 0xffff;

/** Most parts one receivable may be split into (a repayment pays every part in one tx). */
export const receivablePartsMax = 64;

/**
 * Most sibling hashes in a state proof (src/ledger/state-tree.ts): the state tree branches on
 * the 256 bits of SHA-256(key), so no path is longer than 256 nodes. Checked when decoding a
 * proof from bytes, and a longer proof never verifies.
 */
export const stateProofSiblingsMax = 256;

// ---- Block store (src/store/): what one append may write, and how writes are grouped ----

/** Longest state key the store accepts, in bytes (the ledger's keys are 33: a kind byte and a 32-byte id). */
export const stateKeyBytesMax = 256;

/** Largest state value the store accepts, in bytes (the ledger's largest record, a receivable with 64 parts, is ~2.3 KiB). */
export const stateValueBytesMax = 64 * 1024;

/** Most state writes one block may carry (16 per transaction at the most transactions per block). */
export const blockStateWritesMax = 16 * blockTxsMax;

/**
 * Most blocks (and certificates) the store writes in one group-commit batch: bounds the
 * memory one LevelDB write batch holds and how long one fsync makes the next appends wait.
 */
export const storeGroupCommitBlocksMax = 64;

/**
 * Most bytes (blocks, receipts, state writes) one group-commit batch gathers before it is
 * written; a single block larger than this is still written, alone. Keeps a batch of large
 * blocks from holding several hundred MiB in LevelDB's write buffer at once.
 */
export const storeGroupCommitBytesMax = 64 * 1024 * 1024;

/**
 * Most writes waiting in the store's commit queue (appends and certificates issued without
 * awaiting). Past it a write is refused with `StoreBusyError` instead of queueing without
 * bound: the caller is producing blocks faster than the disk takes them.
 */
export const storeCommitQueueWritesMax = 1024;

/** Most proofs in one `verifyMerkleInclusionMany` call (a pool splits larger audits). */
export const merkleProofBatchItemsMax = 1 << 20;

// --- consensus (src/codec/consensus.ts, src/consensus/) ---------------------------------

/**
 * Most bytes of a block ordered by consensus (a PRE-PREPARE's proposal). Smaller than
 * `blockBytesMax` because a VIEW-CHANGE carries every prepared block above its checkpoint:
 * `viewChangePreparedMax` of them must fit in `consensusMessageBytesMax`.
 */
export const consensusProposalBytesMax = 4 * 1024 * 1024;

/** Most prepared certificates in one VIEW-CHANGE, and most PRE-PREPAREs in one NEW-VIEW (the widest watermark window). */
export const viewChangePreparedMax = 64;

/** Most bytes of one consensus message, nested messages included. */
export const consensusMessageBytesMax = viewChangePreparedMax * consensusProposalBytesMax + 16 * 1024 * 1024;

/** Most blocks in one STATE-RESPONSE (and the most a STATE-REQUEST may ask for). */
export const stateResponseBlocksMax = 64;

/** Most bytes of the blocks in one STATE-RESPONSE. */
export const stateResponseBytesMax = 64 * 1024 * 1024;

/**
 * How many views above its own a replica accepts VIEW-CHANGE and NEW-VIEW messages for. A
 * member announcing view 10^15 is dropped, not followed: views advance one quorum at a time,
 * so a flood of huge view numbers cannot make a replica skip ahead or hold unbounded state.
 */
export const viewChangeAheadMax = 16;

/** Most client transactions a replica holds waiting to be proposed. */
export const pendingRequestsMax = 1 << 16;

/** Most ids of recently committed transactions a replica remembers to drop replays cheaply. */
export const committedTxIdsRememberedMax = 1 << 18;

/** Most transactions in one REQUEST message (a replica forwards what it was given in one signed message). */
export const requestTxsMax = 4096;

/**
 * How far ahead of its own clock a backup accepts a proposed block's timestamp, in ms. Block
 * time decides maturity (a repayment before a receivable's due time is refused), and every
 * later block may not be older than this one, so a primary with a clock far ahead could
 * otherwise mature every receivable at once and pin the chain's time. 15 s covers the
 * clock difference between NTP-synchronised hosts (tens of ms), the proposal's transit and a
 * host that has drifted for a while, and is immaterial against due dates counted in days.
 * A primary never proposes past its own bound (`LedgerNode` options may set another value).
 */
export const blockTimestampFutureToleranceMs = 15_000;

/**
 * Most messages a node hands its replica in one `stepMany` (one signature batch); the rest
 * wait for the next batch. Bounds the decoded messages one step holds, and how long one step
 * keeps ticks and submissions waiting behind a flood.
 */
export const inboxBatchMessagesMax = 1024;

/**
 * Most bytes of messages in one inbox batch (a single larger message still goes, alone): a
 * decoded message costs a few times its bytes in heap (one object and several views per
 * nested message), so one batch holds about 8 full proposals' worth
 * (`consensusProposalBytesMax` each) rather than whatever arrived meanwhile.
 */
export const inboxBatchBytesMax = 32 * 1024 * 1024;
