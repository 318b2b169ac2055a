/**
 * The ChatSource contract: what every platform must do, run by each one with a kit of its own
 * requests (test/sources/<name>/contract.test.ts). Like the Store contract, a new platform passes
 * this before anything else.
 */
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config';
import type { Env } from '../../src/domain/connector';
import { errorCatalogue } from '../../src/domain/errors';
import { silentLog } from '../../src/domain/log';
import { STEP_KINDS, type ChatSource, type InboundEvent, type SourceDefinition, type SourceRequest } from '../../src/domain/source';
import { sourceDefinitions } from '../../src/sources';

export interface SourceKit {
  readonly definition: SourceDefinition;
  /** The platform's keys, so that everything it can do is configured. */
  readonly env: Env;
  /** Authentic requests that each carry at least one conversation event. */
  readonly valid: () => readonly SourceRequest[];
  /** The same as a valid one, but signed wrongly (platforms that sign). */
  readonly forged?: () => SourceRequest;
  /** A valid body with no signature (platforms that sign). */
  readonly unsigned?: () => SourceRequest;
  /** Authentic, but the body is malformed: each must be refused with a 4xx naming what is wrong. */
  readonly malformed: () => readonly SourceRequest[];
  /** The platform's recorded payloads as requests: each must be taken. */
  readonly fixtures: () => readonly { readonly name: string; readonly request: SourceRequest }[];
}

const create = (kit: SourceKit): ChatSource => {
  const configured = kit.definition.configure(kit.env);
  if (configured._tag === 'Left') throw new Error(`${kit.definition.name} refused its kit's keys`);
  return configured.right({ log: silentLog, publicUrl: 'http://127.0.0.1:9', callTimeoutMs: 1000, syncDeadlineMs: 1000 });
};

const statusOf = (code: keyof typeof errorCatalogue) => errorCatalogue[code].status;

const eventsOf = (source: ChatSource, request: SourceRequest): readonly InboundEvent[] => {
  assert.equal(source.verify(request), undefined, 'an authentic request passes verification');
  const decoded = source.decode(request);
  if (decoded._tag === 'Left') assert.fail(`refused: ${decoded.left.code} ${decoded.left.detail ?? ''}`);
  return decoded.right;
};

export const sourceContract = (kit: SourceKit): void => {
  const name = kit.definition.name;
  describe(`ChatSource contract: ${name}`, () => {
    it('is registered once under its name, with its token key <NAME>_WEBHOOK_TOKEN', () => {
      assert.equal(sourceDefinitions.filter((d) => d.name === name).length, 1);
      assert.match(name, /^[a-z][a-z0-9-]*$/);
      assert.equal(kit.definition.tokenKey, `${name.toUpperCase().replace(/-/g, '_')}_WEBHOOK_TOKEN`);
      assert.equal(create(kit).name, name);
    });

    it('starts with none of its keys set (what it cannot do waits), and names a bad token key at start-up', () => {
      assert.ok(kit.definition.configure({})._tag === 'Right', 'configures from an empty environment');
      const loaded = loadConfig({ [kit.definition.tokenKey]: 'has a space' });
      assert.ok(!loaded.ok);
      assert.ok(
        loaded.errors.some((e) => e.startsWith(`${kit.definition.tokenKey}:`)),
        loaded.errors.join('\n'),
      );
    });

    it('turns authentic requests into events with a stable dedup key, its own source name and a well-ordered plan', () => {
      const source = create(kit);
      const keys = new Set<string>();
      for (const request of kit.valid()) {
        const events = eventsOf(source, request).filter((e) => e.kind === 'conversation');
        assert.ok(events.length > 0, 'carries a conversation event');
        const again = eventsOf(source, request).filter((e) => e.kind === 'conversation');
        for (const [i, event] of events.entries()) {
          if (event.kind !== 'conversation') continue;
          assert.ok(event.dedupKey.length > 0);
          assert.equal(
            again[i]?.kind === 'conversation' ? again[i].dedupKey : undefined,
            event.dedupKey,
            'the same request has the same key',
          );
          assert.ok(!keys.has(event.dedupKey), 'different events have different keys');
          keys.add(event.dedupKey);
          assert.equal(event.conversation.source, name);
          assert.ok(event.conversation.id.length > 0 && event.conversation.id.isWellFormed());
          const order = event.plan.map((k) => STEP_KINDS.indexOf(k));
          assert.deepEqual(
            order,
            [...order].sort((a, b) => a - b),
            'steps in the order they run',
          );
          assert.equal(new Set(event.plan).size, event.plan.length, 'no step twice');
        }
      }
    });

    if (kit.forged !== undefined) {
      const forged = kit.forged;
      it('refuses a wrong signature with a 401 value, before decoding', () => {
        const refused = create(kit).verify(forged());
        assert.ok(refused !== undefined, 'refused');
        assert.equal(statusOf(refused.code), 401);
      });
    }
    if (kit.unsigned !== undefined) {
      const unsigned = kit.unsigned;
      it('refuses a missing signature with a 400 value', () => {
        const refused = create(kit).verify(unsigned());
        assert.ok(refused !== undefined, 'refused');
        assert.equal(statusOf(refused.code), 400);
      });
    }

    it('answers malformed bodies with a 4xx value that says what is wrong, never a throw', () => {
      const source = create(kit);
      for (const request of kit.malformed()) {
        const refused = source.verify(request);
        const decoded = refused === undefined ? source.decode(request) : undefined;
        const rejection = refused ?? (decoded?._tag === 'Left' ? decoded.left : undefined);
        assert.ok(rejection !== undefined, `refused: ${request.rawBody.toString('utf8').slice(0, 80)}`);
        const status = statusOf(rejection.code);
        assert.ok(status >= 400 && status < 500, `${rejection.code} is a 4xx`);
        assert.ok((rejection.detail ?? errorCatalogue[rejection.code].message).length > 0);
      }
    });

    it('takes every recorded payload of the platform', () => {
      const source = create(kit);
      const fixtures = kit.fixtures();
      assert.ok(fixtures.length > 0);
      for (const { name: fixture, request } of fixtures) {
        assert.equal(source.verify(request), undefined, fixture);
        const decoded = source.decode(request);
        assert.ok(
          decoded._tag === 'Right',
          `${fixture}: ${decoded._tag === 'Left' ? `${decoded.left.code} ${decoded.left.detail ?? ''}` : ''}`,
        );
      }
    });

    it('answers its webhook with a 2xx once events are taken', () => {
      const source = create(kit);
      const answer = source.answer([{ kind: 'pending', url: 'http://127.0.0.1:9/r/x/y' }]);
      assert.ok(answer.status >= 200 && answer.status < 300);
    });
  });
};
