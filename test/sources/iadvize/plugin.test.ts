import assert from 'node:assert/strict';
import { succeed, transient, type Outcome } from '../../../src/domain/outcome';
import type { CrmPerson } from '../../../src/domain/record';
import type { InboundEvent, Rejection, SourceResponse, SourceRoute, SourceServices, SyncResult } from '../../../src/domain/source';
import { sign } from '../../emulators/iadvize';
import { SECRET, requestOf, sourceFor } from './support';

interface FakeServices extends SourceServices {
  readonly received: InboundEvent[][];
  readonly lookups: string[];
}

const fakeServices = (state: {
  records?: Record<string, string>;
  visitors?: Record<string, string>;
  people?: Record<string, CrmPerson>;
  findPerson?: (email: string) => Promise<Outcome<CrmPerson | undefined>>;
  result?: SyncResult;
}): FakeServices => {
  const received: InboundEvent[][] = [];
  const lookups: string[] = [];
  return {
    received,
    lookups,
    findPerson: (email) => {
      lookups.push(email);
      return state.findPerson?.(email) ?? Promise.resolve(succeed(state.people?.[email]));
    },
    recordLink: (id) => Promise.resolve(state.records?.[id]),
    recordLinkForVisitor: (id) => Promise.resolve(state.visitors?.[id]),
    receive: (events) => {
      received.push([...events]);
      return Promise.resolve(events.map(() => state.result ?? { kind: 'pending', url: 'http://chat2crm.test/r/iadvize/c' }));
    },
    stableLink: (id) => `http://chat2crm.test/r/iadvize/${id}`,
  };
};

const source = sourceFor({ IADVIZE_WEBHOOK_SECRET: SECRET });
const route = (method: string, path: string): SourceRoute => {
  const found = source.routes?.find((r) => r.method === method && r.path === path);
  assert.ok(found !== undefined, `${method} ${path}`);
  return found;
};

const isRejection = (r: SourceResponse | Rejection): r is Rejection => 'code' in r;

const ok = (answer: SourceResponse | Rejection): SourceResponse => {
  assert.ok(!isRejection(answer), JSON.stringify(answer));
  assert.equal(answer.status, 200);
  return answer;
};

const get = (query: Record<string, string>, services: SourceServices, signature?: string | null) =>
  route('GET', '/customer-info').handle(
    requestOf({ method: 'GET', query: new URLSearchParams(query).toString(), ...(signature === undefined ? {} : { signature }) }),
    services,
  );

const PLUGIN_QUERY = {
  emailVisitor: 'vera@example.com',
  idConnectorVersion: 'c0',
  idVisitorUnique: 'v-1',
  idWebsite: 'ha-123',
  operatorLocale: 'en',
  idOperator: '9999',
};
const RECORD = [{ id: 'crm_record', label: 'CRM record', value: 'https://crm.example/lead/1', fieldType: 'URL' }];
const ACTION = [{ id: 'crm_create_lead', label: 'Create lead', value: 'CREATE_LEAD', fieldType: 'ACTION' }];

