/**
 * The platform client's exchange on Node: one request through `node:http` or `node:https` and their global
 * agents (keep-alive since Node 19), read as an {@link Answer}. Node's `fetch` spends about twice the CPU on a
 * call of the platform's size (its Request, Headers, AbortSignal and web streams); this one makes the request
 * `fetch` would make (the same headers) and reads the answer as `fetch` reads it: no redirect followed
 * (`redirect: 'manual'`), the body as it comes, its content codings decoded, the signal's reason as the failure.
 */
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http'
import type { Readable, Transform } from 'node:stream'
import type { Answer, AnswerBody, Exchange } from './transport.js'

/** What the exchange takes from Node, looked up once. */
interface NodeParts {
  // The modules, not their functions: an instrumentation or a mock that patches `http.request` after this
  // module loaded (OpenTelemetry, nock) sees the calls.
  http: typeof import('node:http')
  https: typeof import('node:https')
  zlib: typeof import('node:zlib')
  stream: typeof import('node:stream')
  isProxy: (value: unknown) => boolean
  /** Whether Node's fetch undoes zstd: its undici does from version 7 (Node 24), where zlib has it. */
  zstd: boolean
  /** Node's own global `fetch`, which the exchange stands in for. */
  fetch: typeof fetch
}

// `process.getBuiltinModule` (Node 20.16, 22.3) reaches Node's modules without importing them, so this module
// still loads where there is no `node:http` (a browser, a worker) and bundlers leave it alone. Bun and Deno
// have their own fetch, as fast as their `node:http`: they keep it.
const parts = nodeParts()

function nodeParts(): NodeParts | undefined {
  const proc = (globalThis as { process?: NodeJS.Process }).process
  const versions = proc?.versions as Record<string, string | undefined> | undefined
  if (versions?.node === undefined || versions.bun !== undefined || versions.deno !== undefined) {
    return undefined
  }
  const load = proc?.getBuiltinModule
  const fetch = globalThis.fetch
  // Node's own fetch loads its undici by an internal name no code outside Node can require: anything else in
  // its place when this module loads (a polyfill, an instrumentation, a test's stub) is left to do the calls.
  if (typeof load !== 'function' || typeof fetch !== 'function') return undefined
  if (!Function.prototype.toString.call(fetch).includes('internal/deps/undici/undici')) return undefined
  const http = load('node:http') as typeof import('node:http') | undefined
  const https = load('node:https') as typeof import('node:https') | undefined
  const zlib = load('node:zlib') as typeof import('node:zlib') | undefined
  const stream = load('node:stream') as typeof import('node:stream') | undefined
  const util = load('node:util') as typeof import('node:util') | undefined
  if (!http || !https || !zlib || !stream || !util) return undefined
  const zstd =
    Number(versions.undici?.split('.')[0]) >= 7 &&
    typeof (zlib as { createZstdDecompress?: unknown }).createZstdDecompress === 'function'
  return { http, https, zlib, stream, isProxy: util.types.isProxy, zstd, fetch }
}

/**
 * The exchange on Node, `undefined` elsewhere. Each call is made by node:http only while nothing was put in
 * the way of Node's `fetch`; otherwise it goes to the global `fetch` as it is then:
 * - the global `fetch` is still Node's own (not a stub or an interceptor put there since);
 * - undici's global dispatcher, which `fetch` sends through, is Node's own kind: a plain `Agent` with no
 *   options. One set with `setGlobalDispatcher` (a proxy agent, a `MockAgent`, an `Agent` with its own TLS or
 *   DNS options, a factory or interceptors) routes `fetch` only, and this exchange would pass it by.
 */
export const nodeExchange: Exchange | undefined = parts === undefined ? undefined : exchange

// Where undici keeps its global dispatcher: Node's own undici reads the first, undici 7 writes both.
const DISPATCHERS = [Symbol.for('undici.globalDispatcher.1'), Symbol.for('undici.globalDispatcher.2')]
// The dispatchers last looked at, and whether they were all Node's own kind.
let seenDispatchers: unknown[] | undefined
let plainDispatchers = false

