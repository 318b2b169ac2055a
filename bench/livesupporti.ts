/**
 * Section 6, LiveSupporti: chat started → the CRM link pushed to the agent (visitor details),
 * through the service, one chat at a time, with every outside call slowed by `latencyMs`: the
 * LiveSupporti emulator always, and the CRM too when it is the HubSpot emulator (the local CRM's
 * lookup and create run in-process). Each step waits for the one before, so every call is
 * sequential; "ours" = time to the push − calls × latency (the worker's pick-up and storage).
 */
import { startHubspot } from './crm';
import { chatStarted, createLiveSupportiSender, startLiveSupportiEmulator } from '../test/emulators/livesupporti';
import { sourceUrl, startService } from './service';
import { median, percentile, round1 } from './stats';

const TOKEN = 'bench-livesupporti-token-0123456789';
/** 32–128 characters, as the service requires. */
const SECRET = 'bench-livesupporti-secret-0123456789abcdef';

export interface LiveSupportiRow {
  readonly crm: 'local' | 'hubspot';
  readonly visitor: 'unknown' | 'known';
  readonly samples: number;
  readonly ackP50Ms: number;
  readonly pushP50Ms: number;
  readonly pushP99Ms: number;
  /** Medians per chat. */
  readonly crmCalls: number;
  readonly livesupportiCalls: number;
  readonly oursP50Ms: number;
  readonly oursP99Ms: number;
  /** The goal: the CRM lookup, at most one create, one push (the local CRM makes no outside call). */
  readonly goalCalls: number;
}

export type LiveSupportiSection =
  | { readonly status: 'ok'; readonly rows: LiveSupportiRow[]; readonly peakRssMB: number | undefined }
  | { readonly status: 'unavailable'; readonly reason: string };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const firstLines = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n').slice(0, 6).join(' | ').slice(0, 400);

const runCrm = async (
  crm: 'local' | 'hubspot',
  rounds: number,
  latencyMs: number,
): Promise<{ rows: LiveSupportiRow[]; peakRssMB: number | undefined }> => {
  const livesupporti = await startLiveSupportiEmulator({ latencyMs });
  const hubspot =
    crm === 'hubspot'
      ? await startHubspot(latencyMs, {
          rateLimit: { max: 1_000_000, windowMs: 10_000 },
          searchRateLimit: { max: 1_000_000, windowMs: 1000 },
        })
      : undefined;
  try {
    const service = await startService(`chat2crm (LiveSupporti, CRM=${crm})`, {
      ...(hubspot === undefined ? { CRM: 'local' } : hubspot.wrapped.env),
      LIVESUPPORTI_WEBHOOK_TOKEN: TOKEN,
      LIVESUPPORTI_WEBHOOK_SECRET: SECRET,
      LIVESUPPORTI_API_URL: livesupporti.url,
      LIVESUPPORTI_API_USER: livesupporti.user,
      LIVESUPPORTI_API_KEY: livesupporti.apiKey,
    });
    try {
      const sender = createLiveSupportiSender({
        callbackUrl: sourceUrl(service, 'livesupporti', TOKEN),
        secret: SECRET,
        retryDelaysMs: [],
      });
      const crmCount = () => hubspot?.wrapped.calls().length ?? 0;
      const chat = async (visitorId: string, email: string) => {
        const crmBefore = crmCount();
        const lsBefore = livesupporti.requests.length;
        const started = performance.now();
        const delivery = await sender.send([chatStarted({ id: visitorId, email })]);
        const ack = performance.now() - started;
        if (!delivery.delivered) throw new Error(`the LiveSupporti webhook answered ${delivery.attempts[0]?.status ?? '?'}`);
        const deadline = Date.now() + 30_000;
        const pushed = () => livesupporti.requests.some((r) => r.path === `/api/visitors/${visitorId}/details` && r.status === 200);
        while (!pushed() && Date.now() < deadline) await sleep(1);
        if (!pushed()) throw new Error(`no visitor details pushed for a chat within 30 s`);
        const push = performance.now() - started;
        // Calls made after the push (none expected) show in the next count; give them a moment.
        await sleep(20);
        return { ack, push, crmCalls: crmCount() - crmBefore, lsCalls: livesupporti.requests.length - lsBefore };
      };
      // Warm-up (JIT; HubSpot's account details, read once per process).
      await chat(`warm-${Date.now()}`, `warm-${Date.now()}@example.com`);
      service.rss.reset();
      const rows: LiveSupportiRow[] = [];
      const run = Date.now().toString(36);
      for (const visitor of ['unknown', 'known'] as const) {
        const samples: Awaited<ReturnType<typeof chat>>[] = [];
        // The known round reuses the unknown round's emails from other browsers: the CRM has them.
        for (let i = 0; i < rounds; i++) samples.push(await chat(`${visitor}-${i}-${run}`, `bench-ls-${run}-${i}@example.com`));
        const ours = samples.map((s) => s.push - (s.crmCalls + s.lsCalls) * latencyMs);
        rows.push({
          crm,
          visitor,
          samples: samples.length,
          ackP50Ms: round1(median(samples.map((s) => s.ack))),
          pushP50Ms: round1(median(samples.map((s) => s.push))),
          pushP99Ms: round1(
            percentile(
              samples.map((s) => s.push),
              99,
            ),
          ),
          crmCalls: median(samples.map((s) => s.crmCalls)),
          livesupportiCalls: median(samples.map((s) => s.lsCalls)),
          oursP50Ms: round1(median(ours)),
          oursP99Ms: round1(percentile(ours, 99)),
          goalCalls: crm === 'local' ? 1 : visitor === 'unknown' ? 3 : 2,
        });
      }
      return { rows, peakRssMB: service.rss.peakMB() };
    } finally {
      await service.stop();
    }
  } finally {
    await livesupporti.close();
    await hubspot?.wrapped.close();
  }
};

export const runLiveSupportiSection = async (
  rounds: number,
  latencyMs: number,
  log: (line: string) => void,
): Promise<LiveSupportiSection> => {
  try {
    const rows: LiveSupportiRow[] = [];
    const peaks: number[] = [];
    for (const crm of ['local', 'hubspot'] as const) {
      log(`  LiveSupporti chat started → details pushed, CRM=${crm}: ${rounds} unknown and ${rounds} known visitors`);
      const r = await runCrm(crm, rounds, latencyMs);
      rows.push(...r.rows);
      if (r.peakRssMB !== undefined) peaks.push(r.peakRssMB);
    }
    return { status: 'ok', rows, peakRssMB: peaks.length === 0 ? undefined : Math.max(...peaks) };
  } catch (e) {
    return { status: 'unavailable', reason: firstLines(e) };
  }
};
