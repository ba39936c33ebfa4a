/**
 * Express's `notFound()` hands its 404 or 405 straight to the `errorHandler()` that comes next in the app's
 * stack, skipping the router's walk to it. That is only a saving: every case where the walk would decide
 * otherwise (an error handler of the app's own in between, either mounted under a path, a router being
 * traced, an error handler added later) must answer exactly as `next(error)` does. Real apps over sockets.
 */
import { tracingChannel } from 'node:diagnostics_channel'
import { errorHandler, notFound } from 'esign-errors/express'
import express, { type ErrorRequestHandler, type Express } from 'express'
import express4 from 'express4'
import request from 'supertest'
import { afterEach, describe, expect, it } from 'vitest'

const NOT_FOUND =
  '{"code":7,"name":"InvalidRequestType","message":"Not Found","status":404,"retryable":false}'
const METHOD_NOT_ALLOWED =
  '{"code":7,"name":"InvalidRequestType","message":"Method Not Allowed","status":405,"retryable":false}'

interface Counted {
  match: (path: string) => unknown
  handle: unknown
}

function stackOf(app: Express): Counted[] {
  // Express 4 keeps its router in `_router` and throws on reading `router`; Express 5 keeps it in `router`.
  const holder = app as unknown as { _router?: { stack: Counted[] }; router: { stack: Counted[] } }
  return (holder._router ?? holder.router).stack
}

/** Counts the router's matcher calls on the layer whose handler is `handle`. */
function countMatches(app: Express, handle: unknown): { readonly calls: number } {
  const counter = { calls: 0 }
  const layer = stackOf(app).find((candidate) => candidate.handle === handle)
  if (layer === undefined) throw new Error('no such layer')
  const original = layer.match
  layer.match = function counted(this: unknown, path: string) {
    counter.calls++
    return original.call(this, path)
  }
  return counter
}

