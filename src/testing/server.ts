import { randomBytes, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type CallbackFormat, CallbackSender, type SentCallback } from './callbacks.js'
import {
  type DocumentSeed,
  DocumentStore,
  type FakeDocument,
  type FakeSigner,
  timestamp,
} from './documents.js'
import { breakOff, type Fault, FaultQueue, type Injection, streamHuge } from './faults.js'
import { answer, decrypt, mac, readParams, send, type Transport } from './protocol.js'
import { route } from './routes.js'
import { signingPage } from './signing-page.js'

/** Options of {@link startFakePlatform}. */
export interface FakePlatformOptions {
  /** Port on 127.0.0.1; default 0, a free one. */
  port?: number
  /** The integration's API key; default a random one shaped as the platform's (20 upper-case hex digits). */
  apiKey?: string
  /** Its API secret; default a random one shaped as the platform's (40 upper-case hex digits). */
  apiSecret?: string
  /** Lifetime of a token; later calls with it answer 6. Default 30 minutes. */
  tokenTtlMs?: number
  /** How callbacks are encoded: `'form'` (default), `'json'` or `'multipart'`. */
  callbackFormat?: CallbackFormat
  /** How long a callback waits for its receiver's answer. Default 5 000 ms. */
  callbackTimeoutMs?: number
}

/** One call the fake platform received. */
export interface ReceivedCall {
  method: string
  /** The endpoint under `/signserver/v1/`, e.g. `'contract/list'`. */
  path: string
  transport: Transport
  /** Every parameter and form field as received (a file part as `<N bytes>`). */
  params: Record<string, string>
  /** The decrypted payload, when `data` verified. */
  payload?: unknown
  at: number
}

/** A running fake platform. */
export interface FakePlatform {
  /** Give this to `createPlatformClient`: `http://127.0.0.1:<port>/signserver/v1/`. */
  baseUrl: string
  apiKey: string
  apiSecret: string
  /** The documents it holds, by contract number (deleted ones stay, in state 20 or 21). */
  documents: ReadonlyMap<string, FakeDocument>
  /** Every callback sent, in order; `status` or `error` is set once the receiver answered or failed. */
  callbacks: readonly SentCallback[]
  /** Every call received, token requests included, in order. */
  received: readonly ReceivedCall[]
  /** Answers the next matching calls with a fault. */
  inject(injection: Injection): void
  /** Tokens issued so far. */
  tokens(): string[]
  /** How many token requests were received. */
  tokenRequests(): number
  /** Makes every token issued so far expired (result 6). */
  expireTokens(): void
  /** Changes the lifetime of tokens issued from now on. */
  setTokenTtl(ms: number): void
  /** Adds a document as if uploaded, without a call: to fill a busy account. */
  addDocument(seed?: DocumentSeed): FakeDocument
  /** The signer signs, as on the signing page; resolves with the callback, if a `callUrl` was given. */
  sign(contractnum: string, email: string): Promise<SentCallback | undefined>
  /** The signer refuses to sign; the document becomes refused (6). */
  refuse(contractnum: string, email: string): Promise<SentCallback | undefined>
  /** The sender cancels the document (7). */
  cancel(contractnum: string): Promise<SentCallback | undefined>
  /** Resolves when every callback sent so far has been answered or has failed. */
  callbacksSettled(): Promise<void>
  /** Stops listening and cuts every open connection; calling it again waits for the same end. */
  close(): Promise<void>
}

const BASE = '/signserver/v1/'
const hex = (bytes: number) => randomBytes(bytes).toString('hex').toUpperCase()

/**
 * Starts a fake of the e-signature platform on 127.0.0.1 that speaks its real protocol: the token, the
 * encrypted `data` and its `mac`, the endpoints of the signing flow with the fields the vendor's material
 * shows, a signing page, callbacks to `callUrl`, and faults to inject.
 *
 * @example
 * const fake = await startFakePlatform()
 * const platform = createPlatformClient({ baseUrl: fake.baseUrl, apiKey: fake.apiKey, apiSecret: fake.apiSecret })
 * fake.inject({ path: 'contract/list', fault: { kind: 'busy', retryAfter: 7 } })
 * await fake.close()
 */
