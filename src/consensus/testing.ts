/**
 * Test-only switches for the replica (not published: package.json leaves this file out).
 */
import { unsafeQuorumOption } from './quorum.js';

/**
 * `options` with the unsafe "2f + 1" quorum turned on: a negative control that lets a test
 * show an adversary forks the consortium under the old arithmetic.
 */
export function withUnsafeQuorum<T extends object>(options: T): T {
  return { ...options, [unsafeQuorumOption]: true };
}
