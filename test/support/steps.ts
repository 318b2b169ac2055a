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
import { conversationClosed } from '../emulators/iadvize/play';

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

/** `v2.conversation.closed` as iAdvize posts it, with a stable event id: a repost is iAdvize's retry of the same event. */
export const closedEvent = (c: SeedConversation, eventId = `evt-${c.id}`): Record<string, unknown> => conversationClosed(c, eventId);

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
export const assertFullTranscript = (
  body: string,
  c: { readonly id: string; readonly messages: readonly { readonly id: string; readonly text: string | null }[] },
): void => {
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
 *
 * The last post waits for the kill: however slow the machine, the burst cannot end before `ready`
 * comes, so the kill always falls mid-burst. Only when `ready` has not held `giveUpMs` after the
 * last post was due (default 10 s) is the last post sent and the burst left unkilled.
 */
export const burstUntilKilled = async (options: {
  readonly count: number;
  readonly spacingMs: number;
  readonly post: (i: number) => Promise<number>;
  readonly ready: (answered: number) => boolean | Promise<boolean>;
  readonly atKill: () => void;
  readonly kill: () => Promise<void>;
  readonly giveUpMs?: number;
}): Promise<Burst> => {
  const answered = new Set<number>();
  let killed = false;
  const giveUpAt = Date.now() + options.count * options.spacingMs + (options.giveUpMs ?? 10_000);
  const watcher = (async () => {
    while (Date.now() < giveUpAt) {
      if (await options.ready(answered.size)) {
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
      if (i === options.count - 1) await watcher;
      if (killed) return;
      try {
        if ((await options.post(i)) === 200) answered.add(i);
      } catch {
        // the connection died with the process
      }
    }),
  );
  await watcher;
  return { answered, killed };
};

/** A request log entry of an emulator (test/emulators/http.ts), as the holds below read it. */
export interface HeldEntry {
  readonly body?: unknown;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly heldUntil?: Promise<unknown>;
}

/** One kind of call to keep in flight: where its requests are logged, and how to hold the next one's answer. */
export interface HoldKind {
  readonly name: string;
  readonly requests: readonly HeldEntry[];
  /** Injects into the emulator a fault that holds the answer of the next matching request until `until` settles (`holdAnswer`). */
  readonly hold: (until: Promise<unknown>) => void;
}

export interface AnswerHolds {
  /** Holds the next call of each kind not held yet (once per kind: it is idempotent). */
  arm(): void;
  /**
   * Whether a call of every kind is held now, each caught less than `freshMs` ago. A call held
   * longer is let go (before the service's own time limit gives up on it, when it would no longer
   * be in flight from the service's side) and the next call of its kind is held instead. Held
   * calls cannot end, so once a call of each kind is caught this holds until the kill.
   */
  allHeld(): boolean;
  /** The calls held now, by kind. */
  held(): Map<string, HeldEntry[]>;
  /** Sends every held answer (to a dead process, after the kill) and holds no more. */
  release(): void;
}

/**
 * Calls surely in flight: the emulators answer them only on `release`. The service's own time
 * limits (CRM_TIMEOUT_MS, four fifths of JOB_LEASE_MS for a platform step) must exceed `freshMs`
 * plus what the step did before the held call.
 */
export const answerHolds = (kinds: readonly HoldKind[], freshMs: number): AnswerHolds => {
  const gates = new Map<string, { readonly until: Promise<void>; readonly open: () => void }>();
  let released = false;
  const armKind = (kind: HoldKind) => {
    const { promise: until, resolve: open } = Promise.withResolvers<void>();
    gates.set(kind.name, { until, open: () => open() });
    kind.hold(until);
  };
  const caught = (kind: HoldKind): HeldEntry | undefined => {
    const gate = gates.get(kind.name);
    if (gate === undefined) return undefined;
    for (let i = kind.requests.length - 1; i >= 0; i--) if (kind.requests[i]?.heldUntil === gate.until) return kind.requests[i];
    return undefined;
  };
  return {
    arm: () => {
      if (released) return;
      for (const kind of kinds) if (!gates.has(kind.name)) armKind(kind);
    },
    allHeld: () => {
      if (released) return false;
      const now = Date.now();
      let all = true;
      for (const kind of kinds) {
        const entry = caught(kind);
        if (entry === undefined) {
          all = false;
        } else if (now - entry.startedAt >= freshMs) {
          gates.get(kind.name)?.open();
          armKind(kind);
          all = false;
        }
      }
      return all;
    },
    held: () =>
      new Map(
        kinds.map((kind) => [
          kind.name,
          kind.requests.filter((r) => r.endedAt === 0 && r.heldUntil !== undefined && r.heldUntil === gates.get(kind.name)?.until),
        ]),
      ),
    release: () => {
      released = true;
      for (const gate of gates.values()) gate.open();
    },
  };
};
