/** `callUpstream`: the bounded fetch, its answer read, its `data` checked. */
import { SignError } from '../core/sign-error.js'
import { checkStatusOverrides } from '../core/status.js'
import {
  checkParse,
  notOkError,
  type Parse,
  parseData,
  readAnswer,
  toSignError,
  UpstreamError,
  type UpstreamReadOptions,
} from './answer.js'
import { foreignText, type Scrubber, scrubberOf } from './secrets.js'
import {
  checkMaxBytes,
  checkRedirects,
  checkTimeout,
  checkUrl,
  fetchText,
  type Redirects,
  redactUrl,
} from './transport.js'

/** Options of {@link callUpstream}. */
export interface CallUpstreamOptions<T = unknown> extends UpstreamReadOptions {
  /** Checks the `data` of a success, as `AssertUpstreamOptions.parse` does. */
  parse?: Parse<T> | undefined
  /** Time for the whole exchange, headers and body, in milliseconds (1 to 2^31 - 1); defaults to 10 000. */
  timeoutMs?: number | undefined
  /** Largest body read, in bytes; defaults to 10 MiB. A longer body is cancelled, not buffered. */
  maxBytes?: number | undefined
  /** The `fetch` to use instead of the global one (tests, instrumentation). */
  fetch?: typeof fetch | undefined
  /** Which redirects are followed; see {@link Redirects}. Default `'error'`. */
  redirects?: Redirects | undefined
}

/**
 * Calls the platform with Node's `fetch` and returns the `data` of a result-0 answer; anything else
 * throws a `SignError` whose `cause` says what happened.
 *
 * - 2xx: read as by `fromUpstream`.
 * - non-2xx with a platform answer of non-zero result: that result; any other non-2xx: code 4, 502.
 * - refused, reset or cut connection: code 4, 502, retryable.
 * - body over `maxBytes`, or a redirect (see {@link Redirects}): code 4, 502, not retryable.
 * - no complete answer within `timeoutMs`: code 4, 504, retryable.
 * - the caller aborting through `init.signal`: its own error, rethrown untouched.
 *
 * The body is decoded by its byte order mark (dropped), else the `charset` of `Content-Type`, else UTF-8.
 * Programming errors reject at once, before any request: a `url` that is not an absolute http(s) URL is a
 * `TypeError`; a `timeoutMs` that is not an integer from 1 to 2^31 - 1, or a `maxBytes` that is not an
 * integer of 0 or more, is a `RangeError` (a `TypeError` when not a number).
 *
 * The answer's `data` is typed by the type parameter, or checked and typed by `parse` (a zod schema or a
 * function); an answer `parse` refuses is code 3, 502, its issues on the cause, never sent.
 *
 * @example
 * const { at } = await callUpstream(`${base}/api/login`, { method: 'POST', body }, {
 *   timeoutMs: 5000,
 *   parse: z.object({ at: z.string() }),
 * })
 */
export async function callUpstream<T = unknown>(
  url: string | URL,
  init?: RequestInit,
  options?: CallUpstreamOptions<T>,
): Promise<T> {
  const target = checkUrl('callUpstream', url)
  const timeoutMs = checkTimeout('callUpstream', options?.timeoutMs)
  const maxBytes = checkMaxBytes('callUpstream', options?.maxBytes)
  const redirects = checkRedirects('callUpstream', options?.redirects)
  const overrides = options?.statusOverrides
  checkStatusOverrides('callUpstream', overrides)
  checkParse('callUpstream', options?.parse)
  // Built on first use: a call that ends well never reads the request's values (its body may be large).
  const scrubber = scrubberOf(() => requestValues(target, init))
  try {
    const { response, text } = await fetchText(target, init, {
      timeoutMs,
      maxBytes,
      fetch: options?.fetch ?? fetch,
      redirects,
    })
    const read = readAnswer(text, options?.fields, scrubber)
    if (response.ok) {
      if (read.ok && read.result === 0) return parseData(options?.parse, read.data, redactUrl(target))
      throw toSignError(read, response.status, overrides)
    }
    throw notOkError(read, text.length === 0, response.status, overrides)
  } catch (error) {
    throw withRequestValuesOff(error, scrubber)
  }
}

