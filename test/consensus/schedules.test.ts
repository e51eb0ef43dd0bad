/**
 * Safety over schedules nobody wrote by hand.
 *
 * 1. A property over random schedules of deliveries (in any order), drops, duplicates,
 *    replays of any message ever sent, ticks, submissions and crash-restarts, for 4
 *    validators of which one is Byzantine. The Byzantine member is built the Twins way (Bano
 *    et al., "Twins: BFT Systems Made Robust", 2022): two honest replicas share its key and
 *    see different messages, which yields equivocation and amnesia without attack code.
 *    Property: no two honest replicas ever commit different blocks at one height.
 * 2. Twins scenarios generated systematically: for each round, a partition of the five nodes
 *    (the twins always on different sides) from a fixed menu, over several rounds; each
 *    scenario runs to the end and is checked for agreement.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzParams, fuzzRuns } from '../support/fuzz.js';
import { Cluster, testTx } from './support/cluster.js';

const honest = [0, 1, 2];

type Action =
  | { t: 'deliver'; k: number }
  | { t: 'drop'; k: number }
  | { t: 'duplicate'; k: number }
  | { t: 'replay'; k: number; to: number }
  | { t: 'tick'; node: number }
  | { t: 'submit'; node: number; n: number }
  | { t: 'restart'; node: number }
  | { t: 'flush' };

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 30, arbitrary: fc.record({ t: fc.constant('deliver' as const), k: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('drop' as const), k: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('duplicate' as const), k: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('replay' as const), k: fc.nat(), to: fc.nat(4) }) },
  { weight: 6, arbitrary: fc.record({ t: fc.constant('tick' as const), node: fc.nat(4) }) },
  {
    weight: 3,
    arbitrary: fc.record({ t: fc.constant('submit' as const), node: fc.nat(4), n: fc.integer({ min: 1, max: 40 }) }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('restart' as const), node: fc.nat(4) }) },
  { weight: 2, arbitrary: fc.constant({ t: 'flush' as const }) },
);

function play(cluster: Cluster, step: Action): void {
  const queue = cluster.queue;
  switch (step.t) {
    case 'deliver': {
      if (queue.length === 0) return;
      const [message] = queue.splice(step.k % queue.length, 1);
      if (message !== undefined) {
        queue.unshift(message);
        cluster.deliverOne();
      }
      return;
    }
    case 'drop':
      if (queue.length > 0) queue.splice(step.k % queue.length, 1);
      return;
    case 'duplicate': {
      const message = queue[step.k % Math.max(1, queue.length)];
      if (message !== undefined) queue.push(message);
      return;
    }
    case 'replay': {
      const message = cluster.sent[step.k % Math.max(1, cluster.sent.length)];
      if (message !== undefined && step.to !== message.from) cluster.inject(message.from, step.to, message.bytes);
      return;
    }
    case 'tick':
      if (cluster.node(step.node).up) cluster.apply(step.node, cluster.node(step.node).replica.tick());
      return;
    case 'submit':
      if (cluster.node(step.node).up) cluster.submit(step.node, testTx(step.n));
      return;
    case 'restart':
      // Crash and restart from the store and persisted records: in-flight work is lost.
      cluster.node(step.node).crash();
      cluster.node(step.node).restart();
      return;
    case 'flush':
      cluster.deliverAll(200);
      return;
  }
}

describe('PBFT safety over random schedules', () => {
  it('no two honest replicas commit different blocks at one height (4 validators, one Byzantine as Twins)', () => {
    let runs = 0;
    let runsThatCommitted = 0;
    fc.assert(
      fc.property(fc.array(action, { minLength: 20, maxLength: 400 }), (steps) => {
        const cluster = new Cluster(4, { twins: [3], replica: { checkpointInterval: 2, watermarkWindow: 4 } });
        for (const step of steps) {
          play(cluster, step);
          cluster.assertAgreement(honest);
        }
        // Heal and let it finish: still safe (liveness is the simulator's liveness phase).
        cluster.run(20);
        cluster.assertAgreement(honest);
        runs++;
        if (honest.some((id) => cluster.node(id).height > 0)) runsThatCommitted++;
      }),
      fuzzParams(0.5),
    );
    // The schedules reach commits (a property over runs that commit nothing checks nothing).
    expect(runsThatCommitted).toBeGreaterThan(runs / 4);
  });

  it('the property can fail: two honest replicas fed a forked history are caught', () => {
    // Negative control: the checker itself sees a fork when one is planted.
    const cluster = new Cluster(4);
    cluster.submit(0, testTx(1));
    cluster.runUntil(() => cluster.nodes.every((node) => node.height === 1));
    const fork = cluster.forkBlock(1, 1, [testTx(2)], 0);
    const stored = cluster.node(1).chain[1];
    if (stored === undefined) throw new Error('no block 1');
    cluster.node(1).chain[1] = { ...stored, block: fork, hash: new Uint8Array(32).fill(9) };
    expect(() => cluster.assertAgreement(honest)).toThrow(/agreement violated at height 1/);
  });
});

describe('Twins scenarios', () => {
  // Nodes: 0, 1, 2 honest; 3 and 4 are the twins of validator 3. Each partition puts the
  // twins on different sides, so each side may be led (or voted) by a copy of validator 3.
  const menu: readonly (readonly number[])[][] = [
    [[0, 1, 2, 3], [4]],
    [
      [0, 1, 3],
      [2, 4],
    ],
    [
      [0, 3],
      [1, 2, 4],
    ],
    [
      [1, 2, 3],
      [0, 4],
    ],
    [[0, 1, 2, 4], [3]],
    [
      [0, 2, 3],
      [1, 4],
    ],
  ];
  const rounds = 3;
  const scenarios: number[][] = [];
  for (let i = 0; i < menu.length ** rounds; i++) {
    const scenario: number[] = [];
    for (let r = 0, rest = i; r < rounds; r++, rest = Math.floor(rest / menu.length)) scenario.push(rest % menu.length);
    scenarios.push(scenario);
  }

  // FUZZ_RUNS scenarios, spread evenly over all of them (all when FUZZ_RUNS ≥ their number).
  const chosen = scenarios.filter(
    (_, i) => fuzzRuns >= scenarios.length || i % Math.ceil(scenarios.length / fuzzRuns) === 0,
  );

  it(`keeps agreement in ${chosen.length} of the ${scenarios.length} scenarios of ${rounds} rounds (partitions × leaders by view)`, () => {
    let committed = 0;
    for (const scenario of chosen) {
      const cluster = new Cluster(4, { twins: [3], replica: { checkpointInterval: 2, viewChangeTimeoutTicks: 2 } });
      let n = 1;
      for (const choice of scenario) {
        const sides = menu[choice] as (readonly number[])[];
        const sideOf = new Map<number, number>();
        sides.forEach((side, i) => {
          for (const id of side) sideOf.set(id, i);
        });
        cluster.filter = (m) => sideOf.get(m.from) === sideOf.get(m.to);
        for (const side of sides) cluster.submit(side[0] as number, testTx(n++));
        cluster.run(8);
        cluster.assertAgreement(honest);
      }
      cluster.filter = () => true;
      cluster.run(20);
      cluster.assertAgreement(honest);
      committed += Math.min(...honest.map((id) => cluster.node(id).height));
    }
    // The scenarios do commit (a run where nothing commits checks nothing).
    expect(committed).toBeGreaterThan(chosen.length);
  });
});
