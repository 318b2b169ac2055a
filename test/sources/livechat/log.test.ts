/** The lines the LiveChat source logs, as pino writes them, through the same wiring the service uses. */
import assert from 'node:assert/strict';
import pino from 'pino';
import { livechatSource } from '../../../src/sources/livechat';
import { createSources } from '../../../src/sources/runtime';
import { startScenario, type Scenario } from './scenario';

describe('LiveChat log lines', () => {
  let s: Scenario;
  before(async () => {
    s = await startScenario();
  });
  after(() => s.emulator.close());

  it('carry the key "source" once (the runtime binds it; the source adds no second one)', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
    const configured = livechatSource.configure(s.env);
    assert.ok(configured._tag === 'Right');
    const sources = createSources(
      {
        sources: [{ definition: livechatSource, create: configured.right, unsetKeys: [] }],
        publicUrl: 'http://127.0.0.1:3000',
        crmTimeoutMs: 2000,
        syncDeadlineMs: 8000,
      },
      log,
    );
    // A misdirected call logs the region it retries in, and every call a debug line.
    s.emulator.faults.moveToRegion('fra');
    await sources.get('livechat')?.client?.check?.();
    assert.ok(lines.length >= 2, lines.join(''));
    for (const line of lines) {
      assert.equal(line.match(/"source":/g)?.length, 1, line);
      assert.equal((JSON.parse(line) as { source?: unknown }).source, 'livechat');
    }
  });
});
