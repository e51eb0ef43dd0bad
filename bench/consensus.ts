/**
 * `npm run bench -- consensus`: PBFT replica throughput with 4 and 16 replicas in one
 * process, no network: every message is really signed (Ed25519, node:crypto) and really
 * verified (our WASM batch verifier), each replica taking its queued messages in one
 * `stepMany` call, so votes are verified in batches as a node verifies them.
 *
 * What is timed, and how it is split: the whole run (submitting each block's transactions at
 * the primary in one REQUEST, proposing, PRE-PREPARE / PREPARE / COMMIT, checkpoints), with
 * the time spent inside the signature verifier, inside the signer and inside the block
 * builder measured by wrapping them. "Replica logic" is the rest: decoding, admission,
 * quorum counting, certificates, persistence records, effects. The application's block
 * validation is answered at once (it is the ledger's cost, measured by the store and e2e
 * benchmarks), and persist effects go to an in-memory map.
 *
 * There is no peer library in this table (no PBFT implementation in TypeScript to run
 * side by side); the figures are our own, and the target is the replica logic's own rate:
 * at least 500,000 messages per second on one core.
 */
import { concatBytes } from '../src/bytes.js';
import { blockHash, blockHeaderBytes, encodeBlock } from '../src/codec/block.js';
import { compareKeys } from '../src/codec/certificate.js';
import { encodeTransaction, signTransaction } from '../src/codec/transaction.js';
import type { ReplicaEffect } from '../src/consensus/effects.js';
import { Replica } from '../src/consensus/replica.js';
import {
  type Ed25519BatchItem,
  ed25519PublicKeyFromSecret,
  ed25519Sign,
  ed25519VerifyBatch,
} from '../src/crypto/ed25519.js';
import { merkleRoot } from '../src/crypto/merkle.js';
import { sha256, sha256Many } from '../src/crypto/sha256.js';
import { type BenchRow, type BenchTable, cpuTicks, median, oursName } from './common.js';

const chainId = 'bench';
/** The cross-check run's signature: every verdict is `true` there, so its bytes do not matter. */
const stubSignature = new Uint8Array(64);
const zero = new Uint8Array(32);

interface Timers {
  verifyMs: number;
  signMs: number;
  buildMs: number;
  signatures: number;
  verified: number;
  messages: number;
}

function keys(n: number) {
  return Array.from({ length: n }, (_, i) => {
    const secretKey = sha256(new TextEncoder().encode(`bench-validator-${i}`));
    return { publicKey: ed25519PublicKeyFromSecret(secretKey), secretKey };
  }).sort((a, b) => compareKeys(a.publicKey, b.publicKey));
}

const genesisBlock = encodeBlock(
  {
    height: 0,
    previousHash: zero,
    timestampMs: 0,
    proposer: zero,
    txCount: 0,
    txRoot: merkleRoot([]),
    receiptsRoot: zero,
    stateRoot: zero,
    previousCertificateHash: zero,
  },
  new Uint8Array(0),
  [],
);
const genesisHash = blockHash(genesisBlock.subarray(0, blockHeaderBytes));

function transactions(count: number): Uint8Array[] {
  const secret = sha256(new TextEncoder().encode('bench-client'));
  const sender = ed25519PublicKeyFromSecret(secret);
  return Array.from({ length: count }, (_, i) =>
    encodeTransaction(
      signTransaction({ chainId, sender, nonce: i + 1, op: { type: 'transfer', to: zero, amount: 1 } }, secret),
    ),
  );
}

