/**
 * Group commit for SQLite. Writes asked for in the same turn of the event loop run in one
 * transaction, so a burst of webhooks pays for one commit instead of one per request. Every
 * caller's promise settles after the commit that made its write durable.
 *
 * A write may be async (the queue's rules, src/storage/queue/, await the statements they run),
 * so the transaction is opened and ended by hand (BEGIN IMMEDIATE … COMMIT: better-sqlite3's
 * db.transaction cannot wait for a promise), and batches run one after another: only one
 * transaction is open at a time. Between two awaits of a write only promise callbacks run, and
 * SQLite's statements are synchronous, so a whole batch still runs within one turn of the loop.
 *
 * A write that throws must not take its batch-mates down, nor leave half of itself behind: the
 * batch is then rolled back and each write is run again in a transaction of its own. (Savepoints
 * around every write would do the same, at a cost on every write rather than on the rare failure.)
 */
import type Database from 'better-sqlite3';

interface Pending {
  /** Runs the write; resolves to how to settle its caller once its transaction has committed. */
  run(): Promise<() => void>;
  /** Its transaction could not commit. */
  fail(error: unknown): void;
}

export type WriteQueue = <T>(work: () => T | Promise<T>) => Promise<T>;

const asError = (error: unknown) => (error instanceof Error ? error : new Error(String(error)));

export const createWriteQueue = (db: Database.Database): WriteQueue => {
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  const rollback = db.prepare('ROLLBACK');
  let queue: Pending[] = [];
  /** The batch running now; the next one starts after it. */
  let running: Promise<void> = Promise.resolve();
  let scheduled = false;

  /** Runs `items` in one transaction; false (and nothing kept) when one of them threw or the commit failed. */
  const inTransaction = async (items: readonly Pending[], settlers: (() => void)[]): Promise<unknown> => {
    try {
      begin.run();
      for (const item of items) settlers.push(await item.run());
      commit.run();
      return undefined;
    } catch (error) {
      if (db.inTransaction) rollback.run();
      settlers.length = 0;
      return error ?? new Error('write failed');
    }
  };

  const alone = async (item: Pending) => {
    const settlers: (() => void)[] = [];
    const error = await inTransaction([item], settlers);
    if (error !== undefined) return item.fail(error);
    for (const settle of settlers) settle();
  };

  const flush = async () => {
    scheduled = false;
    const batch = queue;
    queue = [];
    if (batch.length === 1 && batch[0] !== undefined) return alone(batch[0]);
    const settlers: (() => void)[] = [];
    if ((await inTransaction(batch, settlers)) !== undefined) {
      // Rolled back as a whole: find the culprit by running each write on its own.
      for (const item of batch) await alone(item);
      return;
    }
    for (const settle of settlers) settle();
  };

  return <T>(work: () => T | Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      if (!scheduled) {
        scheduled = true;
        setImmediate(() => {
          // flush settles every caller itself and never rejects; the catch only keeps the chain going.
          running = running.then(flush).catch(() => undefined);
        });
      }
      queue.push({
        run: async () => {
          const value = await work();
          return () => resolve(value);
        },
        fail: (error) => reject(asError(error)),
      });
    });
};
