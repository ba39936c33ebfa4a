import { inspect } from 'node:util'
import { Codes } from '../core/codes.js'
import { isSignError, SignError } from '../core/sign-error.js'
import type { StatusOverrides } from '../core/status.js'
import { checkStatusOverrides } from '../core/status.js'
import { retryAfterDelay } from '../http/retry-after.js'
import { checkParse, dataFormat, type Parse, parseData, UpstreamError } from '../upstream/answer.js'
import { type Scrubber, scrubberOf } from '../upstream/secrets.js'
import {
  checkMaxBytes,
  checkRedirects,
  checkTimeout,
  checkUrl,
  fetchRead,
  type Redirects,
  redactUrl,
} from '../upstream/transport.js'
import { checkSecret, encryptData, fileHash, macOf } from './envelope.js'
import { type PlatformClient, withSigningFlow } from './methods.js'
import { openScanned, scanAnswer } from './scanner.js'

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

/** Options of {@link createPlatformClient}. */
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
  /** The `fetch` to use instead of the global one. */
  fetch?: typeof fetch | undefined
  /**
   * Return code -> HTTP status, on top of the default `{ 2: 502, 5: 502, 6: 502, 53: 502 }`: these are the
   * service's own credentials here, so by default its clients are not told to sign in again.
   */
  statusOverrides?: StatusOverrides | undefined
}

/** A file sent as a multipart part; its SHA-256 goes into the payload as `<field>Hash`. */
export interface PlatformFile {
  /** The form field, e.g. `'uploadFile'` (its hash goes to `uploadFileHash`). */
  field: string
  /** The file's bytes. */
  content: Uint8Array
  /** File name in the part; the platform goes by `type` and the hash, so any name does. Default `'file'`. */
  filename?: string | undefined
  /** Content type of the part. Default `application/octet-stream`. */
  contentType?: string | undefined
}

/** One call of the platform; see {@link PlatformClient.request}. */
export interface PlatformRequest<T = unknown> {
  method: 'GET' | 'POST' | 'DELETE'
  /** Path under `baseUrl`, e.g. `'contract/list'`. */
  path: string
  /** Encrypted into `data` with its `mac`; without it, neither is sent. */
  payload?: Record<string, unknown> | readonly unknown[] | undefined
  /** A file to send as multipart (POST only). */
  file?: PlatformFile | undefined
  /** Cancels the call, its waits and its retries; its reason is rethrown untouched. */
  signal?: AbortSignal | undefined
  /** Whether the call may be sent twice. Default: true for GET, false otherwise. */
  idempotent?: boolean | undefined
  /** Checks the decrypted answer; a failure is code 3, 502, with what failed logged, never sent. */
  parse?: Parse<T> | undefined
  /** This call's `timeoutMs`, instead of the client's. */
  timeoutMs?: number | undefined
  /** This call's `maxBytes`, instead of the client's: a download may need more than other calls. */
  maxBytes?: number | undefined
  /** This call's `deadlineMs`, instead of the client's. */
  deadlineMs?: number | undefined
  /**
   * Top-level fields of the decrypted answer that carry hex, such as a download's `pdfdata`: `parse` and the
   * caller get their bytes as a `Uint8Array`, decoded straight from the answer, never held as a string. A
   * field that is not hex of whole bytes stays the string it is.
   */
  hexFields?: readonly string[] | undefined
}

/** The low-level client; see {@link createPlatformClient}. */
export interface PlatformRequester {
  /**
   * Calls the platform and returns the decrypted answer (`undefined` when it carries no `data`), or throws a
   * {@link SignError}.
   */
  request<T = unknown>(request: PlatformRequest<T>): Promise<T>
}

const DEFAULT_MAX_BYTES = 128 * 1024 * 1024
const DEFAULT_DEADLINE_MS = 60_000
const DEFAULT_TOKEN_TTL_MS = 25 * 60 * 1000
const SERVICE_CREDENTIALS: StatusOverrides = { 2: 502, 5: 502, 6: 502, 53: 502 }
const RETRY_DEFAULTS = {
  attempts: 3,
  baseDelayMs: 200,
  maxDelayMs: 2_000,
  maxRetryAfterMs: 5_000,
  maxTotalDelayMs: 10_000,
}
const MAX_ATTEMPTS = 10
const METHODS = new Set(['GET', 'POST', 'DELETE'])

