/**
 * The chain subcommands over a LevelDB store:
 *
 *   generate --data DIR --blocks N --txs-per-block M [--seed S] [--log-commits]
 *   verify-chain DIR [--json]
 *   block <height> --data DIR [--json]
 *   tx <txIdHex> --data DIR [--json]
 *   state <key> --data DIR [--prove] [--json]
 *   repair DIR [--yes] [--json]
 *
 * The commands that only read open the store to read only: LevelDB recovers a private copy,
 * never the original files, and a store that lost acknowledged writes is reported (naming the
 * heights) instead of read as a shorter chain. `repair` says what it would keep and drop;
 * `--yes` carries it out.
 *
 * Exit codes: 0 success, 1 a check failed, the thing asked for is not there or the store is
 * damaged, 2 bad usage or a directory that is not a store. `--json` output carries the raw canonical bytes (hex)
 * of headers, transactions and proofs, so a third party can recompute every hash from it.
 * `generate` and `verify-chain` show the consortium's validators n, the Byzantine members it
 * tolerates f and its quorum q (`consortium` in verify-chain's `--json`).
 */
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { toHex } from '../bytes.js';
import type { DecodedBlock } from '../codec/block.js';
import { decodeGenesis } from '../codec/genesis.js';
import { reasonName } from '../codec/receipt.js';
import { type Transaction, transactionId } from '../codec/transaction.js';
import { faultsTolerated, quorumSize } from '../consensus/quorum.js';
import { inlineCrypto } from '../crypto/backend.js';
import { MerkleTree, verifyMerkleInclusion } from '../crypto/merkle.js';
import { ConsortiumLedgerError } from '../errors.js';
import { Ledger, stateKeys } from '../ledger/ledger.js';
import { signCertificate, validatorKeys } from '../ledger/quorum.js';
import { encodeStateProof, verifyStateProof } from '../ledger/state-tree.js';
import { SyntheticConsortium } from '../ledger/synthetic.js';
import { poolThreadsMax } from '../limits.js';
import { CryptoPool } from '../pool/crypto-pool.js';
import { BlockStore } from '../store/block-store.js';
import { StoreLossError } from '../store/errors.js';
import { loadLedger } from '../store/load-ledger.js';
import { describeRepair, repairStore } from '../store/repair.js';
import { verifyChain } from '../store/verify-chain.js';
import { genesisInfo, stateEvidence, transactionEvidence } from '../verify/evidence-from-store.js';
import { hex, parseCount, parseHash, UsageError } from './args.js';

const json = (value: unknown): string => JSON.stringify(value, null, 2);

/** A consortium's quorum arithmetic as the commands' `--json` shows it (src/consensus/quorum.ts). */
export interface ConsortiumQuorum {
  /** n: validators in the genesis. */
  readonly validators: number;
  /** f = ⌊(n − 1) / 3⌋: Byzantine validators tolerated. */
  readonly faultsTolerated: number;
  /** q = ⌈(n + f + 1) / 2⌉: votes that make a quorum. */
  readonly quorum: number;
}

/** n, f and q of a consortium of `validators` validators (shared by chain, demo and sim output). */
export function consortiumQuorum(validators: number): ConsortiumQuorum {
  return { validators, faultsTolerated: faultsTolerated(validators), quorum: quorumSize(validators) };
}

/** n, f and q as one human line: `n = 4 validators, f = 1 Byzantine tolerated, q = 3 votes`. */
export function quorumText(validators: number): string {
  const { faultsTolerated: f, quorum: q } = consortiumQuorum(validators);
  return `n = ${validators} validators, f = ${f} Byzantine tolerated, q = ${q} votes`;
}

/** The quorum arithmetic of the consortium a store's genesis names, or undefined if it cannot be read. */
async function storeQuorum(store: BlockStore): Promise<ConsortiumQuorum | undefined> {
  try {
    const bytes = await store.genesisBytes();
    const validators = bytes === undefined ? 0 : validatorKeys(decodeGenesis(bytes)).length;
    return validators === 0 ? undefined : consortiumQuorum(validators);
  } catch (error) {
    // A genesis that is missing or does not decode is verify-chain's finding to report, not this line's.
    if (error instanceof ConsortiumLedgerError) return undefined;
    throw error;
  }
}

function progressBar(total: number, what: string): cliProgress.SingleBar | undefined {
  if (process.stderr.isTTY !== true) return undefined;
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: `${what} [{bar}] {value}/{total} blocks | {txs} txs | {eta_formatted} left` },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { txs: 0 });
  return bar;
}

