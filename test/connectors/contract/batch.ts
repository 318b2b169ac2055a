/**
 * The Connector contract's optional section: `upsertBatch` (src/domain/connector.ts). It runs once a
 * connector has the function; until then each test is skipped, saying so in its title.
 */
import assert from 'node:assert/strict';
import type { Connector, UpsertInput } from '../../../src/domain/connector';
import { longer } from '../../support/conversations';
import { failureOf, freshChat, isPending, value, type CrmUnderTest } from './kit';

export const batchContract = (name: string, crm: () => CrmUnderTest): void => {
  describe('upsertBatch (optional)', () => {
    /** The batch function, or the test is skipped: the port makes it optional. */
    const batchOf = (ctx: Mocha.Context, connector: Connector): NonNullable<Connector['upsertBatch']> => {
      const batch = connector.upsertBatch?.bind(connector);
      if (batch === undefined) {
        if (ctx.test !== undefined) ctx.test.title += ` (skipped: the ${name} connector has no upsertBatch; it upserts one by one)`;
        ctx.skip();
      }
      return batch;
    };

    it('gives one outcome per input, in order, each the record upsert would give', async function () {
      const connector = crm().connect();
      const batch = batchOf(this, connector);
      const inputs: UpsertInput[] = [freshChat(), freshChat(), freshChat()].map((c, i) => ({
        action: i === 1 ? 'case' : 'lead',
        conversation: c,
      }));
      const outcomes = await batch(inputs);
      assert.equal(outcomes.length, inputs.length);
      const records = outcomes.map(value);
      records.forEach((r, i) => {
        assert.deepEqual([r.crm, r.action], [name, inputs[i]?.action]);
        assert.match(new URL(r.url).protocol, /^https?:$/);
      });
      assert.equal(new Set(records.map((r) => r.id)).size, records.length, 'three conversations, three records');
      const after = await crm().inventory();
      for (const [i, input] of inputs.entries()) assert.equal(value(await connector.upsert(input)).id, records[i]?.id);
      assert.deepEqual(await crm().inventory(), after);
    });

    it('is idempotent: the same batch again gives the same records and nothing new', async function () {
      const connector = crm().connect();
      const batch = batchOf(this, connector);
      const inputs: UpsertInput[] = [freshChat(), freshChat()].map((c) => ({ action: 'lead', conversation: c }));
      const first = (await batch(inputs)).map(value);
      const after = await crm().inventory();
      const later = inputs.map((input, i) => ({
        ...input,
        conversation: longer(input.conversation),
        previous: first[i] ?? assert.fail(),
      }));
      const again = (await batch(later)).map(value);
      assert.deepEqual(
        again.map((r) => r.id),
        first.map((r) => r.id),
      );
      const repeat = (await batch(inputs)).map(value);
      assert.deepEqual(
        repeat.map((r) => r.id),
        first.map((r) => r.id),
      );
      assert.deepEqual(await crm().inventory(), after);
    });

    it('fails a record the CRM refuses, and that input only', async function () {
      const connector = crm().connect();
      const batch = batchOf(this, connector);
      const refused = crm().failures.refusedRecord;
      if (isPending(refused)) {
        if (this.test !== undefined) this.test.title += ` (pending: ${refused.pending})`;
        this.skip();
      }
      const inputs: UpsertInput[] = [
        { action: 'lead', conversation: freshChat() },
        refused.arrange(),
        { action: 'lead', conversation: freshChat() },
      ];
      const outcomes = await batch(inputs);
      assert.equal(outcomes.length, 3);
      assert.equal(failureOf(outcomes[1] ?? assert.fail('an outcome for the refused input')).kind, 'permanent');
      const [a, c] = [value(outcomes[0] ?? assert.fail()), value(outcomes[2] ?? assert.fail())];
      assert.notEqual(a.id, c.id);
    });
  });
};
