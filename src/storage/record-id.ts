import { randomBytes } from 'node:crypto';

const ID_BYTES = 16;
/** Ids drawn per call into the CSPRNG: one call per 256 ids instead of one per id (randomUUID keeps a cache the same way). */
const POOL_IDS = 256;
let pool = Buffer.alloc(0);
let taken = 0;

/** A local CRM id: 128 random bits, base64url (ids are in page URLs, which show personal data). */
export const newRecordId = (): string => {
  if (taken + ID_BYTES > pool.length) {
    pool = randomBytes(ID_BYTES * POOL_IDS);
    taken = 0;
  }
  const id = pool.toString('base64url', taken, taken + ID_BYTES);
  taken += ID_BYTES;
  return id;
};
