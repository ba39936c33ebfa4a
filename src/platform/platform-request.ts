/** One call of the platform as given and as sent: the request's checks, and the URL and body of each attempt. */
import { checkParse, type Parse } from '../upstream/answer.js'
import { checkMaxBytes, checkTimeout } from '../upstream/transport.js'

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

/** One call of the platform; see `PlatformClient.request`. */
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

const METHODS = new Set(['GET', 'POST', 'DELETE'])
// A `..` segment, as `path.split('/').includes('..')` finds it, without the array.
const DOTDOT = /(?:^|\/)\.\.(?:\/|$)/
// What application/x-www-form-urlencoded writes as it is: a value of these alone is its own encoding.
const FORM_SAFE = /^[A-Za-z0-9*._-]*$/

/** The request checked, with a `TypeError` or `RangeError` naming what is wrong; its limits as given. */
export function checkRequest<T>(req: PlatformRequest<T>): {
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
  if (typeof path !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._~/-]*$/.test(path) || DOTDOT.test(path)) {
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

/**
 * The URL and init of one attempt, per PROTOCOL §2; the URL of a GET or DELETE as its text (`href` has no
 * query: the request's path has none, `baseUrl` neither).
 */
export function attemptOf(
  method: 'GET' | 'POST' | 'DELETE',
  href: string,
  token: string,
  data: string | undefined,
  mac: string | undefined,
  file: PlatformFile | undefined,
): { target: URL | string; init: RequestInit } {
  const params: [string, string][] = [['accesstoken', token]]
  if (data !== undefined && mac !== undefined) params.push(['data', data], ['mac', mac])
  // The query written once, as searchParams.set writes it: setting each parameter on a copy of the URL parsed
  // the whole URL again for each.
  if (method !== 'POST') return { target: `${href}?${queryOf(params)}`, init: { method } }
  const url = new URL(href)
  if (file === undefined) return { target: url, init: { method, body: new URLSearchParams(params) } }
  const form = new FormData()
  for (const [key, value] of params) form.set(key, value)
  const blob = new Blob([file.content], { type: file.contentType ?? 'application/octet-stream' })
  form.set(file.field, blob, file.filename ?? 'file')
  return { target: url, init: { method, body: form } }
}

/** The parameters as a query, byte for byte what `URLSearchParams` writes. */
function queryOf(params: [string, string][]): string {
  let query = ''
  for (const [key, value] of params) {
    if (!FORM_SAFE.test(value)) return new URLSearchParams(params).toString()
    query += query === '' ? `${key}=${value}` : `&${key}=${value}`
  }
  return query
}

/** The URL as it is called with its parameters, for a redacted context. */
export function withParams(url: URL, withData: boolean): URL {
  const shown = new URL(url)
  shown.searchParams.set('accesstoken', '')
  if (withData) {
    shown.searchParams.set('data', '')
    shown.searchParams.set('mac', '')
  }
  return shown
}
