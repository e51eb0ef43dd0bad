/**
 * A regulator's check, end to end: a bank signs invoice records, the block's transactions go
 * into an RFC 9162 tree, and a regulator verifies one signature batch, one inclusion proof
 * and one consistency proof without trusting anyone's database.
 *
 *   npx tsx examples/prove-and-verify.ts
 */
import {
  CryptoPool,
  ed25519GenerateKeyPair,
  ed25519Sign,
  ed25519VerifyBatch,
  MerkleTree,
  sha256,
  verifyMerkleConsistency,
  verifyMerkleInclusion,
} from 'consortium-ledger';

const encoder = new TextEncoder();
const bank = ed25519GenerateKeyPair();

// 1,000 signed "issue receivable" records (the invoice itself stays off-chain: a hash).
const records = Array.from({ length: 1000 }, (_, i) => {
  const invoiceCommitment = Buffer.from(sha256(encoder.encode(`invoice-${i}|salt-${i * 7919}`))).toString('hex');
  const message = encoder.encode(JSON.stringify({ op: 'issue', invoiceCommitment, amount: 1000 + i }));
  return { publicKey: bank.publicKey, message, signature: ed25519Sign(bank.secretKey, message) };
});

// Every signature checked in one batch; each verdict equals a single verification's.
const verdicts = ed25519VerifyBatch(records);
console.log(`signatures valid: ${verdicts.filter(Boolean).length}/${verdicts.length}`);

// The same batch across worker threads: identical verdicts.
const pool = new CryptoPool({ threads: 2 });
try {
  const pooled = await pool.verifyBatch(records);
  console.log(`pool verdicts equal inline: ${pooled.every((v, i) => v === verdicts[i])}`);
} finally {
  await pool.close();
}

// The block commits to its transactions with one root.
const tree = MerkleTree.fromLeaves(records.map((r) => r.message));
const root = tree.root;
console.log(`root of ${tree.size} transactions: ${Buffer.from(root).toString('hex')}`);

// A regulator asks: is record 421 in this block?
const proof = tree.inclusionProof(421);
const record = records[421];
if (record === undefined) throw new Error('record 421 missing');
console.log(`record 421 included: ${verifyMerkleInclusion(record.message, proof, root)} (${proof.path.length} hashes)`);

// ...and did the block's first 600 transactions stay as they were?
const consistency = tree.consistencyProof(600);
console.log(`first 600 unchanged: ${verifyMerkleConsistency(600, tree.rootAt(600), tree.size, root, consistency)}`);

// A tampered record is refused.
const forged = encoder.encode(JSON.stringify({ op: 'issue', invoiceCommitment: 'forged', amount: 1_000_000 }));
console.log(`forged record included: ${verifyMerkleInclusion(forged, proof, root)}`);
