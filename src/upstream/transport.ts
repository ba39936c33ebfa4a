/** The bounded fetch: one exchange with a deadline, a size limit and no redirect it was not told to follow. */
import { Codes } from '../core/codes.js'
import { SignError } from '../core/sign-error.js'
import { MAX_TIMER } from '../http/backoff.js'
import { prefix, UpstreamError } from './answer.js'

/**
 * What a 3xx answer does. `'error'`: it is a failure, code 4 at 502, not retryable, and nothing is sent to its
 * `Location`. `'same-origin'`: a redirect to the origin called is followed when it keeps the request as it was
 * (307 and 308, or 301, 302 and 303 to a GET or HEAD), and sent again whole, at most 5 times; any other is the
 * same failure. A redirect to another origin is never followed: the request would take its credentials there.
 */
export type Redirects = 'error' | 'same-origin'

const DEFAULT_TIMEOUT_MS = 10_000
const DEFAULT_MAX_BYTES = 10 * 1024 * 1024
const MAX_REDIRECTS = 5

/**
 * An answer as the exchange reads it: what a `Response` has and `node:http`'s answer can give (see
 * node-exchange.ts), without building a `Response`.
 */
export interface Answer {
  readonly status: number
  readonly ok: boolean
  readonly headers: { get(name: string): string | null }
  readonly body: AnswerBody | null
}

/** The body of an {@link Answer}: read once, by one reader, or cancelled. */
export interface AnswerBody {
  getReader(): {
    read(): Promise<{ done: false; value: Uint8Array } | { done: true; value?: undefined }>
    cancel(): Promise<void>
  }
  cancel(): Promise<void>
}

/** What makes one request and resolves with its {@link Answer}: `fetch`, or the Node exchange. */
export type Exchange = (url: URL | string, init: RequestInit) => Promise<Answer>

/** How {@link fetchText} makes one exchange. */
export interface ExchangeOptions {
  /** Time for the whole exchange, headers and body. */
  timeoutMs: number
  /** Largest body read, in bytes. */
  maxBytes: number
  fetch: Exchange
  /**
   * What was called, already redacted (e.g. `GET https://host/path?data=…`). When given, transport
   * failures get an {@link UpstreamError} cause that names it, with the raw failure below it.
   */
  context?: string | undefined
  /** Which redirects are followed. Default `'error'`. */
  redirects?: Redirects | undefined
  /**
   * What else ends the exchange as the caller's own abort (rethrown untouched), followed directly: the
   * requester's call, which makes no AbortSignal unless a wait needs one. Instead of `init.signal`, which
   * may be shared by many calls and is only followed through `AbortSignal.any`: a listener per exchange on
   * it would pile up, past Node's warning.
   */
  follows?: AbortSource | undefined
}

/** An abort an exchange can follow without an AbortSignal; see {@link ExchangeOptions.follows}. */
export interface AbortSource {
  readonly aborted: boolean
  readonly reason: unknown
  /**
   * Hands the reason to `abort` when it aborts; returns what stops that. `withinMs` is how long the exchange
   * may take at most (its timeout): an abort that cannot come sooner need not be watched for.
   */
  follow(abort: (reason: unknown) => void, withinMs: number): () => void
}

/**
 * One HTTP exchange with a deadline and a size limit: the response and its decoded body text.
 *
 * Throws a {@link SignError} with code 4 for what the network did (502, or 504 when `timeoutMs` passed),
 * both retryable, and rethrows the caller's own abort (`init.signal`) untouched. A body over `maxBytes` and a
 * redirect not followed are code 4 at 502, not retryable: the same answer would come again.
 */
export async function fetchText(
  url: URL,
  init: RequestInit | undefined,
  options: ExchangeOptions,
): Promise<{ response: Answer; text: string }> {
  const { response, body } = await fetchRead(url, init, options, (answer) =>
    readText(answer, options.maxBytes, options.context),
  )
  return { response, text: body }
}

/**
 * {@link fetchText} with the body read by `read` (see {@link readChunks}), within the same deadline and with
 * the same failures; `read` throws a {@link SignError} or nothing.
 */
