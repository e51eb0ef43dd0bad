// PBFT consensus messages (src/codec/consensus.ts): canonical bytes both ways for all nine
// kinds (nested envelopes included), what each signature covers, the signature checks a
// decoded message lists, and the refusals (every one a DecodeError naming field and offset).
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteWriter, concatBytes, toHex } from '../../src/bytes.js';
import { certificateBytesMax } from '../../src/codec/block.js';
import { commitVoteMessage } from '../../src/codec/certificate.js';
import {
  type CheckpointRef,
  type ConsensusBody,
  type ConsensusKeyPair,
  type ConsensusMessage,
  type ConsensusMessageKind,
  type ConsensusSigner,
  consensusKindCodes,
  consensusMessageKind,
  consensusSignatureItems,
  decodeConsensusMessage,
  encodeConsensusMessage,
  type PrePrepareMessage,
} from '../../src/codec/consensus.js';
import {
  ed25519PublicKeyFromSecret,
  ed25519Sign,
  ed25519Verify,
  ed25519VerifyBatch,
} from '../../src/crypto/ed25519.js';
import {
  certificateSignaturesMax,
  consensusMessageBytesMax,
  consensusProposalBytesMax,
  ed25519MessageBytesMax,
  requestTxsMax,
  stateResponseBlocksMax,
  txBytesMax,
  viewChangePreparedMax,
} from '../../src/limits.js';
import {
  arbBytes32,
  arbChainId,
  arbDecoderInput,
  arbU53,
  decodeError,
  decodeOrRefuse,
  plain,
} from '../support/codec-arbitraries.js';
import { fuzzParams, fuzzRuns } from '../support/fuzz.js';

const filled = (byte: number, length = 32): Uint8Array => new Uint8Array(length).fill(byte);
const ascii = (text: string): string => Buffer.from(text, 'utf8').toString('hex');
const u64 = (value: number | bigint): string => {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(value), true);
  return toHex(out);
};

/** Four members with fixed seeds 0x01…, 0x02…, 0x03…, 0x04…. */
const signers: readonly ConsensusSigner[] = [1, 2, 3, 4].map((byte) => {
  const secretKey = filled(byte);
  return { publicKey: ed25519PublicKeyFromSecret(secretKey), secretKey };
});
const [alice, bob, carol, dave] = signers as [ConsensusKeyPair, ConsensusKeyPair, ConsensusKeyPair, ConsensusKeyPair];

const chainId = 'scf-main';
const header = 98; // version, kind, sender, signature

// ---- Message trees: a signer and a body whose nested messages are trees too ----------------

type LeafKind = Exclude<ConsensusMessageKind, 'view-change' | 'new-view'>;
type LeafBody = Extract<ConsensusBody, { kind: LeafKind }>;
type SpecBody =
  | LeafBody
  | {
      kind: 'view-change';
      newView: number;
      checkpoint: CheckpointRef;
      checkpointProof: Spec[];
      prepared: { prePrepare: Spec; prepares: Spec[] }[];
    }
  | { kind: 'new-view'; view: number; viewChanges: Spec[]; prePrepares: Spec[] };
interface Spec {
  signer: ConsensusSigner;
  body: SpecBody;
}
interface Built {
  bytes: Uint8Array;
  /** The body as `encodeConsensusMessage` takes it (nested messages as their bytes). */
  body: ConsensusBody;
  /** How many signatures the message holds, nested ones included. */
  signatures: number;
}

/** Encodes a tree bottom-up for `chain`. */
function build(chain: string, spec: Spec): Built {
  let signatures = 1;
  const nested = (child: Spec): Uint8Array => {
    const built = build(chain, child);
    signatures += built.signatures;
    return built.bytes;
  };
  let body: ConsensusBody;
  const b = spec.body;
  if (b.kind === 'view-change') {
    body = {
      kind: 'view-change',
      newView: b.newView,
      checkpoint: b.checkpoint,
      checkpointProof: b.checkpointProof.map(nested),
      prepared: b.prepared.map((c) => ({ prePrepare: nested(c.prePrepare), prepares: c.prepares.map(nested) })),
    };
  } else if (b.kind === 'new-view') {
    body = {
      kind: 'new-view',
      view: b.view,
      viewChanges: b.viewChanges.map(nested),
      prePrepares: b.prePrepares.map(nested),
    };
  } else {
    body = b;
  }
  return { bytes: encodeConsensusMessage(chain, spec.signer, body), body, signatures };
}

/** A decoded message's body, as `encodeConsensusMessage` takes it. */
function bodyOf(m: ConsensusMessage): ConsensusBody {
  switch (m.kind) {
    case 'request':
      return { kind: m.kind, txs: m.txs };
    case 'pre-prepare':
      return { kind: m.kind, view: m.view, sequence: m.sequence, digest: m.digest, block: m.block };
    case 'prepare':
      return { kind: m.kind, view: m.view, sequence: m.sequence, digest: m.digest };
    case 'commit':
      return { kind: m.kind, view: m.view, sequence: m.sequence, digest: m.digest };
    case 'checkpoint':
      return { kind: m.kind, sequence: m.sequence, blockHash: m.blockHash, stateRoot: m.stateRoot };
    case 'view-change':
      return {
        kind: m.kind,
        newView: m.newView,
        checkpoint: {
          sequence: m.checkpoint.sequence,
          blockHash: m.checkpoint.blockHash,
          stateRoot: m.checkpoint.stateRoot,
        },
        checkpointProof: m.checkpointProof.map((proof) => proof.bytes),
        prepared: m.prepared.map((c) => ({ prePrepare: c.prePrepare.bytes, prepares: c.prepares.map((p) => p.bytes) })),
      };
    case 'new-view':
      return {
        kind: m.kind,
        view: m.view,
        viewChanges: m.viewChanges.map((v) => v.bytes),
        prePrepares: m.prePrepares.map((p) => p.bytes),
      };
    case 'state-request':
      return { kind: m.kind, fromHeight: m.fromHeight, countMax: m.countMax };
    case 'state-response':
      return { kind: m.kind, entries: m.entries.map((e) => ({ block: e.block, certificate: e.certificate })) };
  }
}

