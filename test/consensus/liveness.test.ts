/**
 * Liveness in the situations the simulator found stuck, rebuilt with plain calls so that they
 * do not depend on a simulator seed. Each scenario comes with a negative control: the same
 * schedule with the path the fix opens closed again, showing the cluster really is stuck there.
 */
import { describe, expect, it } from 'vitest';
import { simulate } from '../../sim/simulation.js';
import { decodeConsensusMessage, type RequestMessage } from '../../src/codec/consensus.js';
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
