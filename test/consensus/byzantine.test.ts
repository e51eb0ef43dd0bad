/**
 * Hostile members and crashes: equivocation, forged and replayed votes, view-number floods,
 * a crash between signing a vote and persisting it, lagging replicas and lying state-transfer
 * peers. Each written as plain calls; each with the assertion that would fail if the defence
 * were missing.
 */
import { describe, expect, it } from 'vitest';
import { bytesEqual } from '../../src/bytes.js';
import { blockHash, blockHeaderBytes } from '../../src/codec/block.js';
import { decodeConsensusMessage, type PrePrepareMessage } from '../../src/codec/consensus.js';
import { viewChangeAheadMax } from '../../src/limits.js';
import { Cluster, chainId, genesisHash, type InFlight, testTx } from './support/cluster.js';

const hashOf = (block: Uint8Array) => blockHash(block.subarray(0, blockHeaderBytes));
const live = (cluster: Cluster, ids: readonly number[], height: number) => () =>
  ids.every((id) => cluster.node(id).height >= height);

/** PREPAREs node `from` sent for `digest`. */
function preparesFor(cluster: Cluster, from: number, digest: Uint8Array): InFlight[] {
  return cluster.sent.filter(
    (m) =>
      m.from === from &&
      m.kind === 'prepare' &&
      bytesEqual((decodeConsensusMessage(chainId, m.bytes) as { digest: Uint8Array }).digest, digest),
  );
}

