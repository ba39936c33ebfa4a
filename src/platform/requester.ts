/** The requester: each call checked, its token, its transport, its retries and deadline, and no secret in its errors. */
import { Codes } from '../core/codes.js'
import { isSignError, SignError } from '../core/sign-error.js'
import type { StatusOverrides } from '../core/status.js'
import { checkStatusOverrides, SERVICE_CREDENTIAL_CODES } from '../core/status.js'
import { retryAfterDelay } from '../http/retry-after.js'
import { parseData, UpstreamError } from '../upstream/answer.js'
import { nodeExchange } from '../upstream/node-exchange.js'
import { printedWhole, type Scrubber, scrubberOf } from '../upstream/secrets.js'
import {
  type AbortSource,
  checkMaxBytes,
  checkRedirects,
  checkTimeout,
  checkUrl,
  fetchRead,
  type Redirects,
  redactUrl,
} from '../upstream/transport.js'
import { checkSecret, encryptData, fileHash, keyOf, macOf } from './envelope.js'
import {
  attemptOf,
  checkRequest,
  type PlatformFile,
  type PlatformRequest,
  withParams,
} from './platform-request.js'
import { checkRetry, type PlatformRetryOptions, withRetries } from './retry-policy.js'
import { openScanned, scanAnswer } from './scanner.js'
import { tokenCache } from './token.js'

/** Options of `createPlatformClient`. */
export interface PlatformClientOptions {
  /**
   * Where the API lives: the origin alone, as the vendor's samples configure it (`https://stg-env.signingcloud.com`,
   * `/signserver/v1/` is added), or the full path (`https://stg-env.signingcloud.com/signserver/v1/`). `https:`,
   * or `http:` to a loopback host only: the MAC covers neither `result` nor a missing `data`.
   */
  baseUrl: string | URL
  /** The integration's API key, sent as `client_id` to get a token. */
  apiKey: string
  /** The integration's API secret: the AES key and the MAC are derived from it. Never sent. */
  apiSecret: string
  /** Time for one exchange, headers and body, in milliseconds (1 to 2^31 - 1). Default 10 000. */
  timeoutMs?: number | undefined
  /**
   * Time for a whole call, in milliseconds: the token, every attempt, the waits between them, a renewal and its
   * replay. Past it the call fails with code 4 at 504. Default 60 000.
   */
  deadlineMs?: number | undefined
  /**
   * Largest answer read, in bytes. Default 128 MiB. A download travels as hex inside encrypted hex: a file
   * of N bytes takes about 4N, so the default takes a file of about 32 MiB.
   */
  maxBytes?: number | undefined
  /** Retry policy, or `false` for none. */
  retry?: PlatformRetryOptions | false | undefined
  /**
   * `'same-origin'` follows a redirect to the origin of `baseUrl` that sends the same request again; by default
   * (`'error'`) a redirect is code 4 at 502, not retried. A redirect to another origin is never followed.
   */
  redirects?: Redirects | undefined
  /** How long a token is used before a new one is fetched, in milliseconds. Default 25 minutes. */
  tokenTtlMs?: number | undefined
  /**
   * The `fetch` the client makes its calls with. Without it, on Node, the client makes them through node:http
   * and node:https (the same requests, at about half the CPU), and through the global `fetch` when that was
   * replaced, or undici's global dispatcher was set by hand (a proxy agent, a `MockAgent`).
   */
  fetch?: typeof fetch | undefined
  /**
   * Return code -> HTTP status, on top of the default `{ 2: 502, 5: 502, 6: 502, 53: 502 }`: these are the
   * service's own credentials here, so by default its clients are not told to sign in again.
   */
  statusOverrides?: StatusOverrides | undefined
}

/** The low-level client; see `createPlatformClient`. */
export interface PlatformRequester {
  /**
   * Calls the platform and returns the decrypted answer (`undefined` when it carries no `data`), or throws a
   * {@link SignError}.
   */
  request<T = unknown>(request: PlatformRequest<T>): Promise<T>
}

const PLATFORM_MAX_BYTES = 128 * 1024 * 1024
const DEFAULT_DEADLINE_MS = 60_000
const DEFAULT_TOKEN_TTL_MS = 25 * 60 * 1000
const MAX_ENDPOINTS = 64
const METHOD_SLOTS = { GET: 0, POST: 1, DELETE: 2 }
// The credential codes are the service's own here: its clients are not told to sign in again.
const SERVICE_CREDENTIALS: StatusOverrides = Object.fromEntries(
  SERVICE_CREDENTIAL_CODES.map((code) => [code, 502]),
)

