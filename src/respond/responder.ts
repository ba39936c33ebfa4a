import { describe } from '../core/codes.js'
import { causeChain, ownEntry, settled } from '../core/foreign.js'
import { overrideFor } from '../core/status.js'
import { exposeHeaders, formatRetryAfter } from '../http/headers.js'
import {
  close,
  type ErrorResponse,
  envelopeHead,
  type Head,
  isCommon,
  JSON_TYPE,
  kebab,
  PROBLEM_TYPE,
  type ProblemParts,
} from './body.js'
import type { LogFunction } from './log.js'
import { compileLog } from './log.js'
import { localePicker, prefersProblem, reasonPhrase } from './negotiate.js'
import type { ErrorReport } from './normalize.js'
import { normalize } from './normalize.js'
import { checkOptions, type ErrorHandlerOptions, isHeaderValue, ownOptions } from './options.js'
import { findRequestId, instanceMember, ownHeader, type RequestLike } from './request.js'
import { compileTrace } from './tracing.js'

const CATALOG_LANGUAGE = 'en'

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
 * What the adapters compile: {@link Responder}, and `answer`, which is `respond` save that the response it
 * returns may be shared between requests and frozen. An adapter only reads it; `respond` hands out copies.
 */
export interface AdapterResponder<Req = RequestLike> extends Responder<Req> {
  answer(thrown: unknown, req?: Req, routeStatus?: number): Readonly<ErrorResponse>
  /**
   * Whether an error of `code` with a 4xx status of its own is answered with a 4xx here (no `statusOverrides`
   * lifts it to 5xx): then neither the log nor the trace is handed the error itself, only a view of it.
   */
  staysClientError(code: number): boolean
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
): AdapterResponder<Req> {
  const responder = compile(options, defaultLog)
  lastResortResponse ??= Object.freeze(compile({ format: 'json', log: false }, 'none').respond(null))
  return responder
}

/** A prepared answer and what, besides its code, it was prepared for. */
interface Prepared {
  /** The problem document's `instance` member (`''` for none), or {@link JSON_ANSWER}. */
  instance: string
  status: number
  retryable: boolean
  message: string
  response: ErrorResponse
}

// A bound on the answers kept per responder: codes times the few statuses and messages each one is thrown with.
const MAX_PREPARED_CODES = 256
// Enough for the few variants of a code's JSON answer and the paths a client asks most for problem+json.
const MAX_PREPARED_PER_CODE = 16
// Where a prepared answer's `instance` would be: no `instance` member starts with a control character.
const JSON_ANSWER = '\u0000json'

function compile<Req>(
  options: ErrorHandlerOptions<Req>,
  defaultLog: 'console' | 'none',
): AdapterResponder<Req> {
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
  // Whole answers that carry nothing of the request but, for problem+json, its path (no request id, language or
  // origin) and nothing of the error but its code, status, message and retryable: by code, a few variants
  // each. The answer of a catalog error is known before the request comes; the request is read only to see
  // that it adds nothing.
  const prepared = new Map<number, Prepared[]>()
  const preparing = !debug && typeof authenticate !== 'function'

  function respond(thrown: unknown, req?: Req, routeStatus?: number): ErrorResponse {
    try {
      const response = build(thrown, req, routeStatus)
      // A prepared answer is shared and frozen: the caller gets its own.
      return Object.isFrozen(response) ? { ...response, headers: { ...response.headers } } : response
    } catch {
      // Every read of foreign values is guarded already; this is the promise that holds if one was missed.
      return lastResort()
    }
  }

  function answer(thrown: unknown, req?: Req, routeStatus?: number): Readonly<ErrorResponse> {
    try {
      return build(thrown, req, routeStatus)
    } catch {
      return lastResort()
    }
  }

  /** The prepared answer to `report`, if there is one. */
  function preparedFor(report: ErrorReport, instance: string): ErrorResponse | undefined {
    const known = prepared.get(report.code)
    if (known === undefined) return undefined
    for (const entry of known) {
      if (
        entry.instance === instance &&
        entry.status === report.status &&
        entry.retryable === report.retryable &&
        entry.message === report.message
      )
        return entry.response
    }
    return undefined
  }

  function prepare(report: ErrorReport, instance: string, response: ErrorResponse): void {
    let known = prepared.get(report.code)
    if (known === undefined) {
      if (prepared.size >= MAX_PREPARED_CODES) return
      known = []
      prepared.set(report.code, known)
    }
    if (known.length >= MAX_PREPARED_PER_CODE) return
    Object.freeze(response.headers)
    const { status, retryable, message } = report
    known.push({ instance, status, retryable, message, response: Object.freeze(response) })
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
    const origin = ownHeader(headers, 'origin')
    // A problem document's `instance` is the request's path: its answers are prepared per path too.
    const instance = problem ? instanceMember(request) : JSON_ANSWER
    const plain =
      preparing &&
      requestId === undefined &&
      translated === undefined &&
      origin === undefined &&
      report.headers === undefined &&
      report.retryAfter === undefined &&
      report.details === undefined
    if (plain) {
      const known = preparedFor(report, instance)
      if (known !== undefined) return known
    }
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
    const exposed = exposeHeaders(origin, out['access-control-expose-headers'])
    if (exposed !== undefined) out['access-control-expose-headers'] = exposed
    if (translated !== undefined && locale !== undefined) out['content-language'] = locale

    const extra = debug ? { causes: causeChain(thrown, true, true) } : undefined
    const head = problem ? problemHead(report, instance) : envelopeHead(report)
    const body = close(head.text, requestId, report.details, extra)
    // The head's byte length is known; a request id is ASCII (REQUEST_ID). Anything else is measured.
    const bytes =
      head.bytes >= 0 && report.details === undefined && extra === undefined
        ? head.bytes + 1 + (requestId === undefined ? 0 : 15 + requestId.length)
        : Buffer.byteLength(body)
    out['content-length'] = String(bytes)
    const response = {
      status: report.status,
      headers: out,
      body,
      code: report.code,
      name: report.name,
      requestId,
    }
    if (plain) prepare(report, instance, response)
    return response
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

  function staysClientError(code: number): boolean {
    return (overrideFor(options.statusOverrides, code) ?? 400) < 500
  }

  return { respond, answer, log, staysClientError }
}

// Built once from the catalog when the first responder is compiled (before any answer it gives), by the same
// code as any answer; not when the module loads, which a process pays even if it never answers an error.
let lastResortResponse: ErrorResponse | undefined

function lastResort(): ErrorResponse {
  const response = lastResortResponse as ErrorResponse
  return { ...response, headers: { ...response.headers } }
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
