/**
 * Issue 10: `kill -9` of the service while conversations are between their steps (iAdvize:
 * fetch → deliver; LiveChat: fetch → deliver → notify), against the platforms' emulators and
 * HubSpot's. After a restart on the same database, every event answered 200 ends as exactly one
 * contact and one note with the whole transcript, nothing is left pending or running, and the
 * steps the dead process held count an abandoned attempt (the only steps allowed a second call).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Env } from '../../src/domain/connector';
import { openSqliteStore } from '../../src/storage/sqlite/store';
import { startHubspotEmulator, type HubspotEmulator } from '../emulators/hubspot';
import { makeConversation, sendWebhook, startIAdvizeEmulator, type IAdvizeEmulator } from '../emulators/iadvize';
import { startLiveChatEmulator, type LiveChatEmulator } from '../emulators/livechat';
import { chatDeactivated, postWebhook } from '../emulators/livechat/webhooks';
import { drained } from '../support/expect';
import { until } from '../support/polling';
import { spawnService, type ChildService } from '../support/child-service';
import { freePort, removeDir, tempDir } from '../support/service';
import {
  IADVIZE_SECRET,
  allSteps,
  answerHolds,
  assertFullTranscript,
  burstUntilKilled,
  closedEvent,
  contactsByEmail,
  fetchesByConversation,
  fieldOf,
  iadvizeEnv,
  iadvizeWebhook,
  inFlight,
  notesByConversation,
  type StepRow,
} from '../support/steps';

const BURST = 200;
const LIVECHAT_SECRET = 'livechat-steps-secret';
const LIVECHAT_TOKEN = 'livechat-steps-token-0123456789';
const AGENT = 'agent.steps@example.com';
/**
 * How long a held call may wait for the kill before it is let go and the next of its kind held
 * instead: well under the service's limits (CRM_TIMEOUT_MS and four fifths of JOB_LEASE_MS below,
 * 1500 and 1600 ms) minus what a step does before the held call, so at the kill the dead process
 * is surely still waiting for every held call.
 */
const FRESH_MS = 500;
/** A note's creation (the connector's last write of a delivery): held, HubSpot has the note but the service never hears so. */
const NOTE_CREATE = /^POST \/crm\/objects\/\d{4}-\d{2}\/notes$/;
/** The conversation a note's body names: `(<source> <id>)`. */
const noteOf = (body: unknown): string | undefined =>
  /\((?:\S+) ([^)\s]+)\)/.exec(fieldOf(body, ['properties', 'hs_note_body']) ?? '')?.[1];

/** What the child runs with, whichever platform: short leases so the restart retakes the dead process's steps at once. */
const serviceEnv = async (database: string, hubspot: HubspotEmulator, platform: Env): Promise<Env> => ({
  ...platform,
  PORT: String(await freePort()),
  DATABASE_URL: `sqlite:${database}`,
  CRM: 'hubspot',
  HUBSPOT_BASE_URL: hubspot.url,
  HUBSPOT_ACCESS_TOKEN: hubspot.token,
  WORKER_CONCURRENCY: '8',
  RETRY_SCHEDULE: '200ms,500ms,1s,1s,1s,1s',
  JOB_LEASE_MS: '2000',
  CRM_TIMEOUT_MS: '1500',
});

/** Restarts on the same database and waits until every answered conversation has its note and the queue is empty. */
const recover = async (env: Env, hubspot: HubspotEmulator, source: string, answered: readonly string[]): Promise<ChildService> => {
  const service = await spawnService(env);
  const deadline = Date.now() + 25_000;
  await until(
    'every answered conversation in HubSpot',
    () => {
      const notes = notesByConversation(hubspot, source, answered);
      return answered.every((id) => (notes.get(id)?.length ?? 0) > 0);
    },
    25_000,
  );
  // Events stored but never answered (the kill cut their connection) are delivered too: wait
  // for the queue to drain so every count below is final.
  const queue = await drained(service.url, Math.max(deadline - Date.now(), 1000));
  assert.equal(queue.dead, 0, 'no step dead');
  return service;
};

