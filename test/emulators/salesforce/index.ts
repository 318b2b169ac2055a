/**
 * A Salesforce org over real HTTP, answering as the REST API documents it
 * (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/): OAuth token grants
 * (client credentials, JWT bearer with its signature checked, refresh token, username-password),
 * the API versions, sObject create / retrieve / update / upsert by external id, the SOQL the
 * connector sends, composite (or its absence), describe; exact content types, error arrays and
 * `Sforce-Limit-Info`; with fault injection and a request log. SOAP `login()` is refused and
 * logged, so a test can show nobody calls it. Pages at `/` and `/lightning/r/<Type>/<id>/view`
 * show a person what it received.
 */
import { createHmac, createPublicKey, generateKeyPairSync, randomBytes, verify, type KeyObject } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listen, readBody, send, serve, sleep } from '../http';
import { matches, parseSoql, SoqlSyntaxError } from './soql';
import { homePage, recordPage, type Page } from './pages';
import { OrgStore, type SaveError, type SfRecord } from './store';
import { OLDEST_VERSION, versionList } from './versions';
import { collections, compositeQueryLimitExceeded } from './collections';

export { OrgStore } from './store';
export type { SfRecord, SaveError } from './store';

export interface SalesforceEmulatorOptions {
  /** 0 (default): an ephemeral port. */
  readonly port?: number;
  readonly host?: string;
  /** Added before every answer, token calls included. */
  readonly latencyMs?: number;
  readonly clientId?: string;
  readonly clientSecret?: string;
  readonly username?: string;
  readonly password?: string;
  readonly refreshToken?: string;
  /**
   * PEM public key (or KeyObject) of the certificate uploaded to the app: JWT bearer assertions
   * must be signed with its private key. Unset: the emulator makes a key pair of its own
   * (`jwtPrivateKeyPem()`). Signatures are always checked.
   */
  readonly jwtPublicKey?: string | KeyObject;
  /** The newest API version the org serves (`GET /services/data/`), e.g. '66.0'; default '68.0' (Winter '27). */
  readonly newestVersion?: string;
  readonly externalIdField?: string;
  /** The org's daily API request limit shown in `Sforce-Limit-Info`. */
  readonly apiLimit?: number;
  /** Turns on the standard Lead duplicate rule (block on an email or phone match). */
  readonly duplicateRules?: boolean;
  /**
   * false: `POST /composite` answers 404 NOT_FOUND, as an org, proxy or emulator that does not
   * serve it would; every other resource keeps working. Default true.
   */
  readonly composite?: boolean;
}

export interface LoggedRequest {
  readonly at: number;
  /** When the answer went out (0 until then, or when the connection was dropped). */
  endedAt: number;
  /** 'soap': a SOAP API call (`/services/Soap/…`), refused; its body is not kept (a login would hold a password). */
  readonly kind: 'token' | 'api' | 'soap';
  readonly method: string;
  /** Path as sent, still percent-encoded. */
  readonly path: string;
  readonly search: string;
  readonly grant?: string;
  /** SOAP calls: the operation, such as 'login', read from the envelope's body. */
  readonly operation?: string;
  readonly body: unknown;
  status: number;
  /** The request's `Sforce-Auto-Assign` header, when it had one. */
  readonly autoAssign?: string;
  /** For `/composite`: what ran inside, in order, each with its own `Sforce-Auto-Assign` (`httpHeaders`). */
  subrequests?: { method: string; url: string; status: number; autoAssign?: string }[];
}

export type Fault =
  | { readonly kind: 'status'; readonly status: 500 | 502 | 503 }
  | { readonly kind: 'limit' }
  | { readonly kind: 'drop' }
  | { readonly kind: 'delay'; readonly ms: number };

