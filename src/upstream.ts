import { Codes } from './core/codes.js'
import { SignError } from './core/sign-error.js'
import type { StatusOverrides } from './core/status.js'
import { checkStatusOverrides, overrideFor } from './core/status.js'
import type { Scrubber } from './upstream/secrets.js'

/** Names of the fields of a platform answer; change them for a sibling protocol. */
export interface UpstreamFields {
  /** Field holding the return code; defaults to `'result'`. */
  result?: string
  /** Field holding the platform's text; defaults to `'message'`. */
  message?: string
  /** Field holding the payload of a success; defaults to `'data'`. */
  data?: string
}

/** What {@link fromUpstream}, {@link assertUpstreamOk} and {@link callUpstream} share. */
export interface UpstreamReadOptions {
  /** Field names, when the answer does not use `result` / `message` / `data`. */
  fields?: UpstreamFields | undefined
  /**
   * Return code -> HTTP status for the codes the platform answers with, e.g. `{ 53: 502 }`.
   *
   * The catalog answers the credential codes (2 MacMismatch, 5 InvalidAccessToken, 6 AccessTokenExpired,
   * 53 IntegrationKeyNotFound) with 401, which is right when the credential is your client's. When it is your
   * service's own, the client can do nothing about it and a 401 would tell it to sign in again: map those
   * codes to 502 for that call.
   */
  statusOverrides?: StatusOverrides | undefined
}

/** What a zod schema (3 or 4) offers, and any other validator with the same `safeParse`. */
export interface SafeParser<T> {
  safeParse(
    value: unknown,
  ):
    | { success: true; data: T }
    | { success: false; error: { issues: readonly { path?: readonly PropertyKey[]; message?: string }[] } }
}

/** Checks the `data` of an answer: a schema with `safeParse`, or a function that returns the value or throws. */
export type Parse<T> = SafeParser<T> | ((value: unknown) => T)

/** Options of {@link fromUpstream}. */
export interface FromUpstreamOptions extends UpstreamReadOptions {
  /**
   * The HTTP status the platform answered with; kept on the cause as `UpstreamError.httpStatus` for logs,
   * never decides the code.
   */
  httpStatus?: number | undefined
  /** @deprecated The former name of `httpStatus`. */
  status?: number | undefined
}

/** Options of {@link assertUpstreamOk}. */
export interface AssertUpstreamOptions<T = unknown> extends FromUpstreamOptions {
  /**
   * Checks the `data` of a success: a zod schema, or a function returning the value or throwing. A failure is
   * code 3 (DataFormatError), 502; what failed goes to the cause, for logs, never to the client.
   */
  parse?: Parse<T> | undefined
}

/** Options of {@link callUpstream}. */
export interface CallUpstreamOptions<T = unknown> extends UpstreamReadOptions {
  /** Checks the `data` of a success, as {@link AssertUpstreamOptions.parse} does. */
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
 * What a 3xx answer does. `'error'`: it is a failure, code 4 at 502, not retryable, and nothing is sent to its
 * `Location`. `'same-origin'`: a redirect to the origin called is followed when it keeps the request as it was
 * (307 and 308, or 301, 302 and 303 to a GET or HEAD), and sent again whole, at most 5 times; any other is the
 * same failure. A redirect to another origin is never followed: the request would take its credentials there.
 */
export type Redirects = 'error' | 'same-origin'

/** What the platform said, as far as it could be read; the {@link UpstreamError} constructor takes it. */
export interface UpstreamFacts {
  result?: number | undefined
  upstreamMessage?: string | undefined
  httpStatus?: number | undefined
  cause?: unknown
}

/**
 * What the platform answered, kept as the `cause` of a {@link SignError}: logged with the cause chain,
 * never sent to a client. Holds a few facts, never the raw body.
 */
export class UpstreamError extends Error {
  /** The platform's return code, when one could be read. */
  readonly result: number | undefined
  /** The platform's own text, cut to 200 characters; unreliable, for logs only. */
  readonly upstreamMessage: string | undefined
  /** The HTTP status of the platform's answer, when known. */
  readonly httpStatus: number | undefined

