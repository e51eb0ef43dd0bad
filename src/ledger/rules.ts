/**
 * Who may sign what (roles are data, not code paths): the one table the ledger consults,
 * and the simulator's workloads and the documentation read. A participant's role is set at
 * registration (or in the genesis) and never changes.
 *
 * | operation          | roles      | further party rule (checked by the operation)          |
 * |--------------------|------------|--------------------------------------------------------|
 * | register           | regulator  | the key is new, decodes, and is not of small order      |
 * | transfer           | any        |                                                         |
 * | issueReceivable    | supplier   | the buyer is a registered buyer                         |
 * | acceptReceivable   | buyer      | the receivable's buyer                                  |
 * | attestShipment     | logistics  |                                                         |
 * | splitReceivable    | supplier   | the part's holder; the new holder is a supplier          |
 * | financeReceivable  | bank       | the holder's account is not frozen                       |
 * | repayReceivable    | buyer      | the receivable's buyer                                  |
 * | setFrozen          | regulator  | not its own account                                      |
 */
import type { OperationType, Role } from '../codec/operation.js';

/** The roles that may sign each operation. */
export const operationRoles: Readonly<Record<OperationType, readonly Role[]>> = {
  register: ['regulator'],
  transfer: ['regulator', 'bank', 'supplier', 'buyer', 'logistics'],
  issueReceivable: ['supplier'],
  acceptReceivable: ['buyer'],
  attestShipment: ['logistics'],
  splitReceivable: ['supplier'],
  financeReceivable: ['bank'],
  repayReceivable: ['buyer'],
  setFrozen: ['regulator'],
};

/** True iff a participant of `role` may sign an operation of `type`. */
export function rolePermits(role: Role, type: OperationType): boolean {
  return operationRoles[type].includes(role);
}
