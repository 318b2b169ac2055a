/**
 * The pieces every row codec is built from (rows.ts says why rows are decoded at all). Times are
 * epoch milliseconds.
 */
import * as t from 'io-ts';
import { isLeft } from 'fp-ts/Either';
import { describeErrors } from '../domain/codecs';

/** SQLite gives numbers; node-postgres gives BIGINT and COUNT as strings. */
export const Num = new t.Type<number, number, unknown>(
  'Num',
  (u): u is number => typeof u === 'number',
  (u, c) => {
    const n = typeof u === 'string' ? Number(u) : u;
    return typeof n === 'number' && Number.isFinite(n) ? t.success(n) : t.failure(u, c);
  },
  (n) => n,
);

export const Nullable = <C extends t.Mixed>(codec: C) => t.union([codec, t.null]);

export const ActionCodec = t.keyof({ lead: null, case: null });

/** A row we cannot read is a bug or a corrupted database: thrown, naming paths and types, never values. */
export const decodeRow = <A>(codec: t.Decoder<unknown, A>, what: string, row: unknown): A => {
  const result = codec.decode(row);
  if (isLeft(result)) throw new Error(`unreadable ${what} row: ${describeErrors(result.left).join('; ')}`);
  return result.right;
};
