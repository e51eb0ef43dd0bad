/**
 * `npm run bench -- adversarial`: batch verification of 16,384 signatures when some are bad
 * (issue 8, item 1), inline and on a pool of 2 threads. For each fraction of invalid
 * signatures (0.1 %, 1 %, 10 %), interleaved rounds time:
 *
 * - all valid: the baseline every ratio is taken against (the same call, nothing bad);
 * - spread, no history: the bad signatures one every 1/p items, across the 256 senders, and
 *   no suspicion (a stateless caller, or the first batch of an attack from every sender);
 * - from hostile senders, first batch: the bad signatures come from ⌈bad/64⌉ of the 256 senders
 *   (each sends 64 items a batch), and no suspicion yet;
 * - from hostile senders, suspicion carried: the same batch, with an `Ed25519Suspects` that has
 *   seen the earlier batches (the steady state of a consortium under such an attack);
 * - spread, suspicion carried: the spread attack against a verifier that keeps suspects (every
 *   sender with a bad signature becomes one, so its valid items are verified singly too).
 *
 * The bad signatures are valid signatures over a message changed after signing: R and S decode,
 * so each costs a full equation (the most expensive kind of bad signature for a batch). The
 * notes give each case's rate ÷ the all-valid rate, the target formula's prediction
 * ((1 − p) × all-valid time + one single verification per culprit), and how the wasm settled
 * each inline batch (checks, items checked, single verifications).
 */
import { randomBytes } from 'node:crypto';
import {
  type Ed25519BatchItem,
  ed25519GenerateKeyPair,
  ed25519Sign,
  ed25519Verify,
  ed25519VerifyBatch,
  lastBatchStats,
} from '../src/crypto/ed25519.js';
import { Ed25519Suspects } from '../src/crypto/ed25519-suspects.js';
import { CryptoPool } from '../src/pool/crypto-pool.js';
import { alternate, type BenchRow, type BenchTable, median, oursName } from './common.js';

const signatures = 16_384;
const senders = 256;
const messageBytes = 128;
const fractions = [0.001, 0.01, 0.1];
/** Items each sender contributes to a batch (signatures ÷ senders). */
const itemsPerSender = signatures / senders;

interface Batches {
  valid: Ed25519BatchItem[];
  spread: (p: number) => Ed25519BatchItem[];
  fromSenders: (bad: number) => Ed25519BatchItem[];
}

function spoiled(item: Ed25519BatchItem): Ed25519BatchItem {
  const message = Uint8Array.from(item.message);
  message[0] = (message[0] as number) ^ 1;
  return { ...item, message };
}

function makeBatches(): Batches {
  const keys = Array.from({ length: senders }, () => ed25519GenerateKeyPair());
  const valid = Array.from({ length: signatures }, (_, i) => {
    const { publicKey, secretKey } = keys[i % senders] as (typeof keys)[number];
    const message = new Uint8Array(randomBytes(messageBytes));
    return { publicKey, message, signature: ed25519Sign(secretKey, message) };
  });
  return {
    valid,
    // One bad every ⌊1/p⌋ items (997 at 0.1 %: a prime, so it walks across the senders).
    spread: (p) => {
      const step = p === 0.001 ? 997 : Math.round(1 / p);
      return valid.map((item, i) => (i % step === step - 1 ? spoiled(item) : item));
    },
    // The first ⌈bad/64⌉ senders are hostile; `bad` of their items are bad.
    fromSenders: (bad) => {
      const hostile = Math.ceil(bad / itemsPerSender);
      let spoilt = 0;
      return valid.map((item, i) => {
        if (i % senders >= hostile || spoilt >= bad) return item;
        spoilt++;
        return spoiled(item);
      });
    },
  };
}

function invalidCount(items: readonly Ed25519BatchItem[], verdicts: readonly boolean[]): number {
  let count = 0;
  for (let i = 0; i < items.length; i++) if (!verdicts[i]) count++;
  return count;
}

/** Median time of one single verification (the target formula's culprit cost). */
function singleVerifyMs(item: Ed25519BatchItem): number {
  const times: number[] = [];
  for (let round = 0; round < 15; round++) {
    const started = performance.now();
    for (let i = 0; i < 200; i++) ed25519Verify(item.publicKey, item.message, item.signature);
    times.push((performance.now() - started) / 200);
  }
  return median(times);
}

const rounds = { min: 8, max: 16, quietWanted: 6 };

