/**
 * Errors raised by a streamed `ctx.body`, which no middleware sees: Koa hands them to `ctx.onerror`, and
 * handleStreamErrors() puts the standard answer there. Real Koa 2 and 3 apps over real sockets.
 */
import { once } from 'node:events'
import type { Server } from 'node:http'
import { Readable } from 'node:stream'
import { Codes, type ErrorHandlerOptions, type LogEntry, SignError } from 'esign-errors'
import { errorHandler, handleStreamErrors } from 'esign-errors/koa'
import Koa, { type Context } from 'koa'
import Koa2 from 'koa2'
import request from 'supertest'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { fetchRaw } from '../helpers/raw-clients.js'

const servers: Server[] = []

afterEach(async () => {
  const open = servers.splice(0)
  await Promise.all(
    open.map((server) => {
      server.closeAllConnections()
      return new Promise((resolve) => server.close(resolve))
    }),
  )
})

/** A stream that fails when it is first read, before it has produced a byte. */
function failingAtOnce(err: Error): Readable {
  return new Readable({
    read() {
      this.destroy(err)
    },
  })
}

/** A stream that sends `partial`, then fails once that has had time to reach the client. */
function failingMidway(err: Error): Readable {
  let sent = false
  return new Readable({
    read() {
      if (sent) return
      sent = true
      this.push('partial')
      setTimeout(() => this.destroy(err), 50)
    },
  })
}

const PROCESSING_FAILED =
  '{"code":4,"name":"ProcessingFailed","message":"Processing failed","status":500,"retryable":true}'

describe.each([
  ['Koa 3', Koa],
  ['Koa 2', Koa2],
])('%s', (_version, App) => {
  /** An app with handleStreamErrors() and errorHandler() as the README shows, every 'error' event recorded. */
  async function serve(body: (ctx: Context) => unknown, options?: ErrorHandlerOptions<Context>) {
    const app = new App()
    const emitted: unknown[] = []
    app.on('error', (err: unknown) => emitted.push(err))
    handleStreamErrors(app, options)
    app.use(errorHandler(options))
    app.use((ctx) => {
      ctx.body = body(ctx)
    })
    const server = app.listen(0, '127.0.0.1')
    servers.push(server)
    await once(server, 'listening')
    return { server, emitted }
  }

  it('a stream that fails before its first byte gets the standard answer, logged and emitted once', async () => {
    const log = vi.fn<(entry: LogEntry) => void>()
    const failure = new Error('disk read failed at /srv/secret/contract.pdf')
    const { server, emitted } = await serve(() => failingAtOnce(failure), { log })
    const res = await request(server).get('/contract.pdf')
    expect(res.status).toBe(500)
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(res.headers['cache-control']).toBe('no-store')
    expect(res.headers['content-length']).toBe(String(PROCESSING_FAILED.length))
    expect(res.text).toBe(PROCESSING_FAILED)
    expect(log).toHaveBeenCalledTimes(1)
    expect(log.mock.calls[0]?.[0]).toMatchObject({ status: 500, code: 4, err: failure })
    expect(emitted).toEqual([failure])
  })

  it('a SignError raised by the stream is answered with its own status and code', async () => {
    const { server, emitted } = await serve(() => failingAtOnce(new SignError(Codes.DocumentNotFound)))
    const res = await request(server).get('/documents/D-404/file')
    expect(res.status).toBe(404)
    expect(res.text).toBe(
      '{"code":41,"name":"DocumentNotFound","message":"Document does not exist","status":404,"retryable":false}',
    )
    expect(emitted).toHaveLength(0)
  })

  it('a stream that fails midway ends the response, cut, and the log hook hears of it once', async () => {
    const log = vi.fn<(entry: LogEntry) => void>()
    const failure = new Error('upstream closed')
    const { server, emitted } = await serve(() => failingMidway(failure), { log })
    const res = await fetchRaw(server)
    expect(res).toMatchObject({ status: 200, text: 'partial', complete: false, timedOut: false })
    await vi.waitFor(() => expect(log).toHaveBeenCalledTimes(1))
    expect(log.mock.calls[0]?.[0]).toMatchObject({ level: 'error', status: 500, code: 4, err: failure })
    expect(emitted).toEqual([failure])
  })

  it('a stream that succeeds is sent whole, with the length the route gave it', async () => {
    const { server, emitted } = await serve((ctx) => {
      ctx.set('Content-Length', '11')
      ctx.type = 'text/plain'
      return Readable.from(['hello', ' ', 'world'])
    })
    const res = await request(server).get('/')
    expect(res.status).toBe(200)
    expect(res.headers['content-length']).toBe('11')
    expect(res.text).toBe('hello world')
    const head = await request(server).head('/')
    expect(head.status).toBe(200)
    expect(emitted).toHaveLength(0)
  })

  it('without errorHandler(), errors of any middleware are answered through ctx.onerror', async () => {
    const app = new App()
    const emitted: unknown[] = []
    app.on('error', (err: unknown) => emitted.push(err))
    handleStreamErrors(app)
    app.use((ctx) => {
      if (ctx.path === '/busy') {
        ctx.status = 503
        throw new Error('queue full')
      }
      throw new SignError(Codes.WrongPassword)
    })
    const server = app.listen(0, '127.0.0.1')
    servers.push(server)
    await once(server, 'listening')
    const denied = await request(server).post('/login')
    expect(denied.status).toBe(401)
    expect(denied.headers['www-authenticate']).toBe('Bearer')
    expect(denied.text).toBe(
      '{"code":22,"name":"WrongPassword","message":"Wrong password","status":401,"retryable":false}',
    )
    const busy = await request(server).get('/busy')
    expect(busy.status).toBe(503)
    expect(busy.body.code).toBe(89)
    expect(emitted).toHaveLength(1)
  })

  // Without handleStreamErrors() the stream's error is Koa's to answer (Koa 2) or cut (Koa 3); its
  // ctx.onerror reads `expose`, which a SignError never sets at status >= 500.
  it('without handleStreamErrors(), an exposed 5xx SignError does not leak through Koa', async () => {
    const app = new App()
    app.silent = true
    app.use(errorHandler({ log: false }))
    app.use((ctx) => {
      ctx.body = failingAtOnce(new SignError(4, { expose: true, message: 'secret' }))
    })
    const server = app.listen(0, '127.0.0.1')
    servers.push(server)
    await once(server, 'listening')
    const res = await fetchRaw(server)
    expect(res.timedOut).toBe(false)
    expect(res.text).not.toContain('secret')
  })
})
