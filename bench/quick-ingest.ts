/**
 * `npx tsx bench/quick-ingest.ts [seconds] [connections]`: only the ingest comparison (service with
 * the local CRM on SQLite against bare Koa), for a quick look while working on the hot path.
 * `npm run bench` gives the published figures. The service's CPU time per transcript (user + system,
 * all its threads, from /proc) moves far less than the rates with what else the machine is doing.
 */
import { load } from './ingest';
import { runScript, startBareKoa, startService } from './service';
import { cpuMs } from './settle';

const main = async () => {
  const seconds = Number(process.argv[2] ?? '5');
  const connections = Number(process.argv[3] ?? '64');
  const service = await startService('chat2crm (CRM=local)', { CRM: 'local' });
  const bare = await startBareKoa();
  try {
    await load(service.webhookUrl, 16, 2);
    await load(`${bare.baseUrl}/webhooks/olark/bare`, 16, 2);
    const cpuBefore = cpuMs(`/proc/${service.pid}`);
    const ours = await load(service.webhookUrl, connections, seconds);
    const cpuAfter = cpuMs(`/proc/${service.pid}`);
    const cpuPer =
      cpuBefore === undefined || cpuAfter === undefined || ours.requests === 0
        ? '?'
        : Math.round((1000 * (cpuAfter - cpuBefore)) / ours.requests);
    const theirs = await load(`${bare.baseUrl}/webhooks/olark/bare`, connections, seconds);
    const ratio = ((100 * ours.requestsPerSec) / theirs.requestsPerSec).toFixed(1);
    process.stdout.write(
      `chat2crm ${ours.requestsPerSec}/s (p99 ${ours.p99Ms} ms, ${ours.failures} failed, ${cpuPer} µs CPU each), bare Koa ${theirs.requestsPerSec}/s: ${ratio} %, peak RSS ${service.rss.peakMB() ?? '?'} MB\n`,
    );
  } finally {
    await bare.stop();
    await service.stop();
  }
};

runScript('quick ingest', main);
