/**
 * One list of schema steps for both dialects (index.ts), so both end at the same schema: the same
 * tables, columns and indexes by meaning (PostgreSQL's jobs.seq is SQLite's rowid).
 */
import { personEmail } from '../../domain/local-records';

export type Dialect = 'sqlite' | 'postgres';

export interface MigrationStep {
  /**
   * Its SQL in each dialect. A dialect without it never had this step: its versions, recorded in
   * schema_migrations, count only its own steps, so databases made before the list was one (SQLite
   * at 10, PostgreSQL at 7) carry on from where they are.
   */
  readonly sqlite?: string;
  readonly postgres?: string;
  /** After the SQL, in its transaction: the email keys of rows SQL could not key as personEmail does (emailKeyOf). */
  readonly emailKeys?: true;
}

/** A dialect's steps in order; the version of each is its index + 1. */
export const stepsOf = (steps: readonly MigrationStep[], dialect: Dialect): { readonly sql: string; readonly emailKeys: boolean }[] =>
  steps.flatMap((step) => {
    const sql = step[dialect];
    return sql === undefined ? [] : [{ sql, emailKeys: step.emailKeys === true }];
  });

/**
 * Emails SQL can key: printable ASCII only, where SQL's lower() and trimming of spaces agree with
 * personEmail. Every other email (accents, other scripts, control characters) is read out and keyed
 * in TypeScript, the one place a person's key is computed. As a GLOB (SQLite) / regular expression
 * (PostgreSQL) character class: any character outside space..tilde.
 */
export const NOT_PRINTABLE_ASCII = '[^ -~]';

/** The key a row's email is matched by, as the store writes it. */
export const emailKeyOf = (email: string | null): string | null => personEmail(email ?? undefined) ?? null;
