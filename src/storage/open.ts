import type { DatabaseConfig } from '../config';
import type { Log } from '../domain/log';
import type { Store } from './store';

/** DATABASE_URL as it may be shown: the password (if any) replaced. */
export const displayedDatabaseUrl = (database: DatabaseConfig): string => {
  if (database.kind === 'sqlite') return `sqlite:${database.path}`;
  try {
    const url = new URL(database.url);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return 'postgres://…';
  }
};

const errorCode = (error: unknown): string | undefined =>
  typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;

/**
 * What to check, by the driver's error code: Node's socket errors
 * (https://nodejs.org/api/errors.html#common-system-errors) and PostgreSQL's SQLSTATEs
 * (https://www.postgresql.org/docs/current/errcodes-appendix.html).
 */
const postgresHint = (code: string | undefined, where: string): string => {
  switch (code) {
    case 'ECONNREFUSED':
      return `nothing accepts connections at ${where}: is the PostgreSQL server running, and are the host and port right?`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host of ${where} cannot be resolved: check the host name.`;
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${where} cannot be reached: check the host, the port and any firewall between.`;
    case '28P01':
    case '28000':
      return 'the server refused the user or password: check the credentials in DATABASE_URL.';
    case '3D000':
      return 'the database does not exist on that server: create it, or fix its name in DATABASE_URL.';
    default:
      return `check that the PostgreSQL server is running and reachable at ${where}, and the user, password and database name.`;
  }
};

const sqliteHint = (path: string): string =>
  `check that ${path}'s folder exists or can be created, and that this user may write there (or point DATABASE_URL at another path).`;

/**
 * Why the store could not be opened, for an operator: DATABASE_URL without its password, the
 * driver's own words (the password taken out should a driver ever echo it), and what to check.
 */
export const describeOpenFailure = (database: DatabaseConfig, error: unknown): string => {
  const shown = displayedDatabaseUrl(database);
  let reason = error instanceof Error ? error.message : String(error);
  if (database.kind === 'postgres') {
    const password = (() => {
      try {
        return decodeURIComponent(new URL(database.url).password);
      } catch {
        return '';
      }
    })();
    if (password !== '') reason = reason.split(password).join('***');
    const where = (() => {
      try {
        const url = new URL(database.url);
        return `${url.hostname}:${url.port === '' ? '5432' : url.port}`;
      } catch {
        return 'the server';
      }
    })();
    return `cannot connect to the database of DATABASE_URL=${shown} (${reason}): ${postgresHint(errorCode(error), where)}`;
  }
  return `cannot open the SQLite database of DATABASE_URL=${shown} (${reason}): ${sqliteHint(database.path)}`;
};

/**
 * The one place that picks the storage backend from DATABASE_URL. A database that cannot be
 * opened is an `Error` whose message names DATABASE_URL (without its password) and what to check.
 */
export const openStore = async (database: DatabaseConfig, log?: Log): Promise<Store> => {
  const failed = (error: unknown) => new Error(describeOpenFailure(database, error), { cause: error });
  // Each backend's driver is loaded only when it is the one configured (a driver that fails to
  // load is not the database's fault, and keeps its own message).
  switch (database.kind) {
    case 'sqlite': {
      const { openSqliteStore } = await import('./sqlite/store.js');
      try {
        return openSqliteStore(database.path, {
          onError: (message) => log?.warn({ err: { message } }, 'SQLite checkpoint failed'),
          onCheckpointMove: (mode, ms) =>
            log?.debug(
              { mode, ms: Math.round(ms) },
              mode === 'thread' ? 'SQLite checkpoints moved to a worker thread' : 'SQLite checkpoints back on the event loop',
            ),
        });
      } catch (error) {
        throw failed(error);
      }
    }
    case 'postgres': {
      const { openPostgresStore } = await import('./postgres/store.js');
      try {
        return await openPostgresStore(database.url, {
          // A dropped idle connection is replaced by the pool; worth a line in the log, not a crash.
          onError: (error) => log?.warn({ err: { message: error.message } }, 'PostgreSQL connection error'),
        });
      } catch (error) {
        throw failed(error);
      }
    }
  }
};
