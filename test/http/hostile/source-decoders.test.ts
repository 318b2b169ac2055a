/**
 * Every registered platform's decoder, fed its recorded payloads with a `__proto__` key added
 * at each object level: the events are those of the same payload with the key renamed to an
 * innocent one, and no decoded object has a prototype from data. (Signatures keep such bodies
 * from most platforms' HTTP edge, so this runs at `decode`, where a signed body lands.)
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { foreignPrototypeAt } from '../../../src/domain/json';
import { silentLog } from '../../../src/domain/log';
import type { ChatSource } from '../../../src/domain/source';
import { sourceDefinitions } from '../../../src/sources';
import { defineKey } from './payloads';

type Json = Record<string, unknown>;
type Path = readonly (string | number)[];

const FIXTURES = resolve(__dirname, '../../fixtures');
// One clock for both decodes: some platforms date what they make up (a "chat started" line).
const AT = new Date('2026-01-01T00:00:00.000Z');

const isRecord = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The path of every object in `value`. */
const objectPaths = (value: unknown, at: Path = []): Path[] => {
  if (Array.isArray(value)) return value.flatMap((item: unknown, i) => objectPaths(item, [...at, i]));
  if (!isRecord(value)) return [];
  return [at, ...Object.entries(value).flatMap(([key, item]) => objectPaths(item, [...at, key]))];
};

const objectAt = (value: unknown, path: Path): Json => {
  let here: unknown = value;
  for (const key of path)
    here = Array.isArray(here) && typeof key === 'number' ? here[key] : isRecord(here) ? here[String(key)] : undefined;
  assert.ok(isRecord(here));
  return here;
};

/** The target's own keys, spoiled: strings forged (padded, so that a trimming codec rebuilds the object), everything else of the wrong type. */
const poisonFor = (target: Json): Json => {
  const poison: Json = { id: 'FORGED', name: 'FORGED', email: 'forged@example.org', type: 'FORGED' };
  for (const [key, value] of Object.entries(target)) poison[key] = typeof value === 'string' ? ' FORGED ' : 42;
  return poison;
};

/** The events without what depends on the bytes or the clock. */
const comparable = (decoded: unknown): string =>
  JSON.stringify(decoded, (key, value: unknown) => (key === 'dedupKey' || key === 'expiresAt' ? undefined : value)).replaceAll(
    'innocent_key',
    '__proto__',
  );

const sourceOf = (name: string): ChatSource | undefined => {
  const definition = sourceDefinitions.find((d) => d.name === name);
  const configured = definition?.configure({});
  return configured?._tag === 'Right'
    ? configured.right({ log: silentLog, publicUrl: 'http://127.0.0.1:9', callTimeoutMs: 1000, syncDeadlineMs: 1000, now: () => AT })
    : undefined;
};

/** Found by this suite and reported to the platform's owner (issue 9): pending here until fixed. */
const OPEN: ReadonlySet<string> = new Set<string>();

describe('hostile input: every platform decoder takes __proto__ keys as data', () => {
  for (const definition of sourceDefinitions) {
    const dir = join(FIXTURES, definition.name);
    const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
    for (const file of files)
      (OPEN.has(definition.name) ? it.skip : it)(`${definition.name}: ${file}, a __proto__ key at every object level`, () => {
        const source = sourceOf(definition.name);
        assert.ok(source !== undefined);
        const fixture: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'));
        const decode = (body: unknown) =>
          source.decode({
            method: 'POST',
            rawBody: Buffer.from(JSON.stringify(body)),
            rawQuery: '',
            header: (h) => (h === 'content-type' ? 'application/json' : undefined),
          });
        // Only payloads the platform takes as they are (some fixtures are API answers, not webhooks).
        if (decode(fixture)._tag === 'Left') return;
        for (const path of objectPaths(fixture))
          // The object as it is, then without each one of its fields: a field the data lacks is
          // what a prototype made of the key would lend.
          for (const removed of [undefined, ...Object.keys(objectAt(fixture, path))]) {
            const withKey = (key: string): unknown => {
              const copy: unknown = JSON.parse(JSON.stringify(fixture));
              const target = objectAt(copy, path);
              const poison = poisonFor(target);
              if (removed !== undefined) Reflect.deleteProperty(target, removed);
              defineKey(target, key, poison);
              return copy;
            };
            const label = `${path.join('.') || '(root)'}${removed === undefined ? '' : ` without ${removed}`}`;
            const hostile = decode(withKey('__proto__'));
            assert.equal(comparable(hostile), comparable(decode(withKey('innocent_key'))), label);
            if (hostile._tag === 'Right') assert.equal(foreignPrototypeAt(hostile.right), undefined, label);
          }
      });
  }
});
