/**
 * A synthetic consortium for tools, tests and benchmarks: deterministic members from a seed
 * (a regulator, two banks, three suppliers, two core-enterprise buyers, a logistics firm) and
 * an endless stream of valid, signed supply-chain-finance transactions of every type.
 *
 * The stream runs receivable life cycles — issue, attest the shipment, accept, split a part
 * to a tier-2 supplier, finance both parts by the two banks, repay at maturity — and keeps the
 * money circulating (banks lend buyers what they repay), with a registration, a freeze and
 * an unfreeze every so often. It tracks each member's nonce itself and assumes every
 * transaction it produced was applied in order, so a block of its transactions applies
 * without refusals. `resume` reads the nonces back from a ledger (a store reopened later).
 */
import { createHash } from 'node:crypto';
import { compareKeys } from '../codec/certificate.js';
import { encodeGenesis, type Genesis, type GenesisMember } from '../codec/genesis.js';
import type { Operation, Role } from '../codec/operation.js';
import { encodeTransaction, signTransaction } from '../codec/transaction.js';
import { ed25519PublicKeyFromSecret } from '../crypto/ed25519.js';
import { sha256 } from '../crypto/sha256.js';
import { Prng } from '../prng.js';

/** A member with its secret key (synthetic: derived from the seed, never for real use). */
export interface SyntheticMember extends GenesisMember {
  /** The member's 32-byte Ed25519 secret seed, derived from the consortium's seed. */
  readonly secretKey: Uint8Array;
}

/** A ledger's view the stream needs to resume: each account's last nonce. */
export interface NonceSource {
  /** The account of `publicKey`, if registered (a `Ledger` is one). */
  account(publicKey: Uint8Array):
    | {
        /** The nonce of the account's last accepted transaction (0 before the first). */
        readonly nonce: number;
      }
    | undefined;
}

const openingBalance = 1_000_000_000_000;
const layout: readonly [Role, string, boolean][] = [
  ['regulator', 'Regulator', true],
  ['bank', 'Bank A', true],
  ['bank', 'Bank B', false],
  ['supplier', 'Supplier 1', true],
  ['supplier', 'Supplier 2', false],
  ['supplier', 'Supplier 3', false],
  ['buyer', 'Core Enterprise 1', false],
  ['buyer', 'Core Enterprise 2', false],
  ['logistics', 'Logistics', true],
];

/** The secret key a synthetic member or registrant gets: SHA-256 of a label, the seed and an index. */
export function syntheticSecretKey(seed: number, label: string, index: number): Uint8Array {
  return new Uint8Array(createHash('sha256').update(`consortium-ledger/synthetic/${label}/${seed}/${index}`).digest());
}

type Step = () => { member: SyntheticMember; op: Operation };

/** A seeded synthetic consortium and its transaction stream. */
export class SyntheticConsortium {
  /** The seed every key and every generated transaction derives from (same seed, same stream). */
  readonly seed: number;
  /** The consortium's genesis: its members' public parts, chain id and start time. */
  readonly genesis: Genesis;
  /** Members in genesis order (ascending public key). */
  readonly members: readonly SyntheticMember[];
  readonly #nonces = new Map<SyntheticMember, number>();
  readonly #prng: Prng;
  readonly #queue: Step[] = [];
  #cycle = 0;

  constructor(seed: number, chainId = 'synthetic', timestampMs = 1_700_000_000_000) {
    this.seed = seed;
    this.#prng = new Prng(seed);
    const members = layout.map(([role, name, validator], index): SyntheticMember => {
      const secretKey = syntheticSecretKey(seed, 'member', index);
      return {
        role,
        name,
        validator,
        balance: openingBalance,
        secretKey,
        publicKey: ed25519PublicKeyFromSecret(secretKey),
      };
    });
    members.sort((a, b) => compareKeys(a.publicKey, b.publicKey));
    this.members = members;
    this.genesis = {
      chainId,
      timestampMs,
      members: members.map(({ role, name, publicKey, balance, validator }) => ({
        role,
        name,
        publicKey,
        balance,
        validator,
      })),
    };
    for (const member of members) this.#nonces.set(member, 0);
  }

  /** The canonical genesis bytes. */
  async genesisBytes(): Promise<Uint8Array> {
    return encodeGenesis(this.genesis);
  }

  /** The members of a role, in genesis order. */
  byRole(role: Role): SyntheticMember[] {
    return this.members.filter((member) => member.role === role);
  }

  /** Members that run validating replicas. */
  get validators(): SyntheticMember[] {
    return this.members.filter((member) => member.validator);
  }

