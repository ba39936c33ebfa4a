import { formatRetryAfter } from '../http/headers.js'
import type { NameOf } from './codes.js'
import { describe, UNKNOWN_CODE_NAME, UNKNOWN_CODE_STATUS, unknownCodeMessage } from './codes.js'
import { validStatus } from './fallback.js'

/** Brand shared by every copy of this package, so `isSignError` holds across duplicate installs. */
const BRAND: unique symbol = Symbol.for('esign-errors.SignError') as never

/** Which errors capture a stack trace when they are built; see {@link SignError.stackTraces}. */
export type StackTraces = 'all' | 'server-errors' | 'none'

// The policy as a number, read on every construction: 0 all, 1 server errors only, 2 none.
let stackPolicy = 0
const POLICIES: readonly StackTraces[] = ['all', 'server-errors', 'none']

/** Options of {@link SignError}; every one is optional. */
export interface SignErrorOptions {
  /** Message for the client (sent only when `expose`); defaults to the catalog message. */
  message?: string | undefined
  /** Structured, client-safe data sent as `details` when the error is exposed. */
  details?: unknown
  /** The underlying error: logged with the whole chain, never sent. */
  cause?: unknown
  /** HTTP status (400-599) instead of the catalog one. */
  status?: number | undefined
  /** Response headers, e.g. `{ 'Retry-After': '30' }`; validated before they are sent. */
  headers?: Record<string, string>
  /**
   * Whether `message` and `details` may reach the client; defaults to `status < 500`. Always `false` at
   * status >= 500: frameworks' own handlers (Koa's `ctx.onerror`, finalhandler) send the message of an error
   * whose `expose` is true, and a 5xx message is internal by rule.
   */
  expose?: boolean
  /** Whether the same request may succeed later; defaults to the catalog value. */
  retryable?: boolean
  /** Seconds, or the moment, after which the client may try again; becomes `Retry-After`. */
  retryAfter?: number | Date
}

/**
 * An error that carries a platform return code.
 *
 * It speaks the http-errors contract (`status`, `statusCode`, `expose`, `headers`), so Express's and
 * Koa's own handlers already answer with the right status when `errorHandler()` is not mounted.
 *
 * @example
 * throw new SignError(Codes.WrongPassword)                       // 401 "Wrong password"
 * throw new SignError(Codes.ParameterError, { message: 'email is required', details: { field: 'email' } })
 * throw new SignError(Codes.SigningFailed, { cause: hsmError })  // 500; the cause is logged, never sent
 */
export class SignError<C extends number = number> extends Error {
  // Fields are `declare`d and assigned once in the constructor: emitted class fields would define each
  // property twice, a measurable cost on the error path.
  /** The platform return code. */
  declare readonly code: C
  /** The catalog name of the code, or `'UnknownCode'`. */
  declare readonly codeName: NameOf<C>
  /** HTTP status, 400-599. */
  declare readonly status: number
  /** Same as `status`, for the http-errors contract. */
  declare readonly statusCode: number
  /** Whether `message` and `details` may be sent to the client; never at status >= 500. */
  declare readonly expose: boolean
  /** Whether the same request may succeed later. */
  declare readonly retryable: boolean
  /** Response headers carried by the error (http-errors contract). */
  declare readonly headers: Readonly<Record<string, string>> | undefined
  /** Client-safe structured data, sent when exposed. */
  declare readonly details: unknown
  /** Seconds or moment for `Retry-After`. */
  declare readonly retryAfter: number | Date | undefined

  /**
   * Which errors capture a stack trace: `'all'` (the default), `'server-errors'` (status >= 500 only) or
   * `'none'`. Capturing a stack is most of what building an error costs; a 4xx is the client's doing, and its
   * stack is never sent nor, by default, logged. Without one, `err.stack` is only its first line
   * (`SignError: Wrong password`); logs and `debug` answers still name the code. Process-wide.
   *
   * @example
   * SignError.stackTraces = 'server-errors' // 4xx errors are built without a stack
   */
  static get stackTraces(): StackTraces {
    return POLICIES[stackPolicy] as StackTraces
  }

  static set stackTraces(value: StackTraces) {
    const index = POLICIES.indexOf(value)
    if (index === -1) {
      throw new TypeError(
        `SignError.stackTraces must be 'all', 'server-errors' or 'none', got ${describeValue(value)}`,
      )
    }
    stackPolicy = index
  }

