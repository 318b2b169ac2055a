/**
 * The steps this process is running, worker and inline runner alike: what shutdown waits for
 * and gives back, and what an inline runner waiting on a conversation is woken by.
 */
import { EventEmitter } from 'node:events';
import type { ConversationKey } from '../domain/conversation-key';
import type { Log } from '../domain/log';
import type { Job } from '../storage/store';

export interface StepsInFlight {
  /** Runs a claimed step; never rejects (a failure to even record the outcome is logged, the lease then expires and another try follows). */
  run<T>(job: Job, work: () => Promise<T>): Promise<T | undefined>;
  /** Resolves when a step of the conversation ends, or after `ms`. */
  waitForStep(key: ConversationKey, ms: number): Promise<void>;
  /** The jobs running now, and their promises. */
  readonly running: ReadonlyMap<string, Promise<unknown>>;
}

export const stepsInFlight = (log: Log): StepsInFlight => {
  const finished = new EventEmitter();
  finished.setMaxListeners(0);
  const running = new Map<string, Promise<unknown>>();
  return {
    running,
    run(job, work) {
      const promise = work()
        .then((result) => {
          finished.emit(job.conversationKey, result);
          return result;
        })
        .catch((error: unknown) => {
          log.error(
            { err: error, job: job.id, step: job.kind },
            'step could not be recorded; its lease will expire and it will be tried again',
          );
          return undefined;
        })
        .finally(() => {
          running.delete(job.id);
        });
      running.set(job.id, promise);
      return promise;
    },
    waitForStep: (key, ms) =>
      new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(waiting);
          finished.off(key, done);
          resolve();
        };
        const waiting = setTimeout(done, ms);
        finished.on(key, done);
      }),
  };
};
