/** Conversations to HubSpot properties, and HubSpot errors to our failure values. No I/O. */
import * as t from 'io-ts';
import { sendProblem } from '../../src/net/http-client';
import { DELIVERY_SCOPES } from './access';
import { isRight } from 'fp-ts/Either';
import { visitorLabel, type Conversation } from '../../src/domain/conversation';
import { permanent, transient, type CrmFailure } from '../../src/domain/outcome';
import { retryAfterMs } from '../../src/domain/retry-after';
import { chatLines, escapeHtml, renderTranscriptHtml, transcriptTextWithin } from '../../src/domain/transcript';

/** Unique custom property on contacts and tickets, created by `npm run setup`. */
export const CHAT_CONVERSATION_ID = 'chat_conversation_id';

/** `hs_note_body` and ticket `content` hold at most 65,536 characters (https://developers.hubspot.com/docs/api/crm/notes). */
export const TEXT_LIMIT = 65_536;

/** Contact properties we fill where HubSpot has them blank. */
export const CONTACT_FIELDS = ['email', 'firstname', 'lastname', 'phone', 'company', 'city', 'state', 'country', 'lifecyclestage'] as const;
type ContactField = (typeof CONTACT_FIELDS)[number];

export type Properties = Readonly<Record<string, string>>;
/** HubSpot answers `null` for properties without a value. */
export type ReadProperties = Readonly<Record<string, string | null>>;

/**
 * The value of `chat_conversation_id`: the chat platform's own conversation id, as it stands in
 * the chat tool and in Salesforce's external-id field, so an admin can search for it. Platforms'
 * ids do not collide in practice (Olark's are 32 random characters).
 */
export const conversationKey = (c: Conversation): string => c.id;

const splitName = (name: string): { firstname: string; lastname?: string } => {
  const [first = name, ...rest] = name.trim().split(/\s+/);
  return rest.length === 0 ? { firstname: first } : { firstname: first, lastname: rest.join(' ') };
};

/** Everything we know about the visitor, as contact properties. */
export const toHubspotContact = (c: Conversation): Partial<Record<ContactField, string>> => {
  const v = c.visitor;
  const name: { firstname?: string; lastname?: string } = v.name === undefined ? {} : splitName(v.name);
  // HubSpot refuses a contact with none of email, firstname and lastname.
  const firstname = name.firstname ?? (v.email === undefined ? visitorLabel(v) : undefined);
  const entries: [ContactField, string | undefined][] = [
    ['email', v.email?.trim().toLowerCase()],
    ['firstname', firstname],
    ['lastname', name.lastname],
    ['phone', v.phone],
    ['company', v.company],
    ['city', v.city],
    ['state', v.region],
    ['country', v.country],
    // Only ever written into a blank field: HubSpot does not move a lifecycle stage backwards.
    ['lifecyclestage', 'lead'],
  ];
  return Object.fromEntries(entries.filter((e): e is [ContactField, string] => e[1] !== undefined && e[1].trim() !== ''));
};

/** What to write so that only fields HubSpot has blank get our values. */
export const blanksToFill = (wanted: Properties, current: ReadProperties): Record<string, string> =>
  Object.fromEntries(Object.entries(wanted).filter(([name]) => (current[name] ?? '').trim() === ''));

/**
 * The transcript as one readable HTML note, start and end kept when it is too long. The title
 * line names the conversation, which is how a note is recognised when our record was lost.
 */
export const toNoteBody = (c: Conversation): string => renderTranscriptHtml(c, TEXT_LIMIT);

export const isNoteOf = (body: string, c: Conversation): boolean => body.includes(`(${escapeHtml(c.source)} ${escapeHtml(c.id)})`);

export const toNoteProperties = (c: Conversation, at: Date): Properties => ({
  hs_note_body: toNoteBody(c),
  hs_timestamp: (c.messages[c.messages.length - 1]?.at ?? at).toISOString(),
});

const SUBJECT_LIMIT = 120;

