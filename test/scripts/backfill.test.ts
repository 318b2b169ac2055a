/**
 * `npm run backfill` against the LiveChat emulator (its list_archives and rate limit) and a real
 * SQLite store, run as npm runs it (tsx, a child process): every archived chat of the range is
 * taken in once, as its chat_deactivated webhook would have been; a stop with Ctrl-C and a second
 * run take each chat exactly once; a run after completion lists nothing; a dry run writes nothing;
 * a 429 while listing is waited out; platforms without a listing are refused with the reason.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { decodeWebhook } from '../../src/sources/livechat/decode';
import { eventsOf, fixtureJson, requestOf } from '../sources/livechat/helpers';
import { intakeInputOf } from '../../src/pipeline/pipeline';
import { backfillProgressSetting, backfillSetting, readBackfillState } from '../../src/pipeline/backfill-state';
import { openSqliteStore } from '../../src/storage/sqlite/store';
import type { Store } from '../../src/storage/store';
import { startLiveChatEmulator, type LiveChatEmulator } from '../emulators/livechat';
import { seedArchive as seedArchived, type ArchivedChat } from '../emulators/livechat/archive-seed';

const ROOT = resolve(__dirname, '../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const SCRIPT = join(ROOT, 'scripts/backfill.ts');
const AGENT = 'agent.smith@example.com';

type Seeded = ArchivedChat;

/** `count` archived one-thread chats, an hour apart from `from`, each with a customer who has an email. */
const seedArchive = (emulator: LiveChatEmulator, from: Date, count: number): Seeded[] =>
  seedArchived(emulator.state, { count, from, agentId: AGENT });

