/**
 * iAdvize's answers, decoded before use: the token endpoint
 * (https://github.com/iadvize/documentation/blob/master/docs/graphql-api.md, "Authentication")
 * and the selection of `CONVERSATION_QUERY`. A field missing from an answer means the schema is
 * not the one we coded against, and is reported as such. Every object codec reads only the keys
 * it names (`knownKeys`), so a `"__proto__"` key in an answer stays data (src/domain/json.ts).
 */
import * as t from 'io-ts';
import { knownKeys } from '../../domain/codecs';

const nullable = <C extends t.Mixed>(codec: C) => t.union([codec, t.null]);

/** A `DateTime` iAdvize sends as ISO-8601; kept as the string, refused when unreadable. */
const DateTimeString = new t.Type<string, string, unknown>(
  'DateTime',
  (u): u is string => typeof u === 'string',
  (u, c) => (typeof u === 'string' && !Number.isNaN(Date.parse(u)) ? t.success(u) : t.failure(u, c, 'expected an ISO-8601 date')),
  String,
);

/** `{"refresh_token":"…","token_type":"bearer","expires_in":86400,"access_token":"…"}` */
export const TokenAnswer = knownKeys(
  t.intersection([t.type({ access_token: t.string }), t.partial({ token_type: t.string, expires_in: t.number, refresh_token: t.string })]),
);

/**
 * RFC 6749 §5.2 error body (iAdvize's own is not documented:
 * https://github.com/iadvize/documentation/blob/master/docs/graphql-api.md).
 */
export const OAuthError = knownKeys(t.partial({ error: t.string, error_description: t.string }));

export const WireMessage = knownKeys(
  t.type({
    id: t.string,
    createdAt: DateTimeString,
    text: nullable(t.string),
    author: knownKeys(t.type({ type: t.string, name: nullable(t.string) })),
    attachments: t.readonlyArray(knownKeys(t.type({ name: nullable(t.string), url: t.string, mimeType: nullable(t.string) }))),
  }),
);
export type WireMessage = t.TypeOf<typeof WireMessage>;

export const WireVisitor = knownKeys(
  t.type({
    visitorId: t.string,
    externalUserId: nullable(t.string),
    firstName: nullable(t.string),
    lastName: nullable(t.string),
    email: nullable(t.string),
    phoneNumber: nullable(t.string),
    city: nullable(t.string),
    country: nullable(t.string),
  }),
);
export type WireVisitor = t.TypeOf<typeof WireVisitor>;

export const WireClosingFormValue = knownKeys(t.type({ fieldId: t.string, label: nullable(t.string), value: nullable(t.string) }));
export type WireClosingFormValue = t.TypeOf<typeof WireClosingFormValue>;

export const WireConversation = knownKeys(
  t.type({
    id: t.string,
    createdAt: DateTimeString,
    closedAt: nullable(DateTimeString),
    channel: t.string,
    visitor: nullable(WireVisitor),
    tags: t.readonlyArray(knownKeys(t.type({ id: t.string, name: t.string }))),
    closingFormValues: nullable(t.readonlyArray(WireClosingFormValue)),
    messages: knownKeys(
      t.type({
        pageInfo: knownKeys(t.type({ hasNextPage: t.boolean, endCursor: nullable(t.string) })),
        edges: t.readonlyArray(knownKeys(t.type({ node: WireMessage }))),
      }),
    ),
  }),
);
export type WireConversation = t.TypeOf<typeof WireConversation>;

export const GraphQLErrorEntry = knownKeys(
  t.intersection([
    t.type({ message: t.string }),
    t.partial({ path: t.readonlyArray(t.union([t.string, t.number])), extensions: t.UnknownRecord }),
  ]),
);
export type GraphQLErrorEntry = t.TypeOf<typeof GraphQLErrorEntry>;

/** The envelope of any GraphQL answer (https://spec.graphql.org/October2021/#sec-Response-Format). */
export const GraphQLAnswer = knownKeys(t.partial({ data: t.unknown, errors: t.readonlyArray(GraphQLErrorEntry) }));

export const ConversationData = knownKeys(t.type({ conversation: nullable(WireConversation) }));
