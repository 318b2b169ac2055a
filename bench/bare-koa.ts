/**
 * The baseline: a bare Koa app that answers the Olark POST with a fixed JSON after reading the
 * body the way the service does (raw-body, same limit, Content-Length passed on). The bench runs
 * it as a child process beside the service so both see the same machine and load generator;
 * the ratio service / bare is what the ingest section reports.
 */
import Koa from 'koa';
import getRawBody from 'raw-body';

const port = Number(process.env['PORT'] ?? '3001');
const app = new Koa();
const answer = { integrationUrl: 'http://127.0.0.1/records/bare' };

app.use(async (ctx) => {
  if (ctx.method === 'GET' && ctx.path === '/healthz') {
    ctx.body = { status: 'ok' };
    return;
  }
  if (ctx.method !== 'POST' || !ctx.path.startsWith('/webhooks/olark/')) {
    ctx.status = 404;
    return;
  }
  const length = ctx.get('content-length');
  await getRawBody(ctx.req, { limit: 1024 * 1024, ...(length === '' ? {} : { length }) });
  ctx.type = 'application/json';
  ctx.body = answer;
});

app.listen(port, '127.0.0.1');
