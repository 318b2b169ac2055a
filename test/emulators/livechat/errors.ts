/**
 * Agent Chat API error answers: `{"error": {"type", "message", "data"?}}` with the documented types
 * (https://platform.text.com/docs/messaging/agent-chat-api#errors). LiveChat documents no HTTP
 * status per type; these are the emulator's choice (an assumption).
 */

export const STATUS_OF_TYPE: Readonly<Record<string, number>> = {
  authentication: 401,
  authorization: 403,
  missing_access: 403,
  validation: 400,
  not_found: 404,
  chat_inactive: 422,
  misdirected_request: 421,
  too_many_requests: 429,
  internal: 500,
  service_unavailable: 503,
  request_timeout: 504,
};

export class LiveChatApiError extends Error {
  readonly status: number;
  constructor(
    readonly type: string,
    message: string,
    readonly data?: Readonly<Record<string, unknown>>,
    status?: number,
  ) {
    super(message);
    this.status = status ?? STATUS_OF_TYPE[type] ?? 400;
  }

  get body(): Record<string, unknown> {
    return { error: { type: this.type, message: this.message, ...(this.data === undefined ? {} : { data: this.data }) } };
  }
}

export const apiError = (type: string, message: string, data?: Readonly<Record<string, unknown>>): LiveChatApiError =>
  new LiveChatApiError(type, message, data);