/** Knobs a test turns; API faults are used up one request at a time. */
export class Faults {
  latencyMs: number;
  /** Answer 401 INVALID_SESSION_ID even to fresh tokens (the case that loops jsforce forever). */
  rejectSessions = false;
  /** Answer every token request with this OAuth error. */
  tokenError: { readonly status: number; readonly error: string; readonly description: string } | undefined;
  /** Runs before each API request (composite subrequests included) is handled. */
  beforeApiRequest: ((request: { method: string; path: string }) => void) | undefined;
  readonly queue: Fault[] = [];
  constructor(
    latencyMs: number,
    private readonly onExpire: () => void,
  ) {
    this.latencyMs = latencyMs;
  }
  /** The next `times` API requests get `fault`. */
  inject(fault: Fault, times = 1): void {
    for (let i = 0; i < times; i++) this.queue.push(fault);
  }
  /** Every access token issued so far stops working (what a session timeout does). */
  expireSessions(): void {
    this.onExpire();
  }
  reset(): void {
    this.queue.length = 0;
    this.rejectSessions = false;
    this.tokenError = undefined;
    this.beforeApiRequest = undefined;
  }
}

export interface SalesforceEmulator {
  /** Login URL and instance URL at once. */
  readonly url: string;
  readonly credentials: {
    readonly clientId: string;
    readonly clientSecret: string;
    readonly username: string;
    readonly password: string;
    readonly refreshToken: string;
  };
  readonly externalIdField: string;
  readonly state: OrgStore;
  readonly requests: LoggedRequest[];
  /** Requests to the REST API (token calls left out). */
  apiRequests(): LoggedRequest[];
  tokenRequests(): LoggedRequest[];
  /** Requests to the SOAP API, `login()` included: all refused. */
  soapRequests(): LoggedRequest[];
  /** The private key (PKCS#8 PEM) matching the emulator's own JWT certificate; throws when `jwtPublicKey` was given. */
  jwtPrivateKeyPem(): string;
  readonly newestVersion: string;
  readonly faults: Faults;
  close(): Promise<void>;
}

interface Reply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  readonly subrequests?: { method: string; url: string; status: number; autoAssign?: string }[];
}

/** A composite `@{ref.path}` that names nothing. */
class ReferenceFailure extends Error {}

const JSON_TYPE = 'application/json;charset=UTF-8';
// The pages show what chat visitors typed: no scripts, whatever slips through.
const PAGE_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
  'X-Content-Type-Options': 'nosniff',
};

/**
 * SOAP `login()` is retired in Summer '27 and absent from API 65.0
 * (https://developer.salesforce.com/docs/platform/api/guide/sforce-api-calls-login.html); this org
 * refuses every SOAP call with a fault in the SOAP API's shape (the fault text is the emulator's own).
 */
const soapOperation = (body: string): string => /<(?:\w+:)?Body[^>]*>\s*<(?:\w+:)?(\w+)/.exec(body)?.[1] ?? 'unknown';
const soapRefusal = (body: string): string =>
  '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:sf="urn:fault.partner.soap.sforce.com">' +
  '<soapenv:Body><soapenv:Fault><faultcode>sf:INVALID_OPERATION</faultcode>' +
  `<faultstring>INVALID_OPERATION: ${soapOperation(body) === 'login' ? 'SOAP login() is retired (Summer &apos;27); use OAuth client credentials' : 'this emulator serves no SOAP API'}</faultstring>` +
  '</soapenv:Fault></soapenv:Body></soapenv:Envelope>';
const ORG_ID = '00D5g000004SzAbEAK';
const USER_ID = '0055g00000A1bCdAAJ';
/** Users every emulated org has besides the integration user: one active agent, one deactivated. */
export const SEEDED_USERS = [
  { Email: 'agent@chat2crm.example', Name: 'Active Agent', IsActive: true },
  { Email: 'former.agent@chat2crm.example', Name: 'Former Agent', IsActive: false },
] as const;
const errors = (status: number, list: readonly SaveError[]): Reply => ({ status, body: list });
const notFound = (message = 'The requested resource does not exist'): Reply => errors(404, [{ errorCode: 'NOT_FOUND', message }]);
const isObject = (u: unknown): u is Record<string, unknown> => typeof u === 'object' && u !== null && !Array.isArray(u);