/** Whether `fetch` would go out as node:http does: Node's own function, through a plain dispatcher. */
function fetchIsNodes(node: NodeParts): boolean {
  if (globalThis.fetch !== node.fetch) return false
  const slots = globalThis as unknown as Record<symbol, unknown>
  if (seenDispatchers !== undefined && DISPATCHERS.every((key, i) => slots[key] === seenDispatchers![i])) {
    return plainDispatchers
  }
  // Node's fetch puts its dispatcher in place when its undici loads, on first use; made to load now (as the
  // first `fetch` would), so that what is there later is told apart from what was set by hand.
  if (DISPATCHERS.every((key) => slots[key] === undefined)) void globalThis.Headers
  seenDispatchers = DISPATCHERS.map((key) => slots[key])
  plainDispatchers = seenDispatchers.every(
    (dispatcher) => dispatcher === undefined || isPlainAgent(node, dispatcher),
  )
  return plainDispatchers
}

/**
 * An undici `Agent` made with no options, as Node's (and undici's) default is: it adds nothing to a call. Its
 * options then hold nothing but `maxOrigins: Infinity`, and its factory is undici's own; one with more (a
 * `connect`, a `tls`, a factory of its own) is the app's, and so is anything wrapped around an Agent (what
 * `compose()` returns is a Proxy) or with a `dispatch` of its own.
 */
function isPlainAgent(node: NodeParts, dispatcher: unknown): boolean {
  if (typeof dispatcher !== 'object' || dispatcher === null || node.isProxy(dispatcher)) return false
  // Whatever an app put there is read with care (a getter that throws): a doubt leaves the call to fetch.
  try {
    if (Object.hasOwn(dispatcher, 'dispatch') || dispatcher.constructor?.name !== 'Agent') return false
    const own = (name: string) => {
      const key = Object.getOwnPropertySymbols(dispatcher).find((symbol) => symbol.description === name)
      return key === undefined ? undefined : (dispatcher as Record<symbol, unknown>)[key]
    }
    const factory = own('factory')
    if (typeof factory !== 'function' || factory.name !== 'defaultFactory') return false
    const options = own('options')
    if (typeof options !== 'object' || options === null) return false
    return Object.entries(options).every(
      ([name, value]) =>
        value === undefined || value === null || (name === 'maxOrigins' && value === Infinity),
    )
  } catch {
    return false
  }
}

const FORM = 'application/x-www-form-urlencoded;charset=UTF-8'

function exchange(url: URL | string, init: RequestInit): Promise<Answer> {
  const node = parts as NodeParts
  const body = init.body
  if (!fetchIsNodes(node)) return globalThis.fetch(url, init)
  // A multipart form (an upload) is a body only `fetch` writes; its cost is the file's, not the exchange's.
  if (body !== undefined && body !== null && !(body instanceof URLSearchParams)) return node.fetch(url, init)
  const href = typeof url === 'string' ? url : url.href
  const secure = href.startsWith('https:')
  // What Node's fetch adds to a request, so that the platform (and anything in front of it) sees the same one.
  const headers: OutgoingHttpHeaders = {
    ...(init.headers as Record<string, string>),
    'accept-language': '*',
    'sec-fetch-mode': 'cors',
    'user-agent': 'node',
    'accept-encoding': secure ? 'br, gzip, deflate' : 'gzip, deflate',
  }
  let payload: string | undefined
  if (body instanceof URLSearchParams) {
    payload = body.toString()
    headers['content-type'] = FORM
    headers['content-length'] = Buffer.byteLength(payload)
  }
  const signal = init.signal ?? undefined
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason)
      return
    }
    let answer: IncomingMessage | undefined
    let read: Readable | undefined
    // The signal's reason is what the caller sees, whatever the streams make of their end.
    const onAbort = () => {
      reject(signal!.reason)
      request.destroy(ABORTED)
      answer?.destroy(ABORTED)
      read?.destroy(ABORTED)
    }
    // Let go of the signal once the body is read or given up: a signal that outlives the call (a caller's,
    // joined by AbortSignal.any) would keep every call it saw.
    const release = () => signal?.removeEventListener('abort', onAbort)
    const send = secure ? node.https.request : node.http.request
    const request = send(href, { method: init.method ?? 'GET', headers }, (incoming) => {
      answer = incoming
      read = decoded(node, incoming)
      read.once('close', release)
      resolve(answerOf(incoming, read, signal))
    })
    signal?.addEventListener('abort', onAbort, { once: true })
    request.on('error', (error) => {
      if (answer === undefined) release()
      reject(withoutPacket(error))
    })
    request.end(payload)
  })
}

