// Model-based test of the ledger (fc.commands): transactions of every operation type from a
// small fixed cast, valid and deliberately invalid, grouped into blocks that are proposed and
// then committed or discarded. After every block the receipts must carry the reasons the plain
// model (test/support/ledger-model.ts) predicts, the ledger's records must equal the model's,
// and the invariants of the supply-chain-finance model (docs/architecture.md) must hold on the ledger's own state; a second ledger fed the
// same blocks through applyBlock must reach the same state root at every height.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBlock } from '../../src/codec/block.js';
import { encodeGenesis, type Genesis, genesisHash } from '../../src/codec/genesis.js';
import type { Operation, OperationType, Role } from '../../src/codec/operation.js';
import { type ReasonName, reasonCodes, reasonName } from '../../src/codec/receipt.js';
import { encodeTransaction, signTransaction, type Transaction } from '../../src/codec/transaction.js';
import { ed25519PublicKeyFromSecret } from '../../src/crypto/ed25519.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { fuzzParams } from '../support/fuzz.js';
import {
  type Hex,
  hexOf,
  LedgerModel,
  type ModelAccount,
  type ModelAttestation,
  type ModelInvoice,
  type ModelReceivable,
  modelOperationRoles,
  nonceKeepingReasons,
} from '../support/ledger-model.js';

// ---- The cast: keys derived once from fixed labels, so a failure replays from its seed ----

interface Signer {
  readonly label: string;
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly hex: Hex;
}

const sha256 = (bytes: Uint8Array | string): Uint8Array => new Uint8Array(createHash('sha256').update(bytes).digest());

const fromHex = (hex: Hex): Uint8Array => new Uint8Array(Buffer.from(hex, 'hex'));

function signer(label: string): Signer {
  const secretKey = sha256(`consortium-ledger/test/model/${label}`);
  const publicKey = ed25519PublicKeyFromSecret(secretKey);
  return { label, secretKey, publicKey, hex: hexOf(publicKey) };
}

const chainId = 'model-chain';
const otherChainId = 'other-chain';
const genesisTimeMs = 1_700_000_000_000;
/** Most transactions one block of this test holds. */
const blockTxsMaxInTest = 8;

// Balances are chosen so that refusals for money happen: Bank B cannot finance a large
// receivable, Buyer 2 cannot repay one, Supplier 3 starts with nothing.
const memberLayout: readonly [Role, string, number][] = [
  ['regulator', 'Regulator', 1_000],
  ['bank', 'Bank A', 5_000_000],
  ['bank', 'Bank B', 20_000],
  ['supplier', 'Supplier 1', 50_000],
  ['supplier', 'Supplier 2', 50_000],
  ['supplier', 'Supplier 3', 0],
  ['buyer', 'Buyer 1', 5_000_000],
  ['buyer', 'Buyer 2', 30_000],
  ['logistics', 'Logistics', 10_000],
];
const members = memberLayout.map(([role, name, balance], index) => ({
  ...signer(`member/${index}`),
  role,
  name,
  balance,
}));
/** Fresh keys a regulator may register (with a role the transaction picks). */
const registrants = [0, 1, 2].map((index) => signer(`registrant/${index}`));
/** Never registered: its transactions are from an unknown sender. */
const outsider = signer('outsider');
/** Everyone who can sign, in a fixed order (picks index into it). */
const signers: readonly Signer[] = [...members, ...registrants, outsider];
const signerByHex = new Map(signers.map((entry) => [entry.hex, entry]));

const identityKey = new Uint8Array(32);
identityKey[0] = 1; // y = 1, x = 0: the identity, of order 1
/** y = 2 does not decode: (y² − 1)/(d·y² + 1) has no square root mod p. */
const undecodableKey = new Uint8Array(32);
undecodableKey[0] = 2;
const badKeys = { zero: new Uint8Array(32), identity: identityKey, undecodable: undecodableKey } as const;

const genesis: Genesis = {
  chainId,
  timestampMs: genesisTimeMs,
  members: [...members]
    .sort((a, b) => Buffer.compare(a.publicKey, b.publicKey))
    .map(({ role, name, publicKey, balance }) => ({ role, name, publicKey, balance, validator: role !== 'buyer' })),
};
const genesisSupply = members.reduce((sum, member) => sum + member.balance, 0);
const regulator = members[0] as (typeof members)[number];