describe('PBFT under Byzantine members', () => {
  it('an equivocating primary (two PRE-PREPAREs for one sequence number) cannot make replicas commit different blocks', () => {
    const cluster = new Cluster(4);
    cluster.node(0).crash(); // the primary's honest replica is off; the test speaks for its key
    const blockA = cluster.forkBlock(1, 1, [testTx(1)], 0);
    const blockB = cluster.forkBlock(1, 1, [testTx(2)], 0);
    const prePrepare = (block: Uint8Array) =>
      cluster.sign(0, { kind: 'pre-prepare', view: 0, sequence: 1, digest: hashOf(block), block });
    cluster.inject(0, 1, prePrepare(blockA));
    cluster.inject(0, 2, prePrepare(blockA));
    cluster.inject(0, 3, prePrepare(blockB));
    cluster.inject(0, 3, prePrepare(blockA)); // replica 3 sees both
    cluster.deliverAll();
    expect(cluster.node(3).replica.stats.dropped.equivocation).toBe(1);
    expect(cluster.nodes.every((node) => node.height === 0)).toBe(true);
    // The view changes; the block prepared at a quorum (A) is the one that commits.
    cluster.submit(1, testTx(3));
    cluster.runUntil(live(cluster, [1, 2, 3], 2));
    cluster.assertAgreement([1, 2, 3]);
    expect(bytesEqual(cluster.node(3).chain[1]?.hash as Uint8Array, hashOf(blockA))).toBe(true);
  });

  it('a forged vote is not counted: wrong signer, bad signature, non-member', () => {
    const cluster = new Cluster(4);
    cluster.submit(0, testTx(1));
    // Let block 1 prepare everywhere, but no COMMIT reaches replica 3.
    cluster.filter = (m) => !(m.kind === 'commit' && m.to === 3);
    cluster.deliverAll();
    const commit = cluster.sent.find((m) => m.kind === 'commit' && m.from === 1) as InFlight;
    const replica = cluster.node(3).replica;
    // Replica 2's key on replica 1's signature.
    const wrongSigner = commit.bytes.slice();
    wrongSigner.set(cluster.keys[2]?.publicKey as Uint8Array, 2);
    // Replica 1's commit with its signature flipped.
    const badSignature = commit.bytes.slice();
    badSignature[40] = (badSignature[40] as number) ^ 0x01;
    const outsider = new Cluster(1, { salt: 3 }).sign(0, decodeCommitBody(commit.bytes));
    cluster.apply(3, replica.stepMany([wrongSigner, badSignature, outsider]));
    expect(replica.stats.dropped['bad-signature']).toBe(2);
    expect(replica.stats.dropped['non-member']).toBe(1);
    expect(cluster.node(3).height).toBe(0); // its own COMMIT + 0 counted forgeries < 2f + 1
    // The genuine ones commit it.
    cluster.filter = () => true;
    cluster.run(4);
    expect(cluster.node(3).height).toBe(1);
  });

  it('drops a replayed old-view message and a mutated replay (shifted view, old proposal)', () => {
    const cluster = new Cluster(4);
    cluster.submit(0, testTx(1));
    cluster.runUntil(live(cluster, [0, 1, 2, 3], 1));
    const viewZero = [
      ...cluster.sent.filter((m) => m.kind === 'pre-prepare' || m.kind === 'prepare' || m.kind === 'commit'),
    ];
    cluster.node(0).crash();
    cluster.submit(1, testTx(2));
    cluster.runUntil(live(cluster, [1, 2, 3], 2));
    const replica = cluster.node(2).replica;
    expect(replica.view).toBe(1);
    const before = { ...replica.stats.dropped };
    // 1. Plain replay of view 0's messages.
    cluster.apply(2, replica.stepMany(viewZero.filter((m) => m.to === 2).map((m) => m.bytes)));
    expect((replica.stats.dropped['stale-view'] ?? 0) - (before['stale-view'] ?? 0)).toBeGreaterThan(0);
    // 2. The old PRE-PREPARE with its view shifted to 1: the signature no longer verifies.
    const old = viewZero.find((m) => m.kind === 'pre-prepare' && m.to === 2) as InFlight;
    const shifted = old.bytes.slice();
    shifted[98] = 1; // view u53, little-endian, first body byte
    cluster.apply(2, replica.step(shifted));
    expect(replica.stats.dropped['bad-signature']).toBe(1);
    // 3. The old proposal, re-signed for view 1 by its primary: already committed.
    const oldProposal = decodeConsensusMessage(chainId, old.bytes) as PrePrepareMessage;
    const resigned = cluster.sign(1, {
      kind: 'pre-prepare',
      view: 1,
      sequence: 1,
      digest: oldProposal.digest,
      block: oldProposal.block,
    });
    const dropped = () => (replica.stats.dropped['stale-sequence'] ?? 0) + (replica.stats.dropped.duplicate ?? 0);
    const droppedBefore = dropped();
    cluster.apply(2, replica.step(resigned));
    expect(dropped() - droppedBefore).toBe(1);
    cluster.assertAgreement([1, 2, 3]);
    expect(cluster.node(2).height).toBe(2);
  });

  it('a view-number flood from one member neither moves the others nor grows their memory', () => {
    const cluster = new Cluster(4);
    const flood = (view: number) =>
      cluster.sign(3, {
        kind: 'view-change',
        newView: view,
        checkpoint: { sequence: 0, blockHash: genesisHash, stateRoot: new Uint8Array(32) },
        checkpointProof: [],
        prepared: [],
      });
    const views = [...Array.from({ length: 200 }, (_, i) => i + 1), 1e6, 2 ** 40, Number.MAX_SAFE_INTEGER];
    for (const view of views) for (const to of [0, 1, 2]) cluster.inject(3, to, flood(view));
    cluster.deliverAll();
    for (const id of [0, 1, 2]) {
      const replica = cluster.node(id).replica;
      expect(replica.view).toBe(0);
      expect(replica.phase).toBe('active');
      expect(replica.stats.dropped['view-too-far']).toBe(views.length - viewChangeAheadMax);
      expect(replica.footprint.viewChanges).toBeLessThanOrEqual(viewChangeAheadMax);
    }
    // The consortium keeps committing.
    cluster.submit(0, testTx(1));
    cluster.runUntil(live(cluster, [0, 1, 2], 1));
    expect(cluster.node(0).replica.view).toBe(0);
  });

  it('persists a vote before sending it: after a crash between the two it never signs a conflicting vote', () => {
    for (const keepRecords of [true, false]) {
      const cluster = new Cluster(4);
      cluster.node(0).crash(); // the test speaks for the primary's key
      const blockA = cluster.forkBlock(1, 1, [testTx(1)], 0);
      const blockB = cluster.forkBlock(1, 1, [testTx(2)], 0);
      const prePrepare = (block: Uint8Array) =>
        cluster.sign(0, { kind: 'pre-prepare', view: 0, sequence: 1, digest: hashOf(block), block });
      // Replica 1 prepares A: the vote is persisted, then the replica crashes before sending.
      cluster.node(1).crashAfterPersist = true;
      cluster.inject(0, 1, prePrepare(blockA));
      cluster.deliverAll();
      expect(cluster.node(1).up).toBe(false);
      expect(preparesFor(cluster, 1, hashOf(blockA))).toHaveLength(0);
      if (!keepRecords) cluster.node(1).records.clear(); // negative control: a replica that forgot
      cluster.node(1).restart();
      // The equivocating primary now offers B at the same (view, sequence).
      cluster.inject(0, 1, prePrepare(blockB));
      cluster.deliverAll();
      const conflicting = preparesFor(cluster, 1, hashOf(blockB));
      if (keepRecords) {
        expect(conflicting).toHaveLength(0);
        expect(cluster.node(1).replica.stats.dropped['conflicts-own-vote']).toBe(1);
      } else {
        expect(conflicting.length).toBeGreaterThan(0); // without the record it would have equivocated
      }
    }
  });

  it('a replica beyond the high watermark catches up by state transfer, then takes part again', async () => {
    const cluster = new Cluster(4, { replica: { checkpointInterval: 2, watermarkWindow: 4, blockTxsMax: 1 } });
    cluster.node(3).crash();
    for (let i = 1; i <= 12; i++) cluster.submit(0, testTx(i));
    cluster.runUntil(live(cluster, [0, 1, 2], 12));
    cluster.node(3).restart();
    cluster.submit(0, testTx(13));
    cluster.runUntil(live(cluster, [0, 1, 2, 3], 13));
    expect(cluster.node(3).replica.stats.committedByStateTransfer).toBeGreaterThanOrEqual(11);
    cluster.assertAgreement();
    await cluster.assertCertificates(3);
    // Now it votes: with replica 0 down, 1, 2 and 3 still make a quorum.
    cluster.node(0).crash();
    cluster.submit(1, testTx(14));
    cluster.runUntil(live(cluster, [1, 2, 3], 14));
    cluster.assertAgreement();
  });

  it('ignores a peer that serves a corrupt block or a bad certificate in state transfer, and fetches elsewhere', () => {
    const cluster = new Cluster(4, { replica: { blockTxsMax: 1 } });
    cluster.node(3).crash();
    for (let i = 1; i <= 5; i++) cluster.submit(0, testTx(i));
    cluster.runUntil(live(cluster, [0, 1, 2], 5));
    // Replicas 0 and 1 lie: 0 flips a byte of every block's header, 1 serves another block's certificate.
    const corrupt = cluster.node(0).chain;
    for (let h = 1; h < corrupt.length; h++) {
      const stored = corrupt[h] as (typeof corrupt)[number];
      const block = stored.block.slice();
      block[20] = (block[20] as number) ^ 1;
      corrupt[h] = { ...stored, block };
    }
    const lying = cluster.node(1).chain;
    for (let h = 2; h < lying.length; h++) {
      lying[h] = {
        ...(lying[h] as (typeof lying)[number]),
        certificate: (lying[h - 1] as (typeof lying)[number]).certificate,
      };
    }
    cluster.node(3).restart();
    cluster.submit(2, testTx(6));
    cluster.runUntil(() => cluster.node(3).height >= 6);
    expect(cluster.node(3).replica.stats.dropped['bad-state-response']).toBeGreaterThanOrEqual(1);
    cluster.assertAgreement([2, 3]);
  });

  it('a primary whose blocks the application refuses is replaced', () => {
    const cluster = new Cluster(4);
    for (const id of [1, 2, 3]) cluster.node(id).refuseBlocks = true;
    cluster.submit(0, testTx(1));
    cluster.deliverAll();
    for (const id of [1, 2, 3]) {
      expect(cluster.node(id).replica.stats.dropped['invalid-proposal']).toBe(1);
      expect(cluster.node(id).replica.view).toBe(0); // not prepared; the request timer decides
    }
    cluster.runUntil(() => [1, 2, 3].every((id) => cluster.node(id).replica.view === 1));
    for (const id of [1, 2, 3]) cluster.node(id).refuseBlocks = false;
    cluster.runUntil(live(cluster, [0, 1, 2, 3], 1));
    expect(cluster.node(0).chain[1]?.view).toBeGreaterThanOrEqual(1);
    cluster.assertAgreement();
  });

  it('bounds what one member can make a replica hold: pending requests, log entries, checkpoints', () => {
    const cluster = new Cluster(4, { replica: { pendingRequestsMax: 8, checkpointInterval: 2, watermarkWindow: 4 } });
    // Requests over the pool's limit are dropped, not queued.
    for (let i = 1; i <= 20; i++) cluster.inject(3, 1, cluster.sign(3, { kind: 'request', txs: [testTx(i)] }));
    // PREPAREs for sequence numbers far past the watermark are dropped, not logged.
    for (let s = 1; s <= 100; s++) {
      cluster.inject(
        3,
        1,
        cluster.sign(3, { kind: 'prepare', view: 0, sequence: s, digest: new Uint8Array(32).fill(s) }),
      );
    }
    cluster.deliverAll();
    const replica = cluster.node(1).replica;
    expect(replica.footprint.pending).toBe(8);
    expect(replica.stats.dropped['pool-full']).toBe(12);
    expect(replica.footprint.entries).toBeLessThanOrEqual(4);
    expect(replica.stats.dropped['beyond-watermark']).toBe(96);
  });
});

