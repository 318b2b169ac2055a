/**
 * `npx tsx bench/quick-threads.ts [seconds] [connections]`: the ingest load of section 1 against
 * the service (local CRM, SQLite), and the CPU time each of the service's threads spent per
 * answered request, read from /proc (Linux). Shows which thread bounds throughput.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { load } from './ingest';
import { runScript, startService } from './service';
import { cpuMs } from './settle';

/** CPU µs of each of the process's threads, by name and id. */
const threadTimes = (pid: number): Map<string, number> => {
  const times = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const task = `/proc/${pid}/task/${tid}`;
    const ms = cpuMs(task);
    // A thread that ended between the listing and the read is left out.
    if (ms === undefined) continue;
    try {
      times.set(`${readFileSync(`${task}/comm`, 'utf8').trim()} ${tid}`, ms * 1000);
    } catch {
      // Ended just now.
    }
  }
  return times;
};

const main = async () => {
  const seconds = Number(process.argv[2] ?? '8');
  const connections = Number(process.argv[3] ?? '64');
  const service = await startService('chat2crm (CRM=local)', { CRM: 'local' });
  try {
    await load(service.webhookUrl, 16, 2);
    const before = threadTimes(service.pid);
    const started = process.cpuUsage();
    const result = await load(service.webhookUrl, connections, seconds);
    const after = threadTimes(service.pid);
    const ours = process.cpuUsage(started);
    const requests = result.requestsPerSec * seconds;
    process.stdout.write(
      `${result.requestsPerSec} req/s, p99 ${result.p99Ms} ms, peak RSS ${service.rss.peakMB() ?? '?'} MB; CPU µs per request by thread:\n`,
    );
    const rows = [...after.entries()]
      .map(([thread, us]) => [thread, (us - (before.get(thread) ?? 0)) / requests] as const)
      .filter(([, us]) => us >= 1)
      .sort((a, b) => b[1] - a[1]);
    for (const [thread, us] of rows) process.stdout.write(`  ${us.toFixed(0).padStart(5)}  ${thread}\n`);
    process.stdout.write(`  ${((ours.user + ours.system) / requests).toFixed(0).padStart(5)}  (load generator)\n`);
  } finally {
    await service.stop();
  }
};

runScript('quick threads', main);