/** Runs `blocks` blocks of `txsPerBlock` transactions through `n` replicas; returns the wall time and its split. */
function runOnce(
  n: number,
  blocks: number,
  txsPerBlock: number,
  txs: readonly Uint8Array[],
  stubCrypto = false,
): { ms: number; timers: Timers } {
  const timers: Timers = { verifyMs: 0, signMs: 0, buildMs: 0, signatures: 0, verified: 0, messages: 0 };
  const validatorKeys = keys(n);
  const validators = validatorKeys.map((key) => key.publicKey);
  const verifyBatch = (items: readonly Ed25519BatchItem[]) => {
    const started = performance.now();
    const verdicts = stubCrypto ? items.map(() => true) : ed25519VerifyBatch(items);
    timers.verifyMs += performance.now() - started;
    timers.verified += items.length;
    return verdicts;
  };
  const replicas = validatorKeys.map(
    (key) =>
      new Replica({
        chainId,
        validators,
        signer: {
          publicKey: key.publicKey,
          sign: (message: Uint8Array) => {
            const started = performance.now();
            const signature = stubCrypto ? stubSignature : ed25519Sign(key.secretKey, message);
            timers.signMs += performance.now() - started;
            timers.signatures++;
            return signature;
          },
        },
        genesisBlockHash: genesisHash,
        committed: { height: 0, blockHash: genesisHash, stateRoot: zero, certificate: new Uint8Array(0) },
        blockTxsMax: txsPerBlock,
        batchTimeoutTicks: 0,
        checkpointInterval: 8,
        verifyBatch,
      }),
  );
  const inboxes: Uint8Array[][] = replicas.map(() => []);
  const records = replicas.map(() => new Map<string, Uint8Array>());
  const heights = replicas.map(() => 0);
  const stateRoots = replicas.map(() => zero);

  const apply = (index: number, effects: readonly ReplicaEffect[]): void => {
    const replica = replicas[index] as Replica;
    for (const effect of effects) {
      switch (effect.kind) {
        case 'persist':
          if (effect.value === null) (records[index] as Map<string, Uint8Array>).delete(effect.key);
          else (records[index] as Map<string, Uint8Array>).set(effect.key, effect.value);
          break;
        case 'broadcast':
          for (let j = 0; j < n; j++) if (j !== index) (inboxes[j] as Uint8Array[]).push(effect.message);
          break;
        case 'send': {
          const j = validators.findIndex((key) => compareKeys(key, effect.to) === 0);
          (inboxes[j] as Uint8Array[]).push(effect.message);
          break;
        }
        case 'propose': {
          const started = performance.now();
          const txRoot = merkleRoot(sha256Many(effect.txs));
          const stateRoot = sha256(concatBytes([stateRoots[index] as Uint8Array, txRoot]));
          const block = encodeBlock(
            {
              height: effect.height,
              previousHash: effect.previousHash,
              timestampMs: effect.height,
              proposer: replica.publicKey,
              txCount: effect.txs.length,
              txRoot,
              receiptsRoot: zero,
              stateRoot,
              previousCertificateHash:
                effect.previousCertificate.length === 0 ? zero : sha256(effect.previousCertificate),
            },
            effect.previousCertificate,
            effect.txs,
          );
          timers.buildMs += performance.now() - started;
          apply(index, replica.proposed(block));
          break;
        }
        case 'validate':
          apply(index, replica.validated(effect.height, effect.digest, true));
          break;
        case 'commit':
          heights[index] = effect.height;
          stateRoots[index] = effect.block.slice(
            1 + 8 + 32 + 8 + 32 + 4 + 32 + 32,
            1 + 8 + 32 + 8 + 32 + 4 + 32 + 32 + 32,
          );
          break;
        default:
          break;
      }
    }
  };

  const primary = 0; // view 0: validator 0
  const started = performance.now();
  for (let b = 0; b < blocks; b++) {
    apply(primary, (replicas[primary] as Replica).submitMany(txs.slice(b * txsPerBlock, (b + 1) * txsPerBlock)));
    // Deliver until quiet: each replica takes its whole inbox in one stepMany (one verification batch).
    for (let busy = true; busy; ) {
      busy = false;
      for (let j = 0; j < n; j++) {
        const inbox = inboxes[j] as Uint8Array[];
        if (inbox.length === 0) continue;
        busy = true;
        inboxes[j] = [];
        timers.messages += inbox.length;
        apply(j, (replicas[j] as Replica).stepMany(inbox));
      }
    }
  }
  const ms = performance.now() - started;
  if (heights.some((height) => height !== blocks))
    throw new Error(`consensus bench: heights ${heights.join(',')}, expected ${blocks}`);
  return { ms, timers };
}

