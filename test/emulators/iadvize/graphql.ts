/**
 * `/graphql` of the emulator: graphql-js executes the query against test/fixtures/iadvize/schema.graphql,
 * so a query that does not fit the schema fails with graphql-js's own validation errors, as it
 * would at iAdvize (assumed to be a standard GraphQL server).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, graphql, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { SeedConversation, SeedMessage } from './seed';

const SCHEMA_PATH = join(__dirname, '..', '..', 'fixtures', 'iadvize', 'schema.graphql');

/** The schema chat2crm codes against; tests may serve another (iAdvize's differing from our assumptions). */
export const SCHEMA_SDL = readFileSync(SCHEMA_PATH, 'utf8');

const schemas = new Map<string, GraphQLSchema>();
const schemaOf = (sdl: string): GraphQLSchema => {
  const known = schemas.get(sdl);
  if (known !== undefined) return known;
  const built = buildSchema(sdl);
  schemas.set(sdl, built);
  return built;
};

const cursorOf = (index: number): string => Buffer.from(`message:${index}`).toString('base64');
const indexOf = (cursor: string | null | undefined): number => {
  if (cursor === null || cursor === undefined) return -1;
  const m = /^message:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
  if (m === null) throw new Error('Invalid cursor');
  return Number(m[1]);
};

interface PageArgs {
  readonly first?: number | null;
  readonly after?: string | null;
  readonly last?: number | null;
  readonly before?: string | null;
}

/** A Relay connection over the messages; at most `maxPage` per page whatever `first` asks (to force paging). */
const connection = (messages: readonly SeedMessage[], args: PageArgs, maxPage: number) => {
  const start = indexOf(args.after) + 1;
  const end = args.before === undefined || args.before === null ? messages.length : indexOf(args.before);
  let from = start;
  let to = end;
  if (args.first !== undefined && args.first !== null) to = Math.min(to, from + Math.min(args.first, maxPage));
  else if (args.last !== undefined && args.last !== null) from = Math.max(from, to - Math.min(args.last, maxPage));
  else to = Math.min(to, from + maxPage);
  const edges = messages.slice(from, to).map((node, i) => ({ cursor: cursorOf(from + i), node }));
  return {
    pageInfo: {
      hasNextPage: to < end,
      hasPreviousPage: from > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
    edges,
  };
};

export interface GraphQLRequestBody {
  readonly query: string;
  readonly variables?: Readonly<Record<string, unknown>> | null;
  readonly operationName?: string | null;
}

export const executeQuery = (
  body: GraphQLRequestBody,
  conversations: ReadonlyMap<string, SeedConversation>,
  maxPage: number,
  sdl: string = SCHEMA_SDL,
): Promise<ExecutionResult> => {
  const rootValue = {
    conversation: ({ id }: { id: string }) => {
      const c = conversations.get(id);
      return c === undefined ? null : { ...c, messages: (args: PageArgs) => connection(c.messages, args, maxPage) };
    },
  };
  return graphql({
    schema: schemaOf(sdl),
    source: body.query,
    rootValue,
    variableValues: body.variables ?? undefined,
    operationName: body.operationName ?? undefined,
  });
};
