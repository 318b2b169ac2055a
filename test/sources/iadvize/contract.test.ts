import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { iadvizeSource } from '../../../src/sources/iadvize';
import { sign } from '../../emulators/iadvize/webhook';
import { sourceRequest } from '../../support/requests';
import { sourceContract } from '../contract';

const SECRET = 'iadvize-contract-secret';
const DIR = join(__dirname, '../../fixtures/iadvize');
const JSON_TYPE = { 'content-type': 'application/json' };
const signed = (body: string, secret = SECRET) =>
  sourceRequest({ body, headers: { ...JSON_TYPE, 'x-iadvize-signature': sign(secret, body) } });
const closed = (eventId: string) =>
  JSON.stringify({
    eventId,
    eventType: 'v2.conversation.closed',
    platform: 'ha',
    projectId: 1,
    clientId: 2,
    conversationId: `c-${eventId}`,
    visitorId: 'v1',
    channel: 'CHAT',
    createdAt: '2026-01-01T10:00:00.000Z',
    sentAt: '2026-01-01T10:00:01.000Z',
  });

sourceContract({
  definition: iadvizeSource,
  env: { IADVIZE_WEBHOOK_SECRET: SECRET, IADVIZE_USERNAME: 'u', IADVIZE_PASSWORD: 'p' },
  valid: () => [signed(closed('11111111-1111-4111-8111-111111111111')), signed(closed('22222222-2222-4222-8222-222222222222'))],
  forged: () => signed(closed('33333333-3333-4333-8333-333333333333'), 'another-secret'),
  unsigned: () => sourceRequest({ body: closed('44444444-4444-4444-8444-444444444444'), headers: JSON_TYPE }),
  malformed: () =>
    [
      '{',
      '[]',
      JSON.stringify({ eventType: 'v2.conversation.closed' }),
      JSON.stringify({ eventId: 'e', eventType: 'v2.conversation.closed', conversationId: { id: 7 } }),
    ].map((b) => signed(b)),
  fixtures: () =>
    readdirSync(DIR)
      .filter((f) => f.endsWith('.json'))
      .map((name) => ({ name, request: signed(readFileSync(join(DIR, name), 'utf8')) })),
});
