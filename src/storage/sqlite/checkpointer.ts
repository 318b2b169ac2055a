/**
 * Keeps SQLite's WAL checkpoints out of the requests' way. A checkpoint copies the WAL into the
 * database file and fsyncs it; run by the writer after a commit (SQLite's default), it stalls the
 * request that committed. Here a timer checkpoints instead, and the writer's own automatic
 * checkpoint is only a backstop (store.ts).
 *
 * Where the timer runs depends on the load. While checkpoints are cheap (a few pages, well under
 * `handOverMs`) it runs on the event loop. Once one takes longer, a worker thread with its own
 * connection takes the timer over, and hands it back after `idleMs` in which every checkpoint
 * stayed under `handBackMs`. A worker thread is a second V8 isolate, about 20 MB of resident
 * memory, worth paying only while the writes are heavy. Commits stay what `synchronous = NORMAL`
 * makes them: durable across a crash of the process.
 */
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { nextCheckpointMode, type CheckpointMode, type CheckpointPolicy } from './checkpoint-policy';

// Plain JavaScript, evaluated in the worker: it needs nothing from our (TypeScript) sources.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 5000');
const timer = setInterval(() => {
  const started = performance.now();
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ ms: performance.now() - started });
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message || error) });
  }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export interface CheckpointTiming extends CheckpointPolicy {
  readonly inlineIntervalMs: number;
  readonly threadIntervalMs: number;
}

export interface CheckpointerOptions extends CheckpointTiming {
  readonly onError: (message: string) => void;
  /** Told each move, with the duration of the checkpoint that decided it. */
  readonly onMove?: (mode: CheckpointMode, ms: number) => void;
}

/**
 * Inline checkpoints of a few pages take well under a millisecond; once a second at about a
 * hundred new conversations a second (bench section 2's warm-up) they took 4 to 16 ms, a stall
 * the agent would see, so the thread takes over from 5 ms on. Inline they run four times a
 * second, so that the one that finds the load (inline, before the thread exists) copies a
 * quarter of a second of writes: with 10,000-message transcripts arriving one after another,
 * once a second, that one stalled the event loop for about 40 ms.
 */
export const CHECKPOINT_DEFAULTS: CheckpointTiming = {
  inlineIntervalMs: 250,
  threadIntervalMs: 1000,
  handOverMs: 5,
  handBackMs: 2,
  idleMs: 60_000,
};

export interface Checkpointer {
  /** Where checkpoints run now. */
  mode(): CheckpointMode;
  /** The timer stops (the thread ends, if one runs), then a last TRUNCATE checkpoint empties the WAL. */
  stop(): Promise<void>;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export const startCheckpointer = (db: Database.Database, path: string, options: CheckpointerOptions): Checkpointer => {
  let mode: CheckpointMode = 'inline';
  let lastSlowAt = 0;
  let inlineTimer: NodeJS.Timeout | undefined;
  let worker: Worker | undefined;
  let workerExited: Promise<void> = Promise.resolve();
  let stopped = false;

  const observe = (ms: number) => {
    const now = Date.now();
    const next = nextCheckpointMode({ mode, lastSlowAt, now, ms }, options);
    lastSlowAt = next.lastSlowAt;
    if (next.mode === mode || stopped) return;
    if (next.mode === 'thread') toThread(now);
    else toInline();
    options.onMove?.(next.mode, ms);
  };

  const checkpointInline = () => {
    const started = performance.now();
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch (error) {
      options.onError(messageOf(error));
      return;
    }
    observe(performance.now() - started);
  };

  const startInline = () => {
    inlineTimer = setInterval(checkpointInline, options.inlineIntervalMs);
    // The timer must not keep a finished process alive.
    inlineTimer.unref();
  };

  const endWorker = () => {
    const ending = worker;
    worker = undefined;
    if (ending === undefined) return;
    // Held while it ends: a process with nothing else to do would otherwise exit under an
    // `await store.close()` that never returns (scripts such as setup and replay).
    ending.ref();
    ending.postMessage('end');
  };

  const toThread = (now: number) => {
    clearInterval(inlineTimer);
    mode = 'thread';
    lastSlowAt = now;
    const started = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { path, intervalMs: options.threadIntervalMs, driver: require.resolve('better-sqlite3') },
    });
    started.on('message', (message: unknown) => {
      if (typeof message !== 'object' || message === null) return;
      if ('error' in message && typeof message.error === 'string') options.onError(message.error);
      else if ('ms' in message && typeof message.ms === 'number' && worker === started) observe(message.ms);
    });
    started.on('error', (error: unknown) => options.onError(messageOf(error)));
    started.unref();
    const exited = new Promise<void>((resolve) =>
      started.once('exit', () => {
        // A thread that died on its own (not ended by us): the event loop checkpoints again.
        if (worker === started) {
          worker = undefined;
          mode = 'inline';
          if (!stopped) startInline();
          options.onMove?.('inline', 0);
        }
        resolve();
      }),
    );
    // Every thread started, also one still ending after a hand-back, is awaited by stop().
    workerExited = Promise.all([workerExited, exited]).then(() => undefined);
    worker = started;
  };

  const toInline = () => {
    endWorker();
    mode = 'inline';
    startInline();
  };

  const stop = async () => {
    stopped = true;
    clearInterval(inlineTimer);
    endWorker();
    await workerExited;
    if (!db.open) return;
    try {
      db.pragma('wal_checkpoint(TRUNCATE)');
    } catch (error) {
      options.onError(messageOf(error));
    }
  };
  let stopping: Promise<void> | undefined;

  startInline();
  return {
    mode: () => mode,
    stop: () => (stopping ??= stop()),
  };
};
