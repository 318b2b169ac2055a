/**
 * Issue 30: `kill -9` of the service while a CRM batch write is in flight (the worker sends
 * several claimed `deliver` steps in one `upsertBatch` call, src/pipeline/delivery-batch.ts),
 * for HubSpot (notes batch create) and Salesforce (the Tasks' composite of sObject Collections).
 * The kill lands while the CRM holds the batch writing the transcripts, the connector's last
 * write: the CRM applies it, the service never hears so. After a restart on the same database,
 * every chat answered 200 ends as exactly one person and one transcript record in the CRM, the
 * queue drains with nothing dead, and the deliveries after the restart still go out in batches.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Env } from '../../src/domain/connector';
import { startHubspotEmulator, type HubspotEmulator } from '../emulators/hubspot';
import { startLiveChatEmulator, type LiveChatEmulator } from '../emulators/livechat';
import { chatDeactivated, postWebhook } from '../emulators/livechat/webhooks';
import { startSalesforceEmulator, type SalesforceEmulator } from '../emulators/salesforce';
import { drained } from '../support/expect';
import { until } from '../support/polling';
import { spawnService, type ChildService } from '../support/child-service';
import { freePort, removeDir, tempDir } from '../support/service';
import { assertFullTranscript, contactsByEmail, notesByConversation } from '../support/steps';

const CHATS = 120;
/** Per batch: several batches are needed, and two can be in flight at once (WORKER_CONCURRENCY). */
const BATCH_MAX = 20;
/** Added to every CRM answer: a batch write stays in flight long enough for the kill to land in it. */
const CRM_LATENCY_MS = 400;
const LIVECHAT_SECRET = 'livechat-batch-crash-secret';
const LIVECHAT_TOKEN = 'livechat-batch-crash-token-0123456789';
const AGENT = 'agent.batch@example.com';

/** A request as both emulators log it. */
interface Logged {
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
  readonly status: number;
  readonly endedAt: number;
}

/** What the scenario needs of one CRM and its emulator. */
interface CrmUnderTest {
  readonly env: Env;
  readonly requests: readonly Logged[];
  /** The chats a request writes transcripts for in one batch (HubSpot notes, Salesforce Tasks); [] for any other request. */
  readonly transcriptsIn: (r: Logged) => string[];
  /** Transcript records per chat, each as its text. */
  readonly transcripts: (ids: readonly string[]) => Map<string, string[]>;
  /** People (contacts, Leads) per email. */
  readonly people: () => Map<string, number>;
  /** Fails unless a transcript record's text carries every line of the chat, in order. */
  readonly assertWhole: (text: string, id: string, lines: readonly string[]) => void;
  close(): Promise<void>;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const arrayAt = (v: unknown, key: string): unknown[] => {
  const at = isRecord(v) ? v[key] : undefined;
  return Array.isArray(at) ? at : [];
};
const stringAt = (v: unknown, key: string): string | undefined => {
  const at = isRecord(v) ? v[key] : undefined;
  return typeof at === 'string' ? at : undefined;
};

/** https://developers.hubspot.com/docs/api-reference/2026-03/crm/objects/notes/batch/create-notes: `(livechat <id>)` in each body. */
const hubspot = async (): Promise<CrmUnderTest> => {
  const emulator: HubspotEmulator = await startHubspotEmulator({
    latencyMs: CRM_LATENCY_MS,
    rateLimit: { max: 100_000, windowMs: 10_000 },
    searchRateLimit: { max: 100_000, windowMs: 1000 },
  });
  return {
    env: { CRM: 'hubspot', HUBSPOT_BASE_URL: emulator.url, HUBSPOT_ACCESS_TOKEN: emulator.token },
    requests: emulator.requests,
    transcriptsIn: (r) =>
      r.method === 'POST' && /^\/crm\/objects\/\d{4}-\d{2}\/notes\/batch\/create$/.test(r.path)
        ? arrayAt(r.body, 'inputs').flatMap(
            (input) =>
              /\(livechat ([^)\s]+)\)/.exec(stringAt(isRecord(input) ? input['properties'] : undefined, 'hs_note_body') ?? '')?.[1] ?? [],
          )
        : [],
    transcripts: (ids) => notesByConversation(emulator, 'livechat', ids),
    people: () => contactsByEmail(emulator),
    assertWhole: (text, id, lines) => assertFullTranscript(text, { id, messages: lines.map((t, i) => ({ id: String(i), text: t })) }),
    close: () => emulator.close(),
  };
};

