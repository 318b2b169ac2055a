/**
 * The baseline: a bare Koa app that answers the Olark POST with a fixed JSON after reading the
 * body the way the service does (raw-body, same limit, Content-Length passed on). The bench runs
 * it as a child process beside the service so both see the same machine and load generator;
 * the ratio service / bare is what the ingest section reports.
 */
import { bareOlarkApp } from './bare-app';

const port = Number(process.env['PORT'] ?? '3001');
const answer = { integrationUrl: 'http://127.0.0.1/records/bare' };

bareOlarkApp(1024 * 1024, (ctx) => {
  ctx.type = 'application/json';
  ctx.body = answer;
}).listen(port, '127.0.0.1');
