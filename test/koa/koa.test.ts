/**
 * Koa's own ways: the app's 'error' event and Koa's printer, `ctx.respond = false`, `ctx.state` and `ctx.req`,
 * Koa's initial 404, @koa/router's allowedMethods() and where notFound() is mounted. What every framework
 * answers alike is in test/adapters.
 */
import { once } from 'node:events'
import { request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { runInNewContext } from 'node:vm'
import { bodyParser } from '@koa/bodyparser'
import Router from '@koa/router'
import { Codes, type ErrorHandlerOptions, type LogEntry, SignError } from 'esign-errors'
import { errorHandler, notFound } from 'esign-errors/koa'
import createHttpError from 'http-errors'
import Koa, { type Context } from 'koa'
import Koa2 from 'koa2'
import request from 'supertest'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createApp } from '../../examples/koa.js'
import { settle, sink } from '../helpers/log-lines.js'
import { fetchRaw } from '../helpers/raw-clients.js'

const JSON_TYPE = 'application/json; charset=utf-8'

const servers: Server[] = []

afterEach(async () => {
  const open = servers.splice(0)
  await Promise.all(
    open.map((server) => {
      // A response Koa left open must not keep the server from closing.
      server.closeAllConnections()
      return new Promise((resolve) => server.close(resolve))
    }),
  )
})

