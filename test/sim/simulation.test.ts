/**
 * The simulator in CI: a fixed set of seeds across fault profiles, Byzantine modes and
 * cluster sizes (4, 7 and 16 nodes; every size from 1 to 10 and 16 in membership-*.test.ts),
 * each required to keep safety and pass the liveness phase; an equivocating primary in view 0;
 * a negative control beyond f; determinism (same seed and options → same trace hash); random
 * seeds under FUZZ_RUNS; the command line's outputs (`--json`, `--commits`, `--report`,
 * `--seeds`, n, f and q), with agreement re-checked from the commits file alone; and
 * `npm run sim:campaign` (its configurations, its seed-to-configuration mapping, a small run).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { type ByzantineMode, byzantineModes } from '../../sim/byzantine.js';
import {
  byzantinePrimarySeed,
  campaignSizes,
  configForSeed,
  configLabel,
  parseConfigs,
} from '../../sim/campaign-configs.js';
import { replayCommand } from '../../sim/cli.js';
import { type FaultProfile, type SimOptions, simulate } from '../../sim/simulation.js';
import { faultsTolerated } from '../../src/consensus/quorum.js';
import { captureCliOutput, captured, runCli } from '../support/cli.js';
import { fuzzRuns } from '../support/fuzz.js';

/** `npm run sim:campaign -- …args` (tsx sim/campaign.ts) in a process of its own. */
function runCampaignScript(args: readonly string[]): Promise<{ stdout: string; code: number }> {
  return new Promise((resolve) => {
    execFile('npx', ['tsx', 'sim/campaign.ts', ...args], (error, stdout) => {
      resolve({ stdout, code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1 });
    });
  });
}

