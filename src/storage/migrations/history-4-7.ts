/**
 * The schema's steps 4 to 7: the operator console, privacy, and SQLite's ingest path (6 and 7 are
 * SQLite's alone; PostgreSQL reached the same schema in step 11).
 */
import type { MigrationStep } from './step';

/** The console state of the conversation keyed `key` (an SQL expression), from its jobs: dead, failing, pending, expired, else delivered. */
const stateOf = (key: string): string => `CASE
      WHEN EXISTS (SELECT 1 FROM jobs j WHERE j.conversation_key = ${key} AND j.state = 'dead') THEN 'dead'
      WHEN EXISTS (SELECT 1 FROM jobs j WHERE j.conversation_key = ${key} AND j.state IN ('pending', 'running') AND j.last_error IS NOT NULL) THEN 'failing'
      WHEN EXISTS (SELECT 1 FROM jobs j WHERE j.conversation_key = ${key} AND j.state IN ('pending', 'running')) THEN 'pending'
      WHEN EXISTS (SELECT 1 FROM jobs j WHERE j.conversation_key = ${key} AND j.state = 'expired') THEN 'expired'
      ELSE 'delivered' END`;

/** A trigger's statement: the state of the conversation of the job `row` (NEW or OLD), written only when it changes. */
const stateFromJobsOf = (row: 'NEW' | 'OLD'): string =>
  `UPDATE conversations SET state = s.v FROM (SELECT ${stateOf(`${row}.conversation_key`)} AS v) s
    WHERE key = ${row}.conversation_key AND state IS NOT s.v;`;

