import type http from 'node:http'
import type nodeModule from 'node:module'
import type Negotiator from 'negotiator'
import type statuses from 'statuses'
import { describe } from '../core/codes.js'
import { exposeHeaders, formatRetryAfter, HEADER_VALUE } from '../http/headers.js'
import type { CauseInfo, ClientErrorLevel, LogEntry, LogFunction, LoggerLike } from './log.js'
import { causeChain, compileLog, settled } from './log.js'
import type { ErrorReport, FallbackCodes, StatusOverrides } from './normalize.js'
import { checkStatusOverrides, normalize, ownEntry, validStatus } from './normalize.js'
import { compileTrace } from './tracing.js'

export type { CauseInfo, ClientErrorLevel, LogEntry, LoggerLike } from './log.js'
export { causeChain } from './log.js'

/** How error bodies are written: chosen on `Accept`, always the JSON envelope, or always RFC 9457. */
export type Format = 'negotiate' | 'json' | 'problem'

/** The parts of a request the response builder reads: Node's `IncomingMessage`, Express's `req` and Koa's `ctx` all fit. */
export interface RequestLike {
  readonly method?: string | undefined
  readonly url?: string | undefined
  readonly originalUrl?: string | undefined
  readonly headers?: Readonly<Record<string, string | string[] | undefined>> | undefined
  /** A request id set by an earlier middleware (pino-http, express-request-id). */
  readonly id?: unknown
  /** Koa's `ctx.req`, where koa-pino-logger and pino-http put their id. */
  readonly req?: unknown
}

/** Options of `errorHandler()` and {@link toErrorResponse}. Every one is optional. */
export interface ErrorHandlerOptions<Req = RequestLike> {
  /** Body format. Default `'negotiate'`: RFC 9457 when `Accept` prefers `application/problem+json`. */
  format?: Format | undefined
  /** Base URL of your error docs; with it, problem `type` is that URL plus the kebab-case name. */
  problemBaseUrl?: string | undefined
  /** Sends internal details (`debug` member: message, stack, causes). Never derived from `NODE_ENV`. Default `false`. */
  debug?: boolean | undefined
  /**
   * Where errors are logged. Default: the request's own logger when there is one (pino-http's `req.log`,
   * Fastify's `request.log`, koa-pino-logger's `ctx.log`), else errors >= 500 go to `console.error`.
   * A function gets every error (with the request); a pino-style logger gets `error` for >= 500 and the
   * `clientErrors` level for 4xx; `false` logs nothing. Given, it replaces the request's logger.
   * The function may be async and may throw or reject: that is caught, never awaited, and the answer stands.
   */
  log?: false | ((entry: LogEntry<Req>) => unknown) | LoggerLike | undefined
  /** Level of 4xx lines: `'warn'` (default), `'info'`, `'debug'`, or `false` to log no 4xx at all. */
  clientErrors?: ClientErrorLevel | false | undefined
  /** Whether an answer >= 500 records the thrown value as an exception on the active OpenTelemetry span. Default `true`. */
  recordExceptions?: boolean | undefined
  /**
   * Reads the request id; default: `req.id` (Koa: `ctx.req.id`), else a well-formed `X-Request-Id` header.
   * Called while the answer is built, so it must return the id itself; if it throws, the answer has no id.
   */
  requestId?: ((req: Req) => string | undefined) | undefined
  /** Status -> return code for errors that carry only a status (merged over the defaults). */
  fallbackCodes?: FallbackCodes | undefined
  /** Return code -> status, e.g. `{ 42: 404 }` to answer "not yours" with the status of "not found" (the body keeps code 42). */
  statusOverrides?: StatusOverrides | undefined
  /**
   * `WWW-Authenticate` value for 401s. Default `Bearer`, `Bearer error="invalid_token"` for codes 5 and 6.
   * A function must return the value itself; if it throws or returns anything but a header value, the header is left out.
   */
  authenticate?: string | ((code: number) => string) | undefined
  /** Translations of catalog messages by locale, chosen on `Accept-Language`: `{ fr: { 22: 'Mot de passe incorrect' } }`. */
  messages?: Readonly<Record<string, Readonly<Partial<Record<number, string>>>>> | undefined
}

