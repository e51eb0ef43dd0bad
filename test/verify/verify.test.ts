/**
 * consortium-ledger/verify in Node: the verdicts on evidence from a real chain and on every
 * kind of tampering (the browser test checks the same cases in Chromium); a quorum at every
 * membership size; the verifier's own layout readers and proof checks agree with the
 * library's; and its import graph bundles for a browser with no Node built-in (with a
 * negative control that shows the check fails when one sneaks in).
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { bundleForBrowser } from '../../scripts/build-verify.mjs';
import { toHex } from '../../src/bytes.js';
import { blockHash, decodeBlockHeader, encodeBlockHeader } from '../../src/codec/block.js';
import { commitVoteMessage as codecCommitVoteMessage, decodeCertificate } from '../../src/codec/certificate.js';
import { quorumSize } from '../../src/consensus/quorum.js';
import { ed25519GenerateKeyPair, ed25519VerifyBatch } from '../../src/crypto/ed25519.js';
import { merkleInclusionProof, merkleRoot, verifyMerkleInclusion } from '../../src/crypto/merkle.js';
import { sha256 } from '../../src/crypto/sha256.js';
import { DecodeError } from '../../src/errors.js';
import { signCertificate } from '../../src/ledger/quorum.js';
import { decodeStateProof, encodeStateProof, StateTree, verifyStateProof } from '../../src/ledger/state-tree.js';
import {
  initVerifier,
  type TransactionEvidence,
  verdictReasons,
  verifyState,
  verifyTransaction,
} from '../../src/verify/index.js';
import { commitVoteMessage, readCertificate, readHeader, readStateProof } from '../../src/verify/layouts.js';
import { verifyInclusion, verifyState as verifyStateFields } from '../../src/verify/proofs.js';
import { verifyVotes } from '../../src/verify/wasm-core.js';
import { corrupt, corruptions } from '../support/ed25519-corruptions.js';
import { fuzzParams } from '../support/fuzz.js';
import { buildEvidenceFixture, type EvidenceCase, type EvidenceFixture, evidenceCases } from './fixture.js';

const wasm = readFileSync(new URL('../../build/release.wasm', import.meta.url));

let fixture: EvidenceFixture;
let cases: EvidenceCase[];

beforeAll(async () => {
  await initVerifier({ wasm });
  fixture = await buildEvidenceFixture();
  cases = evidenceCases(fixture);
}, 60_000);

/** The verdict of a case, as both tests compute it. */
function verdictOf(c: EvidenceCase) {
  return c.kind === 'transaction' ? verifyTransaction(c.evidence, c.genesis) : verifyState(c.evidence, c.genesis);
}

describe('verify: evidence from a real chain', () => {
  it('the fixture is what the cases need: a transaction in a block of several, a certificate of a quorum', () => {
    expect(fixture.tx.proof.treeSize).toBeGreaterThan(1);
    expect(fixture.tx.proof.path.length).toBeGreaterThan(0);
    const signers = decodeCertificate(Buffer.from(fixture.tx.certificate, 'hex')).signatures.length;
    expect(signers).toBeGreaterThanOrEqual(quorumSize(fixture.genesis.validators.length));
    expect(fixture.present.value).not.toBeNull();
    expect(fixture.absent.value).toBeNull();
  });

  it('every case gets its verdict: valid evidence passes, each tampering fails with its reason', () => {
    const reasons = new Set<string>();
    for (const c of cases) {
      const verdict = verdictOf(c);
      const got = verdict.ok ? undefined : verdict.reason;
      expect({ name: c.name, reason: got, detail: verdict.ok ? '' : verdict.detail }).toMatchObject({
        name: c.name,
        reason: c.reason,
      });
      if (!verdict.ok) {
        reasons.add(verdict.reason);
        expect(verdict.detail.length).toBeGreaterThan(10);
      }
    }
    // Every reason is reached by a tampering of real evidence.
    const unreached = verdictReasons.filter((reason) => !reasons.has(reason));
    expect(unreached).toEqual([]);
  });

  it('valid evidence reports what it proved', () => {
    const tx = verifyTransaction(fixture.tx, fixture.genesis);
    expect(tx).toMatchObject({
      ok: true,
      facts: {
        txId: fixture.tx.txId,
        txIndex: fixture.tx.txIndex,
        height: fixture.tx.height,
        blockHash: fixture.tx.blockHash,
        receiptCode: 0,
        chainId: fixture.genesis.chainId,
        validators: 4,
        quorum: 3,
      },
    });
    const present = verifyState(fixture.present, fixture.genesis);
    expect(present).toMatchObject({ ok: true, facts: { key: fixture.present.key, value: fixture.present.value } });
    const absent = verifyState(fixture.absent, fixture.genesis);
    expect(absent).toMatchObject({ ok: true, facts: { key: fixture.absent.key, value: null } });
  });

  it('takes the JSON as printed: a round trip through JSON.stringify changes no verdict, extra fields are ignored', () => {
    for (const c of cases.slice(0, 6)) {
      const printed = JSON.parse(JSON.stringify({ status: 'applied', type: 'transfer', ...(c.evidence as object) }));
      expect(verdictOf({ ...c, evidence: printed })).toEqual(verdictOf(c));
    }
  });

  it('anything that is not evidence is a malformed-evidence verdict, never an exception', () => {
    for (const evidence of [null, 7, 'tx', [], {}, { ...fixture.tx, txIndex: -1 }, { ...fixture.tx, proof: null }]) {
      expect(verifyTransaction(evidence, fixture.genesis)).toMatchObject({ ok: false, reason: 'malformed-evidence' });
    }
    for (const genesis of [null, {}, { chainId: 'x', validators: [] }, { chainId: 'X!', validators: ['00'] }]) {
      expect(verifyTransaction(fixture.tx, genesis)).toMatchObject({ ok: false, reason: 'malformed-genesis' });
    }
  });
});

