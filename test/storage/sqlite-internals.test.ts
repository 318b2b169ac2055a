/** What the SQLite adapter does beyond the Store contract: group commit and off-thread checkpoints. */
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createWriteQueue } from '../../src/storage/sqlite/write-queue';
import { openSqliteStore } from '../../src/storage/sqlite/store';
import { removeDir, tempDir } from '../support/service';
import { conversation } from './fixtures';

describe('SQLite write queue (group commit)', () => {
  let db: Database.Database;
  beforeEach(() => {
    db = new Database(':memory:');
    db.exec('CREATE TABLE t (n INTEGER PRIMARY KEY)');
  });
  afterEach(() => db.close());

  it('commits the writes of one turn together, in order, each caller getting its own result', async () => {
    const write = createWriteQueue(db);
    const results = await Promise.all([1, 2, 3].map((n) => write(() => db.prepare('INSERT INTO t (n) VALUES (?)').run(n).lastInsertRowid)));
    assert.deepEqual(results.map(Number), [1, 2, 3]);
    assert.deepEqual(db.prepare('SELECT n FROM t ORDER BY n').pluck().all(), [1, 2, 3]);
  });

  it('rejects only the write that failed, undoing all of it, and keeps its batch-mates', async () => {
    const write = createWriteQueue(db);
    const outcomes = await Promise.allSettled([
      write(() => db.prepare('INSERT INTO t (n) VALUES (1)').run()),
      write(() => {
        db.prepare('INSERT INTO t (n) VALUES (2)').run();
        // Half done, then a bug: the row 2 must not survive.
        throw new Error('boom');
      }),
      write(() => db.prepare('INSERT INTO t (n) VALUES (3)').run()),
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.deepEqual(db.prepare('SELECT n FROM t ORDER BY n').pluck().all(), [1, 3]);
  });

  it('runs async writes (the queue rules await their statements), undoing one that throws after an await', async () => {
    const write = createWriteQueue(db);
    const insert = db.prepare('INSERT INTO t (n) VALUES (?)');
    const outcomes = await Promise.allSettled([
      write(async () => {
        insert.run(1);
        await Promise.resolve();
        return db.inTransaction;
      }),
      write(async () => {
        insert.run(2);
        await Promise.resolve();
        throw new Error('boom');
      }),
      write(() => insert.run(3)),
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.deepEqual(outcomes[0], { status: 'fulfilled', value: true }, 'ran inside the transaction');
    assert.deepEqual(db.prepare('SELECT n FROM t ORDER BY n').pluck().all(), [1, 3]);
  });

  it('opens one transaction at a time: a write asked for while a batch waits runs after its commit', async () => {
    const write = createWriteQueue(db);
    const insert = db.prepare('INSERT INTO t (n) VALUES (?)');
    const first = write(async () => {
      insert.run(10);
      await new Promise((r) => setTimeout(r, 30));
      insert.run(11);
    });
    await new Promise((r) => setTimeout(r, 5));
    const second = write(() => db.prepare('SELECT n FROM t ORDER BY n').pluck().all());
    await first;
    assert.deepEqual(await second, [10, 11], 'the second saw the whole first write, never half of it');
  });

  it('settles a caller only after the commit', async () => {
    const write = createWriteQueue(db);
    const pending = write(() => db.prepare('INSERT INTO t (n) VALUES (7)').run());
    assert.equal(db.inTransaction, false, 'nothing runs before the turn ends');
    await pending;
    assert.equal(db.inTransaction, false);
    assert.deepEqual(db.prepare('SELECT n FROM t').pluck().all(), [7]);
  });
});

describe('SQLite checkpoints (on a timer, on the event loop or a worker thread)', () => {
  const WAIT_MS = 10_000;
  const until = async (what: string, test: () => boolean) => {
    const deadline = Date.now() + WAIT_MS;
    while (!test()) {
      if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const fill = async (store: ReturnType<typeof openSqliteStore>, from: number, count: number) => {
    for (let i = from; i < from + count; i++) await store.intake({ conversation: conversation(`c${i}`), now: new Date() });
  };
  const walEmpty = (path: string) => !existsSync(`${path}-wal`) || statSync(`${path}-wal`).size === 0;

  const checkpointsIn = (
    timing: { handOverMs: number; handBackMs: number; idleMs: number },
    moved: (moves: readonly string[]) => boolean = () => true,
  ) =>
    async function (this: Mocha.Context) {
      this.timeout(3 * WAIT_MS);
      const dir = tempDir();
      const path = join(dir, 'c.db');
      const moves: string[] = [];
      try {
        const store = openSqliteStore(path, {
          checkpoints: { inlineIntervalMs: 50, threadIntervalMs: 50, ...timing },
          onCheckpointMove: (to) => moves.push(to),
        });
        await fill(store, 0, 200);
        // The writer itself does not checkpoint at this size (its backstop is 10,000 pages): the timer has to.
        const before = statSync(path).size;
        await until('a checkpoint copied the WAL into the database', () => statSync(path).size > before);
        await until('checkpoints moved as expected', () => moved(moves));
        const grown = statSync(path).size;
        await fill(store, 200, 200);
        await until('a later checkpoint copied the new writes too', () => statSync(path).size > grown);
        await store.close();
        assert.ok(walEmpty(path), 'the WAL is emptied on close');
        const reopened = openSqliteStore(path);
        assert.equal((await reopened.queueStats()).pending, 400);
        await reopened.close();
        return moves;
      } finally {
        removeDir(dir);
      }
    };

  it('checkpoints on the event loop while checkpoints are cheap, and empties the WAL on close', async function () {
    const moves = await checkpointsIn({ handOverMs: 60_000, handBackMs: 60_000, idleMs: 60_000 }).call(this);
    assert.deepEqual(moves, [], 'no worker thread was started');
  });

  it('hands checkpoints to a worker thread once one is slow, and the thread keeps the file current', async function () {
    const moves = await checkpointsIn({ handOverMs: -1, handBackMs: -1, idleMs: 60_000 }, (m) => m.includes('thread')).call(this);
    assert.deepEqual(moves, ['thread'], 'moved once, and stayed while every checkpoint counted as slow');
  });

  it('takes checkpoints back from the thread when none was slow for the idle time, and moves again under load', async function () {
    const moves = await checkpointsIn({ handOverMs: -1, handBackMs: 60_000, idleMs: 0 }, (m) => m.length >= 3).call(this);
    assert.deepEqual(moves.slice(0, 3), ['thread', 'inline', 'thread']);
  });
});
