/**
 * Privacy requests and retention on PostgreSQL. An export reads one snapshot (REPEATABLE READ);
 * an erasure locks the person's conversation rows first, the lock every change to a
 * conversation's jobs takes (postgres/queue-tx.ts), so no step of theirs finishes halfway through it.
 */
import { personEmail, type LocalRecord } from '../../domain/local-records';
import { assembleRecord, toLocalConversation, toRecordHead, toRelated } from '../local-crm-rows';
import { toAttempt, toJob, toStoredRecord } from '../rows';
import { toConversationJson } from '../serialization';
import type { Queryable } from '../postgres/db';
import { redactedConversation, type ErasureCounts, type PersonErasure, type PersonExport, type PrivacyStore } from './port';
import {
  EXPORT_COLUMNS,
  assembleExport,
  crmRefs,
  noErasure,
  toConversationHead,
  toCountOnly,
  toEvent,
  toIdOnly,
  toLocalLink,
  toLocalPerson,
  type ConversationHead,
  type LocalLink,
} from './rows';

// A person is matched by email_key, personEmail's key written with each row (indexed on both
// tables): the email asked for is keyed the same way, in TypeScript, before it gets here.
const PERSON_EMAIL = 'email_key';
const LOCAL_EMAIL = 'email_key';
const LINK = 'SELECT conversation_key, action, record_id FROM local_crm_conversations';

type Tx = <A>(work: (db: Queryable) => Promise<A>) => Promise<A>;

const rows = async (db: Queryable, text: string, values: readonly unknown[]): Promise<readonly unknown[]> =>
  (await db.query(text, values)).rows;
const count = async (db: Queryable, text: string, values: readonly unknown[]): Promise<number> =>
  (await db.query(text, values)).rowCount ?? 0;

const headsOf = async (db: Queryable, email: string, lock: boolean): Promise<ConversationHead[]> =>
  (
    await rows(
      db,
      `SELECT ${EXPORT_COLUMNS} FROM conversations WHERE ${PERSON_EMAIL} = $1 ORDER BY created_at, key${lock ? ' FOR UPDATE' : ''}`,
      [email],
    )
  ).map(toConversationHead);

const localOf = async (db: Queryable, email: string, keys: readonly string[]) => {
  const personRow = (await rows(db, 'SELECT id, email, created_at FROM local_people WHERE email = $1', [email]))[0];
  const person = personRow === undefined ? undefined : toLocalPerson(personRow);
  const own =
    person === undefined ? [] : (await rows(db, 'SELECT id FROM local_crm_records WHERE person_id = $1', [person.id])).map(toIdOnly);
  const links = new Map<string, LocalLink>();
  const found = await rows(db, `${LINK} WHERE ${LOCAL_EMAIL} = $1 OR conversation_key = ANY($2::text[]) OR record_id = ANY($3::text[])`, [
    email,
    keys,
    own,
  ]);
  for (const link of found.map(toLocalLink)) links.set(`${link.action} ${link.conversationKey}`, link);
  const recordIds = new Set([...own, ...[...links.values()].map((l) => l.recordId)]);
  return { person, own: new Set(own), links: [...links.values()], recordIds };
};

const readRecord = async (db: Queryable, id: string): Promise<LocalRecord | undefined> => {
  const row = (
    await rows(
      db,
      'SELECT r.id, r.action, r.person_id, p.email, r.history, r.fields, r.created_at, r.updated_at FROM local_crm_records r LEFT JOIN local_people p ON p.id = r.person_id WHERE r.id = $1',
      [id],
    )
  )[0];
  if (row === undefined) return undefined;
  const head = toRecordHead(row);
  const conversations = await rows(
    db,
    'SELECT conversation_key, snapshot, created_at, updated_at FROM local_crm_conversations WHERE record_id = $1 ORDER BY updated_at DESC, conversation_key',
    [id],
  );
  const related =
    head.personId === undefined
      ? []
      : await rows(db, 'SELECT id, action, created_at FROM local_crm_records WHERE person_id = $1 AND id <> $2 ORDER BY created_at, id', [
          head.personId,
          id,
        ]);
  return assembleRecord(head, conversations.map(toLocalConversation), related.map(toRelated));
};

const exportPerson = async (db: Queryable, email: string): Promise<PersonExport> => {
  await db.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
  const heads = await headsOf(db, email, false);
  const parts = [];
  for (const head of heads)
    parts.push({
      head,
      jobs: (await rows(db, 'SELECT * FROM jobs WHERE conversation_key = $1 ORDER BY created_at, seq', [head.key])).map(toJob),
      attempts: (
        await rows(db, 'SELECT a.* FROM attempts a JOIN jobs j ON j.id = a.job_id WHERE j.conversation_key = $1 ORDER BY a.id', [head.key])
      ).map(toAttempt),
      records: (
        await rows(db, 'SELECT record, version, updated_at FROM records WHERE conversation_key = $1 ORDER BY updated_at', [head.key])
      ).map(toStoredRecord),
      events: (
        await rows(db, 'SELECT source, dedup_key, received_at FROM events WHERE conversation_key = $1 ORDER BY received_at, dedup_key', [
          head.key,
        ])
      ).map(toEvent),
    });
  const local = await localOf(
    db,
    email,
    heads.map((h) => h.key),
  );
  const records: LocalRecord[] = [];
  for (const id of local.recordIds) {
    const record = await readRecord(db, id);
    if (record !== undefined) records.push(record);
  }
  return assembleExport(email, parts, { ...(local.person === undefined ? {} : { person: local.person }), records });
};

