import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { livesupportiSource } from '../../../src/sources/livesupporti';
import { buildBody, chatStarted, signBody } from '../../emulators/livesupporti/sender';
import { sourceRequest } from '../../support/requests';
import { sourceContract } from '../contract';

const SECRET = 'livesupporti-contract-secret-0123456789abcdef';
const JSON_TYPE = 'application/json; charset=utf-8';
const signed = (body: string, secret = SECRET) =>
  sourceRequest({ body, headers: { 'content-type': JSON_TYPE, 'ms-signature': signBody(body, secret) } });
const started = (id: string, visitor: string) =>
  buildBody({ id, attempt: 1, notifications: [chatStarted({ id: visitor, email: `${visitor}@example.com` })] });

sourceContract({
  definition: livesupportiSource,
  env: { LIVESUPPORTI_WEBHOOK_SECRET: SECRET, LIVESUPPORTI_API_USER: 'user', LIVESUPPORTI_API_KEY: 'key' },
  valid: () => [signed(started('a1', 'visitor-1')), signed(started('a2', 'visitor-2'))],
  forged: () => signed(started('a3', 'visitor-3'), 'another-secret-0123456789abcdef0123456789'),
  unsigned: () => sourceRequest({ body: started('a4', 'visitor-4'), headers: { 'content-type': JSON_TYPE } }),
  malformed: () =>
    [
      '{',
      '[]',
      JSON.stringify({ Id: 'x', Attempt: 1 }),
      JSON.stringify({ Id: 'x', Attempt: 1, Notifications: [{ Action: 'ChatStarted', Data: { AccountId: 'a' } }] }),
    ].map((b) => signed(b)),
  fixtures: () => {
    const body = readFileSync(join(__dirname, '../../fixtures/livesupporti/chat-started-reconstructed.json'), 'utf8');
    return [{ name: 'chat-started-reconstructed.json', request: signed(body) }];
  },
});
