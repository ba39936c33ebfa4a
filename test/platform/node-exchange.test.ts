// The client's own exchange on Node (src/upstream/node-exchange.ts), through a front server on 127.0.0.1 that
// passes each call to the fake platform and then hands its answer back as the case asks: compressed, corrupt,
// cut, or stalled halfway. requester.test.ts runs the whole client over it too; these are what only it does.
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { readFileSync } from 'node:fs'
import http, { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import https, { createServer as createSecureServer } from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import { inspect } from 'node:util'
import * as zlib from 'node:zlib'

import type { SignError, UpstreamError } from 'esign-errors'
import { createPlatformClient, type PlatformClientOptions } from 'esign-errors/platform'
import { Agent, type Dispatcher, MockAgent, Pool, setGlobalDispatcher, fetch as undiciFetch } from 'undici'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { z } from 'zod'
import {
  DEMO_API_KEY,
  DEMO_API_SECRET,
  type FakePlatform,
  startPlatform,
} from '../../examples/fake-platform.js'
import { rejectionOf, signErrorOf } from '../helpers/rejections.js'
import { encodings, printedWays } from '../helpers/secret-search.js'

const { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } = zlib
// Node 22.15 and 24 have it; Node 20 does not.
const zstdCompressSync = (zlib as { zstdCompressSync?: (body: Buffer) => Buffer }).zstdCompressSync

/** How the front server hands back the answer of a call (the token's is always handed back as it is). */
type Mode =
  | { kind: 'as-is' }
  | {
      kind: 'answer'
      make: (body: Buffer) => { status: number; headers: Record<string, string | string[]>; body: Buffer }
    }
  | { kind: 'encoded'; coding: 'gzip' | 'x-gzip' | 'deflate' | 'br' }
  | { kind: 'corrupt'; coding: 'gzip' | 'br' }
  | { kind: 'cut' }
  | { kind: 'stall' }
  | { kind: 'malformed' }

// What the fake platform answers account/infomation with.
const ACCOUNT = { info: { dsacnt: '100', smscnt: 100, maxsigner: 10, ekyccnt: 100, diskspace: '1GB' } }

let platform: FakePlatform
let front: Server
let baseUrl: string
let mode: Mode
/** The head of each request the front server received, and each connection it was opened. */
let heads: IncomingMessage['headers'][]
let connections: number
/** Sockets of answers left stalled, and whether each was closed by the client. */
let stalled: Socket[]
/** Every answer body the platform gave, as text. */
let answered: string[]

beforeEach(async () => {
  platform = await startPlatform()
  mode = { kind: 'as-is' }
  heads = []
  connections = 0
  stalled = []
  answered = []
  // A call the platform drops (a slow answer given up on) is dropped here too.
  front = createServer((req, res) => void pass(req, res).catch(() => res.destroy()))
  front.on('connection', () => {
    connections += 1
  })
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve))
  baseUrl = `http://127.0.0.1:${(front.address() as AddressInfo).port}/signserver/v1/`
})
afterEach(async () => {
  front.closeAllConnections()
  await new Promise((resolve) => front.close(resolve))
  await platform.close()
})

