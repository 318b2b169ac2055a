import { randomBytes } from 'node:crypto';

const ID_BYTES = 16;
/** Ids drawn per call into the CSPRNG: one call per 256 ids instead of one per id (randomUUID keeps a cache the same way). */
const POOL_IDS = 256;
let pool = Buffer.alloc(0);
let taken = 0;

/**
 * A local CRM id: the time in milliseconds as 12 hex digits, then 128 random bits in base64url
 * (34 characters). The random part is what makes a page URL unguessable (the page shows
 * personal data); the time first makes ids written one after another sort together, so the
 * record tables' keys grow at their end instead of dirtying a random page per new record
 * (about 20 µs of each transcript's SQLite work, bench/quick-ingest.ts).
 */
export const newRecordId = (now: number = Date.now()): string => {
  if (taken + ID_BYTES > pool.length) {
    pool = randomBytes(ID_BYTES * POOL_IDS);
    taken = 0;
  }
  const id = now.toString(16).padStart(12, '0') + pool.toString('base64url', taken, taken + ID_BYTES);
  taken += ID_BYTES;
  return id;
};
