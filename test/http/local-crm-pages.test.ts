/**
 * The local CRM over real HTTP, without a browser: a returning visitor's chats land on one lead,
 * a case stays per chat and links to it, and an unknown record is an HTML 404 under the pages'
 * CSP (not the API's JSON error).
 */
import assert from 'node:assert/strict';
import { postOlark, transcript } from '../support/olark';
import { removeDir, startService, tempDir, type TestService } from '../support/service';

const integrationUrl = async (res: Response): Promise<string> => {
  assert.equal(res.status, 200);
  const body: unknown = await res.json();
  assert.ok(
    typeof body === 'object' && body !== null && 'integrationUrl' in body && typeof body.integrationUrl === 'string',
    JSON.stringify(body),
  );
  return body.integrationUrl;
};

describe('local CRM pages over HTTP', () => {
  let service: TestService;
  let dir: string;
  before(async () => {
    dir = tempDir();
    service = await startService({}, dir);
  });
  after(async () => {
    await service.stop();
    removeDir(dir);
  });

  it('gives a returning visitor one lead, whatever the case of their email, and a case per chat linked to it', async () => {
    const lead1 = await integrationUrl(await postOlark(service.webhook, transcript({ email: 'Returning@Example.com' })));
    const lead2 = await integrationUrl(await postOlark(service.webhook, transcript({ email: 'returning@example.com' })));
    assert.equal(lead2, lead1);
    const case1 = await integrationUrl(await postOlark(service.webhook, transcript({ email: 'returning@example.com', tags: ['support'] })));
    const case2 = await integrationUrl(await postOlark(service.webhook, transcript({ email: 'returning@example.com', tags: ['support'] })));
    assert.equal(new Set([lead1, case1, case2]).size, 3);
    const id = (url: string) => decodeURIComponent(url.split('/records/')[1] ?? '');
    const lead = await service.running.store.getLocalRecord(id(lead1));
    assert.equal(lead?.conversations.length, 2);
    assert.deepEqual(
      lead?.related.map((r) => r.action),
      ['case', 'case'],
    );
    const page = await (await fetch(case1)).text();
    assert.match(page, new RegExp(`<a href="${id(lead1)}">Lead</a>`));
  });

  it("answers an unknown record with an HTML 404 under the pages' CSP", async () => {
    const res = await fetch(`${service.url}/records/AAAAAAAAAAAAAAAAAAAAAA`);
    assert.equal(res.status, 404);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.match(await res.text(), /<h1>Record not found<\/h1>/);
  });
});
