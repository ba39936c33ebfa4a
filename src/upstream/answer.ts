/** Reading a platform answer `{ result, message, data }` into a SignError, or into its checked `data`. */
import { Codes } from '../core/codes.js'
import { ownData } from '../core/foreign.js'
import { SignError } from '../core/sign-error.js'
import type { StatusOverrides } from '../core/status.js'
import { checkStatusOverrides, overrideFor } from '../core/status.js'
import type { Scrubber } from './secrets.js'

/** Names of the fields of a platform answer; change them for a sibling protocol. */
export interface UpstreamFields {
  /** Field holding the return code; defaults to `'result'`. */
  result?: string
  /** Field holding the platform's text; defaults to `'message'`. */
  message?: string
  /** Field holding the payload of a success; defaults to `'data'`. */
  data?: string
}

/** What {@link fromUpstream}, {@link assertUpstreamOk} and `callUpstream` share. */
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

const MESSAGE_LIMIT = 200
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

/** `context: `, or nothing without a context: what starts a cause's message. */
export function prefix(context: string | undefined): string {
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
  const result = toResult(ownData(value, resultField))
  if (result === undefined) {
    return { ok: false, why: `upstream answer has a "${resultField}" that is not an integer` }
  }
  const message = ownData(value, fields?.message ?? 'message')
  return {
    ok: true,
    result,
    message:
      typeof message !== 'string'
        ? undefined
        : scrubber === undefined || result === 0
          ? message.slice(0, MESSAGE_LIMIT)
          : scrubber.cut(message, MESSAGE_LIMIT),
    data: ownData(value, fields?.data ?? 'data'),
    body: value,
  }
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
