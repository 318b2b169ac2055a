/** The schema's steps 1 to 3 in both dialects: the first schema, steps, the local CRM's people. */
import type { MigrationStep } from './step';

export const steps1to3: readonly MigrationStep[] = [
  // 1: the first schema.
  {
    sqlite: `
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
    postgres: `
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
  },
  // 2: steps. A conversation's work is a chain of jobs (fetch → lookup → deliver → notify), one
  // pending job per conversation and kind; events are kept by the platform's own key so a
  // re-sent event is recognised. Existing jobs are deliveries. The jobs table is rebuilt because
  // SQLite cannot change a CHECK constraint in place (migrate() runs this with foreign keys off).
  {
    sqlite: `
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
    postgres: `
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
  },
  // 3: local CRM people. One person per email, a lead per person with every conversation the visitor
  // had, a case per conversation linked to its person (HubSpot and Salesforce reuse the person
  // too). Existing records keep their ids, the links agents were given; leads made twice for one
  // person before this version both stay, and new conversations join the older one.
  {
    sqlite: `
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
    postgres: `
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
  },
];
