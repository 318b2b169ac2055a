/**
 * SOQL `IN (…)` look-ups for a batch: one query per field instead of one per conversation, split
 * so no statement grows past a budget well below SOQL's 100,000-character limit and the length a
 * REST query URL may have
 * (https://developer.salesforce.com/docs/atlas.en-us.salesforce_app_limits_cheatsheet.meta/salesforce_app_limits_cheatsheet/salesforce_app_limits_platform_soslsoql.htm).
 */
import * as t from 'io-ts';
import type { Subrequest, SubResult } from './client';
import { QueryResult, soqlString } from './mappers';

/** Characters of quoted values per statement; 200 conversation ids or Task subjects fit in one or two. */
export const IN_BUDGET = 8_000;

type Row = Readonly<Record<string, unknown>>;

/**
 * `${head} ${field} IN (…)` over the distinct values, as GET /query subrequests with reference ids
 * `${prefix}_0`, `${prefix}_1`, … (composite reference ids: letters, digits and underscores).
 * `head` ends where the IN condition goes, e.g. `SELECT Id FROM User WHERE IsActive = true AND`.
 */
export const inQueries = (prefix: string, head: string, field: string, values: readonly string[]): Subrequest[] => {
  const chunks: string[][] = [];
  let size = Infinity;
  for (const value of [...new Set(values)]) {
    const quoted = soqlString(value);
    if (size + quoted.length + 2 > IN_BUDGET) {
      chunks.push([]);
      size = 0;
    }
    chunks[chunks.length - 1]?.push(quoted);
    size += quoted.length + 2;
  }
  return chunks.map((quoted, i) => ({
    method: 'GET',
    referenceId: `${prefix}_${i}`,
    url: `/query?q=${encodeURIComponent(`${head} ${field} IN (${quoted.join(', ')})`)}`,
  }));
};

const ofPrefix = (prefix: string, referenceId: string) => new RegExp(`^${prefix}_\\d+$`).test(referenceId);

/** The answers to `inQueries(prefix, …)`: undefined when one of them is missing or failed. */
export const rowsOf = (results: readonly SubResult[], prefix: string, expected: number): readonly Row[] | undefined => {
  const hits = results.filter((r) => ofPrefix(prefix, r.referenceId));
  if (hits.length !== expected || hits.some((r) => r.status >= 400)) return undefined;
  const rows: Row[] = [];
  for (const hit of hits) {
    const decoded = QueryResult.decode(hit.body);
    if (decoded._tag === 'Left') return undefined;
    rows.push(...decoded.right.records);
  }
  return rows;
};

/** Rows by a text field (first row per key wins, as the single path's `LIMIT 1` takes one). */
export const byField = (rows: readonly Row[], field: string, key: (value: string) => string = (v) => v): Map<string, Row> => {
  const map = new Map<string, Row>();
  for (const row of rows) {
    const value = row[field];
    if (t.string.is(value) && value !== '' && !map.has(key(value))) map.set(key(value), row);
  }
  return map;
};
