/** RETENTION_DAYS: the key, a pass over a real store with a given clock, and the daily runner. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadConfig } from '../../src/config';
import type { Conversation } from '../../src/domain/conversation';
import type { Log } from '../../src/domain/log';
import { DAY_MS, runRetention, startRetention } from '../../src/pipeline/retention';
import type { RedactInput } from '../../src/storage/privacy/port';
import { openSqliteStore } from '../../src/storage/sqlite/store';
import type { Store } from '../../src/storage/store';
import { removeDir, startService, tempDir } from '../support/service';

const T0 = new Date('2026-03-01T09:00:00Z');
const day = (n: number) => new Date(T0.getTime() + n * DAY_MS);

const chat = (id: string): Conversation => ({
  source: 'olark',
  id,
  visitor: { name: `Visitor ${id}`, email: `${id}@example.org` },
  messages: [{ role: 'visitor', author: `Visitor ${id}`, body: `hello from ${id}`, at: T0 }],
  tags: [],
  groups: [],
  operators: [],
  offline: false,
});

const delivered = async (store: Store, id: string, at: Date) => {
  const { jobId } = await store.intake({ conversation: chat(id), now: at });
  assert.ok(jobId !== undefined);
  await store.claimJob(jobId, 'test', at, 60_000);
  await store.finishJob({ jobId, owner: 'test', now: at, result: { kind: 'done' } });
};

const recordingLog = () => {
  const lines: { level: string; obj: object; msg?: string }[] = [];
  const at =
    (level: string) =>
    (obj: object, msg?: string): void => {
      lines.push({ level, obj, ...(msg === undefined ? {} : { msg }) });
    };
  const log: Log = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => log };
  return { log, lines };
};

const until = async (condition: () => boolean) => {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(condition(), 'in time');
};

describe('RETENTION_DAYS', () => {
  it('is unset (keep everything) by default, a whole number of days from 1 when set', () => {
    const unset = loadConfig({});
    assert.ok(unset.ok);
    assert.equal(unset.config.retentionDays, undefined);
    const set = loadConfig({ RETENTION_DAYS: '30' });
    assert.ok(set.ok);
    assert.equal(set.config.retentionDays, 30);
    for (const bad of ['0', '-3', 'thirty', '1.5']) {
      const refused = loadConfig({ RETENTION_DAYS: bad });
      assert.ok(!refused.ok, bad);
      assert.match(refused.errors.join('\n'), /RETENTION_DAYS/);
    }
  });

  describe('a pass', () => {
    let store: Store;
    beforeEach(() => {
      store = openSqliteStore(':memory:');
    });
    afterEach(() => store.close());

    it('removes the transcripts of delivered conversations last updated more than that many days ago, in batches', async () => {
      for (const id of ['a', 'b', 'c']) await delivered(store, id, T0);
      await delivered(store, 'recent', day(20));
      const removed = await runRetention({ store, retentionDays: 30, log: recordingLog().log, now: () => day(31), batchSize: 2 });
      assert.equal(removed, 3);
      for (const id of ['a', 'b', 'c']) assert.deepEqual((await store.getConversation(`olark:${id}`))?.conversation.messages, []);
      assert.equal((await store.getConversation('olark:recent'))?.conversation.messages.length, 1);
      assert.equal(await runRetention({ store, retentionDays: 30, log: recordingLog().log, now: () => day(31) }), 0);
      assert.equal(
        await runRetention({ store, retentionDays: 30, log: recordingLog().log, now: () => day(51) }),
        1,
        'the recent one, 31 days on',
      );
    });
  });

  describe('in the service', () => {
    let dir: string;
    beforeEach(async () => {
      dir = tempDir('chat2crm-retention-');
      const store = openSqliteStore(join(dir, 'test.db'));
      await delivered(store, 'old', T0);
      await delivered(store, 'today', new Date());
      await store.close();
    });
    afterEach(() => removeDir(dir));

    it('removes old delivered transcripts as it starts when RETENTION_DAYS is set', async () => {
      const service = await startService({ RETENTION_DAYS: '1' }, dir);
      try {
        const messagesOf = async (id: string) => (await service.running.store.getConversation(`olark:${id}`))?.conversation.messages.length;
        for (let i = 0; i < 100 && (await messagesOf('old')) !== 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
        assert.equal(await messagesOf('old'), 0);
        assert.equal(await messagesOf('today'), 1);
      } finally {
        await service.stop();
      }
    });

    it('keeps every transcript when RETENTION_DAYS is unset', async () => {
      const service = await startService({}, dir);
      try {
        await new Promise((resolve) => setTimeout(resolve, 100));
        assert.equal((await service.running.store.getConversation('olark:old'))?.conversation.messages.length, 1);
      } finally {
        await service.stop();
      }
    });
  });

  describe('the daily runner', () => {
    it('runs at once and then every interval, logs how many (nothing personal), and waits for a pass to end on stop', async () => {
      const calls: RedactInput[] = [];
      const { log, lines } = recordingLog();
      const retention = startRetention({
        store: {
          async redactTranscripts(input) {
            calls.push(input);
            return calls.length === 1 ? 2 : 0;
          },
        },
        retentionDays: 7,
        log,
        now: () => day(10),
        batchSize: 2,
        intervalMs: 30,
      });
      await until(() => lines.length >= 2);
      await retention.stop();
      const passes = lines.length;
      assert.deepEqual(calls[0], { updatedBefore: day(3), now: day(10), limit: 2 });
      assert.equal(calls[1]?.limit, 2, 'a full batch asks for another');
      assert.deepEqual(lines[0], {
        level: 'info',
        obj: { redacted: 2, retentionDays: 7 },
        msg: 'retention: transcripts of delivered conversations removed',
      });
      await new Promise((resolve) => setTimeout(resolve, 80));
      assert.equal(lines.length, passes, 'nothing after stop');
    });

    it('logs a failed pass by its message and tries again at the next interval', async () => {
      let calls = 0;
      const { log, lines } = recordingLog();
      const retention = startRetention({
        store: {
          async redactTranscripts() {
            calls += 1;
            if (calls === 1) throw new Error('SQLITE_BUSY: database is locked');
            return 0;
          },
        },
        retentionDays: 1,
        log,
        now: () => day(10),
        intervalMs: 20,
      });
      await until(() => lines.some((l) => l.level === 'info'));
      await retention.stop();
      assert.deepEqual(lines[0], {
        level: 'error',
        obj: { err: { message: 'SQLITE_BUSY: database is locked' } },
        msg: 'retention pass failed; the next one is in a day',
      });
      assert.deepEqual(lines.find((l) => l.level === 'info')?.obj, { redacted: 0, retentionDays: 1 });
    });
  });
});
