/**
 * HubSpot connector: a lead is a contact (`lifecyclestage=lead`) with the transcript as a note; a
 * case is a ticket tied to that contact, with the transcript as its content and as a note.
 * See README.md for the service key, scopes and custom properties it needs.
 */
import { type Connector, type ConnectorDeps } from '../../src/domain/connector';
import { fail, succeed, type Outcome } from '../../src/domain/outcome';
import type { CrmRecord } from '../../src/domain/record';
import { checkHubspot, setupHubspot } from './check';
import { createHubspotClient } from './client';
import type { HubspotConfig } from './config';
import { CHAT_CONVERSATION_ID, fromHubspotError } from './mappers';
import { resolvePlacement, upsertCase, upsertLead, type RecordDeps, type TicketPlacement } from './records';
import { accountCache, recordUrl } from './urls';
import { createDirectory } from './directory';
import { extrasFor } from './extras';
import { upsertBatch } from './batch';
import { BATCH_MAX } from './batch-calls';
import { mappedFieldsHint } from './mapped-check';

/** Runs `f`, turning HubSpot and network failures into values; anything else is a bug and is thrown. */
const attempt = async <A>(operation: string, f: () => Promise<A>): Promise<Outcome<A>> => {
  try {
    return succeed(await f());
  } catch (e) {
    const failure = fromHubspotError(e, operation);
    if (failure === undefined) throw e;
    return fail(failure);
  }
};

/** Keeps a successful lookup, forgets a failed one so the next call tries again. */
const cachedSuccess = <A>(load: () => Promise<A>): (() => Promise<A>) => {
  let cached: Promise<A> | undefined;
  return () => {
    cached ??= load().catch((e: unknown) => {
      cached = undefined;
      throw e;
    });
    return cached;
  };
};