export async function fetchRead<T>(
  url: URL | string,
  init: RequestInit | undefined,
  options: ExchangeOptions,
  read: (response: Answer) => Promise<T>,
): Promise<{ response: Answer; body: T }> {
  // The exchange's timeout is a controller of our own and a timer, rather than AbortSignal.timeout: that one
  // leaves a weak reference and a finalizer to the collector per exchange, a cost a small answer shows.
  const controller = new AbortController()
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'))
  }, options.timeoutMs)
  // As AbortSignal.timeout's: the timer alone does not keep the process alive. Where a timer is a number (a
  // browser, a worker), there is no process to keep alive.
  ;(timer as { unref?: () => unknown }).unref?.()
  const callerSignal = init?.signal ?? undefined
  const source = options.follows
  let signal = controller.signal
  let unfollow: (() => void) | undefined
  if (source?.aborted) controller.abort(source.reason)
  else if (source !== undefined) {
    unfollow = source.follow((reason) => controller.abort(reason), options.timeoutMs)
  }
  if (callerSignal?.aborted) controller.abort(callerSignal.reason)
  else if (callerSignal) signal = AbortSignal.any([callerSignal, controller.signal])
  let response: Answer | undefined
  try {
    // Redirects are seen here, never followed by fetch: it would take the query and the body to any origin.
    let target: URL | string = url
    for (let hops = 0; ; hops++) {
      response = await options.fetch(target, { ...init, signal, redirect: 'manual' })
      if (response.status < 300 || response.status > 399) break
      await response.body?.cancel().catch(() => {})
      target = redirectTarget(url, target, response, init?.method, hops, options)
    }
    return { response, body: await read(response) }
  } catch (error) {
    if (error instanceof SignError) throw error
    // The caller's abort is the caller's business; ours are the timeout and the network. Its reason itself,
    // as `fetch` may not rethrow it (a falsy one becomes an AbortError).
    if (callerSignal?.aborted && signal.reason === callerSignal.reason) throw callerSignal.reason
    if (source?.aborted && signal.reason === source.reason) throw source.reason
    const cause =
      options.context === undefined
        ? error
        : new UpstreamError(
            `${options.context}: ${timedOut ? `no complete answer within ${options.timeoutMs} ms` : 'the connection failed'}`,
            { httpStatus: response?.status, cause: error },
          )
    throw new SignError(Codes.ProcessingFailed, { status: timedOut ? 504 : 502, retryable: true, cause })
  } finally {
    clearTimeout(timer)
    unfollow?.()
  }
}

/** Where a 3xx answer is followed to, or the {@link SignError} it is. */
function redirectTarget(
  called: URL | string,
  from: URL | string,
  response: Answer,
  method: string | undefined,
  hops: number,
  options: ExchangeOptions,
): URL {
  const location = response.headers.get('location')
  const fromHref = typeof from === 'string' ? from : from.href
  const next = location !== null && URL.canParse(location, fromHref) ? new URL(location, fromHref) : undefined
  const status = response.status
  let why = 'a redirect, which is not followed'
  if (options.redirects === 'same-origin') {
    // Only what sends the same request again: 307 and 308, or 301, 302 and 303 to a GET or a HEAD.
    const keepsRequest =
      status === 307 ||
      status === 308 ||
      ([301, 302, 303].includes(status) && /^(GET|HEAD)$/i.test(method ?? 'GET'))
    if (next !== undefined && next.origin !== new URL(called).origin) {
      why = 'a redirect to another origin, which is never followed'
    } else if (next === undefined || !keepsRequest) {
      why = 'a redirect that would not send the same request, which is not followed'
    } else if (hops >= MAX_REDIRECTS) {
      why = `more than ${MAX_REDIRECTS} redirects`
    } else {
      return next
    }
  }
  throw new SignError(Codes.ProcessingFailed, {
    status: 502,
    retryable: false,
    cause: new UpstreamError(`${prefix(options.context)}upstream answered HTTP ${status}, ${why}`, {
      httpStatus: status,
    }),
  })
}

/** `redirects` checked: absent gives `'error'`; anything but `'error'` or `'same-origin'` is a `TypeError`. */
export function checkRedirects(where: string, redirects: unknown): Redirects {
  if (redirects === undefined) return 'error'
  if (redirects !== 'error' && redirects !== 'same-origin') {
    throw new TypeError(`${where}: redirects must be 'error' or 'same-origin'`)
  }
  return redirects
}

/**
 * A duration as a timer can take it: an integer from 1 to 2^31 - 1 milliseconds (Node turns anything else
 * into 1 ms). `undefined` gives the default; `name` is the option's name in the message.
 */
export function checkTimeout(
  where: string,
  value: unknown,
  fallback = DEFAULT_TIMEOUT_MS,
  name = 'timeoutMs',
): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number') {
    throw new TypeError(`${where}: ${name} must be a number of milliseconds, got ${typeof value}`)
  }
  if (!Number.isInteger(value) || value < 1 || value > MAX_TIMER) {
    throw new RangeError(`${where}: ${name} must be an integer from 1 to ${MAX_TIMER}, got ${value}`)
  }
  return value
}

