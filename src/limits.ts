/**
 * Every limit the engine enforces, in one place (STYLE.md: "put a limit on everything").
 * Each is checked at the public boundary that receives the input it bounds.
 */

/** Largest single message `sha256`/`sha256Many` accept, in bytes (1 GiB). */
export const messageBytesMax = 1 << 30;

/** Largest total input of one `sha256Many` call, in bytes (1 GiB). */
export const batchBytesMax = 1 << 30;

/** Most messages in one `sha256Many` call. */
export const batchMessagesMax = 1 << 24;

/** Most leaves in one Merkle tree (2^26: a 2 GiB level of 32-byte hashes is the practical bound). */
export const merkleLeavesMax = 1 << 26;

/** Longest Merkle inclusion or consistency proof, in hashes (ceil(log2(merkleLeavesMax)) + slack). */
export const merkleProofHashesMax = 64;

/** Largest wasm linear memory we will grow to, in bytes (4 GiB is the wasm32 ceiling). */
export const wasmMemoryBytesMax = 4 * 1024 * 1024 * 1024 - 64 * 1024;

/** Most items in one `ed25519VerifyBatch`/`verifyPackedBatch` call (a pool splits larger sets). */
export const ed25519BatchItemsMax = 1 << 14;

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

/** Most items in one `CryptoPool.verifyBatch` call (it splits them into `ed25519BatchItemsMax` chunks or smaller). */
export const poolVerifyItemsMax = 1 << 20;

/** Largest total message bytes of one `CryptoPool.verifyBatch` call (1 GiB). */
export const poolVerifyMessageBytesMax = 1 << 30;
