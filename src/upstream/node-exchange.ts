/**
 * The platform client's exchange on Node: one request through `node:http` or `node:https` and their global
 * agents (keep-alive since Node 19), read as an {@link Answer}. Node's `fetch` spends about twice the CPU on a
 * call of the platform's size (its Request, Headers, AbortSignal and web streams); this one does what the client
 * asks of `fetch` and nothing else: no redirect is followed (`redirect: 'manual'`), the body is read as it comes,
 * gzip, deflate and br are decoded as `fetch` decodes them, and the signal ends it with its reason.
 */
import type { ClientRequest, IncomingMessage, OutgoingHttpHeaders, RequestOptions } from 'node:http'
import type { Readable } from 'node:stream'
import type { Answer, AnswerBody, Exchange } from './transport.js'

type Request = (
  url: string,
  options: RequestOptions,
  onAnswer: (answer: IncomingMessage) => void,
) => ClientRequest

/** What the exchange takes from Node, looked up once: `node:http`, `node:https`, `node:zlib`. */
interface NodeParts {
  http: Request
  https: Request
  zlib: typeof import('node:zlib')
  pipeline: typeof import('node:stream').pipeline
  /** The global `fetch` when this module loaded, which the exchange stands in for. */
  fetch: typeof fetch
}

// `process.getBuiltinModule` (Node 20.16, 22.3) reaches Node's modules without importing them, so this module
// still loads where there is no `node:http` (a browser, a worker) and bundlers leave it alone. Bun and Deno
// have their own fetch, as fast as their `node:http`: they keep it.
const parts = nodeParts()

function nodeParts(): NodeParts | undefined {
  const proc = (globalThis as { process?: NodeJS.Process }).process
  const versions = proc?.versions as Record<string, string | undefined> | undefined
  if (versions?.node === undefined || versions.bun !== undefined || versions.deno !== undefined)
    return undefined
  const load = proc?.getBuiltinModule
  if (typeof load !== 'function' || typeof globalThis.fetch !== 'function') return undefined
  const http = load('node:http') as typeof import('node:http') | undefined
  const https = load('node:https') as typeof import('node:https') | undefined
  const zlib = load('node:zlib') as typeof import('node:zlib') | undefined
  const stream = load('node:stream') as typeof import('node:stream') | undefined
  if (!http || !https || !zlib || !stream) return undefined
  return {
    http: http.request,
    https: https.request,
    zlib,
    pipeline: stream.pipeline,
    fetch: globalThis.fetch,
  }
}

/**
 * The exchange on Node, `undefined` elsewhere. It stands in for the global `fetch` only while nothing was put
 * in the way of that `fetch`; otherwise each call goes to the global `fetch` as it is then:
 * - the global `fetch` is still the one this module found when it loaded (not a test's stub or interceptor);
 * - undici's global dispatcher, which `fetch` sends through, is still Node's own (`setGlobalDispatcher` with
 *   a proxy agent or a `MockAgent` routes `fetch` only, and this exchange would pass it by).
 */
export const nodeExchange: Exchange | undefined = parts === undefined ? undefined : exchange

// Where undici keeps its global dispatcher: Node's own undici reads the first, undici 7 writes both.
const DISPATCHERS = [Symbol.for('undici.globalDispatcher.1'), Symbol.for('undici.globalDispatcher.2')]
// The dispatchers Node's fetch set up for itself, learnt at the first call; `null` when one was set by hand.
let ownDispatchers: unknown[] | null | undefined

/** Whether `fetch` would go out as node:http does: its own function, through Node's own dispatcher. */
function fetchIsNodes(node: NodeParts): boolean {
  if (globalThis.fetch !== node.fetch) return false
  const slots = globalThis as unknown as Record<symbol, unknown>
  if (ownDispatchers === undefined) {
    // Node's fetch puts its dispatcher in place when its undici loads, on first use: made to load now (as
    // the first `fetch` would), what is there is Node's own. One found there already is Node's when it is
    // a plain Agent (any fetch made it); a proxy agent or a mock was set by hand.
    const unset = DISPATCHERS.every((key) => slots[key] === undefined)
    if (unset) void globalThis.Headers
    const found = DISPATCHERS.map((key) => slots[key])
    const plain = found.every(
      (dispatcher) => dispatcher === undefined || (dispatcher as object).constructor?.name === 'Agent',
    )
    ownDispatchers = unset || plain ? found : null
  }
  return ownDispatchers !== null && DISPATCHERS.every((key, i) => slots[key] === ownDispatchers![i])
}

