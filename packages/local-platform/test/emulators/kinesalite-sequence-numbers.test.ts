import fc from 'fast-check';
import kinesaliteDb from 'kinesalite/db';
import { fastKinesaliteSequenceCodec, type KinesaliteSequence, type KinesaliteSequenceCodec } from '../../src/emulators/kinesalite-sequence-numbers';

// kinesalite's own functions, taken before anything could replace them (each test file has its own modules).
const original = { ...(kinesaliteDb as unknown as KinesaliteSequenceCodec) };
const fast = fastKinesaliteSequenceCodec(original);

/** The outcome of a call: its value, or the message it threw. */
function outcome<T>(call: () => T): { value: T } | { error: string } {
  try {
    return { value: call() };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

const SECONDS_2015 = 1_420_070_400;
const SECONDS_2100 = 4_102_444_800;
const sequenceObjects = fc.record({
  shardCreateTime: fc.integer({ min: SECONDS_2015, max: SECONDS_2100 }).map((seconds) => seconds * 1000),
  shardIx: fc.integer({ min: 0, max: 2_000 }),
  seqIx: fc.oneof(fc.integer({ min: 0, max: 1_000_000 }), fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }).map(String)),
  seqTime: fc.option(fc.integer({ min: SECONDS_2015 * 1000, max: SECONDS_2100 * 1000 }), { nil: undefined }),
  byte1: fc.option(fc.constantFrom('00', '01', 'ff'), { nil: undefined }),
});

describe('kinesalite sequence numbers with BigInt', () => {
  it('writes the sequence numbers kinesalite writes', () => {
    fc.assert(
      fc.property(sequenceObjects, (sequence) => {
        expect(fast.stringifySequence(sequence)).toBe(original.stringifySequence(sequence));
      }),
      { numRuns: 2_000 },
    );
  });

  it('reads every sequence number kinesalite writes as kinesalite reads it', () => {
    fc.assert(
      fc.property(sequenceObjects, (sequence) => {
        const sequenceNumber = original.stringifySequence(sequence);
        expect(fast.parseSequence(sequenceNumber)).toEqual(original.parseSequence(sequenceNumber));
      }),
      { numRuns: 2_000 },
    );
  });

  it('reads version 0 and 1 sequence numbers, small numbers and the shard start as kinesalite does', () => {
    const versioned = fc.tuple(sequenceObjects, fc.constantFrom(0, 1), fc.stringMatching(/^[0-9a-f]{14,16}$/)).map(
      ([sequence, version, seqRand]) => original.stringifySequence({ ...sequence, version, seqRand, seqIx: 7 } as Partial<KinesaliteSequence>),
    );
    const decimals = fc.oneof(versioned, fc.bigInt({ min: 0n, max: 2n ** 200n }).map(String), fc.constantFrom('0', '1', '49590338271490256608559692538361571095921575989136588898'));
    fc.assert(
      fc.property(decimals, (sequenceNumber) => {
        expect(outcome(() => fast.parseSequence(sequenceNumber))).toEqual(outcome(() => original.parseSequence(sequenceNumber)));
      }),
      { numRuns: 3_000 },
    );
  });

  it('fails where kinesalite fails: sequence index too high, date too large, unknown version', () => {
    // Version 2, 47 hex digits: the index is digits 11-26, so its first digit is 35 digits from the right.
    const tooHighIndex = (2n ** 185n + (0x8n << 140n) + 2n).toString();
    const tooLate = original.stringifySequence({ shardCreateTime: 16_025_175_000 * 1000, shardIx: 0 });
    for (const sequenceNumber of [tooHighIndex, tooLate, (2n ** 190n).toString()]) {
      const expected = outcome(() => original.parseSequence(sequenceNumber));
      expect(expected).toHaveProperty('error');
      expect(outcome(() => fast.parseSequence(sequenceNumber))).toEqual(expected);
    }
  });

  it('leaves what is not plain decimal or a version 2 sequence to kinesalite', () => {
    for (const odd of ['abc', '1e30', ' 12', '-5']) {
      expect(outcome(() => fast.parseSequence(odd))).toEqual(outcome(() => original.parseSequence(odd)));
    }
    const noCreateTime = { shardIx: 0 } as Partial<KinesaliteSequence>;
    const fractionalIndex = { shardCreateTime: SECONDS_2015 * 1000, shardIx: 3, seqIx: 1.5 };
    const versionOne = { shardCreateTime: SECONDS_2015 * 1000, shardIx: 3, seqIx: '10', version: 1 };
    for (const sequence of [noCreateTime, fractionalIndex, versionOne]) {
      expect(outcome(() => fast.stringifySequence(sequence))).toEqual(outcome(() => original.stringifySequence(sequence)));
    }
  });

  it('hashes a partition key as kinesalite does, once', () => {
    const hashKey = fast.partitionKeyToHashKey('536365') as { comparedTo(other: unknown): number };
    expect(hashKey.comparedTo(original.partitionKeyToHashKey('536365'))).toBe(0);
    expect(fast.partitionKeyToHashKey('536365')).toBe(hashKey);
    expect((fast.partitionKeyToHashKey('C536379') as { comparedTo(other: unknown): number }).comparedTo(original.partitionKeyToHashKey('C536379'))).toBe(0);
  });
});
