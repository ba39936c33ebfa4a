/** How failed platform calls are tried again: the policy, its checks, the wait before each retry, the loop. */
import { ownData } from '../core/foreign.js'
import { isSignError } from '../core/sign-error.js'
import { backoffDelay, type LazySignal, MAX_TIMER, signalOf, sleep } from '../http/backoff.js'

/** How failed platform calls are tried again. Only idempotent calls are, and only for retryable failures. */
export interface PlatformRetryOptions {
  /** Attempts in all, the first included: 1 turns retries off. Default 3, at most 10. */
  attempts?: number | undefined
  /** Ceiling of the first backoff delay, doubled at each retry (full jitter below it). Default 200 ms. */
  baseDelayMs?: number | undefined
  /** Ceiling of any one backoff delay. Default 2 000 ms. */
  maxDelayMs?: number | undefined
  /**
   * Longest `Retry-After` the client waits for; a longer one ends the retries at once and the error is
   * thrown. Default 5 000 ms.
   */
  maxRetryAfterMs?: number | undefined
  /** Sum of all delays of one call; a retry that would pass it is not made. Default 10 000 ms. */
  maxTotalDelayMs?: number | undefined
}

const RETRY_DEFAULTS = {
  attempts: 3,
  baseDelayMs: 200,
  maxDelayMs: 2_000,
  maxRetryAfterMs: 5_000,
  maxTotalDelayMs: 10_000,
}
const MAX_ATTEMPTS = 10

/** A retry policy with every field set. */
export type RetryPolicy = typeof RETRY_DEFAULTS

/** `retry` checked into a policy: `false` is one attempt, absent the defaults; a bad field is a `RangeError`. */
export function checkRetry(where: string, retry: PlatformRetryOptions | false | undefined): RetryPolicy {
  if (retry === false) return { ...RETRY_DEFAULTS, attempts: 1 }
  if (retry === undefined) return RETRY_DEFAULTS
  if (typeof retry !== 'object' || retry === null) {
    throw new TypeError(`${where}: retry must be an object or false`)
  }
  const policy = { ...RETRY_DEFAULTS }
  for (const key of Object.keys(RETRY_DEFAULTS) as (keyof RetryPolicy)[]) {
    const value = ownData(retry, key)
    if (value === undefined) continue
    const min = key === 'attempts' ? 1 : 0
    const max = key === 'attempts' ? MAX_ATTEMPTS : MAX_TIMER
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new RangeError(`${where}: retry.${key} must be an integer from ${min} to ${max}`)
    }
    policy[key] = value
  }
  return policy
}

/**
 * Runs `attempt` until it succeeds, the failure is final, the policy says stop or the deadline is near. Only an
 * `idempotent` call is tried again, and only after a retryable SignError.
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  signal: LazySignal,
  endsAt: number,
  idempotent: boolean,
  attempt: () => Promise<T>,
): Promise<T> {
  let slept = 0
  for (let made = 1; ; made++) {
    try {
      return await attempt()
    } catch (error) {
      if (!isSignError(error) || !error.retryable || !idempotent || made >= policy.attempts) throw error
      const delay = nextDelay(policy, made, error.retryAfter)
      // A wait that would end past the deadline is not made: this error says more than the deadline's.
      if (delay === undefined || slept + delay > policy.maxTotalDelayMs || Date.now() + delay >= endsAt) {
        throw error
      }
      await sleep(delay, signalOf(signal))
      slept += delay
    }
  }
}

/**
 * Exponential backoff with full jitter, at least the `Retry-After` (whole seconds, as the error carries it);
 * `undefined` when it asks too long.
 */
function nextDelay(
  policy: RetryPolicy,
  made: number,
  retryAfter: number | Date | undefined,
): number | undefined {
  const asked = typeof retryAfter === 'number' ? retryAfter * 1000 : 0
  if (asked > policy.maxRetryAfterMs) return undefined
  return Math.max(backoffDelay(made, policy.baseDelayMs, policy.maxDelayMs, Math.random), asked)
}