export const toTicketSubject = (c: Conversation): string => {
  const first = chatLines(c).find((m) => m.role === 'visitor') ?? chatLines(c)[0];
  const text = first?.body.replace(/\s+/g, ' ').trim() ?? '';
  const subject = text === '' ? `Chat with ${visitorLabel(c.visitor)}` : `${visitorLabel(c.visitor)}: ${text}`;
  return subject.length <= SUBJECT_LIMIT ? subject : `${subject.slice(0, SUBJECT_LIMIT - 1)}…`;
};

export const toTicketContent = (c: Conversation): string => transcriptTextWithin(c, TEXT_LIMIT);

export const toHubspotTicket = (c: Conversation, pipeline: { readonly pipeline: string; readonly stage: string }): Properties => ({
  subject: toTicketSubject(c),
  content: toTicketContent(c),
  hs_pipeline: pipeline.pipeline,
  hs_pipeline_stage: pipeline.stage,
  [CHAT_CONVERSATION_ID]: conversationKey(c),
});

// ---------------------------------------------------------------------------------------------
// Errors (https://developers.hubspot.com/docs/api/error-handling, https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines)

/** What the SDK throws for a non-success status: `ApiException` with the parsed body. */
const ApiException = t.type({ code: t.number, body: t.unknown, headers: t.unknown });
const Headers = t.record(t.string, t.union([t.string, t.array(t.string)]));
const ErrorBody = t.partial({
  message: t.string,
  category: t.string,
  policyName: t.string,
  errors: t.array(t.partial({ code: t.string, message: t.string, context: t.record(t.string, t.array(t.string)) })),
});
const PropertyProblems = t.array(t.partial({ name: t.string, error: t.string, message: t.string }));

/** A configured pipeline or stage that HubSpot does not have. */
export class HubspotConfigProblem extends Error {}

/** Raised by our timeout around each call. */
export class HubspotTimeout extends Error {
  constructor(
    readonly operation: string,
    readonly ms: number,
  ) {
    super(`HubSpot did not answer ${operation} within ${ms} ms`);
  }
}

/** Raised instead of sending a call the rate-limit window has no room for (limiter.ts). */
export class HubspotRateLimited extends Error {
  constructor(
    readonly operation: string,
    readonly retryAfterMs: number,
  ) {
    super(`HubSpot's rate limit has no room for ${operation} for ${retryAfterMs} ms; not sent`);
  }
}

export interface HubspotHttpError {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
}

/** The status, body and headers of an SDK error, if it is one. */
export const asHttpError = (e: unknown): HubspotHttpError | undefined => {
  const decoded = ApiException.decode(e);
  if (!isRight(decoded)) return undefined;
  const headers = Headers.decode(decoded.right.headers);
  return { status: decoded.right.code, body: decoded.right.body, headers: isRight(headers) ? headers.right : {} };
};

const bodyOf = (e: HubspotHttpError) => {
  const decoded = ErrorBody.decode(e.body);
  return isRight(decoded) ? decoded.right : {};
};

const header = (e: HubspotHttpError, name: string): string | undefined => {
  const key = Object.keys(e.headers).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : e.headers[key];
  return typeof value === 'string' ? value : value?.[0];
};

/** `Contact already exists. Existing ID: 123`: the only place HubSpot names the existing record (SDK issue #545). */
export const existingIdOf = (e: unknown): string | undefined => {
  const http = asHttpError(e);
  if (http?.status !== 409) return undefined;
  return /Existing ID: (\d+)/.exec(bodyOf(http).message ?? '')?.[1];
};

/**
 * A create refused because a unique value is taken, with the id HubSpot named if it did. A
 * duplicate email is a documented 409 "Contact already exists. Existing ID: N" (HubSpot/hubspot-api-nodejs#545,
 * https://developers.hubspot.com/docs/api/crm/contacts); the answer for a custom unique property
 * is undocumented, so a 409, or a 400 that names the property as taken, counts as a
 * possible conflict that the caller confirms by reading the value.
 */
