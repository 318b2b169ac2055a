/**
 * One classification of a refused request (src/http/refusal.ts): the answer, the metrics and
 * the console's "last refused webhook" name a refusal by the same code. A body over the limit
 * is refused by raw-body with a bare 413, which each of them once named differently.
 */
import assert from 'node:assert/strict';
import { BODY_LIMIT_BYTES } from '../../src/http/routes/webhooks';
import { lastRejectedSetting, readRejection } from '../../src/http/webhook-rejections';
import { until } from '../support/polling';
import { startService, type TestService } from '../support/service';

describe('a refused webhook, classified once', () => {
  let service: TestService;
  before(async () => {
    service = await startService();
  });
  after(() => service.stop());

  it('is PAYLOAD_TOO_LARGE in the answer, the metrics and the console for a body over the limit', async () => {
    const res = await fetch(service.webhook, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `data=${'x'.repeat(BODY_LIMIT_BYTES)}`,
    });
    assert.equal(res.status, 413);
    const answer: unknown = await res.json();
    assert.deepEqual(answer, { error: { code: 'PAYLOAD_TOO_LARGE', message: 'The body is larger than the 4 MiB limit.' } });

    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    assert.match(metrics, /^chat2crm_webhooks_rejected_total\{source="olark",code="PAYLOAD_TOO_LARGE"\} 1$/m);

    const stored = async () => readRejection(await service.running.store.getSetting(lastRejectedSetting('olark')));
    await until('the console to remember the refusal', async () => (await stored()) !== undefined);
    assert.equal((await stored())?.code, 'PAYLOAD_TOO_LARGE');
  });

  it('reads a remembered refusal only with a code of the catalogue', () => {
    const at = '2026-12-06T12:00:00.000Z';
    assert.deepEqual(readRejection(JSON.stringify({ at, code: 'INVALID_SIGNATURE' })), { at: new Date(at), code: 'INVALID_SIGNATURE' });
    assert.equal(readRejection(JSON.stringify({ at, code: 'NO_SUCH_CODE' })), undefined, 'a code another version stored');
    assert.equal(readRejection(JSON.stringify({ at, code: 'CRM_UNAUTHORIZED' })), undefined, 'a step code is no refusal');
    assert.equal(readRejection(JSON.stringify({ at: 'yesterday', code: 'INVALID_SIGNATURE' })), undefined);
  });
});