/** What the response builder returns: everything an adapter writes, and what it logs. */
export interface ErrorResponse {
  status: number
  /** Header names in lower case; values validated. */
  headers: Record<string, string>
  /** The serialized JSON body. */
  body: string
  code: number
  name: string
  requestId: string | undefined
}

/** The JSON envelope of an error. */
export interface ErrorBody {
  code: number
  name: string
  message: string
  status: number
  retryable: boolean
  requestId?: string
  details?: unknown
  debug?: DebugInfo
}

/** An RFC 9457 problem document with the envelope's members as extensions. */
export interface ProblemBody {
  type: string
  title: string
  status: number
  detail: string
  instance?: string
  code: number
  name: string
  retryable: boolean
  requestId?: string
  details?: unknown
  debug?: DebugInfo
}

/** Present only with `debug: true`. */
export interface DebugInfo {
  causes: CauseInfo[]
}

/** The success envelope. */
export interface SuccessBody<T> {
  code: 0
  message: 'Success'
  data: T
}

/**
 * Wraps data in the success envelope, so clients switch on `code` alone.
 *
 * @example
 * res.json(success({ documentId: 'D-1' })) // { "code": 0, "message": "Success", "data": { ... } }
 */
export function success<T>(data: T): SuccessBody<T> {
  return { code: 0, message: 'Success', data }
}

const JSON_TYPE = 'application/json; charset=utf-8'
const CATALOG_LANGUAGE = 'en'
const PROBLEM_TYPE = 'application/problem+json; charset=utf-8'
const MEDIA_TYPES = ['application/json', 'application/problem+json']
const REQUEST_ID = /^[A-Za-z0-9._~:/+=@-]{1,128}$/
// A path: one slash, then visible ASCII. `//host/doc` is left out, as a network-path reference to another host.
const INSTANCE = /^\/(?!\/)[\x21-\x7e]{0,2047}$/
// Negotiation is bounded in work, not only in bytes: negotiator's cost grows with every range and every
// parameter, so past 1 KB an Accept or Accept-Language header is not parsed, and only its first 16 elements
// (ranges and parameters together) are considered. The worst header then costs what a browser's does.
const MAX_NEGOTIATED_HEADER = 1024
const MAX_ELEMENTS = 16

/** A compiled set of options: `respond` builds responses, `log` reports them. */
export interface Responder<Req = RequestLike> {
  /**
   * The answer to `thrown`. `routeStatus` is the status the route had set on its response before it
   * failed: a value without a status of its own takes it when it is 400-599.
   */
  respond(thrown: unknown, req?: Req, routeStatus?: number): ErrorResponse
  /**
   * Reports an answered error to the log hook and to the active OpenTelemetry span; never throws, and a
   * hook's rejected promise is caught. `req` is the framework's request object (Express `req`, Koa `ctx`,
   * Fastify `request`), `res` the Node response, where pino-http reads `res.err`.
   */
  log(response: ErrorResponse, thrown: unknown, req?: Req, res?: object): void
}

/**
 * Compiles options once: what an adapter for another framework builds at start-up, then calls per error.
 * Throws a `TypeError` for a bad option, as `errorHandler()` does.
 *
 * @example
 * const responder = createResponder({ problemBaseUrl: 'https://docs.example.com/errors/' })
 * const response = responder.respond(err, req, res.statusCode)
 * res.writeHead(response.status, response.headers).end(response.body)
 * responder.log(response, err, req, res)
 */
export function createResponder<Req = RequestLike>(options: ErrorHandlerOptions<Req> = {}): Responder<Req> {
  return compileResponder(options, 'console')
}

/**
 * {@link createResponder} for the adapters. `defaultLog` decides what happens when the user gave no `log`:
 * Koa's adapter passes `'none'` because it hands errors to `app.emit('error')` instead.
 */
export function compileResponder<Req = RequestLike>(
  options: ErrorHandlerOptions<Req>,
  defaultLog: 'console' | 'none',
): Responder<Req> {
  const responder = compile(options, defaultLog)
  lastResortResponse ??= Object.freeze(compile({ format: 'json', log: false }, 'none').respond(null))
  return responder
}