  constructor(message: string, facts: UpstreamFacts = {}) {
    super(message, facts.cause === undefined ? undefined : { cause: facts.cause })
    this.result = facts.result
    this.upstreamMessage = facts.upstreamMessage
    this.httpStatus = facts.httpStatus
  }
}

Object.defineProperty(UpstreamError.prototype, 'name', {
  value: 'UpstreamError',
  writable: true,
  configurable: true,
})

const DEFAULT_TIMEOUT_MS = 10_000
const DEFAULT_MAX_BYTES = 10 * 1024 * 1024
const MESSAGE_LIMIT = 200
const MAX_REDIRECTS = 5
// Sample clients of the platform send the code as a string; nine digits keep it a safe integer.
const NUMERIC_RESULT = /^-?\d{1,9}$/

/** A platform answer as read by {@link readAnswer}: its result, message and data, or why it is unreadable. */
export type Read =
  | { ok: true; result: number; message: string | undefined; data: unknown; body: object }
  | { ok: false; why: string; cause?: unknown }

/**
 * The {@link SignError} a platform answer stands for, or `undefined` when `result` is 0.
 *
 * A known code keeps its catalog status and message (the platform's own text only goes to the
 * cause, an {@link UpstreamError}); a code outside the catalog becomes a 502 `UnknownCode`.
 * An answer that cannot be read is a 502 with code 3 (DataFormatError): a string that is not JSON,
 * null, an array or any other non-object, no own `result`, or a `result` that is neither a safe integer nor
 * a string of one to nine digits with an optional minus sign (`"22"` is read as 22, `" 22"` is not).
 * Only own properties are read, so `{"__proto__": {"result": 0}}` has no result.
 *
 * @example
 * const err = fromUpstream({ result: 22, message: 'Wrong password' }, { httpStatus: 200 })
 * // SignError 22 WrongPassword, status 401; err.cause is an UpstreamError
 */
export function fromUpstream(body: unknown, options?: FromUpstreamOptions): SignError | undefined {
  checkStatusOverrides('fromUpstream', options?.statusOverrides)
  const read = readAnswer(body, options?.fields)
  return read.ok && read.result === 0
    ? undefined
    : toSignError(read, httpStatusOf(options), options?.statusOverrides)
}

function httpStatusOf(options: FromUpstreamOptions | undefined): number | undefined {
  return options?.httpStatus ?? options?.status
}

/**
 * The `data` of a successful platform answer; throws the {@link SignError} of any other answer
 * (see {@link fromUpstream} for how bodies are read).
 *
 * @example
 * const { at } = assertUpstreamOk(await response.json(), {
 *   httpStatus: response.status,
 *   parse: z.object({ at: z.string() }),
 * })
 */
export function assertUpstreamOk<T = unknown>(body: unknown, options?: AssertUpstreamOptions<T>): T {
  checkStatusOverrides('assertUpstreamOk', options?.statusOverrides)
  checkParse('assertUpstreamOk', options?.parse)
  const read = readAnswer(body, options?.fields)
  if (read.ok && read.result === 0) return parseData(options?.parse, read.data, 'upstream answer')
  throw toSignError(read, httpStatusOf(options), options?.statusOverrides)
}

/**
 * Calls the platform with Node's `fetch` and returns the `data` of a result-0 answer; anything else
 * throws a {@link SignError} whose `cause` says what happened.
 *
 * - 2xx: read as by {@link fromUpstream}.
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
  const { response, text } = await fetchText(target, init, {
    timeoutMs,
    maxBytes,
    fetch: options?.fetch ?? fetch,
    redirects,
  })
  const read = readAnswer(text, options?.fields)
  if (response.ok) {
    if (read.ok && read.result === 0) return parseData(options?.parse, read.data, redactUrl(target))
    throw toSignError(read, response.status, overrides)
  }
  throw notOkError(read, text.length === 0, response.status, overrides)
}

/** Throws a `TypeError` naming `where` unless `parse` is absent, a function or a schema with `safeParse`. */
export function checkParse(where: string, parse: unknown): void {
  if (parse === undefined || typeof parse === 'function') return
  if (typeof (parse as { safeParse?: unknown } | null)?.safeParse !== 'function') {
    throw new TypeError(`${where}: parse must be a function or a schema with safeParse`)
  }
}

/**
 * `value` checked by `parse` (returned as it is without one). A refusal is code 3 (DataFormatError), 502,
 * whose cause names where (`context`) and each issue's path and message: never the values, which a
 * validator may quote, nor the function's own error text beyond its cause.
 */
export function parseData<T>(parse: Parse<T> | undefined, value: unknown, context: string): T {
  if (parse === undefined) return value as T
  if (typeof parse === 'function') {
    try {
      return parse(value)
    } catch (error) {
      throw dataFormat(`${context}: the answer does not have the expected shape`, error)
    }
  }
  const result = parse.safeParse(value)
  if (result.success) return result.data
  const issues = result.error.issues
    .slice(0, 5)
    .map((issue) => `${(issue.path ?? []).map(String).join('.') || '(root)'}: ${issue.message ?? 'invalid'}`)
  throw dataFormat(`${context}: the answer does not have the expected shape: ${issues.join('; ')}`)
}

/** Code 3 (DataFormatError), 502: an answer of the platform that is not what it should be; `why` goes to the cause. */
export function dataFormat(why: string, cause?: unknown): SignError {
  return new SignError(Codes.DataFormatError, {
    status: 502,
    cause: new UpstreamError(why, cause === undefined ? {} : { cause }),
  })
}

/**
 * The error for a non-2xx answer: a platform that explains its failure in its own format is believed; a
 * proxy's page, an empty body or a result 0 is code 4, 502, retryable.
 */
export function notOkError(
  read: Read,
  empty: boolean,
  httpStatus: number,
  overrides: StatusOverrides | undefined,
  context?: string,
): SignError {
  if (read.ok && read.result !== 0) return toSignError(read, httpStatus, overrides, context)
  const what = empty ? 'an empty body' : read.ok ? 'result 0' : 'a body that is not a platform answer'
  const cause = new UpstreamError(`${prefix(context)}upstream answered HTTP ${httpStatus} with ${what}`, {
    httpStatus,
  })
  return new SignError(Codes.ProcessingFailed, { status: 502, retryable: true, cause })
}

/** The SignError of an answer that is not a success; `context` (e.g. the endpoint) prefixes the cause. */
export function toSignError(
  read: Read,
  httpStatus: number | undefined,
  overrides: StatusOverrides | undefined,
  context?: string,
): SignError {
  if (!read.ok) {
    const cause = new UpstreamError(`${prefix(context)}${read.why}${withStatus(httpStatus)}`, {
      httpStatus,
      cause: read.cause,
    })
    return new SignError<number>(Codes.DataFormatError, { status: 502, cause })
  }
  const quoted = read.message === undefined ? '' : ` (${JSON.stringify(read.message)})`
  const cause = new UpstreamError(
    `${prefix(context)}upstream answered result ${read.result}${quoted}${withStatus(httpStatus)}`,
    {
      result: read.result,
      upstreamMessage: read.message,
      httpStatus,
    },
  )
  return new SignError(read.result, { cause, status: overrideFor(overrides, read.result) })
}

function prefix(context: string | undefined): string {
  return context === undefined ? '' : `${context}: `
}

/**
 * Reads a platform answer (a JSON string or a parsed value) by own properties only. The message of a failure
 * is cut to 200 characters, by `scrubber` when given (secrets taken out first); a success's reaches no error.
 */
export function readAnswer(
  body: unknown,
  fields: UpstreamFields | undefined,
  scrubber?: Scrubber | undefined,
): Read {
  let value = body
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body)
    } catch {
      // V8's SyntaxError quotes the text around the fault, which may be a piece of `data` or `mac`.
      return { ok: false, why: 'upstream answer is not JSON' }
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, why: `upstream answer is ${describeKind(value)}, not an object` }
  }
  const resultField = fields?.result ?? 'result'
  if (!Object.hasOwn(value, resultField)) {
    return { ok: false, why: `upstream answer has no "${resultField}"` }
  }
  const result = toResult(own(value, resultField))
  if (result === undefined) {
    return { ok: false, why: `upstream answer has a "${resultField}" that is not an integer` }
  }
  const message = own(value, fields?.message ?? 'message')
  return {
    ok: true,
    result,
    message:
      typeof message !== 'string'
        ? undefined
        : scrubber === undefined || result === 0
          ? message.slice(0, MESSAGE_LIMIT)
          : scrubber.cut(message, MESSAGE_LIMIT),
    data: own(value, fields?.data ?? 'data'),
    body: value,
  }
}

