import kinesaliteDb from 'kinesalite/db';

// kinesalite converts every sequence number between decimal and hexadecimal with bignumber.js, once per record put
// and once per record read, and hashes every partition key into a bignumber: in a load of the full data set that was
// about a third of kinesalite's CPU. These are the same conversions with the native BigInt, installed over
// kinesalite's own (its actions call them through the exports of its db module). Anything the fast path does not
// cover exactly (a number that is not plain decimal, a hexadecimal that is not well formed) goes to the original,
// and a test compares both on every sequence-number version kinesalite reads and writes.

/** kinesalite's parsed sequence number (db/index.js parseSequence). */
export interface KinesaliteSequence {
  shardCreateTime: number;
  seqIx?: string | number;
  byte1?: string;
  seqTime?: number;
  seqRand?: string;
  shardIx: number;
  version: number | null;
}

/** The functions of kinesalite's db module this replaces. */
export interface KinesaliteSequenceCodec {
  parseSequence(sequenceNumber: string): KinesaliteSequence;
  stringifySequence(sequence: Partial<KinesaliteSequence>): string;
  partitionKeyToHashKey(partitionKey: string): unknown;
}

const POW_2_124 = 2n ** 124n;
const POW_2_129 = 2n ** 125n * 16n;
const POW_2_185 = 2n ** 185n;
const POW_2_185_AND_A_HALF = POW_2_185 + POW_2_185 / 2n;
const PLAIN_DECIMAL = /^\d+$/;
const PLAIN_HEX = /^[0-9a-f]+$/;
// Partition keys hashed once each: a load has as many as it has invoices, far fewer than records.
const MAX_CACHED_HASH_KEYS = 100_000;

/** BigInt versions of `original`'s sequence-number functions, falling back to `original` outside their exact cover. */
export function fastKinesaliteSequenceCodec(original: KinesaliteSequenceCodec): KinesaliteSequenceCodec {
  const hashKeys = new Map<string, unknown>();
  return {
    parseSequence(sequenceNumber) {
      if (typeof sequenceNumber !== 'string' || !PLAIN_DECIMAL.test(sequenceNumber)) return original.parseSequence(sequenceNumber);
      return parseDecimalSequence(sequenceNumber);
    },
    stringifySequence(sequence) {
      const hex = sequenceHex(sequence);
      return hex !== undefined && PLAIN_HEX.test(hex) ? BigInt(`0x${hex}`).toString() : original.stringifySequence(sequence);
    },
    partitionKeyToHashKey(partitionKey) {
      let hashKey = hashKeys.get(partitionKey);
      if (hashKey === undefined) {
        if (hashKeys.size >= MAX_CACHED_HASH_KEYS) hashKeys.clear();
        hashKey = original.partitionKeyToHashKey(partitionKey);
        hashKeys.set(partitionKey, hashKey);
      }
      return hashKey;
    },
  };
}

let installed = false;

/** Puts the fast codec in place of kinesalite's, once per process; call before kinesalite serves a request. */
export function installFastKinesaliteSequenceCodec(): void {
  if (installed) return;
  installed = true;
  const db = kinesaliteDb as unknown as KinesaliteSequenceCodec;
  const fast = fastKinesaliteSequenceCodec({
    parseSequence: db.parseSequence,
    stringifySequence: db.stringifySequence,
    partitionKeyToHashKey: db.partitionKeyToHashKey,
  });
  Object.assign(db, fast);
}

function parseDecimalSequence(sequenceNumber: string): KinesaliteSequence {
  let value = BigInt(sequenceNumber);
  if (value < POW_2_124) value += POW_2_124;
  const hex = value.toString(16);
  const version = value < POW_2_129 ? 0 : value > POW_2_185 && value < POW_2_185_AND_A_HALF ? parseInt(hex.slice(hex.length - 1), 16) : null;
  if (version === 2) {
    const seqIxHex = hex.slice(11, 27);
    let shardIxHex = hex.slice(38, 46);
    if (parseInt(seqIxHex[0] ?? '', 16) > 7) throw new Error('Sequence index too high');
    if (parseInt(shardIxHex[0] ?? '', 16) > 7) shardIxHex = '-' + shardIxHex;
    const shardCreateSecs = parseInt(hex.slice(1, 10), 16);
    if (shardCreateSecs >= 16025175000) throw new Error('Date too large: ' + shardCreateSecs);
    return {
      shardCreateTime: shardCreateSecs * 1000,
      seqIx: BigInt(`0x${seqIxHex}`).toString(),
      byte1: hex.slice(27, 29),
      seqTime: parseInt(hex.slice(29, 38), 16) * 1000,
      shardIx: parseInt(shardIxHex, 16),
      version,
    };
  }
  if (version === 1) {
    return {
      shardCreateTime: parseInt(hex.slice(1, 10), 16) * 1000,
      byte1: hex.slice(11, 13),
      seqTime: parseInt(hex.slice(13, 22), 16) * 1000,
      seqRand: hex.slice(22, 36),
      seqIx: parseInt(hex.slice(36, 38), 16),
      shardIx: parseInt(hex.slice(38, 46), 16),
      version,
    };
  }
  if (version === 0) {
    const shardCreateSecs = parseInt(hex.slice(1, 10), 16);
    if (shardCreateSecs >= 16025175000) throw new Error('Date too large: ' + shardCreateSecs);
    return {
      shardCreateTime: shardCreateSecs * 1000,
      byte1: hex.slice(10, 12),
      seqRand: hex.slice(12, 28),
      shardIx: parseInt(hex.slice(28, 32), 16),
      version,
    };
  }
  throw new Error('Unknown version: ' + String(version));
}

/**
 * The hexadecimal digits kinesalite's stringifySequence builds for a version 2 sequence number (the only version it
 * writes), or undefined where the original must decide.
 */
function sequenceHex(sequence: Partial<KinesaliteSequence>): string | undefined {
  if (sequence.version != null && sequence.version !== 2) return undefined;
  const seqIx = sequence.seqIx || 0;
  if (typeof seqIx === 'number' ? !Number.isSafeInteger(seqIx) || seqIx < 0 : !PLAIN_DECIMAL.test(seqIx)) return undefined;
  // undefined times give NaN, hence "NaN" digits, hence the original, as in kinesalite.
  const createSecs = Math.floor((sequence.shardCreateTime ?? NaN) / 1000);
  const timeSecs = Math.floor((sequence.seqTime || sequence.shardCreateTime || NaN) / 1000);
  return [
    '2',
    ('00000000' + createSecs.toString(16)).slice(-9),
    (sequence.shardIx || 0).toString(16).slice(-1),
    ('0000000000000000' + BigInt(seqIx).toString(16)).slice(-16),
    sequence.byte1 || '00',
    ('00000000' + timeSecs.toString(16)).slice(-9),
    shardIxToHex(sequence.shardIx),
    '2',
  ].join('');
}

function shardIxToHex(shardIx: number | undefined): string {
  return ('0000000' + (shardIx || 0).toString(16)).slice(-8);
}