// ---- Intents: what a command wants, resolved against the model when it runs ----

type AccountPick =
  | { readonly kind: 'role'; readonly role: Role; readonly index: number }
  | { readonly kind: 'cast'; readonly index: number }
  | { readonly kind: 'unknown'; readonly key: Uint8Array };
/**
 * A receivable counted back from the newest (recent ones are where the life cycles are); with
 * `fit`, only among those in the state the operation needs (so life cycles get far), else
 * among all (so the wrong states are tried too).
 */
type ReceivablePick =
  | { readonly kind: 'recent'; readonly back: number; readonly fit: boolean }
  | { readonly kind: 'unknown'; readonly id: Uint8Array };
/** A token amount relative to the paying balance. */
type Funds =
  | { readonly kind: 'some'; readonly amount: number }
  | { readonly kind: 'zero' }
  | { readonly kind: 'all' }
  | { readonly kind: 'over' };
/** A part or price relative to the receivable's amount. */
type Share =
  | { readonly kind: 'part'; readonly perMille: number }
  | { readonly kind: 'zero' }
  | { readonly kind: 'equal' }
  | { readonly kind: 'over' };
type KeyPick =
  | { readonly kind: 'registrant'; readonly index: number }
  | { readonly kind: 'member'; readonly index: number }
  | { readonly kind: 'zero' | 'identity' | 'undecodable' };

type OpIntent =
  | { readonly type: 'register'; readonly key: KeyPick; readonly role: Role }
  | { readonly type: 'transfer'; readonly to: AccountPick; readonly amount: Funds }
  | {
      readonly type: 'issueReceivable';
      readonly buyer: AccountPick;
      readonly amount: number;
      readonly dueOffsetMs: number;
      readonly commitment:
        | { readonly kind: 'fresh'; readonly bytes: Uint8Array }
        | { readonly kind: 'reuse'; readonly back: number };
    }
  | { readonly type: 'acceptReceivable'; readonly receivable: ReceivablePick }
  | {
      readonly type: 'attestShipment';
      readonly receivable: ReceivablePick;
      readonly shipmentId: string;
      readonly sensorRecordHash: Uint8Array;
    }
  | {
      readonly type: 'splitReceivable';
      readonly receivable: ReceivablePick;
      readonly to: AccountPick;
      readonly amount: Share;
    }
  | { readonly type: 'financeReceivable'; readonly receivable: ReceivablePick; readonly price: Share }
  | { readonly type: 'repayReceivable'; readonly receivable: ReceivablePick }
  | {
      readonly type: 'setFrozen';
      readonly target:
        | { readonly kind: 'account'; readonly pick: AccountPick }
        | { readonly kind: 'receivable'; readonly pick: ReceivablePick };
      readonly frozen: boolean;
    };

interface TxIntent {
  readonly op: OpIntent;
  /**
   * `fitting`: the party the operation needs (or a member of a permitted role); `peer`: a
   * member of a permitted role other than the party; `any`: anyone in the cast.
   */
  readonly sender: { readonly kind: 'fitting' | 'peer' | 'any'; readonly index: number };
  readonly nonce: { readonly kind: 'next' | 'stale' | 'gap'; readonly by: number };
  readonly signature: 'valid' | 'bad';
  readonly chain: 'ours' | 'other';
}

const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const roleArb = fc.constantFrom<Role>('regulator', 'bank', 'supplier', 'buyer', 'logistics');

const accountPickArb = (role: Role): fc.Arbitrary<AccountPick> =>
  fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({ kind: fc.constant('role' as const), role: fc.constant(role), index: fc.nat(7) }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('cast' as const), index: fc.nat(31) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('unknown' as const), key: bytes32 }) },
  );

const receivablePickArb: fc.Arbitrary<ReceivablePick> = fc.oneof(
  {
    weight: 20,
    arbitrary: fc.record({
      kind: fc.constant('recent' as const),
      back: fc.oneof(fc.constant(0), fc.nat(4)),
      fit: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, fc.constant(false)),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unknown' as const), id: bytes32 }) },
);

const fundsArb: fc.Arbitrary<Funds> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ kind: fc.constant('some' as const), amount: fc.integer({ min: 1, max: 3_000 }) }),
  },
  fc.constant({ kind: 'zero' as const }),
  fc.constant({ kind: 'all' as const }),
  fc.constant({ kind: 'over' as const }),
);

