/**
 * Each step error carries the catalogue's line (src/domain/errors.ts) in the console: on the
 * conversation page and on the dead-steps page. The agent's stable-link page says the operator
 * was alerted, names the field or key at fault when the error does, and never offers a replay.
 */
import assert from 'node:assert/strict';
import type { PermanentCode } from '../../../src/domain/errors';
import { permanent } from '../../../src/domain/outcome';
import { errorWithHint, hintFor } from '../../../src/http/pages/admin/error-hint';
import { postOlark, transcript } from '../../support/olark';
import { cleanUp, eventually, getAdmin, startConsole, type ConsoleService } from './support';

describe('error hints', () => {
  let service: ConsoleService & { dir: string };
  before(async () => {
    service = await startConsole();
  });
  after(() => cleanUp(service));

  const dead = async (code: PermanentCode, message: string) => {
    service.crm.failNext(permanent(code, message, { status: 400 }), 1);
    const payload = transcript({ email: `${code.toLowerCase()}@example.com`, name: 'Hint Person' });
    await postOlark(service.webhook, payload);
    await eventually(async () => (await service.running.store.conversationState(`olark:${payload.id}`)) === 'dead', 'a dead step');
    return payload.id;
  };

  it('shows what to do and whether a retry helps beside the error, on the conversation and dead-steps pages', async () => {
    const id = await dead('CRM_UNAUTHORIZED', 'HubSpot rejected HUBSPOT_ACCESS_TOKEN');
    const hint =
      /<span class="hint" data-retry="after a fix"><span class="retry">Retrying helps only after the fix\.<\/span> The CRM refused the credentials: [^<]+<\/span>/;
    const conversation = await (await getAdmin(`${service.url}/admin/conversations/olark/${id}`)).text();
    assert.match(
      conversation,
      new RegExp(`<dt>Last error</dt><dd>CRM_UNAUTHORIZED: HubSpot rejected HUBSPOT_ACCESS_TOKEN${hint.source}</dd>`),
    );
    const steps = await (await getAdmin(`${service.url}/admin/steps`)).text();
    assert.match(steps, new RegExp(`<td data-label="Error"><code>CRM_UNAUTHORIZED</code>${hint.source}</td>`), 'the group of this error');
    assert.match(
      steps,
      new RegExp(`<td data-label="Error">CRM_UNAUTHORIZED: HubSpot rejected HUBSPOT_ACCESS_TOKEN${hint.source}</td>`),
      'the dead step',
    );
  });

  it('says when a retry does not help, and gives no line for a code outside the catalogue', async () => {
    const id = await dead('LIVECHAT_CHAT_INACTIVE', 'the chat is no longer active');
    const conversation = await (await getAdmin(`${service.url}/admin/conversations/olark/${id}`)).text();
    assert.match(conversation, /data-retry="no"><span class="retry">Retrying does not help\.<\/span>/);
    // Steps only fail with catalogue codes (outcome.ts types them); a step stored by another
    // version may carry a code this one does not know: it shows as stored, without a line.
    assert.equal(
      errorWithHint('CRM_SOMETHING_NEW: a failure no one catalogued', 'CRM_SOMETHING_NEW').__html,
      'CRM_SOMETHING_NEW: a failure no one catalogued',
    );
    assert.equal(hintFor('toString').__html, '');
    // The outside-call timeout's former code (CRM_TIMEOUT, now CALL_TIMEOUT) keeps its line for steps stored with it.
    assert.match(hintFor('CRM_TIMEOUT').__html, /data-retry="helps"/);
  });

  it('tells the agent the operator was alerted, with the field at fault, and no replay command', async () => {
    const id = await dead('CRM_MISSING_FIELD', 'Lead: No such column chat_url__c. Create the field');
    const page = await (await fetch(`${service.url}/r/olark/${id}`)).text();
    assert.match(page, /<h1>Delivery failed/);
    assert.match(page, /The operator of this service has been alerted/);
    assert.match(page, /<dt>Reason<\/dt><dd>CRM_MISSING_FIELD: Lead: No such column chat_url__c\. Create the field<\/dd>/);
    assert.doesNotMatch(page, /npm run replay|replay --/i);
    const outage = await dead('CRM_REJECTED', 'HubSpot answered 400 to create: something internal');
    const quiet = await (await fetch(`${service.url}/r/olark/${outage}`)).text();
    assert.match(quiet, /has been alerted/);
    assert.doesNotMatch(quiet, /Reason|something internal/, 'an error naming no field or key stays in the console');
  });
});
