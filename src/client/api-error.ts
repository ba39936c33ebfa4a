// Types only: erased from the build, so the client never carries the catalog, yet `ApiError<22>` knows its name.
import type { NameOf } from '../core/codes.js'

// Global, like SignError's: two copies of the package (or its ESM and CommonJS builds) recognise each other's errors.
const BRAND = Symbol.for('esign-errors.ApiError')

/** How the answer's body was read: our JSON envelope, an RFC 9457 problem, or something that is not ours. */
export type BodyFormat = 'envelope' | 'problem' | 'other'

/** Everything an {@link ApiError} holds; `readError` fills it from an answer. */
export interface ApiErrorInit<C extends number = number> {
  code: C
  codeName: NameOf<C>
  status: number
  message: string
  retryable: boolean
  retryAfterMs?: number | undefined
  requestId?: string | undefined
  details?: unknown
  type?: string | undefined
  instance?: string | undefined
  format: BodyFormat
  response: Response
}

/**
 * An error answer of a service, read back: the same `code`, `codeName`, `status`, `retryable` and
 * `requestId` the server sent. `readError` makes them; `isApiError` recognises them.
 *
 * @example
 * const error = await readError(response)
 * if (error?.retryable) setTimeout(tryAgain, error.retryAfterMs ?? 1000)
 */
export class ApiError<C extends number = number> extends Error {
  // Declared, not emitted as class fields: each property is defined once, in the constructor.
  /** The platform return code. */
  declare readonly code: C
  /**
   * The code's name as the answer gave it (`'WrongPassword'`); for an answer that is not ours, the name of its
   * fallback code. Narrowed by code, its type is this catalog's name, which holds while the service speaks the
   * same catalog: a service on another version may name a code otherwise.
   */
  declare readonly codeName: NameOf<C>
  /** The HTTP status of the answer. */
  declare readonly status: number
  /** Whether the same request may succeed later. */
  declare readonly retryable: boolean
  /** The wait `Retry-After` asked for, in milliseconds, capped; `undefined` without a valid header. */
  declare readonly retryAfterMs: number | undefined
  /** The request id of the body, else of the `X-Request-Id` header. */
  declare readonly requestId: string | undefined
  /** The body's `details`, as sent. */
  declare readonly details: unknown
  /** A problem's `type` URI. */
  declare readonly type: string | undefined
  /** A problem's `instance`. */
  declare readonly instance: string | undefined
  /** How the body was read; `'other'` when it was not ours and the code comes from the status. */
  declare readonly format: BodyFormat
  /**
   * The answer itself; its body has been read. Not enumerable: `console.error`, `util.inspect`, a logger
   * and `JSON.stringify` leave it out, so the query of its URL, where tokens travel, is never printed.
   */
  declare readonly response: Response

  constructor(init: ApiErrorInit<C>) {
    super(init.message)
    this.code = init.code
    this.codeName = init.codeName
    this.status = init.status
    this.retryable = init.retryable
    this.retryAfterMs = init.retryAfterMs
    this.requestId = init.requestId
    this.details = init.details
    this.type = init.type
    this.instance = init.instance
    this.format = init.format
    Object.defineProperty(this, 'response', { value: init.response })
  }
}

// On the prototype, as SignError does: survives minifiers and keeps `Object.keys(error)` to the data.
Object.defineProperty(ApiError.prototype, 'name', { value: 'ApiError', writable: true, configurable: true })
Object.defineProperty(ApiError.prototype, BRAND, { value: true })

/**
 * Whether a value is an {@link ApiError}, from this copy of the package or any other; with `code`, one that
 * carries that code, narrowed to it. Never throws.
 *
 * @example
 * if (isApiError(err, Codes.WrongPassword)) showLogin() // err: ApiError<22>, err.codeName: 'WrongPassword'
 */
export function isApiError<C extends number>(value: unknown, code: C): value is ApiError<C>
export function isApiError(value: unknown): value is ApiError
export function isApiError(value: unknown, code?: number): boolean {
  try {
    if (typeof value !== 'object' || value === null) return false
    const error = value as { [BRAND]?: unknown; code?: unknown }
    return error[BRAND] === true && (code === undefined || error.code === code)
  } catch {
    return false
  }
}