function compile<Req>(options: ErrorHandlerOptions<Req>, defaultLog: 'console' | 'none'): Responder<Req> {
  options = ownOptions(options)
  checkOptions(options)
  const format = options.format ?? 'negotiate'
  const normalizeOptions = { fallbackCodes: options.fallbackCodes, statusOverrides: options.statusOverrides }
  const debug = options.debug === true
  const baseUrl = options.problemBaseUrl
  const authenticate = options.authenticate
  const readId = options.requestId
  const messages = options.messages
  // The catalog's English is a candidate too, first, so `en-US, fr;q=0.8` and `*` keep the English text.
  const locales = messages ? [...new Set([CATALOG_LANGUAGE, ...Object.keys(messages)])] : []
  const logger: LogFunction = compileLog(options.log, options.clientErrors ?? 'warn', defaultLog)
  const trace = compileTrace(options.recordExceptions !== false)
  // Bodies of catalog answers, by code: they depend only on the code and the options (see `common`).
  const problemParts = new Map<number, ProblemParts>()
  const pickLocale = locales.length > 0 ? localePicker(locales) : undefined

  function respond(thrown: unknown, req?: Req, routeStatus?: number): ErrorResponse {
    try {
      return build(thrown, req, routeStatus)
    } catch {
      // Every read of foreign values is guarded already; this is the promise that holds if one was missed.
      return lastResort()
    }
  }

  function build(thrown: unknown, req: Req | undefined, routeStatus: number | undefined): ErrorResponse {
    const report = normalize(thrown, normalizeOptions, routeStatus)
    const request = req as RequestLike | undefined
    const headers = request?.headers
    const requestId = findRequestId(req, readId)

    const locale = pickLocale !== undefined && report.catalogMessage ? pickLocale(headers) : undefined
    // `locale` is one of the table's own keys; the code is looked up among the locale's own keys.
    const translated = locale === undefined ? undefined : ownEntry(messages?.[locale], report.code)
    if (translated !== undefined) report.message = translated

    const problem = format === 'problem' || (format === 'negotiate' && prefersProblem(headers))
    const out: Record<string, string> = {
      'content-type': problem ? PROBLEM_TYPE : JSON_TYPE,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    }
    if (report.headers) for (const [name, value] of report.headers) out[name] = value
    if (report.retryAfter !== undefined) {
      // Worked out now, not when the error was built: a Date may have passed since.
      const value = formatRetryAfter(report.retryAfter)
      if (value === undefined) delete out['retry-after']
      else out['retry-after'] = value
    }
    if (report.status === 401 && out['www-authenticate'] === undefined) {
      const value =
        authenticate === undefined
          ? defaultAuthenticate(report.code)
          : typeof authenticate === 'string'
            ? authenticate
            : safeCall(authenticate, report.code)
      if (value) out['www-authenticate'] = value
    }
    if (requestId !== undefined) out['x-request-id'] = requestId
    // A page on another origin sees neither Retry-After nor X-Request-Id unless they are exposed, and the
    // usual cors() set-up exposes none: its client would retry sooner than the server asked.
    const exposed = exposeHeaders(ownHeader(headers, 'origin'), out['access-control-expose-headers'])
    if (exposed !== undefined) out['access-control-expose-headers'] = exposed
    if (translated !== undefined && locale !== undefined) out['content-language'] = locale

    const extra = debug ? { causes: causeChain(thrown, true, true) } : undefined
    const head = problem ? problemHead(report, instanceMember(request)) : envelopeHead(report)
    const body = close(head.text, requestId, report.details, extra)
    // The head's byte length is known; a request id is ASCII (REQUEST_ID). Anything else is measured.
    const bytes =
      head.bytes >= 0 && report.details === undefined && extra === undefined
        ? head.bytes + 1 + (requestId === undefined ? 0 : 15 + requestId.length)
        : Buffer.byteLength(body)
    out['content-length'] = String(bytes)
    return { status: report.status, headers: out, body, code: report.code, name: report.name, requestId }
  }

  /** `{"type":…,"title":…,"status":…,"detail":…[,"instance":…],"code":…,"name":…,"retryable":…`, unclosed. */
  function problemHead(report: ErrorReport, instance: string): Head {
    const common = isCommon(report)
    let parts = common ? problemParts.get(report.code) : undefined
    if (parts === undefined) {
      const entry = describe(report.code)
      const title =
        baseUrl === undefined
          ? reasonPhrase(report.status)
          : report.catalogMessage
            ? report.message
            : (entry?.message ?? report.name)
      // Two strings around `instance`, which is the request's own; written member by member, never an
      // object spread (a slow path on V8).
      const before =
        `{"type":${JSON.stringify(baseUrl === undefined ? 'about:blank' : baseUrl + kebab(report.name))}` +
        `,"title":${JSON.stringify(title)},"status":${report.status},"detail":${JSON.stringify(report.message)}`
      const after = `,"code":${report.code},"name":${JSON.stringify(report.name)},"retryable":${report.retryable}`
      parts = { before, after, bytes: Buffer.byteLength(before) + Buffer.byteLength(after) }
      if (common) problemParts.set(report.code, parts)
    }
    // INSTANCE admits visible ASCII only, so the member is as many bytes as characters.
    return { text: parts.before + instance + parts.after, bytes: parts.bytes + instance.length }
  }

  function log(response: ErrorResponse, thrown: unknown, req?: Req, res?: object): void {
    logger(response, thrown, req, res)
    trace(response, thrown)
  }

  return { respond, log }
}

