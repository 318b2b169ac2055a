import { chain, left, map, right, type Either } from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import type { Action, ChatEvent } from '../../domain/event';
import { foreignPrototypeAt } from '../../domain/json';
import { reject, type Rejection } from '../../domain/source';
import { readOlarkBody } from './body';
import { OlarkPayload } from './codec';
import { toChatEvent } from './mappers';
import { describePayloadErrors } from './payload-errors';

/** A JSON value checked against the Olark payload codec; the error names the failing fields. */
export const decodeOlarkPayload = (value: unknown): Either<Rejection, OlarkPayload> => {
  const decoded = OlarkPayload.decode(value);
  if (decoded._tag === 'Left') return left(reject('INVALID_PAYLOAD', describePayloadErrors(decoded.left)));
  // The codec reads only the keys it names; should a change ever copy a `__proto__` key into a
  // prototype, the payload is refused here rather than stored with fields nobody validated.
  const foreign = foreignPrototypeAt(decoded.right);
  return foreign === undefined ? right(decoded.right) : left(reject('INVALID_PAYLOAD', `${foreign}: expected plain data`));
};

/**
 * The raw webhook body → the domain event, or what is wrong with it.
 * Authentication (the URL's token) is the edge's job and comes first.
 */
export const decodeOlarkEvent = (raw: Buffer, contentType: string | undefined, forced?: Action): Either<Rejection, ChatEvent> =>
  pipe(
    readOlarkBody(raw, contentType),
    chain(decodeOlarkPayload),
    map((payload) => toChatEvent(payload, forced)),
  );
