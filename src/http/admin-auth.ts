/**
 * The console's door: HTTP Basic (user `admin`, the ADMIN_PASSWORD), and CSRF tokens for its
 * forms. The database keeps only a digest of a generated password: it is shown once, in the
 * start-up banner, and nowhere else.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type Koa from 'koa';
import type { AppState } from './middleware';

export const ADMIN_USER = 'admin';
export const ADMIN_REALM = 'chat2crm admin';
/** The digest of a generated password; delete this setting (or set ADMIN_PASSWORD) to have a new one. */
export const ADMIN_PASSWORD_SETTING = 'admin.password_sha256';
/** Signs the console's CSRF tokens; shared by every instance on one database, so a form posted to another one is taken. */
export const CSRF_SECRET_SETTING = 'admin.csrf_secret';

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

export interface AdminCredentials {
  /** SHA-256 of the password: what requests are compared with. */
  readonly digest: Buffer;
  /** Set only on the start that generated the password: the banner prints it, once. */
  readonly generated?: string;
}

interface SettingsStore {
  settingOrCreate(key: string, create: () => string): Promise<string>;
}

/** ADMIN_PASSWORD when set; else the stored digest, made (with a new random password) on first start. */
export const adminCredentials = async (configured: string | undefined, store: SettingsStore): Promise<AdminCredentials> => {
  if (configured !== undefined) return { digest: sha256(configured) };
  let made: { password: string; digest: string } | undefined;
  const stored = await store.settingOrCreate(ADMIN_PASSWORD_SETTING, () => {
    const password = randomBytes(18).toString('base64url');
    made = { password, digest: sha256(password).toString('hex') };
    return made.digest;
  });
  // Another instance may have won the first start: then its password stands, and it printed it.
  return { digest: Buffer.from(stored, 'hex'), ...(made !== undefined && made.digest === stored ? { generated: made.password } : {}) };
};

/** `Basic base64(user:password)` → the pair; anything else → undefined. */
const basicCredentials = (header: string): { user: string; password: string } | undefined => {
  const match = /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(header);
  if (match?.[1] === undefined) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
};

/** Both sides hashed first: equal lengths for timingSafeEqual, and no early exit on the first wrong byte. */
export const credentialsMatch = (header: string, digest: Buffer): boolean => {
  const given = basicCredentials(header);
  const userOk = timingSafeEqual(sha256(given?.user ?? ''), sha256(ADMIN_USER));
  const passwordOk = timingSafeEqual(sha256(given?.password ?? ''), digest);
  return given !== undefined && userOk && passwordOk;
};

/**
 * Refuses anything but the admin's credentials with 401 and a Basic challenge (the browser then
 * asks for them). `refused` renders the page a person sees after cancelling the prompt.
 */
export const requireAdmin =
  (digest: Buffer, refused: () => string): Koa.Middleware<AppState> =>
  async (ctx, next) => {
    if (credentialsMatch(ctx.get('authorization'), digest)) {
      await next();
      return;
    }
    ctx.status = 401;
    ctx.set('WWW-Authenticate', `Basic realm="${ADMIN_REALM}", charset="UTF-8"`);
    ctx.set('Cache-Control', 'no-store');
    ctx.set(
      'Content-Security-Policy',
      "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = refused();
  };

/**
 * A form's token: bound to the credentials that loaded the page (a page from another session
 * or password does not fit) and signed with a secret no page ever shows.
 */
export const csrfToken = (secret: string, authorization: string): string =>
  createHmac('sha256', secret).update(`csrf\n${authorization}`).digest('base64url');

export const csrfValid = (secret: string, authorization: string, given: unknown): boolean => {
  if (typeof given !== 'string' || given.length === 0 || given.length > 128) return false;
  const expected = Buffer.from(csrfToken(secret, authorization));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
};