async function pass(req: IncomingMessage, res: ServerResponse): Promise<void> {
  heads.push(req.headers)
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  const upstream = await fetch(new URL(req.url!.replace(/^\/signserver\/v1\//, ''), platform.url), {
    method: req.method!,
    headers: req.headers['content-type'] ? { 'content-type': req.headers['content-type'] } : {},
    ...(chunks.length === 0 ? {} : { body: Buffer.concat(chunks) }),
  })
  const body = Buffer.from(await upstream.arrayBuffer())
  if (body.length < 100_000) answered.push(body.toString())
  const json = { 'content-type': 'application/json' }
  const used = req.url!.includes('/accesstoken?') ? ({ kind: 'as-is' } as const) : mode
  switch (used.kind) {
    case 'as-is':
      res.writeHead(upstream.status, json).end(body)
      return
    case 'answer': {
      const made = used.make(body)
      res.writeHead(made.status, { ...json, ...made.headers }).end(made.body)
      return
    }
    case 'encoded': {
      const encode = { gzip: gzipSync, 'x-gzip': gzipSync, deflate: deflateSync, br: brotliCompressSync }
      res
        .writeHead(upstream.status, { ...json, 'content-encoding': used.coding })
        .end(encode[used.coding](body))
      return
    }
    case 'corrupt':
      res.writeHead(upstream.status, { ...json, 'content-encoding': used.coding }).end(body)
      return
    case 'cut':
      res.writeHead(upstream.status, { ...json, 'content-length': body.length })
      res.write(body.subarray(0, body.length >> 1), () => res.destroy())
      return
    case 'stall':
      res.writeHead(upstream.status, { ...json, 'content-length': body.length })
      res.write(body.subarray(0, body.length >> 1))
      stalled.push(res.socket!)
      return
    case 'malformed': {
      // A head Node's parser refuses, echoing the request (its token) and the answer (data, mac) first:
      // the parser's error keeps the bytes it read.
      const sent = Buffer.concat(chunks).toString('latin1')
      res.socket!.end(
        `HTTP/1.1 200 OK\r\nx-url: ${req.url}\r\nx-sent: ${sent}\r\nx-body: ${body}\r\nbad\u0001: 1\r\n\r\n`,
      )
      return
    }
  }
}

function client(options: Partial<PlatformClientOptions> = {}) {
  return createPlatformClient({ baseUrl, apiKey: DEMO_API_KEY, apiSecret: DEMO_API_SECRET, ...options })
}

/** The requests to the front server (or `url`'s) made by node:http and by fetch while `run` runs. */
async function countRequests(
  run: () => Promise<unknown>,
  url = baseUrl,
): Promise<{ http: number; fetch: number }> {
  const counts = { http: 0, fetch: 0 }
  const origin = new URL(url).origin
  const onHttp = (message: unknown) => {
    const { request } = message as { request: { getHeader(name: string): unknown } }
    if (request.getHeader('host') === new URL(origin).host) counts.http += 1
  }
  const onFetch = (message: unknown) => {
    if ((message as { request: { origin: string } }).request.origin === origin) counts.fetch += 1
  }
  subscribe('http.client.request.start', onHttp)
  subscribe('undici:request:create', onFetch)
  try {
    await run()
  } finally {
    unsubscribe('http.client.request.start', onHttp)
    unsubscribe('undici:request:create', onFetch)
  }
  return counts
}

/** Resolves when a client, by node:http or by fetch, has the head of an answer of the call (not the token's). */
function headArrived(): Promise<void> {
  const channels = ['http.client.response.finish', 'undici:request:headers']
  return new Promise((resolve) => {
    const onHead = (message: unknown) => {
      const { request } = message as { request: { path?: string } }
      if (String(request.path).includes('accesstoken?')) return
      for (const channel of channels) unsubscribe(channel, onHead)
      resolve()
    }
    for (const channel of channels) subscribe(channel, onHead)
  })
}

describe('the exchange on Node', () => {
  it('makes the calls through node:http, one kept-alive connection for a token and three calls', async () => {
    const platformClient = client()
    const counts = await countRequests(async () => {
      for (let i = 0; i < 3; i++) expect(await platformClient.accountInformation()).toEqual(ACCOUNT)
    })
    expect(counts).toEqual({ http: 4, fetch: 0 })
    expect(connections).toBe(1)
  })

  it('sends the headers fetch sends, no more and no fewer', async () => {
    await client().accountInformation()
    await client({ fetch: globalThis.fetch }).accountInformation()
    const [node, viaFetch] = [heads[1]!, heads[3]!]
    expect(node).toEqual(viaFetch)
    expect(node).toMatchObject({ accept: 'application/json', 'user-agent': 'node' })
    expect(node['accept-encoding']).toMatch(/gzip/)
  })

  it('sends a POST form as fetch sends it: the same body, the same Content-Type', async () => {
    const users = [{ email: 'a@example.com', name: 'A' }]
    await client().addUsers(users)
    await client({ fetch: globalThis.fetch }).addUsers(users)
    const posts = platform.received.filter((call) => call.path === 'account/addusers')
    expect(posts).toHaveLength(2)
    expect(posts[0]!.params).toEqual({ ...posts[1]!.params, accesstoken: posts[0]!.params.accesstoken })
    const [node, viaFetch] = heads.filter((head) => head['content-type'] !== undefined)
    expect(node!['content-type']).toBe('application/x-www-form-urlencoded;charset=UTF-8')
    expect(viaFetch!['content-type']).toBe(node!['content-type'])
    expect(node!['content-length']).toBe(viaFetch!['content-length'])
  })

  it('makes them through http.request as it is at the time: a patch made after it loaded sees them', async () => {
    // As nock or an instrumentation patches node:http.
    const spy = vi.spyOn(http, 'request')
    try {
      expect(await client().accountInformation()).toEqual(ACCOUNT)
      expect(spy.mock.calls.map(([url]) => String(url).replace(/\?.*/, ''))).toEqual([
        `${baseUrl}accesstoken`,
        `${baseUrl}account/infomation`,
      ])
    } finally {
      spy.mockRestore()
    }
  })

  it("leaves every call to a fetch that was not Node's own when it loaded (a polyfill, an instrumentation)", async () => {
    const seen = await seenByStubbedFetch(async () => {
      vi.resetModules()
      const fresh = await import('esign-errors/platform')
      const loadedWithIt = fresh.createPlatformClient({
        baseUrl,
        apiKey: DEMO_API_KEY,
        apiSecret: DEMO_API_SECRET,
      })
      expect(await loadedWithIt.accountInformation()).toEqual(ACCOUNT)
    })
    expect(seen).toEqual([`${baseUrl}accesstoken`, `${baseUrl}account/infomation`])
  })

  it('leaves the calls to a fetch put in place of the global one after it loaded', async () => {
    const seen = await seenByStubbedFetch(async () => {
      expect(await client().accountInformation()).toEqual(ACCOUNT)
    })
    expect(seen).toEqual([`${baseUrl}accesstoken`, `${baseUrl}account/infomation`])
  })
})

/** The calls to the front server (without their query) that a fetch put in place of the global one sees. */
async function seenByStubbedFetch(run: () => Promise<void>): Promise<string[]> {
  const seen: string[] = []
  const builtIn = globalThis.fetch
  vi.stubGlobal('fetch', (input: string | URL | Request, init?: RequestInit) => {
    // The front server's own calls to the platform go through it too.
    if (String(input).startsWith(baseUrl)) seen.push(String(input).replace(/\?.*/, ''))
    return builtIn(input, init)
  })
  try {
    await run()
  } finally {
    vi.unstubAllGlobals()
  }
  return seen
}

describe('secrets, through the node exchange', () => {
  it('no error, cause, inspect, JSON or log entry holds the secret, a token, data or mac', async () => {
    const errors: unknown[] = []
    const collect = async (promise: Promise<unknown>) => errors.push(await rejectionOf(promise))
    const platformClient = client({ retry: { attempts: 2, baseDelayMs: 5 } })
    // The calls' own timeout; the token's is the client's 10 s.
    const list = () => platformClient.listContracts({ pageSize: 10, timeoutMs: 300 })
    platform.inject({ path: 'contract/list', fault: { kind: 'tamper' } })
    await collect(list())
    platform.inject({ path: 'contract/list', times: 2, fault: { kind: 'invalid-token', echoToken: true } })
    await collect(list())
    platform.inject({ path: 'contract/list', fault: { kind: 'bad-data' } })
    await collect(list())
    platform.inject({ path: 'contract/list', times: 2, fault: { kind: 'busy', retryAfter: '0' } })
    await collect(list())
    platform.inject({ path: 'contract/list', times: 2, fault: { kind: 'slow', ms: 600 } })
    await collect(list())
    platform.inject({ path: 'contract/list', fault: { kind: 'huge', bytes: 1024 * 1024 } })
    await collect(client({ maxBytes: 1024, retry: false }).listContracts({ pageSize: 10 }))
    await collect(
      platformClient.request({
        method: 'GET',
        path: 'contract/list',
        payload: { startIndex: 0 },
        parse: z.object({ none: z.string() }),
      }),
    )
    for (const kind of ['cut', 'stall', 'corrupt', 'malformed'] as const) {
      mode = kind === 'corrupt' ? { kind, coding: 'gzip' } : { kind }
      await collect(list())
    }
    expect(errors.map((error) => (error as SignError).code)).toEqual([2, 5, 3, 89, 4, 4, 3, 4, 4, 4, 4])

    const sensitive = new Set<string>([DEMO_API_SECRET, ...platform.tokens()])
    for (const call of platform.received) {
      for (const value of [call.params.data, call.params.mac]) if (value) sensitive.add(value)
    }
    for (const text of answered.filter((body) => body.startsWith('{'))) {
      const body = JSON.parse(text) as { data?: string; mac?: string }
      for (const value of [body.data, body.mac]) if (value) sensitive.add(value)
    }
    expect(sensitive.size).toBeGreaterThan(20)
    // Whole, in any form a URL or a form gives it, or the start a cut would leave.
    const forms = [...sensitive].flatMap(encodings)
    for (const printed of printedWays(errors)) {
      for (const form of forms) expect(printed).not.toContain(form.slice(0, 8))
    }
  })
})

// A certificate for 127.0.0.1 that no one trusts but the tests that say so (made with `openssl req -x509
// -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 36500 -subj /CN=127.0.0.1
// -addext subjectAltName=IP:127.0.0.1,DNS:localhost`).
const tls = {
  key: readFileSync(new URL('../fixtures/tls/127.0.0.1-key.pem', import.meta.url)),
  cert: readFileSync(new URL('../fixtures/tls/127.0.0.1-cert.pem', import.meta.url)),
}

describe('over https', () => {
  let secure: ReturnType<typeof createSecureServer>
  let secureUrl: string
  beforeEach(async () => {
    secure = createSecureServer(tls, (req, res) => void pass(req, res).catch(() => res.destroy()))
    await new Promise<void>((resolve) => secure.listen(0, '127.0.0.1', resolve))
    secureUrl = `https://127.0.0.1:${(secure.address() as AddressInfo).port}/signserver/v1/`
  })
  afterEach(async () => {
    secure.closeAllConnections()
    await new Promise((resolve) => secure.close(resolve))
  })

  it('calls through node:https, with the headers fetch sends over https', async () => {
    // Trusted the way node:https and fetch each take a CA: the global agent's options, an undici Agent.
    https.globalAgent.options.ca = tls.cert
    const trusting = new Agent({ connect: { ca: tls.cert } })
    try {
      const counts = await countRequests(() => client({ baseUrl: secureUrl }).accountInformation(), secureUrl)
      expect(counts).toEqual({ http: 2, fetch: 0 })
      const viaFetch = (input: string | URL | Request, init?: RequestInit) =>
        undiciFetch(input as string, {
          ...(init as object),
          dispatcher: trusting,
        }) as unknown as Promise<Response>
      expect(await client({ baseUrl: secureUrl, fetch: viaFetch }).accountInformation()).toEqual(ACCOUNT)
    } finally {
      delete https.globalAgent.options.ca
      await trusting.close()
    }
    // The npm undici's fetch names itself `undici`; Node's, `node` (as over http above).
    const [node, fetched] = [heads[1]!, heads[3]!]
    expect({ ...node, 'user-agent': 'undici' }).toEqual(fetched)
    expect(node).toMatchObject({ 'user-agent': 'node', 'accept-encoding': 'br, gzip, deflate' })
  })

  it('a certificate it does not trust is code 4, 502, retryable, and says nothing of the call', async () => {
    const error = await signErrorOf(client({ baseUrl: secureUrl, retry: false }).accountInformation())
    expect([error.code, error.status, error.retryable]).toEqual([4, 502, true])
    const cause = error.cause as UpstreamError
    expect(cause.message).toMatch(/accesstoken\?client_id=…: the connection failed$/)
    expect((cause.cause as { code?: string }).code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT')
    expect(inspect(error, { depth: Number.POSITIVE_INFINITY })).not.toContain(DEMO_API_KEY)
  })
})

describe('a dispatcher set for fetch', () => {
  // Where undici keeps its global dispatcher (Node's fetch reads the first; undici 7 writes both).
  const slots = [Symbol.for('undici.globalDispatcher.1'), Symbol.for('undici.globalDispatcher.2')]
  const global = globalThis as unknown as Record<symbol, unknown>

  // Each: a dispatcher an app may set, and which way the calls go.
  const cases: [string, () => { dispatcher: Dispatcher; close: () => Promise<void> }, 'fetch' | 'http'][] = [
    [
      'an Agent with options of its own (a DNS lookup, TLS) goes through fetch',
      () => agent({ connect: { timeout: 5_000 } }),
      'fetch',
    ],
    [
      'an Agent with a factory of its own goes through fetch',
      () => agent({ factory: (origin, options) => new Pool(origin, options) }),
      'fetch',
    ],
    [
      'an Agent with an interceptor (compose) goes through fetch',
      () => {
        const base = new Agent()
        const dispatcher = base.compose((dispatch) => (options, handler) => dispatch(options, handler))
        return { dispatcher, close: () => base.close() }
      },
      'fetch',
    ],
    ["a plain Agent, as Node's own, goes through node:http", () => agent(undefined), 'http'],
  ]
  function agent(options: Agent.Options | undefined) {
    const made = new Agent(options)
    return { dispatcher: made, close: () => made.close() }
  }

  it.each(cases)('%s', async (_, make, expected) => {
    const before = slots.map((slot) => global[slot])
    const { dispatcher, close } = make()
    setGlobalDispatcher(dispatcher)
    let counts: { http: number; fetch: number }
    try {
      counts = await countRequests(() => client({ retry: false }).accountInformation())
    } finally {
      for (const [i, slot] of slots.entries()) global[slot] = before[i]
      await close()
    }
    expect(counts).toEqual(expected === 'fetch' ? { http: 0, fetch: 2 } : { http: 2, fetch: 0 })
  })

  it("a MockAgent set with undici's setGlobalDispatcher answers the calls, and node:http is used again once it is gone", async () => {
    const platformClient = client({ retry: false })
    expect(await platformClient.accountInformation()).toEqual(ACCOUNT)
    const before = slots.map((slot) => global[slot])
    const mock = new MockAgent()
    mock.enableNetConnect()
    mock
      .get(new URL(baseUrl).origin)
      .intercept({ path: (path) => path.startsWith('/signserver/v1/account/infomation?'), method: 'GET' })
      .reply(503, 'mocked')
    setGlobalDispatcher(mock)
    let error: SignError | undefined
    let mocked: { http: number; fetch: number }
    try {
      mocked = await countRequests(async () => {
        error = await signErrorOf(platformClient.accountInformation())
      })
    } finally {
      for (const [i, slot] of slots.entries()) global[slot] = before[i]
      await mock.close()
    }
    // The mock's answer (the front server never answers 503), and nothing through node:http.
    expect(mocked.http).toBe(0)
    expect([error!.code, error!.status, (error!.cause as UpstreamError).httpStatus]).toEqual([4, 502, 503])
    const restored = await countRequests(() => platformClient.accountInformation())
    expect(restored).toEqual({ http: 1, fetch: 0 })
  })
})

describe('what fetch would make of an answer', () => {
  // 204 comes without its body; 3xx is a redirect without a Location.
  it.each([
    [200, 'success'],
    [299, 'success'],
    [204, 3],
    [300, 4],
    [400, 4],
    [500, 4],
    [503, 4],
  ] as const)('HTTP %i with a success inside: %s', async (status, expected) => {
    mode = { kind: 'answer', make: (body) => ({ status, headers: {}, body }) }
    const outcome = (promise: Promise<unknown>) =>
      promise.then(
        (value) => ({ value }),
        (error: SignError) => ({ code: error.code, status: error.status, retryable: error.retryable }),
      )
    const options = { retry: false } as const
    const node = await outcome(client(options).accountInformation())
    expect(node).toEqual(await outcome(client({ ...options, fetch: globalThis.fetch }).accountInformation()))
    expect(node).toEqual(
      expected === 'success' ? { value: ACCOUNT } : expect.objectContaining({ code: expected }),
    )
  })
})

/** What a call comes to: its value, or its error's code, status, retryability and Retry-After. */
const outcomeOf = (promise: Promise<unknown>) =>
  promise.then(
    (value) => ({ value }),
    (error: SignError) => ({
      code: error.code,
      status: error.status,
      retryable: error.retryable,
      retryAfter: error.retryAfter,
    }),
  )

describe('answers fetch reads in its own way, read the same', () => {
  const page = (body: Buffer) => ({ status: 200, body })
  const gzipped = (body: Buffer) => gzipSync(body)
  // Each: how the front server answers; what both exchanges come to ('the answer': the page itself).
  const cases: [
    string,
    (body: Buffer) => { status: number; headers: Record<string, string | string[]>; body: Buffer },
    unknown,
  ][] = [
    [
      '204 labelled gzip, no body',
      () => ({ status: 204, headers: { 'content-encoding': 'gzip' }, body: Buffer.alloc(0) }),
      3,
    ],
    [
      '200 labelled gzip, no body',
      () => ({ status: 200, headers: { 'content-encoding': 'gzip' }, body: Buffer.alloc(0) }),
      3,
    ],
    [
      'gzip without its trailer',
      (body) => ({ ...page(gzipped(body).subarray(0, -8)), headers: { 'content-encoding': 'gzip' } }),
      'the answer',
    ],
    [
      'GZIP in capitals',
      (body) => ({ ...page(gzipped(body)), headers: { 'content-encoding': 'GZIP' } }),
      'the answer',
    ],
    [
      'raw deflate',
      (body) => ({ ...page(deflateRawSync(body)), headers: { 'content-encoding': 'deflate' } }),
      'the answer',
    ],
    [
      'deflate, then bytes after its end',
      (body) => ({
        ...page(Buffer.concat([deflateSync(body), Buffer.from('after the end')])),
        headers: { 'content-encoding': 'deflate' },
      }),
      'the answer',
    ],
    [
      'raw deflate, then bytes after its end',
      (body) => ({
        ...page(Buffer.concat([deflateRawSync(body), Buffer.from('after the end')])),
        headers: { 'content-encoding': 'deflate' },
      }),
      'the answer',
    ],
    [
      'gzip, then bytes after its end',
      (body) => ({
        ...page(Buffer.concat([gzipped(body), Buffer.from('after the end')])),
        headers: { 'content-encoding': 'gzip' },
      }),
      4,
    ],
    // zstd as Node's fetch reads it: undone by undici 7 (Node 24), left as it came before.
    ...(typeof zstdCompressSync === 'function'
      ? [
          [
            'zstd',
            (body: Buffer) => ({ ...page(zstdCompressSync(body)), headers: { 'content-encoding': 'zstd' } }),
            Number(process.versions.undici?.split('.')[0]) >= 7 ? 'the answer' : 3,
          ] as (typeof cases)[number],
        ]
      : []),
    [
      'gzip then br, in one header',
      (body) => ({ ...page(brotliCompressSync(gzipped(body))), headers: { 'content-encoding': 'gzip, br' } }),
      'the answer',
    ],
    [
      'gzip then br, in two headers',
      (body) => ({
        ...page(brotliCompressSync(gzipped(body))),
        headers: { 'content-encoding': ['gzip', 'br'] },
      }),
      'the answer',
    ],
    ['identity', (body) => ({ ...page(body), headers: { 'content-encoding': 'identity' } }), 'the answer'],
    [
      'a coding not known, left as it came',
      (body) => ({ ...page(body), headers: { 'content-encoding': 'x-unknown' } }),
      'the answer',
    ],
    [
      'gzip with a coding not known after it, left as it came',
      (body) => ({ ...page(gzipped(body)), headers: { 'content-encoding': 'gzip, x-unknown' } }),
      3,
    ],
    ['plain JSON labelled gzip', (body) => ({ ...page(body), headers: { 'content-encoding': 'gzip' } }), 4],
    [
      '200 labelled br, no body',
      () => ({ status: 200, headers: { 'content-encoding': 'br' }, body: Buffer.alloc(0) }),
      3,
    ],
    ['plain JSON labelled br', (body) => ({ ...page(body), headers: { 'content-encoding': 'br' } }), 4],
    [
      'a busy 503 with Retry-After twice',
      () => ({ status: 503, headers: { 'retry-after': ['1', '2'] }, body: Buffer.alloc(0) }),
      4,
    ],
  ]

  it.each(cases)('%s', async (_, make, expected) => {
    const plain = await client().listContracts({ pageSize: 10 })
    mode = { kind: 'answer', make }
    const options = { retry: false } as const
    const node = await outcomeOf(client(options).listContracts({ pageSize: 10 }))
    expect(node).toEqual(
      await outcomeOf(client({ ...options, fetch: globalThis.fetch }).listContracts({ pageSize: 10 })),
    )
    expect(node).toEqual(
      expected === 'the answer' ? { value: plain } : expect.objectContaining({ code: expected }),
    )
  })
})

describe('content codings, read as fetch reads them', () => {
  it.each(['gzip', 'x-gzip', 'deflate', 'br'] as const)('%s', async (coding) => {
    mode = { kind: 'encoded', coding }
    const page = await client().listContracts({ pageSize: 10 })
    mode = { kind: 'as-is' }
    expect(page).toEqual(await client().listContracts({ pageSize: 10 }))
  })

  it.each(['gzip', 'br'] as const)(
    'a body that is not in its coding (%s) is code 4, 502, retried',
    async (coding) => {
      mode = { kind: 'corrupt', coding }
      const error = await signErrorOf(client({ retry: { attempts: 2, baseDelayMs: 1 } }).accountInformation())
      expect([error.code, error.status, error.retryable]).toEqual([4, 502, true])
      expect((error.cause as UpstreamError).message).toMatch(
        /account\/infomation\?accesstoken=…: the connection failed$/,
      )
      expect(platform.received.filter((call) => call.path === 'account/infomation')).toHaveLength(2)
    },
  )
})

describe('an answer that stops halfway', () => {
  it('cut: code 4, 502, retryable; nothing of the query in its causes', async () => {
    mode = { kind: 'cut' }
    const error = await signErrorOf(client({ retry: false }).listContracts({ pageSize: 10 }))
    expect([error.code, error.status, error.retryable]).toEqual([4, 502, true])
    const printed = inspect(error, { depth: 10 })
    const call = platform.received.find((received) => received.path === 'contract/list')!
    for (const value of [call.params.accesstoken, call.params.data, call.params.mac, DEMO_API_SECRET]) {
      expect(value).toBeTruthy()
      expect(printed).not.toContain(value)
    }
  })

  it('stalled: code 4, 504 once timeoutMs passed, and the connection is closed', async () => {
    mode = { kind: 'stall' }
    // The call's own timeout: the token, before it, has the client's 10 s however busy the machine.
    const error = await signErrorOf(client({ retry: false }).accountInformation({ timeoutMs: 200 }))
    expect([error.code, error.status, error.retryable]).toEqual([4, 504, true])
    expect((error.cause as UpstreamError).message).toMatch(
      /account\/infomation\?accesstoken=…: no complete answer within 200 ms$/,
    )
    await vi.waitFor(() => expect(stalled[0]?.destroyed).toBe(true))
  })

  // Through fetch too, which turns a falsy reason into an AbortError of its own.
  it.each([
    ['an error', 'node:http', new Error('the caller left')],
    ['a string', 'node:http', 'stop'],
    ['0', 'node:http', 0],
    ['an error', 'fetch', new Error('the caller left')],
    ['0', 'fetch', 0],
    ['an empty string', 'fetch', ''],
  ] as const)(
    'stalled, then the caller aborts with %s: its reason, untouched, and the connection closed (%s)',
    async (_, transport, reason) => {
      mode = { kind: 'stall' }
      const controller = new AbortController()
      const options = { retry: false as const, ...(transport === 'fetch' ? { fetch: globalThis.fetch } : {}) }
      // Aborted once the client has the answer's head, so that it is the body's read that ends.
      const headed = headArrived()
      const call = client(options).accountInformation({ signal: controller.signal })
      await vi.waitFor(() => expect(stalled).toHaveLength(1))
      await headed
      controller.abort(reason)
      expect(await rejectionOf(call)).toBe(reason)
      await vi.waitFor(() => expect(stalled[0]!.destroyed).toBe(true))
    },
  )
})
