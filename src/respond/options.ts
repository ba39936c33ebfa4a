import { validStatus } from '../core/fallback.js'
import type { FallbackCodes, StatusOverrides } from '../core/status.js'
import { checkStatusOverrides } from '../core/status.js'
import { HEADER_VALUE } from '../http/headers.js'
import type { ClientErrorLevel, LogEntry, LoggerLike } from './log.js'
import type { RequestLike } from './request.js'

/** How error bodies are written: chosen on `Accept`, always the JSON envelope, or always RFC 9457. */
export type Format = 'negotiate' | 'json' | 'problem'

/** Options of `errorHandler()` and {@link toErrorResponse}. Every one is optional. */
export interface ErrorHandlerOptions<Req = RequestLike> {
  /** Body format. Default `'negotiate'`: RFC 9457 when `Accept` prefers `application/problem+json`. */
  format?: Format | undefined
  /** Base URL of your error docs; with it, problem `type` is that URL plus the kebab-case name. */
  problemBaseUrl?: string | undefined
  /**
   * Sends internal details: a `debug` member, `{ causes }`, the thrown value and then each of its causes, with
   * their names, messages and stacks. Never derived from `NODE_ENV`. Default `false`.
   */
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
export function ownOptions<Req>(options: ErrorHandlerOptions<Req>): ErrorHandlerOptions<Req> {
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
export function checkOptions(options: ErrorHandlerOptions<never>): void {
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

export function isHeaderValue(value: string): boolean {
  return value !== '' && HEADER_VALUE.test(value)
}