// Built once from the catalog when the first responder is compiled (before any answer it gives), by the same
// code as any answer; not when the module loads, which a process pays even if it never answers an error.
let lastResortResponse: ErrorResponse | undefined

function lastResort(): ErrorResponse {
  const response = lastResortResponse as ErrorResponse
  return { ...response, headers: { ...response.headers } }
}

const LANGUAGE_TAG = /^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$/
// A URI reference (RFC 3986): its characters, and `%` only before two hex digits. No space, quote or `<>`.
const URI_REFERENCE = /^(?:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})+$/

const OPTION_NAMES = [
  'format',
  'problemBaseUrl',
  'debug',
  'log',
  'requestId',
  'fallbackCodes',
  'statusOverrides',
  'authenticate',
  'messages',
  'clientErrors',
  'recordExceptions',
] as const satisfies readonly (keyof ErrorHandlerOptions)[]

/**
 * The options' own properties, in an object of their own, read once: the tables in them (`fallbackCodes`,
 * `statusOverrides`, `messages` and each of its locales) are copied too, so what is checked is what is used,
 * and a later change to the caller's object changes nothing (pass a new object for new options). An option
 * inherited from a prototype (another package's `Object.prototype.debug = true`) is never read, and a key that
 * is no option (a misspelling such as `problemBaseURL`, silently ignored in plain JavaScript) is refused with
 * the nearest option's name.
 */
function ownOptions<Req>(options: ErrorHandlerOptions<Req>): ErrorHandlerOptions<Req> {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('errorHandler: options must be an object')
  }
  const own: Record<string, unknown> = Object.create(null)
  for (const key of Object.keys(options)) {
    if (!(OPTION_NAMES as readonly string[]).includes(key)) {
      const near = nearestOption(key)
      throw new TypeError(
        `errorHandler: unknown option ${JSON.stringify(key)}${near ? ` (did you mean ${near}?)` : ''}`,
      )
    }
    own[key] = (options as Record<string, unknown>)[key]
  }
  if (own.fallbackCodes !== undefined) own.fallbackCodes = copyTable(own.fallbackCodes)
  if (own.statusOverrides !== undefined) own.statusOverrides = copyTable(own.statusOverrides)
  if (own.messages !== undefined) {
    const messages = copyTable(own.messages)
    if (typeof messages === 'object' && messages !== null) {
      const locales = messages as Record<string, unknown>
      for (const locale of Object.keys(locales)) locales[locale] = copyTable(locales[locale])
    }
    own.messages = messages
  }
  return own as ErrorHandlerOptions<Req>
}

/** A table's own entries in an object of their own (no prototype); anything else as it is, for the checks. */
function copyTable(table: unknown): unknown {
  if (typeof table !== 'object' || table === null) return table
  const copy: Record<string, unknown> = Object.create(null)
  for (const key of Object.keys(table)) copy[key] = (table as Record<string, unknown>)[key]
  return copy
}

function nearestOption(key: string): string | undefined {
  let best: string | undefined
  let bestDistance = Math.max(3, Math.floor(key.length / 3)) + 1
  for (const name of OPTION_NAMES) {
    const distance = editDistance(key.toLowerCase(), name.toLowerCase())
    if (distance < bestDistance) {
      best = name
      bestDistance = distance
    }
  }
  return best
}

