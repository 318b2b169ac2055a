import { createHmac, timingSafeEqual } from 'node:crypto';
import { reject, type Rejection, type SourceRequest } from '../../domain/source';

/**
 * iAdvize signs every call with the app's secret token ("App security",
 * https://github.com/iadvize/documentation/blob/master/docs/build-apps.md#app-security):
 * `X-iAdvize-Signature: sha256=<hex HMAC-SHA256>` of the raw body for POST/PUT, and of the
 * raw query string for GET. "Raw query string" is taken to be the bytes after `?` exactly as
 * received, without the `?` and without re-encoding: that is what iAdvize's PHP sample reads and
 * what SNCF's Tock connector hashes (Vert.x `request().query()`, IadvizeSecurity.kt). An empty
 * query is the HMAC of the empty string.
 */
export const SIGNATURE_HEADER = 'x-iadvize-signature';

const SIGNATURE = /^sha256=([0-9a-f]{64})$/i;

/** What iAdvize signs for this request. */
export const signedBytes = (request: Pick<SourceRequest, 'method' | 'rawBody' | 'rawQuery'>): Buffer =>
  request.method.toUpperCase() === 'GET' ? Buffer.from(request.rawQuery, 'utf8') : request.rawBody;

export const hmacHex = (secret: string, bytes: Buffer | string): string => createHmac('sha256', secret).update(bytes).digest('hex');

/**
 * `undefined` when authentic. Both sides are 32-byte digests, so `timingSafeEqual` compares
 * equal lengths and leaks nothing about the expected value.
 */
export const verifySignature = (
  request: Pick<SourceRequest, 'method' | 'rawBody' | 'rawQuery' | 'header'>,
  secret: string | undefined,
): Rejection | undefined => {
  if (secret === undefined)
    return reject(
      'WEBHOOK_SECRET_NOT_SET',
      'Set IADVIZE_WEBHOOK_SECRET to the secret token shown in the iAdvize developer platform ("App information").',
    );
  const header = request.header(SIGNATURE_HEADER)?.trim();
  if (header === undefined || header === '') return reject('MISSING_SIGNATURE', `No ${SIGNATURE_HEADER} header.`);
  const given = SIGNATURE.exec(header)?.[1];
  if (given === undefined) return reject('MISSING_SIGNATURE', `${SIGNATURE_HEADER} is not "sha256=<64 hex digits>".`);
  const expected = createHmac('sha256', secret).update(signedBytes(request)).digest();
  const what = request.method.toUpperCase() === 'GET' ? 'query string' : 'body';
  return timingSafeEqual(Buffer.from(given, 'hex'), expected)
    ? undefined
    : reject('INVALID_SIGNATURE', `${SIGNATURE_HEADER} does not match the ${what}.`);
};
