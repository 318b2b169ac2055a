/**
 * The chat-platform port. A platform is one folder under src/sources/<name>/ exporting a
 * `SourceDefinition`, and one line in src/sources/index.ts. Sources import the domain only:
 * no Koa, no storage, no `HttpError`. Client errors are values (`Rejection`) whose codes come
 * from the one error catalogue (domain/errors.ts); the HTTP edge turns them into answers.
 */
import type * as t from 'io-ts';
import type { Either } from 'fp-ts/Either';
import type { Env } from './connector';
import type { Conversation } from './conversation';
import type { ErrorCode } from './errors';
import type { Log } from './log';
import type { Outcome } from './outcome';
import type { Action, CrmPerson } from './record';

/** A request as the edge read it: the raw bytes (read once, within the body limit) and the raw query. */
export interface SourceRequest {
  readonly method: string;
  /** Empty for GET / OPTIONS. */
  readonly rawBody: Buffer;
  /** The query string exactly as received, without the `?` (signatures are computed over it). */
  readonly rawQuery: string;
  /** Lower-cased header name → value (the first one, when repeated). */
  readonly header: (name: string) => string | undefined;
}

/** An answer a source writes itself (handshakes, plugins, and the webhook's own answer). */
export interface SourceResponse {
  readonly status: number;
  /** A string is sent as is (with `contentType`); anything else as JSON. */
  readonly body: unknown;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A client error: the catalogue code (it fixes the HTTP status) and what exactly is wrong. */
export interface Rejection {
  readonly code: ErrorCode;
  readonly detail?: string;
}
export const reject = (code: ErrorCode, detail?: string): Rejection => (detail === undefined ? { code } : { code, detail });

/**
 * The steps a conversation's work is made of, in the order they run:
 * - `fetch`: completes a thin event from the platform's API (`PlatformClient.fetchConversation`);
 * - `lookup`: finds the CRM person by the visitor's email; when one is found, a `deliver` later
 *   in the same plan is skipped (that plan means "create a lead only for someone unknown");
 * - `deliver`: decides lead or case once and upserts through the CRM connector;
 * - `notify`: shows the record's link (or the person's) in the platform (`PlatformClient.showRecord`);
 *   nothing to show → done without a call.
 */
export const STEP_KINDS = ['fetch', 'lookup', 'deliver', 'notify'] as const;
export type StepKind = (typeof STEP_KINDS)[number];

/** Small string facts a source keeps with a conversation for its later steps (thread id, account id, …). */
export type SourceMeta = Readonly<Record<string, string>>;

/**
 * What a webhook told us, as the pipeline takes it in. One POST may carry several (LiveSupporti).
 */
export type InboundEvent =
  | {
      readonly kind: 'conversation';
      /**
       * The platform's own key for this event, stable across its retries (LiveChat
       * `event_unique_id`, iAdvize `eventId`, …; a hash of the raw body when there is none).
       * An event whose key was seen before is recognised and not stored again.
       */
      readonly dedupKey: string;
      /** What we know so far: the whole transcript (Olark), or a thin start that `fetch` completes. */
      readonly conversation: Conversation;
      /** The steps to run, in `STEP_KINDS` order; empty = store only. */
      readonly plan: readonly StepKind[];
      /** The caller or an agent command forces the record type (`?record=case`, `!case`). */
      readonly forced?: Action;
      /** Merged into the conversation's meta (later values win). */
      readonly meta?: SourceMeta;
      /** After this time a step that still fails is `expired`, not retried (a chat that is surely over). */
      readonly expiresAt?: Date;
    }
  /** The platform's "send test": touches no CRM; the status page shows when it last arrived. */
  | { readonly kind: 'test' }
  /** Acknowledged and dropped (unknown event types); `reason` goes to the debug log. */
  | { readonly kind: 'ignored'; readonly reason: string };

/** The conversation as the stored steps see it. */
export interface ConversationView {
  readonly id: string;
  readonly conversation: Conversation;
  readonly meta: SourceMeta;
}

/** What `notify` shows: the conversation's own record, or the CRM person found by email. */
export interface ShownLink {
  readonly url: string;
  readonly kind: 'record' | 'person';
  /** lead / case for a record; the CRM's object type for a person. */
  readonly label: string;
  /** The person's name and company as the CRM has them (for a record: as the chat gave them). */
  readonly name?: string;
  readonly company?: string;
}

/**
 * A fetched conversation, with what the platform's answer told besides it: facts for the later
 * steps (merged into the conversation's meta) and a record type the platform's data decides
 * (a closing-form answer).
 */
export type FetchedConversation = Conversation & { readonly facts?: { readonly meta?: SourceMeta; readonly forced?: Action } };

/** Which finished conversations `npm run backfill` asks for: a time range, and where the last page ended. */
export interface ArchiveQuery {
  readonly since: Date;
  /** Open-ended when absent. */
  readonly until?: Date;
  /** The platform's cursor from the page before; absent = the first page. */
  readonly cursor?: string;
}

/** One page of finished conversations, oldest first. */
export interface ArchivePage {
  /**
   * Each as the event its webhook would have made (same dedup key, plan and meta), so a webhook of
   * the same conversation, before or after, is recognised as a duplicate; `ignored` for one the
   * platform still shows as going on (its own webhook will come).
   */
  readonly events: readonly InboundEvent[];
  /** The platform's estimate of how many match the whole query, when it gives one. */
  readonly found?: number;
  /** Where the next page starts; absent = this was the last page. */
  readonly cursor?: string;
}

/** Calls back into the platform. Failures are values (transient with `retryAfterMs`, or permanent). */
export interface PlatformClient {
  /**
   * Lists finished conversations, a page at a time (`npm run backfill`). A platform without it
   * cannot be backfilled; a cursor the platform no longer takes is a permanent failure.
   */
  listArchived?(query: ArchiveQuery): Promise<Outcome<ArchivePage>>;
  /** The full conversation for a thin event (transcript, visitor, tags), or why it cannot be read. */
  fetchConversation?(view: ConversationView): Promise<Outcome<FetchedConversation>>;
  /** Shows the link to the agent inside the platform. */
  showRecord?(view: ConversationView, link: ShownLink): Promise<Outcome<void>>;
  /** Credentials and reachability, for `npm run setup`. */
  check?(): Promise<readonly { readonly name: string; readonly ok: boolean; readonly detail: string }[]>;
}

/** The outcome of a sync event's steps within the deadline, for the source's answer. */
export type SyncResult =
  /** The conversation's record, or the CRM person a lookup found: what `notify` would show (`ShownLink`). */
  | { readonly kind: ShownLink['kind']; readonly url: string }
  /** Stored, not finished within the deadline (or failed for now): the stable link. */
  | { readonly kind: 'pending'; readonly url: string }
  | { readonly kind: 'none' }
  | { readonly kind: 'test'; readonly statusUrl: string };

/** What a source's extra routes may ask of the service (all reads use what is stored). */
export interface SourceServices {
  /** The CRM person for an email (one connector call). */
  findPerson(email: string): Promise<Outcome<CrmPerson | undefined>>;
  /** The record link of one of this source's conversations, when it was delivered. */
  recordLink(conversationId: string): Promise<string | undefined>;
  /** The newest delivered record among this source's conversations whose visitor has this id. */
  recordLinkForVisitor(visitorId: string): Promise<string | undefined>;
  /** Takes events in as the webhook does (stored, then their steps run). */
  receive(events: readonly InboundEvent[]): Promise<readonly SyncResult[]>;
  stableLink(conversationId: string): string;
}

/** An extra route under `/webhooks/<source>/<token>`; the edge checks the token first. */
export interface SourceRoute {
  readonly method: 'GET' | 'POST' | 'OPTIONS';
  /** `''` for the webhook URL itself, else `/customer-info` and the like. */
  readonly path: string;
  handle(request: SourceRequest, services: SourceServices): Promise<SourceResponse | Rejection>;
}

export interface SourceDeps {
  readonly log: Log;
  readonly publicUrl: string;
  /** Per outside call. */
  readonly callTimeoutMs: number;
  /** How long a sync webhook waits for its steps (SYNC_DEADLINE_MS). */
  readonly syncDeadlineMs: number;
  readonly now?: () => Date;
}

/** A platform at run time. */
export interface ChatSource {
  readonly name: string;
  /**
   * `sync`: the POST waits (up to SYNC_DEADLINE_MS) for its steps, and `answer` carries the link
   * (Olark). `ack`: answered as soon as the events are stored.
   */
  readonly answerMode: 'sync' | 'ack';
  /** Over the raw bytes and headers, before anything is decoded; `undefined` = authentic. */
  verify(request: SourceRequest): Rejection | undefined;
  /** Raw body → events, or what is wrong with it. */
  decode(request: SourceRequest): Either<Rejection, readonly InboundEvent[]>;
  /** The webhook's answer, given the results of its events (ack sources: all `pending`). */
  answer(results: readonly SyncResult[]): SourceResponse;
  readonly routes?: readonly SourceRoute[];
  readonly client?: PlatformClient;
  /** Lines for the start-up banner and `npm run setup` (what to register, which keys are missing). */
  describe?(webhookUrl: string): readonly string[];
}

/** One registry entry: a source's configuration codec over the environment bound to its factory. */
export interface SourceDefinition {
  readonly name: string;
  /** Human name for pages and banners (`LiveChat`). */
  readonly title: string;
  /** `<SOURCE>_WEBHOOK_TOKEN`: the secret path segment, generated and stored when unset. */
  readonly tokenKey: string;
  configure(env: Env): Either<t.Errors, (deps: SourceDeps) => ChatSource>;
}

/**
 * The conversation key the CRM sees (HubSpot `chat_conversation_id`, Salesforce external id):
 * Olark keeps its bare id (records made before other platforms existed stay matched), the others
 * are prefixed so ids of two platforms never collide.
 */
export const crmConversationKey = (c: Pick<Conversation, 'source' | 'id'>): string => (c.source === 'olark' ? c.id : `${c.source}:${c.id}`);
