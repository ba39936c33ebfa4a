/**
 * Over HTTP/2 (h2c, a node:http2 client): Koa on `http2.createServer(app.callback())`, Fastify with
 * `http2: true`; Express does not serve HTTP/2. Node refuses to send the connection-specific headers RFC 9113
 * §8.2.2 forbids, so neither an error nor the route may bring one into the answer, or the framework falls back
 * to its own answer (or the process fails); an answer that had started is reset, never ended as if complete.
 */
import { once } from 'node:events'
import { type ClientHttp2Session, connect, createServer, type Http2Server } from 'node:http2'
import type { AddressInfo } from 'node:net'
import { Codes, SignError } from 'esign-errors'
import { errorHandler as fastifyErrorHandler, notFound as fastifyNotFound } from 'esign-errors/fastify'
import { errorHandler as koaErrorHandler } from 'esign-errors/koa'
import Fastify from 'fastify'
import createHttpError from 'http-errors'
import Koa from 'koa'
import Koa2 from 'koa2'
import { afterEach, describe, expect, it } from 'vitest'
import { http2Get as get } from '../helpers/raw-clients.js'

const NOT_FOUND_41 =
  '{"code":41,"name":"DocumentNotFound","message":"Document does not exist","status":404,"retryable":false}'
const NOT_FOUND_7 =
  '{"code":7,"name":"InvalidRequestType","message":"Not Found","status":404,"retryable":false}'
const BUSY_89 = '{"code":89,"name":"SystemBusy","message":"The system is busy","status":503,"retryable":true}'
const JSON_TYPE = 'application/json; charset=utf-8'

// RFC 9113 §8.2.2, in the spelling a user would write, with a value Node refuses over HTTP/2.
const CONNECTION_HEADERS = [
  ['Connection', 'close'],
  ['Keep-Alive', 'timeout=5'],
  ['Proxy-Connection', 'keep-alive'],
  ['Transfer-Encoding', 'chunked'],
  ['Upgrade', 'websocket'],
  ['HTTP2-Settings', 'AAMAAABkAAQAoAAAAAIAAAAA'],
  ['TE', 'gzip'],
] as const

/** The kinds that serve HTTP/2. */
const HTTP2_KINDS = ['koa3', 'koa2', 'fastify5'] as const

/** What the route may do before it fails. */
interface Http2Route {
  path: string
  /** `ctx.set()`, `reply.header()`. */
  header(name: string, value: string): void
  /** Node's own response: `ctx.res`, `reply.raw`. */
  raw: {
    setHeader(name: string, value: string): unknown
    writeHead(status: number, headers: Record<string, string>): unknown
    write(chunk: string): unknown
  }
}

const closers: (() => Promise<unknown>)[] = []
const sessions: ClientHttp2Session[] = []

afterEach(async () => {
  for (const session of sessions.splice(0)) session.destroy()
  await Promise.all(closers.splice(0).map((close) => close()))
})

/** An h2c server whose only route runs `route`, with the error handler mounted; and a session to it. */
async function serveHttp2(
  kind: (typeof HTTP2_KINDS)[number],
  route: (route: Http2Route) => Promise<never> | never,
): Promise<ClientHttp2Session> {
  let port: number
  if (kind === 'fastify5') {
    const app = Fastify({ http2: true, genReqId: () => '' })
    closers.push(() => app.close())
    app.setErrorHandler(fastifyErrorHandler({ log: false }))
    app.setNotFoundHandler(fastifyNotFound())
    app.all('*', async (request, reply) =>
      route({
        path: request.url,
        header: (name, value) => {
          reply.header(name, value)
        },
        raw: reply.raw,
      }),
    )
    await app.listen({ port: 0, host: '127.0.0.1' })
    port = (app.server.address() as AddressInfo).port
  } else {
    const app = kind === 'koa3' ? new Koa() : new Koa2()
    app.silent = true
    app.use(koaErrorHandler({ log: false }))
    app.use((ctx) =>
      route({
        path: ctx.path,
        header: (name, value) => ctx.set(name, value),
        raw: ctx.res,
      }),
    )
    const server: Http2Server = createServer(app.callback())
    closers.push(() => new Promise((resolve) => server.close(resolve)))
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    port = (server.address() as AddressInfo).port
  }
  const session = connect(`http://127.0.0.1:${port}`)
  session.on('error', () => {})
  sessions.push(session)
  return session
}

describe.each(HTTP2_KINDS)('%s over HTTP/2', (kind) => {
  it.each(CONNECTION_HEADERS)(
    'an error carrying %s is answered normally, without it',
    async (name, value) => {
      const session = await serveHttp2(kind, ({ path }) => {
        if (path === '/http-errors') throw createHttpError(404, { headers: { [name]: value } })
        // An http-errors-like value: a boolean `expose` is what makes its headers count.
        if (path === '/foreign')
          throw Object.assign(new Error('busy'), { status: 503, expose: false, headers: { [name]: value } })
        throw new SignError(Codes.SystemBusy, { headers: { [name]: value } })
      })
      for (const [path, status, body] of [
        ['/busy', 503, BUSY_89],
        ['/http-errors', 404, NOT_FOUND_7],
        ['/foreign', 503, BUSY_89],
      ] as const) {
        const answer = await get(session, path)
        expect([answer.status, answer.body], path).toEqual([status, body])
        expect(answer.headers['content-type'], path).toBe(JSON_TYPE)
        expect(answer.headers[name.toLowerCase()], path).toBeUndefined()
      }
    },
  )

  it.each(CONNECTION_HEADERS)('%s set by the route before it threw is dropped', async (name, value) => {
    const session = await serveHttp2(kind, ({ path, header, raw }) => {
      // Set the framework's way, or on Node's response itself, below the framework's own header table.
      if (path.startsWith('/raw')) raw.setHeader(name, value)
      else header(name, value)
      header('Access-Control-Allow-Origin', '*')
      throw new SignError(Codes.DocumentNotFound)
    })
    for (const path of ['/documents/D-9', '/raw/D-9']) {
      const answer = await get(session, path)
      expect([answer.status, answer.body], path).toEqual([404, NOT_FOUND_41])
      expect(answer.headers[name.toLowerCase()], path).toBeUndefined()
      expect(answer.headers['access-control-allow-origin'], path).toBe('*')
    }
    // The session lives on.
    expect((await get(session, '/again')).status).toBe(404)
  })

  it('an answer that had started is reset with an error code, so the client cannot read it as complete', async () => {
    const session = await serveHttp2(kind, async ({ raw }) => {
      raw.writeHead(200, { 'content-type': 'text/csv' })
      raw.write('id,title\n')
      await new Promise((resolve) => setTimeout(resolve, 20))
      throw new Error('disk gone')
    })
    const answer = await get(session, '/download')
    expect([answer.status, answer.body, answer.cut]).toEqual([200, 'id,title\n', true])
    expect(answer.error?.message).toMatch(/NGHTTP2_INTERNAL_ERROR/)
  })
})
