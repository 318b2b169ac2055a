import { RATE_LIMITED, fail, permanent, succeed, transient, type CrmFailure, type Outcome } from '../../domain/outcome';
import type { IAdvizePlatform } from './config';
import { retryAfterMs } from '../../domain/retry-after';
import { call, parseJson } from './http';
import type { TokenSource } from './token';
import { GraphQLAnswer, type GraphQLErrorEntry } from './wire.codec';

/**
 * `POST {API}/graphql` with the cached bearer token
 * (https://github.com/iadvize/documentation/blob/master/docs/graphql-api.md). A 401 costs one
 * re-login and one retry. GraphQL `errors` are failures even in a 200: the query not fitting
 * iAdvize's schema is permanent (a person must change the query), anything else (iAdvize's internal
 * errors) transient. Error bodies are not documented
 * (https://github.com/iadvize/documentation/blob/master/docs/graphql-api.md): the standard shape
 * and graphql-js's validation messages are assumed.
 */

export interface GraphQLClientOptions {
  readonly apiUrl: string;
  readonly platform: IAdvizePlatform;
  readonly tokens: TokenSource;
  readonly timeoutMs: number;
  readonly now?: () => number;
}

type Attempt = Outcome<unknown> | { readonly ok: false; readonly unauthorized: true };

const SCHEMA_CODES = new Set(['GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_PARSE_FAILED']);
const SCHEMA_MESSAGE =
  /Cannot query field|Unknown argument|Unknown type|Unknown directive|must have a selection of subfields|must not have a selection|Syntax Error|is never used|is not defined|of type "[^"]+" used in position expecting/;

/** The schema element a validation message is about (`Conversation.messages`, `Visitor.emailAddress`), never values. */
export const fieldOf = (message: string): string => {
  const patterns: readonly [RegExp, (m: RegExpExecArray) => string][] = [
    [/Cannot query field "(\w+)" on type "(\w+)"/, (m) => `${m[2] ?? ''}.${m[1] ?? ''}`],
    [/Unknown argument "(\w+)" on field "([\w.]+)"/, (m) => `${m[2] ?? ''}(${m[1] ?? ''})`],
    [/Field "([\w.]+)" of type "[^"]+" must (?:have|not have) a selection/, (m) => m[1] ?? ''],
    [/Unknown type "(\w+)"/, (m) => m[1] ?? ''],
    [/Variable "\$(\w+)"/, (m) => `$${m[1] ?? ''}`],
  ];
  for (const [pattern, name] of patterns) {
    const match = pattern.exec(message);
    if (match !== null) return name(match);
  }
  return 'the query';
};

const codeOf = (e: GraphQLErrorEntry): string | undefined => {
  const code = e.extensions?.['code'];
  return typeof code === 'string' ? code : undefined;
};

const isUnauthenticated = (errors: readonly GraphQLErrorEntry[]): boolean =>
  errors.some((e) => codeOf(e) === 'UNAUTHENTICATED' || /invalid_token|access token not valid/i.test(e.message));

/** The first error decides: a schema mismatch names the field; the message itself is not repeated (it may quote values). */
export const classifyErrors = (errors: readonly GraphQLErrorEntry[], status: number): CrmFailure => {
  const schema = errors.find((e) => SCHEMA_CODES.has(codeOf(e) ?? '') || SCHEMA_MESSAGE.test(e.message));
  if (schema !== undefined)
    return permanent(
      'IADVIZE_SCHEMA_MISMATCH',
      `iAdvize's GraphQL schema does not accept chat2crm's query at ${fieldOf(schema.message)}: confirm the schema (src/sources/iadvize/README.md) and update conversation.query.ts.`,
      { status },
    );
  const invalid = errors.find((e) => codeOf(e) === 'BAD_USER_INPUT' || /got invalid value/.test(e.message));
  if (invalid !== undefined)
    return permanent('IADVIZE_INVALID_INPUT', `iAdvize refused the value of ${fieldOf(invalid.message)}.`, { status });
  const forbidden = errors.find((e) => codeOf(e) === 'FORBIDDEN');
  if (forbidden !== undefined)
    return permanent(
      'IADVIZE_FORBIDDEN',
      'The iAdvize user (IADVIZE_USERNAME) may not read this conversation: give it access to the project.',
      { status },
    );
  const first = errors[0];
  const code = first === undefined ? undefined : codeOf(first);
  return transient(
    'IADVIZE_GRAPHQL_ERROR',
    `iAdvize's GraphQL API answered an error${code === undefined ? '' : ` (${code.slice(0, 60)})`}.`,
    { status },
  );
};

export class GraphQLClient {
  private readonly now: () => number;
  constructor(private readonly options: GraphQLClientOptions) {
    this.now = options.now ?? Date.now;
  }

  get endpoint(): string {
    return `${this.options.apiUrl}/graphql${this.options.platform === 'sd' ? '?platform=sd' : ''}`;
  }

  /** The `data` of a successful answer, or the failure. */
  async request(query: string, variables: Readonly<Record<string, unknown>>): Promise<Outcome<unknown>> {
    const { tokens } = this.options;
    for (let attempt = 0; ; attempt++) {
      const token = await tokens.token();
      if (!token.ok) return token;
      const result = await this.post(token.value, query, variables);
      if (result.ok || !('unauthorized' in result)) return result;
      tokens.invalidate(token.value);
      if (attempt > 0)
        return fail(
          permanent(
            'IADVIZE_UNAUTHORIZED',
            'iAdvize refused a freshly issued token: check that IADVIZE_USERNAME may use the GraphQL API.',
            { status: 401 },
          ),
        );
    }
  }

  private async post(token: string, query: string, variables: Readonly<Record<string, unknown>>): Promise<Attempt> {
    const answer = await call(
      this.endpoint,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ query, variables }),
      },
      this.options.timeoutMs,
    );
    if (!answer.ok) return answer;
    const { status } = answer;
    if (status === 401) return { ok: false, unauthorized: true };
    const parsed = parseJson(answer.text);
    const envelope = parsed.ok ? GraphQLAnswer.decode(parsed.value) : undefined;
    const body = envelope !== undefined && envelope._tag === 'Right' ? envelope.right : undefined;
    const errors = body?.errors ?? [];
    if ((status === 200 || status === 400) && errors.length > 0) {
      if (isUnauthenticated(errors)) return { ok: false, unauthorized: true };
      return fail(classifyErrors(errors, status));
    }
    if (status === 200) {
      if (body === undefined) return fail(transient('IADVIZE_BAD_ANSWER', 'iAdvize answered 200 without a GraphQL body.', { status }));
      return succeed(body.data);
    }
    const wait = retryAfterMs(answer.headers['retry-after'], this.now());
    const extra = wait === undefined ? { status } : { status, retryAfterMs: wait };
    if (status === 429) return fail(transient(RATE_LIMITED, 'iAdvize rate-limited the GraphQL API.', extra));
    if (status === 403)
      return fail(
        permanent('IADVIZE_FORBIDDEN', 'iAdvize refused the GraphQL call (403): check the rights of IADVIZE_USERNAME.', { status }),
      );
    if (status === 404)
      return fail(permanent('IADVIZE_API_URL', `${this.endpoint} answered 404: check IADVIZE_API_URL and IADVIZE_PLATFORM.`, { status }));
    if (status === 408 || status >= 500)
      return fail(transient('IADVIZE_UNAVAILABLE', `iAdvize's GraphQL API answered HTTP ${status}.`, extra));
    return fail(permanent('IADVIZE_BAD_REQUEST', `iAdvize's GraphQL API answered HTTP ${status}.`, { status }));
  }
}