/**
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_create.htm
 * inside https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_composite.htm;
 * a Task's Subject names its chat (connectors/salesforce/mappers.ts `taskSubject`).
 */
const salesforce = async (): Promise<CrmUnderTest> => {
  const emulator: SalesforceEmulator = await startSalesforceEmulator({ latencyMs: CRM_LATENCY_MS });
  const { clientId, clientSecret } = emulator.credentials;
  const chatOf = (subject: unknown) => (typeof subject === 'string' ? /: livechat (\S+)$/.exec(subject)?.[1] : undefined);
  return {
    env: { CRM: 'salesforce', SALESFORCE_LOGIN_URL: emulator.url, SALESFORCE_CLIENT_ID: clientId, SALESFORCE_CLIENT_SECRET: clientSecret },
    requests: emulator.requests,
    transcriptsIn: (r) =>
      r.method === 'POST' && /\/composite$/.test(r.path)
        ? arrayAt(r.body, 'compositeRequest').flatMap((sub) =>
            arrayAt(isRecord(sub) ? sub['body'] : undefined, 'records').flatMap((record) =>
              stringAt(isRecord(record) ? record['attributes'] : undefined, 'type') === 'Task'
                ? (chatOf(isRecord(record) ? record['Subject'] : undefined) ?? [])
                : [],
            ),
          )
        : [],
    transcripts: (ids) => {
      const tasks = new Map<string, string[]>(ids.map((id) => [id, []]));
      for (const task of emulator.state.all('Task')) {
        const id = chatOf(task['Subject']);
        const text = task['Description'];
        if (id !== undefined && typeof text === 'string') tasks.get(id)?.push(text);
      }
      return tasks;
    },
    people: () => {
      const counts = new Map<string, number>();
      for (const person of [...emulator.state.all('Lead'), ...emulator.state.all('Contact')]) {
        const email = person['Email'];
        if (typeof email === 'string') counts.set(email, (counts.get(email) ?? 0) + 1);
      }
      return counts;
    },
    // Plain text, a line per message (connectors/salesforce/mappers.ts `transcriptDescription`).
    assertWhole: (text, id, lines) => {
      let from = 0;
      for (const line of lines) {
        const at = text.indexOf(line, from);
        assert.ok(at >= 0 && /^(?:\n|$)/.test(text.slice(at + line.length)), `"${line}" of ${id} missing from its Task`);
        from = at + line.length;
      }
    },
    close: () => emulator.close(),
  };
};