type Policy = typeof RETRY_DEFAULTS

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
  const limits: Limits = {
    timeoutMs: checkTimeout(where, options.timeoutMs),
    maxBytes: checkMaxBytes(where, options.maxBytes, DEFAULT_MAX_BYTES),
  }
  const deadlineMs = checkTimeout(where, options.deadlineMs, DEFAULT_DEADLINE_MS, 'deadlineMs')
  const tokenTtlMs = checkTimeout(where, options.tokenTtlMs, DEFAULT_TOKEN_TTL_MS, 'tokenTtlMs')
  const policy = checkRetry(where, options.retry)
  const redirects = checkRedirects(where, options.redirects)
  if (options.fetch !== undefined && typeof options.fetch !== 'function') {
    throw new TypeError(`${where}: fetch must be a function`)
  }
  const doFetch = options.fetch ?? fetch
  checkStatusOverrides(where, options.statusOverrides)
  const overrides: StatusOverrides = { ...SERVICE_CREDENTIALS, ...ownEntries(options.statusOverrides) }

  let token: { value: string; expiresAt: number } | undefined
  let pending: Promise<string> | undefined

  /** The cached token, or one fetched for every caller waiting at the same time (single flight). */
  function getToken(signal: AbortSignal | undefined): Promise<string> {
    if (token !== undefined && Date.now() < token.expiresAt) return Promise.resolve(token.value)
    pending ??= fetchToken().finally(() => {
      pending = undefined
    })
    return untilAborted(pending, signal)
  }

  async function fetchToken(): Promise<string> {
    const startedAt = Date.now()
    const url = new URL('accesstoken', base)
    url.searchParams.set('client_id', apiKey)
    // The token call is idempotent and cancelled by nobody: every waiter may abort on its own.
    const answer = await withRetries(undefined, Number.POSITIVE_INFINITY, true, () =>
      exchange(url, { method: 'GET' }, `GET ${redactUrl(url)}`, scrubberOf([apiSecret, apiKey]), limits),
    )
    const at =
      typeof answer === 'object' && answer !== null
        ? Object.getOwnPropertyDescriptor(answer, 'at')
        : undefined
    if (typeof at?.value !== 'string' || at.value === '') {
      throw dataFormat(`GET ${redactUrl(url)}: the token answer has no "at"`)
    }
    token = { value: at.value, expiresAt: startedAt + tokenTtlMs }
    return at.value
  }

  function dropToken(used: string): void {
    if (token?.value === used) token = undefined
  }

  /** One exchange and the opening of its answer; any failure is a SignError with a clean cause. */
  async function exchange(
    url: URL,
    init: RequestInit,
    context: string,
    scrubber: Scrubber,
    { timeoutMs, maxBytes, hexFields }: Limits,
  ): Promise<unknown> {
    // The body is read as it arrives, never whole (see scanner.ts): a download is about 4x its file.
    const { response, body: scanned } = await fetchRead(
      url,
      { ...init, headers: { accept: 'application/json' } },
      { timeoutMs, maxBytes, fetch: doFetch, context, redirects },
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

  /** Runs `attempt` until it succeeds, the failure is final, the policy says stop or the deadline is near. */
  async function withRetries<T>(
    signal: AbortSignal | undefined,
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
        await sleep(delay, signal)
        slept += delay
      }
    }
  }

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
    const url = new URL(call.path, base)
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
    const context = `${method} ${redactUrl(withParams(url, data !== undefined))}`
    const secrets = data === undefined || mac === undefined ? [] : [data, mac]
    const idempotent = req.idempotent ?? method === 'GET'

    // One signal per call for the caller's abort and the deadline: every wait of the call listens to it, so
    // a signal many calls share gets no listener of ours.
    const deadline = new AbortController()
    const timer = setTimeout(
      () => deadline.abort(new DOMException('deadline', 'TimeoutError')),
      callDeadlineMs,
    )
    const signal =
      call.signal === undefined ? deadline.signal : AbortSignal.any([call.signal, deadline.signal])
    let used: string | undefined
    try {
      for (let renewed = false; ; renewed = true) {
        // Fetched with its own retries (it is idempotent, and nothing was sent yet), shared by all callers.
        used = await getToken(signal)
        const sentWith = used
        const scrubber = scrubberOf([apiSecret, apiKey, sentWith, ...secrets])
        try {
          const answer = await withRetries(signal, endsAt, idempotent, () => {
            const { target, init } = build(method, url, sentWith, data, mac, file)
            return exchange(target, { ...init, signal }, context, scrubber, callLimits)
          })
          return parseData(req.parse, answer, context)
        } catch (error) {
          // The platform refused the token: drop it, get a new one once, replay once. Nothing was done
          // under the refused token, so even a call that may not be sent twice is safe to replay.
          if (isSignError(error) && (error.code === 5 || error.code === 6) && !renewed) {
            dropToken(sentWith)
            continue
          }
          throw error
        }
      }
    } catch (error) {
      const late = !isSignError(error) && deadline.signal.aborted && call.signal?.aborted !== true
      throw withSecretsOff(
        late ? deadlineError(context, callDeadlineMs) : error,
        scrubberOf(
          used === undefined ? [apiSecret, apiKey, ...secrets] : [apiSecret, apiKey, used, ...secrets],
        ),
      )
    } finally {
      clearTimeout(timer)
    }
  }

  return { request }
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

