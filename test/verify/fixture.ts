/**
 * Evidence from a real chain for the verifier's tests: four LedgerNodes (real PBFT over a
 * LocalNetwork, real LevelDB stores in a temporary directory) commit a few blocks of
 * transfers; the evidence is built by the library's one builder (`transactionEvidence`,
 * `stateEvidence`, `genesisInfo`), as the CLI prints it. `evidenceCases` then derives every
 * kind of tampering from it, each with the reason a verifier must give, so the Node test and
 * the browser test check the same cases.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SimMember, simConsortium } from '../../sim/consortium.js';
import { fromHex, toHex } from '../../src/bytes.js';
import { commitVoteMessage, decodeCertificate, encodeCertificate } from '../../src/codec/certificate.js';
import { reasonCodes } from '../../src/codec/receipt.js';
import { encodeTransaction, signTransaction, transactionId } from '../../src/codec/transaction.js';
import { quorumSize } from '../../src/consensus/quorum.js';
import { ed25519GenerateKeyPair, ed25519Sign } from '../../src/crypto/ed25519.js';
import { stateKeys } from '../../src/ledger/records.js';
import { LedgerNode } from '../../src/node/ledger-node.js';
import { LocalNetwork } from '../../src/node/local-network.js';
import type { GenesisInfo, StateEvidence, TransactionEvidence } from '../../src/verify/evidence.js';
import { genesisInfo, stateEvidence, transactionEvidence } from '../../src/verify/evidence-from-store.js';
import type { VerdictReason } from '../../src/verify/verdict.js';

/** Evidence from one chain. */
export interface EvidenceFixture {
  readonly genesis: GenesisInfo;
  /** A transaction in a block of several, not at index 0. */
  readonly tx: TransactionEvidence;
  /** The certificate of another block of the same chain, hex. */
  readonly otherCertificate: string;
  /** A registered account's balance record. */
  readonly present: StateEvidence;
  /** An unregistered key's account: absent. */
  readonly absent: StateEvidence;
}

/** One check: evidence of a kind, the genesis to check it against, and the reason expected (undefined: valid). */
export interface EvidenceCase {
  readonly name: string;
  readonly kind: 'transaction' | 'state';
  readonly evidence: unknown;
  readonly genesis: unknown;
  readonly reason: VerdictReason | undefined;
}

const chainId = 'verify-test';

