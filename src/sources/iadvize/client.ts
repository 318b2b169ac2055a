import { summarizeErrors } from '../../domain/decode-errors';
import type { Conversation } from '../../domain/conversation';
import type { Log } from '../../domain/log';
import { fail, permanent, succeed, transient, type Outcome } from '../../domain/outcome';
import type { ConversationView, PlatformClient } from '../../domain/source';
import { CONVERSATION_QUERY, PAGE_SIZE, PING_QUERY } from './conversation.query';
import type { GraphQLClient } from './graphql';
import { toConversation } from './mappers';
import type { TokenSource } from './token';
import { ConversationData, type WireConversation, type WireMessage } from './wire.codec';

/** 10,000 messages: beyond that, iAdvize is taken to be paging in a circle. */
const MAX_PAGES = 100;
/** A conversation just closed may not be readable yet; iAdvize's own webhook retries wait 10 s and 20 s. */
const NOT_FOUND_RETRY_MS = 30_000;

const mismatch = (detail: string) =>
  permanent(
    'IADVIZE_SCHEMA_MISMATCH',
    `iAdvize's answer does not fit chat2crm's query (${detail}): confirm the schema (src/sources/iadvize/README.md).`,
  );

/** Reads conversations through iAdvize's GraphQL API; the token is shared by every call of this client. */
export class IAdvizeClient implements PlatformClient {
  constructor(
    private readonly graphql: GraphQLClient,
    private readonly tokens: TokenSource,
    private readonly log: Log,
  ) {}

  /** One query per page of 100 messages, `after` the previous page's `endCursor`, until `hasNextPage` is false. */
  async fetchConversation(view: ConversationView): Promise<Outcome<Conversation>> {
    const id = view.conversation.id;
    const messages: WireMessage[] = [];
    const seen = new Set<string>();
    let after: string | null = null;
    for (let page = 0; page < MAX_PAGES; page++) {
      const data = await this.graphql.request(CONVERSATION_QUERY, { id, first: PAGE_SIZE, after });
      if (!data.ok) return data;
      const decoded = ConversationData.decode(data.value);
      if (decoded._tag === 'Left') return fail(mismatch(summarizeErrors(decoded.left)));
      const wire: WireConversation | null = decoded.right.conversation;
      if (wire === null)
        return fail(
          transient('IADVIZE_CONVERSATION_NOT_FOUND', 'iAdvize does not (yet) return this conversation.', {
            retryAfterMs: NOT_FOUND_RETRY_MS,
          }),
        );
      for (const { node } of wire.messages.edges) {
        if (seen.has(node.id)) continue;
        seen.add(node.id);
        messages.push(node);
      }
      const { hasNextPage, endCursor } = wire.messages.pageInfo;
      if (!hasNextPage) {
        this.log.debug({ pages: page + 1, messages: messages.length }, 'iAdvize conversation read');
        return succeed(toConversation(wire, messages, view.conversation).conversation);
      }
      if (endCursor === null || endCursor === after) return fail(mismatch('hasNextPage without a new endCursor'));
      after = endCursor;
    }
    return fail(permanent('IADVIZE_TOO_LONG', `The conversation has more than ${MAX_PAGES * PAGE_SIZE} messages.`));
  }

  /** `npm run setup`: logs in once and runs a query that reads nothing. */
  async check(): Promise<readonly { readonly name: string; readonly ok: boolean; readonly detail: string }[]> {
    const token = await this.tokens.token();
    if (!token.ok) return [{ name: 'iAdvize login', ok: false, detail: token.failure.message }];
    const ping = await this.graphql.request(PING_QUERY, {});
    return [
      { name: 'iAdvize login', ok: true, detail: 'IADVIZE_USERNAME/IADVIZE_PASSWORD accepted.' },
      { name: 'iAdvize GraphQL', ok: ping.ok, detail: ping.ok ? `${this.graphql.endpoint} answers.` : ping.failure.message },
    ];
  }
}