export const uniqueConflictOf = (e: unknown, uniqueProperty: string): { readonly existingId: string | undefined } | undefined => {
  const http = asHttpError(e);
  if (http === undefined) return undefined;
  if (http.status === 409) return { existingId: existingIdOf(e) };
  const message = bodyOf(http).message ?? '';
  if (http.status === 400 && message.includes(uniqueProperty) && /already|unique|duplicate/i.test(message))
    return { existingId: undefined };
  return undefined;
};

/** Property error codes whose message names the property but never its value. */
const QUOTED: ReadonlySet<string> = new Set(['PROPERTY_DOESNT_EXIST', 'REQUIRED']);

/** The properties HubSpot rejected, from the JSON it embeds in the 400 message. */
const rejectedProperties = (message: string): string | undefined => {
  const json = /^Property values were not valid: (.*)$/s.exec(message)?.[1];
  if (json === undefined) return undefined;
  try {
    const problems = PropertyProblems.decode(JSON.parse(json));
    if (!isRight(problems)) return undefined;
    // Messages of most codes repeat the value (INVALID_EMAIL the address, INVALID_OPTION what
    // was sent), which must not reach logs or operators: only these are quoted.
    return problems.right
      .map(
        (p) =>
          `"${p.name ?? '?'}" (${p.error ?? 'invalid'}${p.error === undefined || !QUOTED.has(p.error) || p.message === undefined ? '' : `: ${p.message}`})`,
      )
      .join(', ');
  } catch {
    return undefined;
  }
};

/**
 * Rules a portal's admin sets, which API writes must meet from version 2026-09 on (earlier
 * versions ignored them): a 400 VALIDATION_ERROR with one entry per property in `errors`, each
 * with a `code` and `context.propertyName`
 * (https://developers.hubspot.com/changelog/crm-api-write-validation-enforcement). Only these
 * codes' messages are quoted: they name properties and rules, never a value.
 */
const PORTAL_RULES: Readonly<Record<string, string>> = {
  MISSING_REQUIRED_PROPERTY: 'required on every new record by the portal (Settings → Objects → the object → Create Record)',
  MISSING_CONDITIONAL_REQUIRED_PROPERTY: 'required by a conditional property rule of the portal (Settings → Properties)',
};

/** The properties a 2026-09 validation answer names, with why; `undefined` when it names none. */
const ruleViolations = (body: t.TypeOf<typeof ErrorBody>): string | undefined => {
  const named = (body.errors ?? []).flatMap((d) =>
    (d.context?.propertyName ?? []).map((name) => {
      const rule = d.code === undefined ? undefined : PORTAL_RULES[d.code];
      return `"${name}" (${d.code ?? 'invalid'}${rule === undefined ? '' : `: ${rule}`})`;
    }),
  );
  return named.length === 0 ? undefined : named.join(', ');
};

/**
 * What the SDK's node:http path rejects with: the request's or the answer's `error` event, so a
 * failure on the way, with its code: the connection (ECONNREFUSED, ECONNRESET; see
 * https://nodejs.org/api/errors.html#common-system-errors), TLS (CERT_HAS_EXPIRED), the
 * answer's framing (HPE_*). HubSpot's own answers carry a numeric `code` and are read before this.
 */
const SocketError = t.type({ code: t.string });

const SCOPE_HINT = DELIVERY_SCOPES.join(', ');

/**
 * Transient (retry later) or permanent (a person must act) for what a HubSpot call threw;
 * `undefined` for anything that is not a HubSpot or network failure, which is a bug.
 */