export const createHubspotConnector = (config: HubspotConfig, deps: ConnectorDeps): Connector => {
  const client = createHubspotClient(config);
  const account = accountCache(client.account, config);
  const placement = cachedSuccess<TicketPlacement>(() => resolvePlacement(client, config));
  const records: RecordDeps = { client, account, placement, now: () => new Date() };
  const directory = createDirectory(client);
  const log = deps.log.child({ connector: 'hubspot' });

  /**
   * Deliveries of one conversation run one after another in this process, and a later one starts
   * from what the earlier one made: two copies of a webhook arriving together make one contact
   * and one note. Across processes the pipeline's conversation lease does the same.
   */
  const inFlight = new Map<string, Promise<Outcome<CrmRecord>>>();

  /**
   * A portal where `npm run setup` never ran lacks our unique property: create it once (the
   * token's schema scopes permit it, as documented) instead of failing every delivery.
   */
  let selfSetup: Promise<boolean> | undefined;
  const setupOnce = () =>
    (selfSetup ??= setupHubspot(client).then((items) => {
      const ok = items.every((i) => i.ok);
      log.info({ ok, items: items.map((i) => `${i.name}: ${i.detail}`) }, 'created missing HubSpot properties');
      return ok;
    }));
  const lacksOwnProperty = (o: Outcome<CrmRecord>) =>
    !o.ok && o.failure.code === 'CRM_VALIDATION' && o.failure.message.includes(`"${CHAT_CONVERSATION_ID}" (PROPERTY_DOESNT_EXIST`);

  const upsert: Connector['upsert'] = ({ action, conversation, previous, fields }) => {
    const key = `${action}\n${conversation.source}\n${conversation.id}`;
    const before = inFlight.get(key);
    const run = (before?.catch(() => undefined) ?? Promise.resolve(undefined)).then(async (earlier) => {
      const known = previous ?? (earlier?.ok === true ? earlier.value : undefined);
      const once = () =>
        attempt(`${action} upsert`, () =>
          (action === 'lead' ? upsertLead : upsertCase)(records, conversation, known, extrasFor(directory, fields, action, conversation)),
        );
      let outcome = await once();
      if (lacksOwnProperty(outcome) && (await setupOnce())) outcome = await once();
      if (!outcome.ok && fields !== undefined) outcome = { ...outcome, failure: mappedFieldsHint(outcome.failure, fields) };
      if (!outcome.ok) log.warn({ action, code: outcome.failure.code, kind: outcome.failure.kind }, outcome.failure.message);
      return outcome;
    });
    inFlight.set(key, run);
    const forget = () => {
      if (inFlight.get(key) === run) inFlight.delete(key);
    };
    run.then(forget, forget);
    return run;
  };

  /**
   * Deliveries of many conversations in a few batch calls (batch.ts). A conversation with a
   * single delivery in flight here waits for it first, as `upsert` does; a portal that lacks
   * our unique property gets it once and the inputs it failed are delivered again.
   */
  const batch: NonNullable<Connector['upsertBatch']> = (inputs) => {
    const keys = inputs.map((i) => `${i.action}\n${i.conversation.source}\n${i.conversation.id}`);
    const deps = { client, account, placement, directory, now: records.now };
    const run = (async () => {
      await Promise.all(keys.map((k) => inFlight.get(k)?.catch(() => undefined) ?? Promise.resolve(undefined)));
      const outcomes = await upsertBatch(deps, inputs);
      const again = outcomes.flatMap((o, n) => (lacksOwnProperty(o) ? [n] : []));
      if (again.length > 0 && (await setupOnce())) {
        const redone = await upsertBatch(
          deps,
          again.flatMap((n) => inputs.slice(n, n + 1)),
        );
        again.forEach((n, k) => {
          const o = redone[k];
          if (o !== undefined) outcomes[n] = o;
        });
      }
      return outcomes.map((outcome, n) => {
        const fields = inputs[n]?.fields;
        if (outcome.ok) return outcome;
        const hinted = fields === undefined ? outcome : { ...outcome, failure: mappedFieldsHint(outcome.failure, fields) };
        log.warn({ action: inputs[n]?.action, code: hinted.failure.code, kind: hinted.failure.kind, batch: true }, hinted.failure.message);
        return hinted;
      });
    })();
    // A single delivery of one of these conversations arriving meanwhile waits for its outcome here.
    keys.forEach((key, n) => {
      const mine = run.then((outcomes) => {
        const o = outcomes[n];
        if (o === undefined) throw new Error('a batch returned fewer outcomes than inputs');
        return o;
      });
      inFlight.set(key, mine);
      const forget = () => {
        if (inFlight.get(key) === mine) inFlight.delete(key);
      };
      mine.then(forget, forget);
    });
    return run;
  };

  return {
    name: 'hubspot',
    upsert,
    upsertBatch: batch,
    batchLimit: BATCH_MAX,
    findPerson: (email) =>
      attempt('contact lookup', async () => {
        const [a, found] = await Promise.all([
          account(),
          client.read('contacts', { idProperty: 'email', value: email.trim().toLowerCase() }, [
            'email',
            'firstname',
            'lastname',
            'company',
          ]),
        ]);
        if (found === undefined) return undefined;
        const { firstname, lastname, company } = found.properties;
        const name = [firstname, lastname].filter((part) => part !== undefined && part !== null && part.trim() !== '').join(' ');
        return {
          type: 'contact',
          id: found.id,
          url: recordUrl(a, 'contact', found.id),
          ...(name === '' ? {} : { name }),
          ...(company === undefined || company === null || company.trim() === '' ? {} : { company }),
        };
      }),
    check: () => checkHubspot(client, account, placement, config.baseUrl, deps.mapping),
    setup: async () => {
      const created = await setupHubspot(client);
      const report = await checkHubspot(client, account, placement, config.baseUrl, deps.mapping);
      return { ok: created.every((i) => i.ok) && report.ok, items: [...created, ...report.items] };
    },
  };
};