/** The message and every nested one, in the order `consensusSignatureItems` lists them. */
function flatten(m: ConsensusMessage): ConsensusMessage[] {
  if (m.kind === 'view-change') {
    return [m, ...m.checkpointProof, ...m.prepared.flatMap((c) => [c.prePrepare as ConsensusMessage, ...c.prepares])];
  }
  if (m.kind === 'new-view') return [m, ...m.viewChanges.flatMap(flatten), ...m.prePrepares];
  return [m];
}

const verdicts = (m: ConsensusMessage): boolean[] => ed25519VerifyBatch(consensusSignatureItems(m));

// ---- Arbitraries ---------------------------------------------------------------------------

const arbSigner = fc.constantFrom(...signers);
const arbBlob = (max: number) => fc.uint8Array({ minLength: 1, maxLength: max });

const leafBodies = {
  request: fc.record({
    kind: fc.constant('request' as const),
    txs: fc.array(arbBlob(80), { minLength: 1, maxLength: 4 }),
  }),
  'pre-prepare': fc.record({
    kind: fc.constant('pre-prepare' as const),
    view: arbU53,
    sequence: arbU53,
    digest: arbBytes32,
    block: arbBlob(80),
  }),
  prepare: fc.record({ kind: fc.constant('prepare' as const), view: arbU53, sequence: arbU53, digest: arbBytes32 }),
  commit: fc.record({ kind: fc.constant('commit' as const), view: arbU53, sequence: arbU53, digest: arbBytes32 }),
  checkpoint: fc.record({
    kind: fc.constant('checkpoint' as const),
    sequence: arbU53,
    blockHash: arbBytes32,
    stateRoot: arbBytes32,
  }),
  'state-request': fc.record({
    kind: fc.constant('state-request' as const),
    fromHeight: arbU53,
    countMax: fc.oneof(fc.constantFrom(1, stateResponseBlocksMax), fc.integer({ min: 1, max: stateResponseBlocksMax })),
  }),
  'state-response': fc.record({
    kind: fc.constant('state-response' as const),
    entries: fc.array(fc.record({ block: arbBlob(60), certificate: arbBlob(60) }), { maxLength: 3 }),
  }),
} satisfies { [K in LeafKind]: fc.Arbitrary<Extract<ConsensusBody, { kind: K }>> };

const leaf = (body: fc.Arbitrary<LeafBody>): fc.Arbitrary<Spec> => fc.record({ signer: arbSigner, body });

const arbViewChange: fc.Arbitrary<Spec> = fc.record({
  signer: arbSigner,
  body: fc.record({
    kind: fc.constant('view-change' as const),
    newView: arbU53,
    checkpoint: fc.record({ sequence: arbU53, blockHash: arbBytes32, stateRoot: arbBytes32 }),
    checkpointProof: fc.array(leaf(leafBodies.checkpoint), { maxLength: 3 }),
    prepared: fc.array(
      fc.record({
        prePrepare: leaf(leafBodies['pre-prepare']),
        prepares: fc.array(leaf(leafBodies.prepare), { maxLength: 3 }),
      }),
      { maxLength: 2 },
    ),
  }),
});

const arbNewView: fc.Arbitrary<Spec> = fc.record({
  signer: arbSigner,
  body: fc.record({
    kind: fc.constant('new-view' as const),
    view: arbU53,
    viewChanges: fc.array(arbViewChange, { minLength: 1, maxLength: 2 }),
    prePrepares: fc.array(leaf(leafBodies['pre-prepare']), { maxLength: 2 }),
  }),
});

/** Any message tree, the nine kinds equally likely. */
const arbSpec: fc.Arbitrary<Spec> = fc.oneof(
  ...Object.values(leafBodies).map((body) => leaf(body as fc.Arbitrary<LeafBody>)),
  arbViewChange,
  arbNewView,
);

const arbCase = fc.record({ chain: arbChainId, spec: arbSpec });

// ---- Fixed examples, one per kind ----------------------------------------------------------

const prePrepareBody = (view = 3, sequence = 9, block = filled(0xbb, 40)): ConsensusBody => ({
  kind: 'pre-prepare',
  view,
  sequence,
  digest: filled(0xd1),
  block,
});
const prepareBody = (view = 3, sequence = 9): ConsensusBody => ({
  kind: 'prepare',
  view,
  sequence,
  digest: filled(0xd1),
});
const checkpointBody: ConsensusBody = {
  kind: 'checkpoint',
  sequence: 8,
  blockHash: filled(0xc1),
  stateRoot: filled(0xc2),
};

function viewChangeBody(chain = chainId, preparedCount = 2): ConsensusBody {
  return {
    kind: 'view-change',
    newView: 4,
    checkpoint: { sequence: 8, blockHash: filled(0xc1), stateRoot: filled(0xc2) },
    checkpointProof: [alice, bob, carol].map((s) => encodeConsensusMessage(chain, s, checkpointBody)),
    prepared: Array.from({ length: preparedCount }, (_, i) => ({
      prePrepare: encodeConsensusMessage(chain, alice, prePrepareBody(3, 9 + i)),
      prepares: [bob, carol, dave].map((s) => encodeConsensusMessage(chain, s, prepareBody(3, 9 + i))),
    })),
  };
}

