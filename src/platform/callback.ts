import { createHmac, timingSafeEqual } from 'node:crypto'
import { Codes } from '../core/codes.js'
import { ownData } from '../core/foreign.js'
import { SignError } from '../core/sign-error.js'
import { UpstreamError } from '../upstream/answer.js'

/** Options of {@link callbackUrl}. */
export interface CallbackUrlOptions {
  /**
   * The key: the integration's API secret, or a key of your own (string or bytes, at least 16 bytes). The
   * HMAC key is derived from it with a purpose label, so the API secret itself never keys a callback MAC.
   */
  secret: string | Uint8Array
  /** How long the URL is accepted, in seconds (1 to 366 days). Default 30 days. */
  ttlSeconds?: number | undefined
}

/** Options of {@link openCallback}. */
export interface OpenCallbackOptions {
  /** The key {@link callbackUrl} signed with. */
  secret: string | Uint8Array
}

/** What a framework hands over of the platform's callback. */
export interface CallbackRequest {
  /**
   * The URL it was called on: path and query as the framework has them (`req.originalUrl`,
   * `ctx.originalUrl`, `request.url`), or a whole URL. Origin and path are not checked, so a service behind
   * a proxy works unchanged.
   */
  url: string | URL
  /**
   * The body: what a body parser made (an object, `URLSearchParams`, `FormData`), or the raw body as text or
   * bytes, read by `contentType`. Absent or empty: no fields.
   */
  body?: unknown
  /** The request's `Content-Type`, needed for a raw body (JSON, urlencoded or multipart). */
  contentType?: string | undefined
}

/** A callback whose URL verified: the contract it is about, and the body's fields, unverified. */
export interface OpenedCallback {
  /** The contract the URL was signed for: the only thing the callback vouches for. */
  contractnum: string
  /** The body's fields as sent (a repeated form field as an array), a hint, never proof. */
  fields: Record<string, unknown>
}

const LABEL = 'esign-errors callback v1'
const CONTRACT = 'esign_contractnum'
const EXPIRES = 'esign_expires'
const SIG = 'esign_sig'
const PARAMS = [CONTRACT, EXPIRES, SIG] as const
const DEFAULT_TTL = 30 * 24 * 3600
const MAX_TTL = 366 * 24 * 3600
// The vendor's own rule for document numbers (code 81) plus its 32 hex digits: nothing that could split the MAC's input.
const CONTRACTNUM = /^[A-Za-z0-9@_,-]{1,128}$/
const EXPIRY = /^[0-9]{1,12}$/
const SIGNATURE = /^[A-Za-z0-9_-]{43}$/
const MAX_DEPTH = 32
const MAX_NODES = 10_000

function checkKey(where: string, secret: unknown): Buffer {
  const bytes =
    typeof secret === 'string'
      ? Buffer.from(secret, 'utf8')
      : secret instanceof Uint8Array
        ? Buffer.from(secret)
        : undefined
  if (bytes === undefined || bytes.length < 16) {
    throw new TypeError(`${where}: secret must be a string or bytes of at least 16 bytes`)
  }
  return bytes
}

/** The MAC key, one purpose only: the API secret also keys the envelope's AES. */
function derivedKey(secret: Buffer): Buffer {
  return createHmac('sha256', secret).update(LABEL).digest()
}

function signatureOf(key: Buffer, contractnum: string, expires: string): Buffer {
  return createHmac('sha256', key).update(`${contractnum}\n${expires}`).digest()
}

/**
 * Signs the `callUrl` the platform is given for one contract: adds `esign_contractnum`, `esign_expires` (Unix
 * seconds) and `esign_sig`, an HMAC-SHA256 over both under a key derived from `secret`. The platform
 * shows no signature of its own on callbacks, so this is what {@link openCallback} trusts.
 *
 * A leaked URL lets its holder make the service re-check that one contract until it expires, nothing
 * more. Other query parameters of `url` are kept and are not covered.
 *
 * @example
 * const callUrl = callbackUrl('https://api.example.com/signing-callback', contractnum, { secret: apiSecret })
 * await platform.manualSigningUrl({ contractnum, signerInfo: { email }, callUrl })
 */
