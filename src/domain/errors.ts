/**
 * The one failure catalogue: every code chat2crm fails with, whoever sees it.
 *
 * - `refusal`: a request refused at the HTTP edge, with its status and message. Sources return
 *   these codes as values (`Rejection`); the edge answers `{"error": {"code": "...", "message": "..."}}`
 *   (src/http/errors.ts, refusal.ts), counts them (metrics.ts) and remembers the last one per
 *   platform (webhook-rejections.ts).
 * - `transient` / `permanent` (step-errors.ts): the `code` of a failed step (connectors, platform clients, the
 *   pipeline), with one line for the operator and whether retrying helps. `transient()` and
 *   `permanent()` (outcome.ts) take only codes of their kind, so a typo or a code without a hint
 *   does not compile; the console shows the hint beside the stored error (pages/admin/error-hint.ts).
 *
 * A code is never renamed or dropped: operators alert on codes, and stored steps keep theirs. When a
 * failure moves to another code, the old entry's comment says so (CRM_TIMEOUT in step-errors.ts),
 * and the console still explains the steps stored with it.
 */
import { stepErrorCatalogue, type StepErrorHint } from './step-errors';

export { stepErrorCatalogue, type RetryHelps, type StepErrorHint } from './step-errors';

export interface Refusal {
  readonly kind: 'refusal';
  readonly status: number;
  readonly message: string;
}

export type CatalogueEntry = Refusal | StepErrorHint;

/** The refusals at the HTTP edge (the `code` enum of /openapi.json, in this order). */
export const errorCatalogue = {
  NOT_FOUND: { kind: 'refusal', status: 404, message: 'No such endpoint.' },
  UNKNOWN_WEBHOOK_TOKEN: { kind: 'refusal', status: 404, message: 'Unknown webhook token: check the URL pasted into the chat platform.' },
  METHOD_NOT_ALLOWED: { kind: 'refusal', status: 405, message: 'Method not allowed.' },
  NOT_IMPLEMENTED: { kind: 'refusal', status: 501, message: 'This method is not implemented.' },
  UNSUPPORTED_CONTENT_TYPE: { kind: 'refusal', status: 415, message: 'Unsupported Content-Type.' },
  PAYLOAD_TOO_LARGE: { kind: 'refusal', status: 413, message: 'The body is larger than the 4 MiB limit.' },
  MALFORMED_BODY: { kind: 'refusal', status: 400, message: 'The body could not be read.' },
  MISSING_DATA_FIELD: { kind: 'refusal', status: 400, message: 'The form has no `data` field: Olark sends the transcript as data=<JSON>.' },
  MALFORMED_JSON: { kind: 'refusal', status: 400, message: 'The body is not valid JSON.' },
  INVALID_PAYLOAD: { kind: 'refusal', status: 422, message: 'The body does not have the expected shape.' },
  INVALID_QUERY: { kind: 'refusal', status: 400, message: 'A query parameter has an invalid value.' },
  MISSING_SIGNATURE: { kind: 'refusal', status: 400, message: 'The request carries no valid signature header.' },
  INVALID_SIGNATURE: { kind: 'refusal', status: 401, message: 'The signature does not match the body: check the webhook secret.' },
  WEBHOOK_SECRET_NOT_SET: {
    kind: 'refusal',
    status: 401,
    message: 'This platform’s webhook secret is not configured on our side, so its requests cannot be authenticated.',
  },
  METRICS_UNAUTHORIZED: { kind: 'refusal', status: 401, message: 'GET /metrics needs the header `Authorization: Bearer <METRICS_TOKEN>`.' },
  SERVICE_UNAVAILABLE: { kind: 'refusal', status: 503, message: 'The service is shutting down or its storage is unavailable; try again.' },
  INTERNAL: { kind: 'refusal', status: 500, message: 'Something went wrong on our side; it has been logged.' },
} as const satisfies Record<string, Refusal>;

/** No code is both a refusal and a step failure: this fails to compile when one is. */
const noCodeInBoth: Extract<keyof typeof errorCatalogue, keyof typeof stepErrorCatalogue> extends never ? true : never = true;
void noCodeInBoth;

/** The one catalogue: the edge's refusals and the steps' failures, by code. */
export const failureCatalogue = { ...errorCatalogue, ...stepErrorCatalogue } as const;

type Catalogue = typeof failureCatalogue;
export type FailureCode = keyof Catalogue;
type CodesOf<K extends CatalogueEntry['kind']> = { [C in FailureCode]: Catalogue[C]['kind'] extends K ? C : never }[FailureCode];

/** A code the HTTP edge refuses a request with. */
export type ErrorCode = CodesOf<'refusal'>;
/** A code a step fails with, worth another try later. */
export type TransientCode = CodesOf<'transient'>;
/** A code a step fails with that a person must fix first. */
export type PermanentCode = CodesOf<'permanent'>;
export type StepErrorCode = TransientCode | PermanentCode;

const isFailureCode = (code: string): code is FailureCode => Object.hasOwn(failureCatalogue, code);

/** The catalogue's entry for a code; undefined for a code it does not know (an own key only, never `toString`). */
export const catalogueEntry = (code: string): CatalogueEntry | undefined => (isFailureCode(code) ? failureCatalogue[code] : undefined);

/** Every edge code, in catalogue order (the `code` enum of /openapi.json). */
export const errorCodes: readonly ErrorCode[] = Object.keys(errorCatalogue).filter((code): code is ErrorCode =>
  Object.hasOwn(errorCatalogue, code),
);

/** The catalogue's line for a step error's code (`CRM_UNAUTHORIZED`, see storage/console.ts errorCode); undefined for a code it does not know or an edge code. */
export const stepErrorHint = (code: string): StepErrorHint | undefined => {
  const entry = catalogueEntry(code);
  return entry === undefined || entry.kind === 'refusal' ? undefined : entry;
};

/**
 * The code of a transient failure that only says "too many requests, come back later": the
 * pipeline retries it without spending one of the step's tries (a busy CRM is not a broken one),
 * and metrics count it apart.
 */
export const RATE_LIMITED = 'CRM_RATE_LIMITED' satisfies TransientCode;

/** The code of an outside call (CRM or platform) that did not answer within its time limit (src/pipeline/outside-call.ts). */
export const CALL_TIMEOUT = 'CALL_TIMEOUT' satisfies TransientCode;

/** The code of an unexpected throw from a connector or platform client: a bug, logged, and retried. */
export const INTERNAL_ERROR = 'INTERNAL_ERROR' satisfies TransientCode;
