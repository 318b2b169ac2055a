import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { chain, map, type Either } from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import type { Conversation } from '../../../src/domain/conversation';
import type { Rejection } from '../../../src/domain/source';
import { decodeOlarkPayload } from '../../../src/sources/olark/adapter';
import { readOlarkBody } from '../../../src/sources/olark/body';
import { eventKindOf, toConversation, type OlarkEventKind } from '../../../src/sources/olark/mappers';

/** The real Olark payloads, kept in the repo (`test/fixtures/olark`). */
export const FIXTURE_DIR = path.resolve(__dirname, '../../fixtures/olark');

export const fixtureNames = (): string[] => {
  if (!existsSync(FIXTURE_DIR)) throw new Error(`Olark fixtures not found at ${FIXTURE_DIR}: the fixtures are part of the repo.`);
  const names = readdirSync(FIXTURE_DIR)
    .filter((name) => name.endsWith('.json'))
    .sort();
  if (names.length === 0) throw new Error(`No Olark fixtures in ${FIXTURE_DIR}.`);
  return names;
};

export const fixtureBytes = (name: string): Buffer => readFileSync(path.join(FIXTURE_DIR, name));

export const fixtureJson = (name: string): Record<string, unknown> => {
  const value: unknown = JSON.parse(fixtureBytes(name).toString('utf8'));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${name} is not a JSON object`);
  return { ...value };
};

/** The body exactly as Olark posts it: `data=` + the URL-encoded JSON, spaces as `+`. */
export const formBody = (json: string): Buffer => Buffer.from(`data=${encodeURIComponent(json).replace(/%20/g, '+')}`);

/**
 * A body read the way the Olark source reads it, stopped before the pipeline's event: Olark's kind
 * of event and the conversation its payload maps to (a "Send test" payload has one too, which the
 * event the pipeline takes leaves out). What the source hands the pipeline: `decodeOlarkEvent`.
 */
export const readOlark = (raw: Buffer, contentType: string | undefined): Either<Rejection, OlarkRead> =>
  pipe(
    readOlarkBody(raw, contentType),
    chain(decodeOlarkPayload),
    map((payload) => ({ kind: eventKindOf(payload), conversation: toConversation(payload) })),
  );

export interface OlarkRead {
  readonly kind: OlarkEventKind;
  readonly conversation: Conversation;
}
