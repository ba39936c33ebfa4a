import { describe } from './codes.js'
import type { SignError } from './sign-error.js'
import { isSignError, UNKNOWN_CODE_NAME, UNKNOWN_CODE_STATUS } from './sign-error.js'

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

/** Status -> return code for errors that carry only an HTTP status; see DESIGN's fallback table. */
export type FallbackCodes = Readonly<Partial<Record<number, number>>>

/** Code -> status, applied to every error with that code (e.g. `{ 42: 404 }`). */
export type StatusOverrides = Readonly<Partial<Record<number, number>>>

const DEFAULT_FALLBACK: FallbackCodes = {
  400: 1,
  422: 1,
  401: 5,
  403: 44,
  404: 7,
  405: 7,
  501: 7,
  413: 93,
  415: 3,
  429: 89,
  503: 89,
}

/** The return code for an error that carries only an HTTP status. */
export function fallbackCode(status: number, overrides?: FallbackCodes): number {
  return overrides?.[status] ?? DEFAULT_FALLBACK[status] ?? (status < 500 ? 1 : 4)
}

// Errors of body-parser / raw-body (Express) and raw-body / co-body (Koa), keyed by their `type`.
const BODY_ERRORS: Readonly<Record<string, readonly [status: number, code: number]>> = {
  'entity.parse.failed': [400, 3],
  'entity.too.large': [413, 93],
  'request.size.invalid': [400, 72],
  'encoding.unsupported': [415, 3],
  'charset.unsupported': [415, 3],
}

/** Longest message sent to a client; a longer exposed message is cut, so a 10 MB message stays in the log. */
export const MAX_MESSAGE_LENGTH = 1024

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/
// Visible ASCII, space and tab only: no CR/LF (response splitting), nothing Node would refuse.
const HEADER_VALUE = /^[\t\x20-\x7e]{0,4096}$/

