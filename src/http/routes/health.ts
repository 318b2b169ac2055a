import Router from '@koa/router';
import type { Pipeline } from '../../pipeline/pipeline';
import { withTimeout } from '../../pipeline/timeout';
import type { Store } from '../../storage/store';
import type { AppState } from '../middleware';

type StorageHealth = { ok: true } | { ok: false; error: string };

/** GET /healthz — liveness, storage round trip and the delivery queue, as JSON. */
export const healthRoutes = (deps: { store: Store; pipeline: Pipeline; crm: string; now?: () => Date }) => {
  const router = new Router<AppState>();
  const now = deps.now ?? (() => new Date());
  router.get('/healthz', async (ctx) => {
    const storage: StorageHealth = await withTimeout<StorageHealth>(
      deps.store.ping().then(() => ({ ok: true })),
      2000,
      () => ({ ok: false, error: 'timed out' }),
    ).catch((error: unknown) => ({ ok: false, error: error instanceof Error ? error.message : 'unavailable' }));
    const stats = storage.ok ? await deps.pipeline.queueStats().catch(() => undefined) : undefined;
    const worker = deps.pipeline.workerState();
    ctx.status = storage.ok ? 200 : 503;
    ctx.body = {
      status: storage.ok ? 'ok' : 'unavailable',
      // Up, but some steps fail or are dead: the load balancer keeps this instance, an operator looks.
      attention: stats === undefined ? null : stats.failing > 0 || stats.dead > 0,
      storage: { kind: deps.store.kind, ...storage },
      crm: deps.crm,
      worker: { running: worker.running, inFlight: worker.inFlight, lastTickAt: worker.lastTickAt?.toISOString() ?? null },
      queue:
        stats === undefined
          ? null
          : {
              pending: stats.pending,
              running: stats.running,
              dead: stats.dead,
              done: stats.done,
              expired: stats.expired,
              failing: stats.failing,
              oldestPendingAgeMs: stats.oldestPendingAt === undefined ? null : now().getTime() - stats.oldestPendingAt.getTime(),
            },
    };
  });
  return router;
};
