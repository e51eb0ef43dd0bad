/**
 * The corruption suite (issue 21, "Tests"): a store written by `generate` — tables, a log, a
 * MANIFEST, CURRENT and the replica's safety records — has one byte flipped at chosen offsets
 * and at seeded random ones (their number scales with FUZZ_RUNS; FUZZ_SEED replays), in every
 * file kind. For each damaged copy:
 *
 * - opened to read only and verified (`verify-chain`'s path), it either reports the damage with
 *   a typed error naming it, or reports the chain broken naming the height and the check, or
 *   proves it intact — every acknowledged block there, each the block that was acknowledged —
 *   and it leaves the files as they were;
 * - `LedgerNode.open` either refuses with a typed error, or opens at (at least) the acknowledged
 *   head, and every block then reads as the acknowledged one or fails with a typed error.
 * Never "intact" with fewer blocks than were acknowledged, never an untyped error. The command
 * line's `verify-chain --json` runs on the first chosen case of each file (it starts a worker
 * pool each time): exit 0 with `ok: true`, or exit 1 or 2 with JSON that says what failed. The
 * tally by file kind and answer is printed at the end.
 */
import { cp, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { toHex } from '../../src/bytes.js';
import { encodeViewRecord, encodeVoteRecord, voteRecordKey } from '../../src/consensus/persistence.js';
import { inlineCrypto } from '../../src/crypto/backend.js';
import { ConsortiumLedgerError } from '../../src/errors.js';
import { SyntheticConsortium } from '../../src/ledger/synthetic.js';
import { LedgerNode } from '../../src/node/ledger-node.js';
import { LocalNetwork } from '../../src/node/local-network.js';
import { Prng } from '../../src/prng.js';
import { BlockStore } from '../../src/store/index.js';
import { verifyChain } from '../../src/store/verify-chain.js';
import { captureCliOutput, captured, runCli as runOnce } from '../support/cli.js';
import { fuzzRuns } from '../support/fuzz.js';
import { fingerprint, flipByte } from '../support/store-files.js';

captureCliOutput();

const seed = 3;
const consortium = new SyntheticConsortium(seed);
const validator = consortium.validators[0] as (typeof consortium.validators)[number];
const randomPerKind = Math.max(3, Math.round(fuzzRuns / 20));
const prng = new Prng(Number(process.env.FUZZ_SEED ?? 2121));

type Kind = 'log' | 'table' | 'MANIFEST' | 'CURRENT' | 'replica records';

interface Case {
  readonly kind: Kind;
  readonly file: string;
  readonly offset: number;
  readonly mask: number;
  readonly chosen: boolean;
  readonly label: string;
}

let root: string;
let pristine: string;
/** The acknowledged blocks' hashes, by height (what `generate` printed after each durable commit). */
const acknowledged: string[] = [];
const cases: Case[] = [];
const tally = new Map<string, number>();

function count(kind: Kind, what: string): void {
  const key = `${kind.padEnd(16)} ${what}`;
  tally.set(key, (tally.get(key) ?? 0) + 1);
}

async function runCli(...args: string[]): Promise<number> {
  process.exitCode = undefined;
  captured.out = [];
  captured.err = [];
  return runOnce(...args);
}

/** Every offset of `bytes` where `needle` starts. */
function occurrences(bytes: Uint8Array, needle: Uint8Array): number[] {
  const found: number[] = [];
  const haystack = Buffer.from(bytes);
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + 1)) found.push(at);
  return found;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'consortium-ledger-corruption-'));
  pristine = join(root, 'pristine');
  const blocks = join(pristine, 'blocks');
  const generate = async (count: number) => {
    // captureCliOutput's spies are installed per test; here, in beforeAll, capture by hand.
    const out: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      out.push(args.join(' '));
    });
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(
        await runCli(
          'generate',
          '--data',
          blocks,
          '--blocks',
          String(count),
          '--txs-per-block',
          '16',
          '--seed',
          String(seed),
          '--log-commits',
        ),
      ).toBe(0);
    } finally {
      log.mockRestore();
      err.mockRestore();
    }
    for (const line of out) {
      const match = /^committed (\d+) ([0-9a-f]{64})$/.exec(line);
      if (match !== null) acknowledged[Number(match[1])] = match[2] as string;
    }
  };
  await generate(10);
  // Safety records as a replica writes them (a view, a vote with a digest), in the same database.
  const digest = new Uint8Array(32).map((_, i) => (i * 37 + 11) & 0xff);
  const store = await BlockStore.open(blocks);
  await store.writeReplicaRecords([
    { key: 'view', value: encodeViewRecord(3, false) },
    { key: voteRecordKey(11), value: encodeVoteRecord({ view: 3, digest }) },
  ]);
  await store.close();
  await generate(6);
  expect(acknowledged).toHaveLength(17);

  // Chosen offsets, then seeded random ones, in every file kind.
  const names = (await readdir(blocks)).sort();
  const add = (kind: Kind, file: string, offset: number, mask: number, chosen: boolean, label: string) => {
    cases.push({ kind, file, offset, mask, chosen, label });
  };
  const random = (kind: Kind, file: string, size: number) => {
    for (let i = 0; i < randomPerKind; i++) {
      const offset = prng.between(0, size - 1);
      add(kind, file, offset, prng.between(1, 255), false, `random offset ${offset}`);
    }
  };
  for (const name of names) {
    const size = (await stat(join(blocks, name))).size;
    if (/\.log$/.test(name)) {
      for (const [offset, label] of [
        [0, 'first record checksum'],
        [4, 'first record length'],
        [6, 'first record type'],
        [20, 'first record payload'],
        [Math.floor(size / 2), 'middle'],
        [size - 40, 'last record'],
        [size - 1, 'last byte'],
      ] as const) {
        add('log', name, offset, 0x01, true, label);
      }
      random('log', name, size);
    } else if (/\.ldb$/.test(name)) {
      for (const [offset, label] of [
        [size - 1, 'footer magic'],
        [size - 46, 'footer block handles'],
        [size - 80, 'index block'],
        [10, 'first data block'],
        [Math.floor(size / 2), 'middle'],
      ] as const) {
        add('table', name, offset, 0x01, true, `${label} of ${name}`);
      }
      random('table', name, size);
    } else if (/^MANIFEST-/.test(name)) {
      for (const [offset, label] of [
        [0, 'first record checksum'],
        [10, 'first record payload'],
        [size - 1, 'last byte'],
      ] as const) {
        add('MANIFEST', name, offset, 0x01, true, label);
      }
      random('MANIFEST', name, size);
    } else if (name === 'CURRENT') {
      add('CURRENT', name, 0, 0x01, true, 'the M of MANIFEST');
      add('CURRENT', name, size - 2, 0x01, true, 'a digit of the file number');
      add('CURRENT', name, size - 1, 0x2a, true, 'the newline');
      random('CURRENT', name, size);
    }
  }
  // The replica records: wherever the vote's digest is stored (tables keep random bytes as they are).
  for (const name of names) {
    if (!/\.(ldb|log)$/.test(name)) continue;
    for (const at of occurrences(new Uint8Array(await readFile(join(blocks, name))), digest)) {
      add('replica records', name, at + 5, 0x01, true, `the vote's digest in ${name}`);
      add('replica records', name, at - 8, 0x01, true, `the vote's view in ${name}`);
      for (let i = 0; i < randomPerKind; i++) {
        const offset = at - 12 + prng.between(0, 43);
        add('replica records', name, offset, prng.between(1, 255), false, `random offset ${offset} near the vote`);
      }
    }
  }
  expect(new Set(cases.map((c) => c.kind))).toEqual(
    new Set(['log', 'table', 'MANIFEST', 'CURRENT', 'replica records']),
  );
}, 120_000);