export const startSalesforceEmulator = async (options: SalesforceEmulatorOptions = {}): Promise<SalesforceEmulator> => {
  const credentials = {
    clientId: options.clientId ?? 'chat2crm-emulator-client',
    clientSecret: options.clientSecret ?? 'emulator-secret',
    username: options.username ?? 'integration@chat2crm.example',
    password: options.password ?? 'emulator-password',
    refreshToken: options.refreshToken ?? 'emulator-refresh-token',
  };
  const externalIdField = options.externalIdField ?? 'Chat_Conversation_Id__c';
  const apiLimit = options.apiLimit ?? 15000;
  const given =
    options.jwtPublicKey === undefined
      ? undefined
      : typeof options.jwtPublicKey === 'string'
        ? createPublicKey(options.jwtPublicKey)
        : options.jwtPublicKey;
  // Made on first use: an RSA key pair costs tens of milliseconds, and most tests never use JWT.
  let own: { readonly publicKey: KeyObject; readonly privateKeyPem: string } | undefined;
  const ownPair = () => {
    if (own === undefined) {
      const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
      own = { publicKey: pair.publicKey, privateKeyPem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
    }
    return own;
  };
  const jwtKey = (): KeyObject => given ?? ownPair().publicKey;
  const newestVersion = options.newestVersion ?? '68.0';
  const newestMajor = Number.parseFloat(newestVersion);
  if (!/^\d{2,3}\.0$/.test(newestVersion) || newestMajor < OLDEST_VERSION)
    throw new Error(`newestVersion must look like 66.0 and be ${OLDEST_VERSION}.0 or later`);
  const state = new OrgStore(externalIdField);
  state.duplicateRules = options.duplicateRules ?? false;
  state.addUser({ Id: USER_ID, Email: credentials.username, Name: 'Integration User', IsActive: true });
  state.integrationUserId = USER_ID;
  for (const user of SEEDED_USERS) state.addUser(user);
  const sessions = new Set<string>();
  const requests: LoggedRequest[] = [];
  const faults = new Faults(options.latencyMs ?? 0, () => sessions.clear());
  let apiUsage = 0;
  let url = '';

  const recordUrl = (version: string, type: string, id: string) => `/services/data/v${version}/sobjects/${type}/${id}`;
  const withAttributes = (version: string, type: string, record: Record<string, unknown> & { Id: string }, fields?: readonly string[]) => ({
    attributes: { type, url: recordUrl(version, type, record.Id) },
    ...Object.fromEntries((fields ?? Object.keys(record)).map((f) => [f, record[f] ?? null])),
  });

  // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/intro_oauth_and_connected_apps.htm
  const token = (form: URLSearchParams): Reply => {
    const oauthError = (error: string, description: string, status = 400): Reply => ({
      status,
      body: { error, error_description: description },
    });
    if (faults.tokenError !== undefined)
      return oauthError(faults.tokenError.error, faults.tokenError.description, faults.tokenError.status);
    const grant = form.get('grant_type');
    const clientId = form.get('client_id');
    const secretOk = form.get('client_secret') === credentials.clientSecret;
    const clientOk = clientId === credentials.clientId;
    switch (grant) {
      case 'client_credentials':
        if (!clientOk) return oauthError('invalid_client_id', 'client identifier invalid');
        if (!secretOk) return oauthError('invalid_client', 'invalid client credentials');
        break;
      case 'password':
        if (!clientOk) return oauthError('invalid_client_id', 'client identifier invalid');
        if (!secretOk) return oauthError('invalid_client', 'invalid client credentials');
        if (form.get('username') !== credentials.username || form.get('password') !== credentials.password)
          return oauthError('invalid_grant', 'authentication failure');
        break;
      case 'refresh_token':
        if (!clientOk) return oauthError('invalid_client_id', 'client identifier invalid');
        if (form.has('client_secret') && !secretOk) return oauthError('invalid_client', 'invalid client credentials');
        if (form.get('refresh_token') !== credentials.refreshToken) return oauthError('invalid_grant', 'expired access/refresh token');
        break;
      case 'urn:ietf:params:oauth:grant-type:jwt-bearer': {
        const [header, payload, signature] = (form.get('assertion') ?? '').split('.');
        if (header === undefined || payload === undefined || signature === undefined)
          return oauthError('invalid_grant', 'invalid assertion');
        let claims: unknown;
        try {
          claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
        } catch {
          return oauthError('invalid_grant', 'invalid assertion');
        }
        if (!isObject(claims)) return oauthError('invalid_grant', 'invalid assertion');
        if (claims['iss'] !== credentials.clientId) return oauthError('invalid_client_id', 'client identifier invalid');
        if (claims['sub'] !== credentials.username) return oauthError('invalid_grant', "user hasn't approved this consumer");
        if (typeof claims['exp'] !== 'number' || claims['exp'] * 1000 < Date.now())
          return oauthError('invalid_grant', 'expired authorization code');
        // https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_oauth_jwt_flow.htm: RS256 over `header.payload`.
        if (!verify('RSA-SHA256', Buffer.from(`${header}.${payload}`), jwtKey(), Buffer.from(signature, 'base64url')))
          return oauthError('invalid_grant', 'invalid assertion');
        break;
      }
      default:
        return oauthError('unsupported_grant_type', 'grant type not supported');
    }
    const accessToken = `${ORG_ID}!${randomBytes(24).toString('base64url')}`;
    sessions.add(accessToken);
    const issuedAt = String(Date.now());
    return {
      status: 200,
      body: {
        access_token: accessToken,
        instance_url: url,
        id: `${url}/id/${ORG_ID}/${USER_ID}`,
        token_type: 'Bearer',
        issued_at: issuedAt,
        signature: createHmac('sha256', credentials.clientSecret).update(`${url}/id/${ORG_ID}/${USER_ID}${issuedAt}`).digest('base64'),
        scope: grant === 'client_credentials' ? 'api' : 'api refresh_token',
      },
    };
  };

  const describe = (type: string): Reply => {
    const spec = state.schema.get(type);
    if (spec === undefined) return notFound(`The requested resource does not exist`);
    return {
      status: 200,
      body: {
        name: spec.name,
        keyPrefix: spec.keyPrefix,
        fields: [...spec.fields.values()].map((f) => ({
          name: f.name,
          label: f.label,
          type: f.type,
          length: f.length ?? 0,
          externalId: f.externalId ?? false,
          unique: f.unique ?? false,
          caseSensitive: f.caseSensitive ?? false,
          nillable: f.required !== true,
          createable: f.readonly !== true,
          updateable: f.readonly !== true,
          referenceTo: f.referenceTo ?? [],
          restrictedPicklist: f.restricted === true,
          picklistValues: (f.picklist ?? []).map((value) => ({
            active: true,
            defaultValue: value === f.defaultValue,
            label: value,
            validFor: null,
            value,
          })),
        })),
      },
    };
  };

  // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_query.htm
  const query = (version: string, soql: string): Reply => {
    let parsed;
    try {
      parsed = parseSoql(soql);
    } catch (e) {
      if (e instanceof SoqlSyntaxError)
        return errors(400, [{ errorCode: 'MALFORMED_QUERY', message: `\n${soql}\nERROR at Row:1:Column:1\n${e.message}` }]);
      throw e;
    }
    const spec = state.schema.get(parsed.from);
    if (spec === undefined)
      return errors(400, [
        { errorCode: 'INVALID_TYPE', message: `\n${soql}\n^\nERROR at Row:1:Column:1\nsObject type '${parsed.from}' is not supported.` },
      ]);
    const unknown = [...parsed.fields, ...parsed.where.map((c) => c.field)].find((f) => !spec.fields.has(f));
    if (unknown !== undefined)
      return errors(400, [
        {
          errorCode: 'INVALID_FIELD',
          message: `\n${soql}\n^\nERROR at Row:1:Column:1\nNo such column '${unknown}' on entity '${parsed.from}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
        },
      ]);
    const hits = state.all(parsed.from).filter((r) => matches(r, parsed.where));
    const records = hits.slice(0, parsed.limit ?? hits.length).map((r) => withAttributes(version, parsed.from, r, parsed.fields));
    return { status: 200, body: { totalSize: records.length, done: true, records } };
  };

  const saved = (id: string, created?: boolean): Record<string, unknown> => ({
    id,
    success: true,
    errors: [],
    ...(created === undefined ? {} : { created }),
  });

  /** `autoAssign`: the `Sforce-Auto-Assign` header of the request (or of the composite subrequest). */
  const api = (
    method: string,
    segments: readonly string[],
    search: URLSearchParams,
    body: unknown,
    version: string,
    autoAssign?: string,
  ): Reply => {
    faults.beforeApiRequest?.({ method, path: `/services/data/v${version}/${segments.join('/')}` });
    const [head, type, third, fourth, ...rest] = segments;
    if (head === 'query' && type === undefined && method === 'GET') return query(version, search.get('q') ?? '');
    if (head === 'composite' && type === undefined && method === 'POST')
      return options.composite === false ? notFound() : composite(version, body);
    if (head === 'composite' && type === 'sobjects')
      return collections({ state, version, method, segments: segments.slice(2), body, autoAssign });
    if (head !== 'sobjects' || type === undefined || rest.length > 0) return notFound();
    const spec = state.schema.get(type);
    if (spec === undefined) return errors(404, [{ errorCode: 'NOT_FOUND', message: `The requested resource does not exist` }]);
    if (third === 'describe' && fourth === undefined && method === 'GET') return describe(type);
    if (third === undefined && method === 'POST') {
      if (!isObject(body)) return errors(400, [{ errorCode: 'JSON_PARSER_ERROR', message: 'The request body must be a JSON object' }]);
      const result = state.insert(type, body, version, undefined, autoAssign);
      return result.ok
        ? { status: 201, body: saved(result.record.Id), headers: { Location: recordUrl(version, type, result.record.Id) } }
        : errors(result.status, result.errors);
    }
    if (third !== undefined && fourth === undefined) {
      if (method === 'GET') {
        const record = state.get(type, third);
        if (record === undefined) return notFound(`Provided external ID field does not exist or is not accessible: ${third}`);
        const fields = search
          .get('fields')
          ?.split(',')
          .filter((f) => f !== '');
        const unknown = fields?.find((f) => !spec.fields.has(f));
        if (unknown !== undefined)
          return errors(400, [{ errorCode: 'INVALID_FIELD', message: `No such column '${unknown}' on entity '${type}'.` }]);
        return { status: 200, body: withAttributes(version, type, record, fields) };
      }
      if (method === 'PATCH') {
        if (!isObject(body)) return errors(400, [{ errorCode: 'JSON_PARSER_ERROR', message: 'The request body must be a JSON object' }]);
        const result = state.update(type, third, body, undefined, autoAssign);
        return result.ok ? { status: 204 } : errors(result.status, result.errors);
      }
    }
    // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_upsert.htm
    if (third !== undefined && fourth !== undefined && method === 'PATCH') {
      const field = spec.fields.get(third);
      if (field === undefined || field.externalId !== true)
        return notFound(`Provided external ID field does not exist or is not accessible: ${third}`);
      if (!isObject(body)) return errors(400, [{ errorCode: 'JSON_PARSER_ERROR', message: 'The request body must be a JSON object' }]);
      const same = (r: SfRecord) =>
        typeof r[third] === 'string' &&
        (field.caseSensitive === true ? r[third] === fourth : String(r[third]).toLowerCase() === fourth.toLowerCase());
      const found = state.all(type).filter(same);
      if (found.length > 1) return { status: 300, body: found.map((r) => recordUrl(version, type, r.Id)) };
      const fields = { ...body, [third]: fourth };
      const existing = found[0];
      if (existing === undefined) {
        const result = state.insert(type, fields, version, third, autoAssign);
        return result.ok
          ? { status: 201, body: saved(result.record.Id, true), headers: { Location: recordUrl(version, type, result.record.Id) } }
          : errors(result.status, result.errors);
      }
      const result = state.update(type, existing.Id, fields, third, autoAssign);
      if (!result.ok) return errors(result.status, result.errors);
      // The `created` flag exists from API 46.0; older versions answer 204 with no body.
      return Number(version) >= 46 ? { status: 200, body: saved(existing.Id, false) } : { status: 204 };
    }
    return errors(405, [
      { errorCode: 'METHOD_NOT_ALLOWED', message: `HTTP Method '${method}' not allowed. Allowed are GET,PATCH,HEAD,DELETE` },
    ]);
  };

  const resolveReferences = (value: unknown, results: ReadonlyMap<string, unknown>): unknown => {
    const lookup = (ref: string, path: string): unknown =>
      path
        .split(/\.|\[(\d+)\]/)
        .filter((p) => p !== undefined && p !== '')
        .reduce<unknown>((at, key) => (Array.isArray(at) ? at[Number(key)] : isObject(at) ? at[key] : undefined), results.get(ref));
    if (typeof value === 'string') {
      return value.replace(/@\{([A-Za-z0-9_]+)\.([^}]+)\}/g, (whole, ref: string, path: string) => {
        const hit = lookup(ref, path);
        if (typeof hit === 'string' || typeof hit === 'number' || typeof hit === 'boolean') return String(hit);
        throw new ReferenceFailure(
          `Invalid reference specified. No value for ${ref}.${path} found in ${ref}. Provided referenceId ${whole} is invalid.`,
        );
      });
    }
    if (Array.isArray(value)) return value.map((v) => resolveReferences(v, results));
    if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveReferences(v, results)]));
    return value;
  };

  // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_composite.htm
  const composite = (version: string, body: unknown): Reply => {
    const list = isObject(body) ? body['compositeRequest'] : undefined;
    if (!Array.isArray(list) || list.length === 0 || list.length > 25)
      return errors(400, [{ errorCode: 'INVALID_API_INPUT', message: 'compositeRequest must hold 1 to 25 subrequests' }]);
    const overLimit = compositeQueryLimitExceeded(list);
    if (overLimit !== undefined) return errors(400, overLimit);
    const allOrNone = isObject(body) && body['allOrNone'] === true;
    const restore = state.snapshot();
    const results = new Map<string, unknown>();
    const responses: { body: unknown; httpHeaders: Record<string, string>; httpStatusCode: number; referenceId: string }[] = [];
    const log: { method: string; url: string; status: number; autoAssign?: string }[] = [];
    let failed = false;
    for (const item of list) {
      const referenceId = isObject(item) && typeof item['referenceId'] === 'string' ? item['referenceId'] : '';
      const method = isObject(item) && typeof item['method'] === 'string' ? item['method'].toUpperCase() : '';
      const rawUrl = isObject(item) && typeof item['url'] === 'string' ? item['url'] : '';
      const headers = isObject(item) && isObject(item['httpHeaders']) ? item['httpHeaders'] : {};
      const assignHeader = Object.entries(headers).find(([k]) => k.toLowerCase() === 'sforce-auto-assign')?.[1];
      const autoAssign = typeof assignHeader === 'string' ? assignHeader : undefined;
      let reply: Reply;
      if (failed && allOrNone)
        reply = errors(400, [
          {
            errorCode: 'PROCESSING_HALTED',
            message: 'The transaction was rolled back since another operation in the same transaction failed.',
          },
        ]);
      else {
        try {
          const resolvedUrl = String(resolveReferences(rawUrl, results));
          const subBody = isObject(item) ? resolveReferences(item['body'], results) : undefined;
          const parsed = new URL(resolvedUrl, 'http://composite.invalid');
          const m = /^\/services\/data\/v(\d+\.\d)\/(.*)$/.exec(parsed.pathname);
          if (m === null || m[1] !== version) reply = notFound();
          else
            reply = api(
              method,
              (m[2] ?? '')
                .split('/')
                .filter((s) => s !== '')
                .map(decodeURIComponent),
              parsed.searchParams,
              subBody,
              version,
              autoAssign,
            );
        } catch (e) {
          if (!(e instanceof ReferenceFailure)) throw e;
          reply = errors(400, [{ errorCode: 'PROCESSING_HALTED', message: e.message }]);
        }
      }
      if (reply.status >= 400) failed = true;
      else if (reply.body !== undefined) results.set(referenceId, reply.body);
      responses.push({ body: reply.body ?? null, httpHeaders: { ...(reply.headers ?? {}) }, httpStatusCode: reply.status, referenceId });
      log.push({ method, url: rawUrl, status: reply.status, ...(autoAssign === undefined ? {} : { autoAssign }) });
    }
    if (failed && allOrNone) {
      restore();
      for (const r of responses)
        if (r.httpStatusCode < 400)
          Object.assign(r, {
            httpStatusCode: 400,
            httpHeaders: {},
            body: [
              {
                errorCode: 'PROCESSING_HALTED',
                message: 'The transaction was rolled back since another operation in the same transaction failed.',
              },
            ],
          });
    }
    return { status: 200, body: { compositeResponse: responses }, subrequests: log };
  };

  /** The pages a person opens in a browser; not logged, they are not Salesforce API calls. */
  const pageFor = (path: string): Page | undefined => {
    if (path === '/') return homePage(state);
    const m = /^\/lightning\/r\/([A-Za-z0-9_]+)\/([A-Za-z0-9]{15,18})\/view\/?$/.exec(path);
    return m === null ? undefined : recordPage(state, m[1] ?? '', m[2] ?? '');
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const parsed = new URL(req.url ?? '/', 'http://emulator.invalid');
    const raw = await readBody(req);
    const method = req.method ?? 'GET';
    const contentType = req.headers['content-type'] ?? '';
    let body: unknown = raw === '' ? undefined : raw;
    if (contentType.startsWith('application/json') && raw !== '') {
      try {
        body = JSON.parse(raw);
      } catch {
        body = undefined;
      }
    }
    const pageReply = method === 'GET' ? pageFor(parsed.pathname) : undefined;
    if (pageReply !== undefined) return send(req, res, { status: pageReply.status, text: pageReply.html, headers: PAGE_HEADERS });
    const isToken = parsed.pathname === '/services/oauth2/token';
    const isSoap = /^\/services\/Soap\//i.test(parsed.pathname);
    const assignHeader = req.headers['sforce-auto-assign'];
    const autoAssign = typeof assignHeader === 'string' ? assignHeader : undefined;
    const form = isToken ? new URLSearchParams(raw) : undefined;
    const entry: LoggedRequest = {
      at: Date.now(),
      kind: isToken ? 'token' : isSoap ? 'soap' : 'api',
      method,
      path: parsed.pathname,
      search: parsed.search,
      ...(form?.get('grant_type') ? { grant: form.get('grant_type') ?? '' } : {}),
      ...(isSoap ? { operation: soapOperation(raw) } : {}),
      ...(autoAssign === undefined ? {} : { autoAssign }),
      body: isSoap
        ? undefined
        : form === undefined
          ? body
          : Object.fromEntries([...form].filter(([k]) => !/secret|password|assertion|token/.test(k))),
      status: 0,
      endedAt: 0,
    };
    requests.push(entry);
    if (faults.latencyMs > 0) await sleep(faults.latencyMs);

    if (form !== undefined) {
      const reply = method === 'POST' ? token(form) : errors(405, [{ errorCode: 'METHOD_NOT_ALLOWED', message: 'use POST' }]);
      entry.status = reply.status;
      return send(req, res, reply, { contentType: JSON_TYPE, log: entry });
    }
    if (isSoap) {
      entry.status = 500;
      return send(req, res, { status: 500, text: soapRefusal(raw), headers: { 'Content-Type': 'text/xml;charset=UTF-8' } }, { log: entry });
    }
    // The versions list needs no session: https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_versions.htm
    if (/^\/services\/data\/?$/.test(parsed.pathname)) {
      const reply: Reply =
        method === 'GET'
          ? { status: 200, body: versionList(newestMajor) }
          : errors(405, [{ errorCode: 'METHOD_NOT_ALLOWED', message: `HTTP Method '${method}' not allowed. Allowed are GET,HEAD` }]);
      entry.status = reply.status;
      return send(req, res, reply, { contentType: JSON_TYPE, log: entry });
    }
    const m = /^\/services\/data\/v(\d+\.\d)(\/.*)?$/.exec(parsed.pathname);
    const fault = m === null ? undefined : faults.queue.shift();
    if (fault?.kind === 'drop') {
      entry.status = -1;
      return send(req, res, 'drop');
    }
    if (fault?.kind === 'delay') await sleep(fault.ms);
    let reply: Reply;
    const auth = req.headers.authorization ?? '';
    const bearer = auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : '';
    if (m === null) reply = notFound();
    else if (faults.rejectSessions || !sessions.has(bearer)) {
      // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm (401)
      reply = {
        status: 401,
        body: [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }],
        headers: { 'WWW-Authenticate': 'Token' },
      };
    } else if (fault?.kind === 'status') {
      reply = errors(fault.status, [{ errorCode: 'SERVER_UNAVAILABLE', message: 'Server temporarily unavailable' }]);
    } else if (fault?.kind === 'limit' || apiUsage >= apiLimit) {
      reply = errors(403, [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
    } else {
      apiUsage++;
      const version = m[1] ?? '';
      const supported = Number(version) >= OLDEST_VERSION && Number(version) <= newestMajor;
      if (!supported) reply = notFound();
      else if (body === undefined && raw !== '')
        reply = errors(400, [{ errorCode: 'JSON_PARSER_ERROR', message: 'Unexpected character in the request body' }]);
      else {
        const segments = (m[2] ?? '')
          .split('/')
          .filter((s) => s !== '')
          .map(decodeURIComponent);
        reply = api(method, segments, parsed.searchParams, body, version, autoAssign);
      }
    }
    entry.status = reply.status;
    if (reply.subrequests !== undefined) entry.subrequests = reply.subrequests;
    return send(
      req,
      res,
      { ...reply, headers: { 'Sforce-Limit-Info': `api-usage=${apiUsage}/${apiLimit}`, ...reply.headers } },
      { contentType: JSON_TYPE, log: entry },
    );
  };

  const unknownException = (e: unknown): Reply => ({
    ...errors(500, [{ errorCode: 'UNKNOWN_EXCEPTION', message: e instanceof Error ? e.message : String(e) }]),
    headers: { 'Content-Type': JSON_TYPE },
  });
  const listening = await listen(serve(handle, unknownException), options);
  url = listening.url;

  return {
    url,
    credentials,
    externalIdField,
    state,
    requests,
    apiRequests: () => requests.filter((r) => r.kind === 'api'),
    tokenRequests: () => requests.filter((r) => r.kind === 'token'),
    soapRequests: () => requests.filter((r) => r.kind === 'soap'),
    jwtPrivateKeyPem: () => {
      if (given !== undefined) throw new Error('the test gave the JWT public key; it holds the private key');
      return ownPair().privateKeyPem;
    },
    newestVersion,
    faults,
    close: listening.close,
  };
};
