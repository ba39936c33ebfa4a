/**
 * Fastify with `http2: true`, spoken to by a node:http2 client: Node refuses to send the connection-specific
 * headers RFC 9113 §8.2.2 forbids, and a refusal inside the error answer must neither crash the process nor
 * leave the stream unanswered. Those headers, carried by an error or set by the route, and an answer reset once
 * it had started, are in test/adapters/http2.test.ts with Koa's; here, Fastify's own ways.
 */

import { type ClientHttp2Session, connect, constants } from 'node:http2'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { Codes, type LogEntry, SignError } from 'esign-errors'
import { errorHandler, esignErrors, notFound } from 'esign-errors/fastify'
import Fastify, { LogController } from 'fastify'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { http2Get as get } from '../helpers/raw-clients.js'

const createApp = (options: { logController?: LogController } = {}) =>
  Fastify({ http2: true, genReqId: () => '', ...options })
type Http2App = ReturnType<typeof createApp>

const apps: Http2App[] = []
const sessions: ClientHttp2Session[] = []

afterEach(async () => {
  for (const session of sessions.splice(0)) session.destroy()
  await Promise.all(apps.splice(0).map((app) => app.close()))
})

/** A Fastify 5 HTTP/2 (h2c) app on 127.0.0.1 and a node:http2 session to it. */
async function serveHttp2(routes: (app: Http2App) => void) {
  const app = createApp()
  apps.push(app)
  app.setErrorHandler(errorHandler({ log: false }))
  app.setNotFoundHandler(notFound())
  routes(app)
  return sessionTo(app)
}

/** Starts `app` on 127.0.0.1 and opens a node:http2 session to it, closed after the test. */
async function sessionTo(app: Http2App) {
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  const session = connect(`http://127.0.0.1:${port}`)
  session.on('error', () => {})
  sessions.push(session)
  return session
}

describe('Fastify over HTTP/2: connection-specific headers', () => {
  it('the process and the session live on: the next request on the same session is answered', async () => {
    const session = await serveHttp2((app) => {
      app.get('/bad', async () => {
        throw new SignError(Codes.SystemBusy, {
          headers: { 'Proxy-Connection': 'keep-alive', 'HTTP2-Settings': 'AAMAAABkAAQAoAAAAAIAAAAA' },
        })
      })
      app.get('/ok', async () => ({ ok: true }))
    })
    expect((await get(session, '/bad')).status).toBe(503)
    expect(await get(session, '/ok')).toMatchObject({ status: 200, body: '{"ok":true}' })
    expect((await get(session, '/nowhere')).status).toBe(404)
  })
})

describe.each(['hooks', 'log controller'])(
  'Fastify over HTTP/2 with the esignErrors() plugin watching with its %s: a body stream that fails midway',
  (watch) => {
    /** An h2c app with the plugin, as the README sets it up (with its log controller or without), and a session to it. */
    async function serveWithPlugin(routes: (app: Http2App) => void, entries: LogEntry[]) {
      const errors = esignErrors({ log: (entry) => entries.push(entry) })
      const app = createApp(watch === 'hooks' ? {} : { logController: errors.logController(LogController) })
      apps.push(app)
      await app.register(errors)
      routes(app)
      return sessionTo(app)
    }

    it('a Node stream: the stream is reset with INTERNAL_ERROR, not ended as if complete', async () => {
      const entries: LogEntry[] = []
      const session = await serveWithPlugin((app) => {
        app.get('/export', async (_request, reply) => {
          reply.type('text/csv')
          let sent = false
          return new Readable({
            read() {
              if (sent) return
              sent = true
              this.push('id,title\n')
              setTimeout(() => this.destroy(new Error('disk gone')), 20)
            },
          })
        })
      }, entries)
      const answer = await get(session, '/export')
      expect([answer.status, answer.body, answer.cut]).toEqual([200, 'id,title\n', true])
      expect(answer.error?.message).toMatch(/NGHTTP2_INTERNAL_ERROR/)
      expect(entries.map((entry) => [entry.level, entry.status, entry.code])).toEqual([['error', 500, 4]])
      // The session lives on.
      expect((await get(session, '/nowhere')).status).toBe(404)
    })

    it('a web ReadableStream: reset with INTERNAL_ERROR too', async () => {
      const entries: LogEntry[] = []
      const session = await serveWithPlugin((app) => {
        app.get('/export', (_request, reply) => {
          let pulls = 0
          const body = new ReadableStream<Uint8Array>({
            pull(controller) {
              if (pulls++ === 0) controller.enqueue(new TextEncoder().encode('id,title\n'))
              else setTimeout(() => controller.error(new Error('upstream gone')), 20)
            },
          })
          reply.type('text/csv').send(body)
        })
      }, entries)
      const answer = await get(session, '/export')
      expect([answer.status, answer.body, answer.cut]).toEqual([200, 'id,title\n', true])
      expect(answer.error?.message).toMatch(/NGHTTP2_INTERNAL_ERROR/)
      expect(entries.map((entry) => [entry.level, entry.status, entry.code])).toEqual([['error', 500, 4]])
    })

    it('a client that cancels midway is no failure of the answer: nothing is logged', async () => {
      const entries: LogEntry[] = []
      let destroyed = false
      const session = await serveWithPlugin((app) => {
        app.get('/export', async () => {
          let reads = 0
          return new Readable({
            read() {
              if (reads++ === 0) this.push('id,title\n')
            },
            destroy(error, callback) {
              destroyed = true
              callback(error)
            },
          })
        })
      }, entries)
      await new Promise<void>((resolve) => {
        const stream = session.request({ ':path': '/export' })
        stream.once('data', () => stream.close(constants.NGHTTP2_CANCEL))
        stream.on('error', () => {})
        stream.on('close', () => resolve())
        stream.end()
      })
      await vi.waitFor(() => expect(destroyed).toBe(true))
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(entries).toEqual([])
      expect((await get(session, '/nowhere')).status).toBe(404)
    })

    it('a stream that ends normally is not reset', async () => {
      const entries: LogEntry[] = []
      const session = await serveWithPlugin((app) => {
        app.get('/export', async (_request, reply) => {
          reply.type('text/csv')
          return Readable.from(['id,title\n', '1,Lease\n'])
        })
      }, entries)
      const answer = await get(session, '/export')
      expect([answer.status, answer.body, answer.cut]).toEqual([200, 'id,title\n1,Lease\n', false])
      expect(entries).toEqual([])
    })
  },
)