/** Levenshtein distance; option names are short, so the quadratic table costs nothing at start-up. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1)
      current.push(Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution))
    }
    previous = current
  }
  return previous[b.length] as number
}

/**
 * Options are configuration: a bad one fails when the handler is built, not on the first error it answers
 * (a status of 99 would make Node throw in the middle of an answer; a code 0 would send "Success" as an error).
 */
function checkOptions(options: ErrorHandlerOptions<never>): void {
  const fail = (message: string): never => {
    throw new TypeError(`errorHandler: ${message}`)
  }
  const {
    format,
    authenticate,
    statusOverrides,
    fallbackCodes,
    log,
    messages,
    problemBaseUrl,
    requestId,
    clientErrors,
    recordExceptions,
  } = options
  if (format !== undefined && format !== 'negotiate' && format !== 'json' && format !== 'problem') {
    fail(`format must be 'negotiate', 'json' or 'problem', got ${String(format)}`)
  }
  if (typeof authenticate === 'string' && !isHeaderValue(authenticate)) {
    fail('authenticate must be a header value of visible ASCII (no CR or LF)')
  }
  if (authenticate !== undefined && typeof authenticate !== 'string' && typeof authenticate !== 'function') {
    fail('authenticate must be a string or a function')
  }
  checkStatusOverrides('errorHandler', statusOverrides)
  for (const [status, code] of Object.entries(fallbackCodes ?? {})) {
    if (validStatus(Number(status)) === undefined)
      fail(`fallbackCodes key ${status} must be a status from 400 to 599`)
    if (!Number.isSafeInteger(code) || code === 0)
      fail(`fallbackCodes[${status}] must be a non-zero integer code`)
  }
  if (log !== undefined && log !== false && typeof log !== 'function') {
    const logger = log as Partial<LoggerLike> | null
    if (typeof logger?.error !== 'function' || typeof logger.warn !== 'function') {
      fail('log must be false, a function, or a logger with error() and warn()')
    }
    if (
      (clientErrors === 'info' || clientErrors === 'debug') &&
      typeof (logger as LoggerLike)[clientErrors] !== 'function'
    ) {
      fail(`clientErrors is '${clientErrors}', but the log has no ${clientErrors}() method`)
    }
  }
  if (
    clientErrors !== undefined &&
    clientErrors !== false &&
    !['warn', 'info', 'debug'].includes(clientErrors)
  ) {
    fail(`clientErrors must be 'warn', 'info', 'debug' or false, got ${String(clientErrors)}`)
  }
  if (recordExceptions !== undefined && typeof recordExceptions !== 'boolean') {
    fail('recordExceptions must be a boolean')
  }
  for (const [locale, table] of Object.entries(messages ?? {})) {
    if (!LANGUAGE_TAG.test(locale)) fail(`messages key ${JSON.stringify(locale)} is not a language tag`)
    if (typeof table !== 'object' || table === null)
      fail(`messages.${locale} must be an object of code -> message`)
    for (const [code, text] of Object.entries(table)) {
      // A problem's `detail` must be a string (RFC 9457), and the envelope's `message` says it is one.
      if (typeof text !== 'string' || text === '')
        fail(`messages.${locale}[${code}] must be a non-empty string`)
    }
  }
  if (
    problemBaseUrl !== undefined &&
    (typeof problemBaseUrl !== 'string' || !URI_REFERENCE.test(problemBaseUrl))
  )
    fail(
      `problemBaseUrl must be a URI reference (no spaces, quotes or <>), got ${JSON.stringify(String(problemBaseUrl))}`,
    )
  if (requestId !== undefined && typeof requestId !== 'function') fail('requestId must be a function')
}

function isHeaderValue(value: string): boolean {
  return value !== '' && HEADER_VALUE.test(value)
}

const compiled = new WeakMap<object, Responder<never>>()
let defaults: Responder<never> | undefined

/**
 * The wire format in one pure function: any thrown value -> `{ status, headers, body }`.
 * Never throws. Adapters call it through {@link createResponder}; use it directly for another framework.
 * Options are read once per object, when it is first seen: to change them, pass a new object.
 *
 * @example
 * const { status, headers, body } = toErrorResponse(err, req)
 * res.writeHead(status, headers).end(body)
 */
