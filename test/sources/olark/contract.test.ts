import { olarkSource } from '../../../src/sources/olark';
import { sourceRequest } from '../../support/requests';
import { sourceContract } from '../contract';
import { fixture, fixtureNames, olarkForm, transcript } from '../../support/olark';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

sourceContract({
  definition: olarkSource,
  env: {},
  valid: () => [transcript(), transcript({ email: 'x@example.com' })].map((p) => sourceRequest({ body: olarkForm(p), headers: FORM })),
  malformed: () => [
    sourceRequest({ body: 'data=%7Bnot json', headers: FORM }),
    sourceRequest({ body: 'nodata=1', headers: FORM }),
    sourceRequest({ body: olarkForm({ kind: 'Conversation', items: [] }), headers: FORM }),
    sourceRequest({ body: '{}', headers: { 'content-type': 'text/plain' } }),
    sourceRequest({ body: olarkForm(transcript()), headers: FORM, query: 'record=opportunity' }),
  ],
  fixtures: () => fixtureNames().map((name) => ({ name, request: sourceRequest({ body: olarkForm(fixture(name)), headers: FORM }) })),
});
