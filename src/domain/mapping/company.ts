/**
 * The company a visitor's email points to: its domain, unless it is a free-mail provider's
 * (gmail.com, outlook.com, …), whose users share nothing but the provider. The list is the
 * maintained `email-providers` package (https://github.com/derhuerst/email-providers, `all.json`,
 * about 8,700 domains, regenerated from its upstream lists with each release); we keep none of
 * our own. (`free-email-domains` was passed over: its install script downloads the list from
 * HubSpot, so an install without network access fails.)
 */
import providers from 'email-providers/all.json';

const FREE: ReadonlySet<string> = new Set(providers.map((d) => d.toLowerCase()));

/** A host name as a company's website domain is written: letters, digits, hyphens, dots. */
const DOMAIN = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

/** The domain of an email address, lower-cased; undefined when it has none that could be a host. */
export const emailDomain = (email: string | undefined): string | undefined => {
  if (email === undefined) return undefined;
  const at = email.trim().lastIndexOf('@');
  if (at <= 0) return undefined;
  const domain = email
    .trim()
    .slice(at + 1)
    .toLowerCase()
    .replace(/\.$/, '');
  return DOMAIN.test(domain) ? domain : undefined;
};

export const isFreeMailDomain = (domain: string): boolean => FREE.has(domain.toLowerCase());

/** The domain to find (or create) the visitor's company by: the email's, unless free mail. */
export const companyDomainOf = (email: string | undefined): string | undefined => {
  const domain = emailDomain(email);
  return domain === undefined || isFreeMailDomain(domain) ? undefined : domain;
};
