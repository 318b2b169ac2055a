/**
 * The HTTP skeleton every emulator shares: reading a body, a queue of injected faults, answering
 * (or dropping the connection) after a delay, a 500 for the emulator's own bugs, and listening on
 * a real socket. What a platform answers stays in its own emulator.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export const sleep = (ms: number): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const readBody = async (req: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
};

export const JSON_UTF8 = 'application/json; charset=utf-8';

export interface Reply {
  readonly status: number;
  /** Sent as JSON; with neither `body` nor `text` the answer has no body and no content type. */
  readonly body?: unknown;
  /** Sent as it is instead of `body`, for bodies that are not JSON or must keep their bytes. */
  readonly text?: string;
  /** These win over the content type and length, so a reply can name its own type. */
  readonly headers?: Readonly<Record<string, string>>;
}

const write = (res: ServerResponse, reply: Reply, contentType: string): void => {
  const payload = reply.text ?? (reply.body === undefined ? undefined : JSON.stringify(reply.body));
  const framing: Record<string, string> =
    payload === undefined ? {} : { 'Content-Type': contentType, 'Content-Length': String(Buffer.byteLength(payload)) };
  res.writeHead(reply.status, { ...framing, ...reply.headers }).end(payload);
};

/** A request as an emulator's log shows it; each emulator adds what it records besides. */
export interface LogEntry {
  readonly method: string;
  readonly path: string;
  /** 0 until answered, and when the connection was dropped. */
  status: number;
  readonly startedAt: number;
  endedAt: number;
  /** Set when the answer came from an injected fault. */
  fault?: string;
  /** Set when an injected fault holds the answer: it is sent (or the connection dropped) once this settles. */
  heldUntil?: Promise<unknown>;
}

export interface SendOptions {
  /** Of JSON and text bodies; default `application/json; charset=utf-8`. */
  readonly contentType?: string;
  /** Waited before answering. */
  readonly latencyMs?: number;
  /** The request's log entry: its end time is set, and its status unless the connection is dropped; its `heldUntil` is waited for. */
  readonly log?: Pick<LogEntry, 'status' | 'endedAt' | 'heldUntil'>;
}

/** Answers `reply`, or with 'drop' closes the socket without a word (what a network failure looks like to a client). */
export const send = async (req: IncomingMessage, res: ServerResponse, reply: Reply | 'drop', options: SendOptions = {}): Promise<void> => {
  if ((options.latencyMs ?? 0) > 0) await sleep(options.latencyMs ?? 0);
  if (options.log?.heldUntil !== undefined) await options.log.heldUntil.catch(() => undefined);
  if (options.log !== undefined) options.log.endedAt = Date.now();
  if (reply === 'drop') {
    req.socket.destroy();
    return;
  }
  if (options.log !== undefined) options.log.status = reply.status;
  write(res, reply, options.contentType ?? JSON_UTF8);
};

/** What a test sees when the emulator itself is wrong: loud, and never mistaken for a platform's answer. */
const emulatorBug = (e: unknown): Reply => ({
  status: 500,
  text: `emulator bug: ${e instanceof Error ? e.stack : String(e)}`,
  headers: { 'Content-Type': 'text/plain' },
});

/**
 * A server whose handler throwing answers 500 with `bug(e)` (a platform emulator may dress it as
 * the platform's own error), or drops the connection when the answer had begun, so no client hangs.
 */
export const serve = (
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  bug: (e: unknown) => Reply = emulatorBug,
): Server =>
  createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (res.headersSent) res.destroy();
      else write(res, bug(e), JSON_UTF8);
    });
  });

export interface Listening {
  /** `http://host:port`; an emulator listening on every interface is reached on 127.0.0.1. */
  readonly url: string;
  readonly close: () => Promise<void>;
}

/** Listens on `port` (default 0: an ephemeral one) and `host` (default 127.0.0.1). */
export const listen = async (server: Server, options: { readonly port?: number; readonly host?: string }): Promise<Listening> => {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('emulator: no TCP address');
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        if (!server.listening) return resolve();
        server.close((e) => (e === undefined ? resolve() : reject(e)));
        // Clients' fetch keeps sockets alive; without this, close() waits for them to time out.
        server.closeAllConnections();
      }),
  };
};

/** The knobs every emulator's injected faults share; each emulator adds how the fault answers. */
export interface FaultKnobs {
  /** Drop the connection without an answer. */
  readonly network?: boolean;
  /** Wait this long first (then answer normally unless the fault also says how to answer). */
  readonly latencyMs?: number;
  /** Only requests whose signature (`METHOD /path` unless the emulator says otherwise) matches; default all. */
  readonly match?: RegExp;
  /** How many matching requests it hits; default 1. */
  readonly times?: number;
  /** Sent as `Retry-After` (seconds) with the fault's answer. */
  readonly retryAfterSeconds?: number;
  /**
   * Hold the answer until this settles: the request is handled as usual (its effects happen), but
   * the client waits for the answer, so a test can keep a call surely in flight (the log entry's
   * `endedAt` stays 0 meanwhile). Only in emulators that give `send` their log entry.
   */
  readonly holdAnswer?: Promise<unknown>;
}

export interface FaultQueue<F> {
  readonly inject: (fault: F) => void;
  /**
   * The first pending fault whose `match` (if any) matches `signature`, used up once, after its
   * `latencyMs`; 'drop' for a `network` one (noted as the log entry's `fault`). A `holdAnswer`
   * becomes the log entry's `heldUntil`, which `send` waits for.
   */
  readonly take: (signature: string, log: Pick<LogEntry, 'fault' | 'heldUntil'>) => Promise<F | 'drop' | undefined>;
  readonly clear: () => void;
}

/** Injected faults, each hitting `times` matching requests, in the order they were injected. */
export const faultQueue = <F extends FaultKnobs>(): FaultQueue<F> => {
  let pending: { fault: F; left: number }[] = [];
  return {
    inject: (fault) => {
      pending.push({ fault, left: fault.times ?? 1 });
    },
    take: async (signature, log) => {
      const hit = pending.find((p) => p.left > 0 && (p.fault.match === undefined || p.fault.match.test(signature)));
      if (hit === undefined) return undefined;
      hit.left -= 1;
      pending = pending.filter((p) => p.left > 0);
      if (hit.fault.latencyMs !== undefined) await sleep(hit.fault.latencyMs);
      if (hit.fault.holdAnswer !== undefined) log.heldUntil = hit.fault.holdAnswer;
      if (hit.fault.network !== true) return hit.fault;
      log.fault = 'network';
      return 'drop';
    },
    clear: () => {
      pending = [];
    },
  };
};