export const steps4to7: readonly MigrationStep[] = [
  // 4: the operator console. A conversation's state (delivered, pending, failing, dead, expired)
  // is kept on its row by triggers on jobs, so whatever changes a job (intake, a step's end, a
  // replay, an erase) keeps it true; with the visitor's name and email read out of the snapshot
  // (virtual columns) and indexes that serve the console's newest-first keyset pages, filtered or
  // searched, over a million conversations without a scan. The search indexes carry what a page is
  // filtered and ordered by: a common name prefix matches thousands, sorted from the index alone.
  // On PostgreSQL: text_pattern_ops serves a prefix search by LIKE whatever the collation, and
  // INCLUDE lets an expression index be read alone (the planner wants the column under it too).
  {
    sqlite: `
  ALTER TABLE conversations ADD COLUMN state TEXT NOT NULL DEFAULT 'delivered';
  ALTER TABLE conversations ADD COLUMN conversation_id TEXT GENERATED ALWAYS AS (json_extract(snapshot, '$.id')) VIRTUAL;
  ALTER TABLE conversations ADD COLUMN visitor_email TEXT GENERATED ALWAYS AS (json_extract(snapshot, '$.visitor.email')) VIRTUAL;
  ALTER TABLE conversations ADD COLUMN visitor_name TEXT GENERATED ALWAYS AS (json_extract(snapshot, '$.visitor.name')) VIRTUAL;
  UPDATE conversations SET state = ${stateOf('conversations.key')};
  CREATE INDEX conversations_newest ON conversations(updated_at, key);
  CREATE INDEX conversations_source_newest ON conversations(source, updated_at, key);
  CREATE INDEX conversations_state_newest ON conversations(state, updated_at, key);
  CREATE INDEX conversations_source_state_newest ON conversations(source, state, updated_at, key);
  CREATE INDEX conversations_search_id ON conversations(lower(conversation_id), updated_at, key, source, state);
  CREATE INDEX conversations_search_email ON conversations(lower(visitor_email), updated_at, key, source, state);
  CREATE INDEX conversations_search_name ON conversations(lower(visitor_name), updated_at, key, source, state);
  CREATE INDEX events_source_newest ON events(source, received_at);
  CREATE INDEX jobs_unresolved_errors ON jobs(updated_at) WHERE last_error IS NOT NULL AND state <> 'done';
  CREATE TRIGGER jobs_state_on_insert AFTER INSERT ON jobs BEGIN
    ${stateFromJobsOf('NEW')}
  END;
  CREATE TRIGGER jobs_state_on_update AFTER UPDATE OF state, last_error ON jobs
    WHEN OLD.state IS NOT NEW.state OR OLD.last_error IS NOT NEW.last_error BEGIN
    ${stateFromJobsOf('NEW')}
  END;
  CREATE TRIGGER jobs_state_on_delete AFTER DELETE ON jobs BEGIN
    ${stateFromJobsOf('OLD')}
  END;
  `,
    postgres: `
  ALTER TABLE conversations ADD COLUMN state TEXT NOT NULL DEFAULT 'delivered';
  ALTER TABLE conversations ADD COLUMN conversation_id TEXT GENERATED ALWAYS AS (snapshot::json ->> 'id') STORED;
  ALTER TABLE conversations ADD COLUMN visitor_email TEXT GENERATED ALWAYS AS (snapshot::json -> 'visitor' ->> 'email') STORED;
  ALTER TABLE conversations ADD COLUMN visitor_name TEXT GENERATED ALWAYS AS (snapshot::json -> 'visitor' ->> 'name') STORED;
  CREATE FUNCTION chat2crm_conversation_state(k TEXT) RETURNS TEXT LANGUAGE sql STABLE AS $$
    SELECT CASE
      WHEN EXISTS (SELECT 1 FROM jobs j WHERE j.conversation_key = k AND j.state = 'dead') THEN 'dead'
      WHEN EXISTS (SELECT 1 FROM jobs j WHERE j.conversation_key = k AND j.state IN ('pending', 'running') AND j.last_error IS NOT NULL) THEN 'failing'
      WHEN EXISTS (SELECT 1 FROM jobs j WHERE j.conversation_key = k AND j.state IN ('pending', 'running')) THEN 'pending'
      WHEN EXISTS (SELECT 1 FROM jobs j WHERE j.conversation_key = k AND j.state = 'expired') THEN 'expired'
      ELSE 'delivered' END
  $$;
  CREATE FUNCTION chat2crm_jobs_state() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      k TEXT := CASE WHEN TG_OP = 'DELETE' THEN OLD.conversation_key ELSE NEW.conversation_key END;
      v TEXT := chat2crm_conversation_state(k);
    BEGIN
      UPDATE conversations SET state = v WHERE key = k AND state IS DISTINCT FROM v;
      RETURN NULL;
    END
  $$;
  UPDATE conversations SET state = chat2crm_conversation_state(key);
  CREATE TRIGGER jobs_state AFTER INSERT OR DELETE OR UPDATE OF state, last_error ON jobs
    FOR EACH ROW EXECUTE FUNCTION chat2crm_jobs_state();
  CREATE INDEX conversations_newest ON conversations(updated_at, key);
  CREATE INDEX conversations_source_newest ON conversations(source, updated_at, key);
  CREATE INDEX conversations_state_newest ON conversations(state, updated_at, key);
  CREATE INDEX conversations_source_state_newest ON conversations(source, state, updated_at, key);
  CREATE INDEX conversations_search_id ON conversations(lower(conversation_id) text_pattern_ops, updated_at, key, source, state) INCLUDE (conversation_id);
  CREATE INDEX conversations_search_email ON conversations(lower(visitor_email) text_pattern_ops, updated_at, key, source, state) INCLUDE (visitor_email);
  CREATE INDEX conversations_search_name ON conversations(lower(visitor_name) text_pattern_ops, updated_at, key, source, state) INCLUDE (visitor_name);
  CREATE INDEX events_source_newest ON events(source, received_at);
  CREATE INDEX jobs_unresolved_errors ON jobs(updated_at) WHERE last_error IS NOT NULL AND state <> 'done';
  `,
  },
  // 5: privacy (npm run privacy, RETENTION_DAYS). Erasing a person deletes rows by conversation
  // key, and the local CRM's copies of their transcripts are found by the visitor's email, both
  // through an index (trimmed and in lower case, as personEmail keeps a person). redacted_at: when RETENTION_DAYS removed the transcript; an intake after
  // that (updated_at > redacted_at) brings the conversation back under retention, and the
  // partial index keeps the daily pass to those rows instead of every old conversation.
  {
    sqlite: `
  CREATE INDEX events_conversation ON events(conversation_key);
  ALTER TABLE conversations ADD COLUMN redacted_at INTEGER;
  CREATE INDEX conversations_retention ON conversations(updated_at) WHERE redacted_at IS NULL OR updated_at > redacted_at;
  CREATE INDEX conversations_person ON conversations(lower(trim(visitor_email, ' ' || char(9, 10, 13))));
  CREATE INDEX local_crm_conversations_email ON local_crm_conversations(lower(trim(json_extract(snapshot, '$.visitor.email'), ' ' || char(9, 10, 13))));
  `,
    postgres: `
  CREATE INDEX events_conversation ON events(conversation_key);
  ALTER TABLE conversations ADD COLUMN redacted_at BIGINT;
  CREATE INDEX conversations_retention ON conversations(updated_at) WHERE redacted_at IS NULL OR updated_at > redacted_at;
  CREATE INDEX conversations_person ON conversations(lower(btrim(visitor_email, E' \\t\\r\\n')));
  CREATE INDEX local_crm_conversations_email ON local_crm_conversations(lower(btrim(snapshot::json -> 'visitor' ->> 'email', E' \\t\\r\\n')));
  `,
  },
  // 6: the triggers of 4 on the ingest path. A job claimed or handed back (pending <-> running,
  // its error unchanged) cannot change its conversation's state, and a new pending job without an
  // error only turns a delivered or expired conversation pending: those skip the four look-ups.
  {
    sqlite: `
  DROP TRIGGER jobs_state_on_insert;
  DROP TRIGGER jobs_state_on_update;
  CREATE TRIGGER jobs_state_on_insert_pending AFTER INSERT ON jobs WHEN NEW.state = 'pending' AND NEW.last_error IS NULL BEGIN
    UPDATE conversations SET state = 'pending' WHERE key = NEW.conversation_key AND state IN ('delivered', 'expired');
  END;
  CREATE TRIGGER jobs_state_on_insert AFTER INSERT ON jobs WHEN NOT (NEW.state = 'pending' AND NEW.last_error IS NULL) BEGIN
    ${stateFromJobsOf('NEW')}
  END;
  CREATE TRIGGER jobs_state_on_update AFTER UPDATE OF state, last_error ON jobs
    WHEN OLD.last_error IS NOT NEW.last_error
      OR (OLD.state IS NOT NEW.state AND NOT (OLD.state IN ('pending', 'running') AND NEW.state IN ('pending', 'running'))) BEGIN
    ${stateFromJobsOf('NEW')}
  END;
  `,
  },
  // 7: the ingest path. The console's and privacy's look-ups read real columns written with the
  // snapshot instead of json_extract over it: each index over a virtual column parsed the whole
  // transcript JSON again on every insert and update (four parses per write, more for a 10,000-message
  // transcript than the rest of the write). email_key is the visitor's email as personEmail keeps a
  // person (src/domain/local-records.ts) and serves both the console's email search and erasure,
  // one index instead of two. Rows from before are filled with SQL's ASCII lower(); new ones with
  // JavaScript's. A step claimed as it is queued (a sync webhook's first step) is born running: the
  // insert trigger treats it as it treats a new pending job.
  {
    sqlite: `
  DROP INDEX conversations_search_id;
  DROP INDEX conversations_search_email;
  DROP INDEX conversations_search_name;
  DROP INDEX conversations_person;
  ALTER TABLE conversations DROP COLUMN conversation_id;
  ALTER TABLE conversations DROP COLUMN visitor_email;
  ALTER TABLE conversations DROP COLUMN visitor_name;
  ALTER TABLE conversations ADD COLUMN conversation_id TEXT;
  ALTER TABLE conversations ADD COLUMN visitor_email TEXT;
  ALTER TABLE conversations ADD COLUMN visitor_name TEXT;
  ALTER TABLE conversations ADD COLUMN email_key TEXT;
  UPDATE conversations SET
    conversation_id = json_extract(snapshot, '$.id'),
    visitor_email = json_extract(snapshot, '$.visitor.email'),
    visitor_name = json_extract(snapshot, '$.visitor.name'),
    email_key = nullif(lower(trim(json_extract(snapshot, '$.visitor.email'), ' ' || char(9, 10, 13))), '');
  CREATE INDEX conversations_search_id ON conversations(lower(conversation_id), updated_at, key, source, state);
  CREATE INDEX conversations_search_email ON conversations(email_key, updated_at, key, source, state);
  CREATE INDEX conversations_search_name ON conversations(lower(visitor_name), updated_at, key, source, state);

  DROP INDEX local_crm_conversations_email;
  ALTER TABLE local_crm_conversations ADD COLUMN email_key TEXT;
  UPDATE local_crm_conversations SET email_key = nullif(lower(trim(json_extract(snapshot, '$.visitor.email'), ' ' || char(9, 10, 13))), '');
  CREATE INDEX local_crm_conversations_email ON local_crm_conversations(email_key);

  DROP TRIGGER jobs_state_on_insert_pending;
  DROP TRIGGER jobs_state_on_insert;
  CREATE TRIGGER jobs_state_on_insert_pending AFTER INSERT ON jobs WHEN NEW.state IN ('pending', 'running') AND NEW.last_error IS NULL BEGIN
    UPDATE conversations SET state = 'pending' WHERE key = NEW.conversation_key AND state IN ('delivered', 'expired');
  END;
  CREATE TRIGGER jobs_state_on_insert AFTER INSERT ON jobs WHEN NOT (NEW.state IN ('pending', 'running') AND NEW.last_error IS NULL) BEGIN
    ${stateFromJobsOf('NEW')}
  END;
  `,
  },
];
