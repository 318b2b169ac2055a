/**
 * HubSpot's error bodies, as documented or observed (https://developers.hubspot.com/docs/api/error-handling).
 * https://developers.hubspot.com/docs/api/error-handling
 */
import { randomUUID } from 'node:crypto';

export type { Reply } from '../http';

/** A HubSpot error answer; emulator handlers throw it so one place turns it into a response. */
export class HubspotError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(typeof body.message === 'string' ? body.message : `HTTP ${status}`);
  }
}

const errorBody = (message: string, category: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  status: 'error',
  message,
  correlationId: randomUUID(),
  category,
  ...extra,
});

/** Per-property failures, in HubSpot's odd "JSON inside the message" layout. */
export interface PropertyProblem {
  readonly name: string;
  readonly error: 'PROPERTY_DOESNT_EXIST' | 'INVALID_OPTION' | 'INVALID_EMAIL' | 'REQUIRED' | 'INVALID_LENGTH' | 'INVALID_OWNER_ID';
  readonly message: string;
}

export const invalidProperties = (problems: readonly PropertyProblem[]) =>
  new HubspotError(
    400,
    errorBody(
      `Property values were not valid: ${JSON.stringify(problems.map((p) => ({ isValid: false, message: p.message, error: p.error, name: p.name })))}`,
      'VALIDATION_ERROR',
    ),
  );

/**
 * From version 2026-09, a create that lacks a property the portal's admin made required on new
 * records (Settings → Objects → Create Record), with one entry per property
 * (https://developers.hubspot.com/changelog/crm-api-write-validation-enforcement).
 */
export const missingRequired = (names: readonly string[]) =>
  new HubspotError(
    400,
    errorBody('The property values provided are invalid', 'VALIDATION_ERROR', {
      errors: names.map((name) => ({
        code: 'MISSING_REQUIRED_PROPERTY',
        message: `A value for ${name} must be provided`,
        context: { propertyName: [name] },
      })),
    }),
  );

export const validation = (message: string, context?: Record<string, string[]>) =>
  new HubspotError(400, errorBody(message, 'VALIDATION_ERROR', context === undefined ? {} : { context }));

/** The 409 whose only machine-readable trace of the existing id is the message (SDK issue #545). */
export const contactExists = (existingId: string) =>
  new HubspotError(409, errorBody(`Contact already exists. Existing ID: ${existingId}`, 'CONFLICT'));

/** Exact body for a duplicate value of a custom unique property is undocumented. */
export const uniqueValueTaken = (property: string, existingId: string) =>
  new HubspotError(409, errorBody(`Object with ${property} already exists. Existing ID: ${existingId}`, 'CONFLICT'));

export const propertyExists = (objectType: string, name: string) =>
  new HubspotError(
    409,
    errorBody(`Property named '${name}' already exists.`, 'OBJECT_ALREADY_EXISTS', { context: { objectType: [objectType], name: [name] } }),
  );

export const notFound = (message = 'resource not found') => new HubspotError(404, errorBody(message, 'OBJECT_NOT_FOUND'));

export const unauthorized = () =>
  new HubspotError(
    401,
    errorBody(
      'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
      'INVALID_AUTHENTICATION',
    ),
  );

/** The `errors[].context.requiredGranularScopes` layout is undocumented. */
export const missingScopes = (scopes: readonly string[]) =>
  new HubspotError(
    403,
    errorBody(
      "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
      'MISSING_SCOPES',
      {
        errors: [{ message: 'One or more of the following scopes are required.', context: { requiredGranularScopes: [...scopes] } }],
        links: { scopes: 'https://developers.hubspot.com/scopes' },
      },
    ),
  );

/** The only 429 bodies the SDK's retry decorator recognises (RetryDecorator in the SDK's lib/src/services/decorators). */
export const rateLimited = (policy: 'TEN_SECONDLY_ROLLING' | 'SECONDLY', headers: Readonly<Record<string, string>> = {}) =>
  new HubspotError(
    429,
    policy === 'TEN_SECONDLY_ROLLING'
      ? {
          status: 'error',
          message: 'You have reached your ten_secondly_rolling limit.',
          errorType: 'RATE_LIMIT',
          correlationId: randomUUID(),
          policyName: 'TEN_SECONDLY_ROLLING',
          groupName: 'publicapi:emulator',
        }
      : {
          status: 'error',
          message: 'You have reached your secondly limit.',
          errorType: 'RATE_LIMIT',
          correlationId: randomUUID(),
          policyName: 'SECONDLY',
        },
    headers,
  );

export const internalError = (status = 502) =>
  new HubspotError(status, errorBody('The server encountered an internal error. Please try again.', 'INTERNAL_ERROR'));
