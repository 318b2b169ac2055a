/**
 * Expected failures are values, classified once where they happen (a connector, a platform
 * client, the pipeline). `transient`: worth another try later (5xx, 429, network); `permanent`:
 * a person must fix something first (credentials, scopes, a missing field), so retrying is
 * pointless. The code is one of the failure catalogue's (errors.ts), of the same kind.
 */
import type { PermanentCode, TransientCode } from './errors';

export type CrmFailure =
  | {
      readonly kind: 'transient';
      /** Stable code, e.g. `CRM_RATE_LIMITED`, `CRM_UNAVAILABLE`, `CALL_TIMEOUT`. */
      readonly code: TransientCode;
      readonly message: string;
      readonly status?: number;
      /** The CRM asked us to wait at least this long (Retry-After and the like). */
      readonly retryAfterMs?: number;
    }
  | {
      readonly kind: 'permanent';
      /** Stable code, e.g. `CRM_UNAUTHORIZED`, `CRM_VALIDATION`, `CRM_MISSING_FIELD`. */
      readonly code: PermanentCode;
      /** What is wrong and what to do about it; shown to operators, never holds personal data. */
      readonly message: string;
      readonly status?: number;
    };

export { RATE_LIMITED } from './errors';

export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly failure: CrmFailure };

export const succeed = <T>(value: T): Outcome<T> => ({ ok: true, value });
export const fail = (failure: CrmFailure): Outcome<never> => ({ ok: false, failure });

export const transient = (code: TransientCode, message: string, extra: { status?: number; retryAfterMs?: number } = {}): CrmFailure => ({
  kind: 'transient',
  code,
  message,
  ...extra,
});

export const permanent = (code: PermanentCode, message: string, extra: { status?: number } = {}): CrmFailure => ({
  kind: 'permanent',
  code,
  message,
  ...extra,
});
