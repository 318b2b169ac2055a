/**
 * The Store contract: every adapter runs this suite (sqlite.test.ts, postgres.test.ts). Each
 * test starts from an empty database, and asserts what a store that got it wrong would fail.
 * The tests themselves live in contract/, one file per area of the port.
 */
import type { Store } from '../../src/storage/store';
import { claims } from './contract/claims';
import { privacy } from './contract/privacy';
import type { Scan } from './scan';
import { consoleViews } from './contract/console';
import { defined, LEASE, type Contract } from './contract/context';
import { finishing } from './contract/finish';
import { deliverHere } from './contract/deliver-here';
import { localCrm } from './contract/local-crm';
import { settingsAndIntake } from './contract/settings-intake';
import { views } from './contract/views';
import { conversation, T0, queued } from './fixtures';

export const storeContract = (name: string, open: () => Promise<Store>, reset: () => Promise<void>, scan: Scan): void => {
  describe(`Store contract: ${name}`, () => {
    let current: Store | undefined;
    beforeEach(async () => {
      await reset();
      current = await open();
    });
    afterEach(async () => {
      await current?.close();
      current = undefined;
    });

    const store = () => defined(current, 'open store');
    const contract: Contract = {
      store,
      scan,
      async running(id, owner = 'worker-a', now = T0, leaseMs = LEASE) {
        const jobId = queued(await store().intake({ conversation: conversation(id), now }));
        return defined(await store().claimJob(jobId, owner, now, leaseMs), 'claimed job');
      },
      job: async (id) => defined(await store().getJob(id), `job ${id}`),
    };

    settingsAndIntake(contract);
    claims(contract);
    finishing(contract);
    deliverHere(contract);
    views(contract);
    localCrm(contract);
    privacy(contract);
    consoleViews(contract);
  });
};