export async function run(): Promise<BenchTable> {
  process.stderr.write(`  signing ${signatures.toLocaleString('en')} items …\n`);
  const batches = makeBatches();
  const singleMs = singleVerifyMs(batches.valid[0] as Ed25519BatchItem);
  const rows: BenchRow[] = [];
  const notes: string[] = [
    `16,384 signatures of ${messageBytes} B from ${senders} senders (${itemsPerSender} items each); one single verification ${(singleMs * 1000).toFixed(1)} µs on this run.`,
  ];
  const poolPlain = new CryptoPool({ threads: 2, suspects: false });
  let poolSuspecting = new CryptoPool({ threads: 2 });
  let poolSpreadSuspecting = new CryptoPool({ threads: 2 });
  await Promise.all([poolPlain.ready(), poolSuspecting.ready(), poolSpreadSuspecting.ready()]);
  try {
    for (const where of ['inline', 'pool of 2'] as const) {
      for (const p of fractions) {
        const label = `${(p * 100).toLocaleString('en')} % invalid, ${where}`;
        // Each case starts with no suspects: a pool of its own for the spread attack, and the
        // hostile-senders pool's suspects forgotten.
        if (where === 'pool of 2') {
          await Promise.all([poolSuspecting.close(), poolSpreadSuspecting.close()]);
          poolSuspecting = new CryptoPool({ threads: 2 });
          poolSpreadSuspecting = new CryptoPool({ threads: 2 });
          await Promise.all([poolSuspecting.ready(), poolSpreadSuspecting.ready()]);
        }
        const spread = batches.spread(p);
        const bad = invalidCount(spread, ed25519VerifyBatch(spread));
        const fromSenders = batches.fromSenders(bad);
        if (invalidCount(batches.valid, ed25519VerifyBatch(batches.valid)) !== 0) {
          throw new Error('benchmark setup: the all-valid batch has an invalid item');
        }
        if (invalidCount(fromSenders, ed25519VerifyBatch(fromSenders)) !== bad) {
          throw new Error('benchmark setup: the two attacks should carry as many bad signatures');
        }
        const suspects = new Ed25519Suspects();
        const spreadSuspects = new Ed25519Suspects();
        const stats: Record<string, string> = {};
        // `suspectsFor()` is called per call: a fresh Ed25519Suspects makes every call a first batch.
        const inline = (name: string, items: Ed25519BatchItem[], suspectsFor?: () => Ed25519Suspects) => () => {
          const verdicts = ed25519VerifyBatch(
            items,
            suspectsFor === undefined ? undefined : { suspects: suspectsFor() },
          );
          const { candidates, checks, checkedItems, singles } = lastBatchStats();
          stats[name] =
            `${candidates} in the equation, ${checks} checks over ${checkedItems} items, ${singles} singles`;
          return verdicts;
        };
        const contenders =
          where === 'inline'
            ? [
                { impl: `${oursName}: all valid`, fn: inline('all valid', batches.valid) },
                { impl: 'spread, no history', fn: inline('spread', spread) },
                { impl: 'spread, suspicion carried', fn: inline('spread carried', spread, () => spreadSuspects) },
                {
                  impl: 'from hostile senders, first batch',
                  fn: inline('first', fromSenders, () => new Ed25519Suspects()),
                },
                { impl: 'from hostile senders, suspicion carried', fn: inline('carried', fromSenders, () => suspects) },
              ]
            : [
                { impl: `${oursName}: all valid`, fn: () => poolPlain.verifyBatch(batches.valid) },
                { impl: 'spread, no history', fn: () => poolPlain.verifyBatch(spread) },
                { impl: 'spread, suspicion carried', fn: () => poolSpreadSuspecting.verifyBatch(spread) },
                { impl: 'from hostile senders, suspicion carried', fn: () => poolSuspecting.verifyBatch(fromSenders) },
              ];
        process.stderr.write(`  ${label} (${bad} bad) …\n`);
        const measured = await alternate(label, signatures, 'sig', contenders, rounds);
        const allValidMs = (measured.rows[0] as BenchRow).msPerCall as number;
        const predictedMs = (1 - p) * allValidMs + bad * singleMs * (where === 'inline' ? 1 : 0.5);
        const ratios = measured.rows.slice(1).map((row) => {
          row.note = `${(1 / (row.oursOverThis as number)).toFixed(2)}× the all-valid rate`;
          return `${row.impl} ${(1 / (row.oursOverThis as number)).toFixed(2)}×`;
        });
        rows.push(...measured.rows);
        notes.push(
          `${label}: ${bad} bad; rate ÷ all-valid rate (median of per-round ratios): ${ratios.join(', ')}; ` +
            `the target formula predicts ${(allValidMs / predictedMs).toFixed(2)}× ((1 − p) × all valid + one single verification per culprit` +
            `${where === 'inline' ? '' : ', on 2 threads'}).` +
            (Object.keys(stats).length > 0
              ? ` Last inline batches: ${Object.entries(stats)
                  .map(([name, text]) => `${name}: ${text}`)
                  .join('; ')}.`
              : ''),
          measured.note,
        );
      }
    }
  } finally {
    await Promise.all([poolPlain.close(), poolSuspecting.close(), poolSpreadSuspecting.close()]);
  }
  return { name: 'adversarial', rows, notes };
}
