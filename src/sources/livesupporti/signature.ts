/**
 * `ms-signature: sha256=<hex>`, as Microsoft's ASP.NET WebHooks custom sender writes it and its
 * reference receiver checks it (`CustomWebHookReceiver.VerifySignature`,
 * https://github.com/aspnet/WebHooks/blob/master/src/Microsoft.AspNet.WebHooks.Receivers.Custom/WebHooks/CustomWebHookReceiver.cs):
 * HMAC-SHA256 keyed with the UTF-8 secret over the exact body bytes; the sender writes uppercase
 * hex, so the hex is decoded and the bytes compared, never the strings.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { reject, type Rejection, type SourceRequest } from '../../domain/source';

export const SIGNATURE_HEADER = 'ms-signature';

const SHA256_HEX = /^[0-9a-f]{64}$/i;

/** The digest a header carries, or why the header is unusable. */
const parseSignature = (header: string | undefined): Buffer | Rejection => {
  if (header === undefined || header.trim() === '') return reject('MISSING_SIGNATURE', `no ${SIGNATURE_HEADER} header`);
  // The receiver splits on '=' and wants exactly `sha256` and one value, key case-insensitive.
  const parts = header.split('=').map((p) => p.trim());
  if (parts.length !== 2 || parts[0]?.toLowerCase() !== 'sha256')
    return reject('MISSING_SIGNATURE', `${SIGNATURE_HEADER} must look like sha256=<64 hex digits>`);
  const hex = parts[1] ?? '';
  if (!SHA256_HEX.test(hex)) return reject('MISSING_SIGNATURE', `${SIGNATURE_HEADER} must carry 64 hex digits after sha256=`);
  return Buffer.from(hex, 'hex');
};

export const signatureOf = (body: Buffer, secret: string): Buffer =>
  createHmac('sha256', Buffer.from(secret, 'utf8')).update(body).digest();

/** `undefined` when the body is authentic. */
export const verifySignature = (request: SourceRequest, secret: string | undefined): Rejection | undefined => {
  if (secret === undefined)
    return reject('WEBHOOK_SECRET_NOT_SET', 'set LIVESUPPORTI_WEBHOOK_SECRET to the secret typed into LiveSupporti → WebHooks');
  const given = parseSignature(request.header(SIGNATURE_HEADER));
  if (!Buffer.isBuffer(given)) return given;
  return timingSafeEqual(given, signatureOf(request.rawBody, secret)) ? undefined : reject('INVALID_SIGNATURE');
};
