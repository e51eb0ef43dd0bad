/**
 * View changes in the scenarios of Castro & Liskov and of failures BFT systems have shipped,
 * each as plain calls: deliveries, drops, crashes and ticks, then assertions.
 */
import { describe, expect, it } from 'vitest';
import { bytesEqual } from '../../src/bytes.js';
import { decodeConsensusMessage, type NewViewMessage } from '../../src/codec/consensus.js';
import { Cluster, type InFlight, testTx, viewOf } from './support/cluster.js';

const live = (cluster: Cluster, ids: readonly number[], height: number) => () =>
  ids.every((id) => cluster.node(id).height >= height);

describe('PBFT view change', () => {
  it('replaces a silent primary', async () => {
    const cluster = new Cluster(4);
    cluster.node(0).crash();
    cluster.submit(1, testTx(1));
    cluster.runUntil(live(cluster, [1, 2, 3], 1));
    for (const id of [1, 2, 3]) {
      expect(cluster.node(id).replica.view).toBe(1);
      expect(cluster.node(id).replica.phase).toBe('active');
    }
    cluster.assertAgreement();
    await cluster.assertCertificates(1);
  });

  it('replaces two faulty primaries in a row (n = 7, f = 2), the NEW-VIEW timeout doubling', () => {
    const cluster = new Cluster(7);
    cluster.node(0).crash();
    cluster.node(1).crash();
    cluster.submit(2, testTx(1));
    cluster.runUntil(live(cluster, [2, 3, 4, 5, 6], 1), 400);
    for (const id of [2, 3, 4, 5, 6]) expect(cluster.node(id).replica.view).toBe(2);
    cluster.assertAgreement();
  });

  it('carries a block prepared at only a minority into the NEW-VIEW', () => {
    const cluster = new Cluster(4);
    cluster.submit(0, testTx(1));
    // Only replica 2 collects PREPAREs; nobody sees a COMMIT.
    cluster.filter = (m) => m.kind !== 'commit' && (m.kind !== 'prepare' || m.to === 2);
    cluster.deliverAll();
    const proposal = cluster.sent.find((m) => m.kind === 'pre-prepare');
    const digest = decodeConsensusMessage('pbft-test', proposal?.bytes as Uint8Array);
    expect(cluster.nodes.every((node) => node.height === 0)).toBe(true);
    cluster.node(0).crash();
    cluster.dropAll();
    // View 0's votes stay lost (else their re-sends would finish view 0): the view changes first.
    cluster.filter = (m) => viewOf(m) !== 0;
    cluster.runUntil(live(cluster, [1, 2, 3], 1));
    const newView = cluster.sent.find((m) => m.kind === 'new-view');
    const message = decodeConsensusMessage('pbft-test', newView?.bytes as Uint8Array) as NewViewMessage;
    expect(message.prePrepares).toHaveLength(1);
    for (const id of [1, 2, 3]) {
      expect(bytesEqual(cluster.node(id).chain[1]?.hash as Uint8Array, (digest as { digest: Uint8Array }).digest)).toBe(
        true,
      );
    }
    cluster.assertAgreement();
  });

  it('does not get stuck when commits split across views (v at one replica, v + 1 at another, the rest in v + 2)', () => {
    const cluster = new Cluster(4);
    cluster.submit(0, testTx(1));
    // View 0: COMMITs reach replica 1 only.
    cluster.filter = (m) => m.kind !== 'commit' || m.to === 1;
    cluster.deliverAll();
    expect(cluster.nodes.map((node) => node.height)).toEqual([0, 1, 0, 0]);
    cluster.node(0).crash();
    cluster.dropAll();
    // View 1 (primary 1): COMMITs reach replica 2 only; view 0's votes stay lost.
    cluster.filter = (m) => viewOf(m) !== 0 && (m.kind !== 'commit' || m.to === 2);
    cluster.runUntil(() => cluster.node(2).height === 1);
    expect(cluster.node(2).chain[1]?.view).toBe(1);
    expect(cluster.node(3).height).toBe(0);
    // Replica 1 (primary of view 1) goes quiet; replica 0 restarts; new work moves the rest to view 2.
    cluster.filter = (m) => m.from !== 1 && viewOf(m) !== 1;
    cluster.node(0).restart();
    cluster.submit(2, testTx(2));
    cluster.submit(3, testTx(2));
    cluster.runUntil(live(cluster, [0, 2, 3], 2), 400);
    for (const id of [0, 2, 3]) expect(cluster.node(id).replica.view).toBeGreaterThanOrEqual(2);
    cluster.assertAgreement();
    // Replica 1 rejoins and converges.
    cluster.filter = () => true;
    cluster.submit(2, testTx(3));
    cluster.runUntil(live(cluster, [0, 1, 2, 3], 3), 400);
    cluster.assertAgreement();
  });

  it('starts a view change with replicas at different stable checkpoints; the NEW-VIEW moves the laggard up', () => {
    const cluster = new Cluster(4, { replica: { checkpointInterval: 2, blockTxsMax: 1 } });
    // Replica 3 never hears the CHECKPOINTs for 4.
    cluster.filter = (m) => !(m.to === 3 && m.kind === 'checkpoint');
    for (let i = 1; i <= 4; i++) cluster.submit(0, testTx(i));
    cluster.runUntil(live(cluster, [0, 1, 2, 3], 4));
    cluster.run(2);
    expect(cluster.node(1).replica.stableCheckpoint.sequence).toBe(4);
    expect(cluster.node(3).replica.stableCheckpoint.sequence).toBe(0);
    cluster.node(0).crash();
    cluster.submit(1, testTx(5));
    cluster.runUntil(live(cluster, [1, 2, 3], 5));
    expect(cluster.node(3).replica.stableCheckpoint.sequence).toBe(4);
    cluster.assertAgreement();
  });

  it('takes a checkpoint that arrives during a view change', () => {
    const cluster = new Cluster(4, { replica: { checkpointInterval: 2, blockTxsMax: 1 } });
    const held: InFlight[] = [];
    cluster.filter = (m) => {
      if (m.to === 3 && m.kind === 'checkpoint') {
        held.push(m);
        return false;
      }
      return !(m.to === 3 && m.kind === 'new-view');
    };
    for (let i = 1; i <= 2; i++) cluster.submit(0, testTx(i));
    cluster.runUntil(live(cluster, [0, 1, 2, 3], 2));
    cluster.node(0).crash();
    cluster.submit(3, testTx(3));
    cluster.runUntil(() => cluster.node(3).replica.phase === 'changing');
    expect(cluster.node(3).replica.stableCheckpoint.sequence).toBe(0);
    cluster.filter = () => true;
    for (const m of held) cluster.inject(m.from, m.to, m.bytes);
    cluster.deliverOne();
    cluster.deliverOne();
    expect(cluster.node(3).replica.stableCheckpoint.sequence).toBe(2);
    cluster.runUntil(live(cluster, [1, 2, 3], 3));
    cluster.assertAgreement();
  });

  it('rejects a NEW-VIEW whose pre-prepare set is wrong or whose bytes were altered after signing', () => {
    const cluster = new Cluster(4);
    cluster.submit(0, testTx(1));
    cluster.filter = (m) => m.kind !== 'commit'; // block 1 prepares everywhere, commits nowhere
    cluster.deliverAll();
    cluster.node(0).crash();
    cluster.dropAll();
    // The new primary (1) computes its NEW-VIEW; hold it back from replica 2 (view 0's votes stay lost).
    cluster.filter = (m) => !(m.kind === 'new-view' && m.to === 2) && viewOf(m) !== 0;
    cluster.runUntil(() => cluster.sent.some((m) => m.kind === 'new-view'));
    cluster.deliverAll();
    const honest = cluster.sent.find((m) => m.kind === 'new-view') as InFlight;
    const message = decodeConsensusMessage('pbft-test', honest.bytes) as NewViewMessage;
    expect(message.prePrepares).toHaveLength(1);
    const replica = cluster.node(2).replica;
    expect(replica.phase).toBe('changing');

    // 1. Bytes altered after signing: one byte of the nested block.
    const altered = honest.bytes.slice();
    altered[altered.length - 5] = (altered[altered.length - 5] as number) ^ 1;
    cluster.apply(2, replica.step(altered));
    expect(replica.stats.dropped['bad-signature']).toBe(1);

    // 2. Signed by the primary, but the pre-prepare set leaves the prepared block out.
    const empty = cluster.sign(1, {
      kind: 'new-view',
      view: 1,
      viewChanges: message.viewChanges.map((vc) => vc.bytes),
      prePrepares: [],
    });
    cluster.apply(2, replica.step(empty));
    expect(replica.stats.dropped['bad-new-view']).toBe(1);

    // 3. Signed by the primary, proposing another block at the prepared height.
    const fork = cluster.forkBlock(2, 1, [testTx(99)], 1);
    const forkPrePrepare = cluster.sign(1, {
      kind: 'pre-prepare',
      view: 1,
      sequence: 1,
      digest: decodeConsensusMessageDigest(fork),
      block: fork,
    });
    const swapped = cluster.sign(1, {
      kind: 'new-view',
      view: 1,
      viewChanges: message.viewChanges.map((vc) => vc.bytes),
      prePrepares: [forkPrePrepare],
    });
    const before = replica.view;
    cluster.apply(2, replica.step(swapped));
    expect(replica.stats.dropped['bad-new-view']).toBeGreaterThanOrEqual(1);
    // A signed NEW-VIEW that does not hold together proves the primary faulty: replica 2 moves on.
    expect(replica.view).toBeGreaterThanOrEqual(before);
    expect(cluster.node(2).height).toBe(0);
    cluster.filter = () => true;
    cluster.runUntil(live(cluster, [1, 2, 3], 1), 400);
    cluster.assertAgreement();
    // The block that committed is the prepared one, not the fork.
    expect(bytesEqual(cluster.node(2).chain[1]?.hash as Uint8Array, message.prePrepares[0]?.digest as Uint8Array)).toBe(
      true,
    );
  });

  it('an asymmetric partition (a replica that sends but never receives) does not drive the others into view changes', () => {
    const cluster = new Cluster(4);
    cluster.filter = (m) => m.to !== 3;
    for (let i = 1; i <= 20; i++) {
      cluster.submit(i % 4, testTx(i));
      cluster.run(3);
    }
    cluster.run(60);
    for (const id of [0, 1, 2]) {
      expect(cluster.node(id).replica.view).toBe(0);
      expect(cluster.node(id).replica.stats.viewChangesStarted).toBe(0);
      expect(cluster.committedTxs(id)).toHaveLength(20);
    }
    expect(cluster.node(3).replica.view).toBeGreaterThan(0); // it suspected everyone, alone
    cluster.assertAgreement();
  });
});

function decodeConsensusMessageDigest(block: Uint8Array): Uint8Array {
  return decodeBlockHash(block);
}

import { blockHash, blockHeaderBytes } from '../../src/codec/block.js';

function decodeBlockHash(block: Uint8Array): Uint8Array {
  return blockHash(block.subarray(0, blockHeaderBytes));
}
