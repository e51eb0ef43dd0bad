/**
 * Every count in a consensus message is bounded by the bytes that follow it: a count claiming
 * more items than the rest of its message (or of its nested envelope) could hold is refused
 * with a DecodeError naming the count field, at the count's offset, before any item is read.
 * One byte fewer than the least the items need is refused; exactly that many passes the count
 * check (and any error then names a later field). Least bytes per item: a nested envelope 102
 * (u32 length + 98-byte header), a prepared certificate 104 (and its u16 prepareCount), a
 * request's transaction 4, a state-response entry 8 (the length prefixes).
 */
import { describe, expect, it } from 'vitest';
import { ByteWriter } from '../../src/bytes.js';
import { type ConsensusMessageKind, consensusKindCodes, decodeConsensusMessage } from '../../src/codec/consensus.js';
import { DecodeError } from '../../src/errors.js';

const chainId = 'counts-test';
const header = 98;

function envelope(kind: ConsensusMessageKind, body: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(header + body.length);
  bytes[0] = 1;
  bytes[1] = consensusKindCodes[kind];
  bytes.set(body, header);
  return bytes;
}

/** A PRE-PREPARE envelope with a 1-byte block (151 bytes). */
const prePrepare = envelope(
  'pre-prepare',
  new ByteWriter().u53(0).u53(1).fixed(new Uint8Array(32)).u32(1).u8(7).finish(),
);
/** A VIEW-CHANGE envelope with no proof and no prepared certificates (182 bytes). */
const viewChange = envelope(
  'view-change',
  new ByteWriter().u53(1).u53(0).fixed(new Uint8Array(64)).u16(0).u16(0).finish(),
);

interface CountCase {
  readonly field: string;
  readonly itemBytesMin: number;
  /** Bytes before the count, then the count; `rest` bytes of zeros follow. */
  readonly message: (count: number, rest: number) => Uint8Array;
  /** Offset of the count in the message. */
  readonly at: number;
}

const zeros = (length: number) => new Uint8Array(length);

const cases: readonly CountCase[] = [
  {
    field: 'request.count',
    itemBytesMin: 4,
    at: header,
    message: (count, rest) => envelope('request', new ByteWriter().u16(count).fixed(zeros(rest)).finish()),
  },
  {
    field: 'stateResponse.count',
    itemBytesMin: 8,
    at: header,
    message: (count, rest) => envelope('state-response', new ByteWriter().u16(count).fixed(zeros(rest)).finish()),
  },
  {
    field: 'viewChange.proofCount',
    itemBytesMin: 102,
    at: header + 80,
    message: (count, rest) =>
      envelope('view-change', new ByteWriter().u53(1).u53(0).fixed(zeros(64)).u16(count).fixed(zeros(rest)).finish()),
  },
  {
    field: 'viewChange.preparedCount',
    itemBytesMin: 104,
    at: header + 82,
    message: (count, rest) =>
      envelope(
        'view-change',
        new ByteWriter().u53(1).u53(0).fixed(zeros(64)).u16(0).u16(count).fixed(zeros(rest)).finish(),
      ),
  },
  {
    field: 'viewChange.prepared[0].prepareCount',
    itemBytesMin: 102,
    at: header + 84 + 4 + prePrepare.length,
    message: (count, rest) => {
      const w = new ByteWriter().u53(1).u53(0).fixed(zeros(64)).u16(0).u16(1);
      w.u32(prePrepare.length).fixed(prePrepare);
      return envelope('view-change', w.u16(count).fixed(zeros(rest)).finish());
    },
  },
  {
    field: 'newView.viewChangeCount',
    itemBytesMin: 102,
    at: header + 8,
    message: (count, rest) => envelope('new-view', new ByteWriter().u53(1).u16(count).fixed(zeros(rest)).finish()),
  },
  {
    field: 'newView.prePrepareCount',
    itemBytesMin: 102,
    at: header + 10 + 4 + viewChange.length,
    message: (count, rest) => {
      const w = new ByteWriter().u53(1).u16(1).u32(viewChange.length).fixed(viewChange);
      return envelope('new-view', w.u16(count).fixed(zeros(rest)).finish());
    },
  },
];

function decodeError(bytes: Uint8Array): DecodeError {
  try {
    decodeConsensusMessage(chainId, bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(DecodeError);
    return error as DecodeError;
  }
  throw new Error('expected a DecodeError, the message decoded');
}

describe('a count larger than the bytes after it', () => {
  for (const c of cases) {
    it(`${c.field}: one byte short of count × ${c.itemBytesMin} is refused at the count, exactly enough passes it`, () => {
      for (const count of [1, 2, 3]) {
        const short = decodeError(c.message(count, count * c.itemBytesMin - 1));
        expect([short.field, short.offset]).toEqual([c.field, c.at]);
        expect(short.message).toContain(`count ${count} needs at least ${count * c.itemBytesMin} bytes`);
        const enough = decodeError(c.message(count, count * c.itemBytesMin));
        expect(enough.field).not.toBe(c.field);
      }
    });
  }

  it('a count of 65,535 in a short message is refused at the count without reading any item', () => {
    const error = decodeError(envelope('new-view', new ByteWriter().u53(1).u16(0xffff).fixed(zeros(200)).finish()));
    // Over the limit (certificateSignaturesMax) is checked first; a count within it is checked against the bytes.
    expect(error.field).toBe('newView.viewChangeCount');
    const withinLimit = decodeError(envelope('new-view', new ByteWriter().u53(1).u16(200).fixed(zeros(200)).finish()));
    expect([withinLimit.field, withinLimit.message]).toEqual([
      'newView.viewChangeCount',
      'cannot decode newView.viewChangeCount at byte 106: count 200 needs at least 20400 bytes, 200 left',
    ]);
  });
});
