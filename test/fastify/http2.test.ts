/**
 * Fastify with `http2: true`, spoken to by a node:http2 client: Node refuses to send the connection-specific
 * headers RFC 9113 §8.2.2 forbids, and a refusal inside the error answer must neither crash the process nor
 * leave the stream unanswered.
 */

import { type ClientHttp2Session, connect } from 'node:http2'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { Codes, type LogEntry, SignError } from 'esign-errors'
import { errorHandler, esignErrors, notFound } from 'esign-errors/fastify'
import Fastify from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { http2Get as get } from '../helpers/raw-clients.js'

const NOT_FOUND_41 =
  '{"code":41,"name":"DocumentNotFound","message":"Document does not exist","status":404,"retryable":false}'
const BUSY_89 = '{"code":89,"name":"SystemBusy","message":"The system is busy","status":503,"retryable":true}'

// RFC 9113 §8.2.2, in the spelling a user would write.
const CONNECTION_HEADERS = [
  'Connection',
  'Keep-Alive',
  'Proxy-Connection',
  'Transfer-Encoding',
  'Upgrade',
  'HTTP2-Settings',
] as const

const createApp = () => Fastify({ http2: true, genReqId: () => '' })
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
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  const session = connect(`http://127.0.0.1:${port}`)
  session.on('error', () => {})
  sessions.push(session)
  return session
}

describe('Fastify over HTTP/2: connection-specific headers', () => {
  it.each(CONNECTION_HEADERS)('an error carrying %s answers the standard body without it', async (name) => {
    const session = await serveHttp2((app) => {
      app.get('/busy', async () => {
        throw new SignError(Codes.SystemBusy, { headers: { [name]: 'close' } })
      })
      app.get('/http-errors', async () => {
        // An http-errors-like value: a boolean `expose` is what makes its headers count.
        throw Object.assign(new Error('busy'), { status: 503, expose: false, headers: { [name]: 'close' } })
      })
    })
    const busy = await get(session, '/busy')
    expect([busy.status, busy.body]).toEqual([503, BUSY_89])
    expect(busy.headers[name.toLowerCase()]).toBeUndefined()
    expect(busy.headers['content-type']).toBe('application/json; charset=utf-8')

    const foreign = await get(session, '/http-errors')
    expect([foreign.status, foreign.body]).toEqual([503, BUSY_89])
    expect(foreign.headers[name.toLowerCase()]).toBeUndefined()
  })

  it.each(CONNECTION_HEADERS)('%s set on the reply before the route threw is dropped', async (name) => {
    const session = await serveHttp2((app) => {
      app.get('/documents/:id', async (_req, reply) => {
        reply.header(name, 'close')
        throw new SignError(Codes.DocumentNotFound)
      })
      app.get('/raw/:id', async (_req, reply) => {
        // Set on Node's response itself, below Fastify's own header table.
        reply.raw.setHeader(name, 'close')
        throw new SignError(Codes.DocumentNotFound)
      })
    })
    for (const path of ['/documents/D-9', '/raw/D-9']) {
      const answer = await get(session, path)
      expect([answer.status, answer.body]).toEqual([404, NOT_FOUND_41])
      expect(answer.headers[name.toLowerCase()]).toBeUndefined()
    }
  })

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

describe('Fastify over HTTP/2: an answer that had started', () => {
  it('is reset with an error code, so the client cannot read a cut answer as complete', async () => {
    const session = await serveHttp2((app) => {
      app.get('/download', async (_request, reply) => {
        reply.raw.writeHead(200, { 'content-type': 'text/csv' })
        reply.raw.write('id,title\n')
        await new Promise((resolve) => setTimeout(resolve, 20))
        throw new Error('disk gone')
      })
    })
    const answer = await get(session, '/download')
    expect([answer.status, answer.body, answer.cut]).toEqual([200, 'id,title\n', true])
    expect(answer.error?.message).toMatch(/NGHTTP2_INTERNAL_ERROR/)
  })
})

describe('Fastify over HTTP/2 with the esignErrors() plugin: a body stream that fails midway', () => {
  /** An h2c app with the plugin, as the README sets it up, and a session to it. */
  async function serveWithPlugin(routes: (app: Http2App) => void, entries: LogEntry[]) {
    const app = createApp()
    apps.push(app)
    await app.register(esignErrors({ log: (entry) => entries.push(entry) }))
    routes(app)
    await app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = app.server.address() as AddressInfo
    const session = connect(`http://127.0.0.1:${port}`)
    session.on('error', () => {})
    sessions.push(session)
    return session
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
})
