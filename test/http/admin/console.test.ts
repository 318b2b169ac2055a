/** The console over HTTP: who gets in, what a GET may not do, what a POST needs, and what the pages say. */
import assert from 'node:assert/strict';
import { permanent, transient } from '../../../src/domain/outcome';
import { postOlark, transcript } from '../../support/olark';
import { tempDir } from '../../support/service';
import { ADMIN, basic, cleanUp, csrfOf, eventually, getAdmin, PASSWORD, postForm, startConsole, type ConsoleService } from './support';

describe('operator console over HTTP', () => {
  let service: ConsoleService & { dir: string };
  before(async () => {
    service = await startConsole();
  });
  after(() => cleanUp(service));

  const deadConversation = async (email: string) => {
    service.crm.failNext(permanent('CRM_UNAUTHORIZED', 'the CRM refused the token', { status: 401 }), 1);
    const payload = transcript({ email, name: 'Dee Dead' });
    await postOlark(service.webhook, payload);
    await eventually(async () => (await service.running.store.conversationState(`olark:${payload.id}`)) === 'dead', 'a dead step');
    return payload.id;
  };

  describe('sign-in', () => {
    for (const [what, authorization] of [
      ['no credentials', null],
      ['a wrong password', basic('admin', 'wrong-password')],
      ['the right password for another user', basic('root', PASSWORD)],
      ['the password with a prefix', basic('admin', `${PASSWORD}x`)],
      ['a malformed header', 'Basic !!!'],
      ['a Bearer token', `Bearer ${PASSWORD}`],
    ] as const)
      it(`refuses ${what} with 401 and a Basic challenge, on every console page`, async () => {
        for (const path of [
          '/admin',
          '/admin/',
          '/admin/steps',
          '/admin/platforms',
          '/admin/platforms/check',
          '/admin/conversations/olark/x',
        ]) {
          const res = await getAdmin(`${service.url}${path}`, authorization);
          assert.equal(res.status, 401, path);
          assert.equal(res.headers.get('www-authenticate'), 'Basic realm="chat2crm admin", charset="UTF-8"');
          const body = await res.text();
          assert.doesNotMatch(body, /Conversations<\/h1>/);
        }
        const post = await fetch(`${service.url}/admin/replay`, {
          method: 'POST',
          headers: authorization === null ? {} : { authorization },
          body: 'job=x',
        });
        assert.equal(post.status, 401);
      });

    it('lets the admin in, with a CSP that allows no script and forms only to this site', async () => {
      const res = await getAdmin(`${service.url}/admin`);
      assert.equal(res.status, 200);
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /form-action 'self'/);
      assert.doesNotMatch(csp, /script-src/);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.doesNotMatch(await res.text(), /<script/i);
    });
  });

  describe('conversations', () => {
    it('lists, filters, searches and pages newest first, escaping what visitors wrote', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const payload = transcript({ email: `list${i}@example.com`, name: i === 2 ? '<b>Bold</b> "quoted"' : `Lister ${i}` });
        await postOlark(service.webhook, payload);
        ids.push(payload.id);
      }
      const page = await (await getAdmin(`${service.url}/admin?q=${encodeURIComponent('list2@EXAMPLE.com')}`)).text();
      assert.match(page, new RegExp(ids[2] ?? 'missing'));
      assert.doesNotMatch(page, new RegExp(ids[1] ?? 'missing'));
      assert.match(page, /&lt;b&gt;Bold&lt;\/b&gt; &quot;quoted&quot;/);
      assert.doesNotMatch(page, /<b>Bold/);
      assert.match(page, /<input type="search" name="q" value="list2@EXAMPLE.com"/);
      const byName = await (await getAdmin(`${service.url}/admin?q=lister`)).text();
      assert.ok(ids.slice(0, 2).every((id) => byName.includes(id)));
      const delivered = await (await getAdmin(`${service.url}/admin?state=delivered&platform=olark`)).text();
      assert.ok(ids.every((id) => delivered.includes(id)));
      assert.doesNotMatch(await (await getAdmin(`${service.url}/admin?state=dead&q=lister`)).text(), new RegExp(ids[0] ?? 'missing'));
    });

    it('pages by cursor: the "Older" link leads to the next conversations, none repeated', async () => {
      const first = await (await getAdmin(`${service.url}/admin?q=pager`)).text();
      assert.doesNotMatch(first, /rel="next"/, 'nothing to page yet');
      const made: string[] = [];
      for (let i = 0; i < 52; i++) {
        const payload = transcript({ name: `Pager ${i}` });
        await postOlark(service.webhook, payload);
        made.push(payload.id);
      }
      const one = await (await getAdmin(`${service.url}/admin?q=pager`)).text();
      const next = /<a href="([^"]+)" rel="next">/.exec(one)?.[1]?.replaceAll('&amp;', '&');
      assert.ok(next !== undefined, 'an Older link');
      const two = await (await getAdmin(`${service.url}${next}`)).text();
      const onOne = made.filter((id) => one.includes(id));
      const onTwo = made.filter((id) => two.includes(id));
      assert.equal(onOne.length, 50);
      assert.equal(onTwo.length, 2);
      assert.deepEqual(
        onOne.filter((id) => onTwo.includes(id)),
        [],
      );
      assert.match(two, /« Newest/);
    });

    it('shows one conversation: transcript as text, the record, each attempt, the stable link', async () => {
      const payload = transcript({ email: 'detail@example.com', name: 'Detail' });
      payload.items.push({
        kind: 'MessageToOperator',
        body: '<script>alert(1)</script> hi',
        timestamp: '1558107799.1',
        nickname: 'Detail',
      });
      service.crm.failNext(transient('CRM_UNAVAILABLE', 'HTTP 503 from the CRM', { status: 503 }), 1);
      await postOlark(service.webhook, payload);
      await eventually(
        async () => (await service.running.store.conversationState(`olark:${payload.id}`)) === 'delivered',
        'delivered after a retry',
      );
      const res = await getAdmin(`${service.url}/admin/conversations/olark/${payload.id}`);
      assert.equal(res.status, 200);
      const page = await res.text();
      assert.match(page, /&lt;script&gt;alert\(1\)&lt;\/script&gt; hi/);
      assert.doesNotMatch(page, /<script>alert/);
      assert.match(page, /CRM_UNAVAILABLE: HTTP 503 from the CRM/);
      assert.match(page, /<span class="status transient">transient<\/span>/);
      assert.match(page, /<span class="status ok">ok<\/span>/);
      assert.match(page, />503</);
      assert.match(page, /https:\/\/crm\.example\/lead\//);
      assert.match(page, new RegExp(`/r/olark/${payload.id}`));
      assert.match(page, /id="data-requests"/);
      const missing = await getAdmin(`${service.url}/admin/conversations/olark/nope`);
      assert.equal(missing.status, 404);
    });
  });

  describe('replay', () => {
    it('a GET of every page changes nothing; a POST without the right token is 403 and replays nothing', async () => {
      const id = await deadConversation('dead-csrf@example.com');
      const job = await service.running.store.latestJob(`olark:${id}`, 'deliver');
      assert.ok(job !== undefined);
      for (const path of ['/admin', '/admin/steps', '/admin/platforms', `/admin/conversations/olark/${id}`, `/admin/replay?job=${job.id}`])
        await getAdmin(`${service.url}${path}`);
      assert.equal((await service.running.store.getJob(job.id))?.state, 'dead');
      for (const form of [{ job: job.id }, { job: job.id, csrf: '' }, { job: job.id, csrf: 'x'.repeat(43) }]) {
        const res = await postForm(`${service.url}/admin/replay`, form);
        assert.equal(res.status, 403);
        assert.match(await res.text(), /refused/);
      }
      // A token taken from a page loaded with other credentials does not fit.
      const page = await (await getAdmin(`${service.url}/admin/steps`)).text();
      const token = csrfOf(page);
      const other = await postForm(`${service.url}/admin/replay`, { job: job.id, csrf: token }, basic('admin', 'another-password'));
      assert.equal(other.status, 401);
      assert.equal((await service.running.store.getJob(job.id))?.state, 'dead');
    });

    it('replays one dead step, and all steps of one error code', async () => {
      const a = await deadConversation('dead-a@example.com');
      const b = await deadConversation('dead-b@example.com');
      const page = await (await getAdmin(`${service.url}/admin/steps`)).text();
      assert.match(page, /<code>CRM_UNAUTHORIZED<\/code>/);
      assert.match(page, /CRM_UNAUTHORIZED: the CRM refused the token/);
      const csrf = csrfOf(page);
      const jobA = await service.running.store.latestJob(`olark:${a}`, 'deliver');
      assert.ok(jobA !== undefined);
      const one = await postForm(`${service.url}/admin/replay`, { job: jobA.id, csrf });
      assert.equal(one.status, 200);
      const result = await one.text();
      assert.match(result, /Replayed 1 step/);
      assert.match(result, /<span class="status done">delivered<\/span>/);
      assert.equal(await service.running.store.conversationState(`olark:${a}`), 'delivered');
      assert.equal(await service.running.store.conversationState(`olark:${b}`), 'dead');
      const all = await postForm(`${service.url}/admin/replay`, { code: 'CRM_UNAUTHORIZED', csrf });
      assert.equal(all.status, 200);
      assert.equal(await service.running.store.conversationState(`olark:${b}`), 'delivered');
      assert.equal((await service.running.store.deadJobsWithCode('CRM_UNAUTHORIZED', 10)).length, 0);
      const none = await postForm(`${service.url}/admin/replay`, { code: 'CRM_UNAUTHORIZED', csrf });
      assert.equal(none.status, 400);
    });
  });

  describe('privacy requests', () => {
    it('exports a visitor as JSON and erases them, only by POST with the token and a ticked box', async () => {
      const payload = transcript({ email: 'Erase.Me@example.com', name: 'Erin Erase' });
      await postOlark(service.webhook, payload);
      const key = `olark:${payload.id}`;
      await eventually(async () => (await service.running.store.conversationState(key)) === 'delivered', 'delivered');
      const page = await (await getAdmin(`${service.url}/admin/conversations/olark/${payload.id}`)).text();
      assert.match(page, /action="\/admin\/privacy\/export"/);
      assert.match(page, /name="confirm" value="yes" required/);
      const csrf = csrfOf(page);
      assert.equal((await postForm(`${service.url}/admin/privacy/export`, { email: 'erase.me@example.com' })).status, 403);
      const exported = await postForm(`${service.url}/admin/privacy/export`, { email: 'erase.me@example.com', csrf });
      assert.equal(exported.status, 200);
      assert.match(exported.headers.get('content-disposition') ?? '', /attachment/);
      const json: unknown = await exported.json();
      assert.ok(typeof json === 'object' && json !== null && 'conversations' in json && Array.isArray(json.conversations));
      assert.equal(json.conversations.length, 1);
      assert.equal((await postForm(`${service.url}/admin/privacy/erase`, { email: 'erase.me@example.com' })).status, 403);
      assert.equal(
        (await postForm(`${service.url}/admin/privacy/erase`, { email: 'erase.me@example.com', csrf })).status,
        400,
        'not confirmed',
      );
      assert.ok((await service.running.store.getConversation(key)) !== undefined, 'still there');
      const erased = await postForm(`${service.url}/admin/privacy/erase`, { email: 'erase.me@example.com', csrf, confirm: 'yes' });
      assert.equal(erased.status, 200);
      const result = await erased.text();
      assert.match(result, /Erased from chat2crm/);
      assert.match(result, /1 conversation,/);
      assert.match(result, /https:\/\/crm\.example\/lead\//, 'the CRM record to erase there');
      assert.equal(await service.running.store.getConversation(key), undefined);
      assert.equal((await getAdmin(`${service.url}/admin/conversations/olark/${payload.id}`)).status, 404);
    });

    it('offers nothing to erase for a visitor without an email', async () => {
      const payload = transcript({ name: 'No Mail' });
      await postOlark(service.webhook, payload);
      const page = await (await getAdmin(`${service.url}/admin/conversations/olark/${payload.id}`)).text();
      assert.match(page, /gave no email/);
      assert.doesNotMatch(page, /privacy\/erase/);
    });
  });

  describe('platforms', () => {
    it('shows each webhook URL with its token hidden until asked, the last event and the last refused webhook', async () => {
      await postOlark(service.webhook, transcript());
      const refused = await postOlark(service.webhook, undefined, { body: 'data=%7Bnot json' });
      assert.ok(refused.status >= 400 && refused.status < 500);
      const wrongToken = await postOlark(`${service.url}/webhooks/olark/wrong-token`, transcript());
      assert.equal(wrongToken.status, 404);
      await eventually(
        async () => (await service.running.store.getSetting('olark.last_rejected'))?.includes('UNKNOWN_WEBHOOK_TOKEN') === true,
        'the refusal remembered',
      );
      const page = await (await getAdmin(`${service.url}/admin/platforms`)).text();
      const token = service.running.tokens.get('olark') ?? '';
      assert.match(page, /\/webhooks\/olark\/••••••••/);
      const summary = page.indexOf('<summary>');
      assert.ok(summary > 0);
      assert.equal(page.indexOf(token), page.indexOf(token, summary), 'the token appears only inside <details>');
      assert.match(page, /Last event received<\/dt><dd>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
      assert.match(page, /<code>UNKNOWN_WEBHOOK_TOKEN<\/code>/);
      assert.doesNotMatch(page, /wrong-token/);
    });

    it('runs the CRM check on its own page', async () => {
      const res = await getAdmin(`${service.url}/admin/platforms/check`);
      assert.equal(res.status, 200);
      assert.match(await res.text(), /CRM ok/);
    });
  });
});

