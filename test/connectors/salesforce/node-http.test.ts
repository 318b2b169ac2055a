import { strict as assert } from 'node:assert';
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { connect } from 'node:net';
import { networkProblem } from '../../../connectors/salesforce/client';
import { exchange } from '../../../connectors/salesforce/node-http';
import { freePort } from '../../support/net';
import { connectorFor, conversation, sandbox, value, type Sandbox } from './support';

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

describe('Salesforce connector: exchanges over node:http', () => {
  it('sends the body with its own byte length (a caller\'s Content-Length dropped) and answers as jsforce does', async () => {
    let seen: { length: string | undefined; lengths: number; body: string } | undefined;
    const server = createHttpServer((req, res) => {
      void bodyOf(req).then((body) => {
        seen = { length: req.headers['content-length'], lengths: req.rawHeaders.filter((h) => h.toLowerCase() === 'content-length').length, body: body.toString('utf8') };
        res.setHeader('Content-Type', 'application/json');
        res.setHeader('X-Twice', ['a', 'b']);
        res.statusCode = 201;
        res.end('{"id":"ü"}');
      });
    });
    const url = await listen(server);
    try {
      const answer = await exchange({ method: 'POST', url: `${url}/x`, headers: { 'Content-Length': '3', Authorization: 'Bearer t' }, body: '{"Name":"Zoë"}' }, 2000);
      assert.deepEqual(seen, { length: String(Buffer.byteLength('{"Name":"Zoë"}')), lengths: 1, body: '{"Name":"Zoë"}' });
      assert.equal(answer.statusCode, 201);
      assert.equal(answer.body, '{"id":"ü"}');
      assert.equal(answer.headers['content-type'], 'application/json');
      assert.equal(answer.headers['x-twice'], 'a, b');
    } finally {
      await close(server);
    }
  });

  it('follows a redirect as jsforce does: a GET of the Location with the same headers', async () => {
    const seen: string[] = [];
    const server = createHttpServer((req, res) => {
      seen.push(`${req.method ?? ''} ${req.url ?? ''} ${req.headers.authorization ?? ''}`);
      if (req.url === '/old') res.writeHead(307, { location: '/new' }).end();
      else if (req.url === '/loop') res.writeHead(302, { location: '/loop' }).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"moved":true}');
    });
    const url = await listen(server);
    try {
      const answer = await exchange({ method: 'POST', url: `${url}/old`, headers: { authorization: 'Bearer t' }, body: '{}' }, 2000);
      assert.deepEqual([answer.statusCode, answer.body], [200, '{"moved":true}']);
      assert.deepEqual(seen, ['POST /old Bearer t', 'GET /new Bearer t']);
      await assert.rejects(exchange({ method: 'GET', url: `${url}/loop`, headers: {} }, 2000), /maximum redirect count/);
      assert.equal(seen.length, 2 + 11);
    } finally {
      await close(server);
    }
  });

  it('gives up after its deadline and when nothing listens, as transient failures', async () => {
    const server = createHttpServer(() => undefined);
    const url = await listen(server);
    try {
      const late = await exchange({ method: 'GET', url, headers: {} }, 100).catch((e: unknown) => e);
      assert.equal(networkProblem(late, 100)?.code, 'CRM_TIMEOUT');
    } finally {
      server.closeAllConnections();
      await close(server);
    }
    const refused = await exchange({ method: 'GET', url: `http://127.0.0.1:${await freePort()}`, headers: {} }, 1000).catch((e: unknown) => e);
    const problem = networkProblem(refused, 1000);
    assert.deepEqual([problem?.kind, problem?.code], ['transient', 'CRM_UNAVAILABLE']);
    assert.match(problem?.message ?? '', /ECONNREFUSED/);
  });

  describe('behind HTTPS_PROXY', () => {
    let s: Sandbox;
    let proxy: Server;
    /** The host of each request the proxy took. */
    const proxied: string[] = [];
    const saved = { HTTPS_PROXY: process.env['HTTPS_PROXY'], HTTP_PROXY: process.env['HTTP_PROXY'] };
    afterEach(async () => {
      for (const [key, v] of Object.entries(saved)) if (v === undefined) delete process.env[key];
      else process.env[key] = v;
      await s.emulator.close();
      proxy.closeAllConnections();
      await close(proxy);
    });

    it('sends what goes through the proxy by jsforce\'s own path, which knows proxies', async () => {
      s = await sandbox();
      const target = new URL(s.emulator.url);
      // A proxy that sends every request (forwarded, or tunnelled by CONNECT) to the emulator, whatever host was asked for.
      proxy = createHttpServer((req, res) => {
        const url = new URL(req.url ?? '/');
        proxied.push(url.host);
        const upstream = httpRequest({ host: '127.0.0.1', port: target.port, method: req.method, path: `${url.pathname}${url.search}`, headers: req.headers }, (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        });
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
      assert.deepEqual(proxied.slice(0, 1), [`salesforce.test:${target.port}`]);
    });
  });
});
