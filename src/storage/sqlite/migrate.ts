/** SQLite's runner of the schema's steps (src/storage/migrations/), each in its own transaction. */
import type Database from 'better-sqlite3';
import * as t from 'io-ts';
import { emailKeyOf, migrationsOf } from '../migrations';
import { decodeRow, Nullable } from '../row-codecs';

const ConversationEmail = t.type({ key: t.string, email: Nullable(t.string) });
const LocalEmail = t.type({ key: t.string, action: t.string, email: Nullable(t.string) });

/** The email keys SQL left unset (emails beyond printable ASCII), as personEmail keys them. */
const writeEmailKeys = (db: Database.Database): void => {
  const conversations = db.prepare(
    'SELECT key, visitor_email AS email FROM conversations WHERE email_key IS NULL AND visitor_email IS NOT NULL',
  );
  const setConversation = db.prepare('UPDATE conversations SET email_key = ? WHERE key = ?');
  for (const row of conversations.all()) {
    const r = decodeRow(ConversationEmail, 'conversation email', row);
    setConversation.run(emailKeyOf(r.email), r.key);
  }
  const local = db.prepare(
    "SELECT conversation_key AS key, action, json_extract(snapshot, '$.visitor.email') AS email FROM local_crm_conversations WHERE email_key IS NULL AND json_extract(snapshot, '$.visitor.email') IS NOT NULL",
  );
  const setLocal = db.prepare('UPDATE local_crm_conversations SET email_key = ? WHERE conversation_key = ? AND action = ?');
  for (const row of local.all()) {
    const r = decodeRow(LocalEmail, 'local CRM conversation email', row);
    setLocal.run(emailKeyOf(r.email), r.key, r.action);
  }
};

export const migrateSqlite = (db: Database.Database): void => {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
  const applied = new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all());
  // Rebuilding a table that others reference needs foreign keys off, and that pragma is a no-op
  // inside a transaction (https://www.sqlite.org/lang_altertable.html#otheralter); the check
  // below proves the rebuilt tables still hold together.
  db.pragma('foreign_keys = OFF');
  try {
    migrationsOf('sqlite').forEach((step, index) => {
      const version = index + 1;
      if (applied.has(version)) return;
      db.transaction(() => {
        db.exec(step.sql);
        if (step.emailKeys) writeEmailKeys(db);
        const broken = db.pragma('foreign_key_check');
        if (Array.isArray(broken) && broken.length > 0) throw new Error(`migration ${version} broke ${broken.length} foreign key(s)`);
        db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(version, Date.now());
      }).immediate();
    });
  } finally {
    db.pragma('foreign_keys = ON');
  }
};