/**
 * Opens an existing store to read only (exit 2 if the directory holds none): LevelDB recovers
 * a private copy, so reading never rewrites, or makes worse, a damaged store.
 */
async function openExisting(dir: string): Promise<BlockStore> {
  return BlockStore.open(dir, { readOnly: true });
}

function describeTx(tx: Transaction) {
  return { type: tx.op.type, sender: hex(tx.sender), nonce: tx.nonce, chainId: tx.chainId };
}

async function generate(options: {
  data: string;
  blocks: number;
  txsPerBlock: number;
  seed: number;
  logCommits: boolean;
}): Promise<void> {
  const consortium = new SyntheticConsortium(options.seed);
  const store = await BlockStore.open(options.data);
  try {
    let ledger = await loadLedger(store);
    if (ledger === undefined) {
      ledger = Ledger.fromGenesis(consortium.genesis);
      const { genesisBytes, block, executed } = await ledger.genesisBlock();
      await store.initialize(genesisBytes, {
        block,
        txIds: [],
        receipts: [],
        stateWrites: executed.stateWrites,
        stateRoot: executed.stateRoot,
      });
      if (options.logCommits) console.log(`committed 0 ${hex(block.hash)}`);
    } else if (toHex(await consortium.genesisBytes()) !== toHex((await store.genesisBytes()) as Uint8Array)) {
      throw new UsageError(`the store at ${options.data} was not generated with --seed ${options.seed}`);
    }
    consortium.resume(ledger);
    const validators = consortium.validators;
    process.stderr.write(`consortium: ${quorumText(validators.length)}\n`);
    const quorum = validators.slice(0, validators.length - Math.floor((validators.length - 1) / 3));
    const bar = progressBar(options.blocks, 'generate');
    let txs = 0;
    for (let i = 0; i < options.blocks; i++) {
      const head = store.head as NonNullable<BlockStore['head']>;
      const height = head.height + 1;
      const previousCertificateBytes = (await store.certificate(head.height)) ?? new Uint8Array(0);
      const proposed = await ledger.propose(consortium.nextTransactions(options.txsPerBlock), {
        previousHash: head.hash,
        timestampMs: consortium.genesis.timestampMs + height * 1000,
        proposer: (validators[height % validators.length] as (typeof validators)[number]).publicKey,
        previousCertificateBytes: height >= 2 ? previousCertificateBytes : new Uint8Array(0),
      });
      const certificate = signCertificate(consortium.genesis.chainId, 0, height, proposed.block.hash, quorum);
      try {
        await store.append({
          block: proposed.block,
          txIds: proposed.executed.txIds,
          receipts: proposed.executed.receipts,
          stateWrites: proposed.executed.stateWrites,
          stateRoot: proposed.executed.stateRoot,
          certificate,
        });
      } catch (error) {
        ledger.discard(proposed.executed);
        throw error;
      }
      ledger.commit(proposed.executed);
      txs += options.txsPerBlock;
      if (options.logCommits) console.log(`committed ${height} ${hex(proposed.block.hash)}`);
      bar?.update(i + 1, { txs });
    }
    bar?.stop();
    const head = store.head as NonNullable<BlockStore['head']>;
    process.stderr.write(`generated ${options.blocks} blocks (${txs} txs); head ${head.height} ${hex(head.hash)}\n`);
  } finally {
    await store.close();
  }
}

