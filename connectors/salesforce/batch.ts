/**
 * `upsertBatch` on Salesforce: up to 200 conversations in three API calls, whatever their mix
 * (README.md beside this file, "Batches"):
 * 1. one composite read (batch-read.ts): Leads and Cases by external id, transcript Tasks by
 *    Subject, people with the visitors' emails, uncached owners, each as one `IN (…)` query;
 * 2. one composite write of the records as sObject Collections upserts by external id
 *    (batch-write.ts): per type, one subrequest for records whose write must keep the owner
 *    (`Sforce-Auto-Assign: FALSE`, as the single path sends it) and one for new records without
 *    an owner (no header: the org's rules assign them);
 * 3. one composite write of the Tasks: a create collection for new ones, an update collection
 *    for the ones the read found by Subject.
 * Each decision is the single path's (connector.ts): the same fields, fill-blank updates, people
 * reused instead of new Leads, converted Leads followed to their Contact. A conversation is found
 * again by its external id and its Task by Subject, so running a batch again after a crash
 * (without `previous`) updates the same Lead or Case and Task. The rare answers the single path
 * resolves with more round trips (a duplicate rule naming someone, a Lead converted between read
 * and write) are handed to it, one conversation at a time.
 * Per-record refusals fail that conversation, classified like single calls; a call that fails as
 * a whole fails every conversation of the batch with that failure.
 */
import type { UpsertInput } from '../../src/domain/connector';
import type { Action } from '../../src/domain/event';
import { fail, transient, type CrmFailure, type Outcome } from '../../src/domain/outcome';
import type { CrmRecord } from '../../src/domain/record';
import type { SalesforceClient, Subrequest } from './client';
import type { SalesforceConfig } from './config';
import { mappedFieldFailure, mappedFor } from './mapped';
import { fromSalesforceError, toTaskFields, transcriptDescription, type Fields, type SalesforceError } from './mappers';
import { NO_AUTO_ASSIGN, ownerWanted, type Owners } from './owner';
import { readBatch } from './batch-read';
import { planCase, planLead, type Refs } from './batch-plan';
import { collectionAnswer, createCollection, updateCollection, upsertCollection, type CollectionAnswer } from './batch-write';

/** sObject Collections take up to 200 records per call. */
export const SALESFORCE_BATCH_LIMIT = 200;

export interface BatchDeps {
  readonly config: SalesforceConfig;
  readonly client: SalesforceClient;
  readonly owners: Owners;
  /** The outcome for a record, with its link (connector.ts). */
  readonly record: (action: Action, type: 'Lead' | 'Contact' | 'Case', id: string, refs: Refs) => Promise<Outcome<CrmRecord>>;
  /** The single path, for the answers it resolves with more round trips. */
  readonly single: (input: UpsertInput) => Promise<Outcome<CrmRecord>>;
}

