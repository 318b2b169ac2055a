/**
 * Reads the database behind a store's back: every text column of every table, searched for a
 * string (case-insensitive). What an erasure leaves behind cannot hide in a table the store's
 * own queries do not know about.
 */
import Database from 'better-sqlite3';
import pg from 'pg';

/** The `table.column` places where `needle` occurs. */
export type Scan = (needle: string) => Promise<string[]>;

const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;

const isName = (u: unknown): u is { name: string } => typeof u === 'object' && u !== null && 'name' in u && typeof u.name === 'string';

export const sqliteScan =
  (path: string): Scan =>
  async (needle) => {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      const found: string[] = [];
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all().filter(isName);
      for (const { name: table } of tables) {
        // table_xinfo: generated columns too.
        const columns = db
          .prepare(`PRAGMA table_xinfo(${quoted(table)})`)
          .all()
          .filter(isName);
        for (const { name: column } of columns) {
          const hits = db
            .prepare(`SELECT COUNT(*) FROM ${quoted(table)} WHERE instr(lower(CAST(${quoted(column)} AS TEXT)), lower(?)) > 0`)
            .pluck()
            .get(needle);
          if (hits !== 0) found.push(`${table}.${column}`);
        }
      }
      return found;
    } finally {
      db.close();
    }
  };

const isColumn = (u: unknown): u is { table_name: string; column_name: string } =>
  typeof u === 'object' &&
  u !== null &&
  'table_name' in u &&
  'column_name' in u &&
  typeof u.table_name === 'string' &&
  typeof u.column_name === 'string';

export const postgresScan =
  (url: string, schema: string): Scan =>
  async (needle) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const columns = (
        await client.query(
          "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = $1 AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb') ORDER BY table_name, column_name",
          [schema],
        )
      ).rows.filter(isColumn);
      const found: string[] = [];
      for (const { table_name: table, column_name: column } of columns) {
        const { rows } = await client.query(
          `SELECT 1 FROM ${quoted(schema)}.${quoted(table)} WHERE strpos(lower(${quoted(column)}::text), lower($1)) > 0 LIMIT 1`,
          [needle],
        );
        if (rows.length > 0) found.push(`${table}.${column}`);
      }
      return found;
    } finally {
      await client.end();
    }
  };