async function verifyChainCommand(dir: string, options: { json: boolean; threads?: number }): Promise<void> {
  let store: BlockStore;
  try {
    store = await openExisting(dir);
  } catch (error) {
    // A damaged store (lost acknowledged writes, a file LevelDB reports corrupt) is a verdict, not a usage error.
    if (error instanceof ConsortiumLedgerError && error.code === 'STORE_CORRUPT') {
      if (options.json) {
        const lost = error instanceof StoreLossError ? { lostHeights: error.lostHeights } : {};
        console.log(
          json({ ok: false, height: -1, headHash: '', txs: 0, problem: error.message, code: error.code, ...lost }),
        );
      } else console.log(`chain BROKEN: ${error.message}`);
      process.exitCode = 1;
      return;
    }
    throw error;
  }
  const pool = new CryptoPool(options.threads === undefined ? {} : { threads: options.threads });
  try {
    await pool.ready(); // workers started before the clock does: the report is a throughput
    const bar = progressBar(store.head?.height ?? 0, 'verify');
    let txs = 0;
    const report = await verifyChain(store, {
      crypto: pool,
      onBlock: (height, count) => {
        txs += count;
        bar?.update(height, { txs });
      },
    });
    bar?.stop();
    const txsPerSec = report.txs / (report.durationMs / 1000);
    const consortium = await storeQuorum(store);
    if (options.json) {
      console.log(
        json({ ...report, txsPerSec: Math.round(txsPerSec), ...(consortium === undefined ? {} : { consortium }) }),
      );
    } else {
      if (report.ok) {
        console.log(
          `chain intact: height ${report.height}, head ${report.headHash}, ${report.txs} txs in ${report.blocks} blocks, ${(report.durationMs / 1000).toFixed(2)} s (${Math.round(txsPerSec)} txs/s)`,
        );
      } else {
        console.log(`chain BROKEN at height ${report.badHeight}: ${report.problem}`);
      }
      if (consortium !== undefined) console.log(`  consortium: ${quorumText(consortium.validators)}`);
      console.log(`  checked: ${report.checked.join('; ')}`);
    }
    if (!report.ok) process.exitCode = 1;
  } finally {
    await pool.close();
    await store.close();
  }
}

async function blockJson(store: BlockStore, block: DecodedBlock) {
  const height = block.header.height;
  const receipts = (await store.receipts(height)) ?? [];
  const certificate = await store.certificate(height);
  const txIds = block.txBytes.map(transactionId);
  return {
    height,
    hash: hex(block.hash),
    previousHash: hex(block.header.previousHash),
    timestampMs: block.header.timestampMs,
    proposer: hex(block.header.proposer),
    txCount: block.header.txCount,
    txRoot: hex(block.header.txRoot),
    receiptsRoot: hex(block.header.receiptsRoot),
    stateRoot: hex(block.header.stateRoot),
    previousCertificateHash: hex(block.header.previousCertificateHash),
    header: hex(block.headerBytes),
    previousCertificate: hex(block.previousCertificateBytes),
    certificate: certificate === undefined ? null : hex(certificate),
    txs: block.txs.map((tx, i) => {
      const code = receipts[i]?.code;
      return {
        id: hex(txIds[i] as Uint8Array),
        raw: hex(block.txBytes[i] as Uint8Array),
        status: code === undefined ? 'unknown' : code === 0 ? 'applied' : 'refused',
        reason: code === undefined ? null : reasonName(code),
        ...describeTx(tx),
      };
    }),
  };
}

async function blockCommand(height: number, options: { data: string; json: boolean }): Promise<void> {
  const store = await openExisting(options.data);
  try {
    const block = await store.blockByHeight(height);
    if (block === undefined) {
      process.stderr.write(
        `consortium-ledger: no block at height ${height} (head is ${store.head?.height ?? 'none'})\n`,
      );
      process.exitCode = 1;
      return;
    }
    const out = await blockJson(store, block);
    if (options.json) {
      console.log(json(out));
      return;
    }
    console.log(`block ${out.height} ${out.hash}`);
    console.log(
      `  previous ${out.previousHash}\n  time ${new Date(out.timestampMs).toISOString()}  proposer ${out.proposer}`,
    );
    console.log(`  txRoot ${out.txRoot}\n  receiptsRoot ${out.receiptsRoot}\n  stateRoot ${out.stateRoot}`);
    console.log(`  ${out.txCount} transactions:`);
    for (const tx of out.txs)
      console.log(
        `    ${tx.id} ${tx.type} nonce ${tx.nonce} ${tx.status}${tx.reason && tx.status === 'refused' ? ` (${tx.reason})` : ''}`,
      );
  } finally {
    await store.close();
  }
}