function examples(chain = chainId): Record<ConsensusMessageKind, ConsensusBody> {
  return {
    request: { kind: 'request', txs: [filled(0x7a, 150), filled(0x7b, 3)] },
    'pre-prepare': prePrepareBody(),
    prepare: prepareBody(),
    commit: { kind: 'commit', view: 3, sequence: 9, digest: filled(0xd1) },
    checkpoint: checkpointBody,
    'view-change': viewChangeBody(chain),
    'new-view': {
      kind: 'new-view',
      view: 4,
      viewChanges: [alice, bob, carol].map((s) => encodeConsensusMessage(chain, s, viewChangeBody(chain))),
      prePrepares: [encodeConsensusMessage(chain, bob, prePrepareBody(4, 9))],
    },
    'state-request': { kind: 'state-request', fromHeight: 100, countMax: 16 },
    'state-response': {
      kind: 'state-response',
      entries: [
        { block: filled(0x51, 300), certificate: filled(0x61, 147) },
        { block: filled(0x52, 301), certificate: filled(0x62, 243) },
      ],
    },
  };
}

const kinds = Object.keys(consensusKindCodes) as ConsensusMessageKind[];
const rootFields: Record<ConsensusMessageKind, string> = {
  request: 'request',
  'pre-prepare': 'prePrepare',
  prepare: 'prepare',
  commit: 'commit',
  checkpoint: 'checkpoint',
  'view-change': 'viewChange',
  'new-view': 'newView',
  'state-request': 'stateRequest',
  'state-response': 'stateResponse',
};

// ---- Raw bytes, written independently of the encoder (for layouts and invalid inputs) -----

const dummySignature = filled(0x5e, 64);

function raw(kind: number, body: Uint8Array, sender = alice.publicKey, version = 1): Uint8Array {
  return new ByteWriter().u8(version).u8(kind).fixed(sender).fixed(dummySignature).fixed(body).finish();
}
const nested = (writer: ByteWriter, envelope: Uint8Array, delta = 0) =>
  writer.u32(envelope.length + delta).fixed(envelope);

function rawPrepare(view: number | bigint = 3, kind = consensusKindCodes.prepare): Uint8Array {
  const body = new Uint8Array(48);
  new DataView(body.buffer).setBigUint64(0, BigInt(view), true);
  new DataView(body.buffer).setBigUint64(8, 9n, true);
  body.fill(0xd1, 16);
  return raw(kind, body);
}
function rawPrePrepare(): Uint8Array {
  return raw(
    consensusKindCodes['pre-prepare'],
    new ByteWriter().u53(3).u53(9).fixed(filled(0xd1)).u32(1).u8(0xbb).finish(),
  );
}
function rawCheckpoint(): Uint8Array {
  return raw(consensusKindCodes.checkpoint, new ByteWriter().u53(8).fixed(filled(0xc1)).fixed(filled(0xc2)).finish());
}

interface RawViewChange {
  proof?: Uint8Array[];
  proofCount?: number;
  prepared?: { prePrepare: Uint8Array; prepares: Uint8Array[]; prepareCount?: number }[];
  preparedCount?: number;
}
function rawViewChange(parts: RawViewChange = {}): Uint8Array {
  const proof = parts.proof ?? [];
  const prepared = parts.prepared ?? [];
  const w = new ByteWriter().u53(4).u53(8).fixed(filled(0xc1)).fixed(filled(0xc2));
  w.u16(parts.proofCount ?? proof.length);
  for (const p of proof) nested(w, p);
  w.u16(parts.preparedCount ?? prepared.length);
  for (const c of prepared) {
    nested(w, c.prePrepare);
    w.u16(c.prepareCount ?? c.prepares.length);
    for (const p of c.prepares) nested(w, p);
  }
  return raw(consensusKindCodes['view-change'], w.finish());
}
function rawNewView(
  viewChanges: Uint8Array[],
  prePrepares: Uint8Array[] = [],
  counts: { vc?: number; pp?: number } = {},
) {
  const w = new ByteWriter().u53(4).u16(counts.vc ?? viewChanges.length);
  for (const v of viewChanges) nested(w, v);
  w.u16(counts.pp ?? prePrepares.length);
  for (const p of prePrepares) nested(w, p);
  return raw(consensusKindCodes['new-view'], w.finish());
}

const decode = (bytes: Uint8Array) => decodeConsensusMessage(chainId, bytes);
const refusal = (bytes: Uint8Array): [string, number] => {
  const error = decodeError(decode, bytes);
  return [error.field, error.offset];
};

// ---- Tests ---------------------------------------------------------------------------------

