/**
 * HubSpot's date-versioned REST APIs, and the one place that puts the version into a path.
 *
 * Since 30 March 2026 HubSpot versions its APIs by date (`/crm/objects/2026-03/contacts`); the
 * semantic versions go unsupported (v4 on 30 March 2027, v1–v3 in September 2027), and HubSpot
 * says to move straight to a dated version, not through v3 or v4
 * (https://developers.hubspot.com/docs/api-reference/legacy/migration-guide,
 * https://developers.hubspot.com/changelog/legacy-apis-and-legacy-apps-whats-going-unsupported-and-when).
 * For every call we make, the dated version takes the same request and gives the same answer
 * under a new path (https://developers.hubspot.com/docs/api-reference/2026-03/overview).
 *
 * `@hubspot/api-client` 14.0.1 still builds `/crm/v3/…` and `/crm/v4/…` paths. Its request
 * middleware (`pre`, which gets the request before it is sent) moves each one to its dated path
 * with `datedUrl`; a path this table does not know is refused there, so no call ever reaches a
 * legacy URL. When the SDK builds dated paths itself, this table goes.
 */

/** `2026-09` also enforces the portal's validation rules on writes (400 VALIDATION_ERROR naming the property). */
export const API_VERSIONS = ['2026-09', '2026-03'] as const;
export type ApiVersion = (typeof API_VERSIONS)[number];
export const DEFAULT_API_VERSION: ApiVersion = '2026-09';

export const isApiVersion = (s: string): s is ApiVersion => (API_VERSIONS as readonly string[]).includes(s);

/**
 * Legacy path prefix → its dated form, `{V}` standing for the version
 * (https://developers.hubspot.com/docs/api-reference/legacy/migration-guide). Only families with
 * an identical dated contract are listed: v3 associations, for one, have none (v4's replace them).
 */
const MOVES: readonly (readonly [RegExp, string])[] = [
  [/^\/crm\/v3\/objects(?=[/?]|$)/, '/crm/objects/{V}'],
  [/^\/crm\/v3\/properties(?=[/?]|$)/, '/crm/properties/{V}'],
  [/^\/crm\/v3\/pipelines(?=[/?]|$)/, '/crm/pipelines/{V}'],
  // The SDK's ownersApi.getPage asks for `/crm/v3/owners/`, with a trailing slash.
  [/^\/crm\/v3\/owners(?:\/(?=\?|$))?(?=[/?]|$)/, '/crm/owners/{V}'],
  // v4 record associations sit under the dated objects path; the batch and label calls under associations.
  [/^\/crm\/v4\/objects(?=[/?]|$)/, '/crm/objects/{V}'],
  [/^\/crm\/v4\/associations(?=[/?]|$)/, '/crm/associations/{V}'],
  [/^\/account-info\/v3(?=[/?]|$)/, '/account-info/{V}'],
  [/^\/oauth\/v1\/token(?=[/?]|$)/, '/oauth/{V}/token'],
];

/** A path segment of a semantic version (`/v1/` … `/v4/`): what HubSpot stops supporting. */
export const LEGACY_SEGMENT = /\/v[1-4](?=[/?]|$)/;

/** A call whose path has no dated form here: a bug to fix in this table, never sent. */
export class LegacyPathRefused extends Error {
  constructor(path: string) {
    super(`HubSpot call to a legacy API path with no dated version here, not sent: ${path.replace(/\?.*$/, '')}`);
    this.name = 'LegacyPathRefused';
  }
}

/** The dated form of `path` (its query kept); a path that is already dated is kept. */
export const datedPath = (path: string, version: ApiVersion): string => {
  for (const [legacy, dated] of MOVES) if (legacy.test(path)) return path.replace(legacy, dated.replace('{V}', version));
  if (LEGACY_SEGMENT.test(path.replace(/\?.*$/, ''))) throw new LegacyPathRefused(path);
  return path;
};

/**
 * `url` (the SDK's `basePath` followed by its path) with the path dated. A base URL with a path of
 * its own (a proxy's `/hubspot`) keeps it: only what follows it is HubSpot's path.
 */
export const datedUrl = (url: string, basePath: string, version: ApiVersion): string => {
  const base = basePath.replace(/\/+$/, '');
  if (url.startsWith(base)) return base + datedPath(url.slice(base.length), version);
  const parsed = new URL(url);
  return `${parsed.origin}${datedPath(parsed.pathname + parsed.search, version)}`;
};

/** What the SDK's middleware is handed before a call is sent: its codegen `RequestContext`. */
interface UrlContext {
  getUrl(): string;
  setUrl(url: string): void;
}
const isUrlContext = (ctx: unknown): ctx is UrlContext =>
  typeof ctx === 'object' &&
  ctx !== null &&
  'getUrl' in ctx &&
  typeof ctx.getUrl === 'function' &&
  'setUrl' in ctx &&
  typeof ctx.setUrl === 'function';

/**
 * The SDK middleware (its `middleware` option) that sends every call to its dated path. The
 * SDK's auth, models, answer checks and agent stay as they are; only the URL moves, so what it
 * sends and reads is what the dated version documents. A legacy path with no dated form here
 * throws (LegacyPathRefused) before anything is sent.
 */
export const datedPaths = (basePath: string, version: ApiVersion) => ({
  pre: (ctx: unknown): unknown => {
    if (!isUrlContext(ctx)) throw new TypeError('the HubSpot SDK handed its middleware no request context');
    ctx.setUrl(datedUrl(ctx.getUrl(), basePath, version));
    return ctx;
  },
  post: (ctx: unknown): unknown => ctx,
});
