/**
 * `Action` lives in record.ts. This re-export is kept for the files that still import it from
 * here (storage, config, settle.ts, delivery.ts, the connectors), which other work changes now;
 * new code imports './record', and this file goes once they do.
 */
export type { Action } from './record';
