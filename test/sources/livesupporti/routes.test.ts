import { strict as assert } from 'node:assert';
import type { Rejection, SourceResponse, SourceRoute, SourceServices } from '../../../src/domain/source';
import { livesupportiRoutes } from '../../../src/sources/livesupporti/routes';
import { sourceRequest } from '../../support/requests';

// The handshake touches no service: any call is a bug.
const unused = (name: string) => () => {
  throw new Error(`the echo route called services.${name}`);
};
const services: SourceServices = {
  findPerson: unused('findPerson'),
  recordLink: unused('recordLink'),
  recordLinkForVisitor: unused('recordLinkForVisitor'),
  receive: unused('receive'),
  stableLink: unused('stableLink'),
};

const route = (method: SourceRoute['method']): SourceRoute => {
  const found = livesupportiRoutes.find((r) => r.method === method && r.path === '');
  if (found === undefined) throw new Error(`no ${method} '' route`);
  return found;
};

const isRejection = (a: SourceResponse | Rejection): a is Rejection => 'code' in a;

const get = async (query: string, headers: Record<string, string> = {}) =>
  route('GET').handle(sourceRequest({ method: 'GET', query, headers }), services);

describe('LiveSupporti echo handshake and CORS', () => {
  it('answers ?echo=<value> with exactly the value as text/plain, allowed for livesupporti.com', async () => {
    const answer = await get('echo=5f0c2e5b2c1d4b6f9d1e2a3b4c5d6e7f');
    assert.ok(!isRejection(answer));
    assert.deepEqual(answer, {
      status: 200,
      body: '5f0c2e5b2c1d4b6f9d1e2a3b4c5d6e7f',
      contentType: 'text/plain; charset=utf-8',
      headers: {
        'Access-Control-Allow-Origin': 'https://livesupporti.com',
        Vary: 'Origin',
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': 'no-store',
      },
    });
  });

  it('decodes the value as a query parameter and ignores other parameters', async () => {
    const answer = await get('x=1&echo=a%20b%2Bc+d&echo=second');
    assert.ok(!isRejection(answer));
    assert.equal(answer.body, 'a b+c d');
  });

  it('answers a LiveSupporti subdomain origin with that origin, any other with livesupporti.com', async () => {
    const www = await get('echo=1', { origin: 'https://www.livesupporti.com' });
    const other = await get('echo=1', { origin: 'https://evil.example.com' });
    const lookalike = await get('echo=1', { origin: 'https://livesupporti.com.evil.example' });
    assert.ok(!isRejection(www) && !isRejection(other) && !isRejection(lookalike));
    assert.equal(www.headers?.['Access-Control-Allow-Origin'], 'https://www.livesupporti.com');
    assert.equal(other.headers?.['Access-Control-Allow-Origin'], 'https://livesupporti.com');
    assert.equal(lookalike.headers?.['Access-Control-Allow-Origin'], 'https://livesupporti.com');
  });

  it('answers a GET without echo (or with an empty one) with INVALID_QUERY', async () => {
    for (const query of ['', 'noecho=1', 'echo=', 'Echo=abc']) {
      const answer = await get(query);
      assert.ok(isRejection(answer), query);
      assert.equal(answer.code, 'INVALID_QUERY');
    }
  });

  it('answers the preflight with the allowed origin, methods and headers', async () => {
    const answer = await route('OPTIONS').handle(
      sourceRequest({
        method: 'OPTIONS',
        headers: {
          origin: 'https://livesupporti.com',
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'content-type, x-requested-with',
        },
      }),
      services,
    );
    assert.ok(!isRejection(answer));
    assert.deepEqual(answer, {
      status: 204,
      body: '',
      contentType: 'text/plain; charset=utf-8',
      headers: {
        'Access-Control-Allow-Origin': 'https://livesupporti.com',
        Vary: 'Origin',
        'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
        'Access-Control-Allow-Headers': 'content-type, x-requested-with',
        'Access-Control-Max-Age': '86400',
      },
    });
  });

  it('does not echo requested headers that are not a plain header list', async () => {
    const answer = await route('OPTIONS').handle(
      sourceRequest({ method: 'OPTIONS', headers: { 'access-control-request-headers': 'x\r\nSet-Cookie: a=b' } }),
      services,
    );
    assert.ok(!isRejection(answer));
    assert.equal(answer.headers?.['Access-Control-Allow-Headers'], 'Content-Type, ms-signature');
  });
});
