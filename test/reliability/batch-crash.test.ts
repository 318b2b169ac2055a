/**
 * Issue 30: `kill -9` of the service while a HubSpot batch write is in flight (the worker sends
 * several claimed `deliver` steps in one `upsertBatch` call, src/pipeline/delivery-batch.ts).
 * The kill lands once HubSpot has received a batch creating notes and applied it, before the
 * service hears the answer: the worst moment, since the records exist but no step knows it.
 * After a restart on the same database, every chat answered 200 ends as exactly one contact and
 * one note, the queue drains with nothing dead, and the deliveries still go out in batches.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Env } from '../../src/domain/connector';
import { startHubspotEmulator, type HubspotEmulator, type RecordedRequest } from '../emulators/hubspot';
import { startLiveChatEmulator, type LiveChatEmulator } from '../emulators/livechat';
import { chatDeactivated, postWebhook } from '../emulators/livechat/webhooks';
import { drained } from '../support/expect';
import { until } from '../support/polling';
import { spawnService, type ChildService } from '../support/child-service';
import { freePort, removeDir, tempDir } from '../support/service';
import { assertFullTranscript, contactsByEmail, inFlight, notesByConversation } from '../support/steps';

const CHATS = 120;
/** Per batch: several batches are needed, and two can be in flight at once (WORKER_CONCURRENCY). */
const BATCH_MAX = 20;
const LIVECHAT_SECRET = 'livechat-batch-crash-secret';
const LIVECHAT_TOKEN = 'livechat-batch-crash-token-0123456789';
const AGENT = 'agent.batch@example.com';
/** Every batch write the HubSpot connector makes (connectors/hubspot/batch-calls.ts). */
const BATCH_WRITE = /^\/crm\/objects\/\d{4}-\d{2}\/[^/]+\/batch\/(?:create|update|upsert)$/;
/** The notes' batch create: the connector's last write of a delivery batch. */
const NOTES_BATCH_CREATE = /^\/crm\/objects\/\d{4}-\d{2}\/notes\/batch\/create$/;

const inputsOf = (r: RecordedRequest): number => {
  const body = r.body;
  if (typeof body !== 'object' || body === null || !('inputs' in body) || !Array.isArray(body.inputs)) return 0;
  return body.inputs.length;
};
const batchWrites = (requests: readonly RecordedRequest[]): RecordedRequest[] =>
  requests.filter((r) => r.method === 'POST' && BATCH_WRITE.test(r.path));
const notesBatches = (requests: readonly RecordedRequest[]): RecordedRequest[] =>
  requests.filter((r) => r.method === 'POST' && NOTES_BATCH_CREATE.test(r.path));
/** The conversations a notes batch names in its bodies: `(livechat <id>)`. */
const chatsIn = (r: RecordedRequest): string[] => {
  const body = r.body;
  if (typeof body !== 'object' || body === null || !('inputs' in body) || !Array.isArray(body.inputs)) return [];
  return body.inputs.flatMap((input: unknown) => {
    const text = JSON.stringify(input);
    const id = /\(livechat ([^)\s\\]+)\)/.exec(text)?.[1];
    return id === undefined ? [] : [id];
  });
};

