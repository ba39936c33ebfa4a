// The client's own exchange on Node (src/upstream/node-exchange.ts), through a front server on 127.0.0.1 that
// passes each call to the fake platform and then hands its answer back as the case asks: compressed, corrupt,
// cut, or stalled halfway. requester.test.ts runs the whole client over it too; these are what only it does.
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { inspect } from 'node:util'
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib'
import type { SignError, UpstreamError } from 'esign-errors'
import { createPlatformClient, type PlatformClientOptions } from 'esign-errors/platform'
import { MockAgent, setGlobalDispatcher } from 'undici'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  DEMO_API_KEY,
  DEMO_API_SECRET,
  type FakePlatform,
  startPlatform,
} from '../../examples/fake-platform.js'
import { rejectionOf, signErrorOf } from '../helpers/rejections.js'

/** How the front server hands back the answer of a call (the token's is always handed back as it is). */
type Mode =
  | { kind: 'as-is' }
  | { kind: 'status'; status: number }
  | { kind: 'encoded'; coding: 'gzip' | 'x-gzip' | 'deflate' | 'br' }
  | { kind: 'corrupt'; coding: 'gzip' | 'br' }
  | { kind: 'cut' }
  | { kind: 'stall' }

let platform: FakePlatform
let front: Server
let baseUrl: string
let mode: Mode
/** The head of each request the front server received, and each connection it was opened. */
let heads: IncomingMessage['headers'][]
let connections: number
/** Sockets of answers left stalled, and whether each was closed by the client. */
let stalled: Socket[]

beforeEach(async () => {
  platform = await startPlatform()
  mode = { kind: 'as-is' }
  heads = []
  connections = 0
  stalled = []
  front = createServer((req, res) => void pass(req, res))
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
  const json = { 'content-type': 'application/json' }
  const used = req.url!.includes('/accesstoken?') ? ({ kind: 'as-is' } as const) : mode
  switch (used.kind) {
    case 'as-is':
      res.writeHead(upstream.status, json).end(body)
      return
    case 'status':
      res.writeHead(used.status, json).end(body)
      return
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
  }
}

function client(options: Partial<PlatformClientOptions> = {}) {
  return createPlatformClient({ baseUrl, apiKey: DEMO_API_KEY, apiSecret: DEMO_API_SECRET, ...options })
}

/** The requests to the front server made by node:http and by fetch while `run` runs. */
async function countRequests(run: () => Promise<unknown>): Promise<{ http: number; fetch: number }> {
  const counts = { http: 0, fetch: 0 }
  const origin = new URL(baseUrl).origin
  const onHttp = (message: unknown) => {
    const { request } = message as { request: { getHeader(name: string): unknown } }
    if (`http://${String(request.getHeader('host'))}` === origin) counts.http += 1
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

describe('the exchange on Node', () => {
  it('makes the calls through node:http, one kept-alive connection for a token and three calls', async () => {
    const platformClient = client()
    const counts = await countRequests(async () => {
      for (let i = 0; i < 3; i++) expect(await platformClient.accountInformation()).toEqual({})
    })
    expect(counts).toEqual({ http: 4, fetch: 0 })
    expect(connections).toBe(1)
    expect(heads[1]).toMatchObject({ accept: 'application/json', 'accept-encoding': 'gzip, deflate, br' })
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

  it('leaves the calls to a fetch put in place of the global one after it loaded', async () => {
    const seen: string[] = []
    const builtIn = globalThis.fetch
    const stub = (input: string | URL | Request, init?: RequestInit) => {
      // The front server's own calls to the platform go through it too.
      if (String(input).startsWith(baseUrl)) seen.push(String(input).replace(/\?.*/, ''))
      return builtIn(input, init)
    }
    vi.stubGlobal('fetch', stub)
    try {
      expect(await client().accountInformation()).toEqual({})
    } finally {
      vi.unstubAllGlobals()
    }
    expect(seen).toEqual([`${baseUrl}accesstoken`, `${baseUrl}account/infomation`])
  })
})

describe('a dispatcher set for fetch', () => {
  // Where undici keeps its global dispatcher (Node's fetch reads the first; undici 7 writes both).
  const slots = [Symbol.for('undici.globalDispatcher.1'), Symbol.for('undici.globalDispatcher.2')]
  const global = globalThis as unknown as Record<symbol, unknown>

  it("a MockAgent set with undici's setGlobalDispatcher answers the calls, and node:http is used again once it is gone", async () => {
    const platformClient = client({ retry: false })
    expect(await platformClient.accountInformation()).toEqual({})
    const before = slots.map((slot) => global[slot])
    const mock = new MockAgent()
    mock.enableNetConnect()
    mock
      .get(new URL(baseUrl).origin)
      .intercept({ path: (path) => path.startsWith('/signserver/v1/account/infomation?'), method: 'GET' })
      .reply(503, 'mocked')
    setGlobalDispatcher(mock)
    let error: SignError | undefined
    const mocked = await countRequests(async () => {
      error = await signErrorOf(platformClient.accountInformation())
    })
    for (const [i, slot] of slots.entries()) global[slot] = before[i]
    await mock.close()
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
    mode = { kind: 'status', status }
    const outcome = (promise: Promise<unknown>) =>
      promise.then(
        (value) => ({ value }),
        (error: SignError) => ({ code: error.code, status: error.status, retryable: error.retryable }),
      )
    const options = { retry: false } as const
    const node = await outcome(client(options).accountInformation())
    expect(node).toEqual(await outcome(client({ ...options, fetch: globalThis.fetch }).accountInformation()))
    expect(node).toEqual(expected === 'success' ? { value: {} } : expect.objectContaining({ code: expected }))
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
    const error = await signErrorOf(client({ retry: false, timeoutMs: 200 }).accountInformation())
    expect([error.code, error.status, error.retryable]).toEqual([4, 504, true])
    expect((error.cause as UpstreamError).message).toMatch(/: no complete answer within 200 ms$/)
    await vi.waitFor(() => expect(stalled[0]?.destroyed).toBe(true))
  })

  it.each([
    ['an error', new Error('the caller left')],
    ['a string', 'stop'],
    ['0', 0],
  ])(
    'stalled, then the caller aborts with %s: its reason, untouched, and the connection closed',
    async (_, reason) => {
      mode = { kind: 'stall' }
      const controller = new AbortController()
      const call = client({ retry: false }).accountInformation({ signal: controller.signal })
      await vi.waitFor(() => expect(stalled).toHaveLength(1))
      controller.abort(reason)
      expect(await rejectionOf(call)).toBe(reason)
      await vi.waitFor(() => expect(stalled[0]!.destroyed).toBe(true))
    },
  )
})