function checkRequest<T>(req: PlatformRequest<T>): {
  method: 'GET' | 'POST' | 'DELETE'
  path: string
  signal: AbortSignal | undefined
  timeoutMs: number | undefined
  maxBytes: number | undefined
  deadlineMs: number | undefined
  hexFields: readonly string[] | undefined
} {
  const where = 'request'
  if (typeof req !== 'object' || req === null) throw new TypeError(`${where}: the request must be an object`)
  if (!METHODS.has(req.method)) throw new TypeError(`${where}: method must be GET, POST or DELETE`)
  const path = req.path
  if (
    typeof path !== 'string' ||
    !/^[A-Za-z0-9][A-Za-z0-9._~/-]*$/.test(path) ||
    path.split('/').includes('..')
  ) {
    throw new TypeError(`${where}: path must be relative to baseUrl, like 'contract/list', without query`)
  }
  const payload = req.payload
  if (payload !== undefined && (typeof payload !== 'object' || payload === null)) {
    throw new TypeError(`${where}: payload must be an object or an array`)
  }
  if (req.file !== undefined) {
    const file = req.file
    if (req.method !== 'POST') throw new TypeError(`${where}: a file can only be sent with POST`)
    if (typeof file.field !== 'string' || file.field === '' || !(file.content instanceof Uint8Array)) {
      throw new TypeError(`${where}: file needs a field name and its content as a Uint8Array`)
    }
    if (Array.isArray(payload)) throw new TypeError(`${where}: a file needs an object payload for its hash`)
  }
  if (req.signal !== undefined && !(req.signal instanceof AbortSignal)) {
    throw new TypeError(`${where}: signal must be an AbortSignal`)
  }
  checkParse(where, req.parse)
  const hexFields = req.hexFields
  if (
    hexFields !== undefined &&
    (!Array.isArray(hexFields) || !hexFields.every((field) => typeof field === 'string' && field !== ''))
  ) {
    throw new TypeError(`${where}: hexFields must be an array of field names`)
  }
  const given = (value: number | undefined, check: (value: number) => number) =>
    value === undefined ? undefined : check(value)
  return {
    method: req.method,
    path,
    signal: req.signal,
    timeoutMs: given(req.timeoutMs, (value) => checkTimeout(where, value)),
    maxBytes: given(req.maxBytes, (value) => checkMaxBytes(where, value)),
    deadlineMs: given(req.deadlineMs, (value) => checkTimeout(where, value, undefined, 'deadlineMs')),
    hexFields: hexFields === undefined ? undefined : [...hexFields],
  }
}

function checkRetry(where: string, retry: PlatformRetryOptions | false | undefined): Policy {
  if (retry === false) return { ...RETRY_DEFAULTS, attempts: 1 }
  if (retry === undefined) return RETRY_DEFAULTS
  if (typeof retry !== 'object' || retry === null) {
    throw new TypeError(`${where}: retry must be an object or false`)
  }
  const policy = { ...RETRY_DEFAULTS }
  for (const key of Object.keys(RETRY_DEFAULTS) as (keyof Policy)[]) {
    const value = Object.getOwnPropertyDescriptor(retry, key)?.value as unknown
    if (value === undefined) continue
    const min = key === 'attempts' ? 1 : 0
    const max = key === 'attempts' ? MAX_ATTEMPTS : 2 ** 31 - 1
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new RangeError(`${where}: retry.${key} must be an integer from ${min} to ${max}`)
    }
    policy[key] = value
  }
  return policy
}

