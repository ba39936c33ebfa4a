import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { decryptData, encryptData, macOf } from 'esign-errors/platform'

/** The secret the local platform and the client share in these tests. */
export const SECRET = 'LOCAL0000000000000000000000000000SECRET'
/** The key the local platform accepts as `client_id`. */
export const API_KEY = 'LOCAL00000000000KEY'
/** The token it hands out. */
export const TOKEN = '11111111-2222-3333-4444-555555555555'

/** One call the local platform received. */
export interface Exchange {
  method: string
  /** Path under `/signserver/v1/`. */
  path: string
  /** Where `accesstoken`, `data` and `mac` came: the query, a urlencoded form or multipart. */
  transport: 'query' | 'form' | 'multipart'
  /** Every parameter and text part as received. */
  params: Record<string, string>
  /** The decrypted `data`, when there was one and its `mac` verified. */
  payload?: unknown
  /** A file part: its field name and bytes. */
  file?: { field: string; bytes: Buffer }
}

/** What a route answers: `result` (default 0), `message`, a payload to encrypt, or a raw body. */
export type Reply =
  | { result?: number; message?: string; payload?: unknown; headers?: Record<string, string> }
  | { raw: string; status?: number }

/** A route of the local platform; `undefined` answers 404. */
export type Route = (exchange: Exchange) => Reply | undefined | Promise<Reply | undefined>

/** A running local platform. */
export interface EnvelopeServer {
  /** Origin plus `/signserver/v1/`. */
  baseUrl: string
  /** Every call but the token's, in order. */
  received: Exchange[]
  /** How many token requests came. */
  tokenRequests(): number
  close(): Promise<void>
}

const BASE = '/signserver/v1/'

/**
 * A small platform on 127.0.0.1 that speaks the real envelope (PROTOCOL.md §2-§4): a token for `client_id`,
 * `accesstoken` / `data` / `mac` from the query, a urlencoded form or multipart, the MAC checked, `data`
 * decrypted and recorded, answers encrypted with their MAC. What each path answers is the test's `route`.
 */
export async function startEnvelopeServer(route: Route): Promise<EnvelopeServer> {
  const received: Exchange[] = []
  let tokens = 0

  function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) {
    res.writeHead(status, {
      'content-type': 'application/json;charset=UTF-8',
      'content-length': String(Buffer.byteLength(body)),
      ...headers,
    })
    res.end(body)
  }

  function reply(res: ServerResponse, answer: Reply | undefined): void {
    if (answer === undefined) {
      send(res, 404, '')
    } else if ('raw' in answer) {
      send(res, answer.status ?? 200, answer.raw)
    } else {
      const result = answer.result ?? 0
      const message = answer.message ?? (result === 0 ? 'Success' : 'Failed')
      const body: Record<string, unknown> = { result, message }
      if (answer.payload !== undefined) {
        body.data = encryptData(answer.payload, SECRET)
        body.mac = macOf(body.data as string, SECRET)
      }
      send(res, 200, JSON.stringify(body), answer.headers)
    }
  }

  async function read(req: IncomingMessage, url: URL): Promise<Omit<Exchange, 'method' | 'path'>> {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks)
    const type = req.headers['content-type'] ?? ''
    const params: Record<string, string> = Object.fromEntries(url.searchParams)
    if (body.length > 0 && type.startsWith('application/x-www-form-urlencoded')) {
      Object.assign(params, Object.fromEntries(new URLSearchParams(body.toString('utf8'))))
      return { transport: 'form', params }
    }
    if (body.length > 0 && type.startsWith('multipart/form-data')) {
      const form = await new Response(body, { headers: { 'content-type': type } }).formData()
      let file: Exchange['file']
      for (const [key, value] of form) {
        if (typeof value === 'string') params[key] = value
        else file = { field: key, bytes: Buffer.from(await value.arrayBuffer()) }
      }
      return file === undefined
        ? { transport: 'multipart', params }
        : { transport: 'multipart', params, file }
    }
    return { transport: 'query', params }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local')
    if (!url.pathname.startsWith(BASE)) return send(res, 404, '')
    const path = url.pathname.slice(BASE.length)
    const exchange: Exchange = { method: req.method ?? 'GET', path, ...(await read(req, url)) }
    if (path === 'accesstoken') {
      tokens += 1
      return reply(res, exchange.params.client_id === API_KEY ? { payload: { at: TOKEN } } : { result: 53 })
    }
    received.push(exchange)
    if (exchange.params.accesstoken !== TOKEN) return reply(res, { result: 5 })
    const { data, mac } = exchange.params
    if (data !== undefined || mac !== undefined) {
      if (data === undefined || mac !== macOf(data, SECRET)) return reply(res, { result: 2 })
      exchange.payload = decryptData(data, SECRET)
    }
    reply(res, await route(exchange))
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    baseUrl: `http://127.0.0.1:${port}${BASE}`,
    received,
    tokenRequests: () => tokens,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      }),
  }
}
