/**
 * What the step reliability tests (test/reliability/steps-*.test.ts) share: iAdvize closed
 * events and the env that points a child service at the emulator, the emulator's fetches per
 * conversation, HubSpot notes per conversation, and every stored step with its attempts.
 */
import assert from 'node:assert/strict';
import type { Env } from '../../src/domain/connector';
import type { Attempt, Job, JobState, Store } from '../../src/storage/store';
import type { HubspotEmulator } from '../emulators/hubspot';
import type { IAdvizeEmulator, SeedConversation } from '../emulators/iadvize';

export const IADVIZE_TOKEN = 'iadvize-steps-token-0123456789';
export const IADVIZE_SECRET = 'iadvize-steps-secret';

/** The IADVIZE_* keys of a service reading `emulator`. */
export const iadvizeEnv = (emulator: IAdvizeEmulator): Env => ({
  IADVIZE_API_URL: emulator.url,
  IADVIZE_USERNAME: emulator.username,
  IADVIZE_PASSWORD: emulator.password,
  IADVIZE_WEBHOOK_SECRET: IADVIZE_SECRET,
  IADVIZE_WEBHOOK_TOKEN: IADVIZE_TOKEN,
});

export const iadvizeWebhook = (serviceUrl: string): string => `${serviceUrl}/webhooks/iadvize/${IADVIZE_TOKEN}`;

/** `v2.conversation.closed` as iAdvize posts it (https://github.com/iadvize/documentation/blob/master/docs/webhooks.md). */
export const closedEvent = (c: SeedConversation, eventId = `evt-${c.id}`) => ({
  eventId,
  eventType: 'v2.conversation.closed',
  platform: 'ha',
  projectId: 1549,
  clientId: 335,
  conversationId: c.id,
  operatorIds: [1, 2],
  channel: 'CHAT',
  visitorId: c.visitor?.visitorId,
  createdAt: c.createdAt,
  sentAt: c.closedAt,
});

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> => typeof u === 'object' && u !== null && !Array.isArray(u);

/**
 * How many times each conversation was read from its first page: one per run of a `fetch` step
 * (a long transcript's later pages carry an `after` cursor and are not counted).
 */
export const fetchesByConversation = (emulator: IAdvizeEmulator): Map<string, number> => {
  const counts = new Map<string, number>();
  for (const request of emulator.requests) {
    if (request.method !== 'POST' || request.path !== '/graphql' || !isRecord(request.body)) continue;
    const variables = request.body['variables'];
    if (!isRecord(variables) || typeof variables['id'] !== 'string') continue;
    if (variables['after'] !== undefined && variables['after'] !== null) continue;
    counts.set(variables['id'], (counts.get(variables['id']) ?? 0) + 1);
  }
  return counts;
};

/** The transcript notes of each conversation of `source` in the emulated portal (the connector names `(<source> <id>)` in each). */
export const notesByConversation = (hubspot: HubspotEmulator, source: string, ids: readonly string[]): Map<string, string[]> => {
  const notes = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const note of hubspot.state.list('notes')) {
    const body = note.properties['hs_note_body'] ?? '';
    const id = /\((\S+) ([^)\s]+)\)/.exec(body);
    if (id?.[1] === source && id[2] !== undefined) notes.get(id[2])?.push(body);
  }
  return notes;
};

/** Fails unless `body` carries every message of `c`, in order. */
export const assertFullTranscript = (body: string, c: { readonly id: string; readonly messages: readonly { readonly id: string; readonly text: string | null }[] }): void => {
  let from = 0;
  for (const m of c.messages) {
    const at = body.indexOf(`${m.text ?? ''}<`, from);
    assert.ok(at >= 0, `message ${m.id} of ${c.id} (${c.messages.length} messages) missing from its note`);
    from = at + 1;
  }
};

export interface StepRow {
  readonly job: Job;
  readonly attempts: readonly Attempt[];
}

const STATES: readonly JobState[] = ['pending', 'running', 'done', 'dead', 'expired'];

/** Every stored step, in every state, with its attempts. */
export const allSteps = async (store: Store): Promise<StepRow[]> => {
  const rows: StepRow[] = [];
  for (const state of STATES)
    for (const job of await store.listJobs(state, 100_000)) rows.push({ job, attempts: await store.listAttempts(job.id) });
  return rows;
};

/** Contacts per email in the emulated portal (a visitor with an email is keyed by it, not by `chat_conversation_id`). */
export const contactsByEmail = (hubspot: HubspotEmulator): Map<string, number> => {
  const counts = new Map<string, number>();
  for (const contact of hubspot.state.list('contacts')) {
    const email = contact.properties['email'];
    if (email !== undefined) counts.set(email, (counts.get(email) ?? 0) + 1);
  }
  return counts;
};

/** Requests an emulator has received but not answered yet (`endedAt` is set just before the answer). */
export const inFlight = <T extends { readonly endedAt: number }>(requests: readonly T[]): T[] => requests.filter((r) => r.endedAt === 0);

/** A string field of a recorded JSON body (`variables.id` of a GraphQL call: `['variables', 'id']`). */
export const fieldOf = (body: unknown, path: readonly string[]): string | undefined => {
  let at: unknown = body;
  for (const key of path) at = isRecord(at) && Object.hasOwn(at, key) ? at[key] : undefined;
  return typeof at === 'string' ? at : undefined;
};

export interface Burst {
  /** Indexes of the posts answered 200 before the kill. */
  readonly answered: ReadonlySet<number>;
  /** Whether `ready` held during the burst, so the process was killed in the middle of it. */
  readonly killed: boolean;
}

/**
 * Posts `count` events `spacingMs` apart and kills the process (SIGKILL) the first time
 * `ready(answered)` holds; `atKill` runs synchronously just before, to note what was in flight.
 * A post whose connection dies with the process is not answered (the platform would retry it).
 */
export const burstUntilKilled = async (options: {
  readonly count: number;
  readonly spacingMs: number;
  readonly post: (i: number) => Promise<number>;
  readonly ready: (answered: number) => boolean;
  readonly atKill: () => void;
  readonly kill: () => Promise<void>;
}): Promise<Burst> => {
  const answered = new Set<number>();
  let killed = false;
  let stopWatching = false;
  const watcher = (async () => {
    while (!stopWatching) {
      if (options.ready(answered.size)) {
        options.atKill();
        killed = true;
        await options.kill();
        return;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  await Promise.all(
    Array.from({ length: options.count }, async (_, i) => {
      await new Promise((r) => setTimeout(r, i * options.spacingMs));
      if (killed) return;
      try {
        if ((await options.post(i)) === 200) answered.add(i);
      } catch {
        // the connection died with the process
      }
    }),
  );
  stopWatching = true;
  await watcher;
  return { answered, killed };
};
