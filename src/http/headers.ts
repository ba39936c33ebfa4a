/** HTTP header rules of the error path, in one place: what is valid, what an error may set, what goes. */

/** An HTTP token (RFC 9110), at most 128 characters. */
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/

/** Visible ASCII, space and tab only: no CR/LF (response splitting), nothing Node would refuse. */
export const HEADER_VALUE = /^[\t\x20-\x7e]{0,4096}$/

// Delay-seconds or an IMF-fixdate (RFC 9110). A Retry-After passes even a masked error, so it must be one
// of these, never whatever text the error held.
const RETRY_AFTER =
  /^(?:\d{1,10}|(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT)$/

/** Whether a header value is a well-formed `Retry-After`. */
export function isRetryAfter(value: string): boolean {
  return RETRY_AFTER.test(value)
}

// Longest delay sent; also keeps Number#toString away from exponent notation.
const MAX_RETRY_SECONDS = 2_147_483_647
// Past year 9999 an HTTP date no longer has four digits.
const MAX_DATE = Date.UTC(9999, 11, 31, 23, 59, 59)

/**
 * `Retry-After` value: whole seconds for a number (negative becomes 0, capped at 2^31 - 1), an HTTP date
 * for a future Date; `undefined` for anything else (NaN, Infinity, an invalid or past Date, a string).
 */
export function formatRetryAfter(value: unknown, now = Date.now()): string | undefined {
  if (typeof value === 'number') {
    return Number.isFinite(value)
      ? String(Math.min(MAX_RETRY_SECONDS, Math.max(0, Math.ceil(value))))
      : undefined
  }
  if (typeof value !== 'object' || value === null) return undefined
  try {
    // Date's own getTime reads the internal time slot (and throws for anything but a real Date), so
    // neither a Proxy nor a subclass overriding toUTCString can put its own text into the header.
    const time = Date.prototype.getTime.call(value)
    return time > now && time <= MAX_DATE ? new Date(time).toUTCString() : undefined
  } catch {
    return undefined
  }
}

// What a page on another origin must read on an error answer, and CORS hides unless named in
// `Access-Control-Expose-Headers`: how long to wait (the client's retry() reads it) and what to quote.
const EXPOSED = ['Retry-After', 'X-Request-Id']

/**
 * `Access-Control-Expose-Headers` of an error answer to a cross-origin request (one with an `Origin`): the
 * names `current` lists (a string, or the array Node's `getHeader` may give), then `Retry-After` and
 * `X-Request-Id` where missing, compared without case. `undefined` without an `Origin`: the answer is left
 * as it was. The one place this rule lives.
 */
export function exposeHeaders(origin: unknown, current: unknown): string | undefined {
  if (origin === undefined) return undefined
  const listed = Array.isArray(current) ? current.join(',') : typeof current === 'string' ? current : ''
  const names: string[] = []
  const seen = new Set<string>()
  for (const name of [...listed.split(','), ...EXPOSED]) {
    const trimmed = name.trim()
    if (trimmed === '' || seen.has(trimmed.toLowerCase())) continue
    seen.add(trimmed.toLowerCase())
    names.push(trimmed)
  }
  return names.join(', ')
}

/**
 * The `Access-Control-Expose-Headers` an adapter writes: the error answer's own `exposed`, joined to the names
 * the response already exposed (`cors({ exposedHeaders })` set them before the route ran), so writing the
 * error's headers never drops a name the app chose to expose.
 */
export function keepExposed(exposed: string, current: unknown): string {
  return current === undefined ? exposed : exposeHeaders(true, [current, exposed].flat())!
}

/**
 * Headers the adapters remove from a response an error replaces: those describing the body the route had
 * started (`Content-Disposition`, `ETag`, …) and the connection-specific ones RFC 9113 §8.2.2 forbids (a
 * `Trailer` left behind makes Node throw when the error body is written; over HTTP/2 Node throws on
 * `Proxy-Connection` or `HTTP2-Settings`). Everything else, CORS headers, `Vary` and `Set-Cookie` included,
 * stays.
 */
export const REPLACED_HEADERS: ReadonlySet<string> = new Set([
  'accept-ranges',
  'content-disposition',
  'content-encoding',
  'content-language',
  'content-length',
  'content-location',
  'content-md5',
  'content-range',
  'etag',
  'expires',
  'last-modified',
  'connection',
  'http2-settings',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
])

/** A Set whose `add`, `delete` and `clear` throw: a frozen Set would still change through them. */
class ReadonlyView<T> extends Set<T> {
  constructor(values: Iterable<T>) {
    super()
    for (const value of values) super.add(value)
    Object.freeze(this)
  }

  override add(): never {
    throw new TypeError('esign-errors: this set is read-only')
  }

  override delete(): never {
    throw new TypeError('esign-errors: this set is read-only')
  }

  override clear(): never {
    throw new TypeError('esign-errors: this set is read-only')
  }
}

/**
 * {@link REPLACED_HEADERS} for users: a read-only copy, so nothing done to it changes what the adapters
 * remove.
 */
export const REPLACED_HEADERS_VIEW: ReadonlySet<string> = new ReadonlyView(REPLACED_HEADERS)

/** Headers an error may not set: the replaced ones, and those the response builder owns. */
export const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  ...REPLACED_HEADERS,
  'cache-control',
  'content-type',
  'set-cookie',
  'x-content-type-options',
  'x-request-id',
])
