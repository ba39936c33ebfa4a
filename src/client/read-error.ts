import { defaultFallbackCode, validStatus } from '../core/fallback.js'
import { MAX_TIMER } from '../http/backoff.js'
import { retryAfterDelay } from '../http/retry-after.js'
import { ApiError } from './api-error.js'

/** What the client may know of a code beyond the body: `describe` from `esign-errors` fits. */
export type Describe = (
  code: number,
) => { readonly name: string; readonly message: string; readonly retryable: boolean } | undefined

/** Options of {@link readError} and {@link unwrap}. Every one is optional. */
export interface ReadErrorOptions {
  /**
   * Longest body read, in bytes; a longer one is cancelled as soon as `Content-Length` or the bytes so far say
   * so, never buffered whole. An error body past it is coded by its status as if it were not ours; a success
   * body past it makes `unwrap` throw 3 DataFormatError `Body over <n> bytes`. Default 1 MiB for an error body,
   * 10 MiB for the success body `unwrap` reads.
   */
  maxBytes?: number | undefined
  /**
   * Longest `Retry-After` kept, in milliseconds: a longer one reads as this. Default 5 minutes; at most
   * 2^31 - 1, whatever is given: a timer past it would fire at once, so a server's "retry in a year" must not
   * reach one as it is.
   */
  maxRetryAfterMs?: number | undefined
  /**
   * Longest time spent reading an error body, in milliseconds (at most 2^31 - 1). Then the read is cancelled
   * and the answer read from what came, usually as a body that is not ours. Default 5 s. The success body
   * `unwrap` reads has no such deadline: bound it with the `signal` given to `fetch`.
   */
  timeoutMs?: number | undefined
  /**
   * Names, messages and retryability by code, for what the body does not say (a proxy's page has no name and
   * no message). Pass `describe` from `esign-errors` to bring the catalog in; without it the client knows only
   * the names of the fallback codes, and a foreign body's message is `HTTP <status> <reason>`.
   */
  describe?: Describe | undefined
}

const MAX_ERROR_BODY_BYTES = 1 << 20
const DEFAULT_MAX_DATA_BYTES = 10 << 20
const DEFAULT_MAX_RETRY_AFTER_MS = 300_000
const DEFAULT_TIMEOUT_MS = 5000

/** What failed while a success body was read: not a network failure before any answer, never retried. */
export const readFailures = new WeakSet<object>()

// Names of the codes the fallback table gives, so an answer that is not ours still has a name without the
// catalog. Of them, 4 ProcessingFailed and 89 SystemBusy are retryable. test/client/fallback.test.ts holds
// them to what the server answers.
const FALLBACK_NAMES = {
  __proto__: null,
  1: 'ParameterError',
  3: 'DataFormatError',
  4: 'ProcessingFailed',
  5: 'InvalidAccessToken',
  7: 'InvalidRequestType',
  44: 'IllegalOperation',
  89: 'SystemBusy',
  93: 'FileTooLarge',
} as unknown as Readonly<Partial<Record<number, string>>>

type Body = Record<string, unknown>

/**
 * The error in an answer, or `undefined` for a 2xx (whose body is then left unread). Our JSON envelope and
 * RFC 9457 problem documents are read back field for field, whichever content type they came with; anything
 * else (a proxy's HTML page, an empty 502, broken or oversized JSON) becomes an `ApiError` with the answer's
 * status and the code the server's fallback table gives that status, as does one still coming after
 * `timeoutMs`. Never rejects for a `Response`, even when `describe` throws.
 *
 * @example
 * const response = await fetch('/api/documents/D-1')
 * const error = await readError(response)
 * if (error) throw error // ApiError: code, codeName, status, retryable, retryAfterMs, requestId, details
 */
export async function readError(
  response: Response,
  options: ReadErrorOptions = {},
): Promise<ApiError | undefined> {
  if (response.ok) return undefined
  const status = response.status
  // A body that broke off reads as one that is not ours: the status says what it can.
  const text = await readText(
    response,
    limit(options.maxBytes, MAX_ERROR_BODY_BYTES),
    limit(options.timeoutMs, DEFAULT_TIMEOUT_MS),
  ).catch(ignore)
  // An error status: the table's code. Status 0 (an opaque or network-error Response) or a 3xx: 4 ProcessingFailed.
  return build(response, parse(text), options, validStatus(status) ? defaultFallbackCode(status) : 4)
}

/**
 * The `data` of a success envelope `{ "code": 0, "data": … }`; otherwise throws the `ApiError`: the one
 * {@link readError} reads from an error answer, the body's own for a non-zero code in a 2xx, and code 3
 * DataFormatError for a 2xx whose body is not an envelope.
 *
 * @example
 * const document = await fetch('/api/documents/D-1').then(unwrap<Document>)
 */
