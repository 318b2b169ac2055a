/**
 * PostgreSQL schema, one entry per version; the same logical schema as SQLite (times as epoch
 * milliseconds, JSON as text decoded by rows.ts), applied in order and recorded in schema_migrations.
 */
export const postgresMigrations: readonly string[] = [
  `
  CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);

  CREATE TABLE conversations (
    key TEXT PRIMARY KEY,
    snapshot TEXT NOT NULL,
    version INTEGER NOT NULL,
    forced TEXT CHECK (forced IN ('lead', 'case')),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
  );

  CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    -- Insertion order: breaks ties between jobs created in the same millisecond (SQLite's rowid).
    seq BIGINT GENERATED ALWAYS AS IDENTITY,
    conversation_key TEXT NOT NULL REFERENCES conversations(key),
    state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'done', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_owner TEXT,
    lease_expires_at BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
  );
  -- At most one pending job per conversation: later intakes share it.
  CREATE UNIQUE INDEX jobs_one_pending ON jobs(conversation_key) WHERE state = 'pending';
  CREATE INDEX jobs_due ON jobs(state, next_attempt_at);
  CREATE INDEX jobs_conversation ON jobs(conversation_key, created_at);

  CREATE TABLE attempts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id TEXT NOT NULL REFERENCES jobs(id),
    started_at BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    outcome TEXT NOT NULL,
    crm_status INTEGER,
    error TEXT
  );
  CREATE INDEX attempts_job ON attempts(job_id);

  CREATE TABLE records (
    conversation_key TEXT NOT NULL REFERENCES conversations(key),
    action TEXT NOT NULL CHECK (action IN ('lead', 'case')),
    crm TEXT NOT NULL,
    record TEXT NOT NULL,
    version INTEGER NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (conversation_key, action, crm)
  );

  CREATE TABLE local_records (
    id TEXT PRIMARY KEY,
    conversation_key TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('lead', 'case')),
    email TEXT,
    snapshot TEXT NOT NULL,
    history TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (conversation_key, action)
  );
  CREATE INDEX local_records_email ON local_records(email);
  `,
  // 2: steps (see the SQLite migration of the same number).
  `
  ALTER TABLE jobs ADD COLUMN kind TEXT NOT NULL DEFAULT 'deliver' CHECK (kind IN ('fetch', 'lookup', 'deliver', 'notify'));
  ALTER TABLE jobs ADD COLUMN then_steps TEXT NOT NULL DEFAULT '';
  ALTER TABLE jobs ADD COLUMN expires_at BIGINT;
  ALTER TABLE jobs DROP CONSTRAINT IF EXISTS jobs_state_check;
  ALTER TABLE jobs ADD CONSTRAINT jobs_state_check CHECK (state IN ('pending', 'running', 'done', 'dead', 'expired'));
  DROP INDEX jobs_one_pending;
  CREATE UNIQUE INDEX jobs_one_pending ON jobs(conversation_key, kind) WHERE state = 'pending';

  ALTER TABLE conversations ADD COLUMN source TEXT;
  ALTER TABLE conversations ADD COLUMN meta TEXT NOT NULL DEFAULT '{}';
  ALTER TABLE conversations ADD COLUMN person TEXT;
  ALTER TABLE conversations ADD COLUMN visitor_id TEXT;
  UPDATE conversations SET source = split_part(key, ':', 1);
  CREATE INDEX conversations_visitor ON conversations(source, visitor_id, updated_at);

  CREATE TABLE events (
    source TEXT NOT NULL,
    dedup_key TEXT NOT NULL,
    conversation_key TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (source, dedup_key)
  );
  `,
  // 3: local CRM people. One person per email, a lead per person with every conversation the visitor
  // had, a case per conversation linked to its person (HubSpot and Salesforce reuse the person
  // too). Existing records keep their ids, the links agents were given; leads made twice for one
  // person before this version both stay, and new conversations join the older one.
  `
  CREATE TABLE local_people (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
  );
  CREATE TABLE local_crm_records (
    id TEXT PRIMARY KEY,
    action TEXT NOT NULL CHECK (action IN ('lead', 'case')),
    person_id TEXT REFERENCES local_people(id),
    history TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
  );
  CREATE INDEX local_crm_records_person ON local_crm_records(person_id, action, created_at);
  CREATE TABLE local_crm_conversations (
    conversation_key TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('lead', 'case')),
    record_id TEXT NOT NULL REFERENCES local_crm_records(id),
    snapshot TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (conversation_key, action)
  );
  CREATE INDEX local_crm_conversations_record ON local_crm_conversations(record_id, updated_at);
  INSERT INTO local_people (id, email, created_at)
    SELECT MIN(id), email, MIN(created_at) FROM local_records WHERE email IS NOT NULL GROUP BY email;
  INSERT INTO local_crm_records (id, action, person_id, history, created_at, updated_at)
    SELECT r.id, r.action, p.id, r.history, r.created_at, r.updated_at FROM local_records r LEFT JOIN local_people p ON p.email = r.email;
  INSERT INTO local_crm_conversations (conversation_key, action, record_id, snapshot, created_at, updated_at)
    SELECT conversation_key, action, id, snapshot, created_at, updated_at FROM local_records;
  DROP TABLE local_records;
  `,
  // 4: the operator console. A conversation's state (delivered, pending, failing, dead, expired)
  // is kept on its row by a trigger on jobs, so whatever changes a job (intake, a step's end, a
  // replay, an erase) keeps it true (every job change already holds the conversation's row lock);
  // with the visitor's name and email read out of the snapshot (generated columns) and indexes
  // that serve the console's newest-first keyset pages, filtered or searched, over a million
  // conversations without a scan. text_pattern_ops: prefix search by LIKE whatever the collation;
  // the search indexes carry what a page is filtered and ordered by: thousands of matches of a
  // common name prefix are sorted by an index-only scan (which PostgreSQL plans for an expression
  // index only when the column under the expression is in it too: INCLUDE).
  `
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
  // 5: privacy (npm run privacy, RETENTION_DAYS). Erasing a person deletes rows by conversation
  // key, and the local CRM's copies of their transcripts are found by the visitor's email, both
  // through an index (trimmed and in lower case, as personEmail keeps a person). redacted_at: when RETENTION_DAYS removed the transcript; an intake after
  // that (updated_at > redacted_at) brings the conversation back under retention, and the
  // partial index keeps the daily pass to those rows instead of every old conversation.
  `
  CREATE INDEX events_conversation ON events(conversation_key);
  ALTER TABLE conversations ADD COLUMN redacted_at BIGINT;
  CREATE INDEX conversations_retention ON conversations(updated_at) WHERE redacted_at IS NULL OR updated_at > redacted_at;
  CREATE INDEX conversations_person ON conversations(lower(btrim(visitor_email, E' \\t\\r\\n')));
  CREATE INDEX local_crm_conversations_email ON local_crm_conversations(lower(btrim(snapshot::json -> 'visitor' ->> 'email', E' \\t\\r\\n')));
  `,
  // 6: queue stats that do not grow with the history kept (src/storage/postgres/queue-stats.ts):
  // the oldest pending step and the count of failing ones are read from partial indexes that hold
  // only those steps, instead of from every job of their state (reading each row for its age or
  // attempts cost about 50 ms each among 40,000 pending jobs). The first names attempts so that
  // only a query naming it too (the queue stats) can use it: the planner took it for the worker's
  // claim (pending and due) and read every pending row to find the due ones, 230 ms at 40,000.
  `
  CREATE INDEX jobs_pending_age ON jobs(created_at) WHERE state = 'pending' AND attempts >= 0;
  CREATE INDEX jobs_failing ON jobs(state) WHERE attempts > 0 AND state IN ('pending', 'running');
  `,
  // 7: MAPPING_FILE's fields on local CRM records (see the SQLite migration 10).
  `
  ALTER TABLE local_crm_records ADD COLUMN fields TEXT;
  `,
];
