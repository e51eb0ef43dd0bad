// Per-sender suspicion (src/crypto/ed25519-suspects.ts): the items of keys that recently signed
// something invalid are verified one by one in the batch's preparation, so they cannot fail
// the batch equation for the others. Verdicts must not change; only the items' path does.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createInlineCrypto } from '../../src/crypto/backend.js';
import {
  type Ed25519BatchItem,
  ed25519GenerateKeyPair,
  ed25519Sign,
  ed25519Verify,
  ed25519VerifyBatch,
  lastBatchStats,
  packVerifyBatch,
  verifyPackedBatch,
} from '../../src/crypto/ed25519.js';
import { Ed25519Suspects } from '../../src/crypto/ed25519-suspects.js';
import { ed25519SuspectKeysMax } from '../../src/limits.js';
import { fuzzParams } from '../support/fuzz.js';

const keys = Array.from({ length: 8 }, () => ed25519GenerateKeyPair());

/** An item signed by key `k`; `bad` changes the message after signing (R and S still decode). */
function item(k: number, seed: number, bad = false): Ed25519BatchItem {
  const { publicKey, secretKey } = keys[k] as (typeof keys)[number];
  const message = Uint8Array.from({ length: 40 }, (_, i) => (seed * 31 + i * 7) & 0xff);
  const signature = ed25519Sign(secretKey, message);
  if (bad) message[seed % 40] = (message[seed % 40] as number) ^ 0x04;
  return { publicKey, message, signature };
}

/** Records one invalid signature under each of `offenders` (a batch of only those items). */
const accuse = (suspects: Ed25519Suspects, offenders: readonly Uint8Array[]) =>
  suspects.endBatch(
    offenders.length,
    (i) => offenders[i] as Uint8Array,
    () => false,
  );

const singles = (items: readonly Ed25519BatchItem[]) =>
  items.map(({ publicKey, message, signature }) => ed25519Verify(publicKey, message, signature));