export async function unwrap<T = unknown>(response: Response, options: ReadErrorOptions = {}): Promise<T> {
  if (!response.ok) throw await readError(response, options)
  const max = limit(options.maxBytes, DEFAULT_MAX_DATA_BYTES)
  const text = await readText(response, max).catch((error: unknown) => {
    // The answer began, so the server may have acted: marked, retry() never sends the call again for it.
    if (Object(error) === error) readFailures.add(error as object)
    throw error
  })
  if (text === null) throw build(response, undefined, options, 3, `Body over ${max} bytes`)
  const body = parse(text)
  if (own(body, 'code') === 0) return own(body, 'data') as T
  throw build(response, body, options, 3)
}

function build(
  response: Response,
  body: Body | undefined,
  options: ReadErrorOptions,
  fallback: number,
  why?: string,
): ApiError {
  const { status, headers } = response
  const sent = own(body, 'code')
  const ours = Number.isSafeInteger(sent) && sent !== 0 && typeof own(body, 'name') === 'string'
  const code = ours ? (sent as number) : fallback
  let known: ReturnType<Describe>
  try {
    const entry = options.describe?.(code)
    // Copied inside the try: a getter of the entry that throws is a failure of describe too.
    known = entry && { name: entry.name, message: entry.message, retryable: entry.retryable }
  } catch {
    // What the body and the fallback table say is the answer still.
  }
  const detail = text(body, 'detail')
  const message = text(body, 'message')
  // By content type first; a problem document served as plain JSON is still read as one.
  const problem =
    ours &&
    (/^application\/problem\+json/i.test(headers.get('content-type') ?? '') ||
      (detail !== undefined && message === undefined))
  const retryable = own(body, 'retryable')
  return new ApiError({
    code,
    codeName: ours ? (own(body, 'name') as string) : (known?.name ?? FALLBACK_NAMES[code] ?? 'UnknownCode'),
    status,
    message:
      (ours ? (problem ? (detail ?? message) : (message ?? detail)) : undefined) ??
      why ??
      known?.message ??
      `HTTP ${status} ${response.statusText}`.trim(),
    retryable:
      ours && typeof retryable === 'boolean'
        ? retryable
        : (known?.retryable ?? (!ours && (code === 4 || code === 89))),
    retryAfterMs: capped(
      retryAfterDelay(headers.get('retry-after')),
      // Never past what a timer can wait: `setTimeout(retry, error.retryAfterMs)` would fire at once.
      Math.min(limit(options.maxRetryAfterMs, DEFAULT_MAX_RETRY_AFTER_MS), MAX_TIMER),
    ),
    requestId: (ours ? text(body, 'requestId') : undefined) ?? headers.get('x-request-id') ?? undefined,
    details: ours ? own(body, 'details') : undefined,
    type: ours ? text(body, 'type') : undefined,
    instance: ours ? text(body, 'instance') : undefined,
    format: ours ? (problem ? 'problem' : 'envelope') : 'other',
    response,
  })
}

/**
 * The body as text; `null` when it is longer than `maxBytes` (cancelled as soon as that is known, from
 * `Content-Length` or from the bytes so far), `undefined` when it was already used. Rejects with the failure
 * of a body that broke off. Past `timeoutMs`, what came so far.
 */
async function readText(
  response: Response,
  maxBytes: number,
  timeoutMs?: number,
): Promise<string | null | undefined> {
  if (response.bodyUsed) return undefined
  const stream = response.body
  if (stream === null) return ''
  if (Number(response.headers.get('content-length')) > maxBytes) {
    stream.cancel().catch(ignore)
    return null
  }
  const decoder = new TextDecoder()
  let out = ''
  let size = 0
  const reader = stream.getReader()
  // A cancel settles the pending read as done, so the loop ends with what came. `timeoutMs: Infinity` is
  // clamped to the longest timer, which would otherwise fire at once.
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(() => reader.cancel().catch(ignore), Math.min(timeoutMs, MAX_TIMER))
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return out + decoder.decode()
      size += value.byteLength
      if (size > maxBytes) {
        // Not awaited: a cancel may wait on the network, and the answer is already known.
        reader.cancel().catch(ignore)
        return null
      }
      out += decoder.decode(value, { stream: true })
    }
  } finally {
    clearTimeout(timer)
  }
}

/** The JSON object a text holds, or `undefined`: never a throw, and no parse at all of what cannot be one. */
function parse(text: string | null | undefined): Body | undefined {
  if (text == null || !/^\s*\{/.test(text)) return undefined
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === 'object' && value !== null ? (value as Body) : undefined
  } catch {
    return undefined
  }
}

function capped(ms: number | undefined, cap: number): number | undefined {
  return ms === undefined ? undefined : Math.min(ms, cap)
}

// Own properties only: a member inherited from a polluted Object.prototype is not the body's.
function own(body: Body | undefined, key: string): unknown {
  return body !== undefined && Object.hasOwn(body, key) ? body[key] : undefined
}

function text(body: Body | undefined, key: string): string | undefined {
  const value = own(body, key)
  return typeof value === 'string' ? value : undefined
}

function ignore(): undefined {}

/** A limit the caller gave, or the default for one that is not a number from 0 up (NaN would bound nothing). */
function limit(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && value >= 0 ? value : fallback
}
