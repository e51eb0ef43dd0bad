/**
 * The replica's side of a refused proposal timestamp. The replica reads no clock and its
 * committed tip carries no time, so the driver judges a block's timestamp (LedgerNode: against
 * its clock; the ledger: against the parent block) and answers `validated(…, false, refusal)`.
 * A backup that refuses does not PREPARE, counts the refusal under its reason, and the view
 * changes to a primary whose block it accepts.
 */
import { describe, expect, it } from 'vitest';
import { consensusMessageKind } from '../../src/codec/consensus.js';
import type { ReplicaEffect } from '../../src/consensus/effects.js';
import type { ProposalRefusal } from '../../src/consensus/stats.js';
import { Cluster, testTx } from './support/cluster.js';

function sentKinds(effects: readonly ReplicaEffect[]): string[] {
  return effects.flatMap((effect) =>
    effect.kind === 'broadcast' || effect.kind === 'send' ? [consensusMessageKind(effect.message)] : [],
  );
}

describe('a proposal refused for its timestamp', () => {
  it('gets no PREPARE from the refusing backups, each counting its reason; the next view commits', () => {
    const cluster = new Cluster(4);
    for (const id of [1, 2, 3]) cluster.node(id).autoValidate = false;
    cluster.submit(0, testTx(1));
    cluster.deliverAll();
    const refusals: ProposalRefusal[] = ['timestamp-ahead', 'timestamp-before-parent', 'invalid-proposal'];
    refusals.forEach((refusal, i) => {
      const node = cluster.node(i + 1);
      const [held] = node.heldValidations.splice(0);
      expect(held?.view).toBe(0);
      const effects = node.replica.validated(held?.height as number, held?.digest as Uint8Array, false, refusal);
      expect(sentKinds(effects)).not.toContain('prepare');
      expect(node.replica.stats.dropped[refusal]).toBe(1);
      cluster.apply(node.id, effects);
    });
    cluster.deliverAll();
    expect(cluster.nodes.every((node) => node.height === 0)).toBe(true);

    // The same backups accept the next view's block: it commits everywhere, in view 1 or later.
    for (const node of cluster.nodes) node.autoValidate = true;
    cluster.runUntil(() => cluster.nodes.every((node) => node.height >= 1));
    for (const node of cluster.nodes) expect(node.chain[1]?.view).toBeGreaterThanOrEqual(1);
    cluster.assertAgreement();
  });

  it('a verdict without a reason is counted as invalid-proposal, and an accepted one sends a PREPARE', () => {
    const cluster = new Cluster(4);
    for (const id of [1, 2]) cluster.node(id).autoValidate = false;
    cluster.submit(0, testTx(1));
    cluster.deliverAll();
    const refusing = cluster.node(1);
    const [refused] = refusing.heldValidations.splice(0);
    expect(
      sentKinds(refusing.replica.validated(refused?.height as number, refused?.digest as Uint8Array, false)),
    ).toEqual([]);
    expect(refusing.replica.stats.dropped['invalid-proposal']).toBe(1);
    const accepting = cluster.node(2);
    const [accepted] = accepting.heldValidations.splice(0);
    const effects = accepting.replica.validated(accepted?.height as number, accepted?.digest as Uint8Array, true);
    expect(sentKinds(effects)).toContain('prepare');
    expect(Object.keys(accepting.replica.stats.dropped)).toEqual([]);
  });
});
