/** Groups on the console's conversation page: names as the platform sent them (Olark), ids shown as ids (LiveChat sends only `group_ids`). */
import assert from 'node:assert/strict';
import { cleanUp, getAdmin, startConsole, type ConsoleService } from './support';

describe('console conversation groups', () => {
  let service: ConsoleService & { dir: string };
  before(async () => {
    service = await startConsole();
  });
  after(() => cleanUp(service));

  it('shows a group name as a name and a numeric group id as an id', async () => {
    const conversation = {
      source: 'olark',
      id: 'grouped-1',
      visitor: {},
      messages: [],
      tags: [],
      groups: ['Sales', '0'],
      operators: [],
      offline: false,
    };
    await service.running.store.intake({ conversation, plan: [], now: new Date() });
    const page = await (await getAdmin(`${service.url}/admin/conversations/olark/grouped-1`)).text();
    assert.match(page, /<dt>Groups<\/dt><dd>Sales, <span class="muted">id<\/span> 0<\/dd>/);
  });
});
