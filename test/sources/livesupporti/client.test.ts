import { strict as assert } from 'node:assert';
import type { Outcome } from '../../../src/domain/outcome';
import type { ConversationView, PlatformClient, ShownLink } from '../../../src/domain/source';
import { createLiveSupportiClient, toVisitorFields, type LiveSupportiClientOptions } from '../../../src/sources/livesupporti/client';
import { startLiveSupportiEmulator, type LiveSupportiEmulator } from '../../emulators/livesupporti';

const ACCOUNT = 'b943010f-b565-4731-9f34-42c54319957f';
const VISITOR = '169.26.97.99-1231178';

const view = (
  meta: Record<string, string> = { accountId: ACCOUNT, agentId: '150', visitorId: VISITOR },
  visitorId = VISITOR,
): ConversationView => ({
  id: `${ACCOUNT}:${visitorId}`,
  meta,
  conversation: {
    source: 'livesupporti',
    id: `${ACCOUNT}:${visitorId}`,
    visitor: { id: visitorId, email: 'jason@example.com' },
    messages: [],
    tags: [],
    groups: [],
    operators: [],
    offline: false,
  },
});

const LEAD: ShownLink = { url: 'http://127.0.0.1:3000/records/42', kind: 'record', label: 'lead' };

const failure = (outcome: Outcome<void>) => {
  if (outcome.ok) throw new Error('expected a failure');
  return outcome.failure;
};