/** An own data property of an object: a descriptor read never runs a getter nor walks the prototype chain. */
export function own(object: object, key: string): unknown {
  return Object.getOwnPropertyDescriptor(object, key)?.value
}

function toResult(value: unknown): number | undefined {
  let n: number | undefined
  if (typeof value === 'number') n = value
  else if (typeof value === 'string' && NUMERIC_RESULT.test(value)) n = Number(value)
  if (n === undefined || !Number.isSafeInteger(n)) return undefined
  return n === 0 ? 0 : n // -0 is success too
}

function describeKind(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return `a ${typeof value}`
}

function withStatus(status: number | undefined): string {
  return status === undefined ? '' : ` with HTTP ${status}`
}

/** How {@link fetchText} makes one exchange. */
export interface ExchangeOptions {
  /** Time for the whole exchange, headers and body. */
  timeoutMs: number
  /** Largest body read, in bytes. */
  maxBytes: number
  fetch: typeof fetch
  /**
   * What was called, already redacted (e.g. `GET https://host/path?data=…`). When given, transport
   * failures get an {@link UpstreamError} cause that names it, with the raw failure below it.
   */
  context?: string | undefined
  /** Which redirects are followed. Default `'error'`. */
  redirects?: Redirects | undefined
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
): Promise<{ response: Response; text: string }> {
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
  url: URL,
  init: RequestInit | undefined,
  options: ExchangeOptions,
  read: (response: Response) => Promise<T>,
): Promise<{ response: Response; body: T }> {
  const timeout = AbortSignal.timeout(options.timeoutMs)
  const callerSignal = init?.signal ?? undefined
  const signal = callerSignal ? AbortSignal.any([callerSignal, timeout]) : timeout
  let response: Response | undefined
  try {
    // Redirects are seen here, never followed by fetch: it would take the query and the body to any origin.
    let target = url
    for (let hops = 0; ; hops++) {
      response = await options.fetch(target, { ...init, signal, redirect: 'manual' })
      if (response.status < 300 || response.status > 399) break
      await response.body?.cancel().catch(() => {})
      target = redirectTarget(url, target, response, init?.method, hops, options)
    }
    return { response, body: await read(response) }
  } catch (error) {
    if (error instanceof SignError) throw error
    // The caller's abort is the caller's business; ours are the timeout and the network.
    if (callerSignal?.aborted && signal.reason === callerSignal.reason) throw error
    const timedOut = timeout.aborted
    const cause =
      options.context === undefined
        ? error
        : new UpstreamError(
            `${options.context}: ${timedOut ? `no complete answer within ${options.timeoutMs} ms` : 'the connection failed'}`,
            { httpStatus: response?.status, cause: error },
          )
    throw new SignError(Codes.ProcessingFailed, { status: timedOut ? 504 : 502, retryable: true, cause })
  }
}

