import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { livechatSource } from '../../../src/sources/livechat';
import { sourceRequest } from '../../support/requests';
import { sourceContract } from '../contract';

const SECRET = 'livechat-contract-secret';
const DIR = join(__dirname, '../../fixtures/livechat');
const JSON_TYPE = { 'content-type': 'application/json' };
const read = (name: string): Record<string, unknown> => {
  const value: unknown = JSON.parse(readFileSync(join(DIR, name), 'utf8'));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${name} is not an object`);
  return Object.fromEntries(Object.entries(value));
};
/** A v3 webhook carries the secret chosen at registration in its body. */
const withSecret = (body: Record<string, unknown>, secret = SECRET) => ('action' in body ? { ...body, secret_key: secret } : body);
const request = (body: unknown) => sourceRequest({ body: JSON.stringify(body), headers: JSON_TYPE });
const deactivated = (chatId: string, threadId: string) =>
  withSecret({
    webhook_id: `w-${chatId}`,
    secret_key: '',
    action: 'chat_deactivated',
    organization_id: 'org-1',
    payload: { chat_id: chatId, thread_id: threadId, user_id: 'agent@example.com' },
    additional_data: {},
  });

sourceContract({
  definition: livechatSource,
  env: { LIVECHAT_WEBHOOK_SECRET: SECRET, LIVECHAT_ACCOUNT_ID: 'account-1', LIVECHAT_PAT: 'dal:pat' },
  valid: () => [request(deactivated('PJ0MRSHTDG', 'QR7T6VN3KW')), request(deactivated('PJ0MRSHTDG', 'QR7T6VN3KX'))],
  forged: () => request(withSecret(deactivated('PJ0MRSHTDG', 'QR7T6VN3KY'), 'not-the-secret')),
  malformed: () => [
    sourceRequest({ body: '{', headers: JSON_TYPE }),
    request([]),
    request({ nothing: 'here' }),
    request(withSecret({ action: 'chat_deactivated', organization_id: 'org-1', payload: { thread_id: 'x' } })),
  ],
  fixtures: () =>
    readdirSync(DIR)
      .filter((f) => f.endsWith('.json') && !f.includes('get_chat-response'))
      .map((name) => ({ name, request: request(withSecret(read(name))) })),
});
