/**
 * `npx tsx bench/profile.ts [seconds] [connections]`: a CPU profile of the built service under the
 * ingest section's own load (Olark posts, 80 % new / 20 % repeats, local CRM, SQLite), written by
 * `node --cpu-prof` when the service exits, and its top functions by self time printed.
 * BENCH_PROFILE_DIR sets where the .cpuprofile goes (default a temp folder, kept).
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as t from 'io-ts';
import { isLeft } from 'fp-ts/Either';
import { load } from './ingest';
import { runScript, startService } from './service';

const Profile = t.type({
  nodes: t.array(t.type({ id: t.number, callFrame: t.type({ functionName: t.string, url: t.string, lineNumber: t.number }) })),
  samples: t.array(t.number),
});

const top = (file: string, count: number): string[] => {
  const decoded = Profile.decode(JSON.parse(readFileSync(file, 'utf8')));
  if (isLeft(decoded)) throw new Error(`${file} is not a CPU profile`);
  const frames = new Map(decoded.right.nodes.map((n) => [n.id, n.callFrame]));
  const self = new Map<string, number>();
  for (const id of decoded.right.samples) {
    const f = frames.get(id);
    const key =
      f === undefined
        ? '?'
        : `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + 1);
  }
  // Shares of the time the thread was busy: idle time depends on how long the run waited around the load.
  const idle = [...self.entries()].filter(([key]) => key.startsWith('(idle)')).reduce((n, [, v]) => n + v, 0);
  const total = decoded.right.samples.length - idle;
  return [...self.entries()]
    .filter(([key]) => !key.startsWith('(idle)'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([key, n]) => `${((100 * n) / total).toFixed(1).padStart(5)} %  ${key}`);
};

const main = async () => {
  const seconds = Number(process.argv[2] ?? '8');
  const connections = Number(process.argv[3] ?? '64');
  const dir = process.env['BENCH_PROFILE_DIR'] ?? mkdtempSync(join(tmpdir(), 'chat2crm-profile-'));
  const service = await startService('chat2crm (profiled)', { CRM: 'local', NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${dir}` });
  try {
    await load(service.webhookUrl, 16, 2);
    const result = await load(service.webhookUrl, connections, seconds);
    process.stdout.write(
      `${result.requestsPerSec} req/s at ${connections} connections, p99 ${result.p99Ms} ms, ${result.failures} failed\n`,
    );
  } finally {
    await service.stop();
  }
  // One profile per thread: the main thread's, then the checkpoint thread's when it ran.
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) throw new Error(`no profile in ${dir} (the service did not exit cleanly)`);
  for (const file of files.sort())
    process.stdout.write(`\n${join(dir, file)}, by share of busy time\n${top(join(dir, file), 30).join('\n')}\n`);
};

runScript('profile', main);
