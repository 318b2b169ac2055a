import type { Conversation, Message } from './conversation';

const COMMAND = /^\s*!([a-z]+)\b/i;

/** The operator command a message starts with (`!lead` → `lead`), lower-cased. */
export const commandOf = (body: string): string | undefined => COMMAND.exec(body)?.[1]?.toLowerCase();

/** Lines that are operator commands say nothing about the chat; they stay out of CRM transcripts. */
export const chatLines = (c: Conversation): readonly Message[] => c.messages.filter((m) => commandOf(m.body) === undefined);

const pad = (n: number) => String(n).padStart(2, '0');
/** UTC, to the second: `2019-05-17 15:42:34 UTC`. */
export const formatTime = (d: Date): string =>
  `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`;

const OMITTED = '\n[… transcript shortened …]\n';

/** `start` begins the text and `end` ends it, each longer than `max`: the text's start and end around `marker`. */
const cutMiddle = (start: string, end: string, max: number, marker: string): string => {
  if (max <= marker.length) return Array.from(start).slice(0, max).join('').slice(0, max);
  const room = max - marker.length;
  const headLength = Math.ceil(room / 2);
  let head = start.slice(0, headLength);
  let tail = end.slice(end.length - (room - headLength));
  if (/[\uD800-\uDBFF]$/.test(head)) head = head.slice(0, -1);
  if (/^[\uDC00-\uDFFF]/.test(tail)) tail = tail.slice(1);
  return head + marker + tail;
};

/**
 * Cuts the middle out of a text that exceeds `max` characters, keeping its start (how the chat
 * began) and its end (how it was resolved). Never splits a surrogate pair.
 */
export const trimMiddle = (text: string, max: number, marker: string = OMITTED): string =>
  text.length <= max ? text : cutMiddle(text, text, max, marker);

const textLine = (m: Message): string => `[${formatTime(m.at)}] ${m.author}: ${m.body}`;

/** Plain-text transcript: one line per message, `[time] Name: text`. */
export const renderTranscriptText = (c: Conversation): string => chatLines(c).map(textLine).join('\n');

/**
 * `trimMiddle(lead + renderTranscriptText(c), max)`, rendering only the lines at its two ends
 * that it can keep: a field limit keeps a few hundred lines of a 10,000-message chat.
 */
export const transcriptTextWithin = (c: Conversation, max: number, lead = ''): string => {
  const lines = chatLines(c);
  if (lines.length === 0) return trimMiddle(lead, max);
  // The text from its start, until it is longer than `max` or whole.
  let start = lead;
  let taken = 0;
  for (const line of lines) {
    if (start.length > max) break;
    start += (taken++ === 0 ? '' : '\n') + textLine(line);
  }
  if (start.length <= max) return start;
  // And from its end, until it is longer than `max` or whole.
  let end = '';
  for (let j = lines.length - 1; j >= 0 && end.length <= max; j--) {
    const line = lines[j];
    if (line !== undefined) end = (j === 0 ? lead : '\n') + textLine(line) + end;
  }
  return cutMiddle(start, end, max, OMITTED);
};

export const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] ?? ch);

/**
 * Readable HTML transcript (for CRM notes), at most `max` characters. When too long, whole
 * messages are dropped from the middle so the markup stays valid.
 */
export const renderTranscriptHtml = (c: Conversation, max = Number.POSITIVE_INFINITY): string => {
  const title = `<p><strong>Chat transcript</strong> (${escapeHtml(c.source)} ${escapeHtml(c.id)})</p>`;
  const messages = chatLines(c);
  // Lines are rendered as they are needed: a field limit keeps a few hundred of 10,000.
  const rendered: string[] = [];
  const lineAt = (k: number): string | undefined => {
    const known = rendered[k];
    if (known !== undefined) return known;
    const m = messages[k];
    if (m === undefined) return undefined;
    const line = `<p><strong>${escapeHtml(m.author)}</strong> <em>${formatTime(m.at)}</em><br>${escapeHtml(m.body).replace(/\n/g, '<br>')}</p>`;
    rendered[k] = line;
    return line;
  };
  let length = title.length;
  for (let k = 0; k < messages.length && length <= max; k++) length += lineAt(k)?.length ?? 0;
  if (length <= max) return title + rendered.join('');
  const gap = '<p><em>[… transcript shortened …]</em></p>';
  let budget = max - title.length - gap.length;
  const head: string[] = [];
  const tail: string[] = [];
  let i = 0;
  let j = messages.length - 1;
  // Alternate between the start and the end so both survive.
  while (i <= j) {
    const fromHead = head.length <= tail.length;
    const line = fromHead ? lineAt(i) : lineAt(j);
    if (line === undefined || line.length > budget) break;
    budget -= line.length;
    if (fromHead) {
      head.push(line);
      i++;
    } else {
      tail.unshift(line);
      j--;
    }
  }
  const result = title + head.join('') + gap + tail.join('');
  return result.length <= max ? result : trimMiddle(result, max, '');
};
