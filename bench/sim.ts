/**
 * `npm run bench -- sim`: how fast the simulator runs whole consortiums, with real signatures
 * (every signed message is verified once per process by our WASM verifier, and its verdict
 * is cached by the hash of key, signature and message for the other nodes that receive it),
 * real ledgers and real block stores over memory-level.
 *
 * Rows: delivered messages per wall-second for a 16-node run (target ≥ 100,000); a 64-node
 * consortium committing 100 blocks (target: it completes); simulated time per wall time for
 * 4 nodes at 100 tx/s offered load with light faults (target ≥ 50×). Each case runs three
 * seeds; the table gives the median, the notes every run. No peer: no other simulator runs
 * this engine.
 */
import { simulate } from '../sim/simulation.js';
import { type BenchRow, type BenchTable, cpuTicks, median, oursName } from './common.js';

interface Run {
  seed: number;
  wallMs: number;
  simulatedMs: number;
  delivered: number;
  blocks: number;
  txs: number;
  liveness: string;
  safe: boolean;
  verified: number;
  cached: number;
  othersCores: number;
}

async function runs(
  options: { nodes: number; blocks: number; faults: 'none' | 'light'; txRate: number },
  seeds: readonly number[],
): Promise<Run[]> {
  const out: Run[] = [];
  for (const seed of seeds) {
    const before = cpuTicks();
    const result = await simulate({ ...options, seed });
    const after = cpuTicks();
    const othersCores =
      before !== undefined && after !== undefined
        ? (after.machine - before.machine - (after.self - before.self)) / 100 / (result.wallMs / 1000)
        : Number.NaN;
    const run: Run = {
      seed,
      wallMs: result.wallMs,
      simulatedMs: result.simulatedMs,
      delivered: result.messages.delivered,
      blocks: result.committedBlocks,
      txs: result.committedTxs,
      liveness: result.liveness,
      safe: result.safetyViolations.length === 0,
      verified: result.signatures.verified,
      cached: result.signatures.cached,
      othersCores,
    };
    process.stderr.write(
      `  ${options.nodes} nodes seed ${seed}: ${run.blocks} blocks, ${run.delivered} messages delivered, ` +
        `${(run.simulatedMs / 1000).toFixed(1)} s simulated in ${(run.wallMs / 1000).toFixed(1)} s wall; others ${othersCores.toFixed(2)} cores\n`,
    );
    out.push(run);
  }
  return out;
}

function describe(runsDone: readonly Run[]): string {
  return runsDone
    .map(
      (r) =>
        `seed ${r.seed}: ${r.blocks} blocks, ${r.txs} txs, ${r.delivered} delivered in ${(r.wallMs / 1000).toFixed(1)} s wall, ` +
        `${(r.simulatedMs / 1000).toFixed(1)} s simulated, liveness ${r.liveness}, safety ${r.safe ? 'ok' : 'VIOLATED'}, ` +
        `${r.verified} signatures verified / ${r.cached} verdicts reused, others ${r.othersCores.toFixed(2)} cores`,
    )
    .join('; ');
}

export async function run(): Promise<BenchTable> {
  const rows: BenchRow[] = [];
  const notes: string[] = [];

  const sixteen = await runs({ nodes: 16, blocks: 60, faults: 'none', txRate: 200 }, [1, 2, 3]);
  const rate = median(sixteen.map((r) => r.delivered / (r.wallMs / 1000)));
  rows.push({
    case: '16 nodes, 60 blocks, no faults',
    impl: oursName,
    itemsPerSec: rate,
    unit: 'delivered msgs',
    msPerCall: median(sixteen.map((r) => r.wallMs)),
    note: 'target ≥ 100,000/s',
  });
  notes.push(`16 nodes: ${describe(sixteen)}.`);

  const big = await runs({ nodes: 64, blocks: 100, faults: 'none', txRate: 200 }, [1]);
  rows.push({
    case: '64 nodes, 100 blocks',
    impl: oursName,
    itemsPerSec: (median(big.map((r) => r.blocks)) * 1000) / median(big.map((r) => r.wallMs)),
    unit: 'blocks',
    msPerCall: median(big.map((r) => r.wallMs)),
    note: big.every((r) => r.blocks >= 100 && r.liveness === 'ok') ? 'completed' : 'did NOT complete',
  });
  notes.push(`64 nodes: ${describe(big)}.`);

  const four = await runs({ nodes: 4, blocks: 300, faults: 'light', txRate: 100 }, [1, 2, 3]);
  const speed = median(four.map((r) => r.simulatedMs / r.wallMs));
  rows.push({
    case: '4 nodes, 100 tx/s offered, light faults',
    impl: oursName,
    itemsPerSec: speed,
    unit: 'simulated s per wall s',
    msPerCall: median(four.map((r) => r.wallMs)),
    note: 'target ≥ 50×',
  });
  notes.push(`4 nodes: ${describe(four)}.`);
  notes.push(
    'Signatures are real: each signed message (and each block’s packed transaction signatures) is verified once per process by the WASM verifier; the other nodes receiving it reuse the verdict, cached under SHA-256(key ‖ signature ‖ message).',
  );
  return { name: 'sim', rows, notes };
}
