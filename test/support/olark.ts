/** Olark payloads and requests as Olark sends them (form field `data`, `+` for spaces). */
import { fixturesOf } from './fixtures';

const olark = fixturesOf('olark');
export const fixtureNames = olark.names;
export const fixture = olark.json;

/** `data=<url-encoded JSON>` exactly as Olark posts it. */
export const olarkForm = (payload: unknown): string => new URLSearchParams({ data: JSON.stringify(payload) }).toString();

export const postOlark = (url: string, payload: unknown, init: { contentType?: string; body?: string } = {}): Promise<Response> =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': init.contentType ?? 'application/x-www-form-urlencoded' },
    body: init.body ?? olarkForm(payload),
  });

let counter = 0;
/** A fresh transcript with its own conversation id. */
export const transcript = (
  options: { id?: string; email?: string; name?: string; lines?: number; tags?: string[]; groups?: string[]; command?: string } = {},
) => {
  counter++;
  const id = options.id ?? `conv${Date.now().toString(36)}${counter.toString(36)}${Math.random().toString(36).slice(2, 10)}`;
  const base = 1558107754;
  const lines = options.lines ?? 2;
  const items: unknown[] = [];
  for (let i = 0; i < lines; i++)
    items.push(
      i % 2 === 0
        ? {
            kind: 'MessageToOperator',
            body: `visitor line ${i}`,
            timestamp: `${base + i}.5`,
            nickname: options.name ?? 'Ada',
            visitor_nickname: options.name ?? 'Ada',
          }
        : { kind: 'MessageToVisitor', body: `operator line ${i}`, timestamp: `${base + i}.5`, nickname: 'Grace', operatorId: '1029431' },
    );
  if (options.command !== undefined)
    items.push({
      kind: 'MessageToVisitor',
      body: options.command,
      timestamp: `${base + lines}.1`,
      nickname: 'Grace',
      operatorId: '1029431',
    });
  return {
    kind: 'Conversation',
    id,
    tags: options.tags ?? [],
    groups: (options.groups ?? []).map((name, i) => ({ kind: 'Group', id: `g${i}`, name })),
    items,
    operators: { '1029431': { kind: 'Operator', id: '1029431', nickname: 'Grace', username: 'grace', emailAddress: 'grace@example.com' } },
    visitor: {
      kind: 'Visitor',
      id: `visitor-${id}`,
      fullName: options.name ?? 'Ada Lovelace',
      emailAddress: options.email ?? '',
      phoneNumber: '',
      city: 'London',
      country: 'United Kingdom',
    },
    manuallySubmitted: false,
  };
};
