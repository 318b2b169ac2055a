/**
 * The one GraphQL query chat2crm sends to iAdvize (POST {IADVIZE_API_URL}/graphql), written
 * against test/fixtures/iadvize/schema.graphql. The message node, tags and closing-form values
 * are ASSUMED there (iAdvize does not publish them): confirm with the introspection query in
 * that file, then change both files together (and wire.codec.ts, which decodes this selection).
 * Relay paging: `first`/`after` until `pageInfo.hasNextPage` is false
 * (https://github.com/iadvize/documentation/blob/master/docs/graphql-api.md).
 */
export const CONVERSATION_QUERY = `query Chat2CrmConversation($id: UUID!, $first: Int!, $after: String) {
  conversation(id: $id) {
    id
    createdAt
    closedAt
    channel
    visitor { visitorId externalUserId firstName lastName email phoneNumber city country }
    tags { id name }
    closingFormValues { fieldId label value }
    messages(first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges { node { id createdAt text author { type name } attachments { name url mimeType } } }
    }
  }
}`;

/** Messages per page: one GraphQL call per hundred messages. */
export const PAGE_SIZE = 100;

/** `npm run setup`'s harmless call: valid against any GraphQL schema, reads nothing. */
export const PING_QUERY = 'query Chat2CrmPing { __typename }';
