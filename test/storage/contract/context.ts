/** What every part of the Store contract shares: the store under test and a few helpers. */
import assert from 'node:assert/strict';
import { conversationKey, type Job, type Store } from '../../../src/storage/store';
import type { Scan } from '../scan';

export const LEASE = 60_000;
export const keyOf = (id: string) => conversationKey({ source: 'olark', id });

export const defined = <A>(value: A | undefined, what: string): A => {
  assert.notEqual(value, undefined, `${what} is missing`);
  if (value === undefined) throw new Error('unreachable');
  return value;
};

export interface Contract {
  /** The store opened for the current test, on an empty database. */
  readonly store: () => Store;
  /** A conversation taken in with its pending job claimed by `owner`. */
  readonly running: (id: string, owner?: string, now?: Date, leaseMs?: number) => Promise<Job>;
  /** Every text column of the database, searched behind the store's back (privacy). */
  readonly scan: Scan;
  /** A job that must exist. */
  readonly job: (id: string) => Promise<Job>;
}