/** Every stored step, read once the service is stopped; each done, its attempts all recorded. */
const finalSteps = async (database: string): Promise<StepRow[]> => {
  const store = openSqliteStore(database);
  try {
    const steps = await allSteps(store);
    const left = steps.filter((s) => s.job.state !== 'done').map((s) => `${s.job.kind} ${s.job.state} ${s.job.lastError ?? ''}`);
    assert.deepEqual(left, [], 'every step done, none pending, running, dead or expired');
    for (const s of steps)
      assert.equal(s.job.attempts, s.attempts.length, `the ${s.job.kind} step of ${s.job.conversationKey} counts each of its attempts`);
    return steps;
  } finally {
    await store.close();
  }
};

const abandoned = (s: StepRow | undefined) => s?.attempts.some((a) => a.outcome === 'abandoned') === true;

/** Each conversation's steps by kind; fails unless each has exactly the plan's steps, once. */
const stepsOf = (steps: readonly StepRow[], keys: readonly string[], plan: readonly string[]): Map<string, Map<string, StepRow>> => {
  const byKey = new Map<string, Map<string, StepRow>>();
  for (const s of steps) byKey.set(s.job.conversationKey, new Map([...(byKey.get(s.job.conversationKey) ?? []), [s.job.kind, s]]));
  const wrong = keys.filter((key) => {
    const kinds = steps.filter((s) => s.job.conversationKey === key).map((s) => s.job.kind);
    return kinds.sort().join() !== [...plan].sort().join();
  });
  assert.deepEqual(wrong, [], `exactly one step of each of ${plan.join(', ')} per conversation (the kill made no second)`);
  return byKey;
};

/** One contact (by email) and one note with the whole transcript per answered conversation, none doubled among all. */
const assertOnceInHubspot = (
  hubspot: HubspotEmulator,
  source: string,
  all: readonly { id: string; email: string; texts: readonly string[] }[],
  answered: ReadonlySet<string>,
) => {
  const notes = notesByConversation(
    hubspot,
    source,
    all.map((c) => c.id),
  );
  const contacts = contactsByEmail(hubspot);
  const doubled = all.filter((c) => (notes.get(c.id)?.length ?? 0) > 1 || (contacts.get(c.email) ?? 0) > 1).map((c) => c.id);
  assert.deepEqual(doubled, [], 'no conversation reached HubSpot twice');
  for (const c of all) {
    if (!answered.has(c.id)) continue;
    assert.equal(contacts.get(c.email), 1, `one contact for answered conversation ${c.id}`);
    const [note] = notes.get(c.id) ?? [];
    assert.ok(note !== undefined, `a note for answered conversation ${c.id}`);
    assertFullTranscript(note, { id: c.id, messages: c.texts.map((text, i) => ({ id: String(i), text })) });
  }
};