export const fromHubspotError = (e: unknown, operation: string, now = Date.now()): CrmFailure | undefined => {
  if (e instanceof HubspotTimeout) return transient('CRM_TIMEOUT', e.message);
  // Our own client's deadline (src/net/http-client.ts), which the account call uses.
  if (sendProblem(e)?.kind === 'timeout') return transient('CRM_TIMEOUT', `HubSpot did not answer ${operation} in time`);
  if (e instanceof HubspotConfigProblem) return permanent('CRM_CONFIG', e.message);
  if (e instanceof HubspotRateLimited) return transient('CRM_RATE_LIMITED', e.message, { retryAfterMs: e.retryAfterMs });
  const http = asHttpError(e);
  if (http === undefined) {
    // Through our agent (client.ts) node:http rejects with the failure's own error (ECONNREFUSED,
    // CERT_HAS_EXPIRED, ...); our client (the account call) with a SendFailure, which has a code too.
    if (e instanceof Error && SocketError.is(e))
      return transient('CRM_UNAVAILABLE', `HubSpot could not be reached (${operation}): ${e.code}`);
    // A body without Content-Type (a proxy's error page) makes the SDK throw before it has a status.
    if (e instanceof Error && /No Content-Type defined|Unexpected end of JSON|is not valid JSON/i.test(e.message))
      return transient('CRM_BAD_RESPONSE', `HubSpot sent an unreadable answer to ${operation}: ${e.message}`);
    return undefined;
  }
  const body = bodyOf(http);
  const message = body.message ?? `HTTP ${http.status}`;
  const status = http.status;
  if (status === 429) {
    // The ten-secondly window rolls; daily limits reset at midnight in the portal's time zone.
    const interval = Number(header(http, 'x-hubspot-ratelimit-interval-milliseconds'));
    const fallback =
      body.policyName === 'TEN_SECONDLY_ROLLING'
        ? Number.isSafeInteger(interval) && interval > 0
          ? interval
          : 10_000
        : body.policyName === 'SECONDLY'
          ? 1_000
          : 60_000;
    return transient('CRM_RATE_LIMITED', `HubSpot rate limit (${body.policyName ?? 'unknown policy'}) during ${operation}: ${message}`, {
      status,
      retryAfterMs: retryAfterMs(header(http, 'retry-after'), now) ?? fallback,
    });
  }
  if (status >= 500 || status === 408) {
    const after = retryAfterMs(header(http, 'retry-after'), now);
    return transient('CRM_UNAVAILABLE', `HubSpot answered ${status} to ${operation}: ${message}`, {
      status,
      ...(after === undefined ? {} : { retryAfterMs: after }),
    });
  }
  if (status === 401)
    return permanent(
      'CRM_UNAUTHORIZED',
      `HubSpot rejected HUBSPOT_ACCESS_TOKEN (401 ${body.category ?? ''}) during ${operation}: create a service key (Development → Keys → Service keys) or rotate the existing key or private app token, and set HUBSPOT_ACCESS_TOKEN.`,
      { status },
    );
  if (status === 403) {
    const scopes = (body.errors ?? []).flatMap((d) => Object.values(d.context ?? {}).flat());
    const needed = scopes.length > 0 ? scopes.join(', ') : SCOPE_HINT;
    return permanent(
      'CRM_FORBIDDEN',
      `The HubSpot service key (or private app) behind HUBSPOT_ACCESS_TOKEN lacks a scope for ${operation}: grant ${needed} in its settings, then use its token.`,
      { status },
    );
  }
  if (status === 400) {
    const violations = ruleViolations(body);
    if (violations !== undefined)
      return permanent(
        'CRM_VALIDATION',
        `HubSpot rejected ${operation}: property ${violations}. chat2crm does not invent values: have a HubSpot admin relax the rule for this property, or set HUBSPOT_API_VERSION=2026-03 (which does not apply portal rules to API writes), then replay.`,
        { status },
      );
    const properties = rejectedProperties(message);
    if (properties !== undefined)
      return permanent(
        'CRM_VALIDATION',
        `HubSpot rejected ${operation}: property ${properties}. Missing custom properties are created by npm run setup.`,
        { status },
      );
    return permanent('CRM_VALIDATION', `HubSpot rejected ${operation}: ${message}`, { status });
  }
  return permanent('CRM_REJECTED', `HubSpot answered ${status} to ${operation}: ${message}`, { status });
};
