import { strict as assert } from 'node:assert';
import { silentLog } from '../../../src/domain/log';
import { createLiveSupportiSource } from '../../../src/sources/livesupporti';
import { SECRET } from './request';

const deps = { log: silentLog, publicUrl: 'https://chat2crm.example.com', callTimeoutMs: 1000, syncDeadlineMs: 1000 };
const URL = 'https://chat2crm.example.com/webhooks/livesupporti/tok';

describe('LiveSupporti banner and setup lines', () => {
  it('says what to paste and tick, and which keys are missing', () => {
    const lines = createLiveSupportiSource({ apiUrl: 'https://livesupporti.com', createLeads: true }, deps).describe?.(URL) ?? [];
    const text = lines.join('\n');
    assert.ok(text.includes(URL));
    assert.match(text, /tick "Chat started" and "Visitor data"/);
    assert.match(text, /LIVESUPPORTI_WEBHOOK_SECRET is not set/);
    assert.match(text, /LIVESUPPORTI_API_USER and LIVESUPPORTI_API_KEY are needed/);
  });

  it('names the secret lengths the config takes (32 to 128) and the form’s limit (64)', () => {
    const text = (createLiveSupportiSource({ apiUrl: 'https://livesupporti.com', createLeads: true }, deps).describe?.(URL) ?? []).join(
      '\n',
    );
    assert.match(text, /32 to 128 characters/);
    assert.match(text, /the form in LiveSupporti takes at most 64/);
  });

  it('never prints the secret or the API key', () => {
    const source = createLiveSupportiSource(
      {
        webhookSecret: SECRET,
        apiUser: 'agent-user',
        apiKey: 'very-secret-api-key',
        apiUrl: 'https://livesupporti.com',
        createLeads: false,
      },
      deps,
    );
    const text = (source.describe?.(URL) ?? []).join('\n');
    assert.ok(!text.includes(SECRET));
    assert.ok(!text.includes('very-secret-api-key'));
    assert.match(text, /LIVESUPPORTI_CREATE_LEADS=false/);
  });

  it('acknowledges with 200 {} once stored', () => {
    const source = createLiveSupportiSource({ apiUrl: 'https://livesupporti.com', createLeads: true }, deps);
    assert.deepEqual(source.answer([{ kind: 'pending', url: 'x' }]), { status: 200, body: {} });
    assert.equal(source.answerMode, 'ack');
  });
});
