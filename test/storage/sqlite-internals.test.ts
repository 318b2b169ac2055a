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

  it('settles a caller only after the commit', async () => {
    const write = createWriteQueue(db);
    const pending = write(() => db.prepare('INSERT INTO t (n) VALUES (7)').run());
    assert.equal(db.inTransaction, false, 'nothing runs before the turn ends');
    await pending;
    assert.equal(db.inTransaction, false);
    assert.deepEqual(db.prepare('SELECT n FROM t').pluck().all(), [7]);
  });
});

describe('SQLite checkpoints off the event loop', () => {
  it('keeps the database file current and leaves no WAL behind after close', async function () {
    this.timeout(10_000);
    const dir = tempDir();
    const path = join(dir, 'c.db');
    try {
      const store = openSqliteStore(path);
      for (let i = 0; i < 200; i++) await store.intake({ conversation: conversation(`c${i}`), now: new Date() });
      // The writer itself does not checkpoint at this size: the thread has to.
      const before = statSync(path).size;
      await new Promise((r) => setTimeout(r, 1500));
      assert.ok(statSync(path).size > before, 'the checkpoint thread copied the WAL into the database');
      await store.close();
      assert.ok(!existsSync(`${path}-wal`) || statSync(`${path}-wal`).size === 0, 'the WAL is emptied on close');
      const reopened = openSqliteStore(path);
      assert.equal((await reopened.queueStats()).pending, 200);
      await reopened.close();
    } finally {
      removeDir(dir);
    }
  });
});
