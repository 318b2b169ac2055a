import type { DatabaseConfig } from '../config';
import { openPostgresStore } from './postgres/store';
import { openSqliteStore } from './sqlite/store';
import type { Store } from './store';

/** The one place that picks the storage backend from DATABASE_URL. */
export const openStore = async (database: DatabaseConfig): Promise<Store> => {
  switch (database.kind) {
    case 'sqlite':
      return openSqliteStore(database.path);
    case 'postgres':
      return openPostgresStore(database.url);
  }
};