export function callbackUrl(url: string | URL, contractnum: string, options: CallbackUrlOptions): string {
  const where = 'callbackUrl'
  let parsed: URL | undefined
  try {
    parsed = new URL(url)
  } catch {
    parsed = undefined
  }
  if (parsed === undefined || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) {
    throw new TypeError(`${where}: url must be an absolute http: or https: URL`)
  }
  if (parsed.hash !== '' || parsed.href.endsWith('#')) {
    throw new TypeError(`${where}: url must not have a fragment`)
  }
  for (const name of PARAMS) {
    if (parsed.searchParams.has(name)) throw new TypeError(`${where}: url already has an ${name} parameter`)
  }
  if (typeof contractnum !== 'string' || !CONTRACTNUM.test(contractnum)) {
    throw new TypeError(`${where}: contractnum must be 1 to 128 letters, digits or @_,-`)
  }
  const key = derivedKey(checkKey(where, options?.secret))
  const ttl = options.ttlSeconds ?? DEFAULT_TTL
  if (!Number.isSafeInteger(ttl) || ttl < 1 || ttl > MAX_TTL) {
    // A value that is not a number is named by its type: it may be the secret, passed in the wrong place.
    const got =
      typeof ttl === 'number' ? String(ttl) : typeof ttl === 'object' ? 'an object' : `a ${typeof ttl}`
    throw new TypeError(`${where}: ttlSeconds must be an integer from 1 to ${MAX_TTL}, got ${got}`)
  }
  const expires = String(Math.floor(Date.now() / 1000) + ttl)
  const sig = signatureOf(key, contractnum, expires).toString('base64url')
  // Appended as text: re-serialising the query through URLSearchParams would re-encode what was there.
  const href = parsed.href
  const join = parsed.search === '' && !href.endsWith('?') ? '?' : href.endsWith('?') ? '' : '&'
  return `${href}${join}${CONTRACT}=${contractnum}&${EXPIRES}=${expires}&${SIG}=${sig}`
}

const refuse = (code: number, status: number, why: string) =>
  new SignError(code, { status, cause: new UpstreamError(why) })

/** Checks the URL's signature; returns the contract it was signed for. Never quotes what it was given. */
function verifyUrl(url: string | URL, key: Buffer): string {
  let query: URLSearchParams
  try {
    query = new URL(url, 'http://callback.invalid').searchParams
  } catch {
    throw refuse(Codes.IllegalOperation, 403, 'callback URL is not signed')
  }
  const values = PARAMS.map((name) => query.getAll(name))
  if (values.every((all) => all.length === 0)) {
    throw refuse(Codes.IllegalOperation, 403, 'callback URL is not signed')
  }
  // 403, not the catalog's 401: there is no authentication scheme the caller could answer a challenge with.
  if (values.some((all) => all.length > 1)) {
    throw refuse(Codes.MacMismatch, 403, 'callback URL repeats a signature parameter')
  }
  if (values.some((all) => all.length === 0)) {
    throw refuse(Codes.MacMismatch, 403, 'callback URL has some of its signature parameters, not all')
  }
  const [contractnum, expires, sig] = values.map((all) => all[0]!) as [string, string, string]
  if (!CONTRACTNUM.test(contractnum) || !EXPIRY.test(expires)) {
    throw refuse(Codes.MacMismatch, 403, 'callback URL has a malformed contract number or expiry')
  }
  const expected = signatureOf(key, contractnum, expires)
  // Canonical base64url only, so no second spelling of a signature verifies (the query's percent-encoding is
  // the URL's, undone before: `%41` is `A`); compared whatever its form, so the time taken tells nothing.
  const decoded = SIGNATURE.test(sig) ? Buffer.from(sig, 'base64url') : undefined
  const canonical = decoded !== undefined && decoded.toString('base64url') === sig
  const equal = timingSafeEqual(expected, canonical ? decoded : Buffer.alloc(expected.length))
  if (!equal || !canonical) {
    throw refuse(Codes.MacMismatch, 403, 'callback URL signature does not verify')
  }
  if (Date.now() >= Number(expires) * 1000) {
    throw refuse(Codes.VerificationCodeExpired, 403, 'callback URL has expired')
  }
  return contractnum
}