async function txCommand(txIdHex: string, options: { data: string; json: boolean }): Promise<void> {
  const txId = parseHash('txId', txIdHex);
  const store = await openExisting(options.data);
  try {
    const location = await store.txLocation(txId);
    const block = location === undefined ? undefined : await store.blockByHeight(location.height);
    if (location === undefined || block === undefined) {
      process.stderr.write(`consortium-ledger: no transaction ${txIdHex} in the store\n`);
      process.exitCode = 1;
      return;
    }
    const txIds = await inlineCrypto.sha256Many(block.txBytes);
    const proof = MerkleTree.fromLeaves(txIds).inclusionProof(location.index);
    const verified = verifyMerkleInclusion(txId, proof, block.header.txRoot);
    const receipt = (await store.receipts(location.height))?.[location.index];
    const tx = block.txs[location.index] as Transaction;
    const out = {
      id: hex(txId),
      height: location.height,
      index: location.index,
      blockHash: hex(block.hash),
      header: hex(block.headerBytes),
      txRoot: hex(block.header.txRoot),
      raw: hex(block.txBytes[location.index] as Uint8Array),
      status: receipt === undefined ? 'unknown' : receipt.code === 0 ? 'applied' : 'refused',
      reason: receipt === undefined ? null : reasonName(receipt.code),
      ...describeTx(tx),
      proof: { leafIndex: proof.leafIndex, treeSize: proof.treeSize, path: proof.path.map(hex) },
      verified,
    };
    // --json adds the evidence consortium-ledger/verify checks (certificate and receipt proof included).
    if (options.json) console.log(json({ ...out, ...(await transactionEvidence(store, txId)) }));
    else {
      console.log(
        `tx ${out.id}: ${out.type} by ${out.sender} nonce ${out.nonce}, ${out.status}${out.status === 'refused' ? ` (${out.reason})` : ''}`,
      );
      console.log(`  in block ${out.height} ${out.blockHash} at index ${out.index}`);
      console.log(
        `  inclusion proof (${proof.path.length} hashes) against txRoot ${out.txRoot}: ${verified ? 'verified' : 'NOT verified'}`,
      );
    }
    if (!verified) process.exitCode = 1;
  } finally {
    await store.close();
  }
}

/** A state key from the command line: 66 hex digits, or `account:`/`receivable:`/`invoice:`/`attestation:` + 64 hex. */
export function parseStateKey(text: string): Uint8Array {
  const match = /^(account|receivable|invoice|attestation):([0-9a-fA-F]{64})$/.exec(text);
  if (match !== null) {
    const kind = match[1] as keyof typeof stateKeys;
    return stateKeys[kind](new Uint8Array(Buffer.from(match[2] as string, 'hex')));
  }
  if (/^[0-9a-fA-F]{66}$/.test(text)) return new Uint8Array(Buffer.from(text, 'hex'));
  throw new UsageError(
    `state key must be account:<64 hex>, receivable:<64 hex>, invoice:<64 hex>, attestation:<64 hex> or 66 hex digits, got ${JSON.stringify(text)}`,
  );
}

async function stateCommand(keyText: string, options: { data: string; prove: boolean; json: boolean }): Promise<void> {
  const key = parseStateKey(keyText);
  const store = await openExisting(options.data);
  try {
    const ledger = await loadLedger(store);
    if (ledger === undefined) throw new UsageError(`the store at ${options.data} is empty`);
    const proven = ledger.proveState(key);
    const verified = verifyStateProof(proven.stateRoot, key, proven.value, proven.proof);
    const head = store.head as NonNullable<BlockStore['head']>;
    const out = {
      key: hex(key),
      present: proven.value !== undefined,
      value: proven.value === undefined ? null : hex(proven.value),
      height: head.height,
      blockHash: hex(head.hash),
      stateRoot: hex(proven.stateRoot),
      ...(options.prove ? { proof: hex(encodeStateProof(proven.proof)), verified } : {}),
    };
    // --prove --json adds the evidence consortium-ledger/verify checks (header and certificate).
    if (options.json)
      console.log(json(options.prove ? { ...out, ...(await stateEvidence({ store, ledger }, key)) } : out));
    else {
      console.log(
        `${out.key}: ${out.present ? out.value : 'absent'} (height ${out.height}, state root ${out.stateRoot})`,
      );
      if (options.prove)
        console.log(
          `  ${out.present ? 'presence' : 'absence'} proof: ${out.proof}\n  ${verified ? 'verified' : 'NOT verified'}`,
        );
    }
    if (options.prove && !verified) process.exitCode = 1;
    else if (!out.present) process.exitCode = options.prove ? 0 : 1;
  } finally {
    await store.close();
  }
}

/** What a verifier needs of a store's genesis: chain id, validators, n, f and q. */
async function genesisCommand(options: { data: string; json: boolean }): Promise<void> {
  const store = await openExisting(options.data);
  try {
    const info = await genesisInfo(store);
    if (options.json) console.log(json(info));
    else {
      console.log(`chain ${info.chainId}, genesis ${info.genesisHash}`);
      console.log(`  n = ${info.n} validators, f = ${info.f} Byzantine tolerated, q = ${info.q} votes`);
      for (const key of info.validators) console.log(`  validator ${key}`);
    }
  } finally {
    await store.close();
  }
}

