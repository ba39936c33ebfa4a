import { Codes, describe, UNKNOWN_CODE_NAME, UNKNOWN_CODE_STATUS, unknownCodeMessage } from '../core/codes.js'
import { validStatus } from '../core/fallback.js'
import { clip, guardedGet as get, isError } from '../core/foreign.js'
import type { SignError } from '../core/sign-error.js'
import { isSignError } from '../core/sign-error.js'
import { type FallbackCodes, fallbackCode, overrideFor, type StatusOverrides } from '../core/status.js'
import { HEADER_NAME, HEADER_VALUE, isRetryAfter, RESERVED_HEADERS } from '../http/headers.js'
import { validationIssuesOf, zodIssuesOf } from './issues.js'

/**
 * What any thrown value amounts to, before it is put on the wire. Every field is trusted: all reads of
 * the thrown value happen in {@link normalize}, guarded, so the response builder never touches it.
 */
export interface ErrorReport {
  code: number
  name: string
  status: number
  /** The message the client may see (already masked). */
  message: string
  /** True when `message` is the catalog's own, so a translation may replace it. */
  catalogMessage: boolean
  retryable: boolean
  /** Client-safe details, present only when exposed. */
  details: unknown
  /** Validated header pairs carried by the error, names in lower case. */
  headers: [name: string, value: string][] | undefined
  /** The error's own `retryAfter` (seconds or Date), not yet validated. */
  retryAfter: unknown
}

// Errors of body-parser / raw-body (Express) and raw-body / co-body (Koa), keyed by their `type`.
const BODY_ERRORS: Readonly<Record<string, readonly [status: number, code: number]>> = {
  'entity.parse.failed': [400, Codes.DataFormatError],
  'entity.too.large': [413, Codes.FileTooLarge],
  'request.size.invalid': [400, Codes.DataLengthMismatch],
  'encoding.unsupported': [415, Codes.DataFormatError],
  'charset.unsupported': [415, Codes.DataFormatError],
}

// Errors of Fastify's body parsers, keyed by their `code`: the same answers as body-parser's above.
const FASTIFY_ERRORS: Readonly<Record<string, readonly [status: number, code: number]>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: [400, Codes.DataFormatError],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, Codes.DataFormatError],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, Codes.FileTooLarge],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, Codes.DataFormatError],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, Codes.DataLengthMismatch],
}

/** Options that change what a thrown value becomes. */
export interface NormalizeOptions {
  fallbackCodes?: FallbackCodes | undefined
  statusOverrides?: StatusOverrides | undefined
}

/**
 * Turns any thrown value into an {@link ErrorReport}. Never throws: a value that cannot be read (a
 * Proxy whose traps throw, a getter that throws) counts as an unknown failure, 500 ProcessingFailed.
 */
export function normalize(
  thrown: unknown,
  options: NormalizeOptions = {},
  routeStatus?: number,
): ErrorReport {
  try {
    // The brand is a global symbol anyone can set: a value that carries it without a usable code is foreign.
    // Each property of the thrown value is read once, so a getter cannot answer differently on a second read.
    const code: unknown = isSignError(thrown) ? thrown.code : undefined
    if (typeof code !== 'number' || !Number.isSafeInteger(code) || code === 0)
      return fromForeign(thrown, options, validStatus(routeStatus))
    return fromSignError(thrown as SignError, code, options)
  } catch {
    return internal()
  }
}

function fromSignError(error: SignError, code: number, options: NormalizeOptions): ErrorReport {
  // Only errors that name a code are remapped: a foreign error's status is its own fact. Masking follows
  // the final status, so an override to 5xx also hides what a 4xx would have shown.
  const status =
    overrideFor(options.statusOverrides, code) ??
    validStatus(error.status) ??
    describe(code)?.status ??
    UNKNOWN_CODE_STATUS
  const exposed = status < 500 && error.expose === true
  const message: unknown = exposed ? error.message : undefined
  const result = report(code, status, typeof message === 'string' ? message : undefined)
  if (exposed) result.details = error.details
  result.retryable = error.retryable === true
  result.headers = readHeaders(error.headers, false)
  result.retryAfter = error.retryAfter
  return result
}

/**
 * A value with no status of its own takes the error status the route had already set, as finalhandler
 * (`res.statusCode = 503; next(err)`) and Fastify (`reply.code(501).send(err)`) do; else 500.
 */
function statusless(options: NormalizeOptions, routeStatus: number | undefined): ErrorReport {
  return routeStatus === undefined
    ? internal()
    : report(fallbackCode(routeStatus, options.fallbackCodes), routeStatus)
}

