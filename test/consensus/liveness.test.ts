/**
 * Liveness in the situations the simulator found stuck, rebuilt with plain calls so that they
 * do not depend on a simulator seed: a request only its own replica holds (with a negative
 * control: the same schedule with every relay lost stays stuck), at every membership size
 * n = 2..9; and a replica left alone in a view change while the others, a quorum without it,
 * commit and fall idle.
 */
import { describe, expect, it } from 'vitest';
import { simulate } from '../../sim/simulation.js';
import { decodeConsensusMessage, type RequestMessage } from '../../src/codec/consensus.js';
import { PeerHeights } from '../../src/consensus/state-transfer.js';
import { Cluster, type InFlight, testTx } from './support/cluster.js';

const committedEverywhere = (cluster: Cluster, ids: readonly number[], height: number) => () =>
  ids.every((id) => cluster.node(id).height >= height);

const requestTxs = (message: InFlight): readonly Uint8Array[] =>
  (decodeConsensusMessage('pbft-test', message.bytes) as RequestMessage).txs;

describe('liveness: requests that reached only the replica they were submitted to', () => {
  // n = 4, f = 1, q = 3; member 3 is silent, so the three others must all take part. Replica
  // 2's REQUEST is lost on every link: it alone holds the request, times out and asks for
  // view 1; the f + 1 rule keeps 0 and 1 (idle, nothing pending) in view 0. (Simulator: sim
  // --nodes 4 --byzantine 1 --byzantine-mode mixed --faults swarm --seed 769954 --blocks 8, at
  // eb65f7f: a supplier's REQUESTs lost, then its node alone in view 6 for 60 s.)
  const stuck = () => {
    const cluster = new Cluster(4);
    cluster.node(3).crash();
    cluster.submit(2, testTx(1));
    cluster.dropAll();
    return cluster;
  };

  it('are relayed when that replica gives up on the view, and commit', () => {
    const cluster = stuck();
    cluster.runUntil(committedEverywhere(cluster, [0, 1, 2], 1), 400);
    const relayed = cluster.sent.filter((m) => m.kind === 'request' && m.from === 2);
    expect(relayed.length).toBeGreaterThan(0);
    for (const id of [0, 1, 2]) expect(cluster.committedTxs(id)).toEqual([Buffer.from(testTx(1)).toString('hex')]);
    cluster.assertAgreement([0, 1, 2]);
  });

  it.each([2, 3, 4, 5, 6, 7, 8, 9])(
    'are relayed and commit at every membership size (n = %i, the f highest members silent)',
    (n) => {
      const cluster = new Cluster(n);
      const f = Math.floor((n - 1) / 3);
      for (let id = n - f; id < n; id++) cluster.node(id).crash();
      const submitter = n - f - 1; // a backup of view 0
      cluster.submit(submitter, testTx(1));
      cluster.dropAll();
      const honest = Array.from({ length: n - f }, (_, id) => id);
      cluster.runUntil(committedEverywhere(cluster, honest, 1), 800);
      cluster.assertAgreement(honest);
    },
  );

  it('negative control: with every REQUEST from replica 2 lost, nothing commits and 2 waits alone', () => {
    const cluster = stuck();
    cluster.filter = (m) => !(m.kind === 'request' && m.from === 2);
    cluster.run(400);
    expect(cluster.nodes.map((node) => node.height)).toEqual([0, 0, 0, 0]);
    expect(cluster.node(2).replica.phase).toBe('changing');
    for (const id of [0, 1]) {
      expect(cluster.node(id).replica.view).toBe(0);
      expect(cluster.node(id).replica.phase).toBe('active');
      expect(cluster.node(id).replica.pendingRequests).toBe(0);
    }
  });

  it("forward a client's re-send: it reaches the primary and commits in view 0, without a view change", () => {
    const cluster = new Cluster(4, { replica: { viewChangeTimeoutTicks: 50 } });
    const tx = testTx(1);
    cluster.submit(2, tx);
    cluster.dropAll();
    cluster.run(5);
    expect(cluster.node(0).replica.pendingRequests).toBe(0);
    cluster.submit(2, tx); // the client re-sends: the replica holds it already
    cluster.runUntil(committedEverywhere(cluster, [0, 1, 2, 3], 1));
    for (const node of cluster.nodes) {
      expect(node.replica.view).toBe(0);
      expect(node.replica.stats.viewChangesStarted).toBe(0);
    }
  });

  it("forward again only a local re-send, never a peer's REQUEST for a request already held", () => {
    const cluster = new Cluster(4);
    const replica = cluster.node(1).replica;
    const first = replica.submitMany([testTx(1), testTx(2)]);
    const again = replica.submitMany([testTx(2), testTx(3)]);
    const broadcasts = again.filter((effect) => effect.kind === 'broadcast');
    expect(broadcasts).toHaveLength(1);
    const message = decodeConsensusMessage('pbft-test', (broadcasts[0] as { message: Uint8Array }).message);
    expect((message as RequestMessage).txs.map((tx) => Buffer.from(tx).toString('hex'))).toEqual(
      [testTx(2), testTx(3)].map((tx) => Buffer.from(tx).toString('hex')),
    );
    // Replica 1's first REQUEST, delivered to replica 2 twice: the second copy is not echoed.
    const request = first.find((effect) => effect.kind === 'broadcast') as { message: Uint8Array };
    expect(
      cluster
        .node(2)
        .replica.step(request.message)
        .filter((e) => e.kind === 'broadcast'),
    ).toHaveLength(0);
    expect(cluster.node(2).replica.step(request.message)).toHaveLength(0);
    expect(requestTxs({ from: 1, to: 2, bytes: request.message, kind: 'request' })).toHaveLength(2);
  });
});

