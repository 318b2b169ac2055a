/**
 * From API version 2026-09 HubSpot applies the rules a portal's admin set to API writes: a
 * property required on every new record, or required by a conditional rule, refuses the create
 * with 400 VALIDATION_ERROR naming the property
 * (https://developers.hubspot.com/changelog/crm-api-write-validation-enforcement). Retrying
 * cannot help: it is a permanent failure that names the property and what to change.
 */
import assert from 'node:assert/strict';
import { fromHubspotError } from '../../../connectors/hubspot/mappers';
import { startHubspotEmulator, type HubspotEmulator } from '../../emulators/hubspot';
import { conversation } from '../../support/conversations';
import { connectorFor, value } from './helpers';

describe('HubSpot connector: 2026-09 portal validation rules', () => {
  let hs: HubspotEmulator;
  beforeEach(async () => {
    hs = await startHubspotEmulator();
    hs.state.requiredOnCreate.contacts.add('jobtitle');
  });
  afterEach(() => hs.close());

  it('fails a lead permanently, naming the property the portal requires, and creates nothing', async () => {
    const outcome = await connectorFor(hs).upsert({ action: 'lead', conversation: conversation() });

    assert.ok(!outcome.ok);
    assert.deepEqual([outcome.failure.kind, outcome.failure.code, outcome.failure.status], ['permanent', 'CRM_VALIDATION', 400]);
    assert.match(
      outcome.failure.message,
      /property "jobtitle" \(MISSING_REQUIRED_PROPERTY: required on every new record by the portal \(Settings → Objects → the object → Create Record\)\)/,
    );
    assert.match(outcome.failure.message, /HUBSPOT_API_VERSION=2026-03/);
    assert.doesNotMatch(outcome.failure.message, /ada@example\.com/, 'no personal data');
    assert.deepEqual([hs.state.list('contacts').length, hs.state.list('notes').length], [0, 0]);
    assert.equal(hs.requests.filter((r) => r.method === 'POST').length, 1, 'not retried');
  });

  it('delivers the same lead on 2026-03, which leaves portal rules to the UI', async () => {
    const record = value(
      await connectorFor(hs, { HUBSPOT_API_VERSION: '2026-03' }).upsert({ action: 'lead', conversation: conversation() }),
    );
    assert.equal(hs.state.list('contacts')[0]?.id, record.id);
  });

  it('names the property of a conditional rule, and of several at once', () => {
    const refusal = {
      code: 400,
      headers: {},
      body: {
        status: 'error',
        category: 'VALIDATION_ERROR',
        message: 'The property values provided are invalid',
        correlationId: 'c',
        errors: [
          {
            code: 'MISSING_CONDITIONAL_REQUIRED_PROPERTY',
            message: 'state is required because of a conditional property rule based on [country]',
            context: { propertyName: ['state'] },
          },
          {
            code: 'MISSING_REQUIRED_PROPERTY',
            message: 'A value for firstname must be provided',
            context: { propertyName: ['firstname'] },
          },
        ],
      },
    };
    const failure = fromHubspotError(refusal, 'create contacts');
    assert.equal(failure?.kind, 'permanent');
    assert.match(
      failure?.message ?? '',
      /property "state" \(MISSING_CONDITIONAL_REQUIRED_PROPERTY: required by a conditional property rule of the portal \(Settings → Properties\)\), "firstname" \(MISSING_REQUIRED_PROPERTY/,
    );
  });
});