/** An endpoint's URL, and the redacted URL of its calls by method and whether they carry data. */
interface Endpoint {
  href: string
  contexts: (string | undefined)[]
}

/** What one exchange uses; the client's options, or the call's own. */
interface Limits {
  timeoutMs: number
  maxBytes: number
  hexFields?: readonly string[] | undefined
}

/** Builds the low-level client: option checks, token, transport, retries. */
export function createRequester(options: PlatformClientOptions): PlatformRequester {
  const where = 'createPlatformClient'
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${where}: options must be an object`)
  }
  const base = checkBaseUrl(where, options.baseUrl)
  if (typeof options.apiKey !== 'string' || options.apiKey === '') {
    throw new TypeError(`${where}: apiKey must be a non-empty string`)
  }
  checkSecret(where, options.apiSecret)
  const apiKey = options.apiKey
  const apiSecret = options.apiSecret
  // What errors must never hold: the credentials, and the AES key derived from the secret (in hex, as a
  // platform printing it would write it).
  const credentials = [apiSecret, apiKey, keyOf(apiSecret).toString('hex')]
  const limits: Limits = {
    timeoutMs: checkTimeout(where, options.timeoutMs),
    maxBytes: checkMaxBytes(where, options.maxBytes, PLATFORM_MAX_BYTES),
  }
  const deadlineMs = checkTimeout(where, options.deadlineMs, DEFAULT_DEADLINE_MS, 'deadlineMs')
  const tokenTtlMs = checkTimeout(where, options.tokenTtlMs, DEFAULT_TOKEN_TTL_MS, 'tokenTtlMs')
  const policy = checkRetry(where, options.retry)
  const redirects = checkRedirects(where, options.redirects)
  if (options.fetch !== undefined && typeof options.fetch !== 'function') {
    throw new TypeError(`${where}: fetch must be a function`)
  }
  // On Node, the client's own requests skip `fetch` and its web streams: node-exchange.ts.
  const doFetch = options.fetch ?? nodeExchange ?? fetch
  checkStatusOverrides(where, options.statusOverrides)
  const overrides: StatusOverrides = { ...SERVICE_CREDENTIALS, ...ownEntries(options.statusOverrides) }

  const tokens = tokenCache(base, apiKey, tokenTtlMs, (url, context) =>
    // The token call is idempotent and cancelled by nobody: every waiter may abort on its own.
    withRetries(policy, undefined, Number.POSITIVE_INFINITY, true, () =>
      exchange(url, { method: 'GET' }, context, scrubberOf(credentials), limits),
    ),
  )

  /** One exchange and the opening of its answer; any failure is a SignError with a clean cause. */
  async function exchange(
    url: URL | string,
    init: RequestInit,
    context: string,
    scrubber: Scrubber,
    { timeoutMs, maxBytes, hexFields }: Limits,
    follows?: CallAbort,
  ): Promise<unknown> {
    // The body is read as it arrives, never whole (see scanner.ts): a download is about 4x its file.
    const { response, body: scanned } = await fetchRead(
      url,
      { ...init, headers: { accept: 'application/json' } },
      { timeoutMs, maxBytes, fetch: doFetch, context, redirects, follows },
      (answer) => scanAnswer(answer, { apiSecret, maxBytes, context, scrubber }),
    )
    try {
      const { status, ok } = response
      return openScanned(scanned, { status, ok, overrides, context, hexFields })
    } catch (error) {
      // The platform's Retry-After goes with the error, up to the service's own answer.
      const delay = retryAfterDelay(response.headers.get('retry-after'))
      if (isSignError(error) && error.retryable && delay !== undefined) {
        throw remade(error, { retryAfter: Math.ceil(delay / 1000) })
      }
      throw error
    }
  }

  // An endpoint's URL and the redacted URL of its calls (which names the endpoint only) are the same for every
  // call of it: worth keeping rather than parsing and building again per call (three URLs and a query). A
  // client calls a handful of endpoints; the cap only bounds a caller that makes up paths.
  const endpoints = new Map<string, Endpoint>()
  function endpointOf(path: string): Endpoint {
    let endpoint = endpoints.get(path)
    if (endpoint === undefined) {
      endpoint = { href: new URL(path, base).href, contexts: [] }
      if (endpoints.size < MAX_ENDPOINTS) endpoints.set(path, endpoint)
    }
    return endpoint
  }
  function contextOf(method: 'GET' | 'POST' | 'DELETE', endpoint: Endpoint, withData: boolean): string {
    const slot = METHOD_SLOTS[method] * 2 + (withData ? 1 : 0)
    endpoint.contexts[slot] ??= `${method} ${redactUrl(withParams(new URL(endpoint.href), withData))}`
    return endpoint.contexts[slot]
  }
  // The global fetch turns a URL into its text and parses it again: it is given the text. A fetch of the
  // caller's own gets a URL, as it always did.
  const asUrl = options.fetch !== undefined

  async function request<T = unknown>(req: PlatformRequest<T>): Promise<T> {
    const call = checkRequest(req)
    const { method } = call
    call.signal?.throwIfAborted()
    const callLimits: Limits = {
      timeoutMs: call.timeoutMs ?? limits.timeoutMs,
      maxBytes: call.maxBytes ?? limits.maxBytes,
      hexFields: call.hexFields,
    }
    const callDeadlineMs = call.deadlineMs ?? deadlineMs
    const endsAt = Date.now() + callDeadlineMs
    const endpoint = endpointOf(call.path)
    let payload = req.payload
    let file: PlatformFile | undefined
    if (req.file !== undefined) {
      file = req.file
      // The hash rides inside the encrypted payload, so the MAC vouches for the file too.
      payload = {
        ...(payload as Record<string, unknown> | undefined),
        [`${file.field}Hash`]: fileHash(file.content),
      }
    }
    const data = payload === undefined ? undefined : encryptData(payload, apiSecret)
    const mac = data === undefined ? undefined : macOf(data, apiSecret)
    const context = contextOf(method, endpoint, data !== undefined)
    const secrets = data === undefined || mac === undefined ? [] : [data, mac]
    const idempotent = req.idempotent ?? method === 'GET'

    // One abort per call for the caller's signal and the deadline: every wait of the call listens to it, so
    // a signal many calls share gets no listener of ours.
    const abort = new CallAbort(endsAt, call.signal)
    const signal = () => abort.signal
    let used: string | undefined
    try {
      for (let renewed = false; ; renewed = true) {
        // Fetched with its own retries (it is idempotent, and nothing was sent yet), shared by all callers.
        used = tokens.cached() ?? (await tokens.get(signal))
        const sentWith = used
        const scrubber = scrubberOf([...credentials, sentWith, ...secrets])
        try {
          const answer = await withRetries(policy, signal, endsAt, idempotent, () => {
            const { target, init } = attemptOf(method, endpoint.href, sentWith, data, mac, file)
            const url = asUrl && typeof target === 'string' ? new URL(target) : target
            return exchange(url, init, context, scrubber, callLimits, abort)
          })
          return parseData(req.parse, answer, context)
        } catch (error) {
          // The platform refused the token: drop it, get a new one once, replay once. Nothing was done
          // under the refused token, so even a call that may not be sent twice is safe to replay.
          if (isSignError(error) && (error.code === 5 || error.code === 6) && !renewed) {
            tokens.drop(sentWith)
            continue
          }
          throw error
        }
      }
    } catch (error) {
      const late = !isSignError(error) && abort.deadlinePassed && call.signal?.aborted !== true
      throw withSecretsOff(
        late ? deadlineError(context, callDeadlineMs) : error,
        scrubberOf(used === undefined ? [...credentials, ...secrets] : [...credentials, used, ...secrets]),
      )
    } finally {
      abort.clear()
    }
  }

  return { request }
}

/**
 * What ends a call early: its deadline, and the caller's signal when given. The exchange follows it directly
 * (see `ExchangeOptions.follows`), so without a caller's signal no AbortSignal is made unless a wait needs one
 * (for a token being fetched, or before a retry): each one made costs a small call a few per cent. A caller's
 * signal is followed through AbortSignal.any, never listened to: many calls may share it. The deadline's
 * timer is set only before what could outlast it: an exchange whose own timeout ends sooner cannot.
 */
class CallAbort implements AbortSource {
  aborted = false
  reason: unknown
  /** Whether the deadline passed, whatever aborted the call first. */
  deadlinePassed = false
  readonly #endsAt: number
  #timer: ReturnType<typeof setTimeout> | undefined
  /** Ours: made for a wait, or at once to join a caller's signal. */
  #own: AbortController | undefined
  /** The caller's signal and ours, joined. */
  readonly #joined: AbortSignal | undefined
  /** The exchange in flight: one at a time. */
  #exchange: ((reason: unknown) => void) | undefined

  constructor(endsAt: number, callerSignal: AbortSignal | undefined) {
    this.#endsAt = endsAt
    if (callerSignal !== undefined) {
      this.#own = new AbortController()
      const joined = AbortSignal.any([callerSignal, this.#own.signal])
      this.#joined = joined
      joined.addEventListener('abort', () => this.#abort(joined.reason), { once: true })
    }
  }

  /** A signal for the call's waits: aborted with the call. */
  get signal(): AbortSignal {
    this.#arm()
    if (this.#joined !== undefined) return this.#joined
    if (this.#own === undefined) {
      this.#own = new AbortController()
      if (this.aborted) this.#own.abort(this.reason)
    }
    return this.#own.signal
  }

  follow(abort: (reason: unknown) => void, withinMs: number): () => void {
    this.#exchange = abort
    if (Date.now() + withinMs >= this.#endsAt) this.#arm()
    return () => {
      if (this.#exchange === abort) this.#exchange = undefined
    }
  }

  /** Stops the deadline's timer once the call is over. */
  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
  }

  /** Sets the deadline's timer, once; a deadline already passed aborts the call at once. */
  #arm(): void {
    if (this.#timer !== undefined || this.deadlinePassed) return
    const left = this.#endsAt - Date.now()
    if (left <= 0) this.#passed()
    else this.#timer = setTimeout(() => this.#passed(), left)
  }

  #passed(): void {
    this.deadlinePassed = true
    const reason = new DOMException('deadline', 'TimeoutError')
    // Joined, the deadline goes through the joined signal, whose listener aborts the call.
    if (this.#joined !== undefined) this.#own!.abort(reason)
    else this.#abort(reason)
  }

  #abort(reason: unknown): void {
    if (this.aborted) return
    this.aborted = true
    this.reason = reason
    if (this.#joined === undefined) this.#own?.abort(reason)
    this.#exchange?.(reason)
  }
}

/**
 * `baseUrl` as the requests are built on: the origin alone gets `/signserver/v1/`, the full path its slash.
 * Plain http is for a loopback host only: the MAC covers neither `result` nor a missing `data`, so anyone on
 * the way could make a `{"result":0}` read as success.
 */
function checkBaseUrl(where: string, value: unknown): URL {
  const base = checkUrl(where, value, 'baseUrl')
  if (base.search !== '' || base.hash !== '') {
    throw new TypeError(`${where}: baseUrl must not have a query or a fragment`)
  }
  if (base.pathname === '/') base.pathname = API_PATH
  if (base.pathname !== API_PATH && base.pathname !== API_PATH.slice(0, -1)) {
    throw new TypeError(
      `${where}: baseUrl must be the platform origin (https://host) or end in /signserver/v1`,
    )
  }
  base.pathname = API_PATH
  if (base.protocol === 'http:' && !LOOPBACK.test(base.hostname)) {
    throw new TypeError(`${where}: baseUrl must use https: (http: only for a loopback host)`)
  }
  return base
}

