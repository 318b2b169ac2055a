import type { DatabaseConfig } from '../config';
import type { Log } from '../domain/log';
import type { Store } from './store';

/** The one place that picks the storage backend from DATABASE_URL. */
export const openStore = async (database: DatabaseConfig, log?: Log): Promise<Store> => {
  switch (database.kind) {
    // Each backend's driver is loaded only when it is the one configured.
    case 'sqlite':
      return (await import('./sqlite/store.js')).openSqliteStore(database.path, {
        onError: (message) => log?.warn({ err: { message } }, 'SQLite checkpoint failed'),
        onCheckpointMove: (mode, ms) => log?.debug({ mode, ms: Math.round(ms) }, mode === 'thread' ? 'SQLite checkpoints moved to a worker thread' : 'SQLite checkpoints back on the event loop'),
      });
    case 'postgres':
      return (await import('./postgres/store.js')).openPostgresStore(database.url, {
        // A dropped idle connection is replaced by the pool; worth a line in the log, not a crash.
        onError: (error) => log?.warn({ err: { message: error.message } }, 'PostgreSQL connection error'),
      });
  }
};