export const createBatchUpsert = (deps: BatchDeps) => {
  const { config, client, owners } = deps;
  const ext = config.externalIdField;

  const failureOf = (error: SalesforceError, sobject: string, input: UpsertInput): CrmFailure => {
    const kind = input.action === 'case' ? 'case' : 'lead';
    const own = sobject === (kind === 'case' ? 'Case' : 'Lead');
    return (
      (own ? mappedFieldFailure(error, sobject, kind, mappedFor(input.fields, kind)) : undefined) ??
      fromSalesforceError(error, sobject, config)
    );
  };

  /** Up to 200 conversations (one collection call per kind of write). */
  const chunk = async (inputs: readonly UpsertInput[]): Promise<Outcome<CrmRecord>[]> => {
    const all = (failure: CrmFailure) => inputs.map(() => fail(failure));
    const wanted = inputs.map((i) => ownerWanted(i.fields));
    const lookup = owners.batchReads(wanted, client.sendsOneByOne());
    const read = await readBatch(client, ext, inputs, lookup);
    if (read.kind === 'failed') return all(read.failure);
    if (read.kind === 'refused') return inputs.map((input) => fail(failureOf(read.read.error, read.read.sobject, input)));
    const ownerIds = owners.batchResolve(wanted, lookup, read.results);
    const plans = inputs.map((input, n) =>
      input.action === 'case' ? planCase(config, input, read, ownerIds[n]) : planLead(config, input, read, ownerIds[n]),
    );

    const outcomes: (Outcome<CrmRecord> | undefined)[] = inputs.map(() => undefined);
    /** Records each conversation now has: its Lead or Case id. */
    const recordIds: (string | undefined)[] = plans.map((p) => (p.kind === 'person' ? undefined : p.existingId));
    const handOver = new Set<number>();

    /** Each member's result: its id kept, or its failure recorded (a refusal the single path resolves is handed to it). */
    const settle = (
      answer: CollectionAnswer,
      members: readonly number[],
      sobject: string,
      keepId: (n: number, id: string) => void,
    ): void => {
      members.forEach((n, at) => {
        const input = inputs[n];
        if (input === undefined) return;
        if (answer.kind === 'unreadable') {
          outcomes[n] = fail(
            transient('CRM_BAD_RESPONSE', `Salesforce answered the ${sobject} collection with something other than one result per record`),
          );
          return;
        }
        const result = answer.kind === 'all' ? { ok: false as const, error: answer.error } : answer.results[at];
        if (result === undefined) return;
        if (result.ok) return keepId(n, result.id);
        // A duplicate rule naming someone, or a Lead converted since the read: the single path reads again and follows it.
        if (
          sobject === 'Lead' &&
          (result.error.errorCode === 'DUPLICATES_DETECTED' || result.error.errorCode === 'CANNOT_UPDATE_CONVERTED_LEAD')
        )
          handOver.add(n);
        else outcomes[n] = fail(failureOf(result.error, sobject, input));
      });
    };

    // Call 2: the Leads and Cases, as up to four collection upserts in one composite request.
    const groups: { ref: string; type: 'Lead' | 'Case'; members: number[]; request: Subrequest }[] = [];
    for (const type of ['Lead', 'Case'] as const)
      for (const keep of [true, false]) {
        const kind = type === 'Lead' ? 'lead' : 'case';
        const members = plans.flatMap((p, n) => (p.kind !== 'person' && p.kind === kind && p.keepOwner === keep ? [n] : []));
        if (members.length === 0) continue;
        const ref = `${type.toLowerCase()}_${keep ? 'kept' : 'assigned'}`;
        const records = members.map((n) => {
          const plan = plans[n];
          const conversation = inputs[n]?.conversation;
          if (plan === undefined || plan.kind === 'person' || conversation === undefined)
            throw new Error('batch plan out of step with its inputs');
          return { ...plan.fields, [ext]: conversation.id };
        });
        groups.push({ ref, type, members, request: upsertCollection(ref, type, ext, records, keep ? NO_AUTO_ASSIGN : undefined) });
      }
    if (groups.length > 0) {
      const written = await client.composite(
        groups.map((g) => g.request),
        false,
        groups[0]?.type ?? 'Lead',
      );
      if (!written.ok) return all(written.failure);
      for (const group of groups)
        settle(collectionAnswer(written.value, group.ref, group.members.length), group.members, group.type, (n, id) => {
          recordIds[n] = id;
        });
    }

    // Call 3: the Tasks, created or updated, for every conversation still going.
    const taskOf = (n: number): { fields: Fields; id: string | undefined } | undefined => {
      const plan = plans[n];
      const input = inputs[n];
      if (plan === undefined || input === undefined || outcomes[n] !== undefined || handOver.has(n)) return undefined;
      const recordId = recordIds[n];
      if (plan.kind !== 'person' && recordId === undefined) throw new Error('Salesforce upsert answered without a record id');
      const who =
        plan.kind === 'person'
          ? { whoId: plan.target.id }
          : plan.kind === 'lead'
            ? { whoId: recordId ?? '' }
            : { whatId: recordId ?? '', ...(plan.contactId === undefined ? {} : { whoId: plan.contactId }) };
      const action: Action = plan.kind === 'case' ? 'case' : 'lead';
      const full = toTaskFields(action, input.conversation, who);
      return plan.taskId === undefined
        ? { fields: full, id: undefined }
        : {
            fields: { Description: transcriptDescription(input.conversation), ActivityDate: full['ActivityDate'] ?? null },
            id: plan.taskId,
          };
    };
    const tasks = inputs.map((_, n) => taskOf(n));
    const creates = tasks.flatMap((task, n) => (task !== undefined && task.id === undefined ? [n] : []));
    const updates = tasks.flatMap((task, n) => (task?.id !== undefined ? [n] : []));
    const taskIds: (string | undefined)[] = plans.map((p) => p.taskId);
    const taskRequests: Subrequest[] = [
      ...(creates.length === 0
        ? []
        : [
            createCollection(
              'tasks_new',
              'Task',
              creates.map((n) => tasks[n]?.fields ?? {}),
            ),
          ]),
      ...(updates.length === 0
        ? []
        : [
            updateCollection(
              'tasks_known',
              'Task',
              updates.map((n) => ({ ...(tasks[n]?.fields ?? {}), id: tasks[n]?.id ?? '' })),
            ),
          ]),
    ];
    if (taskRequests.length > 0) {
      const written = await client.composite(taskRequests, false, 'Task');
      if (!written.ok) return all(written.failure);
      const keep = (n: number, id: string) => {
        taskIds[n] = id;
      };
      if (creates.length > 0) settle(collectionAnswer(written.value, 'tasks_new', creates.length), creates, 'Task', keep);
      if (updates.length > 0) settle(collectionAnswer(written.value, 'tasks_known', updates.length), updates, 'Task', keep);
    }

    const done: Outcome<CrmRecord>[] = [];
    for (const [n, input] of inputs.entries()) {
      const plan = plans[n];
      const settled = outcomes[n];
      if (plan === undefined) throw new Error('batch plan out of step with its inputs');
      if (handOver.has(n)) done.push(await deps.single(input));
      else if (settled !== undefined) done.push(settled);
      else if (plan.kind === 'person')
        done.push(
          await deps.record('lead', plan.target.type, plan.target.id, { ...plan.refs, personId: plan.target.id, taskId: taskIds[n] }),
        );
      else {
        const id = recordIds[n];
        if (id === undefined) throw new Error(`Salesforce upsert answered without a ${plan.kind === 'lead' ? 'Lead' : 'Case'} id`);
        done.push(
          plan.kind === 'lead'
            ? await deps.record('lead', 'Lead', id, { leadId: id, taskId: taskIds[n] })
            : await deps.record('case', 'Case', id, { caseId: id, contactId: plan.contactId, taskId: taskIds[n] }),
        );
      }
    }
    return done;
  };

  return async (inputs: readonly UpsertInput[]): Promise<readonly Outcome<CrmRecord>[]> => {
    const outcomes: Outcome<CrmRecord>[] = [];
    for (let at = 0; at < inputs.length; at += SALESFORCE_BATCH_LIMIT)
      outcomes.push(...(await chunk(inputs.slice(at, at + SALESFORCE_BATCH_LIMIT))));
    return outcomes;
  };
};
