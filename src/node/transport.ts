/**
 * How a node talks to its peers: messages (opaque bytes, already signed by the replica) to a
 * peer named by its public key, or to every peer. The simulator's network implements it in
 * one process (sim/node.ts); a network transport between hosts implements the same
 * interface. Delivery is asynchronous and may lose, repeat or reorder messages: the replica is
 * built for that.
 */

/**
 * Receives one message from a peer. A transport may call it again before the returned promise
 * settles (the node queues messages itself and takes those that wait in one batch); the promise
 * settles once the message has been handled.
 */
export type MessageHandler = (from: Uint8Array, message: Uint8Array) => Promise<void>;

/** A node's connection to the consortium. */
export interface Transport {
  /** Sends to the member with public key `to` (dropped if unknown or unreachable). */
  send(to: Uint8Array, message: Uint8Array): void;
  /** Sends to every other member. */
  broadcast(message: Uint8Array): void;
  /** Sets the handler of incoming messages (one per transport; a later call replaces it). */
  onMessage(handler: MessageHandler): void;
  /** Stops delivering to this node. */
  close(): Promise<void>;
}
