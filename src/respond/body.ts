import { describe } from '../core/codes.js'
import type { CauseInfo } from '../core/foreign.js'
import type { ErrorReport } from './normalize.js'

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

export const JSON_TYPE = 'application/json; charset=utf-8'
export const PROBLEM_TYPE = 'application/problem+json; charset=utf-8'

/** The opening of a body, unclosed, and its length in UTF-8 bytes. */
export interface Head {
  text: string
  bytes: number
}

/** A problem document of a catalog answer, cut around `instance`. */
export interface ProblemParts {
  before: string
  after: string
  bytes: number
}

/**
 * Whether an answer is the catalog's own for its code (message, status, retryable): then its body depends
 * only on the code and the options, and is built once.
 */
export function isCommon(report: ErrorReport): boolean {
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

export function envelopeHead(report: ErrorReport): Head {
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
export function close(
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

export function kebab(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()
}
