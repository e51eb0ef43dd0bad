/**
 * A simulated consortium: one validator node per member, with roles in a fixed rotation
 * (the first node is the regulator; then bank, supplier, logistics, bank, supplier, …), and
 * for every supplier node a core-enterprise buyer (a member without a replica, whose key the
 * supplier's node holds so that the buyer's accepts and repayments can be simulated). Keys
 * derive from the seed; banks and buyers open with enough settlement tokens to finance and
 * repay for the whole run.
 */
import { createHash } from 'node:crypto';
import { compareKeys } from '../src/codec/certificate.js';
import type { Genesis } from '../src/codec/genesis.js';
import type { Role } from '../src/codec/operation.js';
import { ed25519PublicKeyFromSecret } from '../src/crypto/ed25519.js';

/** A member's identity. */
export interface SimIdentity {
  readonly role: Role;
  readonly name: string;
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

/** One node of the consortium: its validator identity and, for a supplier, its buyer. */
export interface SimMember {
  /** Node index, 0 … n − 1 (primaries rotate over the validators' keys in ascending order, not over this index). */
  readonly index: number;
  readonly identity: SimIdentity;
  /** A supplier node's core-enterprise buyer. */
  readonly buyer?: SimIdentity;
}

/** The consortium of a run. */
export interface SimConsortium {
  readonly genesis: Genesis;
  readonly members: readonly SimMember[];
}

const rotation: readonly Role[] = ['bank', 'supplier', 'logistics'];
const openingBalance = 1_000_000_000_000;

/** The role of node `index` in a consortium. */
export function roleOf(index: number): Role {
  return index === 0 ? 'regulator' : (rotation[(index - 1) % rotation.length] as Role);
}

function identity(seed: number, label: string, role: Role, name: string): SimIdentity {
  const secretKey = new Uint8Array(createHash('sha256').update(`consortium-ledger/sim/${seed}/${label}`).digest());
  return { role, name, publicKey: ed25519PublicKeyFromSecret(secretKey), secretKey };
}

/** The consortium of `nodes` nodes for `seed`, on chain `chainId`. */
export function simConsortium(seed: number, nodes: number, chainId = 'sim'): SimConsortium {
  const members: SimMember[] = [];
  const counts = new Map<Role, number>();
  for (let index = 0; index < nodes; index++) {
    const role = roleOf(index);
    const count = (counts.get(role) ?? 0) + 1;
    counts.set(role, count);
    const name = `${role[0]?.toUpperCase()}${role.slice(1)} ${count}`;
    const member: SimMember = {
      index,
      identity: identity(seed, `node-${index}`, role, name),
      ...(role === 'supplier' ? { buyer: identity(seed, `buyer-${index}`, 'buyer', `Core Enterprise ${count}`) } : {}),
    };
    members.push(member);
  }
  const genesisMembers = members
    .flatMap((member) => [
      { identity: member.identity, validator: true },
      ...(member.buyer === undefined ? [] : [{ identity: member.buyer, validator: false }]),
    ])
    .map(({ identity: who, validator }) => ({
      role: who.role,
      name: who.name,
      publicKey: who.publicKey,
      balance: who.role === 'bank' || who.role === 'buyer' ? openingBalance : 1_000_000,
      validator,
    }))
    .sort((a, b) => compareKeys(a.publicKey, b.publicKey));
  return { genesis: { chainId, timestampMs: 1_700_000_000_000, members: genesisMembers }, members };
}
