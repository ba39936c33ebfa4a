/**
 * Koa's `notFound()` mounted right after `errorHandler()` answers the 404 through that handler itself, with
 * no error rejected between them; mounted anywhere else, it rejects a fresh error as before. Both must
 * answer exactly alike, and an app's middleware that does see the error must get one of its own each time.
 * Real Koa 2 and 3 apps over sockets.
 */
import { once } from 'node:events'
import type { Server } from 'node:http'
import Router from '@koa/router'
import type { ErrorHandlerOptions, LogEntry } from 'esign-errors'
import { errorHandler, handleStreamErrors, notFound } from 'esign-errors/koa'
import Koa, { type Context, type Middleware } from 'koa'
import Koa2 from 'koa2'
import request from 'supertest'
import { afterEach, describe, expect, it } from 'vitest'

const NOT_FOUND =
  '{"code":7,"name":"InvalidRequestType","message":"Not Found","status":404,"retryable":false}'
const HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'content-length': String(NOT_FOUND.length),
}

const servers: Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))))
})

describe.each([
  ['Koa 3', Koa],
  ['Koa 2', Koa2],
])('%s notFound()', (_version, App) => {
  async function serve(mount: (app: Koa) => void): Promise<{ app: Koa; server: Server }> {
    const app = new App()
    mount(app)
    const server = app.listen(0, '127.0.0.1')
    servers.push(server)
    await once(server, 'listening')
    return { app, server }
  }

  function routes(): Middleware {
    const router = new Router()
    router.get('/documents/:id', (ctx) => {
      ctx.body = { id: ctx.params.id }
    })
    return router.routes() as unknown as Middleware
  }

  async function answerOf(server: Server, path: string) {
    const res = await request(server).get(path)
    const headers = Object.fromEntries(Object.keys(HEADERS).map((name) => [name, res.headers[name]]))
    return { status: res.status, headers, body: res.text }
  }

  const expected = { status: 404, headers: HEADERS, body: NOT_FOUND }

  it.each([
    [
      'right after errorHandler()',
      (app: Koa, options: ErrorHandlerOptions<Context>) => {
        app.use(errorHandler(options))
        app.use(notFound())
        app.use(routes())
      },
    ],
    [
      'after the routes',
      (app: Koa, options: ErrorHandlerOptions<Context>) => {
        app.use(errorHandler(options))
        app.use(routes())
        app.use(notFound())
      },
    ],
    [
      'after middleware of the app',
      (app: Koa, options: ErrorHandlerOptions<Context>) => {
        app.use(errorHandler(options))
        app.use(async (_ctx, next) => {
          await next()
        })
        app.use(notFound())
        app.use(routes())
      },
    ],
    [
      'with handleStreamErrors()',
      (app: Koa, options: ErrorHandlerOptions<Context>) => {
        handleStreamErrors(app, options)
        app.use(errorHandler(options))
        app.use(notFound())
        app.use(routes())
      },
    ],
  ])('%s: answers and logs the 404 alike', async (_where, mount) => {
    const entries: [string | undefined, string | undefined, number, string][] = []
    const log = (entry: LogEntry<Context>) => {
      const err = entry.err as { type?: string; message?: string }
      entries.push([entry.method, entry.path, entry.status, `${err.type}: ${err.message}`])
    }
    const { server } = await serve((app) => mount(app, { log }))
    expect(await answerOf(server, '/nowhere?token=secret')).toEqual(expected)
    expect(await answerOf(server, '/elsewhere')).toEqual(expected)
    expect((await request(server).get('/documents/D-1')).body).toEqual({ id: 'D-1' })
    expect(entries).toEqual([
      ['GET', '/nowhere', 404, 'SignError: Not Found'],
      ['GET', '/elsewhere', 404, 'SignError: Not Found'],
    ])
  })

  it('gives middleware of the app between them an error of its own on each request', async () => {
    const seen: unknown[] = []
    const { server } = await serve((app) => {
      app.use(errorHandler({ log: false }))
      app.use(async (ctx, next) => {
        try {
          await next()
        } catch (err) {
          // What an app's middleware may do: read the error, and mark it for the handler above it.
          seen.push([(err as { status?: unknown }).status, (err as { marked?: unknown }).marked])
          ;(err as { marked?: unknown }).marked = ctx.path
          throw err
        }
      })
      app.use(notFound())
      app.use(routes())
    })
    expect(await answerOf(server, '/nowhere')).toEqual(expected)
    expect(await answerOf(server, '/elsewhere')).toEqual(expected)
    expect(seen).toEqual([
      [404, undefined],
      [404, undefined],
    ])
  })

  it('gives the log a 404 of its own each time when statusOverrides answer it with 5xx', async () => {
    const errors: unknown[] = []
    const { server } = await serve((app) => {
      app.use(errorHandler({ statusOverrides: { 7: 503 }, log: (entry) => errors.push(entry.err) }))
      app.use(notFound())
      app.use(routes())
    })
    for (const path of ['/nowhere', '/elsewhere']) expect((await request(server).get(path)).status).toBe(503)
    expect(errors).toHaveLength(2)
    expect(errors[0]).not.toBe(errors[1])
    expect(Object.isFrozen(errors[0])).toBe(false)
  })
})

describe('Koa 3 notFound() under a composition that watches every middleware', () => {
  /** Koa 3's `compose` option, wrapping each middleware to record the rejections it returns. */
  function watching(rejected: string[]) {
    return (middleware: Middleware[]) => {
      const wrapped = middleware.map(
        (fn) =>
          (ctx: Context, next: () => Promise<unknown>): Promise<unknown> =>
            Promise.resolve(fn(ctx, next)).catch((err: unknown) => {
              rejected.push(fn.name)
              throw err
            }),
      )
      return (ctx: Context, next?: () => Promise<unknown>) => {
        const dispatch = (i: number): Promise<unknown> =>
          i === wrapped.length ? Promise.resolve(next?.()) : wrapped[i]!(ctx, () => dispatch(i + 1))
        return dispatch(0)
      }
    }
  }

  it.each([
    ['right after errorHandler(): nothing rejected', false, []],
    ['after middleware of the app: the 404 rejected', true, ['esignNotFound', 'between']],
  ] as const)('%s', async (_where, between, expected) => {
    const rejected: string[] = []
    const app = new Koa({ compose: watching(rejected) } as ConstructorParameters<typeof Koa>[0])
    app.use(errorHandler({ log: false }))
    if (between)
      app.use(async function between(_ctx, next) {
        await next()
      })
    app.use(notFound())
    const server = app.listen(0, '127.0.0.1')
    servers.push(server)
    await once(server, 'listening')
    const res = await request(server).get('/nowhere')
    expect([res.status, res.text]).toEqual([404, NOT_FOUND])
    expect(rejected).toEqual(expected)
  })
})