describe('console password', () => {
  it('is generated on first start, printed once, never again, and kept across restarts', async () => {
    const dir = tempDir('chat2crm-admin-pw-');
    const first = await startConsole({ ADMIN_PASSWORD: undefined }, dir);
    let second: (ConsoleService & { dir: string }) | undefined;
    try {
      const password = /password: (\S+)/.exec(first.banner)?.[1];
      assert.ok(password !== undefined && password.length >= 20, first.banner);
      assert.match(first.banner, /\/admin \(user admin\)/);
      assert.equal((await getAdmin(`${first.url}/admin`, basic('admin', password))).status, 200);
      const stored = await first.running.store.getSetting('admin.password_sha256');
      assert.ok(stored !== undefined && !stored.includes(password), 'only a digest is stored');
      await first.stop();
      second = await startConsole({ ADMIN_PASSWORD: undefined }, dir);
      assert.doesNotMatch(second.banner, /password:/);
      assert.equal((await getAdmin(`${second.url}/admin`, basic('admin', password))).status, 200);
    } finally {
      await cleanUp(second ?? { stop: () => first.stop(), dir });
    }
  });

  it('ADMIN_PASSWORD wins, and is never printed', async () => {
    const service = await startConsole({ ADMIN_PASSWORD: 'my own password 9' });
    try {
      assert.doesNotMatch(service.banner, /my own password/);
      assert.equal((await getAdmin(`${service.url}/admin`, basic('admin', 'my own password 9'))).status, 200);
      assert.equal((await getAdmin(`${service.url}/admin`, ADMIN)).status, 401);
    } finally {
      await cleanUp(service);
    }
  });
});