describe('verify: a quorum at every membership size', () => {
  // A one-transaction block of a synthetic consortium of n validators, its certificate signed by `signers` of them.
  function evidenceFor(n: number, signers: number) {
    const keys = Array.from({ length: n }, () => ed25519GenerateKeyPair());
    // The verifier reads no field of a transaction: any bytes are one, proven by their hash.
    const tx = new Uint8Array(120).fill(n);
    const ids = [sha256(tx), sha256(new Uint8Array([1])), sha256(new Uint8Array([2]))];
    const header = encodeBlockHeader({
      height: 7,
      previousHash: new Uint8Array(32),
      timestampMs: 1_700_000_000_000,
      proposer: (keys[0] as { publicKey: Uint8Array }).publicKey,
      txCount: ids.length,
      txRoot: merkleRoot(ids),
      receiptsRoot: new Uint8Array(32),
      stateRoot: new Uint8Array(32),
      previousCertificateHash: new Uint8Array(32),
    });
    const proof = merkleInclusionProof(ids, 0);
    const evidence: TransactionEvidence = {
      tx: toHex(tx),
      txIndex: 0,
      proof: { leafIndex: 0, treeSize: ids.length, path: proof.path.map(toHex) },
      header: toHex(header),
      certificate: toHex(signCertificate('quorum-test', 2, 7, blockHash(header), keys.slice(0, signers))),
    };
    const genesis = { chainId: 'quorum-test', validators: keys.map((k) => toHex(k.publicKey)) };
    return { evidence, genesis };
  }
  it('n = 1..16: q signatures certify a block, q − 1 do not', () => {
    for (let n = 1; n <= 16; n++) {
      const q = quorumSize(n);
      const full = evidenceFor(n, q);
      expect({ n, verdict: verifyTransaction(full.evidence, full.genesis).ok }).toEqual({ n, verdict: true });
      if (q > 1) {
        const short = evidenceFor(n, q - 1);
        expect({ n, verdict: verifyTransaction(short.evidence, short.genesis) }).toMatchObject({
          n,
          verdict: { ok: false, reason: 'certificate-short-of-quorum' },
        });
      }
    }
  });
});

