/** The console's reads on PostgreSQL (indexes: migration steps 4 and 11). */
import { toJob } from '../rows';
import { SUMMARY_SELECT, likeLiteral, toGroup, toNewest, toState, toSummary } from '../console-rows';
import { SEARCH_PREFIX_MIN, type ConsoleStore, type ConversationFilter, type ConversationPage } from '../console';
import { firstRow, rowsOf, type Queryable } from './db';

export const createPostgresConsole = (db: Queryable): ConsoleStore => {
  const listConversations = async (filter: ConversationFilter): Promise<ConversationPage> => {
    const values: unknown[] = [];
    const param = (value: unknown) => {
      values.push(value);
      return `$${values.length}`;
    };
    const where: string[] = [];
    if (filter.source !== undefined) where.push(`source = ${param(filter.source)}`);
    if (filter.state !== undefined) where.push(`state = ${param(filter.state)}`);
    // Row comparison: one index range on (updated_at, key) that starts at the cursor.
    if (filter.after !== undefined)
      where.push(`(updated_at, key) < (${param(filter.after.updatedAt)}::bigint, ${param(filter.after.key)}::text)`);
    const columns = SUMMARY_SELECT;
    const text = filter.q?.trim() ?? '';
    let sql: string;
    if (text === '')
      sql = `SELECT ${columns} FROM conversations c ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`} ORDER BY c.updated_at DESC, c.key DESC LIMIT ${param(filter.limit + 1)}`;
    else {
      const prefix = [...text].length >= SEARCH_PREFIX_MIN;
      // LIKE with a literal prefix uses the text_pattern_ops indexes whatever the collation; each
      // part is read from its covering index, so a common name prefix is sorted without reading rows.
      const pattern = param(prefix ? `${likeLiteral(text.toLowerCase())}%` : likeLiteral(text.toLowerCase()));
      const filters = where.map((w) => ` AND ${w}`).join('');
      const limit = param(filter.limit + 1);
      // Each part keeps only its own newest page (a top-N sort), and the page is the newest of
      // those: a prefix that matches tens of thousands never sorts or de-duplicates them all. The
      // email is matched through email_key, kept in JavaScript's lower case as the query is here.
      const part = (column: string) =>
        `(SELECT updated_at, key FROM conversations WHERE ${column} LIKE ${column === 'email_key' ? pattern : `lower(${pattern})`}${filters} ORDER BY updated_at DESC, key DESC LIMIT ${limit})`;
      const page = `${['lower(conversation_id)', 'email_key', 'lower(visitor_name)'].map(part).join(' UNION ')} ORDER BY updated_at DESC, key DESC LIMIT ${limit}`;
      sql = `SELECT ${columns} FROM (${page}) m JOIN conversations c ON c.key = m.key ORDER BY c.updated_at DESC, c.key DESC`;
    }
    const rows = (await rowsOf(db, sql, values)).map(toSummary);
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
      const row = await firstRow(db, 'SELECT state FROM conversations WHERE key = $1', [key]);
      return row === undefined ? undefined : toState(row);
    },
    async failingJobs(limit) {
      const rows = await rowsOf(
        db,
        "SELECT * FROM jobs WHERE last_error IS NOT NULL AND state <> 'done' AND state IN ('pending', 'running') ORDER BY updated_at DESC, seq DESC LIMIT $1",
        [limit],
      );
      return rows.map(toJob);
    },
    async deadErrorGroups(limit) {
      const rows = await rowsOf(
        db,
        `SELECT last_error_code AS code, COUNT(*) AS n, MAX(updated_at) AS newest, (array_agg(last_error ORDER BY updated_at DESC))[1] AS example
         FROM jobs WHERE state = 'dead' AND last_error_code IS NOT NULL
         GROUP BY last_error_code ORDER BY newest DESC LIMIT $1`,
        [limit],
      );
      return rows.map(toGroup);
    },
    async deadJobsWithCode(code, limit) {
      const rows = await rowsOf(
        db,
        "SELECT * FROM jobs WHERE state = 'dead' AND last_error_code = $1 ORDER BY updated_at DESC, seq DESC LIMIT $2",
        [code, limit],
      );
      return rows.map(toJob);
    },
    async sourceActivity(source) {
      const newest = toNewest(await firstRow(db, 'SELECT MAX(received_at) AS newest FROM events WHERE source = $1', [source]));
      const row = await firstRow(
        db,
        `SELECT j.* FROM jobs j JOIN conversations c ON c.key = j.conversation_key
         WHERE j.last_error IS NOT NULL AND j.state <> 'done' AND c.source = $1 ORDER BY j.updated_at DESC LIMIT 1`,
        [source],
      );
      return { ...(newest === null ? {} : { lastEventAt: new Date(newest) }), ...(row === undefined ? {} : { lastStepError: toJob(row) }) };
    },
  };
};