describe('consensus message round trips', () => {
  it('decode(encode(x)) has the fields of x, and encode(decode(b)) is b, for every kind and nesting', () => {
    fc.assert(
      fc.property(arbCase, ({ chain, spec }) => {
        const { bytes, body } = build(chain, spec);
        const m = decodeConsensusMessage(chain, bytes);
        expect(m.kind).toBe(body.kind);
        expect(toHex(m.sender)).toBe(toHex(spec.signer.publicKey));
        expect(toHex(m.bytes)).toBe(toHex(bytes));
        expect(plain(bodyOf(m))).toEqual(plain(body));
        expect(toHex(encodeConsensusMessage(chain, spec.signer, bodyOf(m)))).toBe(toHex(bytes));
      }),
      fuzzParams(1),
    );
  });

  it.each(kinds)('a %s example round-trips, its nested messages keeping their own bytes', (kind) => {
    const body = examples()[kind];
    const bytes = encodeConsensusMessage(chainId, dave, body);
    expect(consensusMessageKind(bytes)).toBe(kind);
    const m = decode(bytes);
    expect(plain(bodyOf(m))).toEqual(plain(body));
    expect(toHex(encodeConsensusMessage(chainId, dave, bodyOf(m)))).toBe(toHex(bytes));
    for (const inner of flatten(m)) {
      expect(inner.bytes.buffer).toBe(bytes.buffer); // views into the input, not copies
      expect(toHex(decode(inner.bytes).bytes)).toBe(toHex(inner.bytes));
    }
    expect(verdicts(m).every(Boolean)).toBe(true);
  });

  it('a new-view holds decoded view-changes with their prepared certificates', () => {
    const m = decode(encodeConsensusMessage(chainId, dave, examples()['new-view']));
    if (m.kind !== 'new-view') throw new Error('expected a new-view');
    expect(m.viewChanges.map((v) => toHex(v.sender))).toEqual([alice, bob, carol].map((s) => toHex(s.publicKey)));
    const certificate = m.viewChanges[1]?.prepared[1];
    expect(certificate?.prePrepare.kind).toBe('pre-prepare');
    expect(certificate?.prePrepare.sequence).toBe(10);
    expect(certificate?.prepares.map((p) => [p.kind, p.view, p.sequence])).toEqual([
      ['prepare', 3, 10],
      ['prepare', 3, 10],
      ['prepare', 3, 10],
    ]);
    expect(m.prePrepares.map((p) => [p.view, p.sequence])).toEqual([[4, 9]]);
  });

  it('the envelope and body layout, byte by byte, as the header comment draws it', () => {
    const bytes = encodeConsensusMessage(chainId, alice, prepareBody(3, 9));
    const m = decode(bytes);
    expect(toHex(bytes)).toBe(`0103${toHex(alice.publicKey)}${toHex(m.signature)}${u64(3)}${u64(9)}${'d1'.repeat(32)}`);
    // Independently written bytes of the same layout decode to the same fields.
    const withDummy = Uint8Array.from(bytes);
    withDummy.set(dummySignature, 34);
    expect(toHex(rawPrepare())).toBe(toHex(withDummy));
    const vc = encodeConsensusMessage(chainId, alice, viewChangeBody(chainId, 1));
    const vcBody = viewChangeBody(chainId, 1) as Extract<ConsensusBody, { kind: 'view-change' }>;
    const rebuilt = rawViewChange({
      proof: [...vcBody.checkpointProof],
      prepared: vcBody.prepared.map((c) => ({ prePrepare: c.prePrepare, prepares: [...c.prepares] })),
    });
    expect(toHex(rebuilt.subarray(header))).toBe(toHex(vc.subarray(header)));
  });

  it('the signing message: domain ‖ u8-prefixed chain id ‖ kind ‖ sender ‖ SHA-256(body); a pre-prepare signs 48 body bytes', () => {
    const prefix = (code: number, sender: Uint8Array) =>
      `${ascii('consortium-ledger/pbft/v1')}00${chainId.length.toString(16).padStart(2, '0')}${ascii(chainId)}` +
      `${code.toString(16).padStart(2, '0')}${toHex(sender)}`;
    for (const kind of kinds) {
      if (kind === 'commit') continue;
      const bytes = encodeConsensusMessage(chainId, bob, examples()[kind]);
      const signedBody = kind === 'pre-prepare' ? bytes.subarray(header, header + 48) : bytes.subarray(header);
      const m = decode(bytes);
      const bodyHash = createHash('sha256').update(signedBody).digest('hex');
      expect(toHex(m.signingMessage)).toBe(`${prefix(consensusKindCodes[kind], bob.publicKey)}${bodyHash}`);
      expect(ed25519Verify(bob.publicKey, m.signingMessage, m.signature)).toBe(true);
    }
  });
});