export function toErrorResponse<Req = RequestLike>(
  thrown: unknown,
  req?: Req,
  options?: ErrorHandlerOptions<Req>,
): ErrorResponse {
  if (options === undefined) {
    defaults ??= createResponder()
    return (defaults as Responder<Req>).respond(thrown, req)
  }
  let responder = compiled.get(options) as Responder<Req> | undefined
  if (!responder) {
    responder = createResponder(options)
    compiled.set(options, responder as Responder<never>)
  }
  return responder.respond(thrown, req)
}

/** The opening of a body, unclosed, and its length in UTF-8 bytes. */
interface Head {
  text: string
  bytes: number
}

/** A problem document of a catalog answer, cut around `instance`. */
interface ProblemParts {
  before: string
  after: string
  bytes: number
}

/**
 * Whether an answer is the catalog's own for its code (message, status, retryable): then its body depends
 * only on the code and the options, and is built once.
 */
function isCommon(report: ErrorReport): boolean {
  const entry = describe(report.code)
  return (
    entry !== undefined &&
    report.status === entry.status &&
    report.message === entry.message &&
    report.retryable === entry.retryable
  )
}

// Precomputed `{"code":..,"name":..,"message":..,"status":..,"retryable":..` heads for the common case, so
// the hot path concatenates instead of serializing. The same for every set of options.
const heads = new Map<number, Head>()

function envelopeHead(report: ErrorReport): Head {
  const common = isCommon(report)
  let head = common ? heads.get(report.code) : undefined
  if (head === undefined) {
    const text =
      `{"code":${report.code},"name":${JSON.stringify(report.name)},"message":${JSON.stringify(report.message)}` +
      `,"status":${report.status},"retryable":${report.retryable}`
    head = { text, bytes: common ? Buffer.byteLength(text) : -1 }
    if (common) heads.set(report.code, head)
  }
  return head
}

/** Appends the optional members; details that cannot be serialized (BigInt, cycles, throwing toJSON) are left out. */
function close(
  head: string,
  requestId: string | undefined,
  details: unknown,
  debug: DebugInfo | undefined,
): string {
  let json = head
  // A well-formed request id (REQUEST_ID) has nothing JSON escapes.
  if (requestId !== undefined) json += `,"requestId":"${requestId}"`
  if (details !== undefined) {
    try {
      const text = JSON.stringify(details)
      if (text !== undefined) json += `,"details":${text}`
    } catch {
      // Left out rather than failing the response.
    }
  }
  if (debug !== undefined) json += `,"debug":${JSON.stringify(debug)}`
  return `${json}}`
}

// negotiator and statuses are required when first needed, not when the package loads: together they are most
// of what loading it would cost, and many processes never negotiate. A require() of this file's own works in
// both the ESM and the CommonJS builds. A bundler cannot see it: in a server bundled into one file without
// node_modules, negotiation is off (the JSON envelope is sent) and reason phrases are Node's own, rather than
// the error path throwing. `node:module` itself comes from `process.getBuiltinModule` (Node 20.16 and 22.3
// on, Bun, Deno), not an import: the root entry imports no Node built-in, so it bundles for the browser, where
// there is no require at all and both are left out the same way.
let lazyRequire: ((name: string) => unknown) | null | undefined
let reasons: Readonly<Record<number, string | undefined>> | undefined
let NegotiatorClass: typeof Negotiator | null | undefined

function negotiator(headers: Record<string, string>): Negotiator | undefined {
  if (NegotiatorClass === undefined) NegotiatorClass = optional<typeof Negotiator>('negotiator') ?? null
  return NegotiatorClass === null ? undefined : new NegotiatorClass({ headers })
}

/** A Node built-in module, without importing it; undefined where the runtime has none to give. */
function builtin<T>(name: string): T | undefined {
  try {
    const runtime = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
    return runtime?.getBuiltinModule?.(name) as T | undefined
  } catch {
    return undefined
  }
}

function optional<T>(name: string): T | undefined {
  try {
    if (lazyRequire === undefined) {
      lazyRequire = null
      const module = builtin<typeof nodeModule>('module')
      if (module !== undefined) lazyRequire = module.createRequire(import.meta.url)
    }
    return lazyRequire === null ? undefined : (lazyRequire(name) as T)
  } catch {
    return undefined
  }
}

/** The HTTP reason phrase of a status (`statuses`), or a generic one for an unregistered status. */
export function reasonPhrase(status: number): string {
  reasons ??=
    optional<typeof statuses>('statuses')?.message ?? builtin<typeof http>('http')?.STATUS_CODES ?? {}
  return ownEntry(reasons, status) ?? (status < 500 ? 'Client Error' : 'Server Error')
}