const erasePerson = async (db: Queryable, email: string): Promise<PersonErasure> => {
  const heads = await headsOf(db, email, true);
  const keys = heads.map((h) => h.key);
  // The conversation rows are locked: no step of theirs can be claimed until this transaction ends.
  const inFlight = toCountOnly(
    (
      await rows(
        db,
        "SELECT COUNT(*) AS n FROM jobs WHERE conversation_key = ANY($1::text[]) AND state = 'running' AND lease_expires_at >= $2",
        [keys, Date.now()],
      )
    )[0],
  );
  if (inFlight > 0) return { email, inFlight, counts: noErasure, crmRecords: [] };
  const stored = (await rows(db, 'SELECT record, version, updated_at FROM records WHERE conversation_key = ANY($1::text[])', [keys])).map(
    toStoredRecord,
  );
  const local = await localOf(db, email, keys);
  const counts: { -readonly [K in keyof ErasureCounts]: number } = { ...noErasure };
  counts.attempts = await count(db, 'DELETE FROM attempts WHERE job_id IN (SELECT id FROM jobs WHERE conversation_key = ANY($1::text[]))', [
    keys,
  ]);
  counts.jobs = await count(db, 'DELETE FROM jobs WHERE conversation_key = ANY($1::text[])', [keys]);
  counts.events = await count(db, 'DELETE FROM events WHERE conversation_key = ANY($1::text[])', [keys]);
  counts.records = await count(db, 'DELETE FROM records WHERE conversation_key = ANY($1::text[])', [keys]);
  counts.conversations = await count(db, 'DELETE FROM conversations WHERE key = ANY($1::text[])', [keys]);
  for (const link of local.links)
    counts.localConversations += await count(db, 'DELETE FROM local_crm_conversations WHERE conversation_key = $1 AND action = $2', [
      link.conversationKey,
      link.action,
    ]);
  // A record of someone else keeps the conversations that are not this person's.
  for (const id of local.recordIds) {
    const remaining = toCountOnly((await rows(db, 'SELECT COUNT(*) AS n FROM local_crm_conversations WHERE record_id = $1', [id]))[0]);
    if (local.own.has(id) || remaining === 0) counts.localRecords += await count(db, 'DELETE FROM local_crm_records WHERE id = $1', [id]);
  }
  if (local.person !== undefined) counts.localPeople = await count(db, 'DELETE FROM local_people WHERE id = $1', [local.person.id]);
  return { email, inFlight: 0, counts, crmRecords: crmRefs(stored, heads, local.recordIds) };
};

const redact = async (db: Queryable, before: number, now: number, limit: number): Promise<number> => {
  // SKIP LOCKED: a conversation an intake holds right now is taking new content; the next pass sees it.
  const due = (
    await rows(
      db,
      `SELECT ${EXPORT_COLUMNS} FROM conversations c
       WHERE (redacted_at IS NULL OR updated_at > redacted_at) AND updated_at < $1
         AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.conversation_key = c.key AND j.state IN ('pending', 'running', 'dead'))
       ORDER BY updated_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [before, limit],
    )
  ).map(toConversationHead);
  if (due.length === 0) return 0;
  // redacted_at never falls behind updated_at, or the row would come back on every pass.
  await db.query(
    `UPDATE conversations c SET snapshot = v.snapshot, meta = '{}', visitor_id = NULL, visitor_email = NULL, visitor_name = NULL, email_key = NULL, redacted_at = GREATEST($3::bigint, c.updated_at)
     FROM unnest($1::text[], $2::text[]) AS v(key, snapshot) WHERE c.key = v.key`,
    [due.map((c) => c.key), due.map((c) => toConversationJson(redactedConversation(c.conversation))), now],
  );
  return due.length;
};

/** `tx` runs its work in one transaction. */
export const createPostgresPrivacy = (tx: Tx): PrivacyStore => ({
  async exportPerson(email) {
    const key = personEmail(email);
    return key === undefined ? assembleExport('', [], { records: [] }) : tx((db) => exportPerson(db, key));
  },
  async erasePerson(email) {
    const key = personEmail(email);
    return key === undefined ? { email: '', inFlight: 0, counts: noErasure, crmRecords: [] } : tx((db) => erasePerson(db, key));
  },
  redactTranscripts: ({ updatedBefore, now, limit }) => tx((db) => redact(db, updatedBefore.getTime(), now.getTime(), limit)),
});