const FORM = 'application/x-www-form-urlencoded;charset=UTF-8'
// Asked for as `fetch` asks for them, and decoded the same way.
const ACCEPT_ENCODING = 'gzip, deflate, br'

function exchange(url: URL | string, init: RequestInit): Promise<Answer> {
  const node = parts as NodeParts
  const body = init.body
  if (!fetchIsNodes(node)) return globalThis.fetch(url, init)
  // A multipart form (an upload) is a body only `fetch` writes; its cost is the file's, not the exchange's.
  if (body !== undefined && body !== null && !(body instanceof URLSearchParams)) return node.fetch(url, init)
  const href = typeof url === 'string' ? url : url.href
  const headers: OutgoingHttpHeaders = { ...(init.headers as Record<string, string>) }
  headers['accept-encoding'] = ACCEPT_ENCODING
  let payload: string | undefined
  if (body instanceof URLSearchParams) {
    payload = body.toString()
    headers['content-type'] = FORM
    headers['content-length'] = Buffer.byteLength(payload)
  }
  const signal = init.signal ?? undefined
  const send = href.startsWith('https:') ? node.https : node.http
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason)
      return
    }
    let answer: IncomingMessage | undefined
    let read: Readable | undefined
    const request = send(href, { method: init.method ?? 'GET', headers }, (incoming) => {
      answer = incoming
      read = decoded(node, incoming)
      resolve(answerOf(incoming, read, signal))
    })
    // The signal's reason is what the caller sees, whatever the streams make of their end.
    signal?.addEventListener(
      'abort',
      () => {
        reject(signal.reason)
        request.destroy(ABORTED)
        answer?.destroy(ABORTED)
        read?.destroy(ABORTED)
      },
      { once: true },
    )
    request.on('error', reject)
    request.end(payload)
  })
}

// What the streams are ended with on an abort; never seen, the signal's reason is thrown instead.
const ABORTED = new Error('aborted')

/**
 * The body as `fetch` gives it: decoded when its one content coding is gzip, deflate (zlib-wrapped, as RFC 9110
 * defines it) or br. A body cut short or not in its coding fails as a cut connection does.
 */
function decoded(node: NodeParts, incoming: IncomingMessage): Readable {
  const coding = incoming.headers['content-encoding']?.trim().toLowerCase()
  const { zlib } = node
  const decoder =
    coding === 'gzip' || coding === 'x-gzip'
      ? zlib.createGunzip()
      : coding === 'deflate'
        ? zlib.createInflate()
        : coding === 'br'
          ? zlib.createBrotliDecompress()
          : undefined
  if (decoder === undefined) return incoming
  return node.pipeline(incoming, decoder, () => {})
}

/** The answer's head, and its body read through one async iterator. */
function answerOf(incoming: IncomingMessage, read: Readable, signal: AbortSignal | undefined): Answer {
  const status = incoming.statusCode ?? 0
  const headers = incoming.headers
  let iterator: AsyncIterator<Buffer> | undefined
  const cancel = async () => {
    read.destroy()
    incoming.destroy()
  }
  const reader = {
    async read(): Promise<{ done: false; value: Uint8Array } | { done: true; value?: undefined }> {
      iterator ??= read[Symbol.asyncIterator]()
      try {
        const next = await iterator.next()
        return next.done === true ? { done: true } : { done: false, value: next.value }
      } catch (error) {
        throw signal?.aborted ? signal.reason : error
      }
    },
    cancel,
  }
  const body: AnswerBody = { getReader: () => reader, cancel }
  return {
    status,
    ok: status >= 200 && status <= 299,
    headers: {
      get(name) {
        const value = headers[name.toLowerCase()]
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value
      },
    },
    body,
  }
}