describe('consensus signatures', () => {
  it('every signature of an honestly encoded message verifies, nested ones included, in depth-first order', () => {
    fc.assert(
      fc.property(arbCase, ({ chain, spec }) => {
        const { bytes, signatures } = build(chain, spec);
        const m = decodeConsensusMessage(chain, bytes);
        const items = consensusSignatureItems(m);
        expect(items.length).toBe(signatures);
        const order = flatten(m);
        items.forEach((item, i) => {
          expect(item.publicKey).toBe(order[i]?.sender);
          expect(item.signature).toBe(order[i]?.signature);
          expect(item.message).toBe(order[i]?.signingMessage);
        });
        expect(ed25519VerifyBatch(items).every(Boolean)).toBe(true);
      }),
      fuzzParams(1),
    );
  });

  it('flipping any byte outside an outer pre-prepare block makes decoding fail or a signature fail', () => {
    let refused = 0;
    let forged = 0;
    fc.assert(
      fc.property(arbCase, fc.nat(), fc.integer({ min: 1, max: 255 }), ({ chain, spec }, at, xor) => {
        const { bytes } = build(chain, spec);
        const position = at % bytes.length;
        const outer = decodeConsensusMessage(chain, bytes);
        if (outer.kind === 'pre-prepare' && position >= header + 52) return; // the block: bound by the digest
        const changed = Uint8Array.from(bytes);
        changed[position] = (changed[position] as number) ^ xor;
        const m = decodeOrRefuse((b) => decodeConsensusMessage(chain, b), changed);
        if (m === undefined) {
          refused++;
          return;
        }
        forged++;
        expect(verdicts(m)).toContain(false);
      }),
      fuzzParams(3),
    );
    if (fuzzRuns >= 100) expect(refused * forged).toBeGreaterThan(0);
  });

  it('every single-byte change of a prepare and a commit is refused or fails its signature', () => {
    for (const body of [prepareBody(), examples().commit]) {
      const bytes = encodeConsensusMessage(chainId, carol, body);
      for (let at = 0; at < bytes.length; at++) {
        const changed = Uint8Array.from(bytes);
        changed[at] = (changed[at] as number) ^ 0x01;
        const m = decodeOrRefuse(decode, changed);
        if (m !== undefined) expect(verdicts(m), `byte ${at}`).toEqual([false]);
      }
    }
  });

  it("a pre-prepare's block bytes are not signed: another block keeps its signature valid", () => {
    fc.assert(
      fc.property(arbChainId, arbSigner, leafBodies['pre-prepare'], arbBlob(100), (chain, signer, body, other) => {
        const bytes = encodeConsensusMessage(chain, signer, body);
        const swapped = concatBytes([
          bytes.subarray(0, header + 48),
          new ByteWriter().u32(other.length).finish(),
          other,
        ]);
        const m = decodeConsensusMessage(chain, swapped) as PrePrepareMessage;
        expect(toHex(m.block)).toBe(toHex(other));
        expect(verdicts(m)).toEqual([true]);
        // Signing is deterministic: the encoder gives the same signature whatever the block.
        const again = encodeConsensusMessage(chain, signer, { ...body, block: other });
        expect(toHex(again)).toBe(toHex(swapped));
      }),
      fuzzParams(1),
    );
  });

  it("a nested pre-prepare's block is covered by the enclosing view-change's signature", () => {
    const bytes = encodeConsensusMessage(chainId, dave, viewChangeBody(chainId, 1));
    const m = decode(bytes);
    if (m.kind !== 'view-change') throw new Error('expected a view-change');
    const block = m.prepared[0]?.prePrepare.block as Uint8Array;
    const changed = Uint8Array.from(bytes);
    const at = block.byteOffset - bytes.byteOffset;
    changed[at] = (changed[at] as number) ^ 0xff;
    const forged = decode(changed);
    // The view-change's own verdict (first) fails; the pre-prepare's (fifth: after 3 proofs) holds.
    const result = verdicts(forged);
    expect(result[0]).toBe(false);
    expect(result[4]).toBe(true);
    expect(result.filter((v) => !v)).toHaveLength(1);
  });

  it('a commit signs exactly the commit-vote message, so its signature fits a commit certificate', () => {
    fc.assert(
      fc.property(arbChainId, arbSigner, leafBodies.commit, (chain, signer, body) => {
        const m = decodeConsensusMessage(chain, encodeConsensusMessage(chain, signer, body));
        const vote = commitVoteMessage(chain, body.view, body.sequence, body.digest);
        expect(toHex(m.signingMessage)).toBe(toHex(vote));
        expect(ed25519Verify(signer.publicKey, vote, m.signature)).toBe(true);
      }),
      fuzzParams(1),
    );
  });

  it('a message signed for chain A does not verify for chain B (nested signatures neither)', () => {
    fc.assert(
      fc.property(arbChainId, arbChainId, arbSpec, (a, b, spec) => {
        fc.pre(a !== b);
        const m = decodeConsensusMessage(b, build(a, spec).bytes);
        expect(verdicts(m).some(Boolean)).toBe(false);
      }),
      fuzzParams(1),
    );
  });

  it('consensusSignatureItems refuses what is not a decoded message', () => {
    expect(() => consensusSignatureItems(null as unknown as ConsensusMessage)).toThrow(TypeError);
    expect(() => consensusSignatureItems({ kind: 'vote' } as unknown as ConsensusMessage)).toThrow(
      'consensusSignatureItems: expected a decoded consensus message',
    );
  });
});