const directory = mkdtempSync(join(tmpdir(), 'consortium-sim-test-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const fixed: [number, number, FaultProfile, ByzantineMode, number][] = [
  // nodes, byzantine, faults, mode, seed
  [4, 0, 'none', 'silent', 1],
  [4, 0, 'light', 'silent', 2],
  [4, 0, 'swarm', 'silent', 3],
  [4, 1, 'light', 'silent', 4],
  [4, 1, 'light', 'equivocate', 5],
  [4, 1, 'swarm', 'forge', 6],
  [4, 1, 'light', 'flood', 7],
  [4, 1, 'light', 'twins', 8],
  [4, 1, 'swarm', 'mixed', 9],
  [7, 2, 'light', 'mixed', 10],
  [7, 2, 'swarm', 'equivocate', 11],
  [16, 5, 'light', 'mixed', 12],
  // Regressions found by random seeds: view-change timeouts doubling without a cap left a
  // healed consortium idle (95950); two correct replicas waiting at view v for a VIEW-CHANGE
  // that the third, already at v + 1, had lost (104, 123).
  [4, 1, 'swarm', 'mixed', 95950],
  [4, 1, 'swarm', 'mixed', 104],
  [4, 1, 'swarm', 'mixed', 123],
];

describe('simulator: fixed seeds', () => {
  it.each(fixed)(
    '%i nodes, %i Byzantine, %s faults, %s, seed %i: safe and live',
    async (nodes, byzantine, faults, byzantineMode, seed) => {
      const result = await simulate({ nodes, byzantine, faults, byzantineMode, seed, blocks: nodes >= 16 ? 6 : 10 });
      expect(result.safetyViolations, `replay: seed ${seed}`).toEqual([]);
      expect(result.liveness).toBe('ok');
      expect(result.audit).toBe('ok');
      // Under swarm faults the safety phase may end at its time cap before the target; the
      // liveness phase then still requires new commits.
      expect(result.committedBlocks).toBeGreaterThanOrEqual(faults === 'swarm' ? 3 : nodes >= 16 ? 6 : 10);
    },
    120_000,
  );

  it('is deterministic: the same seed and options give the same trace hash; another seed another', async () => {
    const options: SimOptions = {
      nodes: 4,
      byzantine: 1,
      faults: 'swarm',
      byzantineMode: 'mixed',
      seed: 77,
      blocks: 8,
    };
    const first = await simulate(options);
    const second = await simulate(options);
    expect(second.traceHash).toBe(first.traceHash);
    expect(second.committedTxs).toBe(first.committedTxs);
    expect((await simulate({ ...options, seed: 78 })).traceHash).not.toBe(first.traceHash);
  }, 120_000);

  it('runs over real LevelDB stores with --store leveldb', async () => {
    const result = await simulate({
      nodes: 4,
      seed: 5,
      blocks: 5,
      faults: 'light',
      store: 'leveldb',
      storeDir: join(directory, 'leveldb'),
    });
    expect(result.safetyViolations).toEqual([]);
    expect(result.liveness).toBe('ok');
  }, 120_000);

  it('negative control: more Byzantine members than f (2 of 4, silent) stall it', async () => {
    // With 2 of 4 members Byzantine (f = 1) the honest 2 are short of a quorum (q = 3): the run
    // must not pass quietly. (Checkers fed forks and broken ledgers: test/sim/checkers.test.ts.)
    const results = await Promise.all(
      [21, 22, 23].map((seed) =>
        simulate({ nodes: 4, byzantine: 2, byzantineMode: 'silent', faults: 'none', seed, blocks: 5 }),
      ),
    );
    for (const result of results) {
      expect([result.byzantine, result.byzantineMode]).toEqual([2, 'silent']);
      expect(result.liveness).not.toBe('ok');
    }
  }, 120_000);

  // The seed puts an equivocator in the primary's seat of view 0. It sends its block to every
  // second peer (the first, the third, …) and a re-signed sibling (another state root) to the rest. At n = 4 the
  // block reaches 2 of 3 peers: with the primary that is q = 3, so view 0 commits it and the
  // peer holding the sibling is outvoted. At n = 7 it reaches 3 of 6: 4 < q = 5, and neither
  // block can commit, so the honest members replace the primary before the first commit.
  it.each([
    [4, 1, 'commits the block in view 0'],
    [7, 2, 'changes view before the first commit'],
  ])(
    'equivocating primary (%i nodes, %i equivocating, view 0 theirs) %s; safe and live',
    async (nodes, byzantine, outcome) => {
      const seed = byzantinePrimarySeed(nodes, byzantine, 500);
      const options = {
        nodes,
        byzantine,
        byzantineMode: 'equivocate' as const,
        faults: 'none' as const,
        seed,
        blocks: 6,
      };
      const result = await simulate(options);
      const replay = `replay: ${replayCommand(options)}`;
      expect([result.nodes, result.byzantine, result.byzantineMode], replay).toEqual([nodes, byzantine, 'equivocate']);
      // SimResult counts no dropped PRE-PREPAREs; when the first honest member left view 0 against
      // when the first block committed tells which way the equivocation went.
      const firstViewChangeMs = result.series.views.timeMs[0] ?? Number.POSITIVE_INFINITY;
      const firstCommitMs = result.series.commitLatency.timeMs[0] ?? Number.POSITIVE_INFINITY;
      expect(
        firstCommitMs < firstViewChangeMs ? 'commits the block in view 0' : 'changes view before the first commit',
        replay,
      ).toBe(outcome);
      expect(result.safetyViolations, replay).toEqual([]);
      expect(result.liveness, replay).toBe('ok');
    },
    120_000,
  );
});

describe('simulator: random seeds (FUZZ_RUNS)', () => {
  const count = Math.max(2, Math.round(fuzzRuns / 25));
  const seeds = Array.from({ length: count }, (_, i) => 1000 + ((Date.now() + i * 7919) % 1_000_000));
  it.each(seeds)(
    'seed %i, 4 nodes, 1 Byzantine (mixed), swarm faults',
    async (seed) => {
      const result = await simulate({
        nodes: 4,
        byzantine: 1,
        byzantineMode: 'mixed',
        faults: 'swarm',
        seed,
        blocks: 8,
      });
      expect(
        result.safetyViolations,
        `replay: consortium-ledger sim --nodes 4 --byzantine 1 --byzantine-mode mixed --faults swarm --seed ${seed} --blocks 8`,
      ).toEqual([]);
      expect(result.liveness, `replay seed ${seed}`).toBe('ok');
    },
    120_000,
  );
});

describe('consortium-ledger sim', () => {
  captureCliOutput();

  it('--json, --commits and --report: agreement holds in the commits file alone; the report is offline', async () => {
    const commits = join(directory, 'commits.jsonl');
    const report = join(directory, 'report.html');
    const code = await runCli(
      'sim',
      '--nodes',
      '4',
      '--byzantine',
      '1',
      '--byzantine-mode',
      'forge',
      '--faults',
      'light',
      '--seed',
      '31',
      '--blocks',
      '6',
      '--json',
      '--commits',
      commits,
      '--report',
      report,
      '--no-progress',
    );
    expect(code).toBe(0);
    const result = JSON.parse(captured.out.join('\n')) as Record<string, unknown>;
    for (const key of [
      'seed',
      'nodes',
      'byzantine',
      'committedBlocks',
      'committedTxs',
      'traceHash',
      'safetyViolations',
      'liveness',
      'messages',
      'viewChanges',
      'simulatedMs',
      'wallMs',
    ]) {
      expect(result).toHaveProperty(key);
    }
    expect(result.seed).toBe(31);
    expect(result.consortium).toEqual({ validators: 4, faultsTolerated: 1, quorum: 3 });
    const lines = readFileSync(commits, 'utf8')
      .trim()
      .split('\n')
      .map(
        (line) =>
          JSON.parse(line) as {
            node: number;
            byzantine: boolean;
            height: number;
            hash: string;
            stateRoot: string;
            txs: string[];
            role: string;
          },
      );
    expect(lines.length).toBeGreaterThan(0);
    const byHeight = new Map<number, string>();
    for (const line of lines.filter((l) => !l.byzantine)) {
      const seen = byHeight.get(line.height);
      if (seen !== undefined) expect(line.hash).toBe(seen);
      byHeight.set(line.height, line.hash);
      expect(line.stateRoot).toMatch(/^[0-9a-f]{64}$/);
    }
    const html = readFileSync(report, 'utf8');
    expect(html).toContain('consortium-ledger simulation, seed 31');
    expect(html).not.toMatch(/(src|href)="https?:/);
  }, 120_000);

  it('--seeds A..B --shard i/n prints one line per seed of the shard', async () => {
    const code = await runCli(
      'sim',
      '--nodes',
      '4',
      '--seeds',
      '1..6',
      '--shard',
      '2/3',
      '--blocks',
      '3',
      '--no-progress',
    );
    expect(code).toBe(0);
    const lines = captured.out.filter((line) => line.startsWith('seed '));
    expect(lines.map((line) => line.split(' ')[1])).toEqual(['2', '5']);
    expect(captured.out.join('\n')).toContain('no failures');
  }, 120_000);

  it('shows n, f and q: at n = 5 a quorum is 4 votes, not 2f + 1 = 3', async () => {
    expect(await runCli('sim', '--nodes', '5', '--seed', '3', '--blocks', '2', '--no-progress')).toBe(0);
    expect(captured.out).toContainEqual(
      expect.stringMatching(/^quorum +n = 5 validators, f = 1 Byzantine tolerated, q = 4 votes$/),
    );
  }, 120_000);

  it('refuses bad arguments with exit 2', async () => {
    expect(await runCli('sim', '--nodes', '0')).toBe(2);
    expect(await runCli('sim', '--faults', 'hurricane')).toBe(2);
    expect(await runCli('sim', '--seeds', '9..1')).toBe(2);
    expect(await runCli('sim', '--nodes', '4', '--byzantine', '5')).toBe(2);
  });
});

describe('npm run sim:campaign', () => {
  it('--configs: presets and N:B:MODE:FAULTS specs, every mode of byzantineModes, no duplicates', () => {
    const modes = byzantineModes.length;
    // Per size: b = 0 once, then every mode for each b in 1..f; three fault profiles each.
    const expected = campaignSizes.reduce((sum, n) => sum + 3 * (1 + modes * faultsTolerated(n)), 0);
    expect(parseConfigs('all')).toHaveLength(expected);
    expect(parseConfigs('honest').every((config) => config.byzantine === 0)).toBe(true);
    expect(parseConfigs('max').map((config) => config.byzantine)).toEqual(
      parseConfigs('max').map((config) => faultsTolerated(config.nodes)),
    );
    expect(new Set(parseConfigs('all').map(configLabel)).size).toBe(expected);
    expect(parseConfigs('4:f:*:swarm').map((config) => config.mode)).toEqual([...byzantineModes]);
    expect(parseConfigs('1..3:*:split:none,2:0:*:none').map(configLabel)).toEqual([
      'n=1 b=0 honest none',
      'n=2 b=0 honest none',
      'n=3 b=0 honest none',
    ]);
    expect(parseConfigs('4:2:silent:none')).toEqual([{ nodes: 4, byzantine: 2, mode: 'silent', faults: 'none' }]);
    for (const bad of ['4:1:silent', '0:0:*:none', '4:5:*:none', '4:1:hurricane:none', '4:1:*:storm', 'toString']) {
      expect(() => parseConfigs(bad), bad).toThrow(InvalidArgumentError);
    }
  });

  it('seed s runs configuration s mod C, whatever the range', () => {
    const configs = parseConfigs('all');
    expect(configForSeed(configs, 7)).toBe(configs[7]);
    expect(configForSeed(configs, 7 + configs.length)).toBe(configs[7]);
  });

  it('runs a range in worker processes: the table, the JSON, and each failure with its replay command', async () => {
    const json = join(directory, 'campaign.json');
    // 2 of 4 silent members are more than f = 1: every run of that configuration stalls.
    const { stdout, code } = await runCampaignScript([
      '--seeds',
      '10..15',
      '--configs',
      '1..2:0:*:none,4:2:silent:none',
      '--blocks',
      '2',
      '--jobs',
      '2',
      '--json',
      json,
    ]);
    expect(code, stdout).toBe(0); // liveness failures are listed but are not safety failures
    expect(stdout).toMatch(/^configuration +seeds +safety failures +liveness failures +errors +wall s$/m);
    expect(stdout).toMatch(/^n=4 b=2 silent none +2 +0 +2 +0 /m);
    expect(stdout).toContain('consortium-ledger sim --nodes 4 --byzantine 2 --seed 11 ');
    expect(stdout).toContain('consortium-ledger sim --nodes 4 --byzantine 2 --seed 14 ');
    const report = JSON.parse(readFileSync(json, 'utf8')) as { runs: number; failures: { seed: number }[] };
    expect(report.runs).toBe(6);
    expect(report.failures.map((run) => run.seed)).toEqual([11, 14]);
  }, 120_000);
});
