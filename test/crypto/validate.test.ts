// Inputs a hostile or careless caller can hand the crypto API that are not plain, attached
// Uint8Arrays (issue 8): views of a detached ArrayBuffer, Proxies around a Uint8Array, null.
// Every public function refuses them up front with a typed error naming the function and the
// parameter — never V8's bare "detached ArrayBuffer" or "incompatible receiver", and never an
// answer computed over the empty message a detached view reports.
import { describe, expect, it } from 'vitest';
import {
  type Ed25519BatchItem,
  ed25519GenerateKeyPair,
  ed25519Sign,
  ed25519Verify,
  ed25519VerifyBatch,
  MerkleTree,
  merkleLeafHash,
  merkleRoot,
  sha256,
  sha256Many,
  sha256ManyPacked,
  sha512,
  verifyMerkleInclusion,
} from '../../src/index.js';
import { describeValue, requireBytes, requireBytesArray } from '../../src/validate.js';

/** A view of `length` bytes whose ArrayBuffer has been transferred away (detached). */
function detached(length: number, offset = 0): Uint8Array {
  const buffer = new ArrayBuffer(offset + length);
  const view = new Uint8Array(buffer, offset, length);
  structuredClone(buffer, { transfer: [buffer] });
  return view;
}

/** A Proxy around a real Uint8Array: `instanceof Uint8Array` holds, the typed-array slots do not. */
function proxied(length: number): Uint8Array {
  return new Proxy(new Uint8Array(length), {});
}

const keys = ed25519GenerateKeyPair();
const message = Uint8Array.of(1, 2, 3);
const signature = ed25519Sign(keys.secretKey, message);
const item: Ed25519BatchItem = { publicKey: keys.publicKey, message, signature };
const tree = MerkleTree.fromLeaves([message, message, message]);
const proof = tree.inclusionProof(1);

describe('validate: what counts as bytes', () => {
  it('a detached view is length 0 and looks like a Uint8Array; the check sees through it', () => {
    const view = detached(32, 8);
    expect(view).toBeInstanceOf(Uint8Array);
    expect(view.length).toBe(0);
    expect(() => requireBytes(view, 'data', 'f')).toThrow(
      new TypeError('f: data is a view of a detached ArrayBuffer (transferred or released), so it has no bytes'),
    );
    expect(() => requireBytesArray([new Uint8Array(1), view], 'leaves', 'f', 10)).toThrow(
      new TypeError('f: leaves[1] is a view of a detached ArrayBuffer (transferred or released), so it has no bytes'),
    );
  });

  it('an empty but attached view, a Buffer and a subarray are accepted', () => {
    expect(() => requireBytes(new Uint8Array(0), 'data', 'f')).not.toThrow();
    expect(() => requireBytes(new Uint8Array(new ArrayBuffer(8), 8), 'data', 'f')).not.toThrow();
    expect(() => requireBytes(Buffer.alloc(0), 'data', 'f')).not.toThrow();
    expect(() => requireBytes(new Uint8Array(4).subarray(1, 1), 'data', 'f')).not.toThrow();
  });

  it('a Proxy around a Uint8Array is refused with a TypeError that says so', () => {
    const proxy = proxied(4);
    expect(proxy).toBeInstanceOf(Uint8Array);
    expect(() => requireBytes(proxy, 'data', 'f')).toThrow(
      new TypeError('f: expected data to be a Uint8Array, got an object that only looks like one (a Proxy?)'),
    );
    expect(() => requireBytesArray([proxy], 'messages', 'f', 10)).toThrow(
      /f: expected messages\[0\] to be a Uint8Array/,
    );
  });

  it('describes null as null', () => {
    expect(describeValue(null)).toBe('null');
    expect(describeValue(Object.create(null))).toBe('an object');
  });
});

