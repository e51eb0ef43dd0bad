/**
 * The run's checkers, fed every commit as it happens:
 * - agreement: no two honest nodes commit different blocks at one height;
 * - equal state roots at equal heights;
 * - no gaps: each node commits heights in order, one at a time;
 * - validity: every committed transaction was submitted by the workload;
 * - frauds refused: every fraud attempt that commits is refused (not applied) at every honest
 *   node, and, whatever the workload labelled, no receivable is financed twice;
 * and, at the end, the ledger's invariants on every honest node: supply is conserved and a
 * receivable's parts sum to its face amount.
 */
import { toHex } from '../src/bytes.js';
import { reasonCodes } from '../src/codec/receipt.js';
import type { Ledger } from '../src/ledger/ledger.js';
import type { CommitRecord } from './node.js';
import type { WorkloadTx } from './workload.js';

/**
 * What the checkers read of a node's ledger: a `Ledger`, or a fabricated one in the tests that
 * show each check can fail (test/sim/checkers.test.ts).
 */
export type CheckedLedger = Pick<Ledger, 'account' | 'accounts' | 'receivables' | 'receivable'>;

/** Safety checks over the commits of honest nodes. */
export class Checkers {
  readonly violations: string[] = [];
  readonly #honest: ReadonlySet<number>;
  readonly #submitted: ReadonlyMap<string, WorkloadTx>;
  readonly #hashes = new Map<number, string>();
  readonly #roots = new Map<number, string>();
  readonly #heights = new Map<number, number>();
  /** Per node: receivables financed in its committed history (id hex → height). */
  readonly #financed = new Map<number, Map<string, number>>();
  /** Fraud attempts refused at each honest node that committed them. */
  fraudsRefused = 0;

  constructor(honest: ReadonlySet<number>, submitted: ReadonlyMap<string, WorkloadTx>) {
    this.#honest = honest;
    this.#submitted = submitted;
  }

  /** Checks one commit; `ledger` is the node's ledger right after it. */
  commit(record: CommitRecord, ledger: CheckedLedger): void {
    if (!this.#honest.has(record.node)) return;
    const previous = this.#heights.get(record.node) ?? 0;
    if (record.height !== previous + 1)
      this.#fail(`node ${record.node} committed height ${record.height} after ${previous}`);
    this.#heights.set(record.node, record.height);
    const hash = toHex(record.hash);
    const seen = this.#hashes.get(record.height);
    if (seen === undefined) this.#hashes.set(record.height, hash);
    else if (seen !== hash)
      this.#fail(
        `agreement: node ${record.node} committed ${hash} at height ${record.height}, another honest node ${seen}`,
      );
    const root = toHex(record.stateRoot);
    const seenRoot = this.#roots.get(record.height);
    if (seenRoot === undefined) this.#roots.set(record.height, root);
    else if (seenRoot !== root) this.#fail(`state roots differ at height ${record.height} (node ${record.node})`);
    this.#checkFinancing(record);
    record.txIds.forEach((id, i) => {
      const idHex = toHex(id);
      const tx = this.#submitted.get(idHex);
      if (tx === undefined) {
        this.#fail(
          `validity: node ${record.node} committed ${idHex} at height ${record.height}, which nobody submitted`,
        );
      } else if (tx.fraud !== undefined) {
        if (record.receipts[i]?.code !== reasonCodes.ok) this.fraudsRefused++;
        else if (this.#fraudSucceeded(tx, record, i, ledger)) {
          this.#fail(`fraud applied: ${tx.fraud} ${idHex} at height ${record.height} on node ${record.node}`);
        }
      }
    });
  }

  /**
   * No receivable is financed twice: every financing applied at a node is remembered with its
   * height, and a second one of the same receivable is a violation, labelled fraud or not.
   */
  #checkFinancing(record: CommitRecord): void {
    let financed = this.#financed.get(record.node);
    if (financed === undefined) {
      financed = new Map();
      this.#financed.set(record.node, financed);
    }
    record.txs.forEach((tx, i) => {
      if (tx.op.type !== 'financeReceivable' || record.receipts[i]?.code !== reasonCodes.ok) return;
      const id = toHex(tx.op.receivableId);
      const earlier = financed.get(id);
      if (earlier !== undefined) {
        this.#fail(
          `double financing: receivable ${id} financed at height ${earlier} and again at ${record.height} on node ${record.node}`,
        );
      }
      financed.set(id, record.height);
    });
  }

  /**
   * Whether an applied fraud attempt really broke a rule. The attempt was labelled from the
   * submitter's view of the state, which may have changed before it executed — and that view
   * includes the node's tentative block, which may never commit. Double financing is judged by
   * `#checkFinancing` on what committed (a "double" financing whose first financing was in a
   * block that was discarded is the first). A frozen account may have been unfrozen meanwhile,
   * so a transfer out of an account counts only if the account is frozen after the block and
   * the block did not freeze or unfreeze it.
   */
  #fraudSucceeded(tx: WorkloadTx, record: CommitRecord, index: number, ledger: CheckedLedger): boolean {
    if (tx.fraud === 'double-financing') return false;
    const sender = record.txs[index]?.sender;
    if (sender === undefined || ledger.account(sender)?.frozen !== true) return false;
    return !record.txs.some(
      (other) => other.op.type === 'setFrozen' && other.op.target === 'account' && toHex(other.op.id) === toHex(sender),
    );
  }

  /** The ledger's invariants on an honest node's ledger. */
  invariants(node: number, ledger: CheckedLedger, supply: number): void {
    let total = 0;
    for (const [, account] of ledger.accounts()) total += account.balance;
    if (total !== supply) this.#fail(`supply: node ${node} holds ${total}, the genesis issued ${supply}`);
    for (const [, receivable] of ledger.receivables()) {
      if (receivable.parts.length === 0) continue;
      let sum = receivable.amount;
      for (const part of receivable.parts) sum += ledger.receivable(part)?.amount ?? 0;
      if (sum !== receivable.faceAmount)
        this.#fail(`node ${node}: a receivable's parts sum to ${sum}, its face is ${receivable.faceAmount}`);
    }
  }

  #fail(description: string): void {
    if (this.violations.length < 100) this.violations.push(description);
  }
}
