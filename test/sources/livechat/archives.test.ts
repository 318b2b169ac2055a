/**
 * The LiveChat client's `listArchived` against the emulator's `list_archives`: one event per
 * archived thread, the very event that thread's chat_deactivated webhook makes; threads still
 * going on are left for their webhook; the range goes out as LiveChat's filters; the emulator
 * keeps LiveChat's paging rules.
 */
import assert from 'node:assert/strict';
import { decodeWebhook } from '../../../src/sources/livechat/decode';
import { eventsOf, fixtureJson, requestOf } from './helpers';
import { AGENT, failureOf, startScenario, valueOf, type Scenario } from './scenario';

describe('LiveChat listArchived (list_archives)', () => {
  let scenario: Scenario;
  beforeEach(async () => {
    scenario = await startScenario();
  });
  afterEach(() => scenario.emulator.close());

  it('lists every thread of a chat as the event of its chat_deactivated webhook, and leaves an active one for its webhook', async () => {
    const { state } = scenario.emulator;
    state.setClock(new Date('2026-03-01T10:00:00Z'));
    const { chatId } = scenario.chat();
    const first = state.closeThread(chatId);
    const second = state.startThread(chatId);
    state.closeThread(chatId);
    const third = state.startThread(chatId);
    const page = valueOf(await scenario.client().listArchived({ since: new Date('2026-03-01T00:00:00Z') }));
    assert.equal(page.found, 3);
    assert.equal(page.cursor, undefined);
    const [a, b, c] = page.events;
    const webhook = (threadId: string) =>
      eventsOf(
        decodeWebhook(requestOf({ ...fixtureJson('v3.6-chat_deactivated-docs.json'), payload: { chat_id: chatId, thread_id: threadId } })),
      )[0];
    assert.ok(a?.kind === 'conversation' && b?.kind === 'conversation');
    const { meta: metaA, ...restA } = a;
    const expectedA = webhook(first.id);
    assert.ok(expectedA?.kind === 'conversation');
    const { meta: expectedMeta, ...expectedRest } = expectedA;
    assert.deepEqual(restA, expectedRest, 'same dedup key, plan and conversation as the webhook');
    assert.deepEqual(
      metaA,
      Object.fromEntries(Object.entries(expectedMeta ?? {}).filter(([k]) => k !== 'account_id')),
      'the same meta but the account the webhook names',
    );
    assert.equal(b.dedupKey, `v3:chat_deactivated:${chatId}:${second.id}`);
    assert.deepEqual(c, { kind: 'ignored', reason: 'the thread is still going on; its chat_deactivated webhook will bring it' });
    assert.ok(third.active);
  });

  it('sends the range as filters with the first page only, oldest first, 100 a page', async () => {
    const { state } = scenario.emulator;
    for (let i = 0; i < 130; i++) {
      state.setClock(new Date(Date.parse('2026-03-01T00:00:00Z') + i * 60_000));
      const { chatId } = scenario.chat();
      state.closeThread(chatId);
    }
    const range = { since: new Date('2026-03-01T00:10:00Z'), until: new Date('2026-03-01T01:59:59.999Z') };
    const first = valueOf(await scenario.client().listArchived(range));
    assert.equal(first.events.length, 100);
    assert.equal(first.found, 110);
    assert.ok(first.cursor !== undefined);
    const second = valueOf(await scenario.client().listArchived({ ...range, cursor: first.cursor }));
    assert.equal(second.events.length, 10);
    assert.equal(second.cursor, undefined);
    const [req1, req2] = scenario.emulator.calls('list_archives');
    assert.deepEqual(req1?.body, {
      filters: { from: '2026-03-01T00:10:00.000000Z', to: '2026-03-01T01:59:59.999000Z' },
      sort_order: 'asc',
      limit: 100,
    });
    assert.deepEqual(req2?.body, { page_id: first.cursor });
  });

  it('answers LiveChat’s validation errors: page_id with filters, a bad page_id, a limit over 100', async () => {
    const post = (body: object) =>
      fetch(`${scenario.emulator.url}/v3.6/agent/action/list_archives`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(`${scenario.emulator.account.accountId}:${scenario.emulator.account.pat}`).toString('base64')}`,
        },
        body: JSON.stringify(body),
      });
    for (const body of [{ page_id: 'x', filters: {} }, { page_id: 'not-a-page' }, { limit: 101 }, { filters: { from: 'yesterday' } }]) {
      const res = await post(body);
      assert.equal(res.status, 400, JSON.stringify(body));
      const json: unknown = await res.json();
      assert.ok(typeof json === 'object' && json !== null && 'error' in json);
    }
    // A refused cursor is a permanent failure the backfill recognises (it lists again from the start).
    const failure = failureOf(await scenario.client().listArchived({ since: new Date(0), cursor: 'lapsed' }));
    assert.equal(failure.kind, 'permanent');
    assert.equal(failure.code, 'LIVECHAT_VALIDATION');
  });

  it('is refused without the chats scope, naming it', async () => {
    await scenario.emulator.close();
    scenario = await startScenario({ accounts: [{ accountId: 'acc-1', pat: 'dal:pat-1', agentId: AGENT, scopes: ['customers:ro'] }] });
    const failure = failureOf(
      await scenario.client({ LIVECHAT_ACCOUNT_ID: 'acc-1', LIVECHAT_PAT: 'dal:pat-1' }).listArchived({ since: new Date(0) }),
    );
    assert.equal(failure.code, 'LIVECHAT_FORBIDDEN');
    assert.match(failure.message, /chats--all:ro/);
  });
});