async function until(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('fixture: the consortium did not commit in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Builds a 4-member chain and takes its evidence. */
export async function buildEvidenceFixture(): Promise<EvidenceFixture> {
  const root = mkdtempSync(join(tmpdir(), 'consortium-verify-'));
  const consortium = simConsortium(11, 4, chainId);
  const network = new LocalNetwork();
  const nodes = await Promise.all(
    consortium.members.map((member, i) =>
      LedgerNode.open({
        genesis: consortium.genesis,
        secretKey: member.identity.secretKey,
        transport: network.transport(member.identity.publicKey),
        dataDir: join(root, `n${i}`),
        replica: { checkpointInterval: 4, viewChangeTimeoutTicks: 40, batchTimeoutTicks: 1 },
        tickMs: 5,
      }),
    ),
  );
  try {
    const bank = consortium.members.find((m) => m.identity.role === 'bank') as SimMember;
    const payee = (consortium.members[0] as SimMember).identity.publicKey;
    let nonce = 0;
    const transfers = (count: number) =>
      Array.from({ length: count }, () =>
        encodeTransaction(
          signTransaction(
            {
              chainId,
              sender: bank.identity.publicKey,
              nonce: ++nonce,
              op: { type: 'transfer', to: payee, amount: 10 },
            },
            bank.identity.secretKey,
          ),
        ),
      );
    const first = await (nodes[0] as LedgerNode).submitMany(transfers(1));
    const batch = transfers(5);
    const receipts = await (nodes[1] as LedgerNode).submitMany(batch);
    if (![...first, ...receipts].every((receipt) => receipt.code === reasonCodes.ok)) {
      throw new Error('fixture: a transfer was refused');
    }
    const height = Math.max(...nodes.map((node) => node.height));
    await until(() => nodes.every((node) => node.height === height));
    const node = nodes[2] as LedgerNode;
    // The middle transfer of the batch: in a block of several if the batch shared one.
    const tx = await transactionEvidence(node, transactionId(batch[2] as Uint8Array));
    if (tx === undefined) throw new Error('fixture: the transfer is not in the store');
    const otherHeight = tx.height === 1 ? 2 : 1;
    const otherCertificate = await node.certificate(otherHeight);
    if (otherCertificate === undefined) throw new Error(`fixture: no certificate for block ${otherHeight}`);
    const outsider = ed25519GenerateKeyPair();
    return {
      genesis: await genesisInfo(node),
      tx,
      otherCertificate: toHex(otherCertificate),
      present: await stateEvidence(node, stateKeys.account(bank.identity.publicKey)),
      absent: await stateEvidence(node, stateKeys.account(outsider.publicKey)),
    };
  } finally {
    await Promise.all(nodes.map((node) => node.close()));
    rmSync(root, { recursive: true, force: true });
  }
}

/** `hex` with byte `at` XORed with 0x01. */
function flipByte(hex: string, at: number): string {
  const bytes = fromHex(hex, 'hex', 'flipByte');
  bytes[at] = (bytes[at] as number) ^ 0x01;
  return toHex(bytes);
}

function withoutKeys<T extends object>(value: T, ...keys: string[]): T {
  const copy = { ...value } as Record<string, unknown>;
  for (const key of keys) delete copy[key];
  return copy as unknown as T;
}

/** The certificate re-encoded with `signatures` in place of its own. */
function recertify(
  certificateHex: string,
  edit: (
    signatures: ReturnType<typeof decodeCertificate>['signatures'],
  ) => ReturnType<typeof decodeCertificate>['signatures'],
): string {
  const certificate = decodeCertificate(fromHex(certificateHex, 'certificate', 'recertify'));
  return toHex(encodeCertificate({ ...certificate, signatures: edit(certificate.signatures) }));
}

/** Every case the verifier's tests check, valid and tampered. */
export function evidenceCases(fixture: EvidenceFixture): EvidenceCase[] {
  const { genesis, tx, present, absent } = fixture;
  const n = genesis.validators.length;
  const q = quorumSize(n);
  const certificate = decodeCertificate(fromHex(tx.certificate, 'certificate', 'evidenceCases'));
  const outsider = ed25519GenerateKeyPair();
  const outsiderVote = {
    publicKey: outsider.publicKey,
    signature: ed25519Sign(
      outsider.secretKey,
      commitVoteMessage(genesis.chainId, certificate.view, certificate.height, certificate.blockHash),
    ),
  };
  const txCases: [string, unknown, VerdictReason | undefined][] = [
    ['valid transaction evidence', tx, undefined],
    [
      'valid transaction evidence without the optional claims',
      withoutKeys(tx, 'txId', 'height', 'blockHash', 'chainId', 'receipt'),
      undefined,
    ],
    ['tx bytes changed', { ...tx, tx: flipByte(tx.tx, 40) }, 'tx-id-mismatch'],
    [
      'tx bytes changed, no tx id claimed',
      withoutKeys({ ...tx, tx: flipByte(tx.tx, 40) }, 'txId'),
      'inclusion-proof-invalid',
    ],
    [
      'proof path changed',
      { ...tx, proof: { ...tx.proof, path: [flipByte(tx.proof.path[0] as string, 0), ...tx.proof.path.slice(1)] } },
      'inclusion-proof-invalid',
    ],
    [
      'wrong leaf index (transaction and proof moved together)',
      {
        ...tx,
        txIndex: (tx.txIndex + 1) % tx.proof.treeSize,
        proof: { ...tx.proof, leafIndex: (tx.txIndex + 1) % tx.proof.treeSize },
      },
      'inclusion-proof-invalid',
    ],
    [
      'proof leaf index differs from txIndex',
      { ...tx, proof: { ...tx.proof, leafIndex: (tx.txIndex + 1) % tx.proof.treeSize } },
      'inclusion-proof-invalid',
    ],
    ['header changed (timestamp)', { ...tx, header: flipByte(tx.header, 41) }, 'header-mismatch'],
    [
      'header changed (timestamp), no block hash claimed',
      withoutKeys({ ...tx, header: flipByte(tx.header, 41) }, 'blockHash'),
      'certificate-block-mismatch',
    ],
    [
      'header changed (tx root), no block hash claimed',
      withoutKeys({ ...tx, header: flipByte(tx.header, 85) }, 'blockHash'),
      'inclusion-proof-invalid',
    ],
    ['height claim wrong', { ...tx, height: (tx.height as number) + 1 }, 'header-mismatch'],
    ['receipt code changed', { ...tx, receipt: { ...tx.receipt, code: 9 } }, 'receipt-proof-invalid'],
    ['evidence from another chain', { ...tx, chainId: 'another-chain' }, 'chain-mismatch'],
    [
      'certificate signature changed',
      { ...tx, certificate: flipByte(tx.certificate, 1 + 8 + 32 + 8 + 2 + 32 + 5) },
      'certificate-signature-invalid',
    ],
    ['certificate for another block', { ...tx, certificate: fixture.otherCertificate }, 'certificate-block-mismatch'],
    [
      `certificate short of a quorum (q − 1 = ${q - 1} of n = ${n})`,
      { ...tx, certificate: recertify(tx.certificate, (s) => s.slice(0, q - 1)) },
      'certificate-short-of-quorum',
    ],
    [
      'certificate signer not in the genesis (a valid signature by an outsider)',
      {
        ...tx,
        certificate: recertify(tx.certificate, (s) =>
          [...s.slice(1), outsiderVote].sort((a, b) => Buffer.compare(a.publicKey, b.publicKey)),
        ),
      },
      'certificate-signer-unknown',
    ],
    ['certificate truncated', { ...tx, certificate: tx.certificate.slice(0, -2) }, 'malformed-evidence'],
    ['header not hex', { ...tx, header: `zz${tx.header.slice(2)}` }, 'malformed-evidence'],
    ['header missing', withoutKeys(tx, 'header'), 'malformed-evidence'],
  ];
  const stateCases: [string, unknown, VerdictReason | undefined][] = [
    ['state: a present value', present, undefined],
    ['state: an absent key', absent, undefined],
    ['state: value tampered', { ...present, value: flipByte(present.value as string, 8) }, 'state-proof-invalid'],
    ['state: absence claimed for a present key', { ...present, value: null }, 'state-proof-invalid'],
    ['state: a value claimed for an absent key', { ...absent, value: present.value }, 'state-proof-invalid'],
    [
      'state: header changed, no claims',
      withoutKeys({ ...present, header: flipByte(present.header, 41) }, 'blockHash'),
      'certificate-block-mismatch',
    ],
    [
      'state: certificate short of a quorum',
      { ...present, certificate: recertify(present.certificate, (s) => s.slice(0, q - 1)) },
      'certificate-short-of-quorum',
    ],
  ];
  const otherValidators = { ...genesis, validators: [...genesis.validators.slice(1), toHex(outsider.publicKey)] };
  const genesisCases: [string, unknown, VerdictReason][] = [
    ['genesis with another validator set', otherValidators, 'certificate-signer-unknown'],
    ['genesis stating a smaller quorum', { ...genesis, q: q - 1 }, 'malformed-genesis'],
    [
      'genesis listing a validator twice',
      { ...genesis, validators: [...genesis.validators, genesis.validators[0]] },
      'malformed-genesis',
    ],
    ['genesis of another chain', { ...genesis, chainId: 'another-chain' }, 'chain-mismatch'],
  ];
  return [
    ...txCases.map(([name, evidence, reason]) => ({ name, kind: 'transaction' as const, evidence, genesis, reason })),
    ...stateCases.map(([name, evidence, reason]) => ({ name, kind: 'state' as const, evidence, genesis, reason })),
    ...genesisCases.map(([name, otherGenesis, reason]) => ({
      name,
      kind: 'transaction' as const,
      evidence: tx,
      genesis: otherGenesis,
      reason,
    })),
  ];
}
