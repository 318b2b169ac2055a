/**
 * The embedded default: SQLite through better-sqlite3 (synchronous, so every method's
 * transaction is atomic within the process). WAL lets readers (the replay command, health
 * checks) run beside the writer.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Conversation } from '../../domain/conversation';
import { personEmail } from '../../domain/local-records';
import { mergeConversation } from '../../domain/merge';
import type { CrmRecord } from '../../domain/record';
import type { StepKind } from '../../domain/source';
import { newSortableId } from '../sortable-id';
import { mergePlans } from '../plans';
import { toConversationJson, toMetaJson, toPersonJson, toRecordJson } from '../serialization';
import {
  toAttempt,
  toJob,
  toMovedJob,
  toPendingRef,
  type MovedJob,
  toStepList,
  toStoredConversation,
  toStoredRecord,
  toValue,
} from '../rows';
import {
  asksDeliverHere,
  conversationKey,
  type Attempt,
  type ConversationKey,
  type DeliveredHere,
  type IntakeInput,
  type IntakeResult,
  type Job,
  type JobResult,
  type JobState,
  type Store,
  type StoredConversation,
  DEFAULT_PLAN,
} from '../store';
import { sqliteMigrations } from './migrations';
import { CHECKPOINT_DEFAULTS, startCheckpointer, type CheckpointTiming } from './checkpointer';
import type { CheckpointMode } from './checkpoint-policy';
import { createWriteQueue } from './write-queue';
import { createSqliteLocalCrm } from './local-crm';
import { createSqliteConsole } from './console';
import { createSqliteQueueStats } from './queue-stats';
import { createSqlitePrivacy } from '../privacy/sqlite';

const migrate = (db: Database.Database): void => {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
  const applied = new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all());
  // Rebuilding a table that others reference needs foreign keys off, and that pragma is a no-op
  // inside a transaction (https://www.sqlite.org/lang_altertable.html#otheralter); the check
  // below proves the rebuilt tables still hold together.
  db.pragma('foreign_keys = OFF');
  try {
    sqliteMigrations.forEach((sql, index) => {
      const version = index + 1;
      if (applied.has(version)) return;
      db.transaction(() => {
        db.exec(sql);
        const broken = db.pragma('foreign_key_check');
        if (Array.isArray(broken) && broken.length > 0) throw new Error(`migration ${version} broke ${broken.length} foreign key(s)`);
        db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(version, Date.now());
      }).immediate();
    });
  } finally {
    db.pragma('foreign_keys = ON');
  }
};

const CONVERSATION = 'key, snapshot, version, forced, meta, person, updated_at';

/** No other job of the conversation of `jobs` (the row looked at) holds a live lease: one step of a conversation at a time. */
const NO_LIVE_SIBLING = `NOT EXISTS (
  SELECT 1 FROM jobs other
  WHERE other.conversation_key = jobs.conversation_key AND other.id <> jobs.id
    AND other.state = 'running' AND other.lease_expires_at >= @now)`;

/** The columns kept beside the snapshot for the console's search and for erasure (migration 7). */
const searchColumns = (c: Conversation) => ({
  conversationId: c.id,
  visitorEmail: c.visitor.email ?? null,
  visitorName: c.visitor.name ?? null,
  emailKey: personEmail(c.visitor.email) ?? null,
  visitorId: c.visitor.id ?? null,
});

export interface SqliteStoreOptions {
  readonly onError?: (message: string) => void;
  /** When checkpoints move to a worker thread and back (checkpointer.ts); tests shorten them. */
  readonly checkpoints?: Partial<CheckpointTiming>;
  readonly onCheckpointMove?: (mode: CheckpointMode, ms: number) => void;
}

