/** For the sandboxes' demos: wait until chat2crm answers before playing anything to it. */
import { sleep } from './http';

/**
 * Resolves once `url` gives any HTTP answer (a 404 or 405 from a webhook URL asked with GET still
 * means the service is up), false when `timeoutMs` passes first.
 */
export const untilAnswering = async (url: string, timeoutMs: number, intervalMs = 500): Promise<boolean> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      return true;
    } catch {
      if (Date.now() >= deadline) return false;
      await sleep(intervalMs);
    }
  }
};