afterAll(async () => {
  const lines = [...tally].sort(([a], [b]) => a.localeCompare(b)).map(([key, n]) => `  ${key}: ${n}`);
  console.info(
    `corruption suite: ${cases.length} corruptions (FUZZ_RUNS ${fuzzRuns}, ${randomPerKind} random per kind)\n${lines.join('\n')}`,
  );
  await rm(root, { recursive: true, force: true });
});

/** The answer a typed error gives: its code, with the loss it names. */
function typed(error: unknown, where: string): string {
  if (!(error instanceof ConsortiumLedgerError)) {
    throw new Error(
      `${where}: an untyped error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
  }
  return error.code;
}

/** Checks the read-only open and verification of `directory`; returns how it answered. */
async function verifyReadOnly(directory: string, label: string): Promise<string> {
  let store: BlockStore;
  try {
    store = await BlockStore.open(directory, { readOnly: true });
  } catch (error) {
    return `refused on open (${typed(error, `${label}: open to read`)})`;
  }
  try {
    const report = await verifyChain(store, { crypto: inlineCrypto });
    if (!report.ok) {
      expect(report.problem, label).toBeTruthy();
      return 'reported broken';
    }
    // "Intact" must mean every acknowledged block, each the acknowledged one.
    expect(report.height, `${label}: intact with fewer blocks than acknowledged`).toBeGreaterThanOrEqual(
      acknowledged.length - 1,
    );
    for (let height = 0; height < acknowledged.length; height++) {
      const block = await store.blockByHeight(height);
      expect(block && toHex(block.hash), `${label}: block ${height}`).toBe(acknowledged[height]);
    }
    return 'proved intact';
  } catch (error) {
    return `reported on read (${typed(error, `${label}: verify`)})`;
  } finally {
    await store.close();
  }
}

/** Checks `LedgerNode.open` on `dataDir`; returns how it answered. */
async function openNode(dataDir: string, label: string): Promise<string> {
  let node: LedgerNode;
  try {
    node = await LedgerNode.open({
      genesis: consortium.genesis,
      secretKey: validator.secretKey,
      transport: new LocalNetwork().transport(validator.publicKey),
      dataDir,
      tickMs: null,
    });
  } catch (error) {
    return `refused (${typed(error, `${label}: LedgerNode.open`)})`;
  }
  try {
    expect(node.height, `${label}: the node opened below the acknowledged head`).toBeGreaterThanOrEqual(
      acknowledged.length - 1,
    );
    let damaged = 0;
    for (let height = 0; height < acknowledged.length; height++) {
      try {
        const block = await node.block(height);
        expect(block && toHex(block.hash), `${label}: block ${height} through the node`).toBe(acknowledged[height]);
      } catch (error) {
        typed(error, `${label}: reading block ${height} through the node`);
        damaged++;
      }
    }
    return damaged === 0 ? 'opened, every block reads' : 'opened, damaged blocks fail typed on read';
  } finally {
    await node.close();
  }
}

describe('the corruption suite', () => {
  it('the pristine store is intact and opens (negative control)', async () => {
    const copy = join(root, 'control');
    await cp(pristine, copy, { recursive: true });
    expect(await verifyReadOnly(join(copy, 'blocks'), 'control')).toBe('proved intact');
    expect(await openNode(copy, 'control')).toBe('opened, every block reads');
  });

  it('every corruption is reported typed or proved harmless; never intact with fewer blocks, never an untyped error', async () => {
    let index = 0;
    const commandRunOn = new Set<string>();
    for (const c of cases) {
      const label = `${c.kind} ${c.file} ${c.label} (offset ${c.offset}, xor 0x${c.mask.toString(16)})`;
      const copy = join(root, `case-${index++}`);
      await cp(pristine, copy, { recursive: true });
      const blocks = join(copy, 'blocks');
      await flipByte(join(blocks, c.file), c.offset, c.mask);
      const before = await fingerprint(blocks);
      const verdict = await verifyReadOnly(blocks, label);
      expect(await fingerprint(blocks), `${label}: a read changed the files`).toEqual(before);
      count(c.kind, `verify-chain: ${verdict}`);
      if (c.chosen && !commandRunOn.has(c.file)) {
        commandRunOn.add(c.file);
        const code = await runCli('verify-chain', blocks, '--json', '--threads', '1');
        const out = JSON.parse(captured.out.join('\n')) as { ok: boolean; problem?: string; error?: unknown };
        if (code === 0) expect(out.ok, label).toBe(true);
        else {
          expect([1, 2], label).toContain(code);
          expect(out.ok, label).toBe(false);
          expect(out.problem ?? out.error, label).toBeTruthy();
        }
        expect(await fingerprint(blocks), `${label}: the command changed the files`).toEqual(before);
      }
      count(c.kind, `LedgerNode.open: ${await openNode(copy, label)}`);
      await rm(copy, { recursive: true, force: true });
    }
  }, 600_000);
});
