import assert from 'node:assert/strict';
import { retryAfterMs } from '../../src/domain/retry-after';

const now = Date.parse('2026-12-02T08:00:00Z');

describe('Retry-After', () => {
  it('reads delay-seconds, whole or fractional, around whitespace', () => {
    assert.equal(retryAfterMs('120', now), 120_000);
    assert.equal(retryAfterMs(' 3 ', now), 3000);
    assert.equal(retryAfterMs('0', now), 0);
    // Not in RFC 9110, sent by some limiters: a fraction of a second, not a date in 2001.
    assert.equal(retryAfterMs('1.5', now), 1500);
    assert.equal(retryAfterMs('0.25', now), 250);
  });

  it('reads the three HTTP-date forms as the wait until then, and a past date as now', () => {
    assert.equal(retryAfterMs('Wed, 02 Dec 2026 08:00:30 GMT', now), 30_000);
    assert.equal(retryAfterMs('Wednesday, 02-Dec-26 08:01:00 GMT', now), 60_000);
    assert.equal(retryAfterMs('Wed Dec  2 08:00:05 2026', now) !== undefined, true);
    assert.equal(retryAfterMs('Tue, 01 Dec 2026 08:00:00 GMT', now), 0);
  });

  it('is no advice at all when absent, empty or not a delay nor a date', () => {
    for (const value of [undefined, null, '', '   ', '-1', '1e3', '0x10', '1.5.3', 'soon', '12 seconds', 'Infinity', '9'.repeat(400)]) {
      assert.equal(retryAfterMs(value, now), undefined, JSON.stringify(value));
    }
  });
});
