import { describe, expect, it } from 'vitest';
import { decodeConsensusMessage } from '../../src/codec/consensus.js';
import { RequestRejectedError } from '../../src/consensus/errors.js';
import { Replica } from '../../src/consensus/replica.js';
import { Cluster, chainId, genesisHash, type InFlight, type Key, testTx, validatorKeys } from './support/cluster.js';

describe('PBFT normal case', () => {
  it('commits submitted transactions on every replica, in one order, with certificates anyone can check', async () => {
    const cluster = new Cluster(4);
    for (let i = 1; i <= 5; i++) cluster.submit(i % 4, testTx(i));
    cluster.runUntil(() => cluster.nodes.every((node) => cluster.committedTxs(node.id).length === 5));
    cluster.assertAgreement();
    const reference = cluster.committedTxs(0);
    for (const node of cluster.nodes) expect(cluster.committedTxs(node.id)).toEqual(reference);
    for (const node of cluster.nodes) await cluster.assertCertificates(node.id);
    // Nothing is dropped in a fault-free run except what is harmless.
    for (const node of cluster.nodes) {
      const { dropped } = node.replica.stats;
      expect(dropped['bad-signature'] ?? 0).toBe(0);
      expect(dropped['equivocation'] ?? 0).toBe(0);
    }
  });

  it('executes a request once though it was submitted to every replica and replayed after commit', () => {
    const cluster = new Cluster(4);
    const tx = testTx(7);
    for (let id = 0; id < 4; id++) cluster.submit(id, tx);
    cluster.runUntil(() => cluster.nodes.every((node) => node.height >= 1));
    cluster.run(3);
    for (let id = 0; id < 4; id++) cluster.submit(id, tx); // replay after commit
    // Replay the REQUEST messages too.
    for (const message of cluster.sent.filter((m) => m.kind === 'request'))
      cluster.inject(message.from, message.to, message.bytes);
    cluster.run(10);
    for (const node of cluster.nodes)
      expect(cluster.committedTxs(node.id).filter((hex) => hex === Buffer.from(tx).toString('hex'))).toHaveLength(1);
    expect(cluster.node(0).replica.stats.dropped['replayed-request']).toBeGreaterThan(0);
  });

  it('batches requests into blocks of at most blockTxsMax', () => {
    const cluster = new Cluster(4, { replica: { blockTxsMax: 3, batchTimeoutTicks: 1 } });
    for (let i = 1; i <= 10; i++) cluster.submit(0, testTx(i));
    cluster.runUntil(() => cluster.nodes.every((node) => cluster.committedTxs(node.id).length === 10));
    const sizes = cluster
      .node(1)
      .chain.slice(1)
      .map((stored) => stored.block);
    expect(sizes.length).toBeGreaterThanOrEqual(4);
    cluster.assertAgreement();
  });

  it('holds the next block while the previous one is still collecting COMMITs (several sequence numbers in flight)', () => {
    const cluster = new Cluster(4, { replica: { viewChangeTimeoutTicks: 1000 } });
    cluster.submit(0, testTx(1));
    // Hold back the COMMITs to replica 3: it prepares block 1 but cannot commit it yet.
    const held: InFlight[] = [];
    cluster.filter = (m) => {
      if (m.to === 3 && m.kind === 'commit') {
        held.push(m);
        return false;
      }
      return true;
    };
    cluster.runUntil(() => [0, 1, 2].every((id) => cluster.node(id).height === 1));
    cluster.submit(0, testTx(2));
    cluster.runUntil(() => [0, 1, 2].every((id) => cluster.node(id).height === 2));
    expect(cluster.node(3).height).toBe(0);
    expect(cluster.node(3).replica.footprint.entries).toBe(2); // blocks 1 and 2 both in its log
    // The COMMITs arrive late: replica 3 commits both through consensus, in order.
    cluster.filter = () => true;
    for (const m of held) cluster.inject(m.from, m.to, m.bytes);
    cluster.deliverAll();
    expect(cluster.node(3).height).toBe(2);
    expect(cluster.node(3).replica.stats.committedByConsensus).toBe(2);
    cluster.assertAgreement();
  });

  it('makes checkpoints stable every K blocks and garbage-collects the log below them', () => {
    const cluster = new Cluster(4, { replica: { checkpointInterval: 2, blockTxsMax: 1 } });
    for (let i = 1; i <= 9; i++) cluster.submit(0, testTx(i));
    cluster.runUntil(() => cluster.nodes.every((node) => node.height >= 9));
    cluster.run(4);
    for (const node of cluster.nodes) {
      expect(node.replica.stableCheckpoint.sequence).toBe(8);
      const footprint = node.replica.footprint;
      expect(footprint.prepared).toBeLessThanOrEqual(1);
      expect(footprint.entries).toBeLessThanOrEqual(2);
      // Persisted records below the checkpoint are deleted too.
      const votes = [...node.records.keys()].filter((key) => key.startsWith('vote/') || key.startsWith('prepared/'));
      for (const key of votes) expect(Number(key.split('/')[1])).toBeGreaterThan(8);
    }
  });

  it('a single replica (n = 1, f = 0) commits alone', () => {
    const cluster = new Cluster(1);
    cluster.submit(0, testTx(1));
    cluster.runUntil(() => cluster.node(0).height === 1);
  });
});