/**
 * Remembers what a function of one header value returned: clients send the same `Accept` and
 * `Accept-Language` on every request, and negotiating costs microseconds. At most 64 values, then it
 * starts over, so a client that varies its headers costs one Map store more per request, and no memory.
 */
function memo<T>(fn: (value: string) => T): (value: string) => T {
  const seen = new Map<string, T>()
  return (value) => {
    const known = seen.get(value)
    if (known !== undefined || seen.has(value)) return known as T
    const result = fn(value)
    if (seen.size >= 64) seen.clear()
    seen.set(value, result)
    return result
  }
}

function kebab(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()
}

const acceptsProblem = memo(
  (accept: string): boolean =>
    /problem/i.test(accept) && negotiator({ accept })?.mediaType(MEDIA_TYPES) === 'application/problem+json',
)

function prefersProblem(headers: RequestLike['headers']): boolean {
  const accept = negotiable(headers, 'accept')
  return accept !== undefined && acceptsProblem(accept)
}

/** Chooses among a handler's locales on `Accept-Language`. */
function localePicker(locales: string[]): (headers: RequestLike['headers']) => string | undefined {
  const pick = memo((language: string) => negotiator({ 'accept-language': language })?.language(locales))
  return (headers) => {
    const language = negotiable(headers, 'accept-language')
    return language === undefined ? undefined : pick(language)
  }
}

/**
 * The part of a request header worth negotiating on: none past 1 KB, else its whole ranges up to 16
 * elements (a range, and each of its parameters, is one). A range is never cut from its parameters, which
 * could turn `;q=0` into a preference; a first range with more than 15 parameters leaves nothing to negotiate.
 */
function negotiable(headers: RequestLike['headers'], name: string): string | undefined {
  const value = ownHeader(headers, name)
  if (typeof value !== 'string' || value.length > MAX_NEGOTIATED_HEADER) return undefined
  let elements = 1
  let lastComma = -1
  for (let index = 0; index < value.length; index++) {
    const char = value.charCodeAt(index)
    if (char === 0x2c) {
      if (++elements > MAX_ELEMENTS) return value.slice(0, index)
      lastComma = index
    } else if (char === 0x3b && ++elements > MAX_ELEMENTS) {
      return lastComma === -1 ? undefined : value.slice(0, lastComma)
    }
  }
  return value
}

/** A request header, read as an own property: a value on `Object.prototype` is not the request's. */
function ownHeader(headers: RequestLike['headers'], name: string): unknown {
  return headers != null && Object.hasOwn(headers, name) ? headers[name] : undefined
}

function findRequestId<Req>(
  req: Req | undefined,
  read: ((req: Req) => string | undefined) | undefined,
): string | undefined {
  if (req === undefined || req === null) return undefined
  try {
    if (read) return wellFormedId(settled(read(req)))
    const request = req as RequestLike
    const id = request.id ?? (request.req as { id?: unknown } | null | undefined)?.id
    if (id !== undefined) return wellFormedId(typeof id === 'number' ? String(id) : id)
    return wellFormedId(ownHeader(request.headers, 'x-request-id'))
  } catch {
    return undefined
  }
}

function wellFormedId(value: unknown): string | undefined {
  return typeof value === 'string' && REQUEST_ID.test(value) ? value : undefined
}

/** The problem's `,"instance":"/path"` member, or `''` when the request has no usable path. */
function instanceMember(req: RequestLike | undefined): string {
  const url = req?.originalUrl ?? req?.url
  if (typeof url !== 'string') return ''
  const query = url.indexOf('?')
  return instanceOfPath(query === -1 ? url : url.slice(0, query))
}

const instanceOfPath = memo((path: string): string =>
  INSTANCE.test(path) ? `,"instance":${JSON.stringify(path)}` : '',
)

function defaultAuthenticate(code: number): string {
  return code === 5 || code === 6 ? 'Bearer error="invalid_token"' : 'Bearer'
}

function safeCall(fn: (code: number) => string, code: number): string | undefined {
  try {
    const value = settled(fn(code))
    return typeof value === 'string' && isHeaderValue(value) ? value : undefined
  } catch {
    return undefined
  }
}
