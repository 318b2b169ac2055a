/**
 * Moves SQLite's WAL checkpoints off the event loop. A checkpoint copies the WAL into the
 * database file and fsyncs it; run by the writer (SQLite's default), that stalls every request
 * for the length of an fsync. Here a worker thread with its own connection checkpoints on a
 * timer instead, and the writer's automatic checkpoints are turned off. Commits stay what
 * `synchronous = NORMAL` makes them: durable across a crash of the process.
 */
import { Worker } from 'node:worker_threads';

// Plain JavaScript, evaluated in the worker: it needs nothing from our (TypeScript) sources.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 5000');
const checkpoint = (mode) => {
  try {
    db.pragma('wal_checkpoint(' + mode + ')');
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message || error) });
  }
};
const timer = setInterval(() => checkpoint('PASSIVE'), workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  checkpoint('TRUNCATE');
  db.close();
  parentPort.close();
});
`;

export interface Checkpointer {
  /** Final checkpoint, then the thread ends. */
  stop(): Promise<void>;
}

export const startCheckpointer = (path: string, options: { intervalMs: number; onError: (message: string) => void }): Checkpointer => {
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, intervalMs: options.intervalMs, driver: require.resolve('better-sqlite3') } });
  worker.on('message', (message: unknown) => {
    if (typeof message === 'object' && message !== null && 'error' in message && typeof message.error === 'string') options.onError(message.error);
  });
  worker.on('error', (error: unknown) => options.onError(error instanceof Error ? error.message : String(error)));
  // The thread must not keep a finished process alive.
  worker.unref();
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  let stopping = false;
  return {
    stop: () => {
      // Held while it stops: a process with nothing else to do would otherwise exit under an
      // `await store.close()` that never returns (scripts such as setup and replay).
      worker.ref();
      if (!stopping) worker.postMessage('stop');
      stopping = true;
      return exited;
    },
  };
};
