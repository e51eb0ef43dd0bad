/**
 * `npm run bench -- ed25519` (or `npx tsx bench/ed25519.ts`): Ed25519 verification, one by one
 * and in batches of 4 to 1024, beside node:crypto (a cached KeyObject, and the key imported per
 * call), sodium-native (libsodium's crypto_sign_verify_detached) and @noble/ed25519, all in the
 * same run. Batch rows are per signature; the peers have no batch API, so their batch rows
 * verify the same items one by one. Ratios are ours ÷ peer from this run only.
 *
 * Self-contained (tinybench directly) so it runs alone as well as under bench/run.ts. Rows carry
 * both the fields of the contract (opsPerSec, perItemPerSec, ratioVsPeer) and those
 * bench/common.ts prints (itemsPerSec, unit, msPerCall, oursOverThis).
 */
import { createHash, createPublicKey, type KeyObject, verify as nodeVerify } from 'node:crypto';
import { createRequire } from 'node:module';
import * as noble from '@noble/ed25519';
import {
  type Ed25519BatchItem,
  ed25519GenerateKeyPair,
  ed25519Sign,
  ed25519Verify,
  ed25519VerifyBatch,
} from '../src/crypto/ed25519.js';
import { type BenchTable, type BenchTask, measure, othersCoresDuring, oursName, report } from './common.js';

/** The one sodium-native call we use (the package ships no type declarations). */
interface SodiumVerify {
  crypto_sign_verify_detached(signature: Buffer, message: Buffer, publicKey: Buffer): boolean;
}
const sodium = createRequire(import.meta.url)('sodium-native') as SodiumVerify;

noble.hashes.sha512 = (message: Uint8Array) => new Uint8Array(createHash('sha512').update(message).digest());

const ours = oursName;
const messageBytes = 128; // a typical signed transaction
const batchSizes = [4, 16, 64, 256, 1024];

const spkiPrefix = Buffer.from('302a300506032b6570032100', 'hex');
const spkiOf = (publicKey: Uint8Array) => Buffer.concat([spkiPrefix, publicKey]);

interface Prepared extends Ed25519BatchItem {
  readonly spki: Buffer;
  readonly keyObject: KeyObject;
  readonly publicKeyBuffer: Buffer;
  readonly messageBuffer: Buffer;
  readonly signatureBuffer: Buffer;
}

function prepare(count: number, signers: number): Prepared[] {
  const keys = Array.from({ length: signers }, () => ed25519GenerateKeyPair());
  return Array.from({ length: count }, (_, i) => {
    const { publicKey, secretKey } = keys[i % signers] as (typeof keys)[number];
    const message = new Uint8Array(messageBytes).map((_, j) => (i * 31 + j * 7) & 0xff);
    const signature = ed25519Sign(secretKey, message);
    const spki = spkiOf(publicKey);
    return {
      publicKey,
      message,
      signature,
      spki,
      keyObject: createPublicKey({ key: spki, format: 'der', type: 'spki' }),
      publicKeyBuffer: Buffer.from(publicKey),
      messageBuffer: Buffer.from(message),
      signatureBuffer: Buffer.from(signature),
    };
  });
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`benchmark setup: ${what}`);
}

/** Runs the suite; prints a table and writes bench/results/ed25519.json. */
export async function run(): Promise<BenchTable> {
  const timeMs = Number(process.env.BENCH_TIME_MS ?? 600);
  const single = prepare(1, 1)[0] as Prepared;
  const distinct = prepare(Math.max(...batchSizes), Math.max(...batchSizes));
  const fewSigners = prepare(256, 8);
  check(
    distinct.every((item) => ed25519Verify(item.publicKey, item.message, item.signature)),
    'ours refuses a valid signature',
  );
  check(noble.verify(single.signature, single.message, single.publicKey), 'noble refuses a valid signature');

  const tasks: BenchTask[] = [
    {
      case: 'single',
      impl: ours,
      items: 1,
      unit: 'sig',
      ours: true,
      fn: () => ed25519Verify(single.publicKey, single.message, single.signature),
    },
    {
      case: 'single',
      impl: 'node:crypto (cached KeyObject)',
      items: 1,
      unit: 'sig',
      fn: () => nodeVerify(null, single.messageBuffer, single.keyObject, single.signatureBuffer),
    },
    {
      case: 'single',
      impl: 'node:crypto (key per call)',
      items: 1,
      unit: 'sig',
      fn: () =>
        nodeVerify(
          null,
          single.messageBuffer,
          createPublicKey({ key: single.spki, format: 'der', type: 'spki' }),
          single.signatureBuffer,
        ),
    },
    {
      case: 'single',
      impl: 'sodium-native',
      items: 1,
      unit: 'sig',
      fn: () =>
        sodium.crypto_sign_verify_detached(single.signatureBuffer, single.messageBuffer, single.publicKeyBuffer),
    },
    {
      case: 'single',
      impl: '@noble/ed25519',
      items: 1,
      unit: 'sig',
      fn: () => noble.verify(single.signature, single.message, single.publicKey),
    },
  ];
  for (const size of batchSizes) {
    const items = distinct.slice(0, size);
    const name = `batch ${size}`;
    tasks.push(
      {
        case: name,
        impl: ours,
        items: size,
        unit: 'sig',
        ours: true,
        note: 'distinct keys',
        fn: () => ed25519VerifyBatch(items),
      },
      {
        case: name,
        impl: 'node:crypto (cached KeyObject)',
        items: size,
        unit: 'sig',
        fn: () => {
          for (const item of items) nodeVerify(null, item.messageBuffer, item.keyObject, item.signatureBuffer);
        },
      },
      {
        case: name,
        impl: 'sodium-native',
        items: size,
        unit: 'sig',
        fn: () => {
          for (const item of items)
            sodium.crypto_sign_verify_detached(item.signatureBuffer, item.messageBuffer, item.publicKeyBuffer);
        },
      },
    );
  }
  {
    const items = fewSigners;
    const name = 'batch 256, 8 signers';
    tasks.push(
      {
        case: name,
        impl: ours,
        items: items.length,
        unit: 'sig',
        ours: true,
        note: 'repeated keys merged',
        fn: () => ed25519VerifyBatch(items),
      },
      {
        case: name,
        impl: 'node:crypto (cached KeyObject)',
        items: items.length,
        unit: 'sig',
        fn: () => {
          for (const item of items) nodeVerify(null, item.messageBuffer, item.keyObject, item.signatureBuffer);
        },
      },
    );
  }

  // Other processes' CPU over the whole run: a peer slowed by load would flatter our ratios.
  const { result: rows, note: loadNote } = await othersCoresDuring(() =>
    measure(tasks, { timeMs, iterationsMin: 3, rounds: 5 }),
  );
  return {
    name: 'ed25519',
    rows,
    notes: [
      `Messages of ${messageBytes} bytes; batch rows are signatures per second; peers verify the batch one by one.`,
      'ours ÷ this = median over 5 interleaved rounds of the same-round ratio. One core; the machine may be shared.',
      loadNote,
    ],
  };
}

// Run directly: `npx tsx bench/ed25519.ts`.
if (import.meta.url === `file://${process.argv[1]}`) report(await run());
