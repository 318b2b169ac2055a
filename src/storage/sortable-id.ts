import { randomFillSync } from 'node:crypto';

/** Random bytes drawn per CSPRNG call: one call per 256 ids instead of one per id. */
const POOL_BYTES = 10 * 256;
const pool = Buffer.alloc(POOL_BYTES);
let taken = POOL_BYTES;

/**
 * An id for a row that no URL shows (a job, a local CRM person): a UUID version 7
 * (https://www.rfc-editor.org/rfc/rfc9562#section-5.7), milliseconds first, then 74 random bits.
 * Ids made one after another sort together, so a key index grows at its end instead of touching
 * a random page for every row written. Ids in URLs stay fully random (record-id.ts).
 */
export const newSortableId = (now: number = Date.now()): string => {
  if (taken + 10 > POOL_BYTES) {
    randomFillSync(pool);
    taken = 0;
  }
  const bytes = Buffer.alloc(16);
  bytes.writeUIntBE(now, 0, 6);
  pool.copy(bytes, 6, taken, taken + 10);
  taken += 10;
  bytes[6] = 0x70 | ((bytes[6] ?? 0) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};
