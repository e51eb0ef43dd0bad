/**
 * Programmer-error assertions (after TigerBeetle): they stay on in production and
 * throw `AssertionError`. Operating errors — bad input, a peer's lie — are never asserted;
 * they get typed errors (`TypeError`, `RangeError`, or the layer's own error classes).
 */
import { AssertionError } from 'node:assert';

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError({ message });
}