/**
 * The error without `rawPacket`: Node's parser keeps on its error the bytes of an answer it refused, and an
 * answer may echo the request (its token, its `data` and `mac`) back. As bytes, it would pass a search of the
 * printed error for secrets (`inspect` shows a Buffer as hex); `fetch`'s parser error keeps them as text.
 */
function withoutPacket(error: Error): Error {
  try {
    if (Object.hasOwn(error, 'rawPacket')) delete (error as { rawPacket?: unknown }).rawPacket
  } catch {
    // A property that cannot be deleted is not Node's: left to the requester's own search.
  }
  return error
}

// What the streams are ended with on an abort; never seen, the signal's reason is thrown instead.
const ABORTED = new Error('aborted')

/**
 * The body as `fetch` gives it. Its content codings (gzip, deflate, br) are undone in the reverse of their
 * order; a list with one that is not known is left as it came. As `fetch`: an empty body stays empty, a gzip or
 * deflate body cut short gives what it holds, and `deflate` is read zlib-wrapped, as RFC 9110 defines it, or
 * raw, as some servers send it.
 */
function decoded(node: NodeParts, incoming: IncomingMessage): Readable {
  // headersDistinct, as answerOf reads them: one of Node's two lazily built header objects, not both.
  const header = incoming.headersDistinct['content-encoding']?.join(',')
  if (header === undefined) return incoming
  const codings = header
    .toLowerCase()
    .split(',')
    .map((coding) => coding.trim())
    .filter((coding) => coding !== '' && coding !== 'identity')
  const decoders: Transform[] = []
  for (const coding of codings.reverse()) {
    const decoder = decoderOf(node, coding)
    if (decoder === undefined) return incoming
    decoders.push(decoder)
  }
  if (decoders.length === 0) return incoming
  return node.stream.pipeline([incoming, ...decoders], () => {}) as unknown as Readable
}

function decoderOf(node: NodeParts, coding: string): Transform | undefined {
  const { zlib } = node
  const lenient = { flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH }
  switch (coding) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip(lenient)
    case 'deflate':
      return inflateEither(node, lenient)
    case 'br':
      return zlib.createBrotliDecompress({
        flush: zlib.constants.BROTLI_OPERATION_FLUSH,
        finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH,
      })
    case 'zstd':
      // Left as it came where Node's fetch leaves it (before Node 24), as a coding not known.
      return node.zstd
        ? (zlib as unknown as { createZstdDecompress(): Transform }).createZstdDecompress()
        : undefined
    default:
      return undefined
  }
}

/**
 * Inflates zlib-wrapped deflate or raw deflate, whichever the first byte says: a zlib stream starts with a byte
 * whose low four bits are 8 (the deflate method), which raw deflate's first block header never has there.
 * Bytes after the end of the deflate stream are dropped, as `fetch` drops them.
 */
function inflateEither(node: NodeParts, options: import('node:zlib').ZlibOptions): Transform {
  const { zlib } = node
  let inflate: Transform | undefined
  // zlib ends its readable side at the end of the deflate stream and drops what is written after it; flush
  // must not wait for an end that came already.
  let ended = false
  return new node.stream.Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (chunk.length === 0) {
        done()
        return
      }
      if (inflate === undefined) {
        inflate = (chunk[0]! & 0x0f) === 0x08 ? zlib.createInflate(options) : zlib.createInflateRaw(options)
        inflate.on('data', (data: Buffer) => this.push(data))
        inflate.on('end', () => {
          ended = true
        })
        inflate.on('error', (error) => this.destroy(error))
      }
      inflate.write(chunk, () => done())
    },
    flush(done) {
      if (inflate === undefined || ended) {
        done()
        return
      }
      inflate.once('end', () => done())
      inflate.end()
    },
    destroy(error, done) {
      inflate?.destroy()
      done(error)
    },
  })
}

/** The answer's head, and its body read through one async iterator. */
function answerOf(incoming: IncomingMessage, read: Readable, signal: AbortSignal | undefined): Answer {
  const status = incoming.statusCode ?? 0
  // Every value of a repeated header, joined as `fetch`'s Headers joins them (Node's `headers` keeps only the
  // first Retry-After or Content-Type).
  const headers = incoming.headersDistinct
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
        const values = headers[name.toLowerCase()]
        return values === undefined ? null : values.join(', ')
      },
    },
    body,
  }
}
