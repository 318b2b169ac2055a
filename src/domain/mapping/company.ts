/**
 * The company an email address tells of: its domain, unless that domain is a free-mail provider
 * (gmail.com, outlook.com, …), which says nothing about where the visitor works. The list is a
 * maintained package, not ours: https://github.com/derhuerst/email-providers (`all.json`, about
 * 8,700 domains, rebuilt from public lists on each release; it has no install script, so
 * installs work offline from the registry alone).
 */
import providers from 'email-providers/all.json';

const FREE: ReadonlySet<string> = new Set(providers.map((d) => d.toLowerCase()));

/** `Ada@Mail.Example.COM` → `mail.example.com`; undefined when the text is no address. */
export const emailDomain = (email: string | undefined): string | undefined => {
  const at = email?.trim().lastIndexOf('@') ?? -1;
  if (email === undefined || at < 1) return undefined;
  const domain = email.trim().slice(at + 1).toLowerCase().replace(/\.$/, '');
  return /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(domain) ? domain : undefined;
};

export const isFreeMailDomain = (domain: string): boolean => FREE.has(domain.toLowerCase());

/** The domain of a work address; undefined for free mail and for what is no address. */
export const companyDomain = (email: string | undefined): string | undefined => {
  const domain = emailDomain(email);
  return domain === undefined || isFreeMailDomain(domain) ? undefined : domain;
};