const scenario = (name: string, start: () => Promise<CrmUnderTest>) =>
  describe(`kill -9 while a ${name} batch write is in flight`, function () {
    this.timeout(90_000);
    let crm: CrmUnderTest;
    let livechat: LiveChatEmulator;
    let dir: string;
    let service: ChildService | undefined;

    beforeEach(async () => {
      crm = await start();
      livechat = await startLiveChatEmulator({ latencyMs: 20 });
      livechat.state.addAgent(AGENT, 'Agent Batch');
      dir = tempDir('chat2crm-batch-crash-');
    });
    afterEach(async () => {
      await service?.kill('SIGKILL');
      service = undefined;
      await livechat.close();
      await crm.close();
      removeDir(dir);
    });

    it('delivers every answered chat exactly once after a restart, and still in batches', async () => {
      const env: Env = {
        ...crm.env,
        PORT: String(await freePort()),
        DATABASE_URL: `sqlite:${join(dir, 'batch-crash.db')}`,
        LIVECHAT_API_URL: livechat.url,
        LIVECHAT_ACCOUNT_ID: livechat.account.accountId,
        LIVECHAT_PAT: livechat.account.pat,
        LIVECHAT_AGENT_ID: livechat.account.agentId,
        LIVECHAT_WEBHOOK_SECRET: LIVECHAT_SECRET,
        LIVECHAT_WEBHOOK_TOKEN: LIVECHAT_TOKEN,
        WORKER_CONCURRENCY: '2',
        CRM_BATCH_MAX: String(BATCH_MAX),
        RETRY_SCHEDULE: '200ms,500ms,1s,1s,1s,1s',
        // A HubSpot batch makes about four calls one after another (~1.6 s here), a Salesforce
        // one three; the restart retakes the dead process's steps once their lease runs out.
        JOB_LEASE_MS: '3000',
        CRM_TIMEOUT_MS: '2800',
      };
      const { state } = livechat;
      const chats = Array.from({ length: CHATS }, (_, i) => {
        const email = `batch.crash.${i}@example.com`;
        const customer = state.addCustomer({ name: `Customer ${i}`, email, session_fields: [{ plan: 'pro' }] });
        const chat = state.startChat({ customerId: customer.id, agentId: AGENT });
        const texts = Array.from({ length: 2 + (i % 5) }, (_, j) => `chat ${i} line ${j}`);
        texts.forEach((text, j) => state.addEvent(chat.id, { author_id: j % 2 === 0 ? customer.id : AGENT, text }));
        state.closeThread(chat.id);
        return { id: chat.id, email, texts };
      });
      const ids = chats.map((c) => c.id);

      const victim = await spawnService(env);
      service = victim;
      const webhook = `${victim.url}/webhooks/livechat/${LIVECHAT_TOKEN}`;
      const answered = new Set<string>();
      for (const chat of chats) {
        const event = chatDeactivated(state, chat.id, { secretKey: LIVECHAT_SECRET, userId: AGENT });
        if ((await postWebhook(webhook, event)).status === 200) answered.add(chat.id);
      }
      assert.equal(answered.size, CHATS, 'every webhook answered 200 before the kill');

      // Kill the moment a batch writing transcripts is in flight, once an earlier one has been
      // answered (so the kill falls between batches already done and batches still to come).
      const transcriptWrites = () => crm.requests.filter((r) => crm.transcriptsIn(r).length > 0);
      let heldAtKill: Logged | undefined;
      await until(
        'a batch writing transcripts in flight',
        () => {
          const writes = transcriptWrites();
          heldAtKill = writes.some((r) => r.endedAt !== 0) ? writes.find((r) => r.endedAt === 0) : undefined;
          return heldAtKill !== undefined;
        },
        30_000,
        5,
      );
      const requestsAtKill = crm.requests.length;
      await victim.kill('SIGKILL');
      const held = heldAtKill;
      assert.ok(held !== undefined && held.endedAt === 0, 'the batch write was still unanswered when the process died');
      const heldChats = crm.transcriptsIn(held);
      assert.ok(heldChats.length > 1, `the write in flight at the kill held ${heldChats.length} transcripts: a batch`);
      // The CRM carries on with the write the dead process sent: its transcripts exist, unknown to the service.
      await until('the CRM to finish the write in flight', () => held.status !== 0, 5000);
      const atKill = crm.transcripts(ids);
      for (const id of heldChats) assert.equal(atKill.get(id)?.length, 1, `the CRM holds the transcript of ${id}, in flight at the kill`);
      const deliveredAtKill = ids.filter((id) => (atKill.get(id)?.length ?? 0) > 0);
      assert.ok(deliveredAtKill.length < CHATS, `${deliveredAtKill.length} of ${CHATS} delivered at the kill: work was left`);

      service = await spawnService(env);
      await until(
        'every answered chat in the CRM',
        () => {
          const transcripts = crm.transcripts([...answered]);
          return [...answered].every((id) => (transcripts.get(id)?.length ?? 0) > 0);
        },
        45_000,
      );
      const queue = await drained(service.url, 20_000);
      assert.equal(queue.dead, 0, 'no step dead');

      const transcripts = crm.transcripts(ids);
      const people = crm.people();
      const doubled = chats.filter((c) => (transcripts.get(c.id)?.length ?? 0) > 1 || (people.get(c.email) ?? 0) > 1).map((c) => c.id);
      assert.deepEqual(doubled, [], 'no chat reached the CRM twice (one person per email, one transcript per chat)');
      for (const c of chats) {
        assert.equal(people.get(c.email), 1, `one person for ${c.id}`);
        const [text] = transcripts.get(c.id) ?? [];
        assert.ok(text !== undefined, `a transcript for ${c.id}`);
        crm.assertWhole(text, c.id, c.texts);
      }

      // The restart's deliveries went out in batches, not one by one: batching did not stop.
      const sizes = crm.requests.slice(requestsAtKill).map((r) => crm.transcriptsIn(r).length);
      const laterBatches = sizes.filter((n) => n > 0);
      const leftAtKill = CHATS - deliveredAtKill.length;
      const batched = laterBatches.filter((n) => n > 1).reduce((a, n) => a + n, 0);
      assert.ok(
        laterBatches.every((n) => n <= BATCH_MAX),
        `no batch above CRM_BATCH_MAX (sizes ${laterBatches.join(', ')})`,
      );
      assert.ok(
        batched * 2 > leftAtKill,
        `after the restart ${batched} of the ${leftAtKill} chats left went in batches of two or more (sizes ${laterBatches.join(', ')})`,
      );
    });
  });

scenario('HubSpot', hubspot);
scenario('Salesforce', salesforce);