async function repairCommand(dir: string, options: { yes: boolean; json: boolean; threads?: number }): Promise<void> {
  const pool = new CryptoPool(options.threads === undefined ? {} : { threads: options.threads });
  try {
    const say = (line: string) => {
      if (!options.json) console.log(line);
    };
    const report = await repairStore(dir, {
      crypto: pool,
      apply: options.yes,
      // With --yes: what it will keep, drop and lose, printed before the damaged directory is moved aside.
      onPlan: (plan) => {
        say(`repair ${dir}:`);
        for (const line of describeRepair(plan)) say(`  ${line}`);
      },
    });
    if (options.json) {
      console.log(json({ ok: report.applied || report.intact, ...report }));
    } else if (report.applied) {
      say(`repaired: ${dir} now holds blocks 0..${report.keptHeight}; the damaged store is kept at ${report.movedTo}`);
    } else {
      say(`repair ${dir} (nothing changed):`);
      for (const line of describeRepair(report)) say(`  ${line}`);
      say(
        report.intact
          ? 'the store is intact: a repair would drop nothing (it rebuilds receipts, indexes and state from the blocks)'
          : `run \`consortium-ledger repair ${dir} --yes\` to do it (the damaged directory is kept, renamed)`,
      );
    }
    if (!report.applied && !report.intact) process.exitCode = 1;
  } finally {
    await pool.close();
  }
}

/** Adds the chain subcommands to `program`. */
export function addChainCommands(program: Command): void {
  program
    .command('generate')
    .description(
      'build blocks of valid signed supply-chain-finance transactions into a store (a synthetic consortium from --seed)',
    )
    .requiredOption('--data <dir>', 'store directory (created if absent; an existing store continues from its head)')
    .requiredOption('--blocks <n>', 'blocks to add', parseCount('--blocks', 1, 1_000_000))
    .requiredOption('--txs-per-block <m>', 'transactions per block', parseCount('--txs-per-block', 0, 16384))
    .option('--seed <s>', 'seed of the synthetic consortium', parseCount('--seed', 0, 2 ** 32 - 1), 1)
    .option('--log-commits', 'print "committed <height> <hash>" after each durable commit', false)
    .action(generate);
  program
    .command('verify-chain')
    .description(
      're-verify a stored chain: hash links, tx roots, every signature (worker pool), certificates, re-execution',
    )
    .argument('<dir>', 'store directory')
    .option('--json', 'machine-readable report', false)
    .option('--threads <n>', 'worker threads (default: all cores)', parseCount('--threads', 1, 256))
    .action(verifyChainCommand);
  program
    .command('repair')
    .description(
      'say what a repair of a damaged store keeps, drops and has lost; with --yes, rebuild it from the blocks that verify (the damaged directory is kept, renamed)',
    )
    .argument('<dir>', 'store directory')
    .option('--yes', 'carry the repair out', false)
    .option('--json', 'machine-readable report', false)
    .option('--threads <n>', 'worker threads (default: all cores)', parseCount('--threads', 1, poolThreadsMax))
    .action(repairCommand);
  program
    .command('block')
    .description('show one block (--json: with canonical header and transaction bytes)')
    .argument('<height>', 'block height', parseCount('height', 0, Number.MAX_SAFE_INTEGER))
    .requiredOption('--data <dir>', 'store directory')
    .option('--json', 'machine-readable output', false)
    .action(blockCommand);
  program
    .command('tx')
    .description("show a transaction with its RFC 9162 inclusion proof against its block's tx root")
    .argument('<txId>', 'transaction id (64 hex digits)')
    .requiredOption('--data <dir>', 'store directory')
    .option('--json', 'machine-readable output', false)
    .action(txCommand);
  program
    .command('state')
    .description("show a state value (or its absence), with --prove its proof against the head's state root")
    .argument('<key>', 'account:<hex>, receivable:<hex>, invoice:<hex>, attestation:<hex>, or the 33-byte key in hex')
    .requiredOption('--data <dir>', 'store directory')
    .option('--prove', 'include and check the proof', false)
    .option('--json', 'machine-readable output', false)
    .action(stateCommand);
  program
    .command('genesis')
    .description("what a verifier needs of the chain's genesis: chain id, validator keys, n, f and q")
    .requiredOption('--data <dir>', 'store directory')
    .option('--json', 'machine-readable output (the genesis info consortium-ledger/verify takes)', false)
    .action(genesisCommand);
}
