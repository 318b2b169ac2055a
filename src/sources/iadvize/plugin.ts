/**
 * The routes iAdvize calls besides the webhook ("App Plugins" and "Health check",
 * https://github.com/iadvize/documentation/blob/master/docs/build-apps.md):
 * the customer-information plugin (GET: fields shown beside the conversation; POST: an ACTION
 * field clicked) and the health check iAdvize polls.
 */
import { summarizeErrors } from '../../domain/decode-errors';
import type { Log } from '../../domain/log';
import type { Outcome } from '../../domain/outcome';
import type { CrmPerson } from '../../domain/record';
import {
  reject,
  type InboundEvent,
  type Rejection,
  type SourceRequest,
  type SourceResponse,
  type SourceRoute,
  type SourceServices,
  type SyncResult,
} from '../../domain/source';
import { readBody } from './body';
import { thinConversation } from './events';
import { verifySignature } from './signature';
import { CustomerAction, CustomerInfoQuery, type CustomerAction as Action } from './webhook.codec';

export const CREATE_LEAD = 'CREATE_LEAD';

/** iAdvize's plugin calls time out; the person lookup (the one CRM call) gets this much of the 2 s we allow ourselves. */
export const LOOKUP_BUDGET_MS = 1_200;

interface PluginField {
  readonly id: string;
  readonly label: string;
  readonly value: string;
  readonly fieldType: 'URL' | 'TEXT' | 'ACTION';
}

const recordField = (url: string): PluginField => ({ id: 'crm_record', label: 'CRM record', value: url, fieldType: 'URL' });
const createLeadField: PluginField = { id: 'crm_create_lead', label: 'Create lead', value: CREATE_LEAD, fieldType: 'ACTION' };
const lookupFailedField: PluginField = {
  id: 'crm_status',
  label: 'CRM',
  value: 'The CRM did not answer in time; reopen the panel to try again.',
  fieldType: 'TEXT',
};

/** Plugin calls are unusable unsigned: a missing signature is refused like a wrong one (401). */
const authenticate = (request: SourceRequest, secret: string | undefined): Rejection | undefined => {
  const rejection = verifySignature(request, secret);
  return rejection?.code === 'MISSING_SIGNATURE' ? reject('INVALID_SIGNATURE', rejection.detail) : rejection;
};

const blank = (s: string | undefined): s is undefined => s === undefined || s.trim() === '';

const within = async <T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
};

/** The conversation's record, else the visitor's latest, else the CRM person by email, else the ACTION. */
const customerInfo = async (
  request: SourceRequest,
  services: SourceServices,
  secret: string | undefined,
  log: Log,
): Promise<SourceResponse | Rejection> => {
  const rejection = authenticate(request, secret);
  if (rejection !== undefined) return rejection;
  const query = CustomerInfoQuery.decode(Object.fromEntries(new URLSearchParams(request.rawQuery)));
  if (query._tag === 'Left') return reject('INVALID_QUERY', summarizeErrors(query.left));
  const { idConversation, idVisitorUnique, emailVisitor } = query.right;
  const answer = (fields: readonly PluginField[]): SourceResponse => ({ status: 200, body: fields });

  const byConversation = blank(idConversation) ? undefined : await services.recordLink(idConversation.trim());
  if (byConversation !== undefined) return answer([recordField(byConversation)]);
  const byVisitor = blank(idVisitorUnique) ? undefined : await services.recordLinkForVisitor(idVisitorUnique.trim());
  if (byVisitor !== undefined) return answer([recordField(byVisitor)]);
  if (blank(emailVisitor)) return answer([createLeadField]);

  const found: Outcome<CrmPerson | undefined> | 'timeout' = await within(
    services.findPerson(emailVisitor.trim().toLowerCase()),
    LOOKUP_BUDGET_MS,
  );
  if (found === 'timeout' || !found.ok) {
    log.warn({ reason: found === 'timeout' ? 'timeout' : found.failure.code }, 'iAdvize plugin: CRM person lookup failed');
    return answer([lookupFailedField, createLeadField]);
  }
  return answer([found.value === undefined ? createLeadField : recordField(found.value.url)]);
};

const actionEvent = (action: Action): InboundEvent => ({
  kind: 'conversation',
  // One lead per conversation however often the agent clicks; the record's key is the conversation's.
  dedupKey: `plugin:${CREATE_LEAD}:${action.idConversation}`,
  conversation: thinConversation(action.idConversation, action.idVisitorUnique),
  plan: ['fetch', 'deliver'],
  forced: 'lead',
  meta: Object.fromEntries(
    [
      ['trigger', 'plugin'],
      ['visitorId', action.idVisitorUnique],
      ['idOperator', action.idOperator],
    ].filter((pair): pair is [string, string] => pair[1] !== undefined),
  ),
});

const messageOf = (result: SyncResult | undefined): string => {
  switch (result?.kind) {
    case 'record':
      return 'Lead created in the CRM.';
    case 'person':
      return 'The visitor is already in the CRM.';
    default:
      return 'Lead requested: it appears in the CRM once the conversation has been read (usually within seconds).';
  }
};

/** The ACTION click: the lead for this conversation, with the transcript so far (read by `fetch`). */
const customerAction = async (
  request: SourceRequest,
  services: SourceServices,
  secret: string | undefined,
): Promise<SourceResponse | Rejection> => {
  const rejection = authenticate(request, secret);
  if (rejection !== undefined) return rejection;
  const body = readBody(request.rawBody, request.header('content-type'));
  if (body._tag === 'Left') return body.left;
  const action = CustomerAction.decode(body.right);
  if (action._tag === 'Left') return reject('INVALID_PAYLOAD', summarizeErrors(action.left));
  if (action.right.action !== CREATE_LEAD) return reject('INVALID_PAYLOAD', `action: expected "${CREATE_LEAD}"`);
  const [result] = await services.receive([actionEvent(action.right)]);
  return { status: 200, body: { success: true, message: messageOf(result) } };
};

export const pluginRoutes = (secret: string | undefined, log: Log): readonly SourceRoute[] => [
  // Polled by iAdvize without a signature; it must answer 200 {"status":"UP"} ("Health check").
  { method: 'GET', path: '/health', handle: () => Promise.resolve({ status: 200, body: { status: 'UP' } }) },
  { method: 'GET', path: '/customer-info', handle: (request, services) => customerInfo(request, services, secret, log) },
  { method: 'POST', path: '/customer-info', handle: (request, services) => customerAction(request, services, secret) },
];