describe.each([
  ['Koa 3', Koa],
  ['Koa 2', Koa2],
])('%s', (_version, App) => {
  /** A real app on 127.0.0.1: errorHandler() first, then `mount`, and every 'error' event recorded. */
  async function serve(mount: (app: Koa) => void, options?: ErrorHandlerOptions<Context>) {
    const app = new App()
    const emitted: { err: unknown; ctx: unknown }[] = []
    app.on('error', (err: unknown, ctx: unknown) => emitted.push({ err, ctx }))
    app.use(errorHandler(options))
    mount(app)
    const server = app.listen(0, '127.0.0.1')
    servers.push(server)
    await once(server, 'listening')
    return { app, server, emitted }
  }

  /** Mounts one middleware that answers every request. */
  const route =
    (handler: (ctx: Context) => unknown) =>
    (app: Koa): void => {
      app.use(async (ctx) => {
        await handler(ctx)
      })
    }

  it("@koa/router's 405 from allowedMethods({ throw: true }) becomes code 7 and keeps Allow", async () => {
    const { server, emitted } = await serve((app) => {
      const router = new Router()
      router.get('/documents', (ctx) => {
        ctx.body = []
      })
      app.use(router.routes())
      // In throw mode the router sets no Allow of its own; the error it is given carries it.
      app.use(
        router.allowedMethods({
          throw: true,
          methodNotAllowed: () => createHttpError(405, { headers: { Allow: 'HEAD, GET' } }),
        }),
      )
    })
    const res = await request(server).delete('/documents')
    expect(res.status).toBe(405)
    expect(res.headers.allow).toBe('HEAD, GET')
    expect(res.body).toEqual({
      code: 7,
      name: 'InvalidRequestType',
      message: 'Method Not Allowed',
      status: 405,
      retryable: false,
    })
    expect(emitted).toHaveLength(0)
  })

  it("@koa/router's default 405 error becomes code 7", async () => {
    const { server } = await serve((app) => {
      const router = new Router()
      router.get('/documents', (ctx) => {
        ctx.body = []
      })
      app.use(router.routes())
      app.use(router.allowedMethods({ throw: true }))
    })
    const res = await request(server).post('/documents')
    expect(res.status).toBe(405)
    expect(res.body).toEqual({
      code: 7,
      name: 'InvalidRequestType',
      message: 'Method Not Allowed',
      status: 405,
      retryable: false,
    })
  })

  it('a method the router does not implement becomes 501, code 7, the catalog message, one emit', async () => {
    const { server, emitted } = await serve((app) => {
      const router = new Router()
      router.get('/x', (ctx) => {
        ctx.body = 'x'
      })
      app.use(router.routes())
      app.use(router.allowedMethods({ throw: true }))
    })
    const res = await request(server).search('/x')
    expect(res.status).toBe(501)
    expect(res.text).toBe(
      '{"code":7,"name":"InvalidRequestType","message":"Invalid request type","status":501,"retryable":false}',
    )
    expect(emitted).toHaveLength(1)
  })

  // allowedMethods() decides only after its next() settles, so notFound() must judge the outcome, not throw
  // on arrival: mounted right after errorHandler() it sees the 405 and leaves it alone.
  it('allowedMethods() still answers 405 and 404 with notFound() mounted before the routes', async () => {
    const { server } = await serve((app) => {
      const router = new Router()
      router.get('/documents', (ctx) => {
        ctx.body = []
      })
      app.use(notFound())
      app.use(router.routes())
      app.use(router.allowedMethods({ throw: true }))
    })
    const res = await request(server).post('/documents')
    expect(res.status).toBe(405)
    expect(res.body.message).toBe('Method Not Allowed')
    const missing = await request(server).get('/nowhere')
    expect(missing.status).toBe(404)
    expect(missing.text).toBe(
      '{"code":7,"name":"InvalidRequestType","message":"Not Found","status":404,"retryable":false}',
    )
    const listed = await request(server).get('/documents')
    expect(listed.status).toBe(200)
    expect(listed.body).toEqual([])
  })

  it('a 5xx is emitted as the thrown error itself, with its ctx', async () => {
    const thrown = new Error('db password=hunter2')
    const { server, emitted } = await serve(
      route(() => {
        throw thrown
      }),
    )
    const res = await request(server).get('/boom')
    expect(res.status).toBe(500)
    expect(emitted).toHaveLength(1)
    expect(emitted[0]!.err).toBe(thrown)
    expect((emitted[0]!.ctx as Context).path).toBe('/boom')
  })

  it("emits 'error' once per 5xx, never for 4xx, whoever raised the 4xx", async () => {
    const { server, emitted } = await serve((app) => {
      app.use(bodyParser())
      app.use((ctx) => {
        if (ctx.path === '/bad') throw new SignError(Codes.DocumentNotFound)
        if (ctx.path === '/missing') ctx.throw(404)
        if (ctx.path === '/invalid') {
          throw new SignError(Codes.ParameterError, {
            message: 'title is required',
            details: { field: 'title' },
          })
        }
        if (ctx.path === '/busy') ctx.throw(503)
        throw new SignError(Codes.SigningFailed, { cause: new Error('hsm offline') })
      })
    })
    expect((await request(server).get('/bad')).status).toBe(404)
    expect((await request(server).get('/missing')).status).toBe(404)
    expect((await request(server).post('/invalid')).status).toBe(400)
    // @koa/bodyparser's own 400, before any route.
    const malformed = await request(server)
      .post('/json')
      .set('content-type', 'application/json')
      .send('{"a":')
    expect(malformed.status).toBe(400)
    expect(emitted).toHaveLength(0)
    expect((await request(server).get('/busy')).status).toBe(503)
    expect(emitted).toHaveLength(1)
    expect((await request(server).get('/sign')).status).toBe(500)
    expect(emitted).toHaveLength(2)
    expect((emitted[1]!.err as SignError).code).toBe(Codes.SigningFailed)
  })

  it("emits nothing with log: false, and a log function adds to the 'error' event", async () => {
    const quiet = await serve(
      route(() => {
        throw new Error('quiet')
      }),
      { log: false },
    )
    expect((await request(quiet.server).get('/')).status).toBe(500)
    expect(quiet.emitted).toHaveLength(0)

    const entries: LogEntry[] = []
    const logged = await serve(
      route(() => {
        throw new Error('loud')
      }),
      { log: (entry) => entries.push(entry) },
    )
    expect((await request(logged.server).get('/')).status).toBe(500)
    expect(logged.emitted).toHaveLength(1)
    expect(entries).toHaveLength(1)
    expect(entries[0]!.status).toBe(500)
    expect(entries[0]!.code).toBe(4)
    expect(entries[0]!.level).toBe('error')
  })

  it("with a log of its own, a 5xx is not printed again by Koa's default listener", async () => {
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {})
    try {
      const boom = route(() => {
        throw new Error('loud')
      })
      // No app.on('error') here: Koa falls back to its own onerror, which prints to console.error.
      const bare = async (options?: ErrorHandlerOptions<Context>) => {
        const app = new App()
        app.use(errorHandler(options))
        boom(app as Koa)
        const server = app.listen(0, '127.0.0.1')
        servers.push(server)
        await once(server, 'listening')
        return server
      }

      const entries: LogEntry[] = []
      expect((await request(await bare({ log: (entry) => entries.push(entry) })).get('/')).status).toBe(500)
      expect(entries.map((entry) => [entry.status, entry.code])).toEqual([[500, 4]])
      expect(printed).not.toHaveBeenCalled()

      // Without a log option Koa's default listener is the logging, as before.
      expect((await request(await bare()).get('/')).status).toBe(500)
      expect(printed).toHaveBeenCalled()
      expect(String(printed.mock.calls.flat().join(' '))).toContain('loud')
    } finally {
      printed.mockRestore()
    }
  })

  it("with a log of its own, an app.onerror of the user's is still called, and nothing is printed", async () => {
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {})
    try {
      const app = new App()
      const reported: unknown[] = []
      // Koa registers this as the app's 'error' listener, in place of its own printer.
      app.onerror = (err: Error) => {
        reported.push(err)
      }
      app.use(errorHandler({ log: () => {} }))
      app.use(() => {
        throw new SignError(Codes.SigningFailed)
      })
      const server = app.listen(0, '127.0.0.1')
      servers.push(server)
      await once(server, 'listening')
      expect((await request(server).get('/')).status).toBe(500)
      expect(reported).toHaveLength(1)
      expect((reported[0] as SignError).code).toBe(Codes.SigningFailed)
      expect(printed).not.toHaveBeenCalled()
    } finally {
      printed.mockRestore()
    }
  })

  it('a thrown string or null becomes 500, code 4, and an Error is emitted', async () => {
    const { server, emitted } = await serve(
      route((ctx) => {
        if (ctx.path === '/string') throw 'disk full'
        throw null
      }),
    )
    for (const path of ['/string', '/null']) {
      const res = await request(server).get(path)
      expect(res.status).toBe(500)
      expect(res.body).toEqual({
        code: 4,
        name: 'ProcessingFailed',
        message: 'Processing failed',
        status: 500,
        retryable: true,
      })
    }
    expect(emitted).toHaveLength(2)
    expect(emitted[0]!.err).toBeInstanceOf(Error)
    expect((emitted[0]!.err as Error).cause).toBe('disk full')
    expect(emitted[1]!.err).toBeInstanceOf(Error)
    expect((emitted[1]!.err as Error).cause).toBe(null)
  })

  it('writes nothing once headers are sent: the client gets only what the route wrote', async () => {
    const { server, emitted } = await serve(
      route((ctx) => {
        ctx.res.writeHead(200, { 'content-type': 'text/plain' })
        ctx.res.write('partial')
        throw new Error('failed mid-stream')
      }),
    )
    const { port } = server.address() as AddressInfo
    const received = await new Promise<{ status: number | undefined; text: string }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/stream' }, (res) => {
        let text = ''
        let timer: NodeJS.Timeout | undefined
        const finish = () => {
          clearTimeout(timer)
          req.destroy()
          resolve({ status: res.statusCode, text })
        }
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          text += chunk
          // Whatever else the server would write arrives well within this window.
          clearTimeout(timer)
          timer = setTimeout(finish, 300)
        })
        res.on('end', finish)
        res.on('aborted', finish)
        res.on('error', finish)
      })
      req.on('error', reject)
      req.end()
    })
    expect(received).toEqual({ status: 200, text: 'partial' })
    // Koa's own onerror reports it; the handler does not report it a second time.
    expect(emitted).toHaveLength(1)
    expect((emitted[0]!.err as Error).message).toBe('failed mid-stream')
  })

  it('reads the request id with the requestId option from ctx.state', async () => {
    const { server } = await serve(
      (app) => {
        app.use(async (ctx, next) => {
          ctx.state.requestId = 'state-42'
          await next()
        })
        app.use((ctx) => ctx.throw(409))
      },
      { requestId: (ctx) => ctx.state.requestId },
    )
    const res = await request(server).get('/').set('x-request-id', 'from-header')
    expect(res.status).toBe(409)
    expect(res.headers['x-request-id']).toBe('state-42')
    expect(res.body).toEqual({
      code: 1,
      name: 'ParameterError',
      message: 'Conflict',
      status: 409,
      retryable: false,
      requestId: 'state-42',
    })
  })

  // koa-pino-logger and pino-http put their id on the Node request, which Koa exposes as ctx.req.
  it('reads the request id a logger middleware put on ctx.req.id, before the header', async () => {
    const { server } = await serve((app) => {
      app.use(async (ctx, next) => {
        ;(ctx.req as { id?: string }).id = 'pino-7'
        await next()
      })
      app.use((ctx) => ctx.throw(409))
    })
    const res = await request(server).get('/').set('x-request-id', 'from-header')
    expect(res.headers['x-request-id']).toBe('pino-7')
    expect(res.body.requestId).toBe('pino-7')
  })

  it('notFound() answers 404, code 7, for a path no route took', async () => {
    const { server, emitted } = await serve((app) => {
      const router = new Router()
      router.get('/documents/:id', (ctx) => {
        ctx.body = { id: ctx.params.id }
      })
      app.use(router.routes())
      app.use(notFound())
    })
    expect((await request(server).get('/documents/D-1')).body).toEqual({ id: 'D-1' })
    const res = await request(server).get('/nowhere')
    expect(res.status).toBe(404)
    expect(res.text).toBe(
      '{"code":7,"name":"InvalidRequestType","message":"Not Found","status":404,"retryable":false}',
    )
    expect(emitted).toHaveLength(0)
  })

  it('an error listener that throws does not break the response', async () => {
    const { app, server } = await serve(
      route(() => {
        throw new Error('db down')
      }),
    )
    app.on('error', () => {
      throw new Error('listener failed')
    })
    const first = await request(server).get('/')
    expect(first.status).toBe(500)
    expect(first.body.code).toBe(4)
    // The server is still up for the next request.
    expect((await request(server).get('/')).status).toBe(500)
  })

  // Issue 12, item 2: Koa writes nothing once a route has taken over with ctx.respond = false.
  it('a route that set ctx.respond = false and then threw is still answered, not left hanging', async () => {
    const { server } = await serve(
      route((ctx) => {
        ctx.respond = false
        throw new SignError(Codes.DocumentNotFound)
      }),
    )
    const res = await fetchRaw(server, '/documents/D-404')
    expect(res.timedOut).toBe(false)
    expect(res.status).toBe(404)
    expect(res.headers['content-type']).toBe(JSON_TYPE)
    expect(res.text).toBe(
      '{"code":41,"name":"DocumentNotFound","message":"Document does not exist","status":404,"retryable":false}',
    )
    expect(res.complete).toBe(true)

    const head = await fetchRaw(server, '/documents/D-404', 'HEAD')
    expect(head).toMatchObject({ timedOut: false, status: 404, text: '', complete: true })
  })

  it('with ctx.respond = false and headers already written, the throw cuts the answer instead of hanging', async () => {
    const { server } = await serve(
      route((ctx) => {
        ctx.respond = false
        ctx.res.writeHead(200, { 'content-type': 'text/plain' })
        ctx.res.write('partial')
        throw new Error('failed mid-way')
      }),
      { log: false },
    )
    const res = await fetchRaw(server)
    expect(res).toMatchObject({ timedOut: false, status: 200, text: 'partial', complete: false })
  })

  // Issue 12, item 5: an answer the route had finished is not destroyed by a later throw.
  it('a route that ended the response with ctx.res.end(body) and then threw: the client gets all of it', async () => {
    // Larger than a socket buffer, so a destroy right after end() would cut it.
    const body = 'x'.repeat(4 * 1024 * 1024)
    const log = vi.fn()
    const { server, emitted } = await serve(
      route((ctx) => {
        ctx.respond = false
        ctx.res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(body.length) })
        ctx.res.end(body)
        throw new Error('after the answer')
      }),
      { log },
    )
    const res = await fetchRaw(server, '/', 'GET', 5000)
    expect(res.timedOut).toBe(false)
    expect(res.status).toBe(200)
    expect(res.complete).toBe(true)
    expect(res.text.length).toBe(body.length)
    expect(log).toHaveBeenCalledTimes(1)
    // Logged as the client got it: a whole 200.
    expect(log.mock.calls[0]?.[0]).toMatchObject({ level: 'warn', status: 200, code: 4 })
    expect(emitted).toHaveLength(1)
  })

  it("Koa's implicit 404 is no status the route set: a plain Error is still 500", async () => {
    const { server } = await serve(
      route(() => {
        throw 'no status at all'
      }),
      { log: false },
    )
    const res = await request(server).get('/')
    expect(res.status).toBe(500)
    expect(res.body.code).toBe(4)
  })

  // Issue 12, item 9: Koa's default printer skips errors whose `expose` is true (and any of status 404).
  it.each([
    ['an exposed SignError answered 500', () => new SignError(4, { expose: true, message: 'secret' }), {}],
    ['a 401 lifted to 502 by statusOverrides', () => new SignError(Codes.WrongPassword), { 22: 502 }],
    ['a 404 lifted to 500 by statusOverrides', () => new SignError(Codes.DocumentNotFound), { 41: 500 }],
    ['an exposed http-errors 500', () => createHttpError(500, 'shown', { expose: true }), {}],
  ])("Koa's default printer prints %s, once", async (_name, thrown, statusOverrides) => {
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {})
    try {
      const app = new App()
      app.use(errorHandler({ statusOverrides }))
      app.use(() => {
        throw thrown()
      })
      const server = app.listen(0, '127.0.0.1')
      servers.push(server)
      await once(server, 'listening')
      const res = await request(server).get('/')
      expect(res.status).toBeGreaterThanOrEqual(500)
      expect(res.text).not.toContain('secret')
      expect(printed).toHaveBeenCalledTimes(1)
    } finally {
      printed.mockRestore()
    }
  })

  it.each([
    ['log: false: nothing is printed', { log: false }, 0, 0],
    ['a log of its own: only that log hears of it', { log: 'own' }, 0, 1],
    ['the default: Koa prints it once', {}, 1, 0],
  ] as const)('an error after the headers went out, %s', async (_name, given, prints, logs) => {
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {})
    const entries: LogEntry[] = []
    try {
      const app = new App()
      app.use(errorHandler('log' in given && given.log === 'own' ? { log: (e) => entries.push(e) } : given))
      app.use(async (ctx) => {
        ctx.respond = false
        ctx.res.writeHead(200, { 'content-type': 'text/plain' })
        ctx.res.write('partial')
        await new Promise((resolve) => setTimeout(resolve, 10))
        throw new Error('disk gone')
      })
      const server = app.listen(0, '127.0.0.1')
      servers.push(server)
      await once(server, 'listening')
      const received = await fetchRaw(server)
      expect([received.text, received.complete, received.timedOut]).toEqual(['partial', false, false])
      await new Promise((resolve) => setTimeout(resolve, 20))
      expect(printed).toHaveBeenCalledTimes(prints)
      expect(entries).toHaveLength(logs)
    } finally {
      printed.mockRestore()
    }
  })

  it('what is emitted for a 4xx lifted to 5xx keeps the thrown error as its cause and its stack', async () => {
    const thrown = new SignError(Codes.WrongPassword)
    const { server, emitted } = await serve(
      route(() => {
        throw thrown
      }),
      { statusOverrides: { 22: 502 } },
    )
    expect((await request(server).get('/')).status).toBe(502)
    expect(emitted).toHaveLength(1)
    const err = emitted[0]!.err as Error & { expose?: unknown; status?: unknown }
    expect(err).toBeInstanceOf(Error)
    expect(err.expose).toBe(false)
    expect(err.status).toBe(502)
    expect(err.cause).toBe(thrown)
    expect(err.stack).toBe(thrown.stack)
  })

  // Issue 12, item 10: Koa's own check (`Object.prototype.toString`), not `instanceof`.
  it('an Error from another realm is emitted as itself', async () => {
    const foreign = runInNewContext('new Error("from a vm context")') as Error
    expect(foreign instanceof Error).toBe(false)
    const { server, emitted } = await serve(
      route(() => {
        throw foreign
      }),
    )
    expect((await request(server).get('/')).status).toBe(500)
    expect(emitted).toHaveLength(1)
    expect(emitted[0]!.err).toBe(foreign)
  })

  it('a thrown non-Error is emitted as an Error that names the value, whatever the value', async () => {
    const cyclic: Record<string, unknown> = { key: 'value' }
    cyclic.self = cyclic
    const values: Record<string, unknown> = {
      '/object': { key: 'value' },
      '/cyclic': cyclic,
      '/bigint': { amount: 10n },
      '/string': 'disk full',
      '/throwing': {
        toJSON() {
          throw new Error('unreadable')
        },
      },
    }
    const { server, emitted } = await serve(
      route((ctx) => {
        throw values[ctx.path]
      }),
    )
    for (const path of Object.keys(values)) expect((await request(server).get(path)).status).toBe(500)
    const messages = emitted.map((entry) => (entry.err as Error).message)
    expect(messages[0]).toBe('non-error thrown: {"key":"value"}')
    expect(messages[1]).toMatch(/^non-error thrown: .*Circular/)
    expect(messages[2]).toMatch(/^non-error thrown: .*amount.*10n/)
    expect(messages[3]).toBe('non-error thrown: "disk full"')
    expect(messages[4]).toMatch(/^non-error thrown: /)
    expect(emitted.map((entry) => (entry.err as Error).cause)).toEqual(Object.values(values))
    for (const entry of emitted) expect(entry.err).toBeInstanceOf(Error)
  })
})