describe.each([
  ['Express 5', express],
  ['Express 4', express4 as unknown as typeof express],
] as const)('%s notFound() and the errorHandler() after it', (_version, factory) => {
  function app(): Express {
    const instance = factory()
    instance.get('/documents/:id', (_req, res) => {
      res.json({ code: 0 })
    })
    return instance
  }

  it('answers the 404 and the 405 without the router walking to errorHandler()', async () => {
    const instance = app()
    instance.use(notFound())
    const handler = errorHandler({ log: false })
    instance.use(handler)
    const walked = countMatches(instance, handler)
    for (let round = 0; round < 2; round++) {
      const missing = await request(instance).get('/nowhere')
      expect([missing.status, missing.text]).toEqual([404, NOT_FOUND])
      const wrong = await request(instance).post('/documents/D-1')
      expect([wrong.status, wrong.headers.allow, wrong.text]).toEqual([405, 'GET, HEAD', METHOD_NOT_ALLOWED])
    }
    // notFound() tries every layer once for each new path, the router none.
    expect(walked.calls).toBe(2)
  })

  it('skips, as the router does, the routes and the plain middleware between them', async () => {
    const instance = app()
    instance.use(notFound())
    let plain = 0
    instance.use((_req, _res, next) => {
      plain++
      next()
    })
    instance.get('/nowhere', (_req, res) => {
      res.json({ code: 0 })
    })
    instance.use(errorHandler({ log: false }))
    const answer = await request(instance).get('/nowhere/else')
    expect([answer.status, answer.text, plain]).toEqual([404, NOT_FOUND, 0])
  })

  it('lets an error handler of the app between them see the error first', async () => {
    const instance = app()
    instance.use(notFound())
    const seen: unknown[] = []
    const audit: ErrorRequestHandler = (err, req, _res, next) => {
      // What an app's handler may do: read the error, and mark it for the handlers after it.
      seen.push([(err as { status?: unknown }).status, (err as { marked?: unknown }).marked])
      ;(err as { marked?: unknown }).marked = req.path
      next(err)
    }
    instance.use(audit)
    instance.use(errorHandler({ log: false }))
    for (const path of ['/nowhere', '/elsewhere']) {
      const answer = await request(instance).get(path)
      expect([answer.status, answer.text]).toEqual([404, NOT_FOUND])
    }
    // Each request its own error: nothing one marked reaches the next.
    expect(seen).toEqual([
      [404, undefined],
      [404, undefined],
    ])
  })

  it('leaves an errorHandler() mounted under a path to the router, which passes it only that path', async () => {
    const instance = app()
    instance.use(notFound())
    const paths: string[] = []
    instance.use(
      '/api',
      errorHandler({
        log: (entry) => {
          paths.push(String(entry.path))
        },
        clientErrors: 'warn',
      }),
    )
    const outside = await request(instance).get('/nowhere')
    // Express's final handler: the error's own status, its HTML page.
    expect(outside.status).toBe(404)
    expect(outside.headers['content-type']).toMatch(/^text\/html/)
    const inside = await request(instance).get('/api/nowhere')
    expect([inside.status, inside.text]).toEqual([404, NOT_FOUND])
    expect(paths).toEqual(['/api/nowhere'])
  })

  it('takes an errorHandler() added after the first 404 from the next one on', async () => {
    const instance = app()
    instance.use(notFound())
    const before = await request(instance).get('/nowhere')
    expect(before.headers['content-type']).toMatch(/^text\/html/)
    const handler = errorHandler({ log: false })
    instance.use(handler)
    const walked = countMatches(instance, handler)
    for (let round = 0; round < 2; round++) {
      const after = await request(instance).get('/nowhere')
      expect([after.status, after.text]).toEqual([404, NOT_FOUND])
    }
    // notFound() looks at the changed routes once; the router never walks to the new handler.
    expect(walked.calls).toBe(1)
  })

  it('answers from a router mounted under a path, through the router’s walk', async () => {
    const instance = app()
    const router = factory.Router()
    router.get('/items', (_req, res) => {
      res.json({ code: 0 })
    })
    router.use(notFound())
    instance.use('/api', router)
    instance.use(errorHandler({ log: false }))
    const missing = await request(instance).get('/api/nowhere')
    expect([missing.status, missing.text]).toEqual([404, NOT_FOUND])
  })

  it('passes on, as the router does, what errorHandler() throws while answering: to the next handler, not to itself', async () => {
    // A response whose head cannot be written (a listener on the head that throws, once), answered in both
    // layouts: through the router's walk (an error handler of the app's between) and handed off directly.
    const answers = []
    for (const between of [true, false]) {
      const instance = app()
      instance.use((_req, res, next) => {
        const writeHead = res.writeHead
        let thrown = false
        res.writeHead = function once(this: typeof res, ...args: Parameters<typeof res.writeHead>) {
          if (!thrown) {
            thrown = true
            throw new Error('head listener failed')
          }
          return writeHead.apply(this, args)
        } as typeof res.writeHead
        next()
      })
      instance.use(notFound())
      if (between) instance.use(((err, _req, _res, next) => next(err)) as ErrorRequestHandler)
      instance.use(errorHandler({ log: false }))
      const answer = await request(instance).get('/nowhere')
      answers.push([answer.status, answer.headers['content-type']?.split(';')[0]])
    }
    // Express's final handler answers the second error, with its own page.
    expect(answers).toEqual([
      [500, 'text/html'],
      [500, 'text/html'],
    ])
  })

  it('gives the log a 404 of its own each time when statusOverrides answer it with 5xx', async () => {
    const instance = app()
    instance.use(notFound())
    const errors: unknown[] = []
    instance.use(errorHandler({ statusOverrides: { 7: 503 }, log: (entry) => errors.push(entry.err) }))
    for (const path of ['/nowhere', '/elsewhere'])
      expect((await request(instance).get(path)).status).toBe(503)
    expect(errors).toHaveLength(2)
    expect(errors[0]).not.toBe(errors[1])
    expect(Object.isFrozen(errors[0])).toBe(false)
  })

  it('leaves one notFound() mounted in a router and on the app to the router’s walk', async () => {
    const instance = app()
    const missing = notFound()
    const router = factory.Router()
    router.use(missing)
    router.use(((_err, _req, res, _next) => {
      res.status(418).json({ from: 'router' })
    }) as ErrorRequestHandler)
    instance.use('/api', router)
    instance.use(missing)
    instance.use(errorHandler({ log: false }))
    const inRouter = await request(instance).get('/api/nowhere')
    expect([inRouter.status, inRouter.text]).toEqual([418, '{"from":"router"}'])
    const onApp = await request(instance).get('/nowhere')
    expect([onApp.status, onApp.text]).toEqual([404, NOT_FOUND])
  })

  it('hands the log hook the request as the router would have: its path and method', async () => {
    const instance = app()
    instance.use(notFound())
    const entries: [string | undefined, string | undefined, number][] = []
    instance.use(errorHandler({ log: (entry) => entries.push([entry.method, entry.path, entry.status]) }))
    await request(instance).get('/nowhere?token=secret')
    await request(instance).put('/documents/D-1')
    expect(entries).toEqual([
      ['GET', '/nowhere', 404],
      ['PUT', '/documents/D-1', 405],
    ])
  })
})

describe("Express 5's router traced (diagnostics_channel `express.router.request`)", () => {
  const channel = tracingChannel('express.router.request')
  const subscribers = new Set<() => void>()
  afterEach(() => {
    for (const unsubscribe of subscribers) unsubscribe()
    subscribers.clear()
  })

  it('publishes the 404 as an error, and traces errorHandler() as the error handler it is', async () => {
    const errors: unknown[] = []
    const handlers: string[] = []
    const handlersOf = {
      start(context: object) {
        const { errorHandler: isErrorHandler, handler } = context as {
          errorHandler?: boolean
          handler?: { name: string }
        }
        if (isErrorHandler) handlers.push(handler?.name ?? '')
      },
      error(context: object) {
        errors.push((context as { error?: { status?: unknown } }).error?.status)
      },
      end() {},
      asyncStart() {},
      asyncEnd() {},
    }
    channel.subscribe(handlersOf)
    subscribers.add(() => channel.unsubscribe(handlersOf))
    const instance = express()
    instance.use(notFound())
    instance.use(errorHandler({ log: false }))
    const answer = await request(instance).get('/nowhere')
    expect([answer.status, answer.text]).toEqual([404, NOT_FOUND])
    expect(errors).toEqual([404])
    expect(handlers).toEqual(['esignErrorHandler'])
  })
})
