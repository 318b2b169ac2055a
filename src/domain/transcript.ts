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

/**
 * Cuts the middle out of a text that exceeds `max` characters, keeping its start (how the chat
 * began) and its end (how it was resolved). Never splits a surrogate pair.
 */
export const trimMiddle = (text: string, max: number, marker: string = OMITTED): string => {
  if (text.length <= max) return text;
  if (max <= marker.length) return Array.from(text).slice(0, max).join('').slice(0, max);
  const room = max - marker.length;
  const headLength = Math.ceil(room / 2);
  let head = text.slice(0, headLength);
  let tail = text.slice(text.length - (room - headLength));
  if (/[\uD800-\uDBFF]$/.test(head)) head = head.slice(0, -1);
  if (/^[\uDC00-\uDFFF]/.test(tail)) tail = tail.slice(1);
  return head + marker + tail;
};

/** Plain-text transcript: one line per message, `[time] Name: text`. */
export const renderTranscriptText = (c: Conversation): string =>
  chatLines(c)
    .map((m) => `[${formatTime(m.at)}] ${m.author}: ${m.body}`)
    .join('\n');

export const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] ?? ch);

/**
 * Readable HTML transcript (for CRM notes), at most `max` characters. When too long, whole
 * messages are dropped from the middle so the markup stays valid.
 */
export const renderTranscriptHtml = (c: Conversation, max = Number.POSITIVE_INFINITY): string => {
  const title = `<p><strong>Chat transcript</strong> (${escapeHtml(c.source)} ${escapeHtml(c.id)})</p>`;
  const lines = chatLines(c).map(
    (m) => `<p><strong>${escapeHtml(m.author)}</strong> <em>${formatTime(m.at)}</em><br>${escapeHtml(m.body).replace(/\n/g, '<br>')}</p>`,
  );
  const whole = title + lines.join('');
  if (whole.length <= max) return whole;
  const gap = '<p><em>[… transcript shortened …]</em></p>';
  let budget = max - title.length - gap.length;
  const head: string[] = [];
  const tail: string[] = [];
  let i = 0;
  let j = lines.length - 1;
  // Alternate between the start and the end so both survive.
  while (i <= j) {
    const fromHead = head.length <= tail.length;
    const line = fromHead ? lines[i] : lines[j];
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