const shareArb: fc.Arbitrary<Share> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({ kind: fc.constant('part' as const), perMille: fc.integer({ min: 1, max: 999 }) }),
  },
  fc.constant({ kind: 'zero' as const }),
  fc.constant({ kind: 'equal' as const }),
  fc.constant({ kind: 'over' as const }),
);

const keyPickArb: fc.Arbitrary<KeyPick> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('registrant' as const), index: fc.nat(2) }) },
  fc.record({ kind: fc.constant('member' as const), index: fc.nat(8) }),
  fc.constant({ kind: 'zero' as const }),
  fc.constant({ kind: 'identity' as const }),
  fc.constant({ kind: 'undecodable' as const }),
);

const opIntentArb: fc.Arbitrary<OpIntent> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ type: fc.constant('register' as const), key: keyPickArb, role: roleArb }) },
  {
    weight: 3,
    arbitrary: fc.record({
      type: fc.constant('transfer' as const),
      to: fc.oneof(accountPickArb('supplier'), accountPickArb('buyer'), accountPickArb('bank')),
      amount: fundsArb,
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      type: fc.constant('issueReceivable' as const),
      buyer: fc.oneof(
        { weight: 3, arbitrary: accountPickArb('buyer') },
        fc.record({ kind: fc.constant('role' as const), role: fc.constant<Role>('buyer'), index: fc.nat(7) }),
      ),
      amount: fc.oneof({ weight: 12, arbitrary: fc.integer({ min: 1, max: 100_000 }) }, fc.constant(0)),
      dueOffsetMs: fc.constantFrom(-1, 0, 1, 1_000, 30_000),
      commitment: fc.oneof(
        { weight: 8, arbitrary: fc.record({ kind: fc.constant('fresh' as const), bytes: bytes32 }) },
        fc.record({ kind: fc.constant('reuse' as const), back: fc.nat(3) }),
      ),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({ type: fc.constant('acceptReceivable' as const), receivable: receivablePickArb }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant('attestShipment' as const),
      receivable: receivablePickArb,
      shipmentId: fc.constantFrom('SHP-1', 'container/Ünïcode-7', 'x'),
      sensorRecordHash: bytes32,
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      type: fc.constant('splitReceivable' as const),
      receivable: receivablePickArb,
      to: accountPickArb('supplier'),
      amount: shareArb,
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      type: fc.constant('financeReceivable' as const),
      receivable: receivablePickArb,
      price: shareArb,
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({ type: fc.constant('repayReceivable' as const), receivable: receivablePickArb }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant('setFrozen' as const),
      target: fc.oneof(
        fc.record({
          kind: fc.constant('account' as const),
          pick: fc.oneof(
            accountPickArb('supplier'),
            accountPickArb('bank'),
            accountPickArb('buyer'),
            accountPickArb('logistics'),
          ),
        }),
        fc.record({ kind: fc.constant('receivable' as const), pick: receivablePickArb }),
      ),
      frozen: fc.boolean(),
    }),
  },
);

const txIntentArb: fc.Arbitrary<TxIntent> = fc.record({
  op: opIntentArb,
  sender: fc.record({
    kind: fc.oneof(
      { weight: 12, arbitrary: fc.constant('fitting' as const) },
      { weight: 2, arbitrary: fc.constant('peer' as const) },
      fc.constant('any' as const),
    ),
    index: fc.nat(31),
  }),
  nonce: fc.record({
    kind: fc.oneof(
      { weight: 24, arbitrary: fc.constant('next' as const) },
      fc.constant('stale' as const),
      fc.constant('gap' as const),
    ),
    by: fc.nat(2),
  }),
  signature: fc.oneof({ weight: 30, arbitrary: fc.constant('valid' as const) }, fc.constant('bad' as const)),
  chain: fc.oneof({ weight: 40, arbitrary: fc.constant('ours' as const) }, fc.constant('other' as const)),
});

// ---- Resolving an intent against the (tentative) model ----

function registeredSigners(model: LedgerModel, roles: readonly Role[]): Signer[] {
  return signers.filter((entry) => {
    const account = model.accounts.get(entry.hex);
    return account !== undefined && roles.includes(account.role);
  });
}

function pickAccount(model: LedgerModel, pick: AccountPick): Uint8Array {
  switch (pick.kind) {
    case 'role': {
      const candidates = registeredSigners(model, [pick.role]);
      if (candidates.length === 0) return (signers[pick.index % signers.length] as Signer).publicKey;
      return (candidates[pick.index % candidates.length] as Signer).publicKey;
    }
    case 'cast':
      return (signers[pick.index % signers.length] as Signer).publicKey;
    case 'unknown':
      return pick.key;
  }
}

/** Which receivables an operation can act on (what a `fit` pick chooses among). */
function fitsOperation(type: OperationType, model: LedgerModel, id: Hex, row: ModelReceivable): boolean {
  const isRoot = row.rootId === id;
  switch (type) {
    case 'acceptReceivable':
      return isRoot && row.status === 'issued';
    case 'attestShipment':
      return row.status !== 'repaid';
    case 'splitReceivable':
      return row.status === 'accepted';
    case 'financeReceivable':
      // Financed ones too: the double-financing attempt is the fraud the rule exists for.
      return row.status === 'accepted' || row.status === 'financed';
    case 'repayReceivable':
      return (
        isRoot &&
        [row, ...row.parts.map((part) => model.receivables.get(part) as ModelReceivable)].every(
          (part) => part.status === 'accepted' || part.status === 'financed',
        )
      );
    default:
      return true;
  }
}

function pickReceivable(
  model: LedgerModel,
  pick: ReceivablePick,
  type: OperationType,
): { id: Uint8Array; row?: ModelReceivable } {
  if (pick.kind === 'unknown') return { id: pick.id };
  const all = [...model.receivables];
  const fitting = pick.fit ? all.filter(([id, row]) => fitsOperation(type, model, id, row)) : [];
  const ids = fitting.length > 0 ? fitting : all;
  if (ids.length === 0) return { id: sha256(`no receivable ${pick.back}`) };
  const [id, row] = ids[ids.length - 1 - (pick.back % ids.length)] as [Hex, ModelReceivable];
  return { id: fromHex(id), row };
}

function shareOf(share: Share, amount: number): number {
  switch (share.kind) {
    case 'part':
      return Math.max(1, Math.floor((amount * share.perMille) / 1000));
    case 'zero':
      return 0;
    case 'equal':
      return amount;
    case 'over':
      return amount + 1;
  }
}

/** The party a receivable operation needs as its signer: the buyer (accept, repay) or the holder (split). */
function partyOf(intent: OpIntent, model: LedgerModel): Hex | undefined {
  switch (intent.type) {
    case 'acceptReceivable':
    case 'repayReceivable':
      return pickReceivable(model, intent.receivable, intent.type).row?.buyer;
    case 'splitReceivable':
      return pickReceivable(model, intent.receivable, intent.type).row?.holder;
    default:
      return undefined;
  }
}

function resolveSender(intent: TxIntent, model: LedgerModel): Signer {
  if (intent.sender.kind === 'any') return signers[intent.sender.index % signers.length] as Signer;
  const party = partyOf(intent.op, model);
  const known = party === undefined ? undefined : signerByHex.get(party);
  if (known !== undefined && intent.sender.kind === 'fitting') return known;
  const candidates = registeredSigners(model, modelOperationRoles[intent.op.type]).filter((entry) => entry !== known);
  const pool = candidates.length > 0 ? candidates : signers;
  return pool[intent.sender.index % pool.length] as Signer;
}

/** The operation an intent names, in the model's current state (`balance`: the sender's). */
function resolveOperation(intent: OpIntent, model: LedgerModel, clockMs: number, balance: number): Operation {
  switch (intent.type) {
    case 'register': {
      const key = intent.key;
      const publicKey =
        key.kind === 'registrant'
          ? (registrants[key.index % registrants.length] as Signer).publicKey
          : key.kind === 'member'
            ? (members[key.index % members.length] as Signer).publicKey
            : badKeys[key.kind];
      return { type: 'register', role: intent.role, name: `Registrant ${intent.role}`, publicKey };
    }
    case 'transfer': {
      const funds = intent.amount;
      const amount =
        funds.kind === 'some' ? funds.amount : funds.kind === 'zero' ? 0 : funds.kind === 'all' ? balance : balance + 1;
      return { type: 'transfer', to: pickAccount(model, intent.to), amount };
    }
    case 'issueReceivable': {
      let commitment: Uint8Array;
      if (intent.commitment.kind === 'fresh') {
        commitment = intent.commitment.bytes;
      } else {
        const used = [...model.invoices.keys()];
        const back = intent.commitment.back;
        commitment =
          used.length === 0
            ? sha256(`unused commitment ${back}`)
            : fromHex(used[used.length - 1 - (back % used.length)] as Hex);
      }
      return {
        type: 'issueReceivable',
        buyer: pickAccount(model, intent.buyer),
        amount: intent.amount,
        dueTimeMs: clockMs + intent.dueOffsetMs,
        invoiceCommitment: commitment,
      };
    }
    case 'acceptReceivable':
    case 'repayReceivable':
      return { type: intent.type, receivableId: pickReceivable(model, intent.receivable, intent.type).id };
    case 'attestShipment':
      return {
        type: 'attestShipment',
        receivableId: pickReceivable(model, intent.receivable, intent.type).id,
        shipmentId: intent.shipmentId,
        sensorRecordHash: intent.sensorRecordHash,
        shippedTimeMs: clockMs,
      };
    case 'splitReceivable': {
      const { id, row } = pickReceivable(model, intent.receivable, intent.type);
      return {
        type: 'splitReceivable',
        receivableId: id,
        to: pickAccount(model, intent.to),
        amount: shareOf(intent.amount, row?.amount ?? 10),
      };
    }
    case 'financeReceivable': {
      const { id, row } = pickReceivable(model, intent.receivable, intent.type);
      return { type: 'financeReceivable', receivableId: id, price: shareOf(intent.price, row?.amount ?? 10) };
    }
    case 'setFrozen': {
      const target = intent.target;
      const id =
        target.kind === 'account'
          ? pickAccount(model, target.pick)
          : pickReceivable(model, target.pick, 'setFrozen').id;
      return { type: 'setFrozen', target: target.kind, id, frozen: intent.frozen };
    }
  }
}

/** A transaction waiting in the block being built, with the reason the model predicts for it. */
interface PendingTx {
  readonly tx: Transaction;
  readonly bytes: Uint8Array;
  readonly txId: Hex;
  readonly expected: ReasonName;
}

function resolve(intent: TxIntent, model: LedgerModel, clockMs: number): PendingTx {
  const sender = resolveSender(intent, model);
  const op = resolveOperation(intent.op, model, clockMs, model.accounts.get(sender.hex)?.balance ?? 0);
  const current = model.accounts.get(sender.hex)?.nonce ?? 0;
  const nonce =
    intent.nonce.kind === 'next'
      ? current + 1
      : intent.nonce.kind === 'stale'
        ? Math.max(0, current - intent.nonce.by)
        : current + 2 + intent.nonce.by;
  const unsigned = { chainId: intent.chain === 'ours' ? chainId : otherChainId, sender: sender.publicKey, nonce, op };
  // A bad signature: a valid signature, but by the next signer in the cast.
  const signingKey =
    intent.signature === 'valid'
      ? sender.secretKey
      : (signers[(signers.indexOf(sender) + 1) % signers.length] as Signer).secretKey;
  const tx = signTransaction(unsigned, signingKey);
  const bytes = encodeTransaction(tx);
  const txId = sha256(bytes);
  const expected = model.apply(tx, txId, intent.signature === 'valid', { chainId, timestampMs: clockMs });
  return { tx, bytes, txId: hexOf(txId), expected };
}

function describeIntent(intent: TxIntent): string {
  return JSON.stringify(intent, (_key, value) =>
    value instanceof Uint8Array ? `${Buffer.from(value).toString('hex').slice(0, 8)}…` : value,
  );
}

// ---- The ledger's records as plain objects (hex ids), to compare with the model ----

const latin1Hex = (key: string): Hex => Buffer.from(key, 'latin1').toString('hex');

function plainAccounts(ledger: Ledger): Record<Hex, ModelAccount> {
  const out: Record<Hex, ModelAccount> = {};
  for (const [key, row] of ledger.accounts()) out[latin1Hex(key)] = { ...row };
  return out;
}

function plainReceivables(ledger: Ledger): Record<Hex, ModelReceivable> {
  const out: Record<Hex, ModelReceivable> = {};
  for (const [key, row] of ledger.receivables()) {
    out[latin1Hex(key)] = {
      rootId: hexOf(row.rootId),
      issuer: hexOf(row.issuer),
      buyer: hexOf(row.buyer),
      holder: hexOf(row.holder),
      amount: row.amount,
      faceAmount: row.faceAmount,
      dueTimeMs: row.dueTimeMs,
      invoiceCommitment: hexOf(row.invoiceCommitment),
      status: row.status,
      frozen: row.frozen,
      attestations: row.attestations,
      parts: row.parts.map(hexOf),
    };
  }
  return out;
}

function plainInvoices(ledger: Ledger, ids: Iterable<Hex>): Record<Hex, ModelInvoice | undefined> {
  const out: Record<Hex, ModelInvoice | undefined> = {};
  for (const id of ids) {
    const row = ledger.invoice(Buffer.from(id, 'hex'));
    out[id] = row === undefined ? undefined : { rootId: hexOf(row.rootId), financedAmount: row.financedAmount };
  }
  return out;
}

function plainAttestations(ledger: Ledger, ids: Iterable<Hex>): Record<Hex, ModelAttestation | undefined> {
  const out: Record<Hex, ModelAttestation | undefined> = {};
  for (const id of ids) {
    const row = ledger.attestation(Buffer.from(id, 'hex'));
    out[id] =
      row === undefined
        ? undefined
        : {
            receivableId: hexOf(row.receivableId),
            attester: hexOf(row.attester),
            shipmentId: row.shipmentId,
            sensorRecordHash: hexOf(row.sensorRecordHash),
            shippedTimeMs: row.shippedTimeMs,
          };
  }
  return out;
}

/** Everything observable about the ledger's state, as plain data. */
function snapshot(ledger: Ledger, model: LedgerModel) {
  return {
    height: ledger.height,
    stateRoot: hexOf(ledger.stateRoot),
    stateSize: ledger.stateSize,
    accounts: plainAccounts(ledger),
    receivables: plainReceivables(ledger),
    invoices: plainInvoices(ledger, model.invoices.keys()),
    attestations: plainAttestations(ledger, model.attestations.keys()),
  };
}

function expectLedgerEqualsModel(ledger: Ledger, model: LedgerModel): void {
  expect(plainAccounts(ledger)).toEqual(Object.fromEntries(model.accounts));
  expect(plainReceivables(ledger)).toEqual(Object.fromEntries(model.receivables));
  expect(plainInvoices(ledger, model.invoices.keys())).toEqual(Object.fromEntries(model.invoices));
  expect(plainAttestations(ledger, model.attestations.keys())).toEqual(Object.fromEntries(model.attestations));
  expect(ledger.stateSize).toBe(model.size);
}

// ---- The commands ----

interface ModelState {
  committed: LedgerModel;
  /** The model with the pending transactions applied (undefined while no block is being built). */
  tentative: LedgerModel | undefined;
  pending: PendingTx[];
  clockMs: number;
}

interface RealSystem {
  readonly ledger: Ledger;
  /** Fed every committed (and discarded) block through applyBlock. */
  readonly replica: Ledger;
  previousHash: Uint8Array;
  /** Receivables (and parts) a committed finance transaction took: none may be financed twice. */
  readonly financed: Map<Hex, { commitment: Hex; amount: number }>;
}

/** Reasons every run saw, for the coverage check at the end. */
const seenReasons = new Set<ReasonName>();
const appliedTypes = new Set<OperationType>();

class TxCommand implements fc.AsyncCommand<ModelState, RealSystem> {
  constructor(readonly intent: TxIntent) {}

  check(m: Readonly<ModelState>): boolean {
    return m.pending.length < blockTxsMaxInTest;
  }

  async run(m: ModelState): Promise<void> {
    m.tentative ??= m.committed.clone();
    m.pending.push(resolve(this.intent, m.tentative, m.clockMs));
  }

  toString(): string {
    return `tx ${describeIntent(this.intent)}`;
  }
}

class ClockCommand implements fc.AsyncCommand<ModelState, RealSystem> {
  constructor(readonly advanceMs: number) {}

  check(m: Readonly<ModelState>): boolean {
    return m.pending.length === 0;
  }

  async run(m: ModelState): Promise<void> {
    m.clockMs += this.advanceMs;
  }

  toString(): string {
    return `clock +${this.advanceMs} ms`;
  }
}

class SealCommand implements fc.AsyncCommand<ModelState, RealSystem> {
  constructor(readonly outcome: 'commit' | 'discard') {}

  check(m: Readonly<ModelState>): boolean {
    return m.pending.length > 0;
  }

  async run(m: ModelState, r: RealSystem): Promise<void> {
    const { ledger, replica } = r;
    const before = snapshot(ledger, m.committed);
    const replicaRootBefore = hexOf(replica.stateRoot);
    const proposed = await ledger.propose(
      m.pending.map((pending) => pending.bytes),
      { previousHash: r.previousHash, timestampMs: m.clockMs, proposer: regulator.publicKey },
    );
    const { executed } = proposed;
    expect(executed.txIds.map(hexOf)).toEqual(m.pending.map((pending) => pending.txId));
    expect(executed.receipts.map((receipt) => reasonName(receipt.code))).toEqual(
      m.pending.map((pending) => pending.expected),
    );
    const replicaExecuted = await replica.applyBlock(decodeBlock(proposed.bytes));
    expect(hexOf(replicaExecuted.stateRoot)).toBe(hexOf(executed.stateRoot));
    expect(replicaExecuted.receipts).toEqual(executed.receipts);

    if (this.outcome === 'discard') {
      ledger.discard(executed);
      replica.discard(replicaExecuted);
      expect(snapshot(ledger, m.committed)).toEqual(before);
      expect(hexOf(replica.stateRoot)).toBe(replicaRootBefore);
    } else {
      ledger.commit(executed);
      replica.commit(replicaExecuted);
      expect(replica.height).toBe(ledger.height);
      expect(hexOf(replica.stateRoot)).toBe(hexOf(ledger.stateRoot));
      r.previousHash = proposed.block.hash;
      checkInvariants(
        before,
        ledger,
        r,
        m.pending,
        executed.receipts.map((receipt) => receipt.code),
      );
      m.committed = m.tentative as LedgerModel;
      for (const pending of m.pending) {
        seenReasons.add(pending.expected);
        if (pending.expected === 'ok') appliedTypes.add(pending.tx.op.type);
      }
    }
    expectLedgerEqualsModel(ledger, m.committed);
    m.tentative = undefined;
    m.pending = [];
  }

  toString(): string {
    return `seal ${this.outcome}`;
  }
}

/** The model's invariants (docs/architecture.md, "Ledger"), checked on the ledger's own records after a committed block. */
function checkInvariants(
  before: ReturnType<typeof snapshot>,
  ledger: Ledger,
  r: RealSystem,
  block: readonly PendingTx[],
  codes: readonly number[],
): void {
  const accounts = plainAccounts(ledger);
  const receivables = plainReceivables(ledger);

  // Supply is conserved.
  expect(Object.values(accounts).reduce((sum, account) => sum + account.balance, 0)).toBe(genesisSupply);

  // The parts of a receivable sum to its face amount; every part belongs to exactly one root.
  for (const [id, row] of Object.entries(receivables)) {
    if (row.rootId !== id) {
      expect(receivables[row.rootId]?.parts).toContain(id);
      continue;
    }
    const partsTotal = row.parts.reduce((sum, part) => sum + (receivables[part] as ModelReceivable).amount, 0);
    expect(row.amount + partsTotal).toBe(row.faceAmount);
    expect(row.amount).toBeGreaterThan(0);
  }

  // No part is financed twice; no invoice's financed amount exceeds its face amount, and it is
  // exactly the sum of the parts financed against it.
  const frozenToggled = new Set<Hex>();
  block.forEach((pending, i) => {
    if (codes[i] !== reasonCodes.ok) return;
    const op = pending.tx.op;
    if (op.type === 'financeReceivable') {
      const id = hexOf(op.receivableId);
      expect(r.financed.has(id), `receivable ${id} financed twice`).toBe(false);
      const row = receivables[id] as ModelReceivable;
      r.financed.set(id, { commitment: row.invoiceCommitment, amount: row.amount });
    }
    if (op.type === 'setFrozen' && op.target === 'account') frozenToggled.add(hexOf(op.id));
  });
  const financedByInvoice = new Map<Hex, number>();
  for (const { commitment, amount } of r.financed.values()) {
    financedByInvoice.set(commitment, (financedByInvoice.get(commitment) ?? 0) + amount);
  }
  for (const [commitment, row] of Object.entries(plainInvoices(ledger, financedByInvoice.keys()))) {
    const invoice = row as ModelInvoice;
    expect(invoice.financedAmount).toBe(financedByInvoice.get(commitment));
    expect(invoice.financedAmount).toBeLessThanOrEqual((receivables[invoice.rootId] as ModelReceivable).faceAmount);
  }

  // Nothing leaves an account that stayed frozen through the block.
  for (const [id, account] of Object.entries(accounts)) {
    const previous = before.accounts[id];
    if (previous?.frozen && account.frozen && !frozenToggled.has(id)) {
      expect(account.balance, `frozen account ${id} paid out`).toBeGreaterThanOrEqual(previous.balance);
    }
  }

  // Each sender's nonce rises by exactly one per consumed transaction, in block order.
  const consumed = new Map<Hex, number>();
  block.forEach((pending, i) => {
    const reason = reasonName(codes[i] as number) as ReasonName;
    if (nonceKeepingReasons.has(reason)) return;
    const sender = hexOf(pending.tx.sender);
    const count = (consumed.get(sender) ?? 0) + 1;
    consumed.set(sender, count);
    expect(pending.tx.nonce).toBe((before.accounts[sender]?.nonce ?? 0) + count);
  });
  for (const [id, account] of Object.entries(accounts)) {
    expect(account.nonce).toBe((before.accounts[id]?.nonce ?? 0) + (consumed.get(id) ?? 0));
  }
}

const commandArb: fc.Arbitrary<fc.AsyncCommand<ModelState, RealSystem>> = fc.oneof(
  { weight: 10, arbitrary: txIntentArb.map((intent) => new TxCommand(intent)) },
  {
    weight: 3,
    arbitrary: fc
      .oneof({ weight: 4, arbitrary: fc.constant('commit' as const) }, fc.constant('discard' as const))
      .map((outcome) => new SealCommand(outcome)),
  },
  { weight: 2, arbitrary: fc.constantFrom(0, 1, 1_000, 10_000, 40_000).map((ms) => new ClockCommand(ms)) },
);

let runsReached = 0;

describe('Ledger against the plain model', () => {
  it('gives the model’s reason for every transaction and keeps the invariants after every block', async () => {
    const genesisBlockHash = genesisHash(encodeGenesis(genesis));
    await fc.assert(
      fc.asyncProperty(fc.commands([commandArb], { maxCommands: 100, size: 'max' }), async (commands) => {
        const model: ModelState = {
          committed: LedgerModel.fromMembers(members),
          tentative: undefined,
          pending: [],
          clockMs: genesisTimeMs,
        };
        runsReached++;
        const real: RealSystem = {
          ledger: Ledger.fromGenesis(genesis),
          replica: Ledger.fromGenesis(genesis),
          previousHash: genesisBlockHash,
          financed: new Map(),
        };
        expectLedgerEqualsModel(real.ledger, model.committed);
        await fc.asyncModelRun(() => ({ model, real }), commands);
        if (model.pending.length > 0) await new SealCommand('commit').run(model, real);
      }),
      fuzzParams(1),
    );
    // Across the runs, every operation type took effect and every reason the model can reach
    // in a few dozen transactions occurred (tooManyParts needs 64 splits of one receivable and
    // amountOverflow cannot happen: test/ledger/ledger.test.ts covers both). Gated on the runs
    // actually made: a time budget (FUZZ_SECONDS) may stop the property before fuzzRuns.
    if (runsReached >= 100) {
      expect([...appliedTypes].sort()).toEqual(Object.keys(modelOperationRoles).sort());
      const reachable = (Object.keys(reasonCodes) as ReasonName[]).filter(
        (name) => name !== 'tooManyParts' && name !== 'amountOverflow',
      );
      expect([...seenReasons].sort()).toEqual(reachable.sort());
    }
  });
});