describe('PBFT inputs', () => {
  it('refuses malformed and foreign transactions and a full pool with typed errors, keeping what it holds', () => {
    const key = validatorKeys(1)[0] as Key;
    const replica = new Replica({
      chainId,
      validators: [key.publicKey],
      signer: key,
      genesisBlockHash: genesisHash,
      committed: { height: 0, blockHash: genesisHash, stateRoot: new Uint8Array(32), certificate: new Uint8Array(0) },
      pendingRequestsMax: 2,
      batchTimeoutTicks: 100,
    });
    expect(() => replica.submit(new Uint8Array([1, 2, 3]))).toThrow(RequestRejectedError);
    try {
      replica.submit(new Uint8Array([1, 2, 3]));
    } catch (error) {
      expect((error as RequestRejectedError).reason).toBe('malformed');
      expect((error as RequestRejectedError).code).toBe('REQUEST_REJECTED');
    }
    replica.submit(testTx(1));
    replica.submit(testTx(2));
    expect(() => replica.submit(testTx(3))).toThrow(/pool is full/);
    expect(replica.pendingRequests).toBe(2);
    expect(() => replica.submit('tx' as never)).toThrow(TypeError);
  });

  it('submitMany forwards many transactions in one signed REQUEST, and queues none when one is bad', () => {
    const cluster = new Cluster(4, { replica: { batchTimeoutTicks: 5 } });
    const txs = [1, 2, 3, 4, 5].map(testTx);
    const replica = cluster.node(1).replica;
    expect(() => replica.submitMany([...txs, new Uint8Array([9])])).toThrow(/txs\[5\]/);
    expect(replica.pendingRequests).toBe(0);
    const effects = replica.submitMany(txs);
    expect(effects.filter((effect) => effect.kind === 'broadcast')).toHaveLength(1);
    cluster.apply(1, effects);
    cluster.deliverAll();
    for (const node of cluster.nodes) expect(node.replica.pendingRequests).toBe(5);
    cluster.runUntil(() => cluster.nodes.every((node) => cluster.committedTxs(node.id).length === 5));
  });

  it('checks its options and names the bad one', () => {
    const keys = validatorKeys(4);
    const first = keys[0] as Key;
    const base = {
      chainId,
      validators: keys.map((key) => key.publicKey),
      signer: first,
      genesisBlockHash: genesisHash,
      committed: { height: 0, blockHash: genesisHash, stateRoot: new Uint8Array(32), certificate: new Uint8Array(0) },
    };
    expect(() => new Replica({ ...base, checkpointInterval: 0 })).toThrow(/checkpointInterval/);
    expect(() => new Replica({ ...base, watermarkWindow: 1000 })).toThrow(/watermarkWindow/);
    expect(() => new Replica({ ...base, signer: validatorKeys(1, 9)[0] as Key })).toThrow(/not a validator/);
    expect(() => new Replica({ ...base, validators: [first.publicKey, first.publicKey] })).toThrow(/twice/);
    expect(() => new Replica({ ...base, genesisBlockHash: new Uint8Array(31) })).toThrow(/genesisBlockHash/);
    expect(() => new Replica({ ...base, chainId: 'Bad Chain' })).toThrow(/chainId/);
  });

  it('drops malformed, oversized and non-member messages and counts them', () => {
    const cluster = new Cluster(4);
    const replica = cluster.node(1).replica;
    replica.step(new Uint8Array([1, 2, 3]));
    const outsider = validatorKeys(1, 5)[0] as Key;
    const foreign = new Cluster(1, { salt: 5 }).sign(0, {
      kind: 'prepare',
      view: 0,
      sequence: 1,
      digest: new Uint8Array(32),
    });
    expect(decodeConsensusMessage(chainId, foreign).sender).toEqual(outsider.publicKey);
    replica.step(foreign);
    expect(replica.stats.dropped.malformed).toBe(1);
    expect(replica.stats.dropped['non-member']).toBe(1);
    expect(() => replica.step('x' as never)).toThrow(TypeError);
  });
});