const API_PATH = '/signserver/v1/'
const LOOPBACK = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])$/

/** The failure of a call that passed its deadline: a timeout, as one exchange's is. */
function deadlineError(context: string, deadlineMs: number): SignError {
  return new SignError(Codes.ProcessingFailed, {
    status: 504,
    retryable: true,
    cause: new UpstreamError(`${context}: no answer within the deadline of ${deadlineMs} ms`),
  })
}

/** The same error with another cause or a `Retry-After`: a SignError's fields are set once. */
function remade(error: SignError, changes: { cause?: unknown; retryAfter?: number | undefined }): SignError {
  const retryAfter = 'retryAfter' in changes ? changes.retryAfter : error.retryAfter
  return new SignError(error.code, {
    status: error.status,
    retryable: error.retryable,
    expose: error.expose,
    cause: 'cause' in changes ? changes.cause : error.cause,
    ...(retryAfter === undefined ? {} : { retryAfter }),
  })
}

function ownEntries(overrides: StatusOverrides | undefined): Record<string, number> {
  const entries: Record<string, number> = {}
  if (overrides === undefined) return entries
  for (const [code, status] of Object.entries(overrides)) if (status !== undefined) entries[code] = status
  return entries
}

/**
 * The last line of defence: an error whose printout (message, cause chain, any property) holds one of the
 * secrets is replaced by the same code and status with a cause that says only that. What the client builds
 * itself never holds them; a foreign error (an injected fetch, a parse function) might.
 */
function withSecretsOff(error: unknown, scrubber: Scrubber): unknown {
  if (!isSignError(error)) return error
  // Everything inspect can reach, strings whole (a `data` is often longer than inspect's default 10,000
  // characters), and bytes as text.
  if (!scrubber.holds(printedWhole(error))) return error
  return remade(error, {
    cause: new UpstreamError(
      'the cause of this error held a credential or an envelope value and was withheld',
    ),
  })
}