describe('npm run backfill', function () {
  this.timeout(120_000);
  let dir: string;
  let dbPath: string;
  let emulator: LiveChatEmulator;

  const env = (): Record<string, string> => {
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(
        (e): e is [string, string] => e[1] !== undefined && !/^(DATABASE_URL|CRM|LIVECHAT_.*)$/.test(e[0]),
      ),
    );
    return {
      ...inherited,
      LOG_LEVEL: 'silent',
      DATABASE_URL: `sqlite:${dbPath}`,
      CRM: 'local',
      RETRY_SCHEDULE: '1s,2s',
      LIVECHAT_API_URL: emulator.url,
      LIVECHAT_ACCOUNT_ID: emulator.account.accountId,
      LIVECHAT_PAT: emulator.account.pat,
      LIVECHAT_AGENT_ID: emulator.account.agentId,
    };
  };
  const runAsync = (args: readonly string[]) => {
    const child = spawn(TSX, [SCRIPT, ...args], { cwd: dir, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    return { child, exited, out: () => stdout, err: () => stderr };
  };
  /** Async: the emulator answers from this process, so a synchronous spawn would starve it. */
  const run = async (args: readonly string[]) => {
    const started = runAsync(args);
    const status = await started.exited;
    return { status, stdout: started.out(), stderr: started.err() };
  };
  const withStore = async <A>(work: (store: Store) => Promise<A>): Promise<A> => {
    const store = openSqliteStore(dbPath);
    try {
      return await work(store);
    } finally {
      await store.close();
    }
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'chat2crm-backfill-'));
    dbPath = join(dir, 'service.db');
    await withStore(async () => undefined);
    emulator = await startLiveChatEmulator();
    emulator.state.addAgent(AGENT, 'Agent Smith');
  });
  afterEach(async () => {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses platforms it cannot list, saying why, and unknown platforms', async () => {
    for (const [source, reason] of [
      ['olark', /olark cannot be backfilled: Olark has no transcript API/],
      ['livesupporti', /livesupporti cannot be backfilled: LiveSupporti has no transcript API/],
      ['iadvize', /iadvize cannot be backfilled: iAdvize's API reads a conversation by its id but has no way to list closed conversations/],
    ] as const) {
      const refused = await run(['--source', source, '--since', '2026-01-01']);
      assert.equal(refused.status, 2, refused.stderr);
      assert.match(refused.stderr, reason);
    }
    const unknown = await run(['--source', 'zendesk', '--since', '2026-01-01']);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /no platform zendesk; the platforms are olark, livechat, livesupporti, iadvize/);
    const bad = await run(['--source', 'livechat', '--since', 'yesterday']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--since yesterday is not a date/);
    assert.equal(emulator.calls().length, 0);
  });

  it('delivers every archived chat of the range once, as its webhook would; a second run lists nothing', async () => {
    const chats = seedArchive(emulator, new Date('2026-01-10T00:00:00Z'), 230);
    const first = await run(['--source', 'livechat', '--since', '2026-01-01']);
    assert.equal(first.status, 0, first.stdout + first.stderr);
    assert.match(first.stdout, /Backfill finished\./);
    assert.match(first.stdout, /found: +230/);
    assert.match(first.stdout, /queued: +230\n/);
    assert.match(first.stdout, /already known: +0/);
    assert.match(first.stdout, /delivered: +230/);
    assert.match(first.stdout, /dead: +0/);
    // Plain lines, not a bar, when stdout is no terminal.
    assert.match(first.stdout, /^listing: 100 of about 230 listed, 100 queued, 0 already known$/m);
    const listings = emulator.calls('list_archives');
    assert.equal(listings.length, 3, '100 a page');
    assert.deepEqual(listings[0]?.body, { filters: { from: '2026-01-01T00:00:00.000000Z' }, sort_order: 'asc', limit: 100 });
    assert.ok(listings.slice(1).every((r) => typeof r.body === 'object' && r.body !== null && Object.keys(r.body).join() === 'page_id'));
    assert.equal(emulator.calls('get_chat').length, 230, 'the fetch step reads each chat once');

    await withStore(async (store) => {
      for (const chat of chats) {
        assert.equal(await store.conversationState(`livechat:${chat.chatId}`), 'delivered');
        const jobs = await store.conversationJobs(`livechat:${chat.chatId}`, 10);
        assert.deepEqual(
          jobs.map((j) => j.kind),
          ['fetch', 'deliver', 'notify'],
        );
      }
      const sample = chats[7];
      assert.ok(sample !== undefined);
      const stored = await store.getConversation(`livechat:${sample.chatId}`);
      assert.equal(stored?.conversation.visitor.email, 'visitor7@example.com');
      assert.match(stored?.conversation.messages.map((m) => m.body).join('\n') ?? '', /Question number 7/);
      // A chat_deactivated webhook of a backfilled thread, arriving now, is a duplicate.
      const late = await store.intake(intakeInputOf(webhookEvent(sample), new Date()));
      assert.equal(late.duplicate, true);
      const progress = readBackfillState(await store.getSetting(backfillProgressSetting('livechat')));
      assert.equal(progress?.status, 'done');
    });
    // The session field carries the link (notify ran; no agents-only message to a closed chat).
    assert.equal(emulator.calls('send_event').length, 0);
    assert.ok([...emulator.state.customers.values()].every((c) => c.session_fields.some((f) => 'crm_record_url' in f)));

    emulator.requests.length = 0;
    const again = await run(['--source', 'livechat', '--since', '2026-01-01']);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /This range was backfilled at .*: nothing to do/);
    assert.equal(emulator.calls().length, 0, 'nothing listed, nothing fetched');

    const restarted = await run(['--source', 'livechat', '--since', '2026-01-01', '--restart', '--no-wait']);
    assert.equal(restarted.status, 0, restarted.stderr);
    assert.match(restarted.stdout, /queued: +0\n/);
    assert.match(restarted.stdout, /already known: +230/);
  });

  it('maps each archived chat with MAPPING_FILE, as the service would deliver it', async () => {
    const chats = seedArchive(emulator, new Date('2026-01-10T00:00:00Z'), 3);
    const file = join(dir, 'mapping.json');
    writeFileSync(file, JSON.stringify({ lead: { fields: { Platform: '{{source}}', Email: '{{visitor.email}}' } } }));
    process.env['MAPPING_FILE'] = file;
    try {
      const done = await run(['--source', 'livechat', '--since', '2026-01-01']);
      assert.equal(done.status, 0, done.stdout + done.stderr);
    } finally {
      delete process.env['MAPPING_FILE'];
    }
    await withStore(async (store) => {
      const chat = chats[1];
      assert.ok(chat !== undefined);
      const [newest] = await store.listRecords(`livechat:${chat.chatId}`);
      const id = decodeURIComponent(newest?.record.url.split('/records/')[1] ?? '');
      const record = await store.getLocalRecord(id);
      assert.deepEqual(record?.fields, { lead: { Platform: 'livechat', Email: 'visitor1@example.com' } });
    });
  });

  it('recognises a chat its webhook brought before, and takes only --since to --until', async () => {
    const chats = seedArchive(emulator, new Date('2026-02-01T00:00:00Z'), 72);
    // Chats of 2026-02-01 and 02-02 are before, 02-03 is the range, the rest after.
    const inRange = chats.filter((c) => c.at.toISOString().startsWith('2026-02-03'));
    assert.equal(inRange.length, 24);
    const viaWebhook = inRange[3];
    assert.ok(viaWebhook !== undefined);
    await withStore(async (store) => {
      const intake = await store.intake(intakeInputOf(webhookEvent(viaWebhook), new Date()));
      assert.equal(intake.duplicate, false);
    });
    const result = await run(['--source', 'livechat', '--since', '2026-02-03', '--until', '2026-02-03', '--no-wait']);
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /from 2026-02-03T00:00:00.000Z to 2026-02-03T23:59:59.999Z/);
    assert.match(result.stdout, /listed: +24\n/);
    assert.match(result.stdout, /queued: +23\n/);
    assert.match(result.stdout, /already known: +1\n/);
    assert.match(result.stdout, /left to the service's worker \(--no-wait\)/);
    assert.deepEqual(emulator.calls('list_archives')[0]?.body, {
      filters: { from: '2026-02-03T00:00:00.000000Z', to: '2026-02-03T23:59:59.999000Z' },
      sort_order: 'asc',
      limit: 100,
    });
    assert.equal(emulator.calls('get_chat').length, 0, '--no-wait: no steps run here');
    await withStore(async (store) => {
      for (const chat of chats) {
        const jobs = await store.conversationJobs(`livechat:${chat.chatId}`, 10);
        assert.equal(jobs.length, inRange.includes(chat) ? 1 : 0, `${chat.at.toISOString()}`);
      }
      const range = { source: 'livechat', since: new Date('2026-02-03T00:00:00Z'), until: new Date('2026-02-03T23:59:59.999Z') };
      assert.equal(readBackfillState(await store.getSetting(backfillSetting(range)))?.status, 'done');
    });
  });

  it('writes nothing in a dry run', async () => {
    seedArchive(emulator, new Date('2026-01-10T00:00:00Z'), 120);
    const result = await run(['--source', 'livechat', '--since', '2026-01-01', '--dry-run']);
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /Dry run finished: nothing was written\./);
    assert.match(result.stdout, /would queue: +120/);
    await withStore(async (store) => {
      assert.equal((await store.listConversations({ limit: 10 })).conversations.length, 0);
      assert.equal(await store.getSetting(backfillProgressSetting('livechat')), undefined);
      assert.equal((await store.queueStats()).pending, 0);
    });
    assert.deepEqual([...new Set(emulator.calls().map((r) => r.action))], ['list_archives']);
  });

  it('waits out a 429 in the middle of the listing, as Retry-After says, without counting it a failure', async () => {
    seedArchive(emulator, new Date('2026-01-10T00:00:00Z'), 250);
    emulator.faults.setRateLimit({ requests: 2, windowMs: 1500 });
    const result = await run(['--source', 'livechat', '--since', '2026-01-01', '--no-wait']);
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /CRM_RATE_LIMITED: waiting [12] s/);
    assert.match(result.stdout, /queued: +250\n/);
    const listings = emulator.calls('list_archives');
    assert.deepEqual(
      listings.map((r) => r.status),
      [200, 200, 429, 200],
    );
    assert.equal(
      listings[3]?.body !== undefined && JSON.stringify(listings[3].body),
      JSON.stringify(listings[2]?.body),
      'the same page asked again',
    );
  });

  it('stops cleanly on Ctrl-C and a second run takes up where the first stopped, each chat once', async () => {
    const chats = seedArchive(emulator, new Date('2026-01-10T00:00:00Z'), 450);
    emulator.faults.setLatency(400);
    const first = runAsync(['--source', 'livechat', '--since', '2026-01-01', '--no-wait']);
    for (let i = 0; i < 200 && !/^listing: 100 /m.test(first.out()); i++) await new Promise((r) => setTimeout(r, 50));
    first.child.kill('SIGINT');
    assert.equal(await first.exited, 0, first.out() + first.err());
    assert.match(first.err(), /stopping after the page in hand/);
    assert.match(first.out(), /Backfill stopped: run the same command again/);
    const listedFirst = emulator.calls('list_archives').length;
    assert.ok(listedFirst >= 1 && listedFirst < 5, `stopped early (${listedFirst} pages)`);
    const queuedFirst = Number(/queued: +(\d+)/.exec(first.out())?.[1]);
    assert.equal(queuedFirst, Math.min(listedFirst * 100, 450));

    emulator.faults.setLatency(0);
    emulator.requests.length = 0;
    const second = await run(['--source', 'livechat', '--since', '2026-01-01', '--no-wait']);
    assert.equal(second.status, 0, second.stdout + second.stderr);
    const resumedAt = emulator.calls('list_archives')[0]?.body;
    assert.ok(typeof resumedAt === 'object' && resumedAt !== null && 'page_id' in resumedAt, 'went on from the saved page');
    assert.match(second.stdout, /queued: +450 \(\d+ this run\)/);
    assert.match(second.stdout, /already known: +0\n/);
    await withStore(async (store) => {
      for (const chat of chats) {
        const jobs = await store.conversationJobs(`livechat:${chat.chatId}`, 10);
        assert.equal(jobs.length, 1, 'queued exactly once');
      }
    });
    emulator.requests.length = 0;
    const third = await run(['--source', 'livechat', '--since', '2026-01-01', '--no-wait']);
    assert.match(third.stdout, /nothing to do/);
    assert.equal(emulator.calls().length, 0);
  });
});

/** What the chat_deactivated webhook of this thread decodes to (LiveChat's documented body, test/fixtures/livechat). */
const webhookEvent = (chat: Seeded) => {
  const body = fixtureJson('v3.6-chat_deactivated-docs.json');
  const events = eventsOf(decodeWebhook(requestOf({ ...body, payload: { chat_id: chat.chatId, thread_id: chat.threadId } })));
  const event = events[0];
  assert.ok(events.length === 1 && event?.kind === 'conversation');
  return event;
};