export async function run(): Promise<BenchTable> {
  const rows: BenchRow[] = [];
  const notes: string[] = [];
  const cases = [
    { n: 4, blocks: 200, txsPerBlock: 64 },
    { n: 4, blocks: 20, txsPerBlock: 1024 },
    { n: 16, blocks: 40, txsPerBlock: 64 },
  ];
  const rounds = 5;
  for (const { n, blocks, txsPerBlock } of cases) {
    const txs = transactions(blocks * txsPerBlock);
    runOnce(n, Math.min(blocks, 20), txsPerBlock, txs); // warm-up
    const samples: { ms: number; timers: Timers; othersCores: number }[] = [];
    for (let round = 0; round < rounds; round++) {
      const before = cpuTicks();
      const result = runOnce(n, blocks, txsPerBlock, txs);
      const after = cpuTicks();
      const othersCores =
        before !== undefined && after !== undefined
          ? (after.machine - before.machine - (after.self - before.self)) / 100 / (result.ms / 1000)
          : Number.NaN;
      samples.push({ ...result, othersCores });
      process.stderr.write(
        `  ${n} replicas round ${round + 1}: ${result.ms.toFixed(0)} ms, verify ${result.timers.verifyMs.toFixed(0)} ms, ` +
          `sign ${result.timers.signMs.toFixed(0)} ms, build ${result.timers.buildMs.toFixed(0)} ms; others ${othersCores.toFixed(2)} cores\n`,
      );
    }
    // Cross-check of the subtraction: the same run with signing and verification replaced by
    // constant stubs (nothing is verified in it; only its time is used).
    const stubbed = median(Array.from({ length: 3 }, () => runOnce(n, blocks, txsPerBlock, txs, true).ms));
    const pick = (f: (s: (typeof samples)[number]) => number) => median(samples.map(f));
    const ms = pick((s) => s.ms);
    const logicMs = pick((s) => s.ms - s.timers.verifyMs - s.timers.signMs - s.timers.buildMs);
    const messages = (samples[0] as (typeof samples)[number]).timers.messages;
    const verified = (samples[0] as (typeof samples)[number]).timers.verified;
    const signatures = (samples[0] as (typeof samples)[number]).timers.signatures;
    const caseName = `${n} replicas, ${txsPerBlock}-tx blocks`;
    rows.push(
      {
        case: caseName,
        impl: oursName,
        itemsPerSec: (blocks * 1000) / ms,
        unit: 'blocks',
        msPerCall: ms / blocks,
        note: 'whole run',
      },
      {
        case: caseName,
        impl: `${oursName} (all work)`,
        itemsPerSec: (messages * 1000) / ms,
        unit: 'msgs',
        msPerCall: ms / messages,
      },
      {
        case: caseName,
        impl: `${oursName} (replica logic only)`,
        itemsPerSec: (messages * 1000) / logicMs,
        unit: 'msgs',
        msPerCall: logicMs / messages,
        note: 'excluding verify, sign, block building',
      },
      {
        case: caseName,
        impl: `${oursName} (crypto stubbed, cross-check)`,
        itemsPerSec: (messages * 1000) / stubbed,
        unit: 'msgs',
        msPerCall: stubbed / messages,
        note: 'signing and verification replaced by constants',
      },
    );
    const share = (f: (s: (typeof samples)[number]) => number) => `${((100 * pick(f)) / ms).toFixed(0)} %`;
    notes.push(
      `${caseName}: ${messages} messages per run (${(messages / blocks).toFixed(0)} per block), ${signatures} signatures made, ` +
        `${verified} verified; time shares — signature verification ${share((s) => s.timers.verifyMs)}, signing ` +
        `${share((s) => s.timers.signMs)}, block building ${share((s) => s.timers.buildMs)}, replica logic ` +
        `${((100 * logicMs) / ms).toFixed(0)} %; replica logic per transaction per replica ` +
        `${((1000 * logicMs) / (blocks * txsPerBlock * n)).toFixed(2)} µs. Other processes: ${pick((s) => s.othersCores).toFixed(2)} cores (median).`,
    );
  }
  notes.push(
    'Replica logic = wall time minus the time inside the verifier, the signer and the block builder (each wrapped and timed). ' +
      'Validation by the application is answered at once; persist effects go to a Map. Target: replica logic ≥ 500,000 messages/s.',
  );
  return { name: 'consensus', rows, notes };
}
