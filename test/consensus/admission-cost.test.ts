/**
 * What a large consensus message costs a replica before it is dropped (DESIGN 11: adversaries
 * pay, not the consortium). A non-member's message is refused on its envelope header, its body
 * never decoded; a member's body is decoded with every count bounded by the bytes after it and
 * every list of distinct members' messages by the membership, so a NEW-VIEW packed with tiny
 * nested PREPAREs is refused before it is built.
 *
 * Heap is measured as `heapUsed` growth across the call, after a full collection; a probe
 * decodes the same bytes without the bounds to show the measurement would see the cost.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { consensusKindCodes, decodeConsensusMessage } from '../../src/codec/consensus.js';
import { certificateSignaturesMax, viewChangePreparedMax } from '../../src/limits.js';
import { Cluster, chainId, type Key, validatorKeys } from './support/cluster.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap growth (bytes) across `work`, whose result is held until measured. */
function heapGrowth(work: () => unknown): number {
  gc();
  const before = process.memoryUsage().heapUsed;
  const held = work();
  const grown = process.memoryUsage().heapUsed - before;
  expect(held).toBeDefined();
  return grown;
}

const header = 98;
const prepareBytes = header + 48;
const prePrepareBytes = header + 48 + 4 + 1;

/** An envelope header: version 1, `kind`, `sender`, a signature of zeros (never checked before decoding). */
function writeHeader(view: DataView, at: number, kind: number, sender: Uint8Array): void {
  view.setUint8(at, 1);
  view.setUint8(at + 1, kind);
  new Uint8Array(view.buffer, view.byteOffset + at + 2, 32).set(sender);
}

/** The shape of a packed NEW-VIEW. */
interface Shape {
  readonly viewChanges: number;
  /** Prepared certificates per VIEW-CHANGE (default `viewChangePreparedMax`). */
  readonly certificates?: number;
  /** PREPAREs per certificate. */
  readonly prepares: number;
  /** The count written for every certificate's PREPAREs (default the real one). */
  readonly prepareCount?: number;
}

/**
 * A NEW-VIEW of VIEW-CHANGEs, each with prepared certificates of PREPAREs: the canonical
 * layout of (mostly) tiny nested messages, written straight into one buffer (signing ~10^5
 * nested messages would take minutes, and nothing here verifies a signature).
 */
function packedNewView(sender: Uint8Array, shape: Shape): Uint8Array {
  const { viewChanges, certificates = viewChangePreparedMax, prepares, prepareCount = prepares } = shape;
  const certificateBytes = 4 + prePrepareBytes + 2 + prepares * (4 + prepareBytes);
  const viewChangeBytes = header + 8 + 8 + 32 + 32 + 2 + 2 + certificates * certificateBytes;
  const total = header + 8 + 2 + viewChanges * (4 + viewChangeBytes) + 2;
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  writeHeader(view, 0, consensusKindCodes['new-view'], sender);
  let at = header;
  view.setUint32(at, 1, true); // view 1
  at += 8;
  view.setUint16(at, viewChanges, true);
  at += 2;
  for (let v = 0; v < viewChanges; v++) {
    view.setUint32(at, viewChangeBytes, true);
    at += 4;
    writeHeader(view, at, consensusKindCodes['view-change'], sender);
    at += header;
    view.setUint32(at, 1, true); // newView 1
    at += 8 + 8 + 32 + 32 + 2; // checkpoint 0, no proof
    view.setUint16(at, certificates, true);
    at += 2;
    for (let c = 0; c < certificates; c++) {
      view.setUint32(at, prePrepareBytes, true);
      at += 4;
      writeHeader(view, at, consensusKindCodes['pre-prepare'], sender);
      view.setUint32(at + header + 48, 1, true); // a 1-byte block
      at += prePrepareBytes;
      view.setUint16(at, prepareCount, true);
      at += 2;
      for (let p = 0; p < prepares; p++) {
        view.setUint32(at, prepareBytes, true);
        at += 4;
        writeHeader(view, at, consensusKindCodes.prepare, sender);
        at += prepareBytes;
      }
    }
  }
  view.setUint16(at, 0, true); // no PRE-PREPAREs
  expect(at + 2).toBe(total);
  return bytes;
}

