/**
 * The console's reads on SQLite (indexes: migration 4). Reads run beside the writer (WAL), so
 * they need no write queue.
 */
import type Database from 'better-sqlite3';
import { toJob } from '../rows';
import { PREFIX_END, SUMMARY_COLUMNS, toGroup, toNewest, toState, toSummary } from '../console-rows';
import { SEARCH_PREFIX_MIN, type ConsoleStore, type ConversationFilter, type ConversationPage } from '../console';

const CODE = "trim(CASE WHEN instr(last_error, ':') > 0 THEN substr(last_error, 1, instr(last_error, ':') - 1) ELSE last_error END)";

/** The conversations whose id, email or name is the query (or starts with it, when long enough). */
const searchKeys = (prefix: boolean): string => {
  const match = (column: string) =>
    prefix ? `lower(${column}) >= lower(@q) AND lower(${column}) < lower(@q) || @end` : `lower(${column}) = lower(@q)`;
  return ['conversation_id', 'visitor_email', 'visitor_name'].map((column) => `SELECT key FROM conversations WHERE ${match(column)}`).join(' UNION ');
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
    groups: db.prepare(`
      SELECT code, COUNT(*) AS n, MAX(updated_at) AS newest,
        (SELECT last_error FROM jobs j WHERE j.state = 'dead' AND ${CODE.replaceAll('last_error', 'j.last_error')} = g.code ORDER BY j.updated_at DESC LIMIT 1) AS example
      FROM (SELECT ${CODE} AS code, updated_at FROM jobs WHERE state = 'dead' AND last_error IS NOT NULL) g
      GROUP BY code ORDER BY newest DESC LIMIT ?`),
    withCode: db.prepare(`SELECT * FROM jobs WHERE state = 'dead' AND last_error IS NOT NULL AND ${CODE} = ? ORDER BY updated_at DESC, rowid DESC LIMIT ?`),
    lastEvent: db.prepare('SELECT MAX(received_at) AS newest FROM events WHERE source = ?'),
    lastError: db.prepare(`
      SELECT j.* FROM jobs j JOIN conversations c ON c.key = j.conversation_key
      WHERE j.last_error IS NOT NULL AND j.state <> 'done' AND c.source = ? ORDER BY j.updated_at DESC LIMIT 1`),
  };

  const listConversations = async (filter: ConversationFilter): Promise<ConversationPage> => {
    const where: string[] = [];
    const params: Record<string, string | number> = { limit: filter.limit + 1 };
    if (filter.source !== undefined) {
      where.push('c.source = @source');
      params['source'] = filter.source;
    }
    if (filter.state !== undefined) {
      where.push('c.state = @state');
      params['state'] = filter.state;
    }
    if (filter.after !== undefined) {
      // A range on updated_at (the index's first column) and a tie-break on key: the page starts at the cursor, not at the top.
      where.push('c.updated_at <= @t AND (c.updated_at < @t OR c.key < @k)');
      params['t'] = filter.after.updatedAt;
      params['k'] = filter.after.key;
    }
    const text = filter.q?.trim() ?? '';
    let from = 'conversations c';
    if (text !== '') {
      const prefix = [...text].length >= SEARCH_PREFIX_MIN;
      params['q'] = text;
      if (prefix) params['end'] = PREFIX_END;
      // CROSS JOIN keeps the matches as the outer loop: SQLite would otherwise walk the whole
      // newest-first index and test each row against them.
      from = `(${searchKeys(prefix)}) m CROSS JOIN conversations c ON c.key = m.key`;
    }
    const sql = `SELECT ${SUMMARY_COLUMNS.split(', ').map((c) => `c.${c}`).join(', ')} FROM ${from}
      ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`} ORDER BY c.updated_at DESC, c.key DESC LIMIT @limit`;
    const rows = prepared(sql).all(params).map(toSummary);
    const page = rows.slice(0, filter.limit);
    const last = page[page.length - 1];
    return { conversations: page, ...(rows.length > filter.limit && last !== undefined ? { next: { updatedAt: last.updatedAt.getTime(), key: last.key } } : {}) };
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
