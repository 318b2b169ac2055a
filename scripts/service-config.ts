/**
 * What `npm run replay` and `npm run privacy` share: they must work on the service's own
 * database, read the way the service reads it (`.env` in the working directory fills in what the
 * environment leaves unset; `npm run` starts both in the project's directory), say which
 * database that is, and never create an empty one by opening a SQLite file that is not there.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { loadConfig, type Config, type DatabaseConfig } from '../src/config';

/** The database for a person to recognise: the SQLite file, or PostgreSQL's user, host and database (never the password). */
export const describeDatabase = (database: DatabaseConfig): string => {
  if (database.kind === 'sqlite') return `SQLite file ${resolve(database.path)}`;
  try {
    const url = new URL(database.url);
    return `PostgreSQL ${url.username === '' ? '' : `${decodeURIComponent(url.username)}@`}${url.host}${url.pathname}`;
  } catch {
    return 'PostgreSQL (DATABASE_URL is not a URL)';
  }
};

/** The service's configuration, or the exit code after saying what is wrong on stderr. */
export const loadServiceConfig = (
  command: string,
): { readonly ok: true; readonly config: Config } | { readonly ok: false; readonly exitCode: number } => {
  const envFile = resolve('.env');
  const file = existsSync(envFile) ? parseDotenv(readFileSync(envFile)) : {};
  const loaded = loadConfig({ ...file, ...process.env });
  if (!loaded.ok) {
    process.stderr.write(`configuration problems:\n${loaded.errors.map((e) => `  - ${e}`).join('\n')}\n`);
    return { ok: false, exitCode: 1 };
  }
  const { database } = loaded.config;
  const from =
    process.env.DATABASE_URL !== undefined
      ? 'DATABASE_URL from the environment'
      : file.DATABASE_URL !== undefined
        ? `DATABASE_URL from ${envFile}`
        : `the default: no DATABASE_URL in the environment or in ${envFile}`;
  process.stderr.write(`${command}: using the ${describeDatabase(database)} (${from})\n`);
  if (database.kind === 'sqlite' && !existsSync(resolve(database.path))) {
    process.stderr.write(
      `${command}: there is no database at ${resolve(database.path)}. Run ${command} with the service's DATABASE_URL (in the environment, or in .env in the directory you run it from).\n`,
    );
    return { ok: false, exitCode: 1 };
  }
  return { ok: true, config: loaded.config };
};
