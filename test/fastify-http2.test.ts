/**
 * Fastify with `http2: true`, spoken to by a node:http2 client: Node refuses to send the connection-specific
 * headers RFC 9113 §8.2.2 forbids, and a refusal inside the error answer must neither crash the process nor
 * leave the stream unanswered.
 */

import { type ClientHttp2Session, connect } from 'node:http2'
import type { AddressInfo } from 'node:net'
import { Codes, SignError } from 'esign-errors'
import { errorHandler, notFound } from 'esign-errors/fastify'
import Fastify from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { http2Get as get } from './helpers/raw-clients.js'

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