  /** Continues from a ledger's state: every member's nonce as the ledger has it; cycles start afresh. */
  resume(ledger: NonceSource): void {
    for (const member of this.members) this.#nonces.set(member, ledger.account(member.publicKey)?.nonce ?? 0);
    this.#queue.length = 0;
  }

  /** The next `count` transactions, signed, as canonical bytes. */
  nextTransactions(count: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    while (out.length < count) {
      if (this.#queue.length === 0) this.#planCycle();
      const { member, op } = (this.#queue.shift() as Step)();
      const nonce = (this.#nonces.get(member) as number) + 1;
      this.#nonces.set(member, nonce);
      const tx = signTransaction(
        { chainId: this.genesis.chainId, sender: member.publicKey, nonce, op },
        member.secretKey,
      );
      out.push(encodeTransaction(tx));
      if (op.type === 'issueReceivable' || op.type === 'splitReceivable')
        this.#lastIds.push(sha256(out[out.length - 1] as Uint8Array));
    }
    return out;
  }

  /** Ids of the receivables created by the transactions produced so far in the current cycle. */
  readonly #lastIds: Uint8Array[] = [];

  #pick(role: Role): SyntheticMember {
    const candidates = this.byRole(role);
    return candidates[this.#prng.below(candidates.length)] as SyntheticMember;
  }

  #planCycle(): void {
    const cycle = this.#cycle++;
    const regulator = this.#pick('regulator');
    const [bankA, bankB] = this.byRole('bank') as [SyntheticMember, SyntheticMember];
    const suppliers = this.byRole('supplier');
    const supplier = suppliers[cycle % suppliers.length] as SyntheticMember;
    const tier2 = suppliers[(cycle + 1) % suppliers.length] as SyntheticMember;
    const buyer = this.#pick('buyer');
    const logistics = this.#pick('logistics');
    const amount = this.#prng.between(1_000, 100_000);
    const part = this.#prng.between(1, amount - 1);
    // The supplier's next nonce makes the commitment unique for ever, across resumed runs too.
    const issueNonce = (this.#nonces.get(supplier) as number) + 1;
    const commitment = sha256(
      new TextEncoder().encode(`invoice/${this.seed}/${Buffer.from(supplier.publicKey).toString('hex')}/${issueNonce}`),
    );
    this.#lastIds.length = 0;
    const root = (): Uint8Array => this.#lastIds[0] as Uint8Array;
    const split = (): Uint8Array => this.#lastIds[1] as Uint8Array;
    this.#queue.push(
      () => ({
        member: supplier,
        op: {
          type: 'issueReceivable',
          buyer: buyer.publicKey,
          amount,
          dueTimeMs: this.genesis.timestampMs,
          invoiceCommitment: commitment,
        },
      }),
      () => ({
        member: logistics,
        op: {
          type: 'attestShipment',
          receivableId: root(),
          shipmentId: `SHP-${this.seed}-${cycle}`,
          sensorRecordHash: sha256(this.#prng.bytes(16)),
          shippedTimeMs: this.genesis.timestampMs + cycle,
        },
      }),
      () => ({ member: buyer, op: { type: 'acceptReceivable', receivableId: root() } }),
      () => ({
        member: supplier,
        op: { type: 'splitReceivable', receivableId: root(), to: tier2.publicKey, amount: part },
      }),
      () => ({
        member: bankA,
        op: { type: 'financeReceivable', receivableId: root(), price: Math.ceil((amount - part) * 0.97) },
      }),
      () => ({
        member: bankB,
        op: { type: 'financeReceivable', receivableId: split(), price: Math.ceil(part * 0.97) },
      }),
      () => ({ member: bankA, op: { type: 'transfer', to: buyer.publicKey, amount } }),
      () => ({ member: buyer, op: { type: 'repayReceivable', receivableId: root() } }),
    );
    if (cycle % 16 === 15) {
      const secretKey = syntheticSecretKey(this.seed, 'registrant', (this.#nonces.get(regulator) as number) + 1);
      const publicKey = ed25519PublicKeyFromSecret(secretKey);
      this.#queue.push(
        () => ({
          member: regulator,
          op: { type: 'register', role: 'supplier', name: `Supplier r${cycle}`, publicKey },
        }),
        () => ({ member: regulator, op: { type: 'setFrozen', target: 'account', id: publicKey, frozen: true } }),
        () => ({ member: regulator, op: { type: 'setFrozen', target: 'account', id: publicKey, frozen: false } }),
      );
    }
  }
}