describe('verify: its readers and checks agree with the library', () => {
  it('headers, certificates and state proofs of the real chain read as the codec decodes them', () => {
    const headerBytes = Buffer.from(fixture.tx.header, 'hex');
    const header = decodeBlockHeader(headerBytes);
    expect(readHeader(headerBytes)).toEqual({
      height: header.height,
      timestampMs: header.timestampMs,
      txCount: header.txCount,
      txRoot: header.txRoot,
      receiptsRoot: header.receiptsRoot,
      stateRoot: header.stateRoot,
    });
    const certificateBytes = Buffer.from(fixture.tx.certificate, 'hex');
    expect(readCertificate(certificateBytes)).toEqual(decodeCertificate(certificateBytes));
    const proofBytes = Buffer.from(fixture.present.proof, 'hex');
    expect(readStateProof(proofBytes)).toEqual(decodeStateProof(proofBytes));
  });

  it('mutated certificate, header and state-proof bytes are refused or read exactly as the codec does', () => {
    const samples = [
      [Buffer.from(fixture.tx.certificate, 'hex'), readCertificate, decodeCertificate],
      [Buffer.from(fixture.tx.header, 'hex'), readHeader, decodeBlockHeader],
      [Buffer.from(fixture.absent.proof, 'hex'), readStateProof, decodeStateProof],
    ] as const;
    const outcome = (read: (bytes: Uint8Array) => unknown, bytes: Uint8Array) => {
      try {
        return { value: read(bytes) };
      } catch (error) {
        if (error instanceof DecodeError) return { refused: true };
        throw error;
      }
    };
    fc.assert(
      fc.property(
        fc.nat(2),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        fc.constantFrom('set', 'truncate', 'extend'),
        (which, at, byte, how) => {
          const [original, ours, codec] = samples[which] as (typeof samples)[number];
          const bytes = new Uint8Array(original);
          let mutated: Uint8Array = bytes;
          if (how === 'set') bytes[at % bytes.length] = byte;
          else if (how === 'truncate') mutated = bytes.subarray(0, at % bytes.length);
          else mutated = new Uint8Array([...bytes, byte]);
          const a = outcome(ours as (b: Uint8Array) => unknown, mutated);
          const b = outcome(codec as (b: Uint8Array) => unknown, mutated);
          if ('refused' in a || 'refused' in b) return 'refused' in a && 'refused' in b;
          if (codec === decodeBlockHeader) {
            const h = b.value as ReturnType<typeof decodeBlockHeader>;
            expect(a.value).toEqual({
              height: h.height,
              timestampMs: h.timestampMs,
              txCount: h.txCount,
              txRoot: h.txRoot,
              receiptsRoot: h.receiptsRoot,
              stateRoot: h.stateRoot,
            });
          } else expect(a.value).toEqual(b.value);
          return true;
        },
      ),
      fuzzParams(),
    );
  });

  it('commit-vote messages are byte for byte the codec’s', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z0-9._-]{1,32}$/),
        fc.nat(),
        fc.nat(),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (chainId, view, height, hash) =>
          toHex(commitVoteMessage(chainId, view, height, hash)) ===
          toHex(codecCommitVoteMessage(chainId, view, height, hash)),
      ),
      fuzzParams(),
    );
  });

  it('inclusion verdicts equal verifyMerkleInclusion on random trees and mutated proofs', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.nat(),
        fc.constantFrom('none', 'path', 'index', 'size', 'leaf', 'drop'),
        fc.nat(),
        (size, pick, how, at) => {
          const leaves = Array.from({ length: size }, (_, i) => new Uint8Array([i, size, 7]));
          const root = merkleRoot(leaves);
          const index = pick % size;
          const proof = merkleInclusionProof(leaves, index);
          let leaf = leaves[index] as Uint8Array;
          let mutated = { leafIndex: proof.leafIndex, treeSize: proof.treeSize, path: [...proof.path] };
          if (how === 'path' && mutated.path.length > 0) {
            const i = at % mutated.path.length;
            const node = (mutated.path[i] as Uint8Array).slice();
            node[at % 32] = (node[at % 32] as number) ^ 1;
            mutated.path[i] = node;
          } else if (how === 'index') mutated = { ...mutated, leafIndex: (index + 1 + (at % size)) % (size + 1) };
          else if (how === 'size') mutated = { ...mutated, treeSize: 1 + (at % (2 * size)) };
          else if (how === 'leaf') leaf = new Uint8Array([at & 255]);
          else if (how === 'drop') mutated = { ...mutated, path: mutated.path.slice(1) };
          return verifyInclusion(leaf, mutated, root) === verifyMerkleInclusion(leaf, mutated, root);
        },
      ),
      fuzzParams(),
    );
  });

  it('state proof verdicts equal verifyStateProof for present and absent keys and tampered claims', () => {
    const tree = new StateTree();
    const entries = Array.from({ length: 40 }, (_, i) => ({
      key: new Uint8Array([1, i, i * 7]),
      value: new Uint8Array([i, 9]),
    }));
    tree.update(entries);
    const root = tree.root;
    fc.assert(
      fc.property(
        fc.nat(79),
        fc.constantFrom('claim', 'absent', 'value', 'sibling', 'root'),
        fc.nat(),
        (pick, how, at) => {
          const present = pick < 40;
          const key = present ? (entries[pick] as { key: Uint8Array }).key : new Uint8Array([2, pick, 3]);
          let value = present ? (entries[pick] as { value: Uint8Array }).value : undefined;
          const proof = tree.prove(key);
          let siblings = [...proof.siblings];
          let claimedRoot = root;
          if (how === 'absent') value = undefined;
          else if (how === 'value') value = new Uint8Array([at & 255, 1]);
          else if (how === 'sibling' && siblings.length > 0) {
            const i = at % siblings.length;
            const node = (siblings[i] as Uint8Array).slice();
            node[at % 32] = (node[at % 32] as number) ^ 1;
            siblings = [...siblings.slice(0, i), node, ...siblings.slice(i + 1)];
          } else if (how === 'root') {
            claimedRoot = root.slice();
            claimedRoot[at % 32] = (claimedRoot[at % 32] as number) ^ 1;
          }
          const fields = readStateProof(encodeStateProof({ siblings, leaf: proof.leaf }));
          return (
            verifyStateFields(claimedRoot, key, value, fields) ===
            verifyStateProof(claimedRoot, key, value, { siblings, leaf: proof.leaf })
          );
        },
      ),
      fuzzParams(),
    );
  });

  it('signature verdicts equal ed25519VerifyBatch for every corruption, ZIP-215 small order included', () => {
    const message = codecCommitVoteMessage('sig-test', 1, 2, new Uint8Array(32).fill(5));
    const keys = Array.from({ length: 6 }, () => ed25519GenerateKeyPair());
    const good = signCertificate('sig-test', 1, 2, new Uint8Array(32).fill(5), keys);
    const votes = decodeCertificate(good).signatures;
    const items = votes.map((vote) => ({ publicKey: vote.publicKey, signature: vote.signature, message }));
    for (const how of corruptions) {
      for (let bad = 0; bad < items.length; bad += 2) {
        const mixed = items.map((item, i) => (i === bad ? corrupt(item, how, 11 * i + 3, keys) : item));
        // messageBit cannot be expressed as a vote (all votes share one message): compare without it.
        if (how === 'messageBit') continue;
        const ours = [...verifyVotes(mixed, message)].map((v) => v === 1);
        expect({ how, bad, ours }).toEqual({ how, bad, ours: ed25519VerifyBatch(mixed) });
      }
    }
  });
});