function fromForeign(
  thrown: unknown,
  options: NormalizeOptions,
  routeStatus: number | undefined,
): ErrorReport {
  if ((typeof thrown !== 'object' && typeof thrown !== 'function') || thrown === null)
    return statusless(options, routeStatus)
  const error = thrown as Record<string, unknown>

  const zodIssues = zodIssuesOf(error)
  if (zodIssues) {
    const result = report(Codes.ParameterError, 400)
    result.details = zodIssues
    return result
  }

  const type = get(error, 'type')
  const bodyError =
    typeof type === 'string' && Object.hasOwn(BODY_ERRORS, type) ? BODY_ERRORS[type] : undefined
  if (bodyError) return report(bodyError[1], bodyError[0])

  const errorCode = get(error, 'code')
  if (typeof errorCode === 'string' && errorCode.startsWith('FST_ERR_')) {
    const fastifyError = Object.hasOwn(FASTIFY_ERRORS, errorCode) ? FASTIFY_ERRORS[errorCode] : undefined
    if (fastifyError) return report(fastifyError[1], fastifyError[0])
    const issues = errorCode === 'FST_ERR_VALIDATION' ? validationIssuesOf(error) : undefined
    if (issues) {
      // A schemaErrorFormatter may have chosen another client status, such as 422.
      const given = validStatus(get(error, 'statusCode'))
      const result = report(Codes.ParameterError, given !== undefined && given < 500 ? given : 400)
      result.details = issues
      return result
    }
  }

  const status = validStatus(get(error, 'status')) ?? validStatus(get(error, 'statusCode'))
  if (status === undefined) return statusless(options, routeStatus)
  // Koa's JSON parsers (co-body) throw a bare SyntaxError with status 400 and no `type`; it may come from
  // another realm (a `vm` context, a test runner's), where `instanceof SyntaxError` is false.
  if (status === 400 && isSyntaxError(thrown)) return report(Codes.DataFormatError, 400)

  const expose = get(error, 'expose')
  const text = status < 500 && expose === true ? get(error, 'message') : undefined
  const result = report(
    fallbackCode(status, options.fallbackCodes),
    status,
    typeof text === 'string' ? text : undefined,
  )
  // Headers are taken only from errors made to be answered (http-errors' shape, with a boolean `expose`):
  // an SDK error with a `statusCode` often carries the upstream response's headers.
  if (typeof expose === 'boolean') result.headers = readHeaders(get(error, 'headers'), status >= 500)
  result.retryAfter = get(error, 'retryAfter')
  return result
}

function report(code: number, status: number, message?: string): ErrorReport {
  const entry = describe(code)
  const catalogText = entry ? entry.message : unknownCodeMessage(code)
  const text = message === undefined ? catalogText : clip(message)
  return {
    code,
    name: entry ? entry.name : UNKNOWN_CODE_NAME,
    status,
    message: text,
    catalogMessage: text === catalogText,
    retryable: entry ? entry.retryable : false,
    details: undefined,
    headers: undefined,
    retryAfter: undefined,
  }
}

function internal(): ErrorReport {
  return report(Codes.ProcessingFailed, 500)
}

/**
 * Whether `thrown` is a body parser's refusal of a JSON body (body-parser's `entity.parse.failed`, co-body's
 * and Fastify's SyntaxError with status 400, Fastify's `FST_ERR_CTP_INVALID_JSON_BODY`). V8's message for it quotes the body around the fault, which
 * may be a password: logs say {@link JSON_BODY_MESSAGE} instead.
 */
export function isJsonBodyFailure(thrown: unknown): boolean {
  try {
    if (!isError(thrown)) return false
    const error = thrown as unknown as Record<string, unknown>
    if (get(error, 'type') === 'entity.parse.failed') return true
    if (get(error, 'code') === 'FST_ERR_CTP_INVALID_JSON_BODY') return true
    const status = validStatus(get(error, 'status')) ?? validStatus(get(error, 'statusCode'))
    return status === 400 && isSyntaxError(thrown)
  } catch {
    return false
  }
}

/** What logs say of a JSON body a parser refused, in place of the parser's message. */
export const JSON_BODY_MESSAGE = 'the request body is not valid JSON'

function isSyntaxError(value: object): boolean {
  if (value instanceof SyntaxError) return true
  return isError(value) && get(value as unknown as Record<string, unknown>, 'name') === 'SyntaxError'
}

/**
 * Keeps the header pairs that are safe to send. For a foreign error of status >= 500 only
 * `Retry-After` is taken: anything else it carries is internal by rule.
 */
function readHeaders(headers: unknown, retryAfterOnly: boolean): [string, string][] | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined
  let pairs: [string, string][] | undefined
  try {
    for (const name of Object.keys(headers)) {
      if (!HEADER_NAME.test(name)) continue
      const lower = name.toLowerCase()
      if (RESERVED_HEADERS.has(lower) || (retryAfterOnly && lower !== 'retry-after')) continue
      const raw = get(headers as Record<string, unknown>, name)
      const value = typeof raw === 'number' && Number.isFinite(raw) ? String(raw) : raw
      if (typeof value !== 'string' || !HEADER_VALUE.test(value)) continue
      if (lower === 'retry-after' && !isRetryAfter(value)) continue
      pairs ??= []
      pairs.push([lower, value])
    }
  } catch {
    // A Proxy whose ownKeys trap throws: the error carries no usable headers.
  }
  return pairs
}
