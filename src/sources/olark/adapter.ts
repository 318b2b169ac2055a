import { chain, left, map, right, type Either } from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import { foreignPrototypeAt } from '../../domain/json';
import { reject, type InboundEvent, type Rejection } from '../../domain/source';
import { readOlarkBody } from './body';
import { OlarkPayload } from './codec';
import { toInbound, type InboundContext } from './mappers';
import { summarizeErrors } from '../../domain/decode-errors';

/** A JSON value checked against the Olark payload codec; the error names the failing fields. */
export const decodeOlarkPayload = (value: unknown): Either<Rejection, OlarkPayload> => {
  const decoded = OlarkPayload.decode(value);
  if (decoded._tag === 'Left') return left(reject('INVALID_PAYLOAD', summarizeErrors(decoded.left)));
  // The codec reads only the keys it names; should a change ever copy a `__proto__` key into a
  // prototype, the payload is refused here rather than stored with fields nobody validated.
  const foreign = foreignPrototypeAt(decoded.right);
  return foreign === undefined ? right(decoded.right) : left(reject('INVALID_PAYLOAD', `${foreign}: expected plain data`));
};

/**
 * The raw webhook body → the event the pipeline takes in, or what is wrong with it.
 * Authentication (the URL's token) is the edge's job and comes first.
 */
export const decodeOlarkEvent = (raw: Buffer, contentType: string | undefined, context: InboundContext): Either<Rejection, InboundEvent> =>
  pipe(
    readOlarkBody(raw, contentType),
    chain(decodeOlarkPayload),
    map((payload) => toInbound(payload, context)),
  );