  // `C extends 0 ? never : C`: code 0 (Success) is refused by the compiler as well as at run time.
  constructor(code: C extends 0 ? never : C, options?: SignErrorOptions) {
    const entry = typeof code === 'number' && code !== 0 ? describe(code) : undefined
    // The common throw, a known code without options, needs no checks and nothing merged. Its own path cuts
    // the constructor's own work by more than half in unoptimised code, where most throw sites run. The
    // stores are the general path's, in its order, so the hidden class is the same whichever path ran.
    if (options === undefined && entry !== undefined) {
      if (stackPolicy === 0 || (stackPolicy === 1 && entry.status >= 500)) super(entry.message)
      else {
        // No frames captured: V8 skips the walk of the stack, which is most of the constructor's cost.
        const limit = Error.stackTraceLimit
        Error.stackTraceLimit = 0
        try {
          super(entry.message)
        } finally {
          Error.stackTraceLimit = limit
        }
      }
      this.code = code as C
      this.codeName = entry.name as NameOf<C>
      this.status = entry.status
      this.statusCode = entry.status
      this.expose = entry.status < 500
      this.retryable = entry.retryable
      this.headers = undefined
      this.details = undefined
      this.retryAfter = undefined
      return
    }
    if (!Number.isSafeInteger(code)) {
      throw new TypeError(`SignError: code must be an integer, got ${describeValue(code)}`)
    }
    if (code === 0) throw new TypeError('SignError: code 0 is Success, not an error')
    const status = options?.status ?? (entry ? entry.status : UNKNOWN_CODE_STATUS)
    if (validStatus(status) === undefined) {
      throw new TypeError(
        `SignError: status must be an integer from 400 to 599, got ${describeValue(status)}`,
      )
    }
    const message = options?.message ?? (entry ? entry.message : unknownCodeMessage(code))
    const cause = options?.cause === undefined ? undefined : { cause: options.cause }
    if (stackPolicy === 0 || (stackPolicy === 1 && status >= 500)) super(message, cause)
    else {
      const limit = Error.stackTraceLimit
      Error.stackTraceLimit = 0
      try {
        super(message, cause)
      } finally {
        Error.stackTraceLimit = limit
      }
    }
    this.code = code as C
    this.codeName = (entry ? entry.name : UNKNOWN_CODE_NAME) as NameOf<C>
    this.status = status
    this.statusCode = status
    this.expose = status < 500 && (options?.expose ?? true)
    this.retryable = options?.retryable ?? (entry ? entry.retryable : false)
    const retryAfter = options?.retryAfter
    // Also written into `headers` (http-errors contract) so that Express's and Koa's own handlers send it
    // when ours is absent; errorHandler() recomputes it from `retryAfter` when it answers.
    const retryHeader = retryAfter === undefined ? undefined : formatRetryAfter(retryAfter)
    this.headers =
      retryHeader === undefined ? options?.headers : { ...options?.headers, 'Retry-After': retryHeader }
    this.details = options?.details
    this.retryAfter = retryAfter
  }

  /**
   * The client-safe view, as `errorHandler()` would send it without `requestId`: masked at status >= 500,
   * never the cause or the stack.
   */
  toJSON(): {
    code: C
    name: NameOf<C>
    message: string
    status: number
    retryable: boolean
    details?: unknown
  } {
    const entry = describe(this.code)
    const exposed = this.expose && this.status < 500
    const json = {
      code: this.code,
      name: this.codeName,
      message: exposed ? this.message : entry ? entry.message : unknownCodeMessage(this.code),
      status: this.status,
      retryable: this.retryable,
    }
    return exposed && this.details !== undefined ? { ...json, details: this.details } : json
  }
}

// On the prototype rather than an own field: keeps `Object.keys(err)` to the data, survives minifiers.
Object.defineProperty(SignError.prototype, 'name', { value: 'SignError', writable: true, configurable: true })
Object.defineProperty(SignError.prototype, BRAND, { value: true })

/**
 * The error `notFound()` of every adapter answers with: 404, code 7, the same body as `createError(404)`.
 * Built without a stack, as the routing errors are: its frames would be the adapter's and the framework's
 * dispatch, never a line of the app, and capturing them was the costliest step of a 404.
 */
export function notFoundError(): SignError<7> {
  return withoutStack(() => new SignError(7, { status: 404, message: 'Not Found' }))
}

let unseenNotFound: SignError<7> | undefined

/**
 * {@link notFoundError}'s error, built once and frozen, for an adapter that answers it with its own error
 * handler straight away, where no code of the app can see it: a handler whose answer stays 4xx hands its log a
 * view of the error, never the error (`AdapterResponder.staysClientError`). Building an Error is most of what a
 * 404 costs the library (bench/results/2026-12-07-not-found-hand-off.md).
 */
export function unseenNotFoundError(): SignError<7> {
  unseenNotFound ??= Object.freeze(notFoundError())
  return unseenNotFound
}

/** What `build` returns, built with no stack captured by any error it makes (a 4xx stack is neither sent nor logged by default). */
export function withoutStack<T>(build: () => T): T {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    return build()
  } finally {
    Error.stackTraceLimit = limit
  }
}

/**
 * Whether a value is a {@link SignError}, from this copy of the package or any other; with `code`, one
 * that carries that code, narrowed to it. Never throws, even on a Proxy whose traps throw.
 *
 * @example
 * try {
 *   await callUpstream(url)
 * } catch (err) {
 *   if (isSignError(err, Codes.DocumentNotFound)) return null // err: SignError<41>
 *   throw err
 * }
 */
export function isSignError<C extends number>(value: unknown, code: C): value is SignError<C>
export function isSignError(value: unknown): value is SignError
export function isSignError(value: unknown, code?: number): boolean {
  try {
    if (typeof value !== 'object' || value === null) return false
    const error = value as { [BRAND]?: unknown; code?: unknown }
    return error[BRAND] === true && (code === undefined || error.code === code)
  } catch {
    return false
  }
}

function describeValue(value: unknown): string {
  if (typeof value === 'number') return String(value)
  if (value === null) return 'null'
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 20))}`
  return typeof value
}
