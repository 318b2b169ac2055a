/**
 * The migration lists as they were before the schema's steps were kept in one list
 * (src/storage/migrations/): SQLite at version 10, PostgreSQL at 7. The legacy-upgrade test builds
 * databases with them, as the code of that time did, and opens them with today's store.
 */

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
export const sqliteMigrations: readonly string[] = [
  `
  CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);

  CREATE TABLE conversations (
    key TEXT PRIMARY KEY,
    snapshot TEXT NOT NULL,
    version INTEGER NOT NULL,
    forced TEXT CHECK (forced IN ('lead', 'case')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );

  CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    conversation_key TEXT NOT NULL REFERENCES conversations(key),
    state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'done', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_owner TEXT,
    lease_expires_at INTEGER,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  -- At most one pending job per conversation: later intakes share it.
  CREATE UNIQUE INDEX jobs_one_pending ON jobs(conversation_key) WHERE state = 'pending';
  CREATE INDEX jobs_due ON jobs(state, next_attempt_at);
  CREATE INDEX jobs_conversation ON jobs(conversation_key, created_at);

  CREATE TABLE attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id TEXT NOT NULL REFERENCES jobs(id),
    started_at INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
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
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (conversation_key, action, crm)
  );

  CREATE TABLE local_records (
    id TEXT PRIMARY KEY,
    conversation_key TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('lead', 'case')),
    email TEXT,
    snapshot TEXT NOT NULL,
    history TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (conversation_key, action)
  );
  CREATE INDEX local_records_email ON local_records(email);
  `,
  // 2: steps. A conversation's work is a chain of jobs (fetch → lookup → deliver → notify), one
  // pending job per conversation and kind; events are kept by the platform's own key so a
  // re-sent event is recognised. Existing jobs are deliveries. The jobs table is rebuilt because
  // SQLite cannot change a CHECK constraint in place (migrate() runs this with foreign keys off).
  `
  CREATE TABLE jobs_v2 (
    id TEXT PRIMARY KEY,
    conversation_key TEXT NOT NULL REFERENCES conversations(key),
    kind TEXT NOT NULL DEFAULT 'deliver' CHECK (kind IN ('fetch', 'lookup', 'deliver', 'notify')),
    then_steps TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'done', 'dead', 'expired')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    expires_at INTEGER,
    lease_owner TEXT,
    lease_expires_at INTEGER,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  INSERT INTO jobs_v2 (id, conversation_key, state, attempts, next_attempt_at, lease_owner, lease_expires_at, last_error, created_at, updated_at)
    SELECT id, conversation_key, state, attempts, next_attempt_at, lease_owner, lease_expires_at, last_error, created_at, updated_at FROM jobs ORDER BY rowid;
  DROP TABLE jobs;
  ALTER TABLE jobs_v2 RENAME TO jobs;
  CREATE UNIQUE INDEX jobs_one_pending ON jobs(conversation_key, kind) WHERE state = 'pending';
  CREATE INDEX jobs_due ON jobs(state, next_attempt_at);
  CREATE INDEX jobs_conversation ON jobs(conversation_key, created_at);

  ALTER TABLE conversations ADD COLUMN source TEXT;
  ALTER TABLE conversations ADD COLUMN meta TEXT NOT NULL DEFAULT '{}';
  ALTER TABLE conversations ADD COLUMN person TEXT;
  ALTER TABLE conversations ADD COLUMN visitor_id TEXT;
  UPDATE conversations SET source = substr(key, 1, instr(key, ':') - 1);
  CREATE INDEX conversations_visitor ON conversations(source, visitor_id, updated_at);

  CREATE TABLE events (
    source TEXT NOT NULL,
    dedup_key TEXT NOT NULL,
    conversation_key TEXT NOT NULL,
    received_at INTEGER NOT NULL,
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
    created_at INTEGER NOT NULL
  );
  CREATE TABLE local_crm_records (
    id TEXT PRIMARY KEY,
    action TEXT NOT NULL CHECK (action IN ('lead', 'case')),
    person_id TEXT REFERENCES local_people(id),
    history TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX local_crm_records_person ON local_crm_records(person_id, action, created_at);
  CREATE TABLE local_crm_conversations (
    conversation_key TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('lead', 'case')),
    record_id TEXT NOT NULL REFERENCES local_crm_records(id),
    snapshot TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
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
  // is kept on its row by triggers on jobs, so whatever changes a job (intake, a step's end, a
  // replay, an erase) keeps it true; with the visitor's name and email read out of the snapshot
  // (virtual columns) and indexes that serve the console's newest-first keyset pages, filtered or
  // searched, over a million conversations without a scan. The search indexes carry what a page is
  // filtered and ordered by: a common name prefix matches thousands, sorted from the index alone.
  `
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
  // 5: privacy (npm run privacy, RETENTION_DAYS). Erasing a person deletes rows by conversation
  // key, and the local CRM's copies of their transcripts are found by the visitor's email, both
  // through an index (trimmed and in lower case, as personEmail keeps a person). redacted_at: when RETENTION_DAYS removed the transcript; an intake after
  // that (updated_at > redacted_at) brings the conversation back under retention, and the
  // partial index keeps the daily pass to those rows instead of every old conversation.
  `
  CREATE INDEX events_conversation ON events(conversation_key);
  ALTER TABLE conversations ADD COLUMN redacted_at INTEGER;
  CREATE INDEX conversations_retention ON conversations(updated_at) WHERE redacted_at IS NULL OR updated_at > redacted_at;
  CREATE INDEX conversations_person ON conversations(lower(trim(visitor_email, ' ' || char(9, 10, 13))));
  CREATE INDEX local_crm_conversations_email ON local_crm_conversations(lower(trim(json_extract(snapshot, '$.visitor.email'), ' ' || char(9, 10, 13))));
  `,
  // 6: the triggers of 4 on the ingest path. A job claimed or handed back (pending <-> running,
  // its error unchanged) cannot change its conversation's state, and a new pending job without an
  // error only turns a delivered or expired conversation pending: those skip the four look-ups.
  `
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
  // 7: the ingest path. The console's and privacy's look-ups read real columns written with the
  // snapshot instead of json_extract over it: each index over a virtual column parsed the whole
  // transcript JSON again on every insert and update (four parses per write, more for a 10,000-message
  // transcript than the rest of the write). email_key is the visitor's email as personEmail keeps a
  // person (src/domain/local-records.ts) and serves both the console's email search and erasure,
  // one index instead of two. Rows from before are filled with SQL's ASCII lower(); new ones with
  // JavaScript's. A step claimed as it is queued (a sync webhook's first step) is born running: the
  // insert trigger treats it as it treats a new pending job.
  `
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
  // 8: queue stats that do not grow with the history kept (src/storage/sqlite/queue-stats.ts):
  // the oldest pending step and the count of failing ones are read from partial indexes that hold
  // only those steps, instead of from every job of their state (reading each row for its age or
  // attempts cost about 50 ms each among 40,000 pending jobs).
  `
  CREATE INDEX jobs_pending_age ON jobs(created_at) WHERE state = 'pending';
  CREATE INDEX jobs_failing ON jobs(state) WHERE attempts > 0 AND state IN ('pending', 'running');
  `,
  // 9: no triggers on inserting a job. The store inserts a job only pending or running without
  // an error, or done (a local CRM delivery made in its intake's transaction, which cannot change
  // a state that only dead, expired and unfinished jobs decide); a pending one turns a delivered
  // or expired conversation pending, which the store now writes itself where it queues a step
  // (store.ts `queueStep`). Any trigger on the insert, even one whose WHEN is false, cost about
  // 11 µs per job inserted: SQLite runs a trigger's program for every row and tests its WHEN
  // inside. Updates and deletes keep their triggers.
  `
  DROP TRIGGER jobs_state_on_insert;
  DROP TRIGGER jobs_state_on_insert_pending;
  `,
  // 10: MAPPING_FILE's fields on local CRM records (JSON, kind -> name -> value); null: none mapped.
  `
  ALTER TABLE local_crm_records ADD COLUMN fields TEXT;
  `,
];

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