describe('kill -9 while a HubSpot batch write is in flight', function () {
  this.timeout(90_000);
  let hubspot: HubspotEmulator;
  let livechat: LiveChatEmulator;
  let dir: string;
  let service: ChildService | undefined;

  beforeEach(async () => {
    // Slow HubSpot answers: a batch write stays in flight long enough for the kill to land in it.
    hubspot = await startHubspotEmulator({
      latencyMs: 400,
      rateLimit: { max: 100_000, windowMs: 10_000 },
      searchRateLimit: { max: 100_000, windowMs: 1000 },
    });
    livechat = await startLiveChatEmulator({ latencyMs: 20 });
    livechat.state.addAgent(AGENT, 'Agent Batch');
    dir = tempDir('chat2crm-batch-crash-');
  });
  afterEach(async () => {
    await service?.kill('SIGKILL');
    service = undefined;
    await livechat.close();
    await hubspot.close();
    removeDir(dir);
  });

  it('delivers every answered chat exactly once after a restart, and still in batches', async () => {
    const database = join(dir, 'batch-crash.db');
    const env: Env = {
      PORT: String(await freePort()),
      DATABASE_URL: `sqlite:${database}`,
      CRM: 'hubspot',
      HUBSPOT_BASE_URL: hubspot.url,
      HUBSPOT_ACCESS_TOKEN: hubspot.token,
      LIVECHAT_API_URL: livechat.url,
      LIVECHAT_ACCOUNT_ID: livechat.account.accountId,
      LIVECHAT_PAT: livechat.account.pat,
      LIVECHAT_AGENT_ID: livechat.account.agentId,
      LIVECHAT_WEBHOOK_SECRET: LIVECHAT_SECRET,
      LIVECHAT_WEBHOOK_TOKEN: LIVECHAT_TOKEN,
      WORKER_CONCURRENCY: '2',
      CRM_BATCH_MAX: String(BATCH_MAX),
      RETRY_SCHEDULE: '200ms,500ms,1s,1s,1s,1s',
      // A batch makes about four calls one after another (~1.6 s here); the restart retakes the
      // dead process's steps once their lease runs out.
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

    const victim = await spawnService(env);
    service = victim;
    const webhook = `${victim.url}/webhooks/livechat/${LIVECHAT_TOKEN}`;
    const answered = new Set<string>();
    for (const chat of chats) {
      const status = (await postWebhook(webhook, chatDeactivated(state, chat.id, { secretKey: LIVECHAT_SECRET, userId: AGENT }))).status;
      if (status === 200) answered.add(chat.id);
    }
    assert.equal(answered.size, CHATS, 'every webhook answered 200 before the kill');

    // Kill the moment a notes batch create (after at least one earlier batch has finished) is
    // received but unanswered: HubSpot already holds its notes, the service does not know it.
    let heldAtKill: RecordedRequest | undefined;
    await until(
      'a notes batch create in flight',
      () => {
        const done = notesBatches(hubspot.requests).some((r) => r.endedAt !== 0);
        heldAtKill = done ? inFlight(notesBatches(hubspot.requests))[0] : undefined;
        return heldAtKill !== undefined;
      },
      30_000,
      5,
    );
    const writesAtKill = batchWrites(inFlight(hubspot.requests)).length;
    const requestsAtKill = hubspot.requests.length;
    await victim.kill('SIGKILL');
    const inFlightChats = heldAtKill === undefined ? [] : chatsIn(heldAtKill);

    assert.ok(writesAtKill > 0 && heldAtKill !== undefined, 'a batch write was in flight at the kill');
    assert.ok(inputsOf(heldAtKill) > 1, `the notes create in flight held ${inputsOf(heldAtKill)} inputs: a batch`);
    assert.equal(inFlightChats.length, inputsOf(heldAtKill), 'every note of the batch in flight names its chat');
    const notesAtKill = notesByConversation(hubspot, 'livechat', [...answered]);
    for (const id of inFlightChats)
      assert.equal(notesAtKill.get(id)?.length, 1, `HubSpot already holds the note of ${id}, in flight at the kill`);
    const deliveredAtKill = [...notesAtKill.values()].filter((n) => n.length > 0).length;
    assert.ok(deliveredAtKill < answered.size, `${deliveredAtKill} of ${answered.size} delivered at the kill: work was left`);

    service = await spawnService(env);
    await until(
      'every answered chat in HubSpot',
      () => {
        const notes = notesByConversation(hubspot, 'livechat', [...answered]);
        return [...answered].every((id) => (notes.get(id)?.length ?? 0) > 0);
      },
      45_000,
    );
    const queue = await drained(service.url, 20_000);
    assert.equal(queue.dead, 0, 'no step dead');

    const notes = notesByConversation(
      hubspot,
      'livechat',
      chats.map((c) => c.id),
    );
    const contacts = contactsByEmail(hubspot);
    const doubled = chats.filter((c) => (notes.get(c.id)?.length ?? 0) > 1 || (contacts.get(c.email) ?? 0) > 1).map((c) => c.id);
    assert.deepEqual(doubled, [], 'no chat reached HubSpot twice (one contact per email, one note per chat)');
    for (const c of chats) {
      assert.equal(contacts.get(c.email), 1, `one contact for ${c.id}`);
      const [note] = notes.get(c.id) ?? [];
      assert.ok(note !== undefined, `a note for ${c.id}`);
      assertFullTranscript(note, { id: c.id, messages: c.texts.map((text, i) => ({ id: String(i), text })) });
    }

    // The restart's deliveries went out in batches, not one by one: batching did not stop.
    const after = hubspot.requests.slice(requestsAtKill);
    const laterNotes = notesBatches(after);
    assert.ok(
      laterNotes.some((r) => inputsOf(r) > 1),
      `after the restart notes went out in batches (sizes ${laterNotes.map(inputsOf).join(', ')})`,
    );
    assert.ok(
      laterNotes.every((r) => inputsOf(r) <= BATCH_MAX),
      `no batch above CRM_BATCH_MAX (sizes ${laterNotes.map(inputsOf).join(', ')})`,
    );
    const singles = after.filter((r) => r.method === 'POST' && /^\/crm\/objects\/\d{4}-\d{2}\/notes$/.test(r.path)).length;
    const batchedNotes = laterNotes.reduce((n, r) => n + inputsOf(r), 0);
    assert.ok(batchedNotes > singles, `after the restart ${batchedNotes} notes went in batches, ${singles} alone`);
  });
});
