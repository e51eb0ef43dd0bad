/**
 * The genesis: what a consortium agrees on before block 0 — its chain id, its members (role,
 * name, key, opening balance, whether it runs a validating replica) and a start time.
 * Block 0's `previousHash` is SHA-256 of these canonical bytes, so the whole chain is bound
 * to exactly one genesis.
 *
 * ```
 * u8  version      1
 * u8  chainIdLength, chainId
 * u53 timestampMs
 * u16 memberCount  1..genesisMembersMax
 * memberCount × ( u8 role | utf8 name (1..64) | publicKey[32] | u53 balance | u8 validator (0/1) )
 *                  strictly ascending by publicKey
 * ```
 */
import { ByteReader, ByteWriter, requireUtf8Text } from '../bytes.js';
import { sha256 } from '../crypto/sha256.js';
import { DecodeError } from '../errors.js';
import { amountMax, genesisMembersMax, participantNameBytesMax } from '../limits.js';
import { requireBytes, requireBytesOfLength, requireInteger } from '../validate.js';
import { compareKeys } from './certificate.js';
import { type Role, roleCodes, roles } from './operation.js';
import { codecVersion, readChainId, requireChainId, writeChainId } from './transaction.js';

/** One founding member of a consortium. */
export interface GenesisMember {
  /** What the member may do on the ledger (see {@link rolePermits}). */
  readonly role: Role;
  /** Display name, 1..64 bytes of UTF-8; recorded in its account, not used for identity. */
  readonly name: string;
  /** The member's 32-byte Ed25519 public key: its account id and its signing key. */
  readonly publicKey: Uint8Array;
  /** Opening settlement-token balance. */
  readonly balance: number;
  /** Whether the member runs a validating replica (counts toward PBFT quorums). */
  readonly validator: boolean;
}

/** A consortium's genesis. */
export interface Genesis {
  /** The chain's name, 1..32 characters of `[a-z0-9._-]`; every signature covers it, so none replays on another chain. */
  readonly chainId: string;
  /** The consortium's start time, ms since the Unix epoch (block 0's time). */
  readonly timestampMs: number;
  /** Strictly ascending by public key. */
  readonly members: readonly GenesisMember[];
}

/** Canonical genesis bytes. @throws TypeError/RangeError naming the field. */
export function encodeGenesis(genesis: Genesis): Uint8Array {
  const where = 'encodeGenesis';
  requireChainId(genesis.chainId, where);
  requireInteger(genesis.timestampMs, 'timestampMs', where, 0, Number.MAX_SAFE_INTEGER);
  const members = genesis.members;
  if (!Array.isArray(members)) throw new TypeError(`${where}: expected members to be an array`);
  if (members.length < 1 || members.length > genesisMembersMax) {
    throw new RangeError(`${where}: members must hold 1..${genesisMembersMax} entries`);
  }
  const writer = new ByteWriter(64 + members.length * 120);
  writer.u8(codecVersion);
  writeChainId(writer, genesis.chainId);
  writer.u53(genesis.timestampMs).u16(members.length);
  let supply = 0;
  for (let i = 0; i < members.length; i++) {
    const member = members[i] as GenesisMember;
    // Own keys only: `in` would also accept Object.prototype names such as 'toString'.
    if (!Object.hasOwn(roleCodes, member.role))
      throw new RangeError(`${where}: members[${i}].role must be one of ${roles.join(', ')}`);
    requireUtf8Text(member.name, `members[${i}].name`, where, participantNameBytesMax);
    requireBytesOfLength(member.publicKey, 32, `members[${i}].publicKey`, where);
    requireInteger(member.balance, `members[${i}].balance`, where, 0, amountMax);
    if (typeof member.validator !== 'boolean')
      throw new TypeError(`${where}: expected members[${i}].validator to be a boolean`);
    if (i > 0 && compareKeys((members[i - 1] as GenesisMember).publicKey, member.publicKey) >= 0) {
      throw new RangeError(
        `${where}: members[${i}].publicKey is not above members[${i - 1}].publicKey (sort by key, no duplicates)`,
      );
    }
    supply += member.balance;
    if (supply > amountMax) throw new RangeError(`${where}: opening balances sum past the amount limit ${amountMax}`);
    writer
      .u8(roleCodes[member.role])
      .utf8(member.name)
      .fixed(member.publicKey)
      .u53(member.balance)
      .bool(member.validator);
  }
  return writer.finish();
}

/** Decodes genesis bytes. @throws DecodeError naming the field and offset. */
export function decodeGenesis(bytes: Uint8Array): Genesis {
  requireBytes(bytes, 'bytes', 'decodeGenesis');
  const reader = new ByteReader(bytes);
  const version = reader.u8('genesis.version');
  if (version !== codecVersion) throw new DecodeError('genesis.version', 0, `unknown genesis version ${version}`);
  const chainId = readChainId(reader, 'genesis.chainId');
  const timestampMs = reader.u53('genesis.timestampMs');
  const countAt = reader.offset;
  const count = reader.u16('genesis.memberCount');
  if (count < 1 || count > genesisMembersMax) {
    throw new DecodeError('genesis.memberCount', countAt, `${count} outside [1, ${genesisMembersMax}]`);
  }
  const members: GenesisMember[] = [];
  let supply = 0;
  for (let i = 0; i < count; i++) {
    const field = `genesis.members[${i}]`;
    const roleAt = reader.offset;
    const roleCode = reader.u8(`${field}.role`);
    const role = roles[roleCode - 1];
    if (role === undefined) throw new DecodeError(`${field}.role`, roleAt, `unknown role code ${roleCode}`);
    const name = reader.utf8(1, participantNameBytesMax, `${field}.name`);
    const keyAt = reader.offset;
    const publicKey = reader.fixed(32, `${field}.publicKey`);
    if (i > 0 && compareKeys((members[i - 1] as GenesisMember).publicKey, publicKey) >= 0) {
      throw new DecodeError(`${field}.publicKey`, keyAt, 'members not strictly ascending by public key');
    }
    const balanceAt = reader.offset;
    const balance = reader.u53(`${field}.balance`, amountMax);
    supply += balance;
    if (supply > amountMax)
      throw new DecodeError(`${field}.balance`, balanceAt, `opening balances sum past ${amountMax}`);
    members.push({ role, name, publicKey, balance, validator: reader.bool(`${field}.validator`) });
  }
  reader.end('genesis');
  return { chainId, timestampMs, members };
}

/** SHA-256 of the canonical genesis bytes (block 0's `previousHash`). */
export function genesisHash(genesisBytes: Uint8Array): Uint8Array {
  return sha256(genesisBytes);
}