// Delay-seconds or an IMF-fixdate (RFC 9110): a Retry-After passes through even from a masked error, so it
// must be one, not whatever text the error held.
const RETRY_AFTER =
  /^(?:\d{1,10}|(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT)$/

// Headers an error may not set: they belong to the response builder or describe a body we replace.
const RESERVED_HEADERS = new Set([
  'content-type',
  'content-length',
  'content-encoding',
  'content-disposition',
  'content-language',
  'content-location',
  'content-range',
  'content-md5',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'trailer',
  'te',
  'cache-control',
  'x-content-type-options',
  'x-request-id',
  'etag',
  'last-modified',
  'set-cookie',
])

/** Options that change what a thrown value becomes. */
export interface NormalizeOptions {
  fallbackCodes?: FallbackCodes | undefined
  statusOverrides?: StatusOverrides | undefined
}

/**
 * Turns any thrown value into an {@link ErrorReport}. Never throws: a value that cannot be read (a
 * Proxy whose traps throw, a getter that throws) counts as an unknown failure, 500 ProcessingFailed.
 */
export function normalize(thrown: unknown, options: NormalizeOptions = {}): ErrorReport {
  try {
    // The brand is a global symbol anyone can set: a value that carries it without a usable code is foreign.
    if (!isSignError(thrown) || !Number.isSafeInteger(thrown.code) || thrown.code === 0) {
      return fromForeign(thrown, options)
    }
    const report = fromSignError(thrown)
    // Only errors that name a code are remapped: a foreign error's status is its own fact.
    const override = options.statusOverrides?.[report.code]
    if (override !== undefined) report.status = override
    return report
  } catch {
    return internal()
  }
}

// A SignError's `expose` is honoured even at >= 500: it is the author's own choice, as in http-errors.
function fromSignError(error: SignError): ErrorReport {
  const { code } = error
  const entry = describe(code)
  const status = validStatus(error.status) ?? entry?.status ?? UNKNOWN_CODE_STATUS
  const expose = error.expose === true
  const catalogText = entry ? entry.message : unknownMessage(code)
  const message = expose && typeof error.message === 'string' ? clip(error.message) : catalogText
  return {
    code,
    name: entry ? entry.name : UNKNOWN_CODE_NAME,
    status,
    message,
    catalogMessage: message === catalogText,
    retryable: error.retryable === true,
    details: expose ? error.details : undefined,
    headers: readHeaders(error.headers, false),
    retryAfter: error.retryAfter,
  }
}

function fromForeign(thrown: unknown, options: NormalizeOptions): ErrorReport {
  if ((typeof thrown !== 'object' && typeof thrown !== 'function') || thrown === null) return internal()
  const error = thrown as Record<string, unknown>

  const zodIssues = zodIssuesOf(error)
  if (zodIssues) return report(1, 400, undefined, zodIssues)

  const type = get(error, 'type')
  const bodyError =
    typeof type === 'string' && Object.hasOwn(BODY_ERRORS, type) ? BODY_ERRORS[type] : undefined
  if (bodyError) return report(bodyError[1], bodyError[0])

  const status = validStatus(get(error, 'status')) ?? validStatus(get(error, 'statusCode'))
  if (status === undefined) return internal()
  // Koa's JSON parsers (co-body) throw a bare SyntaxError with status 400 and no `type`.
  if (status === 400 && thrown instanceof SyntaxError) return report(3, 400)

  const exposed = status < 500 && get(error, 'expose') === true
  const text = exposed ? get(error, 'message') : undefined
  const result = report(
    fallbackCode(status, options.fallbackCodes),
    status,
    typeof text === 'string' ? text : undefined,
  )
  result.headers = readHeaders(get(error, 'headers'), status >= 500)
  result.retryAfter = get(error, 'retryAfter')
  return result
}

function report(code: number, status: number, message?: string, details?: unknown): ErrorReport {
  const entry = describe(code)
  const catalogText = entry ? entry.message : unknownMessage(code)
  const text = message === undefined ? catalogText : clip(message)
  return {
    code,
    name: entry ? entry.name : UNKNOWN_CODE_NAME,
    status,
    message: text,
    catalogMessage: text === catalogText,
    retryable: entry ? entry.retryable : false,
    details,
    headers: undefined,
    retryAfter: undefined,
  }
}

function internal(): ErrorReport {
  return report(4, 500)
}

function unknownMessage(code: number): string {
  return `Unknown return code ${code}`
}

function clip(message: string): string {
  return message.length > MAX_MESSAGE_LENGTH ? `${message.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : message
}

function validStatus(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 400 && value <= 599
    ? value
    : undefined
}

/** Reads a property of a foreign value; a getter or Proxy trap that throws reads as `undefined`. */
function get(target: Record<string, unknown>, key: string): unknown {
  try {
    return target[key]
  } catch {
    return undefined
  }
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
      if (lower === 'retry-after' && !RETRY_AFTER.test(value)) continue
      pairs ??= []
      pairs.push([lower, value])
    }
  } catch {
    // A Proxy whose ownKeys trap throws: the error carries no usable headers.
  }
  return pairs
}

interface ZodIssueLike {
  path?: unknown
  message?: unknown
  code?: unknown
}

/** Zod 3 and 4 errors, recognised by shape so zod is never imported. */
function zodIssuesOf(
  error: Record<string, unknown>,
): { path: (string | number)[]; message: string; code: string }[] | undefined {
  if (get(error, 'name') !== 'ZodError') return undefined
  const issues = get(error, 'issues')
  if (!Array.isArray(issues)) return undefined
  return issues.slice(0, 100).map((issue: ZodIssueLike) => ({
    path: Array.isArray(issue?.path)
      ? issue.path.filter(
          (part): part is string | number => typeof part === 'string' || typeof part === 'number',
        )
      : [],
    message: typeof issue?.message === 'string' ? clip(issue.message) : 'Invalid value',
    code: typeof issue?.code === 'string' ? issue.code : 'custom',
  }))
}
