/** The connector's owner and company memory (directory.ts), with the HubSpot calls passed in. */
import assert from 'node:assert/strict';
import { createDirectory, type DirectoryCalls } from '../../../connectors/hubspot/directory';

const fakeCalls = (owners: Record<string, string>, companies: Record<string, string[]> = {}) => {
  const log: string[] = [];
  let next = 500;
  const calls: DirectoryCalls = {
    ownerByEmail: async (email) => {
      log.push(`owner ${email}`);
      await new Promise((r) => setTimeout(r, 5));
      return owners[email];
    },
    companiesByDomain: async (domain) => {
      log.push(`search ${domain}`);
      await new Promise((r) => setTimeout(r, 5));
      return companies[domain] ?? [];
    },
    createCompany: async (properties) => {
      log.push(`create ${properties.domain ?? ''} ${properties.name ?? ''}`);
      await new Promise((r) => setTimeout(r, 5));
      return String(next++);
    },
  };
  return { calls, log };
};

describe('HubSpot connector: owner and company memory', () => {
  it('looks an agent up once, concurrent asks included, and a miss again only after its time', async () => {
    let now = 0;
    const { calls, log } = fakeCalls({ 'grace@example.com': '7' });
    const directory = createDirectory(calls, { now: () => now, ownerMissTtlMs: 1_000, companyTtlMs: 1_000 });
    assert.deepEqual(await Promise.all([directory.ownerOf('Grace@Example.com'), directory.ownerOf('grace@example.com')]), ['7', '7']);
    assert.equal(await directory.ownerOf('temp@agency.io'), undefined);
    assert.equal(await directory.ownerOf('temp@agency.io'), undefined);
    now = 1_001;
    assert.equal(await directory.ownerOf('temp@agency.io'), undefined);
    assert.equal(await directory.ownerOf('grace@example.com'), '7');
    assert.deepEqual(log, ['owner grace@example.com', 'owner temp@agency.io', 'owner temp@agency.io']);
  });

  it('takes an owner id as it is, and forgets a failed lookup', async () => {
    const { calls, log } = fakeCalls({});
    let fail = true;
    const directory = createDirectory({
      ...calls,
      ownerByEmail: (email) => (fail ? Promise.reject(new Error('503')) : calls.ownerByEmail(email)),
    });
    assert.equal(await directory.ownerOf('12345'), '12345');
    await assert.rejects(directory.ownerOf('x@acme.io'));
    fail = false;
    assert.equal(await directory.ownerOf('x@acme.io'), undefined);
    assert.deepEqual(log, ['owner x@acme.io']);
  });

  it('finds or makes one company per domain at a time, and goes on after a failed turn', async () => {
    const { calls, log } = fakeCalls({}, { 'old.io': ['12', '3'] });
    let badSearches = 0;
    // The first search of bad.io fails (a 429), later ones answer.
    const directory = createDirectory({
      ...calls,
      companiesByDomain: (d) => (d === 'bad.io' && badSearches++ === 0 ? Promise.reject(new Error('429')) : calls.companiesByDomain(d)),
    });
    const ids = await Promise.all([
      ...Array.from({ length: 5 }, () => directory.companyOf('new.io', 'NewCo', true)),
      directory.companyOf('old.io', 'Old', true),
    ]);
    assert.deepEqual(ids, ['500', '500', '500', '500', '500', '12']);
    assert.equal(await directory.companyOf('none.io', 'None', false), undefined);
    const [failed, after] = await Promise.allSettled([
      directory.companyOf('bad.io', 'Bad', true),
      directory.companyOf('bad.io', 'Bad', true),
    ]);
    assert.equal(failed.status, 'rejected');
    assert.deepEqual(after, { status: 'fulfilled', value: '501' });
    assert.deepEqual(log, [
      'search new.io',
      'search old.io',
      'create new.io NewCo',
      'search none.io',
      'search bad.io',
      'create bad.io Bad',
    ]);
  });
});
