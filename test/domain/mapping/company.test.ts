/** The company domain of a visitor's email (src/domain/mapping/company.ts). */
import assert from 'node:assert/strict';
import { companyDomainOf, emailDomain, isFreeMailDomain } from '../../../src/domain/mapping';

describe('mapping: company domain of an email', () => {
  it('is the lower-cased domain of a work address', () => {
    assert.equal(companyDomainOf(' Ada@Analytical.IO '), 'analytical.io');
    assert.equal(companyDomainOf('a.b+tag@mail.engines.co.uk'), 'mail.engines.co.uk');
  });

  it('skips free-mail providers from the maintained list', () => {
    for (const email of ['x@gmail.com', 'x@GMAIL.com', 'x@outlook.com', 'x@yahoo.fr', 'x@hotmail.co.uk'])
      assert.equal(companyDomainOf(email), undefined, email);
    assert.equal(isFreeMailDomain('analytical.io'), false);
  });

  it('has none for what is not an address with a host', () => {
    for (const email of [undefined, '', 'ada', '@acme.io', 'ada@', 'ada@localhost', 'ada@acme..io', 'ada@-acme.io'])
      assert.equal(emailDomain(email), undefined, String(email));
  });
});
