/**
 * Errors raised once the answer has started, on Koa 2 and 3 with `errorHandler()` (and `handleStreamErrors()`):
 * the 'error' event carries `err.headerSent = true`, as Koa's own `ctx.onerror` sets it; and an error a body
 * stream raises after it ended, when the client got the whole answer, is logged with the status the client
 * got, not as a 500. Real apps over real sockets.
 */
import { once } from 'node:events'
import { request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { setTimeout as delay } from 'node:timers/promises'
import type { ErrorHandlerOptions, LogEntry } from 'esign-errors'
import { errorHandler, handleStreamErrors } from 'esign-errors/koa'
import Koa, { type Context } from 'koa'
import Koa2 from 'koa2'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { fetchRaw } from '../helpers/raw-clients.js'

const servers: Server[] = []

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((server) => {
      server.closeAllConnections()
      return new Promise((resolve) => server.close(resolve))
    }),
  )
})

type Setup = (app: Koa) => void

describe.each([
  ['Koa 3', Koa],
  ['Koa 2', Koa2],
])('%s', (_version, App) => {
  /** An app whose 'error' events are recorded, set up by `setup`, listening on 127.0.0.1. */
  async function serve(setup: Setup) {
    const app = new App()
    const emitted: unknown[] = []
    app.on('error', (err: unknown) => emitted.push(err))
    setup(app)
    const server = app.listen(0, '127.0.0.1')
    servers.push(server)
    await once(server, 'listening')
    return { server, emitted }
  }

  const withHandler =
    (route: (ctx: Context) => unknown, options?: ErrorHandlerOptions<Context>): Setup =>
    (app) => {
      app.use(errorHandler(options))
      app.use(async (ctx) => {
        await route(ctx)
      })
    }

  // Koa's own test (test/context/onerror.js, "should ignore error after headerSent"), with errorHandler().
  const flushedThenRejected = async (ctx: Context) => {
    ctx.status = 200
    ctx.set('X-Foo', 'Bar')
    ctx.flushHeaders()
    await Promise.reject(new Error('mock error'))
    ctx.body = 'response'
  }

  it('Koa alone: an error after the headers went out is emitted with headerSent true', async () => {
    const { server, emitted } = await serve((app) => {
      app.silent = true
      app.use(flushedThenRejected)
    })
    // Koa leaves the answer open; what came is all that matters here.
    const res = await fetchRaw(server, '/', 'GET', 300)
    expect([res.status, res.headers['x-foo']]).toEqual([200, 'Bar'])
    await vi.waitFor(() => expect(emitted).toHaveLength(1))
    expect((emitted[0] as Error).message).toBe('mock error')
    expect((emitted[0] as { headerSent?: unknown }).headerSent).toBe(true)
  })

  it('with errorHandler(): the same error is emitted with headerSent true', async () => {
    const { server, emitted } = await serve(withHandler(flushedThenRejected))
    const res = await fetchRaw(server)
    expect([res.status, res.headers['x-foo'], res.complete]).toEqual([200, 'Bar', false])
    await vi.waitFor(() => expect(emitted).toHaveLength(1))
    expect((emitted[0] as Error).message).toBe('mock error')
    expect((emitted[0] as { headerSent?: unknown }).headerSent).toBe(true)
  })

  it('written, then thrown: emitted with headerSent true, a thrown non-Error too', async () => {
    const { server, emitted } = await serve(
      withHandler((ctx) => {
        ctx.res.writeHead(200, { 'content-type': 'text/plain' })
        ctx.res.write('partial')
        if (ctx.path === '/string') throw 'failed mid-stream'
        throw new Error('failed mid-stream')
      }),
    )
    expect(await fetchRaw(server)).toMatchObject({ status: 200, text: 'partial', complete: false })
    expect(await fetchRaw(server, '/string')).toMatchObject({ status: 200, text: 'partial', complete: false })
    await vi.waitFor(() => expect(emitted).toHaveLength(2))
    expect(
      emitted.map((err) => [(err as Error).message, (err as { headerSent?: unknown }).headerSent]),
    ).toEqual([
      ['failed mid-stream', true],
      ['non-error thrown: "failed mid-stream"', true],
    ])
  })

  it('the client gone before the route threw: emitted with headerSent true', async () => {
    let resolveGone = () => {}
    const gone = new Promise<void>((resolve) => {
      resolveGone = resolve
    })
    const { server, emitted } = await serve(
      withHandler(async (ctx) => {
        await once(ctx.res, 'close')
        resolveGone()
        throw new Error('nobody to answer')
      }),
    )
    const { port } = server.address() as AddressInfo
    const req = httpRequest({ host: '127.0.0.1', port, path: '/' })
    req.on('error', () => {})
    req.end()
    await delay(50)
    req.destroy()
    await gone
    await vi.waitFor(() => expect(emitted).toHaveLength(1))
    expect((emitted[0] as Error).message).toBe('nobody to answer')
    expect((emitted[0] as { headerSent?: unknown }).headerSent).toBe(true)
  })

  it('handleStreamErrors(): a stream failing midway is emitted with headerSent true', async () => {
    let sent = false
    const { server, emitted } = await serve((app) => {
      handleStreamErrors(app)
      app.use(errorHandler())
      app.use((ctx) => {
        ctx.body = new Readable({
          read() {
            if (sent) return
            sent = true
            this.push('partial')
            setTimeout(() => this.destroy(new Error('read failed')), 50)
          },
        })
      })
    })
    expect(await fetchRaw(server)).toMatchObject({ status: 200, text: 'partial', complete: false })
    await vi.waitFor(() => expect(emitted).toHaveLength(1))
    expect((emitted[0] as Error).message).toBe('read failed')
    expect((emitted[0] as { headerSent?: unknown }).headerSent).toBe(true)
  })

  it('an error answered before any byte went out is emitted without headerSent, as Koa does', async () => {
    const { server, emitted } = await serve(
      withHandler(() => {
        throw new Error('db down')
      }),
    )
    expect((await fetchRaw(server)).status).toBe(500)
    await vi.waitFor(() => expect(emitted).toHaveLength(1))
    expect(Object.hasOwn(emitted[0] as object, 'headerSent')).toBe(false)
  })

  it("handleStreamErrors(): a stream's error after it ended is logged with the 200 the client got", async () => {
    const log = vi.fn<(entry: LogEntry) => void>()
    const { server, emitted } = await serve((app) => {
      handleStreamErrors(app, { log })
      app.use(errorHandler({ log }))
      app.use((ctx) => {
        ctx.type = 'text/plain'
        // Sends its whole body, ends, then fails to close (a file descriptor that cannot be closed).
        ctx.body = new Readable({
          read() {
            this.push('whole answer')
            this.push(null)
          },
          destroy(_error, callback) {
            setTimeout(() => callback(new Error('close failed')), 20)
          },
        })
      })
    })
    const res = await fetchRaw(server)
    expect(res).toMatchObject({ status: 200, text: 'whole answer', complete: true })
    await delay(100)
    expect(log.mock.calls.map(([entry]) => [entry.level, entry.status, entry.code])).toEqual([
      ['warn', 200, 4],
    ])
    // Still emitted, as Koa's own ctx.onerror would, marked headerSent.
    expect(
      emitted.map((err) => [(err as Error).message, (err as { headerSent?: unknown }).headerSent]),
    ).toEqual([['close failed', true]])
  })
})
