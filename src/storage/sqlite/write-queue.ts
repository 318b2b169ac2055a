/**
 * Group commit for SQLite. Writes asked for in the same turn of the event loop run in one
 * transaction, so a burst of webhooks pays for one commit instead of one per request. Every
 * caller's promise settles after the commit that made its write durable.
 *
 * A write that throws must not take its batch-mates down, nor leave half of itself behind: the
 * batch is then rolled back and each write is run again in a transaction of its own. (Savepoints
 * around every write would do the same, at a cost on every write rather than on the rare failure.)
 */
import type Database from 'better-sqlite3';

interface Pending {
  /** Runs the write; returns how to settle its caller once its transaction has committed. */
  run(): () => void;
  /** Its transaction could not commit. */
  fail(error: unknown): void;
}

export type WriteQueue = <T>(work: () => T) => Promise<T>;

const asError = (error: unknown) => (error instanceof Error ? error : new Error(String(error)));

export const createWriteQueue = (db: Database.Database): WriteQueue => {
  let queue: Pending[] = [];

  const alone = (item: Pending) => {
    let settle: () => void = () => undefined;
    try {
      db.transaction(() => {
        settle = item.run();
      }).immediate();
    } catch (error) {
      item.fail(error);
      return;
    }
    settle();
  };

  const flush = () => {
    const batch = queue;
    queue = [];
    if (batch.length === 1 && batch[0] !== undefined) return alone(batch[0]);
    const settlers: (() => void)[] = [];
    try {
      db.transaction(() => {
        for (const item of batch) settlers.push(item.run());
      }).immediate();
    } catch {
      // Rolled back as a whole: find the culprit by running each write on its own.
      for (const item of batch) alone(item);
      return;
    }
    for (const settle of settlers) settle();
  };

  return <T>(work: () => T) =>
    new Promise<T>((resolve, reject) => {
      if (queue.length === 0) setImmediate(flush);
      queue.push({
        run: () => {
          const value = work();
          return () => resolve(value);
        },
        fail: (error) => reject(asError(error)),
      });
    });
};
