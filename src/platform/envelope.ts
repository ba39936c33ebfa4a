import { isUtf8 } from 'node:buffer'
import { createCipheriv, createDecipheriv, createHash, timingSafeEqual } from 'node:crypto'
import { Codes } from '../core/codes.js'
import { ownData } from '../core/foreign.js'
import { SignError } from '../core/sign-error.js'
import type { StatusOverrides } from '../core/status.js'
import { checkStatusOverrides } from '../core/status.js'
import { type Read, readAnswer, toSignError, UpstreamError } from '../upstream/answer.js'

// The last secret's key: a service uses one secret, and SHA-256 of it would otherwise run on every call.
let lastSecret: string | undefined
let lastKey: Buffer | undefined

/** The AES-256 key: the raw 32-byte SHA-256 digest of the secret's UTF-8 bytes (PROTOCOL §3.1). */
export function keyOf(apiSecret: string): Buffer {
  if (apiSecret !== lastSecret || lastKey === undefined) {
    lastKey = createHash('sha256').update(apiSecret, 'utf8').digest()
    lastSecret = apiSecret
  }
  return lastKey
}

/** Throws a `TypeError` naming `where` unless the secret is a non-empty string; never repeats it. */
export function checkSecret(where: string, apiSecret: unknown): asserts apiSecret is string {
  if (typeof apiSecret !== 'string' || apiSecret === '') {
    throw new TypeError(`${where}: apiSecret must be a non-empty string`)
  }
}

/** Encrypts text exactly as given (UTF-8, AES-256-ECB, PKCS#7) into lower-case hex. */
export function encryptText(text: string, apiSecret: string): string {
  const cipher = createCipheriv('aes-256-ecb', keyOf(apiSecret), null)
  // Hex straight out of the cipher: no intermediate buffers to concatenate.
  return cipher.update(text, 'utf8', 'hex') + cipher.final('hex')
}

/**
 * The `data` of a request: `payload` as `JSON.stringify` writes it, UTF-8, AES-256-ECB with PKCS#7 padding
 * under the raw SHA-256 of the secret, as lower-case hex. Byte for byte what the vendor's PHP, Java and
 * Postman code send (test vectors in PROTOCOL.md §8).
 *
 * @example
 * const data = encryptData({ contractnum: 'C1' }, apiSecret)
 * const mac = macOf(data, apiSecret)
 */
export function encryptData(payload: unknown, apiSecret: string): string {
  checkSecret('encryptData', apiSecret)
  const json = JSON.stringify(payload)
  if (typeof json !== 'string') {
    throw new TypeError(`encryptData: payload must be a JSON value, got ${typeof payload}`)
  }
  return encryptText(json, apiSecret)
}

/** What a failure to open `data` becomes; a callback answers 400, a platform answer 502. */
export type Failure = (why: string) => SignError

/** Code 3 at 502 for a platform answer whose `data` cannot be opened; `context` prefixes the cause. */
export const badResponse =
  (context: string | undefined): Failure =>
  (why) =>
    new SignError(Codes.DataFormatError, {
      status: 502,
      cause: new UpstreamError(context === undefined ? why : `${context}: ${why}`),
    })

/**
 * The plaintext of hex `data`, as the two chunks the decipher gives; `fail` words the error. Never puts the
 * data nor the plaintext on it.
 */
export function decryptChunks(dataHex: string, apiSecret: string, fail: Failure): [Buffer, Buffer] {
  // Buffer's decoder stops at the first pair that is not hex, which the lengths show, but reads a character
  // beyond Latin-1 by its low byte (`İ` as `0`): a string of one UTF-8 byte per character has none. Both
  // checks are native, a fraction of what a regular expression over a long `data` costs.
  const bytes = dataHex.length > 0 && dataHex.length % 32 === 0 ? Buffer.from(dataHex, 'hex') : undefined
  if (
    bytes === undefined ||
    bytes.length * 2 !== dataHex.length ||
    Buffer.byteLength(dataHex, 'utf8') !== dataHex.length
  ) {
    throw fail('data is not hex whole AES blocks')
  }
  try {
    const decipher = createDecipheriv('aes-256-ecb', keyOf(apiSecret), null)
    return [decipher.update(bytes), decipher.final()]
  } catch {
    // OpenSSL's "bad decrypt": the wrong secret, or bytes that were never ciphertext.
    throw fail('data does not decrypt with this secret')
  }
}

/** Decrypts hex `data` to its text; `fail` words the error. Never puts the data nor the text on it. */
export function decryptText(
  dataHex: string,
  apiSecret: string,
  fail: Failure = badResponse(undefined),
): string {
  const plain = Buffer.concat(decryptChunks(dataHex, apiSecret, fail))
  if (!isUtf8(plain)) throw fail('decrypted data is not UTF-8')
  return plain.toString('utf8')
}

/** Parses decrypted text; the SyntaxError is dropped because V8 quotes the text in its message. */
export function parseJson(text: string, fail: Failure): unknown {
  try {
    return JSON.parse(text)
  } catch {
    throw fail('decrypted data is not JSON')
  }
}

/**
 * The JSON value inside a hex `data`: decrypted, decoded as UTF-8 (the vendor's own JS helpers garble
 * non-ASCII text here) and parsed. Data that is not hex, does not decrypt, is not UTF-8 or not JSON throws
 * a {@link SignError} with code 3 (DataFormatError), status 502, whose cause says which, never quoting it.
 *
 * It does not check the MAC: use {@link openEnvelope} for a platform answer.
 */
