/** The access token: fetched on first use, shared by the callers waiting at the same time, cached, renewed. */
import { ownData } from '../core/foreign.js'
import { type LazySignal, signalOf } from '../http/backoff.js'
import { dataFormat } from '../upstream/answer.js'
import { redactUrl } from '../upstream/transport.js'

/** Where the requester gets its token; see {@link tokenCache}. */
export interface TokenCache {
  /**
   * The cached token, or one fetched for every caller waiting at the same time (single flight). `signal` ends
   * this caller's wait; a function when it is made only if there is a wait.
   */
  get(signal: LazySignal): Promise<string>
  /** The cached token, if there is one still in use: what `get` resolves with at once. */
  cached(): string | undefined
  /** Forgets `used` if it is still the cached token: the platform refused it. */
  drop(used: string): void
}

/**
 * The token of `apiKey` (`GET accesstoken?client_id=`, PROTOCOL §2), used for `ttlMs` from when its fetch began.
 * `fetchAnswer` makes the exchange, with its retries, and returns the decrypted answer; its `at` is the token.
 */
export function tokenCache(
  base: URL,
  apiKey: string,
  ttlMs: number,
  fetchAnswer: (url: URL, context: string) => Promise<unknown>,
): TokenCache {
  let token: { value: string; expiresAt: number } | undefined
  let pending: Promise<string> | undefined

  async function fetchToken(): Promise<string> {
    const startedAt = Date.now()
    const url = new URL('accesstoken', base)
    url.searchParams.set('client_id', apiKey)
    const context = `GET ${redactUrl(url)}`
    const answer = await fetchAnswer(url, context)
    const at = typeof answer === 'object' && answer !== null ? ownData(answer, 'at') : undefined
    if (typeof at !== 'string' || at === '') {
      throw dataFormat(`${context}: the token answer has no "at"`)
    }
    token = { value: at, expiresAt: startedAt + ttlMs }
    return at
  }

  const cached = () => (token !== undefined && Date.now() < token.expiresAt ? token.value : undefined)

  return {
    cached,
    get(signal) {
      const value = cached()
      if (value !== undefined) return Promise.resolve(value)
      pending ??= fetchToken().finally(() => {
        pending = undefined
      })
      return untilAborted(pending, signalOf(signal))
    },
    drop(used) {
      if (token?.value === used) token = undefined
    },
  }
}

/** Waits for a shared promise, or for this caller's own abort, whichever comes first. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}