describe('examples/koa.ts', () => {
  async function serveExample(destination = sink().stream): Promise<Server> {
    const app = createApp(destination)
    const server = app.listen(0, '127.0.0.1')
    servers.push(server)
    await once(server, 'listening')
    return server
  }

  it('answers the demo routes with the envelopes the README shows', async () => {
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {})
    const { lines, stream } = sink()
    const server = await serveExample(stream)
    const denied = await request(server).post('/login').send({ password: 'nope' })
    expect(denied.status).toBe(401)
    // koa-pino-logger numbers the requests; the body carries that id, as the log lines do.
    expect(denied.text).toBe(
      '{"code":22,"name":"WrongPassword","message":"Wrong password","status":401,"retryable":false,"requestId":"1"}',
    )
    const login = await request(server).post('/login').send({ password: 'secret' })
    expect(login.status).toBe(200)
    expect(login.body).toEqual({ code: 0, message: 'Success', data: { token: 'demo-token' } })

    const known = await request(server).get('/documents/D-1')
    expect(known.body).toEqual({
      code: 0,
      message: 'Success',
      data: { id: 'D-1', title: 'Lease agreement', status: 'signed' },
    })
    expect((await request(server).get('/documents/D-404')).body).toMatchObject({
      code: 41,
      name: 'DocumentNotFound',
      message: 'Document does not exist',
      status: 404,
      retryable: false,
    })

    const untitled = await request(server).post('/documents').send({})
    expect(untitled.status).toBe(400)
    expect(untitled.body).toEqual({
      code: 1,
      name: 'ParameterError',
      message: 'title is required',
      status: 400,
      retryable: false,
      requestId: '5',
      details: { field: 'title' },
    })

    const upload = await request(server)
      .post('/upload')
      .set('content-type', 'application/x-www-form-urlencoded')
      .send('x'.repeat(2048))
    expect(upload.status).toBe(413)
    expect(upload.body.code).toBe(93)

    const boom = await request(server).get('/boom')
    expect(boom.status).toBe(500)
    expect(boom.text).not.toContain('hunter2')

    const file = await request(server).get('/documents/D-1/file')
    expect(file.status).toBe(500)
    expect(file.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(file.text).toBe(
      '{"code":4,"name":"ProcessingFailed","message":"Processing failed","status":500,"retryable":true,"requestId":"8"}',
    )
    await settle()
    // Each 5xx is one line, the logger's own, which describes our error; Koa's printer stays quiet.
    const failed = lines.filter((line) => line.level === 50)
    expect(failed.map((line) => [(line.req as { url: string }).url, line.msg, line.err?.code])).toEqual([
      ['/boom', 'request errored', 4],
      ['/documents/D-1/file', 'request errored', 4],
    ])
    expect(printed).not.toHaveBeenCalled()
    printed.mockRestore()
  })
})
