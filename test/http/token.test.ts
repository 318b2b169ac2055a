import assert from 'node:assert/strict';
import { tokenMatches } from '../../src/http/token';

describe('tokenMatches', () => {
  const secret = 'k3y-5ecr3t_0123456789abcdef';

  it('accepts the exact token', () => {
    assert.equal(tokenMatches(secret, secret), true);
    assert.equal(tokenMatches('ünï-çødé', 'ünï-çødé'), true);
  });

  it('rejects a different token of the same length, a prefix, a longer token and another case', () => {
    assert.equal(tokenMatches(`${secret.slice(0, -1)}X`, secret), false);
    assert.equal(tokenMatches(secret.slice(0, 5), secret), false);
    assert.equal(tokenMatches(`${secret}x`, secret), false);
    assert.equal(tokenMatches(secret.toUpperCase(), secret), false);
    assert.equal(tokenMatches('', secret), false);
  });

  it('never matches when no token is configured', () => {
    assert.equal(tokenMatches('', ''), false);
  });
});
