import type { Duplex } from 'node:stream';

const ANSWERS: Readonly<Record<string, readonly [status: number, reason: string, message: string]>> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'The request headers are too large.'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'The request took too long to arrive.'],
};
const UNPARSABLE = [400, 'Bad Request', 'The request could not be parsed as HTTP.'] as const;

/**
 * Node's `clientError`: a request it cannot parse as HTTP never reaches Koa, and Node's own
 * answer is bare text. Ours keeps the one error shape (https://nodejs.org/api/http.html#event-clienterror).
 */
export const answerClientError = (error: NodeJS.ErrnoException, socket: Duplex): void => {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, reason, message] = (error.code === undefined ? undefined : ANSWERS[error.code]) ?? UNPARSABLE;
  const body = JSON.stringify({ error: { code: 'MALFORMED_BODY', message } });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
};