function ownEntries(overrides: StatusOverrides | undefined): Record<string, number> {
  const entries: Record<string, number> = {}
  if (overrides === undefined) return entries
  for (const [code, status] of Object.entries(overrides)) if (status !== undefined) entries[code] = status
  return entries
}

/** The URL and init of one attempt, per PROTOCOL §2. */
function build(
  method: 'GET' | 'POST' | 'DELETE',
  url: URL,
  token: string,
  data: string | undefined,
  mac: string | undefined,
  file: PlatformFile | undefined,
): { target: URL; init: RequestInit } {
  const params: [string, string][] = [['accesstoken', token]]
  if (data !== undefined && mac !== undefined) params.push(['data', data], ['mac', mac])
  if (method !== 'POST') {
    const target = new URL(url)
    for (const [key, value] of params) target.searchParams.set(key, value)
    return { target, init: { method } }
  }
  if (file === undefined) return { target: url, init: { method, body: new URLSearchParams(params) } }
  const form = new FormData()
  for (const [key, value] of params) form.set(key, value)
  const blob = new Blob([file.content], { type: file.contentType ?? 'application/octet-stream' })
  form.set(file.field, blob, file.filename ?? 'file')
  return { target: url, init: { method, body: form } }
}

/** The URL as it is called with its parameters, for a redacted context. */
function withParams(url: URL, withData: boolean): URL {
  const shown = new URL(url)
  shown.searchParams.set('accesstoken', '')
  if (withData) {
    shown.searchParams.set('data', '')
    shown.searchParams.set('mac', '')
  }
  return shown
}

/**
 * The last line of defence: an error whose printout (message, cause chain, any property) holds one of the
 * secrets is replaced by the same code and status with a cause that says only that. What the client builds
 * itself never holds them; a foreign error (an injected fetch, a parse function) might.
 */
function withSecretsOff(error: unknown, scrubber: Scrubber): unknown {
  if (!isSignError(error)) return error
  // Everything inspect can reach: hidden properties, any depth, strings whole (a `data` is often longer than
  // inspect's default 10,000 characters).
  const printed = inspect(error, {
    depth: Number.POSITIVE_INFINITY,
    showHidden: true,
    maxStringLength: Number.POSITIVE_INFINITY,
    maxArrayLength: Number.POSITIVE_INFINITY,
  })
  if (!scrubber.holds(printed)) return error
  return remade(error, {
    cause: new UpstreamError(
      'the cause of this error held a credential or an envelope value and was withheld',
    ),
  })
}

/**
 * Exponential backoff with full jitter, at least the `Retry-After` (whole seconds, as the error carries it);
 * `undefined` when it asks too long.
 */
function nextDelay(policy: Policy, made: number, retryAfter: number | Date | undefined): number | undefined {
  const asked = typeof retryAfter === 'number' ? retryAfter * 1000 : 0
  if (asked > policy.maxRetryAfterMs) return undefined
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (made - 1))
  const jitter = Math.floor(Math.random() * ceiling)
  return Math.max(jitter, asked)
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
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

/**
 * A client of the platform that speaks its protocol: the access token (fetched on first use, shared by
 * concurrent calls, cached for `tokenTtlMs`, renewed once when the platform answers 5 or 6), encrypted
 * `data` with its `mac`, verified and decrypted answers, retries of idempotent calls, and every failure a
 * {@link SignError}. Options are checked here, with a `TypeError` or `RangeError` that names the option.
 *
 * @example
 * const platform = createPlatformClient({
 *   baseUrl: 'https://stg-env.signingcloud.com/signserver/v1/',
 *   apiKey: process.env.SC_API_KEY!,
 *   apiSecret: process.env.SC_API_SECRET!,
 * })
 * const { contractnum } = await platform.uploadDocument({ file, type: 'pdf', contractInfo })
 */
export function createPlatformClient(options: PlatformClientOptions): PlatformClient {
  return withSigningFlow(createRequester(options))
}