describe('kill -9 while conversations are between steps', function () {
  this.timeout(60_000);
  let hubspot: HubspotEmulator;
  let dir: string;
  let service: ChildService | undefined;

  beforeEach(async () => {
    // Latency on every side: at any moment of the burst some fetches and some deliveries are in flight.
    hubspot = await startHubspotEmulator({
      latencyMs: 40,
      rateLimit: { max: 100_000, windowMs: 10_000 },
      searchRateLimit: { max: 100_000, windowMs: 1000 },
    });
    dir = tempDir('chat2crm-steps-crash-');
  });
  afterEach(async () => {
    await service?.kill('SIGKILL');
    service = undefined;
    await hubspot.close();
    removeDir(dir);
  });

  describe('iAdvize (fetch → deliver)', () => {
    let iadvize: IAdvizeEmulator;
    beforeEach(async () => {
      iadvize = await startIAdvizeEmulator({ latencyMs: 60, pageSize: 20, loginsPerMinute: 100 });
    });
    afterEach(() => iadvize.close());

    it('reads and delivers every answered conversation exactly once after a restart, counting the abandoned attempts', async () => {
      const database = join(dir, 'steps-crash.db');
      const env = await serviceEnv(database, hubspot, iadvizeEnv(iadvize));
      // Up to 30 messages: some transcripts take two pages of the emulator's 20.
      const conversations = Array.from({ length: BURST }, (_, i) =>
        makeConversation({ messages: 3 + (i % 28), email: `steps.crash.${i}@example.com` }),
      );
      iadvize.seed(...conversations);
      const victim = await spawnService(env);
      service = victim;
      let fetchingAtKill: string[] = [];
      let crmCallsAtKill = 0;
      let noteHeldAtKill: string | undefined;
      // Once the burst is well under way, the next read and the next note's creation are held
      // unanswered: the kill waits for both, so the dead process surely holds both kinds of step.
      const holds = answerHolds(
        [
          {
            name: 'fetch',
            requests: iadvize.requests,
            hold: (until) => iadvize.faults.inject({ match: /^POST \/graphql$/, holdAnswer: until }),
          },
          {
            name: 'deliver',
            requests: hubspot.requests,
            hold: (until) => hubspot.faults.inject({ match: NOTE_CREATE, holdAnswer: until }),
          },
        ],
        FRESH_MS,
      );
      const burst = await burstUntilKilled({
        count: BURST,
        spacingMs: 15,
        post: async (i) =>
          (await sendWebhook(iadvizeWebhook(victim.url), closedEvent(conversations[i] ?? makeConversation()), { secret: IADVIZE_SECRET }))
            .status,
        // Once deliveries have begun to finish and the dead process surely holds both kinds of step.
        ready: (answered) => {
          if (answered < 60 || hubspot.state.list('notes').length < 3) return false;
          holds.arm();
          return holds.allHeld();
        },
        atKill: () => {
          fetchingAtKill = inFlight(iadvize.requests).flatMap((r) => fieldOf(r.body, ['variables', 'id']) ?? []);
          crmCallsAtKill = inFlight(hubspot.requests).length;
          noteHeldAtKill = noteOf(holds.held().get('deliver')?.[0]?.body);
        },
        kill: async () => {
          await victim.kill('SIGKILL');
          holds.release();
          iadvize.faults.clear();
          hubspot.faults.clear();
        },
      });
      const answered = new Set([...burst.answered].map((i) => conversations[i]?.id ?? ''));
      assert.ok(burst.killed, 'the process was killed mid-burst');
      assert.ok(answered.size >= 60 && answered.size < BURST, `${answered.size} answered before the kill`);
      assert.ok(fetchingAtKill.length > 0 && crmCallsAtKill > 0, 'fetches and CRM calls were in flight at the kill');
      assert.ok(noteHeldAtKill !== undefined, 'a note created in HubSpot was still unanswered at the kill');
      const deliveredBeforeRestart = [...notesByConversation(hubspot, 'iadvize', [...answered]).values()].filter(
        (n) => n.length > 0,
      ).length;
      assert.ok(deliveredBeforeRestart < answered.size, 'some answered conversations were still undelivered at the kill');

      service = await recover(env, hubspot, 'iadvize', [...answered]);
      const all = conversations.map((c) => ({ id: c.id, email: c.visitor?.email ?? '', texts: c.messages.map((m) => m.text ?? '') }));
      assertOnceInHubspot(hubspot, 'iadvize', all, answered);

      await service.kill('SIGTERM');
      const steps = await finalSteps(database);
      const byKey = stepsOf(
        steps,
        [...answered].map((id) => `iadvize:${id}`),
        ['fetch', 'deliver'],
      );
      assert.ok(
        steps.some((s) => s.job.kind === 'deliver' && abandoned(s)),
        'a delivery the dead process held counts an abandoned attempt',
      );
      assert.ok(
        abandoned(byKey.get(`iadvize:${noteHeldAtKill ?? ''}`)?.get('deliver')),
        `the delivery of ${noteHeldAtKill ?? ''}, its note created but unanswered at the kill, counts an abandoned attempt`,
      );
      for (const id of fetchingAtKill)
        assert.ok(
          abandoned(byKey.get(`iadvize:${id}`)?.get('fetch')),
          `the fetch of ${id} in flight at the kill counts an abandoned attempt`,
        );
      const reads = fetchesByConversation(iadvize);
      for (const id of answered) {
        const fetch = byKey.get(`iadvize:${id}`)?.get('fetch');
        const n = reads.get(id) ?? 0;
        // Read again only by the restart retaking a fetch the dead process held.
        assert.ok(
          abandoned(fetch) ? n >= 1 && n <= (fetch?.job.attempts ?? 0) : n === 1,
          `${id} read ${n} times in ${fetch?.job.attempts ?? 0} attempts`,
        );
      }
    });
  });

  describe('LiveChat (fetch → deliver → notify)', () => {
    let livechat: LiveChatEmulator;
    beforeEach(async () => {
      livechat = await startLiveChatEmulator({ latencyMs: 30 });
      livechat.state.addAgent(AGENT, 'Agent Steps');
    });
    afterEach(() => livechat.close());

    it('delivers every answered chat once and writes its link into the customer once after a restart', async () => {
      const database = join(dir, 'steps-crash-livechat.db');
      const env = await serviceEnv(database, hubspot, {
        LIVECHAT_API_URL: livechat.url,
        LIVECHAT_ACCOUNT_ID: livechat.account.accountId,
        LIVECHAT_PAT: livechat.account.pat,
        LIVECHAT_AGENT_ID: livechat.account.agentId,
        LIVECHAT_WEBHOOK_SECRET: LIVECHAT_SECRET,
        LIVECHAT_WEBHOOK_TOKEN: LIVECHAT_TOKEN,
      });
      const { state } = livechat;
      const chats = Array.from({ length: BURST }, (_, i) => {
        const email = `steps.livechat.${i}@example.com`;
        const customer = state.addCustomer({ name: `Customer ${i}`, email, session_fields: [{ plan: 'pro' }] });
        const chat = state.startChat({ customerId: customer.id, agentId: AGENT });
        const texts = Array.from({ length: 2 + (i % 6) }, (_, j) => `chat ${i} line ${j}`);
        texts.forEach((text, j) => state.addEvent(chat.id, { author_id: j % 2 === 0 ? customer.id : AGENT, text }));
        state.closeThread(chat.id);
        return { id: chat.id, customerId: customer.id, email, texts };
      });
      const victim = await spawnService(env);
      service = victim;
      const webhook = `${victim.url}/webhooks/livechat/${LIVECHAT_TOKEN}`;
      let crmCallsAtKill = 0;
      let fetchingAtKill: string[] = [];
      let notifyingAtKill: string[] = [];
      let noteHeldAtKill: string | undefined;
      const notifying = () =>
        inFlight([...livechat.calls('get_customer'), ...livechat.calls('update_customer')]).flatMap((r) => fieldOf(r.body, ['id']) ?? []);
      // All three kinds held by the dead process: a chat read, a CRM call, a customer written (only
      // notify touches customers here: every chat has its email). On a busy machine all three are
      // rarely in flight at the same instant by chance, so once the burst is well under way the next
      // call of each kind is held unanswered, and the kill waits until all three are.
      const holds = answerHolds(
        [
          {
            name: 'fetch',
            requests: livechat.requests,
            hold: (until) => livechat.faults.inject({ match: /^get_chat$/, holdAnswer: until }),
          },
          {
            name: 'deliver',
            requests: hubspot.requests,
            hold: (until) => hubspot.faults.inject({ match: NOTE_CREATE, holdAnswer: until }),
          },
          {
            name: 'notify',
            requests: livechat.requests,
            hold: (until) => livechat.faults.inject({ match: /^update_customer$/, holdAnswer: until }),
          },
        ],
        FRESH_MS,
      );
      const burst = await burstUntilKilled({
        count: BURST,
        spacingMs: 15,
        post: async (i) =>
          (await postWebhook(webhook, chatDeactivated(state, chats[i]?.id ?? '', { secretKey: LIVECHAT_SECRET, userId: AGENT }))).status,
        ready: (answered) => {
          if (answered < 60 || livechat.calls('update_customer').length < 3) return false;
          holds.arm();
          return holds.allHeld();
        },
        atKill: () => {
          fetchingAtKill = inFlight(livechat.calls('get_chat')).flatMap((r) => fieldOf(r.body, ['chat_id']) ?? []);
          crmCallsAtKill = inFlight(hubspot.requests).length;
          notifyingAtKill = notifying();
          noteHeldAtKill = noteOf(holds.held().get('deliver')?.[0]?.body);
        },
        kill: async () => {
          await victim.kill('SIGKILL');
          holds.release();
          livechat.faults.clear();
          hubspot.faults.clear();
        },
      });
      const answered = new Set([...burst.answered].map((i) => chats[i]?.id ?? ''));
      assert.ok(burst.killed, 'the process was killed mid-burst');
      assert.ok(answered.size >= 60 && answered.size < BURST, `${answered.size} answered before the kill`);
      assert.ok(
        fetchingAtKill.length > 0 && crmCallsAtKill > 0 && notifyingAtKill.length > 0,
        'a chat read, a CRM call and a customer write were in flight at the kill',
      );
      assert.ok(noteHeldAtKill !== undefined, 'a note created in HubSpot was still unanswered at the kill');

      service = await recover(env, hubspot, 'livechat', [...answered]);
      assertOnceInHubspot(hubspot, 'livechat', chats, answered);

      await service.kill('SIGTERM');
      const steps = await finalSteps(database);
      const byKey = stepsOf(
        steps,
        [...answered].map((id) => `livechat:${id}`),
        ['fetch', 'deliver', 'notify'],
      );
      assert.ok(
        steps.some((s) => s.job.kind === 'deliver' && abandoned(s)),
        'a delivery the dead process held counts an abandoned attempt',
      );
      assert.ok(
        abandoned(byKey.get(`livechat:${noteHeldAtKill ?? ''}`)?.get('deliver')),
        `the delivery of ${noteHeldAtKill ?? ''}, its note created but unanswered at the kill, counts an abandoned attempt`,
      );
      for (const id of fetchingAtKill)
        assert.ok(
          abandoned(byKey.get(`livechat:${id}`)?.get('fetch')),
          `the fetch of ${id} in flight at the kill counts an abandoned attempt`,
        );
      const chatOf = new Map(chats.map((c) => [c.customerId, c.id]));
      for (const customer of notifyingAtKill) {
        const chatId = chatOf.get(customer) ?? '';
        assert.ok(
          abandoned(byKey.get(`livechat:${chatId}`)?.get('notify')),
          `the notify of ${chatId} in flight at the kill counts an abandoned attempt`,
        );
      }
      const updates = new Map<string, number>();
      for (const call of livechat.calls('update_customer')) {
        const id = fieldOf(call.body, ['id']);
        if (id !== undefined) updates.set(id, (updates.get(id) ?? 0) + 1);
      }
      const contacts = new Map(hubspot.state.list('contacts').map((c) => [c.properties['email'] ?? '', c.id]));
      for (const chat of chats) {
        if (!answered.has(chat.id)) continue;
        const notify = byKey.get(`livechat:${chat.id}`)?.get('notify');
        const n = updates.get(chat.customerId) ?? 0;
        // A second write only from the restart retaking a notify the dead process held (and it writes the same field).
        assert.ok(
          abandoned(notify) ? n >= 1 && n <= (notify?.job.attempts ?? 0) : n === 1,
          `customer of ${chat.id} updated ${n} times in ${notify?.job.attempts ?? 0} attempts`,
        );
        const links = (state.customers.get(chat.customerId)?.session_fields ?? []).flatMap((f) =>
          f['crm_record_url'] === undefined ? [] : [f['crm_record_url']],
        );
        assert.equal(links.length, 1, `one link in the session fields of ${chat.id}`);
        assert.match(
          links[0] ?? '',
          new RegExp(`/record/0-1/${contacts.get(chat.email) ?? 'none'}$`),
          `the link of ${chat.id} is its contact`,
        );
      }
    });
  });
});
