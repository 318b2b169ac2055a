/** The lines the iAdvize source logs, as pino writes them, through the same wiring the service uses. */
import assert from 'node:assert/strict';
import pino from 'pino';
import { thinConversation } from '../../../src/sources/iadvize/events';
import { iadvizeSource } from '../../../src/sources/iadvize';
import { createSources } from '../../../src/sources/runtime';
import { makeConversation, startIAdvizeEmulator } from '../../emulators/iadvize';

describe('iAdvize log lines', () => {
  it('carry the key "source" once (the runtime binds it; the source adds no second one)', async () => {
    const seeded = makeConversation({ messages: 2 });
    const e = await startIAdvizeEmulator({ conversations: [seeded] });
    try {
      const lines: string[] = [];
      const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
      const configured = iadvizeSource.configure({
        IADVIZE_API_URL: e.url,
        IADVIZE_USERNAME: e.username,
        IADVIZE_PASSWORD: e.password,
        IADVIZE_WEBHOOK_SECRET: 'test-app-secret-token',
      });
      assert.ok(configured._tag === 'Right');
      const sources = createSources(
        {
          sources: [{ definition: iadvizeSource, create: configured.right, unsetKeys: [] }],
          publicUrl: 'http://127.0.0.1:3000',
          crmTimeoutMs: 2000,
          syncDeadlineMs: 8000,
        },
        log,
      );
      // The login and the read each log a line.
      const outcome = await sources
        .get('iadvize')
        ?.client?.fetchConversation?.({ id: seeded.id, conversation: thinConversation(seeded.id, undefined, ['7']), meta: {} });
      assert.ok(outcome?.ok, JSON.stringify(outcome));
      assert.ok(lines.length >= 2, lines.join(''));
      for (const line of lines) {
        assert.equal(line.match(/"source":/g)?.length, 1, line);
        assert.equal((JSON.parse(line) as { source?: unknown }).source, 'iadvize');
      }
    } finally {
      await e.close();
    }
  });
});