describe('iAdvize plugin routes', () => {
  it('answers the health check without a signature', async () => {
    assert.deepEqual(ok(await route('GET', '/health').handle(requestOf({ method: 'GET', signature: null }), fakeServices({}))).body, {
      status: 'UP',
    });
  });

  it("shows the conversation's record when idConversation is sent", async () => {
    const services = fakeServices({
      records: { 'conv-1': 'https://crm.example/lead/1' },
      visitors: { 'v-1': 'https://crm.example/lead/old' },
    });
    assert.deepEqual(ok(await get({ ...PLUGIN_QUERY, idConversation: 'conv-1' }, services)).body, RECORD);
    assert.deepEqual(services.lookups, []);
  });

  it("shows the visitor's latest record (idVisitorUnique is the webhooks' visitorId) without calling the CRM", async () => {
    const services = fakeServices({ visitors: { 'v-1': 'https://crm.example/lead/1' } });
    assert.deepEqual(ok(await get(PLUGIN_QUERY, services)).body, RECORD);
    assert.deepEqual(services.lookups, []);
  });

  it('shows the CRM person found by email when no conversation of the visitor was delivered', async () => {
    const services = fakeServices({ people: { 'vera@example.com': { type: 'contact', id: '1', url: 'https://crm.example/lead/1' } } });
    assert.deepEqual(ok(await get({ ...PLUGIN_QUERY, emailVisitor: ' Vera@Example.com ' }, services)).body, RECORD);
    assert.deepEqual(services.lookups, ['vera@example.com']);
  });

  it('offers the Create lead ACTION when nothing is known', async () => {
    assert.deepEqual(ok(await get(PLUGIN_QUERY, fakeServices({}))).body, ACTION);
    assert.deepEqual(ok(await get({ idWebsite: 'ha-123' }, fakeServices({}))).body, ACTION);
  });

  it('answers within the time limit when the CRM is slow or failing, still offering the ACTION', async () => {
    const slow = fakeServices({ findPerson: () => new Promise((resolve) => setTimeout(() => resolve(succeed(undefined)), 3000)) });
    const started = Date.now();
    const body = ok(await get(PLUGIN_QUERY, slow)).body;
    assert.ok(Date.now() - started < 2000, `${Date.now() - started} ms`);
    assert.ok(Array.isArray(body));
    assert.deepEqual(body.at(-1), ACTION[0]);
    const failing = fakeServices({ findPerson: () => Promise.resolve({ ok: false, failure: transient('CRM_UNAVAILABLE', 'down') }) });
    const failed = ok(await get(PLUGIN_QUERY, failing)).body;
    assert.ok(Array.isArray(failed));
    assert.equal(failed.length, 2);
  });

  it('refuses an unsigned or wrongly signed plugin call with 401, before any lookup', async () => {
    const services = fakeServices({ visitors: { 'v-1': 'https://crm.example/lead/1' } });
    const unsigned = await get(PLUGIN_QUERY, services, null);
    assert.ok(isRejection(unsigned));
    assert.equal(unsigned.code, 'INVALID_SIGNATURE');
    const wrong = await get(PLUGIN_QUERY, services, sign('other', new URLSearchParams(PLUGIN_QUERY).toString()));
    assert.ok(isRejection(wrong));
    assert.equal(wrong.code, 'INVALID_SIGNATURE');
    const noSecret = await sourceFor({})
      .routes?.find((r) => r.path === '/customer-info' && r.method === 'GET')
      ?.handle(requestOf({ method: 'GET', query: 'a=1' }), services);
    assert.ok(noSecret !== undefined && isRejection(noSecret));
    assert.equal(noSecret.code, 'WEBHOOK_SECRET_NOT_SET');
    assert.deepEqual(services.lookups, []);
  });

  const actionBody = JSON.stringify({
    action: 'CREATE_LEAD',
    idConnectorVersion: 'c0',
    idVisitorUnique: 'v-1',
    idWebsite: 'ha-123',
    idConversation: 'conv-9',
    idOperator: 'ha-12345',
  });

  it('creates the lead on the ACTION click: fetch then deliver, forced lead, keyed by the conversation', async () => {
    const services = fakeServices({});
    const answer = ok(await route('POST', '/customer-info').handle(requestOf({ body: actionBody }), services));
    const body = answer.body;
    assert.ok(typeof body === 'object' && body !== null && 'success' in body && 'message' in body, JSON.stringify(body));
    assert.equal(body.success, true);
    assert.equal(typeof body.message, 'string');
    const [event] = services.received[0] ?? [];
    assert.ok(event?.kind === 'conversation');
    assert.deepEqual(event.plan, ['fetch', 'deliver']);
    assert.equal(event.forced, 'lead');
    assert.equal(event.conversation.id, 'conv-9');
    assert.equal(event.conversation.source, 'iadvize');
    assert.deepEqual(event.conversation.visitor, { id: 'v-1' });
    assert.equal(event.dedupKey, 'plugin:CREATE_LEAD:conv-9');
  });

  it('says the lead was created when the steps finished in time', async () => {
    const services = fakeServices({ result: { kind: 'record', url: 'https://crm.example/lead/9' } });
    const answer = ok(await route('POST', '/customer-info').handle(requestOf({ body: actionBody }), services));
    assert.deepEqual(answer.body, { success: true, message: 'Lead created in the CRM.' });
  });

  it('accepts the ACTION form-encoded', async () => {
    const services = fakeServices({});
    const form = 'action=CREATE_LEAD&idConversation=conv-9&idVisitorUnique=v-1';
    ok(await route('POST', '/customer-info').handle(requestOf({ body: form, contentType: 'application/x-www-form-urlencoded' }), services));
    assert.equal(services.received.length, 1);
  });

  it('refuses an unsigned ACTION (401), an unknown action and one without idConversation (422), storing nothing', async () => {
    const services = fakeServices({});
    const post = route('POST', '/customer-info');
    const unsigned = await post.handle(requestOf({ body: actionBody, signature: null }), services);
    assert.ok(isRejection(unsigned));
    assert.equal(unsigned.code, 'INVALID_SIGNATURE');
    const unknown = await post.handle(requestOf({ body: JSON.stringify({ action: 'OPEN_CASE', idConversation: 'c' }) }), services);
    assert.ok(isRejection(unknown));
    assert.equal(unknown.code, 'INVALID_PAYLOAD');
    const noConversation = await post.handle(requestOf({ body: JSON.stringify({ action: 'CREATE_LEAD' }) }), services);
    assert.ok(isRejection(noConversation));
    assert.equal(noConversation.code, 'INVALID_PAYLOAD');
    assert.equal(services.received.length, 0);
  });
});
