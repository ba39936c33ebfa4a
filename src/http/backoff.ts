/** Waiting between tries: one backoff rule and one abortable sleep for the platform requester and the browser client. */

/** The longest a timer waits: past 2^31 - 1 ms Node and browsers fire it at once. */
export const MAX_TIMER = 2 ** 31 - 1

/**
 * Exponential backoff with full jitter: a random wait below `baseMs` doubled at each retry, never above `maxMs`.
 * `retry` is the try that failed, 1-based; `random` gives a number in [0, 1).
 */
export function backoffDelay(retry: number, baseMs: number, maxMs: number, random: () => number): number {
  return Math.floor(random() * Math.min(maxMs, baseMs * 2 ** (retry - 1)))
}

/** A signal, or a function that makes it: for a call that makes no AbortSignal unless one of its waits needs it. */
export type LazySignal = AbortSignal | (() => AbortSignal) | undefined

/** The signal of a {@link LazySignal}, made now if it is made on demand. */
export function signalOf(signal: LazySignal): AbortSignal | undefined {
  return typeof signal === 'function' ? signal() : signal
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    // Checked here too: the signal may have aborted before the wait, and a listener added now would never fire.
    if (signal?.aborted) return reject(signal.reason)
    const abort = () => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', abort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', abort, { once: true })
  })
}
