import { strict as assert } from 'node:assert';
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { connect } from 'node:net';
import { networkProblem } from '../../connectors/salesforce/client';
import { send, sendProblem } from '../../src/net/http-client';
import { freePort } from '../support/net';
import { connectorFor, conversation, sandbox, value, type Sandbox } from '../connectors/salesforce/support';

const listen = (server: Server): Promise<string> =>
  new Promise((resolve, reject) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') reject(new Error('not listening on a port'));
      else resolve(`http://127.0.0.1:${address.port}`);
    }),
  );

const close = (server: Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

const bodyOf = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
  });

describe('outside calls over node:http (src/net/http-client.ts)', () => {
  it("sends the body with its own byte length (a caller's Content-Length dropped), and reads status, headers and text", async () => {
    let seen: { length: string | undefined; lengths: number; body: string } | undefined;
    const server = createHttpServer((req, res) => {
      void bodyOf(req).then((body) => {
        seen = {
          length: req.headers['content-length'],
          lengths: req.rawHeaders.filter((h) => h.toLowerCase() === 'content-length').length,
          body: body.toString('utf8'),
        };
        res.setHeader('Content-Type', 'application/json');
        res.setHeader('X-Twice', ['a', 'b']);
        res.statusCode = 201;
        res.end('{"id":"ü"}');
      });
    });
    const url = await listen(server);
    try {
      const answer = await send(
        { method: 'POST', url: `${url}/x`, headers: { 'Content-Length': '3', Authorization: 'Bearer t' }, body: '{"Name":"Zoë"}' },
        2000,
      );
      assert.deepEqual(seen, { length: String(Buffer.byteLength('{"Name":"Zoë"}')), lengths: 1, body: '{"Name":"Zoë"}' });
      assert.equal(answer.status, 201);
      assert.equal(answer.text, '{"id":"ü"}');
      assert.equal(answer.headers['content-type'], 'application/json');
      assert.equal(answer.headers['x-twice'], 'a, b');
    } finally {
      await close(server);
    }
  });

  it("follows redirects as fetch does: 307 repeats the request, 303 and a POST's 302 become a GET without the body, at most 10", async () => {
    const seen: string[] = [];
    const server = createHttpServer((req, res) => {
      void bodyOf(req).then((body) => {
        seen.push(`${req.method ?? ''} ${req.url ?? ''} ${req.headers.authorization ?? ''} ${body.toString('utf8')}`);
        if (req.url === '/307') res.writeHead(307, { location: '/302' }).end();
        else if (req.url === '/302') res.writeHead(302, { location: `${url}/done` }).end();
        else if (req.url === '/loop') res.writeHead(303, { location: '/loop' }).end();
        else res.writeHead(200, { 'content-type': 'application/json' }).end('{"moved":true}');
      });
    });
    const url = await listen(server);
    try {
      const answer = await send(
        { method: 'POST', url: `${url}/307`, headers: { authorization: 'Bearer t', 'content-type': 'application/json' }, body: '{"a":1}' },
        2000,
      );
      assert.deepEqual([answer.status, answer.text], [200, '{"moved":true}']);
      assert.deepEqual(seen, ['POST /307 Bearer t {"a":1}', 'POST /302 Bearer t {"a":1}', 'GET /done Bearer t ']);
      const looped = await send({ method: 'GET', url: `${url}/loop`, headers: {} }, 2000).catch((e: unknown) => e);
      assert.deepEqual(sendProblem(looped), { kind: 'network', code: 'E_TOO_MANY_REDIRECTS' });
      assert.equal(seen.length, 3 + 11);
    } finally {
      await close(server);
    }
  });

  it('gives up after its deadline and when nothing listens, as transient failures', async () => {
    const server = createHttpServer(() => undefined);
    const url = await listen(server);
    try {
      const late = await send({ method: 'GET', url, headers: {} }, 100).catch((e: unknown) => e);
      assert.deepEqual(sendProblem(late), { kind: 'timeout' });
      assert.equal(networkProblem(late, 100)?.code, 'CRM_TIMEOUT');
    } finally {
      server.closeAllConnections();
      await close(server);
    }
    const refused = await send({ method: 'GET', url: `http://127.0.0.1:${await freePort()}`, headers: {} }, 1000).catch((e: unknown) => e);
    assert.deepEqual(sendProblem(refused), { kind: 'network', code: 'ECONNREFUSED' });
    const problem = networkProblem(refused, 1000);
    assert.deepEqual([problem?.kind, problem?.code], ['transient', 'CRM_UNAVAILABLE']);
    assert.match(problem?.message ?? '', /ECONNREFUSED/);
  });

  it('reports a failed TLS handshake as a network problem with its code, and a header it refuses to send as the bug it is', async () => {
    const server = createHttpServer((_req, res) => res.end('plain HTTP'));
    const url = await listen(server);
    try {
      const tls = await send({ method: 'GET', url: url.replace('http:', 'https:'), headers: {} }, 2000).catch((e: unknown) => e);
      const problem = sendProblem(tls);
      assert.equal(problem?.kind, 'network');
      assert.match(problem?.kind === 'network' ? problem.code : '', /SSL|EPROTO|ECONNRESET/);
      const refused = await send({ method: 'GET', url, headers: { 'x-bad': 'line\nbreak' } }, 2000).catch((e: unknown) => e);
      assert.equal(sendProblem(refused), undefined, 'not a network problem');
    } finally {
      await close(server);
    }
  });

  it('refuses an answer past its size limit instead of holding it all, as a network problem', async () => {
    const server = createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(16 * 1024, 0x61);
      const more = () => {
        while (res.write(chunk)) if (res.destroyed) return;
        res.once('drain', more);
      };
      res.on('error', () => undefined);
      more();
    });
    const url = await listen(server);
    try {
      const refused = await send({ method: 'GET', url, headers: {} }, 5000, 100_000).catch((e: unknown) => e);
      assert.deepEqual(sendProblem(refused), { kind: 'network', code: 'E_ANSWER_TOO_LARGE' });
    } finally {
      server.closeAllConnections();
      await close(server);
    }
  });

  describe('Salesforce behind HTTPS_PROXY', () => {
    let s: Sandbox;
    let proxy: Server;
    /** The host of each request the proxy took. */
    const proxied: string[] = [];
    const saved = { HTTPS_PROXY: process.env['HTTPS_PROXY'], HTTP_PROXY: process.env['HTTP_PROXY'] };
    afterEach(async () => {
      for (const [key, v] of Object.entries(saved))
        if (v === undefined) delete process.env[key];
        else process.env[key] = v;
      await s.emulator.close();
      proxy.closeAllConnections();
      await close(proxy);
    });

    it("sends what goes through the proxy by jsforce's own path, which knows proxies, and the rest directly", async () => {
      s = await sandbox();
      const target = new URL(s.emulator.url);
      // A proxy that sends every request (forwarded, or tunnelled by CONNECT) to the emulator, whatever host was asked for.
      proxy = createHttpServer((req, res) => {
        const url = new URL(req.url ?? '/');
        proxied.push(url.host);
        const upstream = httpRequest(
          { host: '127.0.0.1', port: target.port, method: req.method, path: `${url.pathname}${url.search}`, headers: req.headers },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        upstream.on('error', () => res.destroy());
        req.pipe(upstream);
      });
      proxy.on('connect', (req: IncomingMessage, socket, head: Buffer) => {
        proxied.push(req.url ?? '');
        const upstream = connect(Number(target.port), '127.0.0.1', () => {
          socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
          upstream.write(head);
          upstream.pipe(socket).pipe(upstream);
        });
        upstream.on('error', () => socket.destroy());
        socket.on('error', () => upstream.destroy());
      });
      const proxyUrl = await listen(proxy);
      process.env['HTTPS_PROXY'] = proxyUrl;
      process.env['HTTP_PROXY'] = proxyUrl;
      // The login server by a name that is not loopback, so the proxy applies to it.
      const connector = connectorFor({ ...s.env, SALESFORCE_LOGIN_URL: `http://salesforce.test:${target.port}` });
      value(await connector.upsert({ action: 'lead', conversation: conversation({ email: 'proxied@example.com' }) }));
      // The login went through the proxy; the API calls, to the loopback instance URL it returned, did not.
      assert.deepEqual(proxied, [`salesforce.test:${target.port}`]);
    });
  });
});
