/**
 * The CRM's `check()` for the status page: run at most once per `everyMs` (a page reload must not
 * become a burst of CRM calls), shared by concurrent readers, and bounded by a time limit so a
 * hanging CRM makes the page say so instead of hanging it.
 */
import type { CheckReport } from '../domain/connector';
import { withTimeout } from '../pipeline/timeout';

export interface CrmCheckState {
  readonly report: CheckReport;
  readonly checkedAt: Date;
}

export type CrmCheck = () => Promise<CrmCheckState>;

export const cachedCrmCheck = (
  check: () => Promise<CheckReport>,
  options: { readonly everyMs?: number; readonly timeoutMs?: number; readonly now?: () => Date } = {},
): CrmCheck => {
  const everyMs = options.everyMs ?? 60_000;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const now = options.now ?? (() => new Date());
  let last: { readonly startedAt: number; readonly state: Promise<CrmCheckState> } | undefined;

  const run = async (): Promise<CrmCheckState> => {
    const report = await withTimeout<CheckReport>(check(), timeoutMs, () => ({
      ok: false,
      items: [{ name: 'reachable', ok: false, detail: `the CRM check did not answer within ${timeoutMs} ms` }],
    })).catch((error: unknown): CheckReport => ({
      ok: false,
      items: [{ name: 'check', ok: false, detail: `the CRM check failed: ${error instanceof Error ? error.message : 'unknown error'}` }],
    }));
    return { report, checkedAt: now() };
  };

  return () => {
    const at = now().getTime();
    if (last === undefined || at - last.startedAt >= everyMs) last = { startedAt: at, state: run() };
    return last.state;
  };
};