describe('Ed25519Suspects', () => {
  it('verdicts with suspects are the single verdicts, for any mix and any suspect set (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ k: fc.nat(7), bad: fc.boolean() }), { minLength: 0, maxLength: 80 }),
        fc.uniqueArray(fc.nat(7), { maxLength: 8 }),
        (specs, suspected) => {
          const items = specs.map(({ k, bad }, i) => item(k, i, bad));
          const suspects = new Ed25519Suspects();
          accuse(
            suspects,
            suspected.map((k) => (keys[k] as (typeof keys)[number]).publicKey),
          );
          expect(ed25519VerifyBatch(items, { suspects })).toEqual(singles(items));
          expect(Array.from(verifyPackedBatch(packVerifyBatch(items), { suspects }))).toEqual(
            singles(items).map(Number),
          );
        },
      ),
      fuzzParams(),
    );
  });

  it("a suspect's items skip the batch equation, so the others pass in one check", () => {
    // 96 items over 8 keys, key 0's twelve of them bad.
    const items = Array.from({ length: 96 }, (_, i) => item(i % 8, i, i % 8 === 0));
    const expected = singles(items);
    const suspects = new Ed25519Suspects();
    expect(ed25519VerifyBatch(items, { suspects })).toEqual(expected);
    const first = lastBatchStats();
    expect(first.candidates).toBe(96);
    expect(first.singles).toBeGreaterThan(0); // the first check failed: settled further
    // The call recorded the offender; the next batch sets its items aside.
    expect(suspects.size).toBe(1);
    expect(suspects.has((keys[0] as (typeof keys)[number]).publicKey)).toBe(true);
    expect(ed25519VerifyBatch(items, { suspects })).toEqual(expected);
    const second = lastBatchStats();
    expect(second.candidates).toBe(84);
    expect(second.checks).toBe(1);
    expect(second.singles).toBe(0);
    // Without the suspects the same batch is bisected again.
    ed25519VerifyBatch(items);
    expect(lastBatchStats().singles).toBeGreaterThan(0);
  });

  it('a suspect whose items turn out valid is forgiven after forgiveAfterValid of them; a bad one stays', () => {
    const suspects = new Ed25519Suspects({ forgiveAfterValid: 4 });
    const key = (k: number) => (keys[k] as (typeof keys)[number]).publicKey;
    // Keys 1 and 2 each sign one bad item (a forger used their names once, or they are hostile).
    ed25519VerifyBatch([item(1, 1, true), item(2, 2, true), item(3, 3)], { suspects });
    expect([1, 2, 3].map((k) => suspects.has(key(k)))).toEqual([true, true, false]);
    // Key 1 then signs only valid items; key 2 keeps mixing in bad ones.
    const batch = (round: number) => [
      item(1, 10 * round),
      item(1, 10 * round + 1),
      item(2, 10 * round + 2),
      item(2, 10 * round + 3, true),
      item(2, 10 * round + 4),
    ];
    ed25519VerifyBatch(batch(1), { suspects });
    expect(suspects.has(key(1))).toBe(true); // 2 of the 4 valid items it needs
    expect(ed25519VerifyBatch(batch(2), { suspects })).toEqual(singles(batch(2)));
    expect(suspects.has(key(1))).toBe(false); // 4 valid items: forgiven
    expect(suspects.has(key(2))).toBe(true); // valid items in batches with a bad one do not count
    // A new offence restarts the count.
    ed25519VerifyBatch([item(1, 99, true)], { suspects });
    ed25519VerifyBatch([item(1, 100), item(1, 101), item(1, 102)], { suspects });
    expect(suspects.has(key(1))).toBe(true);
  });

  it('a sender that mixes a rare bad signature into many good ones is not set aside; a frequent one is', () => {
    const suspects = new Ed25519Suspects();
    const key = (k: number) => (keys[k] as (typeof keys)[number]).publicKey;
    // Key 1: one bad in 600 (below 1/256); key 2: one bad in 20.
    const keyOf = (i: number) => (i < 600 ? key(1) : key(2));
    suspects.endBatch(620, keyOf, (i) => i !== 7 && i !== 610);
    expect([suspects.has(key(1)), suspects.singly(key(1))]).toEqual([true, false]);
    expect([suspects.has(key(2)), suspects.singly(key(2))]).toEqual([true, true]);
    expect(Buffer.from(suspects.packedKeys()).toString('hex')).toBe(Buffer.from(key(2)).toString('hex'));
    // More bad ones from key 1 raise its share past the line.
    suspects.endBatch(
      2,
      () => key(1),
      () => false,
    );
    expect(suspects.singly(key(1))).toBe(true);
  });

  it('a suspect that goes quiet is forgiven after forgiveAfterCalls batches; a repeat offence restarts the count', () => {
    const suspects = new Ed25519Suspects({ forgiveAfterCalls: 3 });
    const offender = [item(1, 1, true), item(2, 2)];
    const others = [item(2, 3), item(3, 4)];
    ed25519VerifyBatch(offender, { suspects });
    expect(suspects.size).toBe(1);
    ed25519VerifyBatch(others, { suspects });
    ed25519VerifyBatch(others, { suspects });
    expect(suspects.size).toBe(1);
    ed25519VerifyBatch(offender, { suspects }); // offends again: three more batches from now
    ed25519VerifyBatch(others, { suspects });
    ed25519VerifyBatch(others, { suspects });
    expect(suspects.size).toBe(1);
    ed25519VerifyBatch(others, { suspects });
    expect(suspects.size).toBe(0);
  });

  it('holds at most keysMax keys, dropping the least recent offender, and packs them for the wasm', () => {
    const suspects = new Ed25519Suspects({ keysMax: 3 });
    const key = (k: number) => (keys[k] as (typeof keys)[number]).publicKey;
    accuse(suspects, [key(0), key(1), key(2)]);
    const packed = suspects.packedKeys();
    expect(packed.length).toBe(96);
    expect(suspects.packedKeys()).toBe(packed); // unchanged set, same array
    accuse(suspects, [key(0)]); // key 0 offends again: now the most recent
    accuse(suspects, [key(3)]);
    expect([0, 1, 2, 3].map((k) => suspects.has(key(k)))).toEqual([true, false, true, true]);
    expect(suspects.packedKeys()).not.toBe(packed);
    expect(Buffer.from(suspects.packedKeys()).toString('hex')).toBe(
      Buffer.concat([key(2), key(0), key(3)]).toString('hex'),
    );
    // The keys are copied: a caller reusing its buffer does not change the set.
    const reused = key(4).slice();
    accuse(suspects, [reused]);
    reused.fill(0);
    expect(suspects.has(key(4))).toBe(true);
  });

  it('a suspect key whose items are all valid costs nothing in verdicts, and undecodable keys stay refused', () => {
    const suspects = new Ed25519Suspects();
    const broken = { ...item(5, 9), publicKey: new Uint8Array(32).fill(0xff) };
    accuse(suspects, [broken.publicKey, (keys[5] as (typeof keys)[number]).publicKey]);
    const items = [item(5, 1), broken, item(6, 2), item(5, 3, true)];
    expect(ed25519VerifyBatch(items, { suspects })).toEqual([true, false, true, false]);
  });

  it('refuses bad options with typed errors naming them', () => {
    const items = [item(0, 0)];
    expect(() => new Ed25519Suspects({ keysMax: 0 })).toThrow(/Ed25519Suspects: keysMax must be an integer/);
    expect(() => new Ed25519Suspects({ keysMax: ed25519SuspectKeysMax + 1 })).toThrow(RangeError);
    expect(() => new Ed25519Suspects({ forgiveAfterCalls: 1.5 })).toThrow(RangeError);
    expect(() => new Ed25519Suspects({ forgiveAfterValid: 0 })).toThrow(/forgiveAfterValid/);
    expect(() => new Ed25519Suspects({ singleShareMin: 0 })).toThrow(/singleShareMin/);
    expect(() => new Ed25519Suspects({ singleShareMin: Number.NaN })).toThrow(RangeError);
    expect(() => new Ed25519Suspects({ forgiveAfterCalls: '3' as unknown as number })).toThrow(TypeError);
    expect(() => ed25519VerifyBatch(items, { suspects: {} as Ed25519Suspects })).toThrow(
      /ed25519VerifyBatch: expected options.suspects to be an Ed25519Suspects/,
    );
    expect(() => ed25519VerifyBatch(items, null as unknown as undefined)).toThrow(/expected options to be an object/);
    expect(() => verifyPackedBatch(packVerifyBatch(items), 7 as unknown as undefined)).toThrow(
      /verifyPackedBatch: expected options/,
    );
  });
});

describe('createInlineCrypto', () => {
  it('carries its own suspects across calls (the default backend of a node and a ledger)', async () => {
    const backend = createInlineCrypto();
    const items = Array.from({ length: 24 }, (_, i) => item(i % 4, i, i % 4 === 2 && i < 12));
    expect(await backend.verifyBatch(items)).toEqual(singles(items));
    expect(backend.suspects?.has((keys[2] as (typeof keys)[number]).publicKey)).toBe(true);
    await backend.verifyPackedBatch(packVerifyBatch(items));
    expect(lastBatchStats().candidates).toBe(18);
    expect(createInlineCrypto({ suspects: false }).suspects).toBeUndefined();
    expect(() => createInlineCrypto({ suspects: 'yes' as unknown as false })).toThrow(
      /createInlineCrypto: expected options.suspects/,
    );
  });
});
