/**
 * Privacy requests and retention on SQLite. Reads run in one read transaction (one consistent
 * snapshot of the database); erasure and retention are writes of the store's write queue, so
 * each is one transaction of the only writer.
 */
import type Database from 'better-sqlite3';
import { personEmail, type LocalRecord } from '../../domain/local-records';
import { assembleRecord, toLocalConversation, toRecordHead, toRelated } from '../local-crm-rows';
import { toAttempt, toJob, toStoredRecord } from '../rows';
import { toConversationJson } from '../serialization';
import type { WriteQueue } from '../sqlite/write-queue';
import { redactedConversation, type ErasureCounts, type PersonErasure, type PersonExport, type PrivacyStore } from './port';
import {
  EXPORT_COLUMNS,
  assembleExport,
  crmRefs,
  noErasure,
  toConversationHead,
  toEvent,
  toIdOnly,
  toLocalLink,
  toLocalPerson,
  type ConversationParts,
  type LocalLink,
} from './rows';

// email_key is personEmail of the visitor's email, indexed on both tables (migration steps 7 and 11).
export const createSqlitePrivacy = (db: Database.Database, write: WriteQueue): PrivacyStore => {
  const q = {
    conversations: db.prepare(`SELECT ${EXPORT_COLUMNS} FROM conversations WHERE email_key = ? ORDER BY created_at, key`),
    jobs: db.prepare('SELECT * FROM jobs WHERE conversation_key = ? ORDER BY created_at, rowid'),
    attempts: db.prepare('SELECT a.* FROM attempts a JOIN jobs j ON j.id = a.job_id WHERE j.conversation_key = ? ORDER BY a.id'),
    records: db.prepare('SELECT record, version, updated_at FROM records WHERE conversation_key = ? ORDER BY updated_at'),
    events: db.prepare('SELECT source, dedup_key, received_at FROM events WHERE conversation_key = ? ORDER BY received_at, dedup_key'),
    person: db.prepare('SELECT id, email, created_at FROM local_people WHERE email = ?'),
    personRecords: db.prepare('SELECT id FROM local_crm_records WHERE person_id = ?'),
    linksByEmail: db.prepare('SELECT conversation_key, action, record_id FROM local_crm_conversations WHERE email_key = ?'),
    linksByKey: db.prepare('SELECT conversation_key, action, record_id FROM local_crm_conversations WHERE conversation_key = ?'),
    linksByRecord: db.prepare('SELECT conversation_key, action, record_id FROM local_crm_conversations WHERE record_id = ?'),
    head: db.prepare(
      'SELECT r.id, r.action, r.person_id, p.email, r.history, r.fields, r.created_at, r.updated_at FROM local_crm_records r LEFT JOIN local_people p ON p.id = r.person_id WHERE r.id = ?',
    ),
    localConversations: db.prepare(
      'SELECT conversation_key, snapshot, created_at, updated_at FROM local_crm_conversations WHERE record_id = ? ORDER BY updated_at DESC, conversation_key',
    ),
    related: db.prepare('SELECT id, action, created_at FROM local_crm_records WHERE person_id = ? AND id <> ? ORDER BY created_at, id'),
    deleteAttempts: db.prepare('DELETE FROM attempts WHERE job_id IN (SELECT id FROM jobs WHERE conversation_key = ?)'),
    deleteJobs: db.prepare('DELETE FROM jobs WHERE conversation_key = ?'),
    deleteEvents: db.prepare('DELETE FROM events WHERE conversation_key = ?'),
    deleteRecords: db.prepare('DELETE FROM records WHERE conversation_key = ?'),
    deleteConversation: db.prepare('DELETE FROM conversations WHERE key = ?'),
    deleteLocalConversation: db.prepare('DELETE FROM local_crm_conversations WHERE conversation_key = ? AND action = ?'),
    inFlight: db.prepare("SELECT COUNT(*) FROM jobs WHERE conversation_key = ? AND state = 'running' AND lease_expires_at >= ?").pluck(),
    remainingLocalConversations: db.prepare('SELECT COUNT(*) FROM local_crm_conversations WHERE record_id = ?').pluck(),
    deleteLocalRecord: db.prepare('DELETE FROM local_crm_records WHERE id = ?'),
    deletePerson: db.prepare('DELETE FROM local_people WHERE id = ?'),
    due: db.prepare(`
      SELECT ${EXPORT_COLUMNS} FROM conversations c
      WHERE (redacted_at IS NULL OR updated_at > redacted_at) AND updated_at < @before
        AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.conversation_key = c.key AND j.state IN ('pending', 'running', 'dead'))
      ORDER BY updated_at LIMIT @limit`),
    // redacted_at never falls behind updated_at, or the row would come back on every pass.
    redact: db.prepare(
      "UPDATE conversations SET snapshot = @snapshot, meta = '{}', visitor_id = NULL, visitor_email = NULL, visitor_name = NULL, email_key = NULL, redacted_at = max(@now, updated_at) WHERE key = @key",
    ),
  };

  const keysOf = (email: string) => q.conversations.all(email).map(toConversationHead);

  /** The person's local CRM: their person row, their records, and any record holding one of their transcripts. */
  const localOf = (email: string, conversationKeys: readonly string[]) => {
    const row: unknown = q.person.get(email);
    const person = row === undefined ? undefined : toLocalPerson(row);
    const own = person === undefined ? [] : q.personRecords.all(person.id).map(toIdOnly);
    const links = new Map<string, LocalLink>();
    const add = (rows: unknown[]) => {
      for (const link of rows.map(toLocalLink)) links.set(`${link.action} ${link.conversationKey}`, link);
    };
    add(q.linksByEmail.all(email));
    for (const key of conversationKeys) add(q.linksByKey.all(key));
    for (const id of own) add(q.linksByRecord.all(id));
    const recordIds = new Set([...own, ...[...links.values()].map((l) => l.recordId)]);
    return { person, own: new Set(own), links: [...links.values()], recordIds };
  };

  const readRecord = (id: string): LocalRecord | undefined => {
    const row: unknown = q.head.get(id);
    if (row === undefined) return undefined;
    const head = toRecordHead(row);
    const related = head.personId === undefined ? [] : q.related.all(head.personId, id).map(toRelated);
    return assembleRecord(head, q.localConversations.all(id).map(toLocalConversation), related);
  };

  const exportPerson = (email: string): PersonExport => {
    const heads = keysOf(email);
    const parts: ConversationParts[] = heads.map((head) => ({
      head,
      jobs: q.jobs.all(head.key).map(toJob),
      attempts: q.attempts.all(head.key).map(toAttempt),
      records: q.records.all(head.key).map(toStoredRecord),
      events: q.events.all(head.key).map(toEvent),
    }));
    const local = localOf(
      email,
      heads.map((h) => h.key),
    );
    const records = [...local.recordIds].flatMap((id) => readRecord(id) ?? []);
    return assembleExport(email, parts, { ...(local.person === undefined ? {} : { person: local.person }), records });
  };

  const erasePerson = (email: string): PersonErasure => {
    const heads = keysOf(email);
    const keys = heads.map((h) => h.key);
    const stored = keys.flatMap((key) => q.records.all(key).map(toStoredRecord));
    const now = Date.now();
    const inFlight = keys.reduce((n, key) => n + Number(q.inFlight.get(key, now)), 0);
    if (inFlight > 0) return { email, inFlight, counts: noErasure, crmRecords: [] };
    const local = localOf(email, keys);
    const counts: { -readonly [K in keyof ErasureCounts]: number } = { ...noErasure };
    for (const key of keys) {
      counts.attempts += q.deleteAttempts.run(key).changes;
      counts.jobs += q.deleteJobs.run(key).changes;
      counts.events += q.deleteEvents.run(key).changes;
      counts.records += q.deleteRecords.run(key).changes;
      counts.conversations += q.deleteConversation.run(key).changes;
    }
    for (const link of local.links) counts.localConversations += q.deleteLocalConversation.run(link.conversationKey, link.action).changes;
    // A record of someone else keeps the conversations that are not this person's.
    for (const id of local.recordIds)
      if (local.own.has(id) || q.remainingLocalConversations.get(id) === 0) counts.localRecords += q.deleteLocalRecord.run(id).changes;
    if (local.person !== undefined) counts.localPeople += q.deletePerson.run(local.person.id).changes;
    return { email, inFlight: 0, counts, crmRecords: crmRefs(stored, heads, local.recordIds) };
  };

  const read = <A>(work: () => A): A => db.transaction(work).deferred();
  // What is deleted is overwritten with zeros instead of staying in the file's free pages
  // (https://www.sqlite.org/pragma.html#pragma_secure_delete); the WAL's older copies go at the
  // next TRUNCATE checkpoint, which closing the store runs (checkpointer.ts).
  const overwriting = <A>(work: () => A): A => {
    const before: unknown = db.pragma('secure_delete', { simple: true });
    db.pragma('secure_delete = ON');
    try {
      return work();
    } finally {
      db.pragma(`secure_delete = ${before === 1 ? 'ON' : 'OFF'}`);
    }
  };
  const normalized = (email: string): string | undefined => personEmail(email);

  return {
    async exportPerson(email) {
      const key = normalized(email);
      return key === undefined ? assembleExport('', [], { records: [] }) : read(() => exportPerson(key));
    },
    async erasePerson(email) {
      const key = normalized(email);
      return key === undefined
        ? { email: '', inFlight: 0, counts: noErasure, crmRecords: [] }
        : write(() => overwriting(() => erasePerson(key)));
    },
    redactTranscripts: ({ updatedBefore, now, limit }) =>
      write(() =>
        overwriting(() => {
          const due = q.due.all({ before: updatedBefore.getTime(), limit }).map(toConversationHead);
          for (const c of due)
            q.redact.run({ key: c.key, snapshot: toConversationJson(redactedConversation(c.conversation)), now: now.getTime() });
          return due.length;
        }),
      ),
  };
};