const unreadable = (why: string, status = 400) =>
  refuse(Codes.DataFormatError, status, `callback body ${why}`)

/** Copies own enumerable properties: a parsed "__proto__" stays a field and touches no prototype. */
function copyFields(source: object): Record<string, unknown> {
  const fields: Record<string, unknown> = {}
  for (const key of Object.keys(source)) {
    const value = ownData(source, key)
    Object.defineProperty(fields, key, { value, enumerable: true, writable: true, configurable: true })
  }
  return fields
}

/** Entries of a form as fields; a name sent twice becomes an array, so every value is checked. */
function fromEntries(entries: Iterable<[string, unknown]>): Record<string, unknown> {
  const fields: Record<string, unknown> = {}
  for (const [key, value] of entries) {
    const had = ownData(fields, key)
    const next = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value]
    Object.defineProperty(fields, key, { value: next, enumerable: true, writable: true, configurable: true })
  }
  return fields
}

/**
 * An object of fields: plain, prototype-less, or built by a constructor whose prototype is an empty
 * prototype-less object (fast-querystring, behind @fastify/formbody, makes them so). Not an array, a Date,
 * a Map or any other class instance.
 */
function isPlainObject(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false
  const proto = Object.getPrototypeOf(value) as object | null
  if (proto === null || proto === Object.prototype) return true
  return Object.getPrototypeOf(proto) === null && Reflect.ownKeys(proto).length === 0
}

function parseJson(text: string): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    // V8's message quotes the body.
    throw unreadable('is not valid JSON')
  }
  if (!isPlainObject(value)) throw unreadable('is not an object of fields')
  return copyFields(value)
}

const decoder = new TextDecoder('utf-8', { fatal: true })

/** A raw body, by its content type; without one, JSON if it reads as an object, else a form. */
async function readRaw(
  raw: string | Uint8Array,
  contentType: string | undefined,
): Promise<Record<string, unknown>> {
  if (raw.length === 0) return {}
  const [mediaType = '', ...parameters] = (contentType ?? '').split(';').map((part) => part.trim())
  const type = mediaType.toLowerCase()
  const charset = parameters
    .map((part) => /^charset\s*=\s*"?([^";]*)"?$/i.exec(part)?.[1]?.toLowerCase())
    .find((value) => value !== undefined)
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw unreadable('has a charset other than UTF-8', 415)
  }
  if (type === 'multipart/form-data') {
    try {
      const form = await new Response(raw, { headers: { 'content-type': contentType! } }).formData()
      return fromEntries(form)
    } catch {
      throw unreadable('is not valid multipart')
    }
  }
  let text: string
  try {
    text = typeof raw === 'string' ? raw : decoder.decode(raw)
  } catch {
    throw unreadable('is not UTF-8')
  }
  text = text.replace(/^\uFEFF/, '')
  if (type === 'application/json' || /^application\/[^/]+\+json$/.test(type)) return parseJson(text)
  if (type === 'application/x-www-form-urlencoded') return fromEntries(new URLSearchParams(text))
  if (type === '' || type === 'text/plain') {
    return text.trimStart().startsWith('{') ? parseJson(text) : fromEntries(new URLSearchParams(text))
  }
  throw unreadable('has a content type it cannot read', 415)
}

async function readFields(body: unknown, contentType: string | undefined): Promise<Record<string, unknown>> {
  if (body === undefined || body === null) return {}
  if (typeof body === 'string' || body instanceof Uint8Array) return readRaw(body, contentType)
  if (body instanceof URLSearchParams || body instanceof FormData) return fromEntries(body)
  if (isPlainObject(body)) return copyFields(body)
  throw unreadable('is not an object of fields')
}

