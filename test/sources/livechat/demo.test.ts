/**
 * The sandbox's demo (`npm run emulator:livechat` with LIVECHAT_EMULATOR_WEBHOOK) against the real
 * service: it waits for the service, keeps the chat active until the agents-only message with the
 * link is in, and reports LiveChat's refusals as refusals.
 */
import assert from 'node:assert/strict';
import { removeDir, startService, tempDir, type TestService } from '../../support/service';
import { describeCall, playDemo, seedDemo } from '../../emulators/livechat/demo';
import { startScenario, SECRET, type Scenario } from './scenario';

const TOKEN = 'livechat-demo-token-0123456789';

describe('LiveChat sandbox demo (service + emulator)', function () {
  this.timeout(60_000);
  let s: Scenario;
  let service: TestService;
  let dir: string;
  before(async () => {
    s = await startScenario();
    dir = tempDir('chat2crm-livechat-demo-');
    service = await startService({ ...s.env, LIVECHAT_WEBHOOK_TOKEN: TOKEN, RETRY_SCHEDULE: '100ms,100ms,100ms' }, dir);
  });
  after(async () => {
    await service.stop();
    removeDir(dir);
    await s.emulator.close();
  });
  afterEach(() => s.emulator.faults.clear());

  it('shows the agents-only message with the link before the chat ends, then the session field; every call answered ok', async () => {
    const lines: string[] = [];
    const demo = seedDemo(s.emulator);
    const result = await playDemo(s.emulator, demo, {
      webhook: `${service.url}/webhooks/livechat/${TOKEN}`,
      secretKey: SECRET,
      write: (l) => void lines.push(l),
      stepTimeoutMs: 15_000,
    });
    assert.match(result.agentsOnlyMessage ?? '', /^CRM lead: http:\/\/127\.0\.0\.1:\d+\//, lines.join('\n'));
    assert.ok(
      s.emulator.state.chat(demo.chatId).threads[0]?.events.some((e) => e.visibility === 'agents' && e.text === result.agentsOnlyMessage),
      'the message is in the chat, agents only',
    );
    assert.ok(
      lines.some((l) => l.startsWith('agents-only message: ok')),
      lines.join('\n'),
    );
    assert.ok(!lines.some((l) => l.includes('refused')), lines.join('\n'));
    assert.deepEqual(s.emulator.state.customers.get(demo.customerId)?.session_fields[0], { plan: 'pro' });
    assert.equal(result.sessionLink?.startsWith(`${service.url}/`), true, lines.join('\n'));
  });

  it('a message LiveChat refuses is reported refused, never ok', async () => {
    const lines: string[] = [];
    const demo = seedDemo(s.emulator);
    s.emulator.faults.inject({ type: 'chat_inactive', match: /^send_event$/, times: 10 });
    const result = await playDemo(s.emulator, demo, {
      webhook: `${service.url}/webhooks/livechat/${TOKEN}`,
      secretKey: SECRET,
      write: (l) => void lines.push(l),
      stepTimeoutMs: 15_000,
    });
    assert.equal(result.agentsOnlyMessage, undefined);
    assert.ok(lines.includes('  chat2crm → send_event: refused (chat_inactive)'), lines.join('\n'));
    assert.ok(lines.includes('agents-only message: not shown (LiveChat refused it)'), lines.join('\n'));
    assert.ok(!lines.some((l) => /send_event: ok/.test(l)), lines.join('\n'));
  });

  it('describeCall: ok only for a 200', () => {
    const base = {
      method: 'POST',
      path: '/v3.6/agent/action/send_event',
      action: 'send_event',
      body: {},
      authorization: undefined,
      region: undefined,
      apiVersion: undefined,
      startedAt: 0,
      endedAt: 0,
    };
    assert.equal(describeCall({ ...base, status: 200 }), 'send_event: ok');
    assert.equal(describeCall({ ...base, status: 422, errorType: 'chat_inactive' }), 'send_event: refused (chat_inactive)');
    assert.equal(describeCall({ ...base, status: 502 }), 'send_event: refused (HTTP 502)');
  });
});
