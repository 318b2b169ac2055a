/**
 * One inbound event: stored (a throw means nothing of it was stored), then its steps run here
 * within a sync platform's deadline or are left to the worker, and the agent's answer made.
 */
import type { Log } from '../domain/log';
import type { ChatSource, InboundEvent, SyncResult } from '../domain/source';
import type { IntakeInput, Store } from '../storage/store';
import type { Answers } from './answers';
import type { DeliveryHere } from './delivery';
import type { RunInline } from './inline-runner';
import type { Observer } from './observer';

/** What intake stores for a conversation event (webhooks and `npm run backfill` alike). */
export const intakeInputOf = (event: Extract<InboundEvent, { kind: 'conversation' }>, now: Date): IntakeInput => ({
  conversation: event.conversation,
  dedupKey: event.dedupKey,
  plan: event.plan,
  ...(event.forced === undefined ? {} : { forced: event.forced }),
  ...(event.meta === undefined ? {} : { meta: event.meta }),
  ...(event.expiresAt === undefined ? {} : { expiresAt: event.expiresAt }),
  now,
});

/** When a platform's "send test" last reached us (the status page shows it). */
export const lastTestSetting = (source: string): string => `${source}.last_test_at`;

export interface IntakeDeps {
  readonly store: Store;
  readonly owner: string;
  readonly leaseMs: number;
  readonly syncDeadlineMs: number;
  readonly publicUrl: string;
  readonly log: Log;
  readonly observer: Observer;
  readonly now: () => Date;
  readonly answers: Answers;
  readonly runInline: RunInline;
  /** The connector's delivery in the intake's own transaction, when it has one (delivery.ts). */
  readonly here: DeliveryHere | undefined;
  /** Tells the worker there is work. */
  readonly wake: () => void;
  /** Shutting down: steps are left to the worker (of this or another process). */
  readonly stopping: () => boolean;
}

export const intake =
  (deps: IntakeDeps) =>
  async (source: ChatSource, event: InboundEvent): Promise<SyncResult> => {
    const { store, log, observer, now, answers, here } = deps;
    switch (event.kind) {
      case 'ignored':
        log.debug({ source: source.name, reason: event.reason }, 'event ignored');
        observer.webhook(source.name, 'ignored');
        return { kind: 'none' };
      case 'test':
        await store.setSetting(lastTestSetting(source.name), now().toISOString());
        observer.webhook(source.name, 'test');
        return { kind: 'test', statusUrl: `${deps.publicUrl}/status` };
      case 'conversation':
        break;
    }
    const sync = source.answerMode === 'sync';
    const inline = sync && !deps.stopping();
    const started = now().getTime();
    const plan = event.plan;
    const stored = await store.intake({
      ...intakeInputOf(event, now()),
      ...(inline
        ? { claim: { owner: deps.owner, leaseMs: deps.leaseMs }, ...(here === undefined ? {} : { deliverHere: here.write }) }
        : {}),
    });
    if (stored.duplicate) log.debug({ source: source.name }, 'event seen before');
    observer.webhook(source.name, stored.duplicate ? 'duplicate' : 'stored');
    // Stored: from here on the answer cannot fail. Whatever goes wrong now is logged, and the
    // steps go on in the worker (here or in another process).
    try {
      if (!sync || deps.stopping()) {
        deps.wake();
        return await answers.answerFor(stored.stored.key, plan);
      }
      if (stored.delivered !== undefined) {
        here?.announce(stored.stored.key, stored.delivered);
        if (stored.jobId === undefined) return { kind: 'record', url: stored.delivered.record.url };
      }
      const result = await deps.runInline(stored.stored, plan, stored, started + deps.syncDeadlineMs);
      if (result.kind === 'pending') deps.wake();
      return result;
    } catch (error) {
      log.error({ err: error, source: source.name }, 'stored, but its steps could not run now; the worker will run them');
      deps.wake();
      return answers.pendingAnswer(stored.stored.key, plan);
    }
  };
