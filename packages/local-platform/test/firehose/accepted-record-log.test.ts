import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  AcceptedRecordLog,
  recoverPendingRecords,
  type LoggedRecord,
  type PendingRecords,
} from '../../src/firehose/accepted-record-log';

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'accepted-record-log-'));
  file = path.join(dir, 'stream.accepted-records.ndjson');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const record = (id: string): LoggedRecord => ({
  id,
  arrivedAt: 1_700_000_000_000,
  data: Buffer.from(`{"id":"${id}"}`).toString('base64'),
});

/** What the log's owner holds in memory, kept as the owner would: records move from buffered to delivering to gone. */
class Pending {
  state: PendingRecords = { buffered: [], delivering: [] };
  isIdle = () => this.state.buffered.length === 0 && this.state.delivering.length === 0;
  snapshot = () => structuredClone(this.state);
}

describe('the accepted record log', () => {
  it('gives back, at the next open, what was accepted and not delivered, and the object being written with its key', async () => {
    const pending = new Pending();
    const { log } = await AcceptedRecordLog.open(file, pending);
    await log.accepted(
      [record('a'), record('b'), record('c'), record('d')],
      () => (pending.state.buffered = [record('a'), record('b'), record('c'), record('d')]),
    );
    await log.deliveryStarted('k1', ['a', 'b']);
    await log.deliveryFinished('k1', () => (pending.state.buffered = [record('c'), record('d')]));
    await log.deliveryStarted('k2', ['c']);
    // Killed here: k2 started, never finished.

    expect(recoverPendingRecords(await readFile(file, 'utf8'), file)).toEqual({
      buffered: [record('d')],
      delivering: [{ key: 'k2', records: [record('c')] }],
    });
    const reopened = await AcceptedRecordLog.open(file, new Pending());
    expect(reopened.recovered).toEqual({
      buffered: [record('d')],
      delivering: [{ key: 'k2', records: [record('c')] }],
    });
    await reopened.log.close();
    await log.close();
  });

  it('empties itself once a delivery leaves nothing pending', async () => {
    const pending = new Pending();
    const { log } = await AcceptedRecordLog.open(file, pending);
    await log.accepted([record('a')], () => (pending.state.buffered = [record('a')]));
    await log.deliveryStarted(
      'k1',
      ['a'],
      () => (pending.state = { buffered: [], delivering: [{ key: 'k1', records: [record('a')] }] }),
    );
    expect((await stat(file)).size).toBeGreaterThan(0);
    await log.deliveryFinished('k1', () => (pending.state.delivering = []));
    expect(await readFile(file, 'utf8')).toBe('');
    await log.close();
  });

  it('rewrites itself with just the pending records once it grows past its threshold', async () => {
    const pending = new Pending();
    const { log } = await AcceptedRecordLog.open(file, pending, 2_000);
    for (let i = 0; i < 40; i++) {
      const accepted = record(`r${i}`);
      await log.accepted([accepted], () => pending.state.buffered.push(accepted));
      // Deliver all but the last two, one object each: the log fills with lines about records long gone.
      if (i >= 2) {
        const done = pending.state.buffered.shift()!;
        await log.deliveryStarted(`k${i}`, [done.id]);
        await log.deliveryFinished(`k${i}`, () => undefined);
      }
    }
    expect((await stat(file)).size).toBeLessThan(2_000);
    expect(recoverPendingRecords(await readFile(file, 'utf8'), file)).toEqual({
      buffered: [record('r38'), record('r39')],
      delivering: [],
    });
    await log.close();
  });

  it('does not rewrite itself at every line while more is pending than its threshold', async () => {
    const pending = new Pending();
    let rewrites = 0;
    const counted = { isIdle: pending.isIdle, snapshot: () => (rewrites++, pending.snapshot()) };
    const { log } = await AcceptedRecordLog.open(file, counted, 2_000);
    // 200 records of about 80 bytes, none delivered: 16 KB pending, eight times the threshold.
    for (let i = 0; i < 200; i++) {
      const accepted = record(`r${i}`);
      await log.accepted([accepted], () => pending.state.buffered.push(accepted));
    }
    // One rewrite per 2,000 bytes of growth at most, not one per line past the first 2,000 bytes.
    expect(rewrites).toBeGreaterThan(0);
    expect(rewrites).toBeLessThanOrEqual(10);
    expect(recoverPendingRecords(await readFile(file, 'utf8'), file).buffered).toHaveLength(200);
    await log.close();
  });

  it('refuses a damaged line that is not the last, rather than lose what follows it', () => {
    expect(() => recoverPendingRecords('{"accepted":[]}\n{"acc\n{"delivered":"k"}\n', file)).toThrow(
      /line 2 is not JSON/,
    );
  });
});
