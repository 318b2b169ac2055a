/**
 * Step 11: both dialects at one schema, kept by the store's code rather than by the database.
 *  - A conversation's state is written by the queue's rules (src/storage/queue/state.ts): the
 *    triggers (SQLite) and the trigger function (PostgreSQL) go.
 *  - The search columns are plain columns written with the snapshot (PostgreSQL's were generated
 *    from it, parsing the JSON on every write), and email_key, personEmail's key of the visitor,
 *    is written by the code on both tables in both dialects: person matching (the console's email
 *    search, privacy requests) compares keys, never SQL's lower(), which lower-cases ASCII only
 *    (SQLite) or by the collation (PostgreSQL). Printable-ASCII emails are keyed here in SQL, where
 *    lower() agrees with JavaScript; the others by emailKeys, in TypeScript.
 *  - A job's error code is a column (jobs.last_error_code, attempts.error_code), written with the
 *    error; errors written before are read once, here, from their text (`CODE: message`).
 */
import { NOT_PRINTABLE_ASCII, type MigrationStep } from './step';

/** The code of an error kept as `CODE: message` by earlier versions (an error without a colon is its own code). */
const codeOf = (column: string, dialect: 'sqlite' | 'postgres') =>
  dialect === 'sqlite'
    ? `trim(CASE WHEN instr(${column}, ':') > 0 THEN substr(${column}, 1, instr(${column}, ':') - 1) ELSE ${column} END)`
    : `btrim(split_part(${column}, ':', 1))`;

const errorCodes = (dialect: 'sqlite' | 'postgres') => `
  ALTER TABLE jobs ADD COLUMN last_error_code TEXT;
  UPDATE jobs SET last_error_code = ${codeOf('last_error', dialect)} WHERE last_error IS NOT NULL AND state <> 'done';
  ALTER TABLE attempts ADD COLUMN error_code TEXT;
  UPDATE attempts SET error_code = ${codeOf('error', dialect)} WHERE error IS NOT NULL AND outcome IN ('transient', 'permanent');
  CREATE INDEX jobs_dead_codes ON jobs(last_error_code, updated_at) WHERE state = 'dead';
`;

export const converge: MigrationStep = {
  emailKeys: true,
  sqlite: `
  DROP TRIGGER jobs_state_on_update;
  DROP TRIGGER jobs_state_on_delete;
  UPDATE conversations SET email_key = NULL WHERE visitor_email GLOB '*${NOT_PRINTABLE_ASCII}*';
  UPDATE local_crm_conversations SET email_key = NULL WHERE json_extract(snapshot, '$.visitor.email') GLOB '*${NOT_PRINTABLE_ASCII}*';
  ${errorCodes('sqlite')}
  `,
  postgres: `
  DROP TRIGGER jobs_state ON jobs;
  DROP FUNCTION chat2crm_jobs_state();
  DROP FUNCTION chat2crm_conversation_state(TEXT);

  DROP INDEX conversations_search_id;
  DROP INDEX conversations_search_email;
  DROP INDEX conversations_search_name;
  DROP INDEX conversations_person;
  ALTER TABLE conversations ALTER COLUMN conversation_id DROP EXPRESSION;
  ALTER TABLE conversations ALTER COLUMN visitor_email DROP EXPRESSION;
  ALTER TABLE conversations ALTER COLUMN visitor_name DROP EXPRESSION;
  ALTER TABLE conversations ADD COLUMN email_key TEXT;
  UPDATE conversations SET email_key = NULLIF(lower(btrim(visitor_email, ' ')), '') WHERE visitor_email !~ '${NOT_PRINTABLE_ASCII}';
  CREATE INDEX conversations_search_id ON conversations(lower(conversation_id) text_pattern_ops, updated_at, key, source, state) INCLUDE (conversation_id);
  CREATE INDEX conversations_search_email ON conversations(email_key text_pattern_ops, updated_at, key, source, state);
  CREATE INDEX conversations_search_name ON conversations(lower(visitor_name) text_pattern_ops, updated_at, key, source, state) INCLUDE (visitor_name);

  DROP INDEX local_crm_conversations_email;
  ALTER TABLE local_crm_conversations ADD COLUMN email_key TEXT;
  UPDATE local_crm_conversations SET email_key = NULLIF(lower(btrim(snapshot::json -> 'visitor' ->> 'email', ' ')), '')
    WHERE snapshot::json -> 'visitor' ->> 'email' !~ '${NOT_PRINTABLE_ASCII}';
  CREATE INDEX local_crm_conversations_email ON local_crm_conversations(email_key);
  ${errorCodes('postgres')}
  `,
};
