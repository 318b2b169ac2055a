import assert from 'node:assert/strict';
import { decideAction } from '../../../src/domain/routing';
import type { Conversation } from '../../../src/domain/conversation';
import { renderTranscriptText } from '../../../src/domain/transcript';
import type { ConversationView, PlatformClient } from '../../../src/domain/source';
import { thinConversation } from '../../../src/sources/iadvize/events';
import {
  SCHEMA_SDL,
  makeConversation,
  startIAdvizeEmulator,
  type IAdvizeEmulator,
  type IAdvizeEmulatorOptions,
} from '../../emulators/iadvize';
import { sourceFor } from './support';

const RULES = { defaultRecord: 'lead', caseTags: ['complaint'], caseGroups: [] } as const;

const viewOf = (id: string, visitorId?: string): ConversationView => ({
  id,
  conversation: thinConversation(id, visitorId, ['7']),
  meta: {},
});

describe('iAdvize GraphQL client (against the emulator)', () => {
  let emulator: IAdvizeEmulator | undefined;
  afterEach(async () => {
    await emulator?.close();
    emulator = undefined;
  });

  const start = async (
    options: IAdvizeEmulatorOptions = {},
    env: Record<string, string> = {},
    timeoutMs = 2000,
  ): Promise<{ e: IAdvizeEmulator; client: PlatformClient }> => {
    const e = await startIAdvizeEmulator(options);
    emulator = e;
    const source = sourceFor(
      { IADVIZE_API_URL: e.url, IADVIZE_USERNAME: e.username, IADVIZE_PASSWORD: e.password, ...env },
      { callTimeoutMs: timeoutMs },
    );
    assert.ok(source.client !== undefined);
    return { e, client: source.client };
  };

  const fetched = async (client: PlatformClient, view: ConversationView): Promise<Conversation> => {
    const outcome = await client.fetchConversation?.(view);
    assert.ok(outcome?.ok, JSON.stringify(outcome));
    return outcome.value;
  };

  it('reads a 45-message conversation across pages, with the visitor and its email', async () => {
    const seeded = makeConversation({ messages: 45, email: 'Vera.Visitor@Example.com', tags: ['complaint'] });
    const { e, client } = await start({ conversations: [seeded], pageSize: 20 });
    const c = await fetched(client, viewOf(seeded.id, 'visitor-from-webhook'));
    const graphql = e.requests.filter((r) => r.path === '/graphql');
    assert.equal(graphql.length, 3, 'pages of 20, 20 and 5');
    assert.equal(c.source, 'iadvize');
    assert.equal(c.id, seeded.id);
    const chat = c.messages.filter((m) => m.role !== 'system');
    assert.equal(chat.length, 45);
    assert.deepEqual(
      chat.map((m) => m.body),
      Array.from({ length: 45 }, (_, i) => `message ${i + 1}`),
    );
    assert.equal(chat[0]?.role, 'visitor');
    assert.equal(chat[0]?.author, 'Vera Visitor');
    assert.equal(chat[1]?.author, 'Alice Agent');
    assert.deepEqual(c.visitor, {
      id: 'visitor-from-webhook',
      name: 'Vera Visitor',
      firstName: 'Vera',
      lastName: 'Visitor',
      email: 'vera.visitor@example.com',
      city: 'Nantes',
      country: 'FR',
    });
    assert.deepEqual(c.tags, ['complaint']);
    assert.deepEqual(c.operators, [{ id: '7', name: 'Operator 7' }]);
    assert.match(renderTranscriptText(c), /iAdvize: iAdvize conversation over chat/);
    assert.equal(decideAction(c, RULES), 'case', 'routing rules apply to iAdvize tags');
  });

  it('asks for 100 messages a page: one call for a conversation of 100', async () => {
    const seeded = makeConversation({ messages: 100 });
    const { e, client } = await start({ conversations: [seeded], pageSize: 500 });
    const c = await fetched(client, viewOf(seeded.id));
    assert.equal(c.messages.filter((m) => m.role !== 'system').length, 100);
    assert.equal(e.graphqlCalls, 1);
    const body = e.requests.find((r) => r.path === '/graphql')?.body;
    assert.ok(typeof body === 'object' && body !== null && 'variables' in body);
    assert.deepEqual(body.variables, { id: seeded.id, first: 100, after: null });
  });

  it('shares one login between many fetches, also concurrent ones', async () => {
    const seeded = Array.from({ length: 6 }, () => makeConversation({ messages: 3 }));
    const { e, client } = await start({ conversations: seeded });
    await Promise.all(seeded.slice(0, 4).map((c) => fetched(client, viewOf(c.id))));
    await fetched(client, viewOf(seeded[4]?.id ?? ''));
    await fetched(client, viewOf(seeded[5]?.id ?? ''));
    assert.equal(e.logins, 1);
    const login = e.requests.find((r) => r.path === '/oauth2/token');
    assert.deepEqual(login?.body, { username: e.username, password: '***', grant_type: 'password' });
  });

  it('spends exactly one re-login on an expired token', async () => {
    const seeded = makeConversation({ messages: 3 });
    const { e, client } = await start({ conversations: [seeded] });
    await fetched(client, viewOf(seeded.id));
    e.faults.expireTokens();
    await fetched(client, viewOf(seeded.id));
    await fetched(client, viewOf(seeded.id));
    assert.equal(e.logins, 2);
    assert.deepEqual(
      e.requests.map((r) => `${r.path} ${r.status}`),
      ['/oauth2/token 200', '/graphql 200', '/graphql 401', '/oauth2/token 200', '/graphql 200', '/graphql 200'],
    );
  });

  it('logs in again before the token runs out (expires_in)', async () => {
    const seeded = makeConversation({ messages: 1 });
    // 61 s lifetime, minus our 60 s margin: stale after ~30 s of our clock; with 1 s it is at once.
    const { e, client } = await start({ conversations: [seeded], tokenLifetimeS: 1 });
    await fetched(client, viewOf(seeded.id));
    await new Promise((r) => setTimeout(r, 600));
    await fetched(client, viewOf(seeded.id));
    assert.equal(e.logins, 2);
    assert.ok(!e.requests.some((r) => r.status === 401), 'no call with a stale token');
  });

  it('makes a refused freshly-issued token permanent instead of logging in again and again', async () => {
    const seeded = makeConversation({ messages: 1 });
    const { e, client } = await start({ conversations: [seeded] });
    e.faults.inject({ status: 401, match: /graphql/, times: 5 });
    const outcome = await client.fetchConversation?.(viewOf(seeded.id));
    assert.ok(outcome !== undefined && !outcome.ok);
    assert.equal(outcome.failure.kind, 'permanent');
    assert.equal(e.logins, 2);
  });

  it('names IADVIZE_USERNAME/IADVIZE_PASSWORD on bad credentials, permanently, without burning the login budget', async () => {
    const seeded = makeConversation({ messages: 1 });
    const e = await startIAdvizeEmulator({ conversations: [seeded] });
    emulator = e;
    const source = sourceFor({ IADVIZE_API_URL: e.url, IADVIZE_USERNAME: e.username, IADVIZE_PASSWORD: 'wrong' });
    const fetchConversation = source.client?.fetchConversation?.bind(source.client);
    assert.ok(fetchConversation !== undefined);
    const outcomes = await Promise.all([1, 2, 3].map(() => fetchConversation(viewOf(seeded.id))));
    for (const outcome of outcomes) {
      assert.ok(outcome !== undefined && !outcome.ok);
      assert.equal(outcome.failure.kind, 'permanent');
      assert.equal(outcome.failure.code, 'IADVIZE_BAD_CREDENTIALS');
      assert.match(outcome.failure.message, /IADVIZE_USERNAME and IADVIZE_PASSWORD/);
      assert.doesNotMatch(outcome.failure.message, /wrong|api-user/);
    }
    assert.equal(e.logins, 1);
  });

  it('fails permanently without credentials, naming the keys, and calls nobody', async () => {
    const e = await startIAdvizeEmulator();
    emulator = e;
    const outcome = await sourceFor({ IADVIZE_API_URL: e.url }).client?.fetchConversation?.(viewOf('c'));
    assert.ok(outcome !== undefined && !outcome.ok);
    assert.equal(outcome.failure.code, 'IADVIZE_NOT_CONFIGURED');
    assert.match(outcome.failure.message, /IADVIZE_USERNAME/);
    assert.equal(e.requests.length, 0);
  });

  it('treats GraphQL 502s as transient, and succeeds once they pass', async () => {
    const seeded = makeConversation({ messages: 25 });
    const { e, client } = await start({ conversations: [seeded] });
    e.faults.inject({ status: 502, match: /graphql/, retryAfterSeconds: 3 });
    const first = await client.fetchConversation?.(viewOf(seeded.id));
    assert.ok(first !== undefined && !first.ok);
    assert.equal(first.failure.kind, 'transient');
    assert.equal(first.failure.kind === 'transient' ? first.failure.retryAfterMs : undefined, 3000);
    const second = await fetched(client, viewOf(seeded.id));
    assert.equal(second.messages.filter((m) => m.role !== 'system').length, 25);
    assert.equal(e.logins, 1);
  });

  it('treats a timeout and a dropped connection as transient', async () => {
    const seeded = makeConversation({ messages: 1 });
    const { e, client } = await start({ conversations: [seeded] }, {}, 200);
    e.faults.inject({ latencyMs: 500, match: /graphql/ });
    const slow = await client.fetchConversation?.(viewOf(seeded.id));
    assert.ok(slow !== undefined && !slow.ok);
    assert.deepEqual([slow.failure.kind, slow.failure.code], ['transient', 'IADVIZE_TIMEOUT']);
    e.faults.inject({ network: true, match: /graphql/ });
    const dropped = await client.fetchConversation?.(viewOf(seeded.id));
    assert.ok(dropped !== undefined && !dropped.ok);
    assert.deepEqual([dropped.failure.kind, dropped.failure.code], ['transient', 'IADVIZE_UNAVAILABLE']);
  });

  it('treats iAdvize internal GraphQL errors in a 200 as transient', async () => {
    const seeded = makeConversation({ messages: 1 });
    const { e, client } = await start({ conversations: [seeded] });
    e.faults.inject({
      match: /graphql/,
      graphqlErrors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
    });
    const outcome = await client.fetchConversation?.(viewOf(seeded.id));
    assert.ok(outcome !== undefined && !outcome.ok);
    assert.equal(outcome.failure.kind, 'transient');
  });

  for (const validationStatus of [200, 400] as const) {
    it(`fails permanently, naming the field, when the query does not fit iAdvize's schema (HTTP ${validationStatus})`, async () => {
      const seeded = makeConversation({ messages: 1 });
      // An iAdvize whose message text is called `body`, unlike our assumption.
      const schema = SCHEMA_SDL.replace(/\n {2}text: String\n/, '\n  body: String\n');
      assert.notEqual(schema, SCHEMA_SDL);
      const { e, client } = await start({ conversations: [seeded], schema, validationStatus });
      const outcome = await client.fetchConversation?.(viewOf(seeded.id));
      assert.ok(outcome !== undefined && !outcome.ok);
      assert.equal(outcome.failure.kind, 'permanent');
      assert.equal(outcome.failure.code, 'IADVIZE_SCHEMA_MISMATCH');
      assert.match(outcome.failure.message, /ConversationMessage\.text/);
      assert.equal(e.graphqlCalls, 1, 'not retried');
    });
  }

  it('fails permanently when an answer lacks a selected field', async () => {
    const seeded = makeConversation({ messages: 1 });
    const { e, client } = await start({ conversations: [seeded] });
    e.faults.inject({ status: 200, match: /graphql/, body: { data: { conversation: { id: seeded.id } } } });
    const outcome = await client.fetchConversation?.(viewOf(seeded.id));
    assert.ok(outcome !== undefined && !outcome.ok);
    assert.equal(outcome.failure.code, 'IADVIZE_SCHEMA_MISMATCH');
    assert.match(outcome.failure.message, /conversation\.createdAt/);
  });

  it('retries later when iAdvize does not (yet) return the conversation', async () => {
    const { client } = await start();
    const outcome = await client.fetchConversation?.(viewOf('00000000-0000-0000-0000-000000000000'));
    assert.ok(outcome !== undefined && !outcome.ok);
    assert.deepEqual([outcome.failure.kind, outcome.failure.code], ['transient', 'IADVIZE_CONVERSATION_NOT_FOUND']);
  });

  it('adds ?platform=sd for IADVIZE_PLATFORM=sd', async () => {
    const seeded = makeConversation({ messages: 1 });
    const { e, client } = await start({ conversations: [seeded] }, { IADVIZE_PLATFORM: 'sd' });
    await fetched(client, viewOf(seeded.id));
    assert.deepEqual(
      e.requests.filter((r) => r.path === '/graphql').map((r) => r.query),
      ['platform=sd'],
    );
  });

  it('lets a closing-form answer of lead or case decide the record, over tags, and keeps it out of the transcript', async () => {
    const seeded = makeConversation({
      messages: 2,
      tags: ['complaint'],
      closingForm: [
        { fieldId: 'crm_record_type', label: 'CRM record', value: 'lead' },
        { fieldId: 'reason', label: 'Reason', value: 'pricing' },
      ],
    });
    const { client } = await start({ conversations: [seeded] });
    const c = await fetched(client, viewOf(seeded.id));
    assert.equal(decideAction(c, RULES), 'lead');
    const text = renderTranscriptText(c);
    assert.match(text, /Closing form: CRM record: lead; Reason: pricing/);
    assert.doesNotMatch(text, /!lead/);
  });

  it('shows attachments and the channel by name', async () => {
    const base = makeConversation({ messages: 1, channel: 'WHATSAPP' });
    const seeded = {
      ...base,
      messages: [
        {
          ...base.messages[0],
          id: 'a',
          createdAt: base.createdAt,
          author: { type: 'VISITOR' as const, name: null },
          text: null,
          attachments: [{ name: 'invoice.pdf', url: 'https://files.example/1', mimeType: 'application/pdf' }],
        },
      ],
    };
    const { client } = await start({ conversations: [seeded] });
    const c = await fetched(client, viewOf(seeded.id));
    assert.match(renderTranscriptText(c), /over WhatsApp/);
    assert.match(renderTranscriptText(c), /\[attachment: invoice\.pdf https:\/\/files\.example\/1\]/);
  });

  it('checks the credentials with one login and a harmless query (npm run setup)', async () => {
    const { e, client } = await start();
    const items = (await client.check?.()) ?? [];
    assert.deepEqual(
      items.map((i) => i.ok),
      [true, true],
    );
    assert.equal(e.logins, 1);
    const query = e.requests.find((r) => r.path === '/graphql')?.body;
    assert.ok(typeof query === 'object' && query !== null && 'query' in query);
    assert.match(String(query.query), /__typename/);
  });
});
