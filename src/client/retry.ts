import { backoffDelay, MAX_TIMER, sleep as wait } from '../http/backoff.js'
import { isApiError } from './api-error.js'
import { readFailures } from './read-error.js'

/** Options of {@link retry}. Every one is optional. */
export interface RetryOptions {
  /** Tries in all, the first included: an integer from 1 to 100. Default 3. */
  attempts?: number | undefined
  /** Ceiling of the first backoff; it doubles with each retry. An integer of ms, 0 or more. Default 300 ms. */
  baseDelayMs?: number | undefined
  /**
   * Longest wait between tries: an integer of ms, 100 or more. Default 10 s. An answer whose `Retry-After`
   * asks for longer is thrown, not retried early.
   */
  maxDelayMs?: number | undefined
  /** Stops the retries: the wait ends at once and `retry` rejects with the signal's reason. */
  signal?: AbortSignal | undefined
  /** Called before each wait, with the error, the try that failed (1-based) and the wait. */
  onRetry?: ((error: unknown, attempt: number, delayMs: number) => void) | undefined
  /** A number in [0, 1) for the jitter. Default `Math.random`. */
  random?: (() => number) | undefined
  /** How to wait. Default a timer that the signal cuts short. */
  sleep?: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined
}

/**
 * Calls `fn` until it succeeds, retrying only what may succeed later: an `ApiError` that is `retryable`, and
 * the error with which `fetch` reports that no answer came (`Failed to fetch`, `fetch failed`, …; Bun's refused
 * connection or unknown host, workerd's `Network connection lost.`; any other error is a bug, or an answer
 * that broke off once it began, and is thrown at once). Waits what `Retry-After` asked for when the answer
 * said (an answer asking for longer than `maxDelayMs` is thrown at once, never sent again sooner), else an
 * exponential backoff with full jitter up to `maxDelayMs`; never shorter than 100 ms. Options are checked
 * first: a `RangeError` names the one out of bounds.
 *
 * @example
 * const document = await retry(() => fetch('/api/documents/D-1').then(unwrap<Document>), { attempts: 4 })
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const {
    attempts = 3,
    baseDelayMs = 300,
    maxDelayMs = 10_000,
    signal,
    onRetry,
    random = Math.random,
    sleep = wait,
  } = options
  // Checked as the platform client checks its own: Infinity, NaN or a negative delay would make it spin.
  for (const [key, value, min, max] of [
    ['attempts', attempts, 1, 100],
    ['baseDelayMs', baseDelayMs, 0, MAX_TIMER],
    ['maxDelayMs', maxDelayMs, FLOOR, MAX_TIMER],
  ] as const) {
    if (!(Number.isInteger(value) && value >= min && value <= max)) {
      throw new RangeError(`retry: ${key} must be an integer from ${min} to ${max}`)
    }
  }
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted()
    try {
      return await fn(attempt)
    } catch (error) {
      // An abort during the call wins over whatever the call failed with.
      signal?.throwIfAborted()
      const answered = isApiError(error)
      if (!(answered ? error.retryable : isNetworkError(error)) || attempt >= attempts) throw error
      const asked = answered ? error.retryAfterMs : undefined
      // Asked to wait longer than it may: sent again sooner, the call would go against what the server said.
      if (asked !== undefined && asked > maxDelayMs) throw error
      const wanted = asked ?? backoffDelay(attempt, baseDelayMs, maxDelayMs, random)
      // A floor, so `Retry-After: 0` or a `random` giving NaN cannot fire the tries back to back.
      const delay = Math.max(FLOOR, wanted || 0)
      onRetry?.(error, attempt, delay)
      await sleep(delay, signal)
    }
  }
}

// Shortest wait between two tries, in ms.
const FLOOR = 100

// What fetch rejects with when no answer came: Chromium, Firefox, Safari (old and new), Node's undici, and the
// common polyfills. Any other TypeError is a bug in `fn`, or a body that broke off after the answer began
// (undici's 'terminated'): the server may have acted, so sending the call again could act twice.
const NETWORK_MESSAGES = new Set([
  'Failed to fetch',
  'NetworkError when attempting to fetch resource.',
  'The Internet connection appears to be offline.',
  'Load failed',
  'Network request failed',
  'fetch failed',
])

// Bun's fetch names the failure in its message, which varies, and in a `code`, which does not: the connection
// refused, or the host not found (nothing was sent).
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ConnectionRefused', 'ENOTFOUND', 'EAI_AGAIN'])
// workerd's (Cloudflare Workers): an Error, not a TypeError.
const WORKERD_LOST = 'Network connection lost.'

function isNetworkError(error: unknown): boolean {
  // Safari says `Load failed` for a body cut short too: unwrap marks what failed while it read one.
  if (!(error instanceof Error) || readFailures.has(error)) return false
  if (error instanceof TypeError && NETWORK_MESSAGES.has(error.message)) return true
  if (error.message === WORKERD_LOST) return true
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' && NETWORK_CODES.has(code)
}
