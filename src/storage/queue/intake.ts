/**
 * Taking an event in, in one transaction: the event's key (a re-sent event writes nothing), the
 * conversation merged into what we know and its version bumped, and the plan's first step queued
 * (shared with a pending one of the same kind), made here for the local CRM, or claimed at once.
 */
import { mergeConversation } from '../../domain/merge';
import { newSortableId } from '../sortable-id';
import {
  DEFAULT_PLAN,
  asksDeliverHere,
  conversationKey,
  type DeliveredHere,
  type IntakeInput,
  type IntakeResult,
  type Job,
  type StoredConversation,
} from '../store';
import type { ConversationState } from '../console';
import { claimLocked } from './claim';
import { conversationWrite, storedOf } from './conversation';
import type { QueueTx } from './port';
import { afterQueued } from './state';
import { queueStep } from './step';

export const intake = async (tx: QueueTx, input: IntakeInput): Promise<IntakeResult> => {
  const now = input.now.getTime();
  const { conversation, forced, plan = DEFAULT_PLAN } = input;
  const key = conversationKey(conversation);
  // Locked first: concurrent intakes of one conversation (PostgreSQL: in any process) queue here.
  const known = await tx.lockConversation(key, conversation.source, now);
  const seen = input.dedupKey !== undefined && !(await tx.recordEvent(conversation.source, input.dedupKey, key, now));
  if (seen && known !== undefined) {
    const first = plan[0];
    const latest = first === undefined ? undefined : await tx.latestJobOfKind(key, first);
    return { duplicate: true, stored: storedOf(known), ...(latest === undefined ? {} : { jobId: latest.id }) };
  }
  const keptForced = forced ?? known?.forced;
  const stored: StoredConversation = {
    key,
    conversation: known === undefined ? conversation : mergeConversation(known.conversation, conversation),
    version: (known?.version ?? 0) + 1,
    meta: { ...known?.meta, ...input.meta },
    updatedAt: input.now,
    ...(keptForced === undefined ? {} : { forced: keptForced }),
    ...(known?.person === undefined ? {} : { person: known.person }),
  };
  const [first, ...then] = plan;
  const expiresAt = input.expiresAt?.getTime() ?? null;
  const here =
    asksDeliverHere(input) && (known === undefined || !(await tx.hasUnfinished(key)))
      ? await deliverNow(tx, input.deliverHere, stored, now)
      : undefined;
  // Written once, in the state its steps give it: a step queued turns it pending (afterQueued);
  // no step, or only the one made here, leaves it as it was (a new one: delivered).
  const queues = first !== undefined && (here === undefined || then.length > 0);
  const before: ConversationState = known?.state ?? 'delivered';
  await tx.saveConversation(conversationWrite(stored, queues ? afterQueued(before) : before), known === undefined);
  if (first === undefined) return { duplicate: false, stored };
  if (here !== undefined) {
    const jobId = newSortableId(now);
    await tx.insertJob({ id: jobId, key, kind: 'deliver', then, state: 'done', attempts: 1, expiresAt, lease: null, now });
    await tx.insertAttempt({ jobId, startedAt: input.now, durationMs: here.durationMs, outcome: 'ok' });
    await tx.upsertRecord(key, here.record, stored.version, now);
    const delivered: DeliveredHere = { jobId, ...here };
    const [next, ...rest] = then;
    if (next === undefined || input.claim === undefined) return { duplicate: false, stored, delivered };
    const nextId = await queueStep(tx, key, next, rest, expiresAt, now);
    const claimed = await claimLocked(tx, { id: nextId, state: 'pending' }, input.claim.owner, now, input.claim.leaseMs);
    return { duplicate: false, stored, delivered, jobId: nextId, ...(claimed === undefined ? {} : { claimed }) };
  }
  if (known === undefined && input.claim !== undefined) {
    // A new conversation has no job to share and none running elsewhere: its step is born claimed.
    const claimed: Job = {
      id: newSortableId(now),
      conversationKey: key,
      kind: first,
      then,
      state: 'running',
      ...(expiresAt === null ? {} : { expiresAt: new Date(expiresAt) }),
      attempts: 0,
      nextAttemptAt: input.now,
      leaseOwner: input.claim.owner,
      leaseExpiresAt: new Date(now + input.claim.leaseMs),
      createdAt: input.now,
      updatedAt: input.now,
    };
    const lease = { owner: input.claim.owner, until: now + input.claim.leaseMs };
    await tx.insertJob({ id: claimed.id, key, kind: first, then, state: 'running', attempts: 0, expiresAt, lease, now });
    return { duplicate: false, stored, jobId: claimed.id, claimed };
  }
  const jobId = await queueStep(tx, key, first, then, expiresAt, now);
  const claimed =
    input.claim === undefined
      ? undefined
      : await claimLocked(tx, { id: jobId, state: 'pending' }, input.claim.owner, now, input.claim.leaseMs);
  return { duplicate: false, stored, jobId, ...(claimed === undefined ? {} : { claimed }) };
};

/**
 * The local CRM's upsert for `deliverHere`, in a savepoint of the intake's transaction: a
 * failure leaves none of it behind (and the transaction usable), and the step is then queued to
 * run, and fail, and be retried, as any other.
 */
const deliverNow = async (
  tx: QueueTx,
  deliverHere: NonNullable<IntakeInput['deliverHere']>,
  stored: StoredConversation,
  now: number,
): Promise<Omit<DeliveredHere, 'jobId'> | undefined> => {
  const started = Date.now();
  try {
    const delivery = deliverHere(stored);
    const record = await tx.inSavepoint(async () => delivery.toRecord((await tx.upsertLocal(delivery.upsert, now)).id));
    return { record, durationMs: Date.now() - started };
  } catch {
    return undefined;
  }
};