/** `maxBytes`: an integer from 0 to 2^53 - 1; `undefined` gives the default. */
export function checkMaxBytes(where: string, value: unknown, fallback = DEFAULT_MAX_BYTES): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number') {
    throw new TypeError(`${where}: maxBytes must be a number of bytes, got ${typeof value}`)
  }
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${where}: maxBytes must be an integer of 0 or more, got ${value}`)
  }
  return value
}

/**
 * An absolute http: or https: URL without credentials. Anything else is a programming error, not a
 * failure of the platform, so it is a `TypeError` that names the option (`name`) and never repeats the URL,
 * which may carry secrets in its query.
 */
export function checkUrl(where: string, url: unknown, name = 'url'): URL {
  let parsed: URL | undefined
  if (url instanceof URL) parsed = new URL(url.href)
  else if (typeof url === 'string' && URL.canParse(url)) parsed = new URL(url)
  if (parsed === undefined) throw new TypeError(`${where}: ${name} must be an absolute http: or https: URL`)
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new TypeError(`${where}: ${name} must use http: or https:, got ${parsed.protocol}`)
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new TypeError(`${where}: ${name} must not carry credentials`)
  }
  return parsed
}

/**
 * A URL fit for an error message or a log line: every query value and the fragment replaced by `…`, so
 * tokens, `data` and `mac` never leave through it.
 */
export function redactUrl(url: URL): string {
  const keys = [...url.searchParams.keys()]
  const query = keys.length === 0 ? '' : `?${keys.map((key) => `${encodeURIComponent(key)}=…`).join('&')}`
  return `${url.origin}${url.pathname}${query}`
}

async function readText(response: Answer, maxBytes: number, context: string | undefined): Promise<string> {
  const chunks: Uint8Array[] = []
  const total = await readChunks(response, maxBytes, context, (chunk) => {
    chunks.push(chunk)
  })
  return decodeBody(Buffer.concat(chunks, total), response.headers.get('content-type'))
}

/**
 * Hands the body to `onChunk` a chunk at a time, as it arrives, and resolves with its length. Bytes are counted
 * as they come, so a body over `maxBytes` is cancelled after at most one chunk past the limit (code 4, 502,
 * not retryable: the same answer would come again, as long), or before any when its `Content-Length` says so.
 */
export async function readChunks(
  response: Answer,
  maxBytes: number,
  context: string | undefined,
  onChunk: (chunk: Uint8Array) => void,
): Promise<number> {
  const tooLong = () =>
    new SignError(Codes.ProcessingFailed, {
      status: 502,
      retryable: false,
      cause: new UpstreamError(
        `${prefix(context)}upstream body is larger than the limit of ${maxBytes} bytes`,
        { httpStatus: response.status },
      ),
    })
  const declared = Number(response.headers.get('content-length') ?? Number.NaN)
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => {})
    throw tooLong()
  }
  if (response.body === null) return 0
  const reader = response.body.getReader()
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > maxBytes) {
      await reader.cancel().catch(() => {})
      throw tooLong()
    }
    try {
      onChunk(value)
    } catch (error) {
      // A body left half read holds its connection (node:http has no finalizer to let it go).
      await reader.cancel().catch(() => {})
      throw error
    }
  }
  return total
}

const CHARSET = /;\s*charset\s*=\s*(?:"([^"]*)"|([^\s;]+))/i

/**
 * Body bytes as text. A byte order mark wins over the declared charset and is dropped (as the WHATWG
 * decode algorithm does, and as `JSON.parse` cannot); then the `charset` of `Content-Type` is honoured;
 * an unknown or absent label reads as UTF-8.
 */
export function decodeBody(bytes: Uint8Array, contentType: string | null): string {
  let label = 'utf-8'
  let start = utf8BomLength(bytes)
  if (start === 0) {
    if (bytes[0] === 0xfe && bytes[1] === 0xff) [label, start] = ['utf-16be', 2]
    else if (bytes[0] === 0xff && bytes[1] === 0xfe) [label, start] = ['utf-16le', 2]
    else label = declaredCharset(contentType)
  }
  return decoderFor(label).decode(bytes.subarray(start))
}

/** 3 when `bytes` start with the UTF-8 byte order mark, else 0: how many bytes to skip before the text. */
export function utf8BomLength(bytes: Uint8Array): number {
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0
}

/** The `charset` label of a `Content-Type`, `'utf-8'` when there is none. */
function declaredCharset(contentType: string | null): string {
  const match = contentType === null ? null : CHARSET.exec(contentType)
  return (match?.[1] ?? match?.[2] ?? 'utf-8').trim()
}

/**
 * Whether {@link decodeBody} reads a body that starts with `head` (its first three bytes, or all of a shorter
 * body) as UTF-8, so that its bytes can be read as they come, without decoding the whole.
 */
export function readsAsUtf8(head: Uint8Array, contentType: string | null): boolean {
  if ((head[0] === 0xfe && head[1] === 0xff) || (head[0] === 0xff && head[1] === 0xfe)) return false
  if (utf8BomLength(head) > 0) return true
  // A service sends the same Content-Type with every answer: its decoder is looked up once, not per answer.
  let utf8 = declaredUtf8.get(contentType)
  if (utf8 === undefined) {
    utf8 = decoderFor(declaredCharset(contentType)).encoding === 'utf-8'
    if (declaredUtf8.size < MAX_CONTENT_TYPES) declaredUtf8.set(contentType, utf8)
  }
  return utf8
}

// Whether each Content-Type seen declares UTF-8 (or nothing, or a label that is not known).
const declaredUtf8 = new Map<string | null, boolean>()
const MAX_CONTENT_TYPES = 32

function decoderFor(label: string) {
  try {
    return new TextDecoder(label, { ignoreBOM: true })
  } catch {
    // An unknown label: RangeError from TextDecoder. The platform speaks UTF-8.
    return new TextDecoder('utf-8', { ignoreBOM: true })
  }
}