describe('consensus decoding refuses', () => {
  it('every strict prefix, and one trailing byte (at the root field, after the last byte)', () => {
    fc.assert(
      fc.property(arbCase, fc.nat(255), ({ chain, spec }, extra) => {
        const { bytes, body } = build(chain, spec);
        const decodeFor = (b: Uint8Array) => decodeConsensusMessage(chain, b);
        for (let length = 0; length < bytes.length; length++) decodeError(decodeFor, bytes.subarray(0, length));
        const error = decodeError(decodeFor, concatBytes([bytes, Uint8Array.of(extra)]));
        expect([error.field, error.offset]).toEqual([rootFields[body.kind], bytes.length]);
      }),
      fuzzParams(0.3),
    );
  });

  it('random, mutated and truncated bytes with only DecodeError; what it accepts re-encodes to itself', () => {
    let accepted = 0;
    const valid = fc.constantFrom(...kinds.map((kind) => encodeConsensusMessage(chainId, alice, examples()[kind])));
    fc.assert(
      fc.property(
        arbDecoderInput(
          fc.oneof(
            valid,
            arbSpec.map((spec) => build(chainId, spec).bytes),
          ),
        ),
        (bytes) => {
          const m = decodeOrRefuse(decode, bytes);
          if (m === undefined) return;
          accepted++;
          // The body does not depend on the signer: re-encode, then put the sender and signature back.
          const again = encodeConsensusMessage(chainId, alice, bodyOf(m));
          again.set(m.sender, 2);
          again.set(m.signature, 34);
          expect(toHex(again)).toBe(toHex(bytes));
        },
      ),
      fuzzParams(2),
    );
    if (fuzzRuns >= 100) expect(accepted).toBeGreaterThan(0);
  });

  it('an unknown version or kind, and input too short to hold them', () => {
    expect(refusal(rawPrepare().map((b, i) => (i === 0 ? 2 : b)))).toEqual(['prepare.version', 0]);
    expect(refusal(rawPrepare().map((b, i) => (i === 0 ? 0 : b)))).toEqual(['prepare.version', 0]);
    for (const kind of [0, 10, 255]) expect(refusal(rawPrepare(3, kind))).toEqual(['message.kind', 1]);
    expect(refusal(new Uint8Array(0))).toEqual(['message.version', 0]);
    expect(refusal(Uint8Array.of(1))).toEqual(['message.kind', 1]);
    expect(refusal(Uint8Array.of(1, 3))).toEqual(['prepare.sender', 2]);
  });

  it('a u53 above 2^53 − 1', () => {
    expect(refusal(rawPrepare(2n ** 53n))).toEqual(['prepare.view', header]);
    expect(refusal(rawPrepare(2n ** 64n - 1n))).toEqual(['prepare.view', header]);
    expect(decode(rawPrepare(2n ** 53n - 1n)).kind).toBe('prepare');
  });

  it('state-request countMax 0 or over stateResponseBlocksMax', () => {
    const request = (countMax: number) =>
      raw(consensusKindCodes['state-request'], new ByteWriter().u53(1).u16(countMax).finish());
    expect(refusal(request(0))).toEqual(['stateRequest.countMax', header + 8]);
    expect(refusal(request(stateResponseBlocksMax + 1))).toEqual(['stateRequest.countMax', header + 8]);
    expect(decode(request(stateResponseBlocksMax)).kind).toBe('state-request');
  });

  it('lengths out of range: request tx, pre-prepare block, state-response block and certificate', () => {
    const request = (length: number) => raw(consensusKindCodes.request, new ByteWriter().u16(1).u32(length).finish());
    expect(refusal(request(0))).toEqual(['request.txs[0].length', header + 2]);
    expect(refusal(request(txBytesMax + 1))).toEqual(['request.txs[0].length', header + 2]);
    const count = (n: number) => raw(consensusKindCodes.request, new ByteWriter().u16(n).finish());
    expect(refusal(count(0))).toEqual(['request.count', header]);
    expect(refusal(count(requestTxsMax + 1))).toEqual(['request.count', header]);
    const prePrepare = (length: number) =>
      raw(consensusKindCodes['pre-prepare'], new ByteWriter().u53(1).u53(1).fixed(filled(1)).u32(length).finish());
    expect(refusal(prePrepare(0))).toEqual(['prePrepare.blockLength', header + 48]);
    expect(refusal(prePrepare(consensusProposalBytesMax + 1))).toEqual(['prePrepare.blockLength', header + 48]);
    expect(refusal(prePrepare(5))).toEqual(['prePrepare.block', header + 52]);
    const response = (blockLength: number, certificateLength: number, count = 1) => {
      const w = new ByteWriter().u16(count).u32(blockLength).fixed(filled(1, blockLength));
      return raw(
        consensusKindCodes['state-response'],
        w.u32(certificateLength).fixed(filled(2, certificateLength)).finish(),
      );
    };
    expect(refusal(response(0, 10))).toEqual(['stateResponse.entries[0].blockLength', header + 2]);
    expect(refusal(response(10, 0))).toEqual(['stateResponse.entries[0].certificateLength', header + 16]);
    expect(refusal(response(10, certificateBytesMax + 1))).toEqual([
      'stateResponse.entries[0].certificateLength',
      header + 16,
    ]);
    expect(refusal(response(10, 10, stateResponseBlocksMax + 1))).toEqual(['stateResponse.count', header]);
    expect(refusal(response(10, 10, 2))).toEqual(['stateResponse.entries[1].blockLength', header + 2 + 28]);
  });

  it('a new-view with no view-change, or with more than the limits', () => {
    const vc = rawViewChange();
    expect(refusal(rawNewView([]))).toEqual(['newView.viewChangeCount', header + 8]);
    expect(refusal(rawNewView([vc], [], { vc: certificateSignaturesMax + 1 }))).toEqual([
      'newView.viewChangeCount',
      header + 8,
    ]);
    const ppAt = header + 8 + 2 + 4 + vc.length;
    expect(refusal(rawNewView([vc], [], { pp: viewChangePreparedMax + 1 }))).toEqual(['newView.prePrepareCount', ppAt]);
    expect(decode(rawNewView([vc], [rawPrePrepare()])).kind).toBe('new-view');
  });

  it('view-change counts over their limits', () => {
    const countsAt = header + 8 + 8 + 32 + 32;
    expect(refusal(rawViewChange({ proofCount: certificateSignaturesMax + 1 }))).toEqual([
      'viewChange.proofCount',
      countsAt,
    ]);
    expect(refusal(rawViewChange({ preparedCount: viewChangePreparedMax + 1 }))).toEqual([
      'viewChange.preparedCount',
      countsAt + 2,
    ]);
    const pp = rawPrePrepare();
    expect(
      refusal(
        rawViewChange({ prepared: [{ prePrepare: pp, prepares: [], prepareCount: certificateSignaturesMax + 1 }] }),
      ),
    ).toEqual(['viewChange.prepared[0].prepareCount', countsAt + 4 + 4 + pp.length]);
  });

  it('a nested message of the wrong kind, naming the nested kind field', () => {
    const countsAt = header + 80;
    // A view-change whose proof holds a prepare envelope.
    expect(refusal(rawViewChange({ proof: [rawCheckpoint(), rawPrepare()] }))).toEqual([
      'viewChange.checkpointProof[1].kind',
      countsAt + 2 + 4 + rawCheckpoint().length + 4 + 1,
    ]);
    // Prepared certificate 2 whose pre-prepare is a prepare.
    const good = { prePrepare: rawPrePrepare(), prepares: [rawPrepare()] };
    const bytes = rawViewChange({ prepared: [good, good, { prePrepare: rawPrepare(), prepares: [] }] });
    const error = decodeError(decode, bytes);
    expect(error.field).toBe('viewChange.prepared[2].prePrepare.kind');
    expect(bytes[error.offset]).toBe(consensusKindCodes.prepare);
    // A prepare where a prepare belongs is fine; a commit (same body layout) is not.
    const commitInstead = rawViewChange({ prepared: [{ prePrepare: rawPrePrepare(), prepares: [rawPrepare(3, 4)] }] });
    expect(decodeError(decode, commitInstead).field).toBe('viewChange.prepared[0].prepares[0].kind');
    // A new-view holding a pre-prepare where a view-change belongs.
    expect(refusal(rawNewView([rawPrePrepare()]))).toEqual(['newView.viewChanges[0].kind', header + 8 + 2 + 4 + 1]);
  });

  it('a nested field deep inside names its whole path', () => {
    const prepares = [rawPrepare(), rawPrepare(), rawPrepare(), rawPrepare(2n ** 53n)];
    const deep = rawViewChange({ prepared: [{ prePrepare: rawPrePrepare(), prepares }] });
    const bytes = rawNewView([rawViewChange(), deep]);
    const error = decodeError(decode, bytes);
    expect(error.field).toBe('newView.viewChanges[1].prepared[0].prepares[3].view');
    // The offset is absolute: the bad view's eight bytes sit there in the outer input.
    expect(toHex(bytes.subarray(error.offset, error.offset + 8))).toBe(u64(2n ** 53n));
  });

  it('a nested length that is not the nested message length', () => {
    const vc = rawViewChange();
    const at = header + 8 + 2 + 4; // the nested view-change starts here
    const withDelta = (delta: number) => {
      const w = new ByteWriter().u53(4).u16(1);
      nested(w, vc, delta).u16(0);
      return raw(consensusKindCodes['new-view'], w.finish());
    };
    expect(decode(withDelta(0)).kind).toBe('new-view');
    // One byte too many: the view-change has a trailing byte (the first of prePrepareCount).
    expect(refusal(withDelta(1))).toEqual(['newView.viewChanges[0]', at + vc.length]);
    // One byte too few: its last field (preparedCount) is cut short.
    expect(refusal(withDelta(-1))).toEqual(['newView.viewChanges[0].preparedCount', at + vc.length - 2]);
    // Longer than what is left.
    expect(refusal(withDelta(1000))).toEqual(['newView.viewChanges[0]', at]);
  });

  it('a message over consensusMessageBytesMax, before reading anything', () => {
    const huge = new Uint8Array(consensusMessageBytesMax + 1); // zero pages: never touched beyond the header
    huge[0] = 1;
    huge[1] = consensusKindCodes['state-response'];
    expect(refusal(huge)).toEqual(['stateResponse', 0]);
  });

  it('a state-response larger than the Ed25519 message limit still signs and verifies (the body is signed by its hash)', () => {
    const block = new Uint8Array(6 * 1024 * 1024);
    const entries = [0, 1, 2].map(() => ({ block, certificate: filled(7, 1) }));
    const bytes = encodeConsensusMessage(chainId, alice, { kind: 'state-response', entries });
    expect(bytes.length - header).toBeGreaterThan(ed25519MessageBytesMax);
    const message = decode(bytes);
    expect(verdicts(message)).toEqual([true]);
    expect(message.signingMessage.length).toBeLessThan(200);
    // A pre-prepare's block is not signed: one of the largest proposal size round-trips.
    const big = encodeConsensusMessage(chainId, alice, prePrepareBody(1, 1, new Uint8Array(consensusProposalBytesMax)));
    expect(verdicts(decode(big))).toEqual([true]);
  });
});