/** Where a 3xx answer is followed to, or the {@link SignError} it is. */
function redirectTarget(
  called: URL,
  from: URL,
  response: Response,
  method: string | undefined,
  hops: number,
  options: ExchangeOptions,
): URL {
  const location = response.headers.get('location')
  const next = location !== null && URL.canParse(location, from.href) ? new URL(location, from) : undefined
  const status = response.status
  let why = 'a redirect, which is not followed'
  if (options.redirects === 'same-origin') {
    // Only what sends the same request again: 307 and 308, or 301, 302 and 303 to a GET or a HEAD.
    const keepsRequest =
      status === 307 ||
      status === 308 ||
      ([301, 302, 303].includes(status) && /^(GET|HEAD)$/i.test(method ?? 'GET'))
    if (next !== undefined && next.origin !== called.origin) {
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

const MAX_TIMER = 2 ** 31 - 1

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

async function readText(response: Response, maxBytes: number, context: string | undefined): Promise<string> {
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
  response: Response,
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
    onChunk(value)
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
  let start = 0
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) [label, start] = ['utf-16be', 2]
  else if (bytes[0] === 0xff && bytes[1] === 0xfe) [label, start] = ['utf-16le', 2]
  else label = declaredCharset(contentType)
  return decoderFor(label).decode(bytes.subarray(start))
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
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return true
  return decoderFor(declaredCharset(contentType)).encoding === 'utf-8'
}

function decoderFor(label: string) {
  try {
    return new TextDecoder(label, { ignoreBOM: true })
  } catch {
    // An unknown label: RangeError from TextDecoder. The platform speaks UTF-8.
    return new TextDecoder('utf-8', { ignoreBOM: true })
  }
}
