/**
 * Koa 2 and 3 over `node:http2` (`http2.createServer(app.callback())`), spoken to by a node:http2 client: Node
 * refuses to send the connection-specific headers RFC 9113 §8.2.2 forbids, so neither an error nor the route
 * may bring one into the answer, or Koa falls back to its own text/plain 500. Those headers, carried by an
 * error or set by the route, are in test/adapters/http2.test.ts with Fastify's; here, Koa's own ways.
 */
import { once } from 'node:events'
import { type ClientHttp2Session, connect, createServer, type Http2Server } from 'node:http2'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { Codes, SignError } from 'esign-errors'
import { errorHandler, handleStreamErrors, notFound } from 'esign-errors/koa'
import Koa, { type Context } from 'koa'
import Koa2 from 'koa2'
import { afterEach, describe, expect, it } from 'vitest'
import { http2Get as get } from '../helpers/raw-clients.js'

const NOT_FOUND_41 =
  '{"code":41,"name":"DocumentNotFound","message":"Document does not exist","status":404,"retryable":false}'
const FAILED_4 =
  '{"code":4,"name":"ProcessingFailed","message":"Processing failed","status":500,"retryable":true}'

const servers: Http2Server[] = []
const sessions: ClientHttp2Session[] = []

afterEach(async () => {
  for (const session of sessions.splice(0)) session.destroy()
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))))
})

describe.each([
  ['Koa 3', Koa],
  ['Koa 2', Koa2],
])('%s over node:http2', (_version, App) => {
  /** An h2c server for a Koa app set up by `configure`, and a session to it. */
  async function serveHttp2(configure: (app: Koa) => void) {
    const app = new App()
    app.silent = true
    configure(app)
    const server = createServer(app.callback())
    servers.push(server)
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const { port } = server.address() as AddressInfo
    const session = connect(`http://127.0.0.1:${port}`)
    session.on('error', () => {})
    sessions.push(session)
    return session
  }

  const throwing =
    (handler: (ctx: Context) => void) =>
    (app: Koa): void => {
      app.use(errorHandler({ log: false }))
      app.use((ctx) => handler(ctx))
    }

  it('a route that set ctx.respond = false and threw is answered over HTTP/2 too', async () => {
    const session = await serveHttp2(
      throwing((ctx) => {
        ctx.respond = false
        ctx.set('Proxy-Connection', 'keep-alive')
        throw new SignError(Codes.DocumentNotFound)
      }),
    )
    const answer = await get(session, '/documents/D-404')
    expect([answer.status, answer.body, answer.cut]).toEqual([404, NOT_FOUND_41, false])
  })

  it('with handleStreamErrors(), a stream failing at once is answered and one failing midway is cut', async () => {
    const session = await serveHttp2((app) => {
      handleStreamErrors(app, { log: false })
      app.use(errorHandler({ log: false }))
      app.use((ctx) => {
        // Node would refuse it on a successful answer too; the error answer drops it.
        if (ctx.path === '/at-once') ctx.set('Keep-Alive', 'timeout=5')
        let sent = false
        ctx.body =
          ctx.path === '/at-once'
            ? new Readable({
                read() {
                  this.destroy(new Error('read failed'))
                },
              })
            : new Readable({
                read() {
                  if (sent) return
                  sent = true
                  this.push('partial')
                  setTimeout(() => this.destroy(new Error('read failed')), 50)
                },
              })
      })
    })
    const atOnce = await get(session, '/at-once')
    expect([atOnce.status, atOnce.body, atOnce.cut]).toEqual([500, FAILED_4, false])
    expect(atOnce.headers['keep-alive']).toBeUndefined()

    const midway = await get(session, '/midway')
    expect([midway.status, midway.body, midway.cut]).toEqual([200, 'partial', true])
  })

  // Node ends a HEAD request's stream for writing as it comes (its answer has no body): Koa's `writable` is
  // then false before anything was sent. (Koa 2 leaves every other HEAD over HTTP/2 unanswered, its own 200s
  // too.)
  it('a HEAD answered with an error or a 404 gets its status and head, no body, the stream not reset', async () => {
    const session = await serveHttp2((app) => {
      app.use(errorHandler({ log: false }))
      app.use(notFound())
      app.use((ctx) => {
        if (ctx.path === '/login') throw new SignError(Codes.WrongPassword)
      })
    })
    const seen = async (path: string) => {
      const answer = await get(session, path, 'HEAD')
      return [answer.status, answer.headers['content-type'], answer.body, answer.cut]
    }
    expect(await seen('/login')).toEqual([401, 'application/json; charset=utf-8', '', false])
    expect(await seen('/missing')).toEqual([404, 'application/json; charset=utf-8', '', false])
  })

  it('never reads the reason phrase: HTTP/2 has none, and Node warns of a read', async () => {
    let reads = 0
    const session = await serveHttp2((app) => {
      app.use(async (ctx, next) => {
        Object.defineProperty(ctx.res, 'statusMessage', {
          configurable: true,
          get() {
            reads++
            return ''
          },
          set() {},
        })
        await next()
      })
      app.use(errorHandler({ log: false }))
      app.use(() => {
        throw new SignError(Codes.DocumentNotFound)
      })
    })
    const answer = await get(session, '/documents/D-404')
    expect([answer.status, answer.body, reads]).toEqual([404, NOT_FOUND_41, 0])
  })
})
