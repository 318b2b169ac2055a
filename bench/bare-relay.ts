/**
 * The agent-latency baseline: a bare Koa app that, for each Olark POST, reads the body as the
 * service does, makes `?calls=N` calls one after another to the CRM emulator at RELAY_URL (a
 * small JSON body each, over a keep-alive agent, the answer read to its end) and answers a fixed
 * JSON. It stores nothing and decodes nothing, so its overhead over the emulator's own time is
 * what this machine costs any service on that path: loopback HTTP, waking up after each call,
 * the load generator and the emulator on the same cores. The emulators apply their latency to
 * every request, so the path they answer (a 401 or a 404) does not change the timing.
 */
import { Agent, request } from 'node:http';
import { bareOlarkApp } from './bare-app';

const port = Number(process.env['PORT'] ?? '3002');
const target = new URL('/bench/relay', process.env['RELAY_URL'] ?? 'http://127.0.0.1:1');
const agent = new Agent({ keepAlive: true, maxSockets: 8 });
// About the size of a contact or a note the connectors send.
const payload = JSON.stringify({
  properties: { email: 'visitor@example.com', firstname: 'Ada', lastname: 'Lovelace', hs_note_body: 'x'.repeat(900) },
});
const answer = { integrationUrl: 'http://127.0.0.1/records/bare-relay' };

const call = () =>
  new Promise<void>((resolve, reject) => {
    const req = request(
      target,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
      (res) => {
        res.on('data', () => undefined);
        res.on('end', () => resolve());
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });

bareOlarkApp(4 * 1024 * 1024, async (ctx) => {
  const calls = Math.min(Math.max(Number(ctx.query['calls'] ?? '2') || 0, 0), 8);
  for (let i = 0; i < calls; i++) await call();
  ctx.type = 'application/json';
  ctx.body = answer;
}).listen(port, '127.0.0.1');
