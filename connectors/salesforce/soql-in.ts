/**
 * SOQL `IN (…)` look-ups for a batch: one query per field instead of one per conversation, split
 * so no statement grows past a budget well below SOQL's 100,000-character limit and the length a
 * REST query URL may have
 * (https://developer.salesforce.com/docs/atlas.en-us.salesforce_app_limits_cheatsheet.meta/salesforce_app_limits_cheatsheet/salesforce_app_limits_platform_soslsoql.htm).
 */
import * as t from 'io-ts';
import type { Subrequest, SubResult } from './client';
import { QueryResult, soqlString } from './mappers';

/**
 * Inside a composite request a query travels in the JSON body, and only SOQL's own limit applies
 * (Salesforce suggests exactly that against long URIs); this budget of quoted values stays well
 * below its 100,000 characters, which the server's own additions eat into. 200 conversation ids,
 * emails or Task subjects fit in one query.
 */
export const SOQL_BUDGET = 40_000;
/**
 * Sent as a plain GET (no `/composite`), the query is in the URI: "the maximum length for the
 * combined URI and headers is 16,384 bytes" (https://help.salesforce.com/s/articleView?id=000386264),
 * so the encoded values get 12,000 of them.
 */
export const URI_BUDGET = 12_000;

type Row = Readonly<Record<string, unknown>>;

/**
 * `${head} ${field} IN (…)` over the distinct values, as GET /query subrequests with reference ids
 * `${prefix}_0`, `${prefix}_1`, … (composite reference ids: letters, digits and underscores).
 * `head` ends where the IN condition goes, e.g. `SELECT Id FROM User WHERE IsActive = true AND`;
 * `inUri`: the queries will be sent as plain GETs (see URI_BUDGET).
 */
export const inQueries = (prefix: string, head: string, field: string, values: readonly string[], inUri = false): Subrequest[] => {
  const budget = inUri ? URI_BUDGET : SOQL_BUDGET;
  const cost = (quoted: string) => (inUri ? encodeURIComponent(`${quoted}, `).length : quoted.length + 2);
  const chunks: string[][] = [];
  let size = Infinity;
  for (const value of [...new Set(values)]) {
    const quoted = soqlString(value);
    if (size + cost(quoted) > budget) {
      chunks.push([]);
      size = 0;
    }
    chunks[chunks.length - 1]?.push(quoted);
    size += cost(quoted);
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
