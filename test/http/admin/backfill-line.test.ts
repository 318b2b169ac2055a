/** The platforms page shows the latest `npm run backfill` of a platform in one line, read from its store setting. */
import assert from 'node:assert/strict';
import { backfillProgressSetting, type BackfillState } from '../../../src/pipeline/backfill-state';
import { cleanUp, getAdmin, startConsole, type ConsoleService } from './support';

describe('console: backfill progress', () => {
  let service: ConsoleService & { dir: string };
  before(async () => {
    service = await startConsole();
  });
  after(() => cleanUp(service));

  it('shows nothing before a backfill, then the latest run of the platform, escaped', async () => {
    const before = await (await getAdmin(`${service.url}/admin/platforms`)).text();
    assert.doesNotMatch(before, /<dt>Backfill<\/dt>/);
    const state: BackfillState = {
      status: 'failed',
      since: '2026-01-01T00:00:00.000Z',
      pages: 3,
      listed: 300,
      found: 1000,
      queued: 280,
      known: 20,
      skipped: 0,
      startedAt: '2026-12-06T10:00:00.000Z',
      updatedAt: '2026-12-06T10:01:00.000Z',
      error: 'LIVECHAT_FORBIDDEN: <scope> missing',
    };
    await service.running.store.setSetting(backfillProgressSetting('livechat'), JSON.stringify(state));
    const page = await (await getAdmin(`${service.url}/admin/platforms`)).text();
    assert.match(
      page,
      /<dt>Backfill<\/dt><dd>failed \(2026-01-01 to now\) at 2026-12-06T10:01:00.000Z: 300 of about 1000 listed, 280 queued, 20 already known; LIVECHAT_FORBIDDEN: &lt;scope&gt; missing<\/dd>/,
    );
    assert.equal(page.match(/<dt>Backfill<\/dt>/g)?.length, 1, 'only LiveChat');
  });
});
