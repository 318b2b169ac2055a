/**
 * Kept for the files outside src/domain that still import `Action` from here (storage, config);
 * it lives in record.ts now. Import it from './record' in new code; this file goes once they do.
 */
export type { Action } from './record';
