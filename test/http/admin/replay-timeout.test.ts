/**
 * A step replayed from the console runs with the same limits as the worker's (one builder,
 * src/pipeline/step-deps.ts): a platform step may take longer than CRM_TIMEOUT_MS (one CRM
 * call), up to the step timeout (four fifths of JOB_LEASE_MS).
 */
import assert from 'node:assert/strict';
import { permanent } from '../../../src/domain/outcome';
import { sourceDefinitions } from '../../../src/sources';
import { until } from '../../support/expect';
import { removeDir, startService, tempDir, type TestService } from '../../support/service';
import { TOY_TOKEN, toySource, type ToySource } from '../../support/toy-source';
import { csrfOf, getAdmin, PASSWORD, postForm } from './support';

describe('console replay of a platform step', () => {
  let service: TestService;
  let dir: string;
  let toy: ToySource;

  beforeEach(async () => {
    toy = toySource();
    dir = tempDir();
    // Step timeout: 0.8 × 2000 = 1600 ms; one CRM call: 100 ms.
    service = await startService(
      { TOY_WEBHOOK_TOKEN: TOY_TOKEN, ADMIN_PASSWORD: PASSWORD, CRM_TIMEOUT_MS: '100', JOB_LEASE_MS: '2000', RETRY_SCHEDULE: '20ms' },
      dir,
      [...sourceDefinitions, toy.definition],
    );
  });
  afterEach(async () => {
    await service.stop();
    removeDir(dir);
  });

  it('gives a fetch the step timeout, not CRM_TIMEOUT_MS: a 400 ms fetch completes', async function () {
    this.timeout(10_000);
    const store = service.running.store;
    toy.failAlways = permanent('LIVECHAT_REJECTED', 'the toy API refused the token');
    assert.equal((await toy.post(service.url, 'e1', 'slow-1')).status, 200);
    await until('the fetch is dead', async () => (await store.latestJob('toy:slow-1', 'fetch'))?.state === 'dead');
    const job = await store.latestJob('toy:slow-1', 'fetch');
    assert.ok(job !== undefined);

    delete toy.failAlways;
    toy.fetchLatencyMs = 400;
    const csrf = csrfOf(await (await getAdmin(`${service.url}/admin/steps`)).text());
    const res = await postForm(`${service.url}/admin/replay`, { job: job.id, csrf });
    assert.equal(res.status, 200);
    const page = await res.text();
    assert.doesNotMatch(page, /CALL_TIMEOUT/);
    assert.match(page, /<span class="status done">delivered<\/span>/);
    assert.equal((await store.getJob(job.id))?.state, 'done');
    await until('delivered and notified', async () => (await store.latestJob('toy:slow-1', 'notify'))?.state === 'done');
  });
});