const mib = 1024 * 1024;

describe('a large NEW-VIEW of tiny nested PREPAREs', () => {
  const cluster = new Cluster(4);
  const outsider = validatorKeys(1, 9)[0] as Key;
  // ~16 MiB: 7 VIEW-CHANGEs × 64 certificates × 256 PREPAREs, 114,688 nested messages.
  const message = packedNewView(outsider.publicKey, { viewChanges: 7, prepares: certificateSignaturesMax });

  it('probe: decoded without the bounds, it costs several times its size in heap', () => {
    expect(message.length).toBeGreaterThan(16 * mib);
    const grown = heapGrowth(() => decodeConsensusMessage(chainId, message));
    expect(grown).toBeGreaterThan(3 * message.length);
  });

  it('from a non-member, is refused on its header: heap grows by less than its size, nothing is verified', () => {
    const replica = cluster.node(1).replica;
    const verified = replica.stats.signaturesVerified;
    const grown = heapGrowth(() => replica.step(message));
    expect(grown).toBeLessThan(message.length);
    expect(replica.stats.dropped['non-member']).toBe(1);
    expect(replica.stats.signaturesVerified).toBe(verified);
  });

  it('from a non-member, a body that would not even decode is still counted non-member (never read)', () => {
    const replica = cluster.node(2).replica;
    const garbage = message.slice(0, header + 3);
    replica.step(garbage);
    expect(replica.stats.dropped['non-member']).toBe(1);
    expect(replica.stats.dropped.malformed).toBeUndefined();
  });

  it('from a member, with more PREPAREs per certificate than there are members, is refused before it is built', () => {
    const member = cluster.keys[0] as Key;
    // ~9.4 MiB: as many VIEW-CHANGEs as members, each certificate with 256 PREPAREs (of 4 members).
    const fromMember = packedNewView(member.publicKey, { viewChanges: 4, prepares: certificateSignaturesMax });
    const replica = cluster.node(3).replica;
    const verified = replica.stats.signaturesVerified;
    const grown = heapGrowth(() => replica.step(fromMember));
    expect(grown).toBeLessThan(fromMember.length);
    expect(replica.stats.dropped.malformed).toBe(1);
    expect(replica.stats.signaturesVerified).toBe(verified);
    // The codec names the first list over the membership.
    expect(() => decodeConsensusMessage(chainId, fromMember, { signersMax: 4 })).toThrow(
      'newView.viewChanges[0].prepared[0].prepareCount',
    );
  });

  it('from a member, a PREPARE count larger than the bytes that follow is refused before anything is read', () => {
    const member = cluster.keys[0] as Key;
    // One certificate with one PREPARE on the wire, its count claiming the membership's worth:
    // 4 × (u32 length + 98-byte header) = 408 bytes, where 150 are left in the VIEW-CHANGE.
    const lying = packedNewView(member.publicKey, { viewChanges: 1, certificates: 1, prepares: 1, prepareCount: 4 });
    expect(() => decodeConsensusMessage(chainId, lying, { signersMax: 4 })).toThrow(
      /newView\.viewChanges\[0\]\.prepared\[0\]\.prepareCount .*count 4 needs at least 408 bytes, 150 left/,
    );
    const replica = cluster.node(1).replica;
    const malformed = replica.stats.dropped.malformed ?? 0;
    replica.step(lying);
    expect(replica.stats.dropped.malformed).toBe(malformed + 1);
  });

  it('within the membership, the same layout still decodes (the bounds refuse only what no valid message holds)', () => {
    const member = cluster.keys[0] as Key;
    const fitting = packedNewView(member.publicKey, { viewChanges: 4, prepares: 3 });
    const decoded = decodeConsensusMessage(chainId, fitting, { signersMax: 4 });
    expect(decoded.kind).toBe('new-view');
    expect(() => decodeConsensusMessage(chainId, fitting, { signersMax: 3 })).toThrow('newView.viewChangeCount');
    expect(() => decodeConsensusMessage(chainId, fitting, { signersMax: 0 })).toThrow(RangeError);
  });
});
