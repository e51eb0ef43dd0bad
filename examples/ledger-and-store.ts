/**
 * The ledger and its block store, end to end, as an embedder uses them: a consortium's
 * genesis, a LevelDB store, a block in which a supplier invoices a buyer, the buyer accepts,
 * a bank finances it and a second bank's attempt to finance the same invoice is refused;
 * then a regulator's checks — a state proof against the head's state root, and the whole
 * chain re-verified through the worker pool.
 *
 *   npx tsx examples/ledger-and-store.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BlockStore,
  CryptoPool,
  ed25519GenerateKeyPair,
  encodeTransaction,
  type Genesis,
  Ledger,
  loadLedger,
  type Operation,
  type Role,
  reasonName,
  sha256,
  signTransaction,
  stateKeys,
  verifyChain,
  verifyStateProof,
} from 'consortium-ledger';

const party = (role: Role, name: string, balance: number) => ({ role, name, balance, ...ed25519GenerateKeyPair() });
const regulator = party('regulator', 'Regulator', 0);
const supplier = party('supplier', 'Supplier', 0);
const buyer = party('buyer', 'Core Enterprise', 1_000_000);
const bankA = party('bank', 'Bank A', 1_000_000);
const bankB = party('bank', 'Bank B', 1_000_000);
const members = [regulator, supplier, buyer, bankA, bankB];
const genesis: Genesis = {
  chainId: 'example-scf',
  timestampMs: Date.now(),
  members: [...members]
    .sort((a, b) => Buffer.compare(a.publicKey, b.publicKey))
    .map(({ role, name, publicKey, balance }) => ({ role, name, publicKey, balance, validator: role !== 'supplier' })),
};

const dir = mkdtempSync(join(tmpdir(), 'consortium-ledger-example-'));
const store = await BlockStore.open(join(dir, 'data'));
const ledger = (await loadLedger(store)) ?? Ledger.fromGenesis(genesis);
if (store.head === undefined) {
  const { genesisBytes, block, executed } = await ledger.genesisBlock();
  await store.initialize(genesisBytes, { ...executed, block });
}

const nonces = new Map<string, number>();
const tx = (signer: (typeof members)[number], op: Operation): Uint8Array => {
  const nonce = (nonces.get(signer.name) ?? 0) + 1;
  nonces.set(signer.name, nonce);
  return encodeTransaction(
    signTransaction({ chainId: genesis.chainId, sender: signer.publicKey, nonce, op }, signer.secretKey),
  );
};
const invoiceCommitment = sha256(new TextEncoder().encode('invoice INV-001 | salt 9f2c'));
const issue = tx(supplier, {
  type: 'issueReceivable',
  buyer: buyer.publicKey,
  amount: 50_000,
  dueTimeMs: genesis.timestampMs,
  invoiceCommitment,
});
const receivableId = sha256(issue); // a receivable's id is its issuing transaction's id
const txs = [
  issue,
  tx(buyer, { type: 'acceptReceivable', receivableId }),
  tx(bankA, { type: 'financeReceivable', receivableId, price: 48_500 }),
  tx(bankB, { type: 'financeReceivable', receivableId, price: 49_000 }),
];

const head = store.head as NonNullable<typeof store.head>;
const { block, executed } = await ledger.propose(txs, {
  previousHash: head.hash,
  timestampMs: genesis.timestampMs + 1_000,
  proposer: regulator.publicKey,
});
await store.append({ ...executed, block }); // one atomic, synced batch
ledger.commit(executed);
console.log(`block ${block.header.height} committed: ${Buffer.from(block.hash).toString('hex')}`);
for (const [i, receipt] of executed.receipts.entries()) console.log(`  tx ${i}: ${reasonName(receipt.code)}`);

// A regulator checks the bank's new holding against the state root alone.
const key = stateKeys.receivable(receivableId);
const { value, proof, stateRoot } = ledger.proveState(key);
console.log(`receivable proven against the state root: ${verifyStateProof(stateRoot, key, value, proof)}`);
console.log(`supplier balance: ${ledger.account(supplier.publicKey)?.balance}`);

const pool = new CryptoPool({ threads: 2 });
const report = await verifyChain(store, { crypto: pool });
console.log(`verify-chain: ${report.ok ? 'intact' : report.problem}, ${report.txs} txs`);
await pool.close();
await store.close();
rmSync(dir, { recursive: true, force: true });