// A value shorter than this is not looked for (the scrubber's own bound: it would match ordinary words), nor
// one longer than the next (a document's content, not a credential).
const MIN_VALUE_LENGTH = 8
const MAX_VALUE_LENGTH = 4096
// All the values looked for, in characters: the search's cost grows with them, and it runs on every failure.
const MAX_TOTAL_LENGTH = 16 * 1024

/**
 * What the request carries that its answer or a failure might quote back, the likeliest credentials first:
 * query values, header values and each word of one (`Bearer <token>`), then the string values of a form or
 * JSON text body, each also as a JSON text quotes it. Values of 8 to 4,096 characters, 16 KB in all.
 */
function requestValues(url: URL, init: RequestInit | undefined): string[] {
  const values: string[] = []
  let total = 0
  const add = (value: string) => {
    if (value.length < MIN_VALUE_LENGTH || value.length > MAX_VALUE_LENGTH) return
    // As a JSON text quotes it too: an upstream echoing a JSON body echoes its source, escapes and all.
    const quoted = JSON.stringify(value).slice(1, -1)
    for (const form of quoted === value ? [value] : [value, quoted]) {
      if (total + form.length > MAX_TOTAL_LENGTH) return
      values.push(form)
      total += form.length
    }
  }
  for (const value of url.searchParams.values()) add(value)
  for (const value of headerValues(init?.headers)) {
    add(value)
    for (const word of value.split(/\s+/)) add(word)
  }
  for (const value of bodyValues(init?.body)) add(value)
  return values
}

/** The string values of a form body (`URLSearchParams`, `FormData`, form text) or of a JSON text body. */
function bodyValues(body: RequestInit['body']): string[] {
  try {
    if (body instanceof URLSearchParams) return [...body.values()]
    if (typeof FormData !== 'undefined' && body instanceof FormData) {
      return [...body.values()].filter((value): value is string => typeof value === 'string')
    }
    if (typeof body !== 'string') return []
    try {
      return stringsOf(JSON.parse(body))
    } catch {
      return [...new URLSearchParams(body).values()]
    }
  } catch {
    return []
  }
}

/** The strings of a parsed JSON value long enough to be looked for, depth first. */
function stringsOf(value: unknown, into: string[] = [], depth = 0): string[] {
  if (depth > 32 || into.length >= MAX_TOTAL_LENGTH / MIN_VALUE_LENGTH) return into
  if (typeof value === 'string') {
    if (value.length >= MIN_VALUE_LENGTH && value.length <= MAX_VALUE_LENGTH) into.push(value)
  } else if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) stringsOf(item, into, depth + 1)
  }
  return into
}

/**
 * A failure's cause may quote the request: `fetch` refusing a header value names it, an injected `fetch` may
 * print the URL, an upstream may echo a token or a password in a malformed answer. The upstream's own message
 * has them replaced by `…` already. What came from outside (messages and values of foreign errors, never the
 * library's own words or stack frames, which ordinary values may match) is searched, in any encoding; an
 * error that holds one keeps its code, status and retry facts and has its cause withheld.
 */
function withRequestValuesOff(error: unknown, scrubber: Scrubber): unknown {
  if (!(error instanceof SignError) || error.cause === undefined) return error
  if (!scrubber.holds(foreignText(error.cause, (holder) => holder instanceof UpstreamError))) return error
  return new SignError(error.code, {
    status: error.status,
    retryable: error.retryable,
    ...(error.retryAfter === undefined ? {} : { retryAfter: error.retryAfter }),
    cause: new UpstreamError('callUpstream: the cause held a value of the request and was withheld'),
  })
}

/** The values of `init.headers` in any of its shapes, read without `Headers`, which refuses bad values. */
function headerValues(headers: RequestInit['headers']): string[] {
  try {
    if (headers === undefined || headers === null) return []
    if (typeof (headers as Headers).forEach === 'function' && !Array.isArray(headers)) {
      const values: string[] = []
      ;(headers as Headers).forEach((value) => {
        values.push(value)
      })
      return values
    }
    const pairs = Array.isArray(headers) ? headers.map((pair) => pair[1]) : Object.values(headers)
    return pairs.filter((value): value is string => typeof value === 'string')
  } catch {
    return []
  }
}