export const openSqliteStore = (path: string, options: SqliteStoreOptions = {}): Store => {
  const inMemory = path === ':memory:';
  if (!inMemory) mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  // WAL + NORMAL survives a crash of the process (kill -9); only a power cut can lose the
  // newest commits. Deployments that need more run on PostgreSQL.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  // 8 MB of page cache instead of better-sqlite3's 16: ingest at 64 connections ran at the same
  // CPU per transcript with either (and with SQLite's own 2 MB), and peaked 10 MB lower.
  db.pragma('cache_size = -8000');
  migrate(db);
  const write = createWriteQueue(db);
  const localCrm = createSqliteLocalCrm(db, write);
  // Called within a transaction, better-sqlite3 makes this a savepoint. Made once: db.transaction()
  // builds four functions each time it is asked.
  const inSavepoint = db.transaction((work: () => CrmRecord): CrmRecord => work());
  // Checkpoints run on a timer (checkpointer.ts), not after a request's commit. The writer's own
  // checkpoint stays as a backstop, at 10,000 pages (40 MB), for a load the timer cannot keep up
  // with: a checkpoint running beside a busy writer never gets to reset the WAL.
  if (!inMemory) db.pragma('wal_autocheckpoint = 10000');
  const checkpointer = inMemory
    ? undefined
    : startCheckpointer(db, path, {
        ...CHECKPOINT_DEFAULTS,
        ...options.checkpoints,
        onError: options.onError ?? (() => undefined),
        ...(options.onCheckpointMove === undefined ? {} : { onMove: options.onCheckpointMove }),
      });

  const q = {
    conversation: db.prepare(`SELECT ${CONVERSATION} FROM conversations WHERE key = ?`),
    insertConversation: db.prepare(
      `INSERT INTO conversations (key, source, snapshot, version, forced, meta, visitor_id, conversation_id, visitor_email, visitor_name, email_key, state, created_at, updated_at)
       VALUES (@key, @source, @snapshot, 1, @forced, @meta, @visitorId, @conversationId, @visitorEmail, @visitorName, @emailKey, @state, @now, @now)`,
    ),
    updateConversation: db.prepare(
      `UPDATE conversations SET snapshot = @snapshot, version = version + 1, forced = @forced, meta = @meta, visitor_id = @visitorId,
         conversation_id = @conversationId, visitor_email = @visitorEmail, visitor_name = @visitorName, email_key = @emailKey, updated_at = @now WHERE key = @key`,
    ),
    fetched: db.prepare(
      `UPDATE conversations SET snapshot = @snapshot, version = version + 1, visitor_id = @visitorId,
         conversation_id = @conversationId, visitor_email = @visitorEmail, visitor_name = @visitorName, email_key = @emailKey, updated_at = @now WHERE key = @key`,
    ),
    person: db.prepare('UPDATE conversations SET person = @person WHERE key = @key'),
    facts: db.prepare('UPDATE conversations SET meta = @meta, forced = COALESCE(@forced, forced) WHERE key = @key'),
    insertEvent: db.prepare(
      'INSERT INTO events (source, dedup_key, conversation_key, received_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
    ),
    pendingJob: db.prepare("SELECT id, then_steps FROM jobs WHERE conversation_key = ? AND kind = ? AND state = 'pending'"),
    insertJob: db.prepare(
      `INSERT INTO jobs (id, conversation_key, kind, then_steps, state, attempts, next_attempt_at, expires_at, created_at, updated_at)
       VALUES (@id, @key, @kind, @then, 'pending', 0, @now, @expiresAt, @now, @now)`,
    ),
    // A sync webhook's first step, queued and claimed at once for a conversation that has no other job.
    insertClaimedJob: db.prepare(
      `INSERT INTO jobs (id, conversation_key, kind, then_steps, state, attempts, next_attempt_at, expires_at, lease_owner, lease_expires_at, created_at, updated_at)
       VALUES (@id, @key, @kind, @then, 'running', 0, @now, @expiresAt, @owner, @until, @now, @now) RETURNING *`,
    ),
    // A `deliver` made in the intake's transaction (deliverHere): born done, its one attempt made.
    insertDoneJob: db.prepare(
      `INSERT INTO jobs (id, conversation_key, kind, then_steps, state, attempts, next_attempt_at, expires_at, created_at, updated_at)
       VALUES (@id, @key, 'deliver', @then, 'done', 1, @now, @expiresAt, @now, @now)`,
    ),
    // What the jobs insert trigger did before migration 9, for the one insert that can change a state.
    pendingState: db.prepare("UPDATE conversations SET state = 'pending' WHERE key = ? AND state IN ('delivered', 'expired')"),
    unfinishedJob: db.prepare("SELECT 1 FROM jobs WHERE conversation_key = ? AND state IN ('pending', 'running') LIMIT 1").pluck(),
    shareJob: db.prepare(
      'UPDATE jobs SET then_steps = @then, expires_at = CASE WHEN expires_at IS NULL OR @expiresAt IS NULL THEN NULL ELSE max(expires_at, @expiresAt) END WHERE id = @id',
    ),
    job: db.prepare('SELECT * FROM jobs WHERE id = ?'),
    latestJob: db.prepare('SELECT * FROM jobs WHERE conversation_key = ? ORDER BY created_at DESC, rowid DESC LIMIT 1'),
    latestJobOfKind: db.prepare('SELECT * FROM jobs WHERE conversation_key = ? AND kind = ? ORDER BY created_at DESC, rowid DESC LIMIT 1'),
    conversationJobs: db.prepare(
      'SELECT * FROM (SELECT *, rowid AS r FROM jobs WHERE conversation_key = ? ORDER BY created_at DESC, rowid DESC LIMIT ?) ORDER BY created_at, r',
    ),
    recordForVisitor: db.prepare(`
      SELECT r.record, r.version, r.updated_at FROM conversations c JOIN records r ON r.conversation_key = c.key
      WHERE c.source = ? AND c.visitor_id = ? AND r.crm = ? ORDER BY r.updated_at DESC LIMIT 1`),
    claim: db.prepare(`
      UPDATE jobs SET state = 'running', lease_owner = @owner, lease_expires_at = @until, updated_at = @now
      WHERE id = @id
        AND (state = 'pending' OR (state = 'running' AND lease_expires_at < @now))
        AND ${NO_LIVE_SIBLING}
      RETURNING *`),
    // Due pending jobs and lapsed leases, each read from its own range of jobs_due in order up to
    // the limit: as one OR, SQLite gathered and sorted every due job first (300 ms per worker tick
    // with 40,000 due, the event loop blocked throughout; bench section 9).
    dueIds: db.prepare(`
      SELECT * FROM (
        SELECT * FROM jobs WHERE state = 'pending' AND next_attempt_at <= @now
          -- Filtered here, not only in claim: due jobs of busy conversations would otherwise fill
          -- the over-selected window and starve the free ones behind them.
          AND ${NO_LIVE_SIBLING}
        ORDER BY next_attempt_at LIMIT @limit)
      UNION ALL
      SELECT * FROM (
        SELECT * FROM jobs WHERE state = 'running' AND lease_expires_at < @now
          AND ${NO_LIVE_SIBLING}
        ORDER BY next_attempt_at LIMIT @limit)
      ORDER BY next_attempt_at LIMIT @limit`),
    insertAttempt: db.prepare(
      'INSERT INTO attempts (job_id, started_at, duration_ms, outcome, crm_status, error) VALUES (@jobId, @startedAt, @durationMs, @outcome, @crmStatus, @error)',
    ),
    countAbandoned: db.prepare("UPDATE jobs SET attempts = attempts + 1 WHERE id = ? AND state = 'running'"),
    otherPending: db.prepare(
      "SELECT other.id FROM jobs other JOIN jobs me ON me.id = @id WHERE other.conversation_key = me.conversation_key AND other.kind = me.kind AND other.state = 'pending' AND other.id <> @id",
    ),
    finish: db.prepare(`
      UPDATE jobs SET state = @state, attempts = attempts + @counted, next_attempt_at = COALESCE(@next, next_attempt_at),
        last_error = CASE WHEN @keepError = 1 THEN last_error ELSE @error END,
        lease_owner = NULL, lease_expires_at = NULL, updated_at = @now
      WHERE id = @id AND state = 'running' AND lease_owner = @owner
      RETURNING conversation_key, expires_at`),
    upsertRecord: db.prepare(`
      INSERT INTO records (conversation_key, action, crm, record, version, updated_at) VALUES (@key, @action, @crm, @record, @version, @now)
      ON CONFLICT (conversation_key, action, crm) DO UPDATE SET
        record = excluded.record, version = max(records.version, excluded.version), updated_at = excluded.updated_at`),
    record: db.prepare('SELECT record, version, updated_at FROM records WHERE conversation_key = ? AND action = ? AND crm = ?'),
    records: db.prepare('SELECT record, version, updated_at FROM records WHERE conversation_key = ? ORDER BY updated_at DESC'),
    attempts: db.prepare('SELECT * FROM attempts WHERE job_id = ? ORDER BY id'),
    jobsByState: db.prepare('SELECT * FROM jobs WHERE state = ? ORDER BY updated_at DESC LIMIT ?'),
    revive: db.prepare(
      "UPDATE jobs SET state = 'pending', attempts = 0, next_attempt_at = @now, last_error = NULL, updated_at = @now WHERE id = @id AND state = 'dead'",
    ),
    reviveOther: db.prepare("SELECT id FROM jobs WHERE conversation_key = ? AND kind = ? AND state = 'pending'"),
    getSetting: db.prepare('SELECT value FROM settings WHERE key = ?'),
    insertSetting: db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING'),
    setSetting: db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
  };

  const claimOne = (id: string, wasRunning: boolean, owner: string, now: number, leaseMs: number): Job | undefined => {
    const row: unknown = q.claim.get({ id, owner, now, until: now + leaseMs });
    if (row === undefined) return undefined;
    if (wasRunning) {
      // The previous holder died mid-delivery: that try counts, so a job that crashes the
      // process every time still ends up dead instead of looping forever.
      q.insertAttempt.run({
        jobId: id,
        startedAt: now,
        durationMs: 0,
        outcome: 'abandoned',
        crmStatus: null,
        error: 'lease expired: the process delivering it stopped',
      });
      q.countAbandoned.run(id);
      return toJob(q.job.get(id));
    }
    return toJob(row);
  };

  /** The pending job of this kind, created or shared (its follow-up steps merged). */
  const queueStep = (key: ConversationKey, kind: StepKind, then: readonly StepKind[], expiresAt: number | null, now: number): string => {
    const pending: unknown = q.pendingJob.get(key, kind);
    if (pending !== undefined) {
      const shared = toPendingRef(pending);
      q.shareJob.run({ id: shared.id, then: toStepList(mergePlans(shared.then, then)), expiresAt });
      return shared.id;
    }
    const id = newSortableId(now);
    q.insertJob.run({ id, key, kind, then: toStepList(then), expiresAt, now });
    q.pendingState.run(key);
    return id;
  };

  const intake = (input: IntakeInput, now: number): IntakeResult => {
    const { conversation, forced, plan = DEFAULT_PLAN } = input;
    const key = conversationKey(conversation);
    const row: unknown = q.conversation.get(key);
    const known = row === undefined ? undefined : toStoredConversation(row);
    if (
      input.dedupKey !== undefined &&
      q.insertEvent.run(conversation.source, input.dedupKey, key, now).changes === 0 &&
      known !== undefined
    ) {
      const first = plan[0];
      const latest: unknown = first === undefined ? undefined : q.latestJobOfKind.get(key, first);
      return { duplicate: true, stored: known, ...(latest === undefined ? {} : { jobId: toJob(latest).id }) };
    }
    const merged = known === undefined ? conversation : mergeConversation(known.conversation, conversation);
    const keptForced = forced ?? known?.forced;
    const meta = { ...known?.meta, ...input.meta };
    const stored: StoredConversation = {
      key,
      conversation: merged,
      version: (known?.version ?? 0) + 1,
      meta,
      updatedAt: new Date(now),
      ...(keptForced === undefined ? {} : { forced: keptForced }),
      ...(known?.person === undefined ? {} : { person: known.person }),
    };
    const [first, ...then] = plan;
    const expiresAt = input.expiresAt?.getTime() ?? null;
    const here =
      asksDeliverHere(input) && (known === undefined || q.unfinishedJob.get(key) === undefined)
        ? deliverNow(input.deliverHere, stored, now)
        : undefined;
    const values = {
      key,
      snapshot: toConversationJson(merged),
      forced: keptForced ?? null,
      meta: toMetaJson(meta),
      ...searchColumns(merged),
      now,
    };
    // Born in the state its first step gives it (no trigger runs on a job's insert, migration 9),
    // rather than rewritten, with its state indexes, in the same transaction.
    const state = plan.length === 0 || (here !== undefined && then.length === 0) ? 'delivered' : 'pending';
    if (known === undefined) q.insertConversation.run({ ...values, source: conversation.source, state });
    else q.updateConversation.run(values);
    if (first === undefined) return { duplicate: false, stored };
    if (here !== undefined) {
      const { record, durationMs } = here;
      const jobId = newSortableId(now);
      q.insertDoneJob.run({ id: jobId, key, then: toStepList(then), expiresAt, now });
      q.insertAttempt.run({ jobId, startedAt: now, durationMs, outcome: 'ok', crmStatus: null, error: null });
      q.upsertRecord.run({ key, action: record.action, crm: record.crm, record: toRecordJson(record), version: stored.version, now });
      const delivered = { jobId, record, durationMs };
      const [next, ...rest] = then;
      if (next === undefined || input.claim === undefined) return { duplicate: false, stored, delivered };
      const nextId = queueStep(key, next, rest, expiresAt, now);
      const claimed = claimOne(nextId, false, input.claim.owner, now, input.claim.leaseMs);
      return { duplicate: false, stored, delivered, jobId: nextId, ...(claimed === undefined ? {} : { claimed }) };
    }
    if (known === undefined && input.claim !== undefined) {
      // A new conversation has no job to share and none running elsewhere: born claimed.
      const claimed = toJob(
        q.insertClaimedJob.get({
          id: newSortableId(now),
          key,
          kind: first,
          then: toStepList(then),
          expiresAt,
          owner: input.claim.owner,
          until: now + input.claim.leaseMs,
          now,
        }),
      );
      return { duplicate: false, stored, jobId: claimed.id, claimed };
    }
    const jobId = queueStep(key, first, then, expiresAt, now);
    const claimed = input.claim === undefined ? undefined : claimOne(jobId, false, input.claim.owner, now, input.claim.leaseMs);
    return { duplicate: false, stored, jobId, ...(claimed === undefined ? {} : { claimed }) };
  };

  /**
   * The local CRM's upsert for `deliverHere`, in a savepoint of the intake's transaction: a
   * failure leaves none of it behind, and the step is then queued to run (and fail, and be
   * retried) as any other.
   */
  const deliverNow = (
    deliverHere: NonNullable<IntakeInput['deliverHere']>,
    stored: StoredConversation,
    now: number,
  ): Omit<DeliveredHere, 'jobId'> | undefined => {
    const started = Date.now();
    try {
      const delivery = deliverHere(stored);
      const record = inSavepoint(() => delivery.toRecord(localCrm.upsertNow(delivery.upsert, now).id));
      return { record, durationMs: Date.now() - started };
    } catch {
      return undefined;
    }
  };

  const finish = (input: { jobId: string; owner: string; now: number; attempt?: Attempt; result: JobResult }): boolean => {
    const { jobId, owner, now, attempt, result } = input;
    if (result.kind === 'done' && result.record !== undefined) {
      const r = result.record;
      q.upsertRecord.run({
        key: r.conversationKey,
        action: r.value.action,
        crm: r.value.crm,
        record: toRecordJson(r.value),
        version: r.version,
        now,
      });
    }
    const counted = attempt === undefined ? 0 : 1;
    // `next` and `error` null keep the job's own values; the update only touches our running
    // lease (nothing when it was lost), and hands back what a finished step's follow-up needs.
    const moveJob = (state: JobState, next: number | null, error: string | null, keepError = false) => {
      const row: unknown = q.finish.get({ id: jobId, owner, state, counted, next, error, keepError: keepError ? 1 : 0, now });
      return row === undefined ? undefined : toMovedJob(row);
    };
    const move = (state: JobState, next: number | null, error: string | null, keepError = false) =>
      moveJob(state, next, error, keepError) !== undefined;
    const toPending = (next: number, error: string | null, keepError: boolean) => {
      // A newer intake already queued a job that will deliver everything this one would.
      const other: unknown = q.otherPending.pluck().get({ id: jobId });
      return typeof other === 'string' ? move('done', null, `superseded by job ${other}`) : move('pending', next, error, keepError);
    };
    let moved: boolean;
    switch (result.kind) {
      case 'done': {
        const job = moveJob('done', null, null);
        moved = job !== undefined;
        if (job !== undefined) finishDone(job, result, now);
        break;
      }
      case 'dead':
        moved = move('dead', null, result.error);
        break;
      case 'expired':
        moved = move('expired', null, result.error);
        break;
      case 'retry':
        moved = toPending(result.nextAttemptAt.getTime(), result.error, false);
        break;
      case 'release':
        moved = toPending(result.nextAttemptAt.getTime(), null, true);
        break;
    }
    if (moved && attempt !== undefined)
      q.insertAttempt.run({
        jobId,
        startedAt: attempt.startedAt.getTime(),
        durationMs: attempt.durationMs,
        outcome: attempt.outcome,
        crmStatus: attempt.crmStatus ?? null,
        error: attempt.error ?? null,
      });
    return moved;
  };

  /** What a finished step hands on: the fetched transcript, the person found, the next step. */
  const finishDone = (job: MovedJob, result: JobResult & { kind: 'done' }, now: number): void => {
    const key = job.conversationKey;
    if (result.conversation !== undefined) {
      const knownRow: unknown = q.conversation.get(key);
      const known = knownRow === undefined ? undefined : toStoredConversation(knownRow);
      const merged = known === undefined ? result.conversation : mergeConversation(known.conversation, result.conversation);
      q.fetched.run({ key, snapshot: toConversationJson(merged), ...searchColumns(merged), now });
    }
    if (result.meta !== undefined || result.forced !== undefined) {
      const knownRow: unknown = q.conversation.get(key);
      const known = knownRow === undefined ? undefined : toStoredConversation(knownRow);
      q.facts.run({ key, meta: toMetaJson({ ...known?.meta, ...result.meta }), forced: result.forced ?? null });
    }
    if (result.person !== undefined) q.person.run({ key, person: result.person === null ? null : toPersonJson(result.person) });
    if (result.next !== undefined) queueStep(key, result.next.kind, result.next.then, job.expiresAt, now);
  };

  const store: Store = {
    kind: 'sqlite',
    async ping() {
      db.prepare('SELECT 1').get();
    },
    async close() {
      await checkpointer?.stop();
      if (db.open) db.close();
    },
    settingOrCreate: (key, create) =>
      write(() => {
        const row: unknown = q.getSetting.get(key);
        if (row !== undefined) return toValue(row);
        const value = create();
        q.insertSetting.run(key, value);
        return value;
      }),
    setSetting: (key, value) =>
      write(() => {
        q.setSetting.run(key, value);
      }),
    async getSetting(key) {
      const row: unknown = q.getSetting.get(key);
      return row === undefined ? undefined : toValue(row);
    },
    intake: (input) => write(() => intake(input, input.now.getTime())),
    async recordForVisitor(source, visitorId, crm) {
      const row: unknown = q.recordForVisitor.get(source, visitorId, crm);
      return row === undefined ? undefined : toStoredRecord(row);
    },
    async getConversation(key: ConversationKey) {
      const row: unknown = q.conversation.get(key);
      return row === undefined ? undefined : toStoredConversation(row);
    },
    async getRecord(key, action, crm) {
      const row: unknown = q.record.get(key, action, crm);
      return row === undefined ? undefined : toStoredRecord(row);
    },
    async listRecords(key) {
      return q.records.all(key).map(toStoredRecord);
    },
    claimJob: (jobId, owner, now, leaseMs) =>
      write(() => {
        const row: unknown = q.job.get(jobId);
        if (row === undefined) return undefined;
        return claimOne(jobId, toJob(row).state === 'running', owner, now.getTime(), leaseMs);
      }),
    claimDueJobs: (owner, now, leaseMs, limit) =>
      write(() => {
        const t = now.getTime();
        const claimed: Job[] = [];
        // Over-select: some candidates share a conversation with a running job and are skipped.
        for (const row of q.dueIds.all({ now: t, limit: limit * 4 })) {
          if (claimed.length >= limit) break;
          const candidate = toJob(row);
          const job = claimOne(candidate.id, candidate.state === 'running', owner, t, leaseMs);
          if (job !== undefined) claimed.push(job);
        }
        return claimed;
      }),
    finishJob: ({ jobId, owner, now, attempt, result }) =>
      write(() => finish({ jobId, owner, now: now.getTime(), ...(attempt === undefined ? {} : { attempt }), result })),
    async getJob(id) {
      const row: unknown = q.job.get(id);
      return row === undefined ? undefined : toJob(row);
    },
    async latestJob(key, kind) {
      const row: unknown = kind === undefined ? q.latestJob.get(key) : q.latestJobOfKind.get(key, kind);
      return row === undefined ? undefined : toJob(row);
    },
    async conversationJobs(key, limit) {
      return q.conversationJobs.all(key, limit).map(toJob);
    },
    async listAttempts(jobId) {
      return q.attempts.all(jobId).map(toAttempt);
    },
    async listJobs(state: JobState, limit: number) {
      return q.jobsByState.all(state, limit).map(toJob);
    },
    reviveJob: (id, now) =>
      write(() => {
        const row: unknown = q.job.get(id);
        if (row === undefined || toJob(row).state !== 'dead') return undefined;
        const job = toJob(row);
        const pending: unknown = q.reviveOther.pluck().get(job.conversationKey, job.kind);
        // A newer intake already queued the conversation: that job delivers the latest snapshot.
        if (typeof pending === 'string') {
          db.prepare("UPDATE jobs SET state = 'done', last_error = ?, updated_at = ? WHERE id = ?").run(
            `superseded by job ${pending}`,
            now.getTime(),
            id,
          );
          return toJob(q.job.get(pending));
        }
        q.revive.run({ id, now: now.getTime() });
        return toJob(q.job.get(id));
      }),
    ...createSqliteQueueStats(db),
    ...localCrm.port,
    ...createSqliteConsole(db),
    ...createSqlitePrivacy(db, write),
  };
  return store;
};
