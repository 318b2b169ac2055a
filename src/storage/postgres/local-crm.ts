/**
 * The local CRM's tables on PostgreSQL (schema: the local CRM step in src/storage/migrations/history-1-3.ts).
 * Several instances may upsert at once: a transaction-scoped advisory lock per conversation
 * settles two first deliveries of one conversation on one record, and the person's row lock
 * (taken by the upsert of local_people) settles two conversations of one person on one lead.
 */
import * as t from 'io-ts';
import {
  applyLocalFields,
  personEmail,
  type LocalChange,
  type LocalRecord,
  type LocalRecordStore,
  type LocalUpsert,
} from '../../domain/local-records';
import { assembleRecord, toId, toLocalConversation, toRecordHead, toRelated } from '../local-crm-rows';
import { newRecordId } from '../record-id';
import { newSortableId } from '../sortable-id';
import { fromLocalFieldsJson, toConversationJson, toHistoryJson, toLocalFieldsJson } from '../serialization';
import { decodeRow } from '../row-codecs';
import { firstRow, rowsOf, type Queryable } from './db';

const HEAD =
  'SELECT r.id, r.action, r.person_id, p.email, r.history, r.fields, r.created_at, r.updated_at FROM local_crm_records r LEFT JOIN local_people p ON p.id = r.person_id';
// The oldest: people whose lead was made twice before records were kept per person keep both.
const LEAD_OF = "SELECT id FROM local_crm_records WHERE person_id = $1 AND action = 'lead' ORDER BY created_at, id LIMIT 1";

const optionalId = (row: unknown): string | undefined => (row === undefined ? undefined : toId(row));

/** Applies the delivery's mapped fields to the record (only when a mapping is configured); the advisory lock serializes this conversation's deliveries. */
const writeFields = async (db: Queryable, id: string, input: LocalUpsert): Promise<void> => {
  if (input.fields === undefined) return;
  const row = await firstRow(db, 'SELECT fields FROM local_crm_records WHERE id = $1 FOR UPDATE', [id]);
  const stored = row === undefined ? null : decodeRow(FieldsRow, 'local CRM fields', row).fields;
  const applied = applyLocalFields(stored === null ? {} : fromLocalFieldsJson(stored), input.fields);
  if (applied.changed.length > 0)
    await db.query('UPDATE local_crm_records SET fields = $1 WHERE id = $2', [toLocalFieldsJson(applied.fields), id]);
};
const FieldsRow = t.type({ fields: t.union([t.string, t.null]) });

/** The upsert, in the caller's transaction (`db`). */
export const upsertLocalRecordIn = async (db: Queryable, input: LocalUpsert, now: number): Promise<{ id: string; change: LocalChange }> => {
  const { conversationKey: key, action } = input;
  await db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`chat2crm.local_crm:${action}:${key}`]);
  const email = personEmail(input.conversation.visitor.email);
  // DO UPDATE, not DO NOTHING: it returns the row and locks it until this transaction ends.
  const person =
    email === undefined
      ? undefined
      : toId(
          await firstRow(
            db,
            'INSERT INTO local_people (id, email, created_at) VALUES ($1, $2, $3) ON CONFLICT (email) DO UPDATE SET email = EXCLUDED.email RETURNING id',
            [newSortableId(now), email, now],
          ),
        );
  const snapshot = toConversationJson(input.conversation);
  const existing = optionalId(
    await firstRow(db, 'SELECT record_id AS id FROM local_crm_conversations WHERE conversation_key = $1 AND action = $2', [key, action]),
  );
  const lead =
    existing === undefined && action === 'lead' && person !== undefined ? optionalId(await firstRow(db, LEAD_OF, [person])) : undefined;
  const target = existing ?? lead;
  if (target === undefined) {
    const id = newRecordId(now);
    await db.query(
      `WITH record AS (
         INSERT INTO local_crm_records (id, action, person_id, history, created_at, updated_at) VALUES ($1, $2, $3, $4, $6, $6) RETURNING id)
       INSERT INTO local_crm_conversations (conversation_key, action, record_id, snapshot, email_key, created_at, updated_at) SELECT $5, $2, id, $7, $8, $6, $6 FROM record`,
      [id, action, person ?? null, toHistoryJson([{ at: new Date(now), change: input.change.created }]), key, now, snapshot, email ?? null],
    );
    await writeFields(db, id, input);
    return { id, change: 'created' };
  }
  const change: LocalChange = existing === undefined ? 'added' : 'updated';
  const conversation =
    existing === undefined
      ? 'INSERT INTO local_crm_conversations (conversation_key, action, record_id, snapshot, email_key, created_at, updated_at) VALUES ($1, $2, $3, $4, $8, $5, $5)'
      : 'UPDATE local_crm_conversations SET snapshot = $4, email_key = $8, updated_at = $5 WHERE conversation_key = $1 AND action = $2 AND record_id = $3';
  // The history grows in place, unread. A visitor who gives their email later becomes that
  // person, unless that would give the person a second lead.
  await db.query(
    `WITH conversation AS (${conversation})
     UPDATE local_crm_records SET
       history = (history::jsonb || $6::jsonb)::text,
       person_id = COALESCE(person_id, CASE WHEN $7::text IS NOT NULL AND (action = 'case' OR NOT EXISTS (
         SELECT 1 FROM local_crm_records lead WHERE lead.person_id = $7::text AND lead.action = 'lead')) THEN $7::text END),
       updated_at = $5
     WHERE id = $3`,
    [
      key,
      action,
      target,
      snapshot,
      now,
      JSON.stringify([{ at: new Date(now), change: input.change[change] }]),
      person ?? null,
      email ?? null,
    ],
  );
  await writeFields(db, target, input);
  return { id: target, change };
};

const read = async (db: Queryable, id: string): Promise<LocalRecord | undefined> => {
  const row = await firstRow(db, `${HEAD} WHERE r.id = $1`, [id]);
  if (row === undefined) return undefined;
  const head = toRecordHead(row);
  const [conversations, related] = await Promise.all([
    rowsOf(
      db,
      'SELECT conversation_key, snapshot, created_at, updated_at FROM local_crm_conversations WHERE record_id = $1 ORDER BY updated_at DESC, conversation_key',
      [id],
    ),
    head.personId === undefined
      ? Promise.resolve([])
      : rowsOf(
          db,
          'SELECT id, action, created_at FROM local_crm_records WHERE person_id = $1 AND id <> $2 ORDER BY created_at, id LIMIT 100',
          [head.personId, id],
        ),
  ]);
  return assembleRecord(head, conversations.map(toLocalConversation), related.map(toRelated));
};

/** `tx` runs its work in one transaction; `pool` answers single reads. */
export const createPostgresLocalCrm = (pool: Queryable, tx: <A>(work: (db: Queryable) => Promise<A>) => Promise<A>): LocalRecordStore => ({
  upsertLocalRecord: (input) => tx((db) => upsertLocalRecordIn(db, input, Date.now())),
  getLocalRecord: (id) => read(pool, id),
  async findLocalRecordByEmail(email) {
    const key = personEmail(email);
    if (key === undefined) return undefined;
    const id = optionalId(
      await firstRow(
        pool,
        `SELECT r.id FROM local_crm_records r JOIN local_people p ON p.id = r.person_id WHERE p.email = $1
         ORDER BY r.action = 'lead' DESC, CASE WHEN r.action = 'lead' THEN r.created_at END, r.updated_at DESC LIMIT 1`,
        [key],
      ),
    );
    return id === undefined ? undefined : read(pool, id);
  },
});
