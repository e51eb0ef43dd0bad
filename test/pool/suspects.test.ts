// A pool carries per-sender suspicion across its verify calls (CryptoPoolOptions.suspects): the
// keys of invalid items are recorded on the calling thread, and every later task carries them
// to its worker, which verifies their items singly. Verdicts must stay the single verdicts.
import { afterAll, describe, expect, it } from 'vitest';
import {
  type Ed25519BatchItem,
  ed25519GenerateKeyPair,
  ed25519Sign,
  ed25519Verify,
  packVerifyBatch,
} from '../../src/crypto/ed25519.js';
import { Ed25519Suspects } from '../../src/crypto/ed25519-suspects.js';
import { verifyInlineItemsMax } from '../../src/pool/chunk-plan.js';
import { CryptoPool } from '../../src/pool/crypto-pool.js';
import { recordTasks } from '../../src/pool/testing.js';

const keys = Array.from({ length: 16 }, () => ed25519GenerateKeyPair());
const count = Math.max(2 * verifyInlineItemsMax, 600);

/** `count` items over the 16 keys; key 3 changes every 7th of its messages after signing. */
function batch(round: number): Ed25519BatchItem[] {
  return Array.from({ length: count }, (_, i) => {
    const k = i % keys.length;
    const { publicKey, secretKey } = keys[k] as (typeof keys)[number];
    const message = Uint8Array.from({ length: 48 }, (_, j) => (i * 37 + j + round * 101) & 0xff);
    const signature = ed25519Sign(secretKey, message);
    if (k === 3 && i % 7 === 0) message[0] = (message[0] as number) ^ 1;
    return { publicKey, message, signature };
  });
}

const singles = (items: readonly Ed25519BatchItem[]) =>
  items.map(({ publicKey, message, signature }) => ed25519Verify(publicKey, message, signature));

describe('CryptoPool suspects', () => {
  const pool = new CryptoPool({ threads: 2 });
  const off = new CryptoPool({ threads: 1, suspects: false });
  afterAll(() => Promise.all([pool.close(), off.close()]));

  it('records offenders from verifyBatch and verifyPackedBatch, and sends them with every later task', async () => {
    const suspects = pool.suspects as Ed25519Suspects;
    expect(suspects).toBeInstanceOf(Ed25519Suspects);
    const first = batch(0);
    expect(await pool.verifyBatch(first)).toEqual(singles(first));
    expect(suspects.size).toBe(1);
    expect(suspects.has((keys[3] as (typeof keys)[number]).publicKey)).toBe(true);

    const recorder = recordTasks(pool);
    try {
      const second = batch(1);
      expect(Array.from(await pool.verifyPackedBatch(packVerifyBatch(second)))).toEqual(singles(second).map(Number));
      const third = batch(2);
      expect(await pool.verifyBatch(third)).toEqual(singles(third));
    } finally {
      recorder.stop();
    }
    const verifyTasks = recorder.handed.filter(({ task }) => task.kind === 'verify' || task.kind === 'verifyRange');
    expect(verifyTasks.length).toBeGreaterThanOrEqual(2);
    for (const { task } of verifyTasks) {
      const carried = (task as { suspects?: Uint8Array }).suspects;
      expect(Buffer.from(carried ?? []).toString('hex')).toBe(
        Buffer.from((keys[3] as (typeof keys)[number]).publicKey).toString('hex'),
      );
    }
  });

  it('a caller can share one Ed25519Suspects between pools, or turn suspicion off', async () => {
    expect(off.suspects).toBeUndefined();
    const items = batch(3);
    expect(await off.verifyBatch(items)).toEqual(singles(items));
    const shared = new Ed25519Suspects();
    const a = new CryptoPool({ threads: 1, suspects: shared });
    try {
      expect(a.suspects).toBe(shared);
      await a.verifyPackedBatch(packVerifyBatch(items));
      expect(shared.size).toBe(1);
    } finally {
      await a.close();
    }
  });

  it('refuses a suspects option that is not an Ed25519Suspects or false', () => {
    expect(() => new CryptoPool({ suspects: {} as Ed25519Suspects })).toThrow(
      /new CryptoPool: expected options.suspects to be an Ed25519Suspects or false/,
    );
    expect(() => new CryptoPool({ suspects: true as unknown as false })).toThrow(TypeError);
  });
});