describe('LiveSupporti visitor-details client (against the emulator)', () => {
  let emulator: LiveSupportiEmulator;
  let options: LiveSupportiClientOptions;
  let client: PlatformClient;
  const show = (v: ConversationView = view(), link: ShownLink = LEAD, c: PlatformClient = client) => {
    if (c.showRecord === undefined) throw new Error('no showRecord');
    return c.showRecord(v, link);
  };

  before(async () => {
    emulator = await startLiveSupportiEmulator({ accounts: [ACCOUNT] });
  });
  after(() => emulator.close());
  beforeEach(() => {
    emulator.requests.length = 0;
    emulator.details.clear();
    emulator.faults.clear();
    options = { apiUrl: emulator.url, apiUser: emulator.user, apiKey: emulator.apiKey, timeoutMs: 1000 };
    client = createLiveSupportiClient(options);
  });

  it('posts the link with Basic auth and LiveSupporti’s body shape; 200 is done', async () => {
    const outcome = await show();
    assert.deepEqual(outcome, { ok: true, value: undefined });
    assert.equal(emulator.requests.length, 1);
    const [request] = emulator.requests;
    assert.equal(request?.path, `/api/visitors/${VISITOR}/details`);
    assert.equal(request?.user, emulator.user);
    assert.equal(request?.contentType, 'application/json; charset=utf-8');
    assert.deepEqual(request?.body, {
      AccountId: ACCOUNT,
      AgentId: '150',
      VisitorId: VISITOR,
      Fields: [
        { name: 'CRM', value: LEAD.url },
        { name: 'CRM record', value: 'lead' },
      ],
    });
    assert.deepEqual(emulator.details.get(VISITOR)?.[0], { name: 'CRM', value: LEAD.url });
  });

  it('says a found person is an existing one, and reads the ids from the conversation id when meta lacks them', async () => {
    const ipv6 = '2001:db8::1-77';
    const outcome = await show(view({}, ipv6), { url: 'https://crm.example/contacts/1', kind: 'person', label: 'contact' });
    assert.ok(outcome.ok);
    assert.equal(emulator.requests[0]?.path, `/api/visitors/${encodeURIComponent(ipv6)}/details`);
    assert.deepEqual(emulator.requests[0]?.body, {
      AccountId: ACCOUNT,
      VisitorId: ipv6,
      Fields: [
        { name: 'CRM', value: 'https://crm.example/contacts/1' },
        { name: 'CRM record', value: 'existing contact' },
      ],
    });
  });

  it('treats 503 as transient, with Retry-After when given, and succeeds on the next try', async () => {
    emulator.faults.inject({ status: 503, retryAfterSeconds: 30 });
    emulator.faults.inject({ status: 502 });
    const first = failure(await show());
    assert.deepEqual(
      [first.kind, first.code, first.status, first.kind === 'transient' ? first.retryAfterMs : -1],
      ['transient', 'LIVESUPPORTI_UNAVAILABLE', 503, 30_000],
    );
    const second = failure(await show());
    assert.deepEqual([second.kind, second.status, second.kind === 'transient' ? second.retryAfterMs : -1], ['transient', 502, undefined]);
    assert.ok((await show()).ok);
    assert.equal(emulator.requests.length, 3);
  });

  it('treats 429 as rate limiting (retried without spending a try)', async () => {
    emulator.faults.inject({ status: 429, retryAfterSeconds: 2 });
    const f = failure(await show());
    assert.deepEqual([f.kind, f.code, f.kind === 'transient' ? f.retryAfterMs : -1], ['transient', 'CRM_RATE_LIMITED', 2000]);
  });

  it('treats 400 as permanent, with its message as the reason, masked and cut', async () => {
    const f = failure(await show(view({ accountId: 'unknown-account', visitorId: VISITOR })));
    assert.deepEqual([f.kind, f.code, f.status], ['permanent', 'LIVESUPPORTI_REJECTED', 400]);
    assert.equal(f.message, 'LiveSupporti refused the visitor details (400): Unknown account.');

    emulator.faults.inject({
      status: 400,
      body: JSON.stringify({ Message: `Visitor jason@example.com is not\r\nonline. ${'x'.repeat(500)}` }),
    });
    const long = failure(await show());
    assert.equal(long.kind, 'permanent');
    assert.ok(!long.message.includes('jason@example.com'));
    assert.match(long.message, /: Visitor \[email\] is not online\. x+…$/);
    assert.ok(long.message.length < 300);

    emulator.faults.inject({ status: 400, body: '<html><body><h1>Bad Request</h1></body></html>' });
    assert.match(failure(await show()).message, /\(400\): Bad Request$/);
  });

  it('treats refused credentials as permanent, naming the keys', async () => {
    const wrong = createLiveSupportiClient({ ...options, apiKey: 'wrong' });
    const f = failure(await show(view(), LEAD, wrong));
    assert.deepEqual([f.kind, f.code, f.status], ['permanent', 'LIVESUPPORTI_UNAUTHORIZED', 401]);
    assert.match(f.message, /LIVESUPPORTI_API_USER and LIVESUPPORTI_API_KEY/);
    assert.ok(!f.message.includes('wrong'));
  });

  it('fails permanently, without a call, while a credential is missing', async () => {
    const noUser = createLiveSupportiClient({ apiUrl: emulator.url, apiKey: 'k', timeoutMs: 1000 });
    const noKey = createLiveSupportiClient({ apiUrl: emulator.url, apiUser: 'u', timeoutMs: 1000 });
    const a = failure(await show(view(), LEAD, noUser));
    const b = failure(await show(view(), LEAD, noKey));
    assert.deepEqual([a.kind, a.code], ['permanent', 'LIVESUPPORTI_NOT_CONFIGURED']);
    assert.match(a.message, /^LIVESUPPORTI_API_USER is not set/);
    assert.match(b.message, /^LIVESUPPORTI_API_KEY is not set/);
    assert.equal(emulator.requests.length, 0);
  });

  it('treats a slow answer and a dropped connection as transient', async () => {
    const quick = createLiveSupportiClient({ ...options, timeoutMs: 100 });
    emulator.faults.inject({ latencyMs: 400 });
    const started = Date.now();
    const slow = failure(await show(view(), LEAD, quick));
    assert.deepEqual([slow.kind, slow.code], ['transient', 'LIVESUPPORTI_TIMEOUT']);
    assert.ok(Date.now() - started < 350);
    emulator.faults.inject({ network: true });
    const dropped = failure(await show());
    assert.deepEqual([dropped.kind, dropped.code], ['transient', 'LIVESUPPORTI_UNREACHABLE']);
  });

  it('fails permanently for a conversation without LiveSupporti ids', async () => {
    const f = failure(await show({ ...view({}), id: 'no-colon' }));
    assert.deepEqual([f.kind, f.code], ['permanent', 'LIVESUPPORTI_NO_VISITOR']);
  });

  it('check() says whether credentials are set, and that it cannot test them, without a call', async () => {
    const items = (await client.check?.()) ?? [];
    assert.equal(items.length, 1);
    assert.equal(items[0]?.ok, true);
    assert.match(items[0]?.detail ?? '', /no harmless call/);
    const missing = (await createLiveSupportiClient({ apiUrl: emulator.url, timeoutMs: 1000 }).check?.()) ?? [];
    assert.equal(missing[0]?.ok, false);
    assert.match(missing[0]?.detail ?? '', /LIVESUPPORTI_API_USER is not set/);
    assert.equal(emulator.requests.length, 0);
  });
});

describe('LiveSupporti visitor fields', () => {
  it('sends the link first, then only the name and company the CRM has', () => {
    assert.deepEqual(
      toVisitorFields({
        url: 'https://crm.example/c/1',
        kind: 'person',
        label: 'contact',
        name: 'Ada Lovelace',
        company: 'Analytical Engines',
      }),
      [
        { name: 'CRM', value: 'https://crm.example/c/1' },
        { name: 'CRM record', value: 'existing contact' },
        { name: 'Name', value: 'Ada Lovelace' },
        { name: 'Company', value: 'Analytical Engines' },
      ],
    );
    assert.deepEqual(toVisitorFields({ url: 'https://crm.example/l/2', kind: 'record', label: 'lead' }), [
      { name: 'CRM', value: 'https://crm.example/l/2' },
      { name: 'CRM record', value: 'lead' },
    ]);
  });
});