const CONTRACT_KEYS = new Set(['contractnum', 'contractnumber'])

/**
 * Throws unless every `contractnum` / `contractnumber` in the body (any case, any depth, inside JSON held
 * in a string too, as the one public integration searches) names the signed contract.
 */
function checkNamedContract(fields: Record<string, unknown>, contractnum: string): void {
  let nodes = 0
  const other = () =>
    refuse(Codes.IllegalOperation, 403, 'callback body names another contract than its signed URL')
  const named = (value: unknown, depth: number): void => {
    if (typeof value === 'string' || typeof value === 'number') {
      const text = String(value).trim()
      if (text !== '' && text !== contractnum) throw other()
    } else if (Array.isArray(value)) {
      for (const item of value) named(item, depth + 1)
    } else if (typeof Blob === 'function' && value instanceof Blob) {
      // A file part under the contract's key (`filename=` in multipart): a name that cannot be checked.
      throw other()
    } else walk(value, depth)
  }
  const walk = (value: unknown, depth: number): void => {
    nodes += 1
    if (depth > MAX_DEPTH || nodes > MAX_NODES) throw unreadable('is nested too deep to check')
    if (typeof value === 'string') {
      const text = value.trim()
      if (text.startsWith('{') || text.startsWith('[')) {
        let inner: unknown
        try {
          inner = JSON.parse(text)
        } catch {
          return
        }
        walk(inner, depth + 1)
      }
    } else if (Array.isArray(value)) {
      for (const item of value) walk(item, depth + 1)
    } else if (isPlainObject(value)) {
      for (const key of Object.keys(value)) {
        const item = ownData(value, key)
        if (CONTRACT_KEYS.has(key.toLowerCase())) named(item, depth + 1)
        else walk(item, depth + 1)
      }
    }
  }
  walk(fields, 0)
}

/**
 * Opens a callback the platform POSTed to a URL made by {@link callbackUrl}. Fails closed: the URL's
 * signature is checked first, in constant time, then the body is read and every contract number it names
 * must be the signed one. Returns the signed contract and the body's fields.
 *
 * - unsigned URL: code 44 (IllegalOperation), 403;
 * - tampered, partial or repeated signature parameters, another contract's signature, another key: code 2
 *   (MacMismatch), 403;
 * - expired: code 97 (VerificationCodeExpired), 403;
 * - a body naming another contract: code 44, 403;
 * - a body it cannot read: code 3 (DataFormatError), 400, or 415 for a content type or charset it does
 *   not read.
 *
 * The body is a hint: what to act on comes from a read of the platform. Callbacks may repeat and arrive
 * out of order, so act idempotently.
 *
 * @example
 * app.post('/signing-callback', express.json(), express.urlencoded(), async (req, res) => {
 *   const { contractnum } = await openCallback({ url: req.originalUrl, body: req.body }, { secret: apiSecret })
 *   await recheck(contractnum) // reads the platform, acts idempotently
 *   res.status(204).end()
 * })
 */
export async function openCallback(
  request: CallbackRequest,
  options: OpenCallbackOptions,
): Promise<OpenedCallback> {
  const where = 'openCallback'
  if (typeof request !== 'object' || request === null) {
    throw new TypeError(`${where}: the first argument must be { url, body?, contentType? }`)
  }
  if (typeof request.url !== 'string' && !(request.url instanceof URL)) {
    throw new TypeError(`${where}: url must be a string or a URL (path and query will do)`)
  }
  const key = derivedKey(checkKey(where, options?.secret))
  const contractnum = verifyUrl(request.url, key)
  const contentType = typeof request.contentType === 'string' ? request.contentType : undefined
  const fields = await readFields(request.body, contentType)
  checkNamedContract(fields, contractnum)
  return { contractnum, fields }
}