function decodeCommitBody(bytes: Uint8Array) {
  const commit = decodeConsensusMessage(chainId, bytes) as { view: number; sequence: number; digest: Uint8Array };
  return { kind: 'commit' as const, view: commit.view, sequence: commit.sequence, digest: commit.digest };
}

describe('PBFT: holes found in review, closed', () => {
  it('a junk NEW-VIEW from a member that is not that view’s primary moves nobody', () => {
    const cluster = new Cluster(4);
    // Member 1 signs a NEW-VIEW for view 2 (whose primary is member 2).
    const vc = cluster.sign(1, {
      kind: 'view-change',
      newView: 2,
      checkpoint: { sequence: 0, blockHash: genesisHash, stateRoot: new Uint8Array(32) },
      checkpointProof: [],
      prepared: [],
    });
    const junk = cluster.sign(1, { kind: 'new-view', view: 2, viewChanges: [vc], prePrepares: [] });
    for (const to of [0, 2, 3]) cluster.inject(1, to, junk);
    cluster.deliverAll();
    for (const id of [0, 2, 3]) {
      expect(cluster.node(id).replica.view).toBe(0);
      expect(cluster.node(id).replica.stats.dropped['bad-new-view']).toBe(1);
    }
  });

  it('a VIEW-CHANGE from a non-member does not count toward the 2f + 1 of a NEW-VIEW', () => {
    const cluster = new Cluster(4);
    const outsider = new Cluster(1, { salt: 7 });
    const body = (newView: number) => ({
      kind: 'view-change' as const,
      newView,
      checkpoint: { sequence: 0, blockHash: genesisHash, stateRoot: new Uint8Array(32) },
      checkpointProof: [],
      prepared: [],
    });
    // View 1's primary is member 1: it and member 3 plus an outside key "make" a quorum.
    const viewChanges = [cluster.sign(1, body(1)), cluster.sign(3, body(1)), outsider.sign(0, body(1))];
    const newView = cluster.sign(1, { kind: 'new-view', view: 1, viewChanges, prePrepares: [] });
    cluster.apply(2, cluster.node(2).replica.step(newView));
    expect(cluster.node(2).replica.stats.dropped['bad-new-view']).toBe(1);
    // Not entered: the NEW-VIEW was refused, and since view 1's primary signed it, replica 2 moves past view 1.
    expect(cluster.node(2).replica.view === 1 && cluster.node(2).replica.phase === 'active').toBe(false);
  });

  it('serves at most one STATE-REQUEST per member per tick, also within one batch', () => {
    const cluster = new Cluster(4, { replica: { blockTxsMax: 1 } });
    cluster.submit(0, testTx(1));
    cluster.runUntil(live(cluster, [0, 1, 2, 3], 1));
    const request = cluster.sign(3, { kind: 'state-request', fromHeight: 1, countMax: 4 });
    const effects = cluster.node(1).replica.stepMany([request, request.slice(), request.slice()]);
    expect(effects.filter((effect) => effect.kind === 'serve-blocks')).toHaveLength(1);
    expect(cluster.node(1).replica.stats.dropped['rate-limited']).toBe(2);
  });

  it('a STATE-RESPONSE holding something that is not a block is a bad response', () => {
    const cluster = new Cluster(4, { replica: { blockTxsMax: 1 } });
    cluster.node(3).crash();
    for (let i = 1; i <= 3; i++) cluster.submit(0, testTx(i));
    cluster.runUntil(live(cluster, [0, 1, 2], 3));
    // Replica 0 answers with garbage first, then real blocks.
    const garbage = {
      ...(cluster.node(0).chain[1] as (typeof cluster.nodes)[0]['chain'][number]),
      block: new Uint8Array(10),
    };
    cluster.node(0).chain[1] = garbage;
    cluster.node(3).restart();
    cluster.submit(1, testTx(4));
    cluster.runUntil(() => cluster.node(3).height >= 4);
    expect(cluster.node(3).replica.stats.dropped['bad-state-response']).toBeGreaterThanOrEqual(1);
    cluster.assertAgreement([1, 2, 3]);
  });
});
