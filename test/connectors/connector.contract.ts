/**
 * The Connector contract: what every CRM connector must do (src/domain/connector.ts), run by each
 * one against its own CRM (test/connectors/<name>/contract.test.ts): HubSpot and Salesforce
 * against their emulators over real sockets, the local CRM on a real store. Like the Store and
 * ChatSource contracts, a new connector passes this before anything else.
 *
 * Each test starts a fresh CRM. What a CRM cannot be made to do (the local CRM has no 429 to
 * answer) is a capability the kit marks `{ pending: reason }`: that test is reported pending
 * with the reason in its title, never passed.
 */
import assert from 'node:assert/strict';
import type { UpsertInput } from '../../src/domain/connector';
import type { Action } from '../../src/domain/event';
import { RATE_LIMITED } from '../../src/domain/outcome';
import { longer, uniqueId } from '../support/conversations';
import { sleep, until } from '../support/polling';
import { batchContract } from './contract/batch';
import { activeResources, delta, failureOf, freshChat, isPending, value, type Capability, type CrmUnderTest } from './contract/kit';

export type { Capability, CrmUnderTest, FailureHooks } from './contract/kit';

const ACTIONS: readonly Action[] = ['lead', 'case'];

export const connectorContract = (name: string, start: () => Promise<CrmUnderTest>): void => {
  describe(`Connector contract: ${name}`, () => {
    let current: CrmUnderTest | undefined;
    let stopped = false;
    beforeEach(async () => {
      current = await start();
      stopped = false;
    });
    afterEach(async () => {
      if (!stopped) await current?.stop();
      current = undefined;
    });
    const crm = (): CrmUnderTest => {
      if (current === undefined) throw new Error('no CRM under test');
      return current;
    };
    /** A test the CRM cannot run: pending, with the reason in its title. */
    const when = <T extends object>(title: string, capability: () => Capability<T>, test: (hook: T) => Promise<void>): void => {
      // The CRM is started per test, so whether it can is known only inside the test.
      it(title, async function () {
        const hook = capability();
        if (isPending(hook)) {
          if (this.test !== undefined) this.test.title += ` (pending: ${hook.pending})`;
          this.skip();
        }
        await test(hook);
      });
    };

    for (const action of ACTIONS) {
      it(`upserts a new ${action}: a record of this CRM (crm = connector name), the action, an id and an absolute URL`, async () => {
        const connector = crm().connect();
        const record = value(await connector.upsert({ action, conversation: freshChat() }));
        assert.equal(record.crm, connector.name);
        assert.equal(connector.name, name);
        assert.equal(record.action, action);
        assert.ok(record.id.length > 0, 'an id');
        assert.ok(record.type.length > 0, 'a type');
        assert.match(new URL(record.url).protocol, /^https?:$/, 'an absolute http(s) URL');
        const made = await crm().inventory();
        assert.ok(
          Object.values(made).some((n) => n > 0),
          `the CRM holds the record: ${JSON.stringify(made)}`,
        );
      });

      it(`is idempotent for a ${action}: the same input twice is the same record, and nothing new in the CRM`, async () => {
        const connector = crm().connect();
        const input: UpsertInput = { action, conversation: freshChat() };
        const first = value(await connector.upsert(input));
        const after = await crm().inventory();
        const again = value(await connector.upsert(input));
        assert.equal(again.id, first.id);
        assert.deepEqual(again.refs, first.refs);
        assert.deepEqual(await crm().inventory(), after);
      });

      it(`updates the same ${action} on a repeat with \`previous\``, async () => {
        const connector = crm().connect();
        const chat = freshChat();
        const first = value(await connector.upsert({ action, conversation: chat }));
        const after = await crm().inventory();
        const again = value(await connector.upsert({ action, conversation: longer(chat), previous: first }));
        assert.deepEqual([again.id, again.type, again.action], [first.id, first.type, action]);
        assert.deepEqual(await crm().inventory(), after);
      });

      it(`updates a ${action}, never makes a second one, when a later version of the conversation comes without \`previous\``, async () => {
        const chat = freshChat();
        const first = value(await crm().connect().upsert({ action, conversation: chat }));
        const after = await crm().inventory();
        // A connector of its own: nothing remembered in the process, only what the CRM holds.
        const again = value(
          await crm()
            .connect()
            .upsert({ action, conversation: longer(chat, 3) }),
        );
        assert.equal(again.id, first.id);
        assert.deepEqual(again.refs, first.refs);
        assert.deepEqual(await crm().inventory(), after);
      });
    }

    it('finds the person a delivery made by email, in any case, and nobody for an unknown email', async () => {
      const connector = crm().connect();
      const chat = freshChat();
      const email = chat.visitor.email ?? assert.fail('the chat has an email');
      const record = value(await connector.upsert({ action: 'lead', conversation: chat }));
      const person = value(await connector.findPerson(email.toUpperCase()));
      assert.ok(person !== undefined, 'found by the upper-cased email');
      assert.ok(
        person.id === record.id || Object.values(record.refs).includes(person.id),
        `the person (${person.id}) is the delivery's (${JSON.stringify(record)})`,
      );
      assert.match(new URL(person.url).protocol, /^https?:$/);
      assert.equal(value(await connector.findPerson(`nobody-${uniqueId()}@example.com`)), undefined);
    });

    it('check(): ok with its credentials', async () => {
      const report = await crm().connect().check();
      assert.equal(report.ok, true, JSON.stringify(report.items));
      assert.ok(report.items.length > 0 && report.items.every((i) => i.ok));
    });

    when(
      'check(): not ok without working credentials, naming what is wrong',
      () => crm().withoutCredentials,
      async ({ item, detail, ...without }) => {
        const report = await without.connect().check();
        assert.equal(report.ok, false);
        const failing = report.items.find((i) => i.name === item);
        assert.ok(failing !== undefined && !failing.ok, `a failing "${item}" item in ${JSON.stringify(report.items)}`);
        assert.match(failing.detail, detail);
      },
    );

    /** What one delivery of a fresh lead adds to the CRM, by object type (a contact and its note, a Lead and its Task…). */
    const oneLead = async (): Promise<Readonly<Record<string, number>>> => {
      const before = await crm().inventory();
      value(await crm().connect().upsert({ action: 'lead', conversation: freshChat() }));
      return delta(before, await crm().inventory());
    };

    when(
      'a rate limit is transient, CRM_RATE_LIMITED, with the wait the CRM asked for, and makes nothing; the retry makes one record',
      () => crm().failures.rateLimited,
      async (hook) => {
        const clean = await oneLead();
        const connector = crm().connect();
        const input: UpsertInput = { action: 'lead', conversation: freshChat() };
        const before = await crm().inventory();
        hook.inject();
        const failure = failureOf(await connector.upsert(input));
        assert.deepEqual([failure.kind, failure.code], ['transient', RATE_LIMITED]);
        if (hook.status !== undefined) assert.equal(failure.status, hook.status);
        const retryAfterMs = failure.kind === 'transient' ? failure.retryAfterMs : undefined;
        if (hook.retryAfterMs !== undefined) assert.equal(retryAfterMs, hook.retryAfterMs);
        assert.deepEqual(await crm().inventory(), before, 'a refused call makes nothing');
        // As the worker does: come back no sooner than asked.
        await sleep(retryAfterMs ?? 0);
        const record = value(await connector.upsert(input));
        assert.deepEqual(delta(before, await crm().inventory()), clean, 'the retry makes what one delivery makes');
        assert.equal(value(await connector.upsert(input)).id, record.id);
      },
    );

    when(
      'a 5xx is transient, and the retry converges on what one delivery makes',
      () => crm().failures.unavailable,
      async (hook) => {
        const clean = await oneLead();
        const connector = crm().connect();
        const input: UpsertInput = { action: 'lead', conversation: freshChat() };
        const before = await crm().inventory();
        hook.inject();
        const failure = failureOf(await connector.upsert(input));
        assert.deepEqual([failure.kind, failure.code], ['transient', 'CRM_UNAVAILABLE']);
        const record = value(await connector.upsert(input));
        assert.deepEqual(delta(before, await crm().inventory()), clean, 'what the failed attempt made was reused, not made twice');
        assert.equal(value(await connector.upsert(input)).id, record.id);
      },
    );

    when(
      'a 401 is permanent (CRM_UNAUTHORIZED), naming what to fix',
      () => crm().failures.unauthorized,
      async (hook) => {
        hook.inject();
        const failure = failureOf(await crm().connect().upsert({ action: 'lead', conversation: freshChat() }));
        assert.deepEqual([failure.kind, failure.code], ['permanent', 'CRM_UNAUTHORIZED']);
        assert.match(failure.message, hook.names);
      },
    );

    when(
      'a create refused as a conflict is recovered into the record the CRM has, with no duplicate',
      () => crm().failures.conflictOnCreate,
      async (hook) => {
        const clean = await oneLead();
        const { existing, chat } = hook.arrange(freshChat());
        const before = await crm().inventory();
        const record = value(await crm().connect().upsert({ action: 'lead', conversation: chat }));
        assert.equal(record.id, existing);
        const added = delta(before, await crm().inventory());
        const total = (d: Readonly<Record<string, number>>) => Object.values(d).reduce((a, b) => a + b, 0);
        for (const [type, n] of Object.entries(added))
          assert.ok(n <= (clean[type] ?? 0), `${type}: ${n} added, a fresh lead adds ${clean[type] ?? 0}`);
        assert.ok(
          total(added) < total(clean),
          `no second person: ${JSON.stringify(added)} against a fresh lead's ${JSON.stringify(clean)}`,
        );
        assert.equal(value(await crm().connect().upsert({ action: 'lead', conversation: chat })).id, existing);
      },
    );

    it('close() releases: no socket or timer of the connector keeps the process alive', async () => {
      // The CRM is up (its server counts too), the connector not made yet; and mocha has set this
      // test's timeout timer, which it does once the test function returned its promise.
      await sleep(1);
      const baseline = activeResources();
      const connector = crm().connect();
      value(await connector.upsert({ action: 'lead', conversation: freshChat() }));
      value(await connector.findPerson('someone@example.com'));
      await connector.check();
      await connector.close?.();
      await crm().stop();
      stopped = true;
      const leftover = () => [...activeResources()].filter(([type, n]) => n > (baseline.get(type) ?? 0));
      await until('the connector and its CRM released everything', () => leftover().length === 0, 3000).catch(() =>
        assert.fail(`still active after close(): ${JSON.stringify(leftover())} (before: ${JSON.stringify([...baseline])})`),
      );
    });

    batchContract(name, crm);
  });
};