describe('consensusMessageKind', () => {
  it('reads the kind of every example, and of a header alone', () => {
    for (const kind of kinds) {
      expect(consensusMessageKind(encodeConsensusMessage(chainId, alice, examples()[kind]))).toBe(kind);
      expect(consensusMessageKind(Uint8Array.of(1, consensusKindCodes[kind]))).toBe(kind);
    }
  });

  it('refuses short input, an unknown version or kind', () => {
    const error = (bytes: Uint8Array): [string, number] => {
      const e = decodeError(consensusMessageKind, bytes);
      return [e.field, e.offset];
    };
    expect(error(new Uint8Array(0))).toEqual(['message.version', 0]);
    expect(error(Uint8Array.of(1))).toEqual(['message.kind', 1]);
    expect(error(Uint8Array.of(2, 3))).toEqual(['message.version', 0]);
    expect(error(Uint8Array.of(1, 0))).toEqual(['message.kind', 1]);
    expect(error(Uint8Array.of(1, 10))).toEqual(['message.kind', 1]);
    expect(() => consensusMessageKind('0103' as unknown as Uint8Array)).toThrow(TypeError);
  });
});

describe('encodeConsensusMessage refuses bad arguments, naming the field', () => {
  const prepare = prepareBody();
  const vc = viewChangeBody(chainId, 1) as Extract<ConsensusBody, { kind: 'view-change' }>;
  const prepareBytes = encodeConsensusMessage(chainId, bob, prepare);
  const cases: [string, () => unknown, ErrorConstructor, string | RegExp][] = [
    ['a bad chain id', () => encodeConsensusMessage('Main', alice, prepare), RangeError, 'chainId must be 1..32'],
    ['no signer', () => encodeConsensusMessage(chainId, null as never, prepare), TypeError, 'expected signer'],
    [
      'a 31-byte public key',
      () => encodeConsensusMessage(chainId, { ...alice, publicKey: filled(1, 31) }, prepare),
      RangeError,
      'expected 32-byte signer.publicKey',
    ],
    [
      'a 33-byte secret key',
      () => encodeConsensusMessage(chainId, { ...alice, secretKey: filled(1, 33) }, prepare),
      RangeError,
      'expected 32-byte signer.secretKey',
    ],
    [
      'a public key of another secret',
      () => encodeConsensusMessage(chainId, { publicKey: bob.publicKey, secretKey: alice.secretKey }, prepare),
      RangeError,
      'signer.publicKey is not the public key of signer.secretKey',
    ],
    ['no body', () => encodeConsensusMessage(chainId, alice, null as never), TypeError, 'expected body'],
    [
      'an unknown kind',
      () => encodeConsensusMessage(chainId, alice, { kind: 'vote' } as never),
      RangeError,
      'unknown consensus message kind "vote"',
    ],
    [
      'a 31-byte digest',
      () => encodeConsensusMessage(chainId, alice, { ...prepare, digest: filled(1, 31) } as ConsensusBody),
      RangeError,
      'expected 32-byte digest',
    ],
    [
      'view −1',
      () => encodeConsensusMessage(chainId, alice, { ...prepare, view: -1 } as ConsensusBody),
      RangeError,
      'view must be an integer',
    ],
    [
      'sequence 2^53',
      () => encodeConsensusMessage(chainId, alice, { ...prepare, sequence: 2 ** 53 } as ConsensusBody),
      RangeError,
      'sequence must be an integer',
    ],
    [
      'an empty block',
      () => encodeConsensusMessage(chainId, alice, prePrepareBody(1, 1, new Uint8Array(0))),
      RangeError,
      `block must be 1..${consensusProposalBytesMax} bytes`,
    ],
    [
      'a block over the proposal limit',
      () => encodeConsensusMessage(chainId, alice, prePrepareBody(1, 1, new Uint8Array(consensusProposalBytesMax + 1))),
      RangeError,
      'block must be 1..',
    ],
    [
      'a tx over txBytesMax',
      () => encodeConsensusMessage(chainId, alice, { kind: 'request', txs: [new Uint8Array(txBytesMax + 1)] }),
      RangeError,
      `txs[0] must be 1..${txBytesMax} bytes`,
    ],
    [
      'a tx that is not bytes',
      () => encodeConsensusMessage(chainId, alice, { kind: 'request', txs: [[1, 2]] as never }),
      TypeError,
      'expected txs[0] to be a Uint8Array',
    ],
    [
      'countMax 0',
      () => encodeConsensusMessage(chainId, alice, { kind: 'state-request', fromHeight: 1, countMax: 0 }),
      RangeError,
      `countMax must be an integer in [1, ${stateResponseBlocksMax}]`,
    ],
    [
      'countMax over stateResponseBlocksMax',
      () =>
        encodeConsensusMessage(chainId, alice, {
          kind: 'state-request',
          fromHeight: 1,
          countMax: stateResponseBlocksMax + 1,
        }),
      RangeError,
      'countMax must be an integer',
    ],
    [
      'too many state-response entries',
      () =>
        encodeConsensusMessage(chainId, alice, {
          kind: 'state-response',
          entries: Array.from({ length: stateResponseBlocksMax + 1 }, () => ({
            block: filled(1, 1),
            certificate: filled(2, 1),
          })),
        }),
      RangeError,
      `entries must hold 0..${stateResponseBlocksMax} entries`,
    ],
    [
      'a certificate over certificateBytesMax',
      () =>
        encodeConsensusMessage(chainId, alice, {
          kind: 'state-response',
          entries: [{ block: filled(1, 1), certificate: new Uint8Array(certificateBytesMax + 1) }],
        }),
      RangeError,
      'entries[0].certificate must be 1..',
    ],
    [
      'a new-view without view-changes',
      () => encodeConsensusMessage(chainId, alice, { kind: 'new-view', view: 1, viewChanges: [], prePrepares: [] }),
      RangeError,
      `viewChanges must hold 1..${certificateSignaturesMax} entries`,
    ],
    [
      'a view-change without a checkpoint',
      () => encodeConsensusMessage(chainId, alice, { ...vc, checkpoint: undefined as never }),
      TypeError,
      'expected checkpoint to be an object',
    ],
    [
      'a 31-byte checkpoint state root',
      () =>
        encodeConsensusMessage(chainId, alice, { ...vc, checkpoint: { ...vc.checkpoint, stateRoot: filled(1, 31) } }),
      RangeError,
      'expected 32-byte checkpoint.stateRoot',
    ],
    [
      'a proof holding a prepare',
      () => encodeConsensusMessage(chainId, alice, { ...vc, checkpointProof: [prepareBytes] }),
      RangeError,
      /checkpointProof\[0\] is not a canonical checkpoint message: .*checkpointProof\[0\]\.kind/,
    ],
    [
      'a nested prepare with a trailing byte',
      () =>
        encodeConsensusMessage(chainId, alice, {
          ...vc,
          prepared: [
            {
              prePrepare: vc.prepared[0]?.prePrepare as Uint8Array,
              prepares: [concatBytes([prepareBytes, Uint8Array.of(0)])],
            },
          ],
        }),
      RangeError,
      'prepared[0].prepares[0] is not a canonical prepare message',
    ],
    [
      'a nested envelope that is not bytes',
      () =>
        encodeConsensusMessage(chainId, alice, {
          kind: 'new-view',
          view: 1,
          viewChanges: ['vc' as never],
          prePrepares: [],
        }),
      TypeError,
      'expected viewChanges[0] to be a Uint8Array',
    ],
    [
      'too many prepared certificates',
      () =>
        encodeConsensusMessage(chainId, alice, {
          ...vc,
          prepared: Array.from({ length: viewChangePreparedMax + 1 }, () => vc.prepared[0] as never),
        }),
      RangeError,
      `prepared must hold 0..${viewChangePreparedMax} entries`,
    ],
  ];

  it.each(cases)('%s', (_, encode, ErrorClass, message) => {
    expect(encode).toThrow(ErrorClass);
    expect(encode).toThrow(message);
  });

  it('decodeConsensusMessage refuses a bad chain id or input that is not bytes', () => {
    expect(() => decodeConsensusMessage('Main', prepareBytes)).toThrow(RangeError);
    expect(() => decodeConsensusMessage(chainId, [1, 3] as never)).toThrow(TypeError);
  });
});

describe('an external signer (HSM, KMS)', () => {
  it('signs through its sign function; a signature of the wrong length is refused', () => {
    let calls = 0;
    const external: ConsensusSigner = {
      publicKey: alice.publicKey,
      sign: (message) => {
        calls++;
        return ed25519Sign(alice.secretKey, message);
      },
    };
    const body = { kind: 'prepare' as const, view: 1, sequence: 2, digest: filled(3, 32) };
    const bytes = encodeConsensusMessage(chainId, external, body);
    expect(calls).toBe(1);
    expect(bytes).toEqual(encodeConsensusMessage(chainId, alice, body));
    const short: ConsensusSigner = { publicKey: alice.publicKey, sign: () => new Uint8Array(63) };
    expect(() => encodeConsensusMessage(chainId, short, body)).toThrow(/signer\.sign\(message\)/);
  });
});
