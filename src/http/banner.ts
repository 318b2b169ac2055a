import type { Config } from '../config';
import type { MountedSource } from './routes/webhooks';

/**
 * The start-up banner, written to the operator's console (never to the log): each platform's
 * webhook URL with its secret token, and what the platform still needs.
 */
export const webhookUrl = (publicUrl: string, source: string, token: string): string =>
  `${publicUrl}/webhooks/${encodeURIComponent(source)}/${encodeURIComponent(token)}`;

export const banner = (input: {
  readonly listening: string;
  readonly crm: string;
  readonly storage: string;
  readonly publicUrl: string;
  readonly config: Pick<Config, 'sources'>;
  readonly mounted: readonly MountedSource[];
  readonly publicUrlDefaulted?: boolean;
}): string => {
  const lines = [`chat2crm is listening on ${input.listening} (CRM: ${input.crm}, storage: ${input.storage})`, '', 'Webhook URLs (they hold secret tokens: keep them out of tickets and chats):'];
  for (const { source, token } of input.mounted) {
    const title = input.config.sources.find((s) => s.definition.name === source.name)?.definition.title ?? source.name;
    const url = webhookUrl(input.publicUrl, source.name, token);
    lines.push('', `  ${title}: ${url}`);
    for (const line of source.describe?.(url) ?? []) lines.push(`    ${line}`);
  }
  if (input.publicUrlDefaulted === true)
    lines.push('', 'Warning: PUBLIC_URL is not set, so these URLs point at localhost, which no chat platform can reach.', 'Set PUBLIC_URL to this service\'s public https address (for a laptop: an HTTPS tunnel, see the README).');
  return `\n${lines.join('\n')}\n\n`;
};