export function decryptData(dataHex: string, apiSecret: string): unknown {
  checkSecret('decryptData', apiSecret)
  if (typeof dataHex !== 'string') throw new TypeError('decryptData: data must be a hex string')
  const fail = badResponse(undefined)
  return parseJson(decryptText(dataHex, apiSecret, fail), fail)
}

/** Opens `data` that has already passed its MAC check. */
function decryptVerified(dataHex: string, apiSecret: string, fail: Failure): unknown {
  return parseJson(decryptText(dataHex, apiSecret, fail), fail)
}

/**
 * The `mac` of a `data`: lower-case hex SHA-256 of `dataHex + apiSecret` (plain SHA-256, not HMAC; data
 * first, over the hex exactly as sent).
 *
 * Refuses empty data with a `TypeError`: SHA-256 of `"" + secret` is the AES key itself.
 */
export function macOf(dataHex: string, apiSecret: string): string {
  checkSecret('macOf', apiSecret)
  if (typeof dataHex !== 'string' || dataHex === '') {
    throw new TypeError('macOf: data must be a non-empty string (a MAC over empty data is the AES key)')
  }
  // One update of the joined string costs less than two updates.
  return createHash('sha256')
    .update(dataHex + apiSecret, 'utf8')
    .digest('hex')
}

const MAC = /^[0-9a-fA-F]{64}$/

/** Whether `mac` is the MAC of `dataHex`, compared in constant time. `dataHex` must not be empty. */
export function verifyMac(dataHex: string, mac: unknown, apiSecret: string): boolean {
  if (typeof mac !== 'string' || !MAC.test(mac)) return false
  const expected = createHash('sha256')
    .update(dataHex + apiSecret, 'utf8')
    .digest()
  return macMatches(expected, mac)
}

/** Whether `mac` is the hex of the SHA-256 digest `expected`, in either case, compared in constant time. */
export function macMatches(expected: Buffer, mac: unknown): boolean {
  if (typeof mac !== 'string' || !MAC.test(mac)) return false
  return timingSafeEqual(expected, Buffer.from(mac, 'hex'))
}

/**
 * Code 2 (MacMismatch) at 502 for an answer whose `mac` is missing or does not verify: our own finding, not a
 * code the platform sent, so always 502 and never worth a retry.
 */
export function macFailure(mac: unknown, context: string | undefined, status: number | undefined): SignError {
  const why = mac === undefined ? 'answer has data but no mac' : 'answer mac does not verify'
  return new SignError(Codes.MacMismatch, {
    status: 502,
    retryable: false,
    cause: new UpstreamError(context === undefined ? why : `${context}: ${why}`, {
      result: 0,
      httpStatus: status,
    }),
  })
}

/** Options of {@link openEnvelope}. */
export interface OpenEnvelopeOptions {
  /** Return code -> HTTP status for the codes the platform answers with (see `callUpstream`). */
  statusOverrides?: StatusOverrides | undefined
  /** The HTTP status of the answer, kept on the cause for logs. */
  status?: number | undefined
}

/** Internal knobs of the client on top of {@link OpenEnvelopeOptions}. */
export interface OpenReadOptions extends OpenEnvelopeOptions {
  /** Prefix of cause messages, e.g. the redacted endpoint. */
  context?: string | undefined
}

/**
 * Opens a platform answer `{ result, message, data, mac }` (a parsed object or its JSON text):
 *
 * - `result` != 0: throws the {@link SignError} of that code, as `fromUpstream` does; `data` and `mac`
 *   are not looked at.
 * - `result` 0 with a non-empty `data`: verifies `mac` in constant time, then decrypts. A `mac` that is
 *   missing or does not match throws code 2 (MacMismatch) with status 502; `data` that does not decrypt
 *   or parse throws code 3 (DataFormatError) with status 502.
 * - `result` 0 without `data`: `undefined`.
 *
 * No error it throws carries the secret, `data` or `mac`, in its message or its cause.
 *
 * @example
 * const body = await response.json()
 * const details = openEnvelope(body, apiSecret) // { contractDetails: { ... } }
 */
export function openEnvelope(body: unknown, apiSecret: string, options?: OpenEnvelopeOptions): unknown {
  checkSecret('openEnvelope', apiSecret)
  checkStatusOverrides('openEnvelope', options?.statusOverrides)
  return openRead(readAnswer(body, undefined), apiSecret, options)
}

/** {@link openEnvelope} for an answer already read; what the client calls. */
export function openRead(read: Read, apiSecret: string, options?: OpenReadOptions): unknown {
  const context = options?.context
  const status = options?.status
  if (!read.ok) {
    // The parser's own error quotes the body, which may hold data and mac: only the reason is kept.
    throw toSignError({ ok: false, why: read.why }, status, undefined, context)
  }
  if (read.result !== 0) {
    // The message was scrubbed of the caller's secrets, if any, when the answer was read.
    throw toSignError(read, status, options?.statusOverrides, context)
  }
  const data = ownData(read.body, 'data')
  if (data === undefined || data === null || data === '') return undefined
  const fail = badResponse(context)
  if (typeof data !== 'string') throw fail('answer has a "data" that is not a string')
  const mac = ownData(read.body, 'mac')
  if (!verifyMac(data, mac, apiSecret)) throw macFailure(mac, context, status)
  return decryptVerified(data, apiSecret, fail)
}

/** Lower-case hex SHA-256 of a file's bytes: the `uploadFileHash` / `verifyFileHash` the platform asks for. */
export function fileHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}