describe('every public function refuses a detached buffer, naming itself and the parameter', () => {
  const cases: Array<[string, () => unknown, RegExp]> = [
    ['sha256', () => sha256(detached(64)), /^sha256: data is a view of a detached ArrayBuffer/],
    ['sha256 (large)', () => sha256(detached(4096)), /^sha256: data is a view of a detached/],
    ['sha256Many', () => sha256Many([message, detached(10)]), /^sha256Many: messages\[1\] is a view of a detached/],
    ['sha256ManyPacked', () => sha256ManyPacked([detached(10)]), /^sha256ManyPacked: messages\[0\] is a view of a/],
    ['sha512', () => sha512(detached(10)), /^sha512: data is a view of a detached/],
    ['merkleRoot', () => merkleRoot([message, detached(5)]), /^merkleRoot: leaves\[1\] is a view of a detached/],
    ['merkleRoot (32-byte leaves)', () => merkleRoot([detached(32)]), /^merkleRoot: leaves\[0\] is a view/],
    ['MerkleTree.fromLeaves', () => MerkleTree.fromLeaves([detached(3)]), /^MerkleTree\.fromLeaves: leaves\[0\]/],
    ['MerkleTree.fromLeafHashes', () => MerkleTree.fromLeafHashes([detached(32)]), /^MerkleTree\.fromLeafHashes:/],
    ['merkleLeafHash', () => merkleLeafHash(detached(3)), /^merkleLeafHash: leaf is a view of a detached/],
    [
      'verifyMerkleInclusion (leaf)',
      () => verifyMerkleInclusion(detached(3), proof, tree.root),
      /^verifyMerkleInclusion: leaf is a view of a detached/,
    ],
    [
      'verifyMerkleInclusion (root)',
      () => verifyMerkleInclusion(message, proof, detached(32)),
      /^verifyMerkleInclusion: root is a view of a detached/,
    ],
    [
      'verifyMerkleInclusion (path)',
      () => verifyMerkleInclusion(message, { ...proof, path: [detached(32)] }, tree.root),
      /^verifyMerkleInclusion: proof\.path\[0\] is a view of a detached/,
    ],
    [
      'ed25519Verify (message)',
      () => ed25519Verify(keys.publicKey, detached(3), signature),
      /^ed25519Verify: message is a view of a detached/,
    ],
    [
      'ed25519Verify (publicKey)',
      () => ed25519Verify(detached(32), message, signature),
      /^ed25519Verify: publicKey is a view of a detached/,
    ],
    [
      'ed25519VerifyBatch',
      () => ed25519VerifyBatch([item, { ...item, message: detached(3) }]),
      /^ed25519VerifyBatch: items\[1\]\.message is a view of a detached/,
    ],
    ['ed25519Sign (message)', () => ed25519Sign(keys.secretKey, detached(3)), /^ed25519Sign: message is a view/],
    ['ed25519Sign (secretKey)', () => ed25519Sign(detached(32), message), /^ed25519Sign: secretKey is a view/],
  ];
  for (const [name, call, pattern] of cases) {
    it(name, () => {
      expect(call).toThrow(TypeError);
      expect(call).toThrow(pattern);
    });
  }

  it('ed25519Sign never signs the empty message in place of a detached one', () => {
    const view = detached(3);
    let signed: Uint8Array | undefined;
    try {
      signed = ed25519Sign(keys.secretKey, view);
    } catch {
      // refused: what we want
    }
    expect(signed).toBeUndefined();
  });
});

describe('every public function refuses a Proxy around a Uint8Array up front', () => {
  const cases: Array<[string, () => unknown, RegExp]> = [
    ['sha256', () => sha256(proxied(8)), /^sha256: expected data to be a Uint8Array, got an object that only looks/],
    ['sha256Many', () => sha256Many([proxied(8)]), /^sha256Many: expected messages\[0\] to be a Uint8Array/],
    ['merkleRoot', () => merkleRoot([proxied(32)]), /^merkleRoot: expected leaves\[0\] to be a Uint8Array/],
    ['merkleLeafHash', () => merkleLeafHash(proxied(3)), /^merkleLeafHash: expected leaf to be a Uint8Array/],
    ['ed25519Verify', () => ed25519Verify(keys.publicKey, proxied(3), signature), /^ed25519Verify: expected message/],
    ['ed25519Sign', () => ed25519Sign(keys.secretKey, proxied(3)), /^ed25519Sign: expected message to be a/],
    [
      'ed25519VerifyBatch',
      () => ed25519VerifyBatch([{ ...item, signature: proxied(64) }]),
      /^ed25519VerifyBatch: expected items\[0\]\.signature to be a Uint8Array/,
    ],
  ];
  for (const [name, call, pattern] of cases) {
    it(name, () => {
      expect(call).toThrow(TypeError);
      expect(call).toThrow(pattern);
    });
  }
});

describe('errors name the function the caller called', () => {
  it('ed25519VerifyBatch, not the packer it uses', () => {
    expect(() => ed25519VerifyBatch([{ ...item, publicKey: new Uint8Array(31) }])).toThrow(
      new RangeError('ed25519VerifyBatch: expected 32-byte items[0].publicKey, got 31 bytes'),
    );
    expect(() => ed25519VerifyBatch('x' as unknown as Ed25519BatchItem[])).toThrow(
      new TypeError('ed25519VerifyBatch: expected items to be an array, got string'),
    );
  });

  it('sha256ManyPacked, not sha256Many', () => {
    expect(() => sha256ManyPacked([message, 7 as unknown as Uint8Array])).toThrow(
      new TypeError('sha256ManyPacked: expected messages[1] to be a Uint8Array, got number'),
    );
    expect(() => sha256Many([7 as unknown as Uint8Array])).toThrow(/^sha256Many: /);
  });

  it('sha512(null) says null', () => {
    expect(() => sha512(null as unknown as Uint8Array)).toThrow(
      new TypeError('sha512: expected data to be a Uint8Array, got null'),
    );
  });

  it('inclusionProof and leafHash on an empty tree say the tree is empty', () => {
    const empty = MerkleTree.fromLeaves([]);
    expect(() => empty.inclusionProof(0)).toThrow(
      new RangeError('MerkleTree.inclusionProof: the tree is empty, so there is no leaf 0'),
    );
    expect(() => empty.leafHash(0)).toThrow(
      new RangeError('MerkleTree.leafHash: the tree is empty, so there is no leaf 0'),
    );
    expect(() => empty.inclusionProof('0' as unknown as number)).toThrow(TypeError);
  });
});
