/**
 * The emulator's sObject Collections, driven by jsforce itself (its own collection calls over our
 * transport), so the connector's batch tests stand on endpoints that answer as Salesforce does.
 */
import { strict as assert } from 'node:assert';
import * as t from 'io-ts';
import { Connection } from 'jsforce';
import { BoundedTransport } from '../../../connectors/salesforce/transport';
import { createSalesforceClient } from '../../../connectors/salesforce/client';
import { collectionFaults } from '../../emulators/salesforce/collections';
import { configFor, sandbox, type Sandbox } from './support';

const EXT = 'Chat_Conversation_Id__c';
/** Collections answer `statusCode` (jsforce's types say `errorCode`): read what came. */
const codeOf = (e: unknown) => (t.type({ statusCode: t.string }).is(e) ? e.statusCode : undefined);
const lead = (n: number, extra: Record<string, unknown> = {}) => ({ [EXT]: `coll-${n}`, LastName: `Last${n}`, Company: 'Acme', ...extra });

describe('Salesforce emulator: sObject Collections', () => {
  let s: Sandbox;
  let conn: Connection;
  beforeEach(async () => {
    s = await sandbox();
    const session = await createSalesforceClient(configFor(s.env)).session();
    assert.ok(session.ok);
    conn = new Connection({ instanceUrl: session.value.instanceUrl, accessToken: session.value.accessToken, version: '67.0' });
    conn._transport = new BoundedTransport(5000);
  });
  afterEach(() => s.emulator.close());

  const thrown = async (p: Promise<unknown>): Promise<Record<string, unknown>> => {
    try {
      await p;
    } catch (e) {
      return e instanceof Error ? { ...e, message: e.message } : assert.fail('not an Error');
    }
    return assert.fail('expected the call to fail');
  };
  const apiCalls = () => s.emulator.apiRequests().length;

  it('upserts up to 200 records of one type in one API call, `created` per record in input order; 201 is EXCEEDED_ID_LIMIT', async () => {
    const created = await conn.sobject('Lead').upsert(
      Array.from({ length: 200 }, (_, n) => lead(n)),
      EXT,
    );
    assert.equal(apiCalls(), 1);
    assert.equal(created.length, 200);
    assert.ok(created.every((r) => r.success && 'created' in r && r.created === true));
    assert.equal(s.emulator.state.get('Lead', created[7]?.id ?? '')?.[EXT], 'coll-7');
    const again = await conn.sobject('Lead').upsert([lead(7, { City: 'Lyon' }), lead(500)], EXT);
    assert.deepEqual(
      again.map((r) => [r.id === created[7]?.id, 'created' in r ? r.created : undefined]),
      [
        [true, false],
        [false, true],
      ],
    );
    assert.equal(s.emulator.state.all('Lead').length, 201);

    const tooMany = await thrown(
      conn.sobject('Lead').upsert(
        Array.from({ length: 201 }, (_, n) => lead(1000 + n)),
        EXT,
      ),
    );
    assert.equal(tooMany['errorCode'], 'EXCEEDED_ID_LIMIT');
    assert.match(String(tooMany['message']), /cannot submit more than 200 records/);
    assert.equal(s.emulator.state.all('Lead').length, 201, 'nothing of a refused call is written');
    assert.equal(s.emulator.requests.at(-1)?.status, 400);
  });

  it('one sObject type per upsert call; a missing external id or the same one twice fails that record', async () => {
    const mixed = await thrown(
      conn.request({
        method: 'PATCH',
        url: `/services/data/v67.0/composite/sobjects/Lead/${EXT}`,
        body: JSON.stringify({
          allOrNone: false,
          records: [
            { attributes: { type: 'Lead' }, ...lead(1) },
            { attributes: { type: 'Case' }, [EXT]: 'c1' },
          ],
        }),
        headers: { 'content-type': 'application/json' },
      }),
    );
    assert.equal(mixed['errorCode'], 'INVALID_TYPE');
    const results = await conn.request<{ success: boolean; errors: { statusCode: string }[] }[]>({
      method: 'PATCH',
      url: `/services/data/v67.0/composite/sobjects/Lead/${EXT}`,
      body: JSON.stringify({
        allOrNone: false,
        records: [lead(1), lead(1), lead(2), { LastName: 'x', Company: 'y' }].map((r) => ({ attributes: { type: 'Lead' }, ...r })),
      }),
      headers: { 'content-type': 'application/json' },
    });
    assert.deepEqual(
      results.map((r) => [r.success, r.errors[0]?.statusCode]),
      [
        [false, 'DUPLICATE_EXTERNAL_ID'],
        [false, 'DUPLICATE_EXTERNAL_ID'],
        [true, undefined],
        [false, 'MISSING_ARGUMENT'],
      ],
    );
  });

  it('allOrNone: false keeps the valid records; true rolls every record back', async () => {
    const partial = await conn.sobject('Lead').upsert([lead(1), lead(2, { Company: '' }), lead(3)], EXT, { allOrNone: false });
    assert.deepEqual(
      partial.map((r) => r.success),
      [true, false, true],
    );
    const refused = partial[1];
    assert.ok(refused && !refused.success);
    assert.deepEqual(refused.errors.map(codeOf), ['REQUIRED_FIELD_MISSING']);
    const all = await conn.sobject('Lead').upsert([lead(4), lead(5, { Company: '' }), lead(6)], EXT, { allOrNone: true });
    assert.deepEqual(
      all.map((r) => (r.success ? 'ok' : codeOf(r.errors[0]))),
      ['ALL_OR_NONE_OPERATION_ROLLED_BACK', 'REQUIRED_FIELD_MISSING', 'ALL_OR_NONE_OPERATION_ROLLED_BACK'],
    );
    assert.deepEqual(
      s.emulator.state
        .all('Lead')
        .map((l) => l[EXT])
        .sort(),
      ['coll-1', 'coll-3'],
    );
  });

  it('creates mixed types and updates by id; scripted refusals fail one record; every collection call is one API call', async () => {
    const created = await conn.request<{ id: string; success: boolean }[]>({
      method: 'POST',
      url: '/services/data/v67.0/composite/sobjects',
      body: JSON.stringify({
        allOrNone: false,
        records: [
          { attributes: { type: 'Lead' }, LastName: 'A', Company: 'B' },
          { attributes: { type: 'Task' }, Subject: 'hello', Status: 'Completed', Priority: 'Normal' },
        ],
      }),
      headers: { 'content-type': 'application/json' },
    });
    assert.deepEqual(
      created.map((r) => r.success),
      [true, true],
    );
    collectionFaults(s.emulator.state).failRecord = ({ operation, index }) =>
      operation === 'update' && index === 1
        ? { errorCode: 'UNABLE_TO_LOCK_ROW', message: 'unable to obtain exclusive access', fields: [] }
        : undefined;
    const updated = await conn.request<{ success: boolean; errors: { statusCode: string }[] }[]>({
      method: 'PATCH',
      url: '/services/data/v67.0/composite/sobjects',
      body: JSON.stringify({
        allOrNone: false,
        records: [
          { attributes: { type: 'Lead' }, id: created[0]?.id, City: 'Lyon' },
          { attributes: { type: 'Task' }, id: created[1]?.id, Description: 'x' },
          { attributes: { type: 'Task' }, Description: 'no id' },
        ],
      }),
      headers: { 'content-type': 'application/json' },
    });
    assert.deepEqual(
      updated.map((r) => [r.success, r.errors[0]?.statusCode]),
      [
        [true, undefined],
        [false, 'UNABLE_TO_LOCK_ROW'],
        [false, 'MISSING_ARGUMENT'],
      ],
    );
    assert.equal(s.emulator.state.get('Lead', created[0]?.id ?? '')?.['City'], 'Lyon');
    assert.equal(apiCalls(), 2);
    assert.match(String(s.emulator.requests.at(-1)?.status), /^200$/);
  });

  it('answers REQUEST_LIMIT_EXCEEDED (403) once the daily API requests are spent', async () => {
    const tight = await sandbox({ apiLimit: 1 });
    try {
      const session = await createSalesforceClient(configFor(tight.env)).session();
      assert.ok(session.ok);
      const c = new Connection({ instanceUrl: session.value.instanceUrl, accessToken: session.value.accessToken, version: '67.0' });
      c._transport = new BoundedTransport(5000);
      await c.sobject('Lead').upsert([lead(1)], EXT);
      const limited = await thrown(c.sobject('Lead').upsert([lead(2)], EXT));
      assert.equal(limited['errorCode'], 'REQUEST_LIMIT_EXCEEDED');
      assert.equal(tight.emulator.requests.at(-1)?.status, 403);
      assert.equal(tight.emulator.state.all('Lead').length, 1);
    } finally {
      await tight.emulator.close();
    }
  });

  it('composite takes collections as subrequests, each with its own headers, and at most five queries or collections', async () => {
    const sub = (n: number, headers?: Record<string, string>) => ({
      method: 'PATCH',
      url: `/services/data/v67.0/composite/sobjects/Lead/${EXT}`,
      referenceId: `leads_${n}`,
      body: { allOrNone: false, records: [{ attributes: { type: 'Lead' }, ...lead(n) }] },
      ...(headers === undefined ? {} : { httpHeaders: headers }),
    });
    const answer = await conn.request<{ compositeResponse: { httpStatusCode: number; body: { success: boolean }[] }[] }>({
      method: 'POST',
      url: '/services/data/v67.0/composite',
      body: JSON.stringify({ allOrNone: false, compositeRequest: [sub(1, { 'Sforce-Auto-Assign': 'FALSE' }), sub(2)] }),
      headers: { 'content-type': 'application/json' },
    });
    assert.deepEqual(
      answer.compositeResponse.map((r) => [r.httpStatusCode, r.body[0]?.success]),
      [
        [200, true],
        [200, true],
      ],
    );
    assert.deepEqual(
      s.emulator.requests.at(-1)?.subrequests?.map((r) => r.autoAssign),
      ['FALSE', undefined],
    );
    assert.deepEqual(
      collectionFaults(s.emulator.state).calls.map((c) => c.autoAssign),
      ['FALSE', undefined],
    );
    const six = await thrown(
      conn.request({
        method: 'POST',
        url: '/services/data/v67.0/composite',
        body: JSON.stringify({ allOrNone: false, compositeRequest: [3, 4, 5, 6, 7, 8].map((n) => sub(n)) }),
        headers: { 'content-type': 'application/json' },
      }),
    );
    assert.equal(six['errorCode'], 'INVALID_API_INPUT');
    assert.equal(s.emulator.state.all('Lead').length, 2);
  });
});