export async function startFakePlatform(options: FakePlatformOptions = {}): Promise<FakePlatform> {
  const apiKey = options.apiKey ?? hex(10)
  const apiSecret = options.apiSecret ?? hex(20)
  let tokenTtlMs = options.tokenTtlMs ?? 30 * 60 * 1000
  const issued = new Map<string, number>() // token -> expiry
  const faults = new FaultQueue()
  const received: ReceivedCall[] = []
  const store = new DocumentStore()
  const users = new Map<string, Record<string, unknown>>()
  const pages = new Map<string, { contractnum: string; email: string; backUrl?: string }>()
  const callbacks = new CallbackSender(options.callbackFormat ?? 'form', options.callbackTimeoutMs ?? 5_000)
  const timers = new Map<NodeJS.Timeout, () => void>()
  let origin = ''
  let closing = false

  /** A signer signs or refuses: the states change, then the callback goes to the signer's `callUrl`. */
  function apply(document: FakeDocument, signer: FakeSigner, event: 'signed' | 'refused') {
    signer.signstate = event === 'signed' ? 1 : 2
    document.updatetime = timestamp()
    if (event === 'refused') document.state = 6
    else if (document.signers.every((candidate) => candidate.signstate === 1)) document.state = 4
    const url = signer.callUrl ?? document.callUrl
    return url === undefined ? Promise.resolve(undefined) : callbacks.send(url, document.contractnum, event)
  }

  function byHand(contractnum: string, email: string, event: 'signed' | 'refused') {
    const document = store.live(contractnum)
    const signer = document?.signers.find((candidate) => candidate.email === email)
    if (document === undefined || signer === undefined) {
      return Promise.reject(new Error(`fake platform: no signer ${email} on a live document ${contractnum}`))
    }
    if (document.state !== 1 || signer.signstate !== 0) {
      return Promise.reject(new Error(`fake platform: ${email} cannot sign ${contractnum} any more`))
    }
    return apply(document, signer, event)
  }

  /** A delay that `close()` ends early, so no slow answer outlives the fake. */
  function wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer)
        resolve()
      }, ms)
      timers.set(timer, resolve)
    })
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://platform')
    if (url.pathname.startsWith('/signserver/usersign')) return signingPage(req, res, url, pages, byHand)
    if (!url.pathname.startsWith(BASE)) return send(res, 404, '')
    const path = url.pathname.slice(BASE.length)
    const method = req.method ?? 'GET'
    const { transport, params, file } = await readParams(req, url)
    const call: ReceivedCall = { method, path, transport, params, at: Date.now() }
    received.push(call)

    const fault: Fault | undefined = faults.take(path)
    if (fault?.kind === 'slow') await wait(fault.ms)
    if (closing) {
      res.destroy()
      return
    }
    switch (fault?.kind) {
      case 'huge':
        return streamHuge(res, fault.bytes)
      case 'cut':
      case 'stall':
        return breakOff(res, fault.kind)
      case 'reset':
        res.destroy()
        return
      case 'busy': {
        const retryAfter = fault.retryAfter === undefined ? {} : { 'retry-after': String(fault.retryAfter) }
        const body = JSON.stringify({ result: 89, message: 'The system is busy' })
        return send(res, fault.httpStatus ?? 200, body, retryAfter)
      }
      case 'result':
        return answer(res, apiSecret, fault.result, fault.message ?? 'Injected')
    }
    const tamper = fault?.kind === 'tamper'
    const reply = (result: number, message: string, payload?: unknown) =>
      answer(res, apiSecret, result, message, payload, tamper)

    if (method === 'GET' && path === 'accesstoken') {
      if (params.client_id !== apiKey) return reply(53, 'Integration key does not exist')
      const at = randomUUID()
      issued.set(at, Date.now() + tokenTtlMs)
      return reply(0, 'Success', { at })
    }

    const token = params.accesstoken ?? ''
    const expiry = issued.get(token)
    if (expiry === undefined || fault?.kind === 'invalid-token') {
      const echo = fault?.kind === 'invalid-token' && fault.echoToken ? `: ${token}` : ''
      return reply(5, `Invalid access token${echo}`)
    }
    if (Date.now() >= expiry || fault?.kind === 'expired') return reply(6, 'Access token has expired')

    let payload: Record<string, unknown> = {}
    if (params.data !== undefined || params.mac !== undefined) {
      if (params.data === undefined || params.mac !== mac(params.data, apiSecret))
        return reply(2, 'MAC mismatch')
      let opened: unknown
      try {
        opened = decrypt(params.data, apiSecret)
      } catch {
        return reply(3, 'Data format error')
      }
      call.payload = opened
      if (typeof opened === 'object' && opened !== null && !Array.isArray(opened)) {
        payload = opened as Record<string, unknown>
      }
    }
    if (fault?.kind === 'bad-data') {
      const data = randomBytes(16).toString('hex')
      return send(
        res,
        200,
        JSON.stringify({ result: 0, message: 'Success', data, mac: mac(data, apiSecret) }),
      )
    }
    const context = {
      res,
      origin,
      store,
      users,
      pages,
      answer: reply,
      later: (document: FakeDocument, signer: FakeSigner, event: 'signed' | 'refused') => {
        // After the answer has gone out: the platform calls back once it has done the work.
        res.once('finish', () => void apply(document, signer, event))
      },
    }
    if (!route(context, method, path, payload, file)) send(res, 404, '')
  }

  /** Ends slow answers, cuts every connection, waits for callbacks on their way; once, whoever calls. */
  async function stop(): Promise<void> {
    closing = true
    for (const [timer, resolve] of timers) {
      clearTimeout(timer)
      resolve()
    }
    timers.clear()
    await new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()))
      server.closeAllConnections()
    })
    await callbacks.settled()
  }
  let closed: Promise<void> | undefined

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy())
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  return {
    baseUrl: `${origin}${BASE}`,
    apiKey,
    apiSecret,
    documents: store.byNumber,
    callbacks: callbacks.sent,
    received,
    inject: (injection) => faults.add(injection),
    tokens: () => [...issued.keys()],
    tokenRequests: () => received.filter((call) => call.path === 'accesstoken').length,
    expireTokens: () => {
      for (const token of issued.keys()) issued.set(token, 0)
    },
    setTokenTtl: (ms) => {
      tokenTtlMs = ms
    },
    addDocument: (seed = {}) => store.add(seed),
    sign: (contractnum, email) => byHand(contractnum, email, 'signed'),
    refuse: (contractnum, email) => byHand(contractnum, email, 'refused'),
    cancel: (contractnum) => {
      const document = store.live(contractnum)
      if (document === undefined || document.state !== 1) {
        return Promise.reject(new Error(`fake platform: ${contractnum} is not a document in progress`))
      }
      document.state = 7
      document.updatetime = timestamp()
      const url = document.callUrl
      return url === undefined ? Promise.resolve(undefined) : callbacks.send(url, contractnum, 'cancelled')
    },
    callbacksSettled: () => callbacks.settled(),
    close: () => {
      closed ??= stop()
      return closed
    },
  }
}
