/**
 * The local CRM's tables on SQLite (schema: the local CRM step in src/storage/migrations/history-1-3.ts). Writes
 * go through the store's write queue, so each upsert is one transaction of the only writer.
 */
import type Database from 'better-sqlite3';
import {
  applyLocalFields,
  personEmail,
  type LocalChange,
  type LocalRecord,
  type LocalRecordStore,
  type LocalUpsert,
} from '../../domain/local-records';
import { assembleRecord, toLocalConversation, toRecordHead, toRelated } from '../local-crm-rows';
import { newRecordId } from '../record-id';
import { newSortableId } from '../sortable-id';
import { fromLocalFieldsJson, toConversationJson, toHistoryJson, toLocalFieldsJson } from '../serialization';
import type { WriteQueue } from './write-queue';

export interface SqliteLocalCrm {
  readonly port: LocalRecordStore;
  /** The upsert, run in the caller's transaction (the store's intake, for `deliverHere`). */
  readonly upsertNow: (input: LocalUpsert, now: number) => { readonly id: string; readonly change: LocalChange };
}

export const createSqliteLocalCrm = (db: Database.Database, write: WriteQueue): SqliteLocalCrm => {
  const q = {
    recordOf: db.prepare('SELECT record_id FROM local_crm_conversations WHERE conversation_key = ? AND action = ?').pluck(),
    person: db.prepare('SELECT id FROM local_people WHERE email = ?').pluck(),
    insertPerson: db.prepare('INSERT INTO local_people (id, email, created_at) VALUES (?, ?, ?)'),
    // The oldest: people whose lead was made twice before records were kept per person keep both.
    leadOf: db.prepare("SELECT id FROM local_crm_records WHERE person_id = ? AND action = 'lead' ORDER BY created_at, id LIMIT 1").pluck(),
    head: db.prepare(
      'SELECT r.id, r.action, r.person_id, p.email, r.history, r.fields, r.created_at, r.updated_at FROM local_crm_records r LEFT JOIN local_people p ON p.id = r.person_id WHERE r.id = ?',
    ),
    insertRecord: db.prepare(
      'INSERT INTO local_crm_records (id, action, person_id, history, created_at, updated_at) VALUES (@id, @action, @person, @history, @now, @now)',
    ),
    // The history grows in place, unread. A visitor who gives their email later becomes that
    // person, unless that would give the person a second lead.
    touchRecord: db.prepare(`
      UPDATE local_crm_records SET
        history = json_insert(history, '$[#]', json(@entry)),
        person_id = COALESCE(person_id, CASE WHEN @person IS NOT NULL AND (action = 'case' OR NOT EXISTS (
          SELECT 1 FROM local_crm_records lead WHERE lead.person_id = @person AND lead.action = 'lead')) THEN @person END),
        updated_at = @now
      WHERE id = @id`),
    insertConversation: db.prepare(
      'INSERT INTO local_crm_conversations (conversation_key, action, record_id, snapshot, email_key, created_at, updated_at) VALUES (@key, @action, @record, @snapshot, @email, @now, @now)',
    ),
    updateConversation: db.prepare(
      'UPDATE local_crm_conversations SET snapshot = @snapshot, email_key = @email, updated_at = @now WHERE conversation_key = @key AND action = @action',
    ),
    fieldsOf: db.prepare('SELECT fields FROM local_crm_records WHERE id = ?').pluck(),
    setFields: db.prepare('UPDATE local_crm_records SET fields = ? WHERE id = ?'),
    conversations: db.prepare(
      'SELECT conversation_key, snapshot, created_at, updated_at FROM local_crm_conversations WHERE record_id = ? ORDER BY updated_at DESC, conversation_key',
    ),
    related: db.prepare(
      'SELECT id, action, created_at FROM local_crm_records WHERE person_id = ? AND id <> ? ORDER BY created_at, id LIMIT 100',
    ),
    byEmail: db
      .prepare(
        `SELECT r.id FROM local_crm_records r JOIN local_people p ON p.id = r.person_id WHERE p.email = ?
       ORDER BY r.action = 'lead' DESC, CASE WHEN r.action = 'lead' THEN r.created_at END, r.updated_at DESC LIMIT 1`,
      )
      .pluck(),
  };

  const idOf = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

  /** The person's id, and whether they were new just now (and so have no records yet). */
  const personFor = (email: string, now: number): { id: string; fresh: boolean } => {
    const known = idOf(q.person.get(email));
    if (known !== undefined) return { id: known, fresh: false };
    const id = newSortableId(now);
    q.insertPerson.run(id, email, now);
    return { id, fresh: true };
  };

  /** Applies the delivery's mapped fields to the record (only when a mapping is configured). */
  const writeFields = (id: string, input: LocalUpsert): void => {
    if (input.fields === undefined) return;
    const stored: unknown = q.fieldsOf.get(id);
    const applied = applyLocalFields(typeof stored === 'string' ? fromLocalFieldsJson(stored) : {}, input.fields);
    if (applied.changed.length > 0) q.setFields.run(toLocalFieldsJson(applied.fields), id);
  };

  const upsert = (input: LocalUpsert, now: number): { id: string; change: LocalChange } => {
    const { conversationKey: key, action } = input;
    const email = personEmail(input.conversation.visitor.email);
    const person = email === undefined ? undefined : personFor(email, now);
    const snapshot = toConversationJson(input.conversation);
    const existing = idOf(q.recordOf.get(key, action));
    const lead =
      existing === undefined && action === 'lead' && person !== undefined && !person.fresh ? idOf(q.leadOf.get(person.id)) : undefined;
    const target = existing ?? lead;
    if (target === undefined) {
      const id = newRecordId(now);
      q.insertRecord.run({
        id,
        action,
        person: person?.id ?? null,
        history: toHistoryJson([{ at: new Date(now), change: input.change.created }]),
        now,
      });
      q.insertConversation.run({ key, action, record: id, snapshot, email: email ?? null, now });
      writeFields(id, input);
      return { id, change: 'created' };
    }
    const change: LocalChange = existing === undefined ? 'added' : 'updated';
    if (existing === undefined) q.insertConversation.run({ key, action, record: target, snapshot, email: email ?? null, now });
    else q.updateConversation.run({ key, action, snapshot, email: email ?? null, now });
    q.touchRecord.run({
      id: target,
      person: person?.id ?? null,
      entry: JSON.stringify({ at: new Date(now), change: input.change[change] }),
      now,
    });
    writeFields(target, input);
    return { id: target, change };
  };

  const read = (id: string): LocalRecord | undefined => {
    const row: unknown = q.head.get(id);
    if (row === undefined) return undefined;
    const head = toRecordHead(row);
    const related = head.personId === undefined ? [] : q.related.all(head.personId, id).map(toRelated);
    return assembleRecord(head, q.conversations.all(id).map(toLocalConversation), related);
  };

  return {
    upsertNow: upsert,
    port: {
      upsertLocalRecord: (input) => write(() => upsert(input, Date.now())),
      getLocalRecord: async (id) => read(id),
      async findLocalRecordByEmail(email) {
        const key = personEmail(email);
        const id = key === undefined ? undefined : idOf(q.byEmail.get(key));
        return id === undefined ? undefined : read(id);
      },
    },
  };
};
