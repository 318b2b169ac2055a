/**
 * Expected CRM failures are values, classified once in the connector.
 * `transient`: worth another try later (5xx, 429, network); `permanent`: a person must fix
 * something first (credentials, scopes, a missing field), so retrying is pointless.
 */
export type CrmFailure =
  | {
      readonly kind: 'transient';
      /** Stable code, e.g. `CRM_RATE_LIMITED`, `CRM_UNAVAILABLE`, `CRM_TIMEOUT`. */
      readonly code: string;
      readonly message: string;
      readonly status?: number;
      /** The CRM asked us to wait at least this long (Retry-After and the like). */
      readonly retryAfterMs?: number;
    }
  | {
      readonly kind: 'permanent';
      /** Stable code, e.g. `CRM_UNAUTHORIZED`, `CRM_VALIDATION`, `CRM_MISSING_FIELD`. */
      readonly code: string;
      /** What is wrong and what to do about it; shown to operators, never holds personal data. */
      readonly message: string;
      readonly status?: number;
    };

/**
 * The code of a transient failure that only says "too many requests, come back later": the
 * pipeline retries it without spending one of the job's tries (a busy CRM is not a broken one).
 */
export const RATE_LIMITED = 'CRM_RATE_LIMITED';

export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly failure: CrmFailure };

export const succeed = <T>(value: T): Outcome<T> => ({ ok: true, value });
export const fail = (failure: CrmFailure): Outcome<never> => ({ ok: false, failure });

export const transient = (code: string, message: string, extra: { status?: number; retryAfterMs?: number } = {}): CrmFailure => ({
  kind: 'transient',
  code,
  message,
  ...extra,
});

export const permanent = (code: string, message: string, extra: { status?: number } = {}): CrmFailure => ({
  kind: 'permanent',
  code,
  message,
  ...extra,
});