describe('liveness: a replica left alone in a view change', () => {
  // n = 6 (f = 1, q = 4) and n = 9 (f = 2, q = 6), the f highest members silent: the correct
  // members are one more than a quorum. The submitter's REQUEST is lost; it times out alone
  // (its relayed request then commits at the others, in view 0, without it). It drops their
  // view-0 messages, and with no further work nothing carries their height to it.
  it.each([6, 9])('catches up by state transfer once the others fall idle (n = %i), staying in its view', (n) => {
    const cluster = new Cluster(n);
    const f = Math.floor((n - 1) / 3);
    for (let id = n - f; id < n; id++) cluster.node(id).crash();
    const straggler = n - f - 1;
    cluster.submit(straggler, testTx(1));
    cluster.dropAll();
    const others = Array.from({ length: n - f - 1 }, (_, id) => id);
    cluster.runUntil(committedEverywhere(cluster, others, 1), 400);
    expect(cluster.node(straggler).replica.phase).toBe('changing');
    cluster.runUntil(committedEverywhere(cluster, [straggler], 1), 400);
    const replica = cluster.node(straggler).replica;
    expect(replica.stats.committedByStateTransfer).toBe(1);
    expect(replica.view).toBe(1);
    expect(replica.phase).toBe('changing');
    // Nothing above block 1 was ever proposed: no message could have shown the height.
    const proposals = cluster.sent.filter((m) => m.kind === 'pre-prepare');
    expect(
      proposals.every((m) => (decodeConsensusMessage('pbft-test', m.bytes) as { sequence: number }).sequence === 1),
    ).toBe(true);
    cluster.assertAgreement(others.concat(straggler));
  });

  it('probes the next peer round robin without evidence of a height, one fetch at a time', () => {
    const peers = new PeerHeights(1, 4, 2);
    expect(peers.startFetch(5, undefined, true)).toBeUndefined();
    expect(peers.startFetch(5, undefined, true, true)).toBe(0);
    expect(peers.startFetch(5, undefined, true, true)).toBeUndefined(); // in flight
    peers.tick(1);
    expect(peers.startFetch(5, undefined, true, true)).toBe(2); // never itself (member 1)
    peers.cancel();
    expect(peers.startFetch(5, undefined, true, true)).toBe(3);
    peers.cancel();
    expect(peers.startFetch(5, undefined, true, true)).toBe(0);
    // Evidence still picks a peer that showed a higher block.
    peers.cancel();
    peers.saw(0, 9);
    peers.saw(3, 9);
    expect(peers.startFetch(5, undefined, false)).toBe(3);
  });
});

describe('liveness: simulator seeds that were stuck (second line: a seed reproduces its schedule only on the simulator it was found with)', () => {
  it('4 nodes, 1 Byzantine (mixed), swarm faults, seed 769954: live after healing', async () => {
    const result = await simulate({
      nodes: 4,
      byzantine: 1,
      byzantineMode: 'mixed',
      faults: 'swarm',
      seed: 769954,
      blocks: 8,
    });
    expect(result.safetyViolations).toEqual([]);
    expect(result.liveness).toBe('ok');
  }, 60_000);
});