describe('verify: the browser entry', () => {
  it('bundles for a browser with no Node built-in and no Buffer; its inputs are the codec-free core', async () => {
    const { code, inputs } = await bundleForBrowser();
    expect(code).not.toMatch(/\bBuffer\b|\bprocess\.|\brequire\(|node:/);
    const allowed = [
      /^src\/verify\/(?!evidence-from-store)[a-z-]+\.ts$/,
      /^src\/(bytes|errors|limits)\.ts$/,
      /^src\/consensus\/quorum\.ts$/,
      /^src\/crypto\/wasm-instance\.ts$/,
    ];
    expect(inputs.filter((input) => !allowed.some((pattern) => pattern.test(input)))).toEqual([]);
  });

  it('negative control: the same bundling fails on a file that reaches node: built-ins', async () => {
    await expect(bundleForBrowser({ entry: 'src/verify/evidence-from-store.ts' })).rejects.toThrow(
      /Could not resolve "node:/,
    );
  });

  it('refuses to verify before initVerifier, and refuses a wasm that is not the package’s', async () => {
    vi.resetModules();
    const fresh = await import('../../src/verify/index.js');
    expect(() => fresh.verifyTransaction(fixture.tx, fixture.genesis)).toThrow(/initVerifier/);
    // The smallest valid module: magic and version, no exports.
    const empty = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    await expect(fresh.initVerifier({ wasm: empty })).rejects.toThrow(/not consortium-ledger's wasm/);
    await fresh.initVerifier({ wasm: wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) });
    expect(fresh.verifyTransaction(fixture.tx, fixture.genesis).ok).toBe(true);
  });
});
