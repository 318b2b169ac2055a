import assert from 'node:assert/strict';
import { describeErrors } from '../../../src/domain/codecs';
import type { Env } from '../../../src/domain/connector';
import { silentLog } from '../../../src/domain/log';
import { LiveChatConfig, livechatSource } from '../../../src/sources/livechat';

const config = (env: Env): LiveChatConfig => {
  const decoded = LiveChatConfig.decode(env);
  if (decoded._tag === 'Left') assert.fail(describeErrors(decoded.left).join('; '));
  return decoded.right;
};

describe('LiveChat configuration', () => {
  it('defaults: the public API, no region, no credentials (named), no secret', () => {
    const c = config({});
    assert.equal(c.apiUrl, 'https://api.livechatinc.com');
    assert.equal(c.region, undefined);
    assert.equal(c.webhookSecret, undefined);
    assert.deepEqual(c.credentials, { kind: 'missing', missing: 'LIVECHAT_ACCOUNT_ID and LIVECHAT_PAT (or LIVECHAT_ACCESS_TOKEN)' });
  });

  it('a PAT with its account; the agent defaults to the account; the PAT’s fra: prefix picks the region', () => {
    const c = config({ LIVECHAT_ACCOUNT_ID: 'acc', LIVECHAT_PAT: 'fra:abc', LIVECHAT_API_URL: 'http://127.0.0.1:4030/' });
    assert.deepEqual(c.credentials, { kind: 'pat', accountId: 'acc', pat: 'fra:abc' });
    assert.equal(c.agentId, 'acc');
    assert.equal(c.region, 'fra');
    assert.equal(c.apiUrl, 'http://127.0.0.1:4030');
  });

  it('a Bearer access token; LIVECHAT_REGION wins over the token’s prefix', () => {
    const c = config({ LIVECHAT_ACCESS_TOKEN: 'fra:tok', LIVECHAT_REGION: 'DAL', LIVECHAT_AGENT_ID: 'bot@example.com' });
    assert.deepEqual(c.credentials, { kind: 'bearer', token: 'fra:tok' });
    assert.equal(c.region, 'dal');
    assert.equal(c.agentId, 'bot@example.com');
  });

  it('half a PAT names the other half', () => {
    assert.deepEqual(config({ LIVECHAT_ACCOUNT_ID: 'acc' }).credentials, { kind: 'missing', missing: 'LIVECHAT_PAT' });
    const onlyPat = config({ LIVECHAT_PAT: 'p' }).credentials;
    assert.ok(onlyPat.kind === 'missing' && onlyPat.missing.startsWith('LIVECHAT_ACCOUNT_ID'), JSON.stringify(onlyPat));
  });

  it('lists every bad key', () => {
    const decoded = livechatSource.configure({ LIVECHAT_API_URL: 'ftp://x', LIVECHAT_REGION: 'eu-west-1!' });
    assert.equal(decoded._tag, 'Left');
    if (decoded._tag !== 'Left') return;
    const lines = describeErrors(decoded.left).join('\n');
    assert.match(lines, /LIVECHAT_API_URL/);
    assert.match(lines, /LIVECHAT_REGION/);
  });

  it('names the token key and describes what to register', () => {
    assert.equal(livechatSource.tokenKey, 'LIVECHAT_WEBHOOK_TOKEN');
    const configured = livechatSource.configure({});
    assert.equal(configured._tag, 'Right');
    if (configured._tag !== 'Right') return;
    const lines =
      configured
        .right({ log: silentLog, publicUrl: 'http://x', callTimeoutMs: 1000, syncDeadlineMs: 1000 })
        .describe?.('https://svc/webhooks/livechat/TOKEN') ?? [];
    const text = lines.join('\n');
    assert.match(text, /https:\/\/svc\/webhooks\/livechat\/TOKEN/);
    assert.match(text, /incoming_chat, chat_deactivated, incoming_event \(filters\.author_type: agent\)/);
    assert.match(text, /LIVECHAT_WEBHOOK_SECRET is not set/);
    assert.match(text, /LIVECHAT_ACCOUNT_ID and LIVECHAT_PAT/);
  });
});
