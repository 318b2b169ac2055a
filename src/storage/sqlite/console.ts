/**
 * The console's reads on SQLite (indexes: migration 4). Reads run beside the writer (WAL), so
 * they need no write queue.
 */
import type Database from 'better-sqlite3';
import { toJob } from '../rows';
import { PREFIX_END, SUMMARY_SELECT, toGroup, toNewest, toState, toSummary } from '../console-rows';
import { SEARCH_PREFIX_MIN, type ConsoleStore, type ConversationFilter, type ConversationPage } from '../console';

/**
 * What a search matches, with the index that serves it: id and name through SQLite's lower(), the
 * email through email_key, kept in JavaScript's lower case (migration steps 7 and 11), so it is matched against
 * @qk, the query lower-cased the same way.
 */
const SEARCHED = [
  ['lower(conversation_id)', 'lower(@q)', 'conversations_search_id'],
  ['email_key', '@qk', 'conversations_search_email'],
  ['lower(visitor_name)', 'lower(@q)', 'conversations_search_name'],
] as const;

/**
 * The page's (updated_at, key) pairs among conversations whose id, email or name is the query (or
 * starts with it): each part read from its covering index alone, filters and cursor included, so
 * a common name prefix (thousands of matches) is sorted without reading a row.
 */
const searchPage = (prefix: boolean, filters: string): string => {
  const match = (column: string, query: string) =>
    prefix ? `${column} >= ${query} AND ${column} < ${query} || @end` : `${column} = ${query}`;
  // INDEXED BY: with statistics (ANALYZE, PRAGMA optimize) SQLite may judge a prefix's range
  // large and walk the whole table in key order for the UNION instead: hundreds of ms.
  // Each part keeps only its own newest page (a top-N sort over its range of the index), and the
  // page is the newest of those: a prefix that matches tens of thousands never sorts them all.
  const part = ([column, query, index]: (typeof SEARCHED)[number]) =>
    `SELECT * FROM (SELECT updated_at, key FROM conversations INDEXED BY ${index} WHERE ${match(column, query)}${filters} ORDER BY updated_at DESC, key DESC LIMIT @limit)`;
  return `${SEARCHED.map(part).join(' UNION ')} ORDER BY updated_at DESC, key DESC LIMIT @limit`;
};

export const createSqliteConsole = (db: Database.Database): ConsoleStore => {
  const statements = new Map<string, Database.Statement>();
  /** One prepared statement per shape of filter (at most 2^4 of them). */
  const prepared = (sql: string) => {
    const known = statements.get(sql);
    if (known !== undefined) return known;
    const statement = db.prepare(sql);
    statements.set(sql, statement);
    return statement;
  };

  const q = {
    state: db.prepare('SELECT state FROM conversations WHERE key = ?'),
    failing: db.prepare(
      "SELECT * FROM jobs WHERE last_error IS NOT NULL AND state <> 'done' AND state IN ('pending', 'running') ORDER BY updated_at DESC, rowid DESC LIMIT ?",
    ),
    // Grouped by the error's code column (jobs_dead_codes), the newest error of each code its example.
    groups: db.prepare(`
      SELECT last_error_code AS code, COUNT(*) AS n, MAX(updated_at) AS newest,
        (SELECT j.last_error FROM jobs j WHERE j.state = 'dead' AND j.last_error_code = g.last_error_code ORDER BY j.updated_at DESC LIMIT 1) AS example
      FROM jobs g WHERE state = 'dead' AND last_error_code IS NOT NULL
      GROUP BY last_error_code ORDER BY newest DESC LIMIT ?`),
    withCode: db.prepare("SELECT * FROM jobs WHERE state = 'dead' AND last_error_code = ? ORDER BY updated_at DESC, rowid DESC LIMIT ?"),
    lastEvent: db.prepare('SELECT MAX(received_at) AS newest FROM events WHERE source = ?'),
    lastError: db.prepare(`
      SELECT j.* FROM jobs j JOIN conversations c ON c.key = j.conversation_key
      WHERE j.last_error IS NOT NULL AND j.state <> 'done' AND c.source = ? ORDER BY j.updated_at DESC LIMIT 1`),
  };

  const listConversations = async (filter: ConversationFilter): Promise<ConversationPage> => {
    const where: string[] = [];
    const params: Record<string, string | number> = { limit: filter.limit + 1 };
    if (filter.source !== undefined) {
      where.push('source = @source');
      params['source'] = filter.source;
    }
    if (filter.state !== undefined) {
      where.push('state = @state');
      params['state'] = filter.state;
    }
    if (filter.after !== undefined) {
      // A range on updated_at (the index's first column) and a tie-break on key: the page starts at the cursor, not at the top.
      where.push('updated_at <= @t AND (updated_at < @t OR key < @k)');
      params['t'] = filter.after.updatedAt;
      params['k'] = filter.after.key;
    }
    const columns = SUMMARY_SELECT;
    const text = filter.q?.trim() ?? '';
    let sql: string;
    if (text === '')
      sql = `SELECT ${columns} FROM conversations c ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`} ORDER BY c.updated_at DESC, c.key DESC LIMIT @limit`;
    else {
      const prefix = [...text].length >= SEARCH_PREFIX_MIN;
      params['q'] = text;
      params['qk'] = text.toLowerCase();
      if (prefix) params['end'] = PREFIX_END;
      // CROSS JOIN keeps the page's few keys as the outer loop.
      sql = `SELECT ${columns} FROM (${searchPage(prefix, where.map((w) => ` AND ${w}`).join(''))}) m CROSS JOIN conversations c ON c.key = m.key ORDER BY c.updated_at DESC, c.key DESC`;
    }
    const rows = prepared(sql).all(params).map(toSummary);
    const page = rows.slice(0, filter.limit);
    const last = page[page.length - 1];
    return {
      conversations: page,
      ...(rows.length > filter.limit && last !== undefined ? { next: { updatedAt: last.updatedAt.getTime(), key: last.key } } : {}),
    };
  };

  return {
    listConversations,
    async conversationState(key) {
      const row: unknown = q.state.get(key);
      return row === undefined ? undefined : toState(row);
    },
    async failingJobs(limit) {
      return q.failing.all(limit).map(toJob);
    },
    async deadErrorGroups(limit) {
      return q.groups.all(limit).map(toGroup);
    },
    async deadJobsWithCode(code, limit) {
      return q.withCode.all(code, limit).map(toJob);
    },
    async sourceActivity(source) {
      const newest = toNewest(q.lastEvent.get(source));
      const row: unknown = q.lastError.get(source);
      return { ...(newest === null ? {} : { lastEventAt: new Date(newest) }), ...(row === undefined ? {} : { lastStepError: toJob(row) }) };
    },
  };
};
