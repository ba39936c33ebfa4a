import { get as httpGet } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as delay } from 'node:timers/promises'
import { Codes, type ErrorHandlerOptions, type LogEntry, SignError } from 'esign-errors'
import { asyncHandler, errorHandler, notFound } from 'esign-errors/express'
import express, { type Express, type NextFunction, type Request, type Response } from 'express'
import express4 from 'express4'
import createError from 'http-errors'
import request from 'supertest'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { closeServers, serve } from '../helpers/apps.js'

const JSON_TYPE = 'application/json; charset=utf-8'
const PROBLEM_TYPE = 'application/problem+json; charset=utf-8'

const processingFailed = {
  code: 4,
  name: 'ProcessingFailed',
  message: 'Processing failed',
  status: 500,
  retryable: true,
}

afterEach(async () => {
  vi.restoreAllMocks()
  await closeServers()
})

type Route = (req: Request, res: Response, next: NextFunction) => unknown

describe.each([
  ['Express 5', express],
  ['Express 4', express4],
] as const)('%s', (version, factory) => {
  /** A real app: `express.json()`, then `mount`, then errorHandler(); listening on 127.0.0.1. */
  async function app(mount: (app: Express) => void, options?: ErrorHandlerOptions<Request>) {
    const instance = factory()
    instance.use(factory.json({ limit: '1kb' }))
    mount(instance)
    instance.use(errorHandler(options))
    return serve(instance)
  }

  const route =
    (handler: Route) =>
    (instance: Express): void => {
      instance.use(handler)
    }

  describe('body parsers', () => {
    it('malformed JSON: 400 code 3', async () => {
      const server = await app(
        route((_req, res) => res.send('unreachable')),
        { log: false },
      )
      const res = await request(server)
        .post('/documents')
        .set('Content-Type', 'application/json')
        .send('{"a":')
      expect(res.status).toBe(400)
      expect(res.headers['content-type']).toBe(JSON_TYPE)
      expect(JSON.parse(res.text)).toEqual({
        code: 3,
        name: 'DataFormatError',
        message: 'Data format error',
        status: 400,
        retryable: false,
      })
      expect(res.text).not.toContain('Unexpected')
    })

    it('a body over the limit: 413 code 93', async () => {
      const server = await app(
        route((_req, res) => res.send('unreachable')),
        { log: false },
      )
      const res = await request(server)
        .post('/documents')
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ blob: 'x'.repeat(4096) }))
      expect(res.status).toBe(413)
      expect(JSON.parse(res.text)).toEqual({
        code: 93,
        name: 'FileTooLarge',
        message: 'Upload file size too big',
        status: 413,
        retryable: false,
      })
    })

    it('express.raw with an unsupported Content-Encoding: 415 code 3', async () => {
      const instance = factory()
      instance.use(factory.raw({ type: '*/*' }))
      instance.use((_req: Request, res: Response) => res.send('unreachable'))
      instance.use(errorHandler({ log: false }))
      const server = await serve(instance)
      const res = await request(server)
        .post('/upload')
        .set('Content-Type', 'application/octet-stream')
        .set('Content-Encoding', 'x-custom')
        .send(Buffer.from('abc'))
      expect(res.status).toBe(415)
      expect(JSON.parse(res.text)).toEqual({
        code: 3,
        name: 'DataFormatError',
        message: 'Data format error',
        status: 415,
        retryable: false,
      })
    })

    it('an unsupported charset: 415 code 3', async () => {
      const server = await app(
        route((_req, res) => res.send('unreachable')),
        { log: false },
      )
      const res = await request(server)
        .post('/documents')
        .set('Content-Type', 'application/json; charset=koi8-r')
        .send('{"a":1}')
      expect(res.status).toBe(415)
      expect(JSON.parse(res.text)).toEqual({
        code: 3,
        name: 'DataFormatError',
        message: 'Data format error',
        status: 415,
        retryable: false,
      })
    })
  })

  it('createError(404): 404 code 7', async () => {
    const server = await app(
      route((_req, _res, next) => next(createError(404))),
      { log: false },
    )
    const res = await request(server).get('/documents/D-1')
    expect(res.status).toBe(404)
    expect(JSON.parse(res.text)).toEqual({
      code: 7,
      name: 'InvalidRequestType',
      message: 'Not Found',
      status: 404,
      retryable: false,
    })
  })

  it('an Error with a password: 500 code 4, the password nowhere in the answer', async () => {
    const server = await app(
      route(() => {
        throw new Error('db password=hunter2')
      }),
      { log: false },
    )
    const res = await request(server).get('/documents')
    expect(res.status).toBe(500)
    expect(JSON.parse(res.text)).toEqual(processingFailed)
    expect(res.text).not.toContain('hunter2')
    expect(JSON.stringify(res.headers)).not.toContain('hunter2')
  })

  it('an error whose retryAfter cannot be inspected still gets the JSON answer, never a stack', async () => {
    const retryAfter = new Proxy(
      {},
      {
        getPrototypeOf() {
          throw new Error('trap at /srv/app/secret.js')
        },
      },
    )
    const server = await app(
      route(() => {
        throw { status: 429, retryAfter }
      }),
      { log: false },
    )
    const res = await request(server).get('/documents')
    expect(res.status).toBe(429)
    expect(res.headers['content-type']).toBe(JSON_TYPE)
    expect(JSON.parse(res.text)).toEqual({
      code: 89,
      name: 'SystemBusy',
      message: 'The system is busy',
      status: 429,
      retryable: true,
    })
    expect(res.text).not.toContain('secret.js')
  })

  describe('problem+json negotiation', () => {
    const wrong = route(() => {
      throw new SignError(Codes.WrongPassword)
    })

    it('Accept preferring problem+json gets RFC 9457', async () => {
      const server = await app(wrong, { log: false })
      const res = await request(server)
        .post('/sessions?next=%2Fhome')
        .set('Accept', 'application/json;q=0.5, application/problem+json')
      expect(res.status).toBe(401)
      expect(res.headers['content-type']).toBe(PROBLEM_TYPE)
      expect(JSON.parse(res.text)).toEqual({
        type: 'about:blank',
        title: 'Unauthorized',
        status: 401,
        detail: 'Wrong password',
        instance: '/sessions',
        code: 22,
        name: 'WrongPassword',
        retryable: false,
      })
    })

    it('Accept */* gets the JSON envelope', async () => {
      const server = await app(wrong, { log: false })
      const res = await request(server).post('/sessions').set('Accept', '*/*')
      expect(res.headers['content-type']).toBe(JSON_TYPE)
      expect(JSON.parse(res.text)).toEqual({
        code: 22,
        name: 'WrongPassword',
        message: 'Wrong password',
        status: 401,
        retryable: false,
      })
    })
  })

  describe('headers already sent', () => {
    /** Reads the raw answer: whatever arrives before the connection ends, and whether it ended cleanly. */
    function fetchRaw(
      port: number,
    ): Promise<{ status: number | undefined; body: string; complete: boolean }> {
      return new Promise((resolve) => {
        let status: number | undefined
        let body = ''
        const req = httpGet({ host: '127.0.0.1', port, path: '/export' }, (res) => {
          status = res.statusCode
          res.setEncoding('utf8')
          res.on('data', (chunk: string) => {
            body += chunk
          })
          res.on('error', () => {})
          res.on('close', () => resolve({ status, body, complete: res.complete }))
        })
        req.on('error', () => resolve({ status, body, complete: false }))
      })
    }

    const flushed = (res: Response) => new Promise<void>((resolve) => res.write('partial', () => resolve()))
    const thrown = () => new SignError(Codes.ProcessingFailed)
    const routes: [string, Route][] = [
      [
        'next(err)',
        (_req, res, next) => {
          res.setHeader('Content-Type', 'text/csv')
          res.write('partial', () => next(thrown()))
        },
      ],
      [
        'an async throw',
        asyncHandler(async (_req, res) => {
          res.setHeader('Content-Type', 'text/csv')
          await flushed(res)
          throw thrown()
        }),
      ],
    ]

    it.each(routes)(
      'route flushed part of a body, then %s: connection cut, nothing of ours written, error logged',
      async (_how, handler) => {
        const log = vi.fn()
        const server = await app(route(handler), { log })
        const { port } = server.address() as AddressInfo
        const answer = await fetchRaw(port)
        expect(answer.status).toBe(200)
        expect(answer.body).toBe('partial')
        expect(answer.complete).toBe(false)
        // Nothing could be answered, but the hook still hears of the error, once.
        expect(log).toHaveBeenCalledTimes(1)
        expect(log.mock.calls[0]?.[0]).toMatchObject({ level: 'error', status: 500, code: 4 })
      },
    )

    it('route ended its answer, then next(err): the client has all of it, logged with the 200 it got', async () => {
      const log = vi.fn()
      const server = await app(
        route((_req, res, next) => {
          res.setHeader('Content-Type', 'text/csv')
          res.end('id,title\n', () => next(thrown()))
        }),
        { log },
      )
      const { port } = server.address() as AddressInfo
      expect(await fetchRaw(port)).toEqual({ status: 200, body: 'id,title\n', complete: true })
      expect(log).toHaveBeenCalledTimes(1)
      expect(log.mock.calls[0]?.[0]).toMatchObject({ level: 'warn', status: 200, code: 4 })
    })
  })

  it('HEAD: same status and headers as GET, no body', async () => {
    const server = await app(
      route(() => {
        throw new SignError(Codes.DocumentNotFound)
      }),
      { log: false },
    )
    const head = await request(server).head('/documents/D-9')
    const get = await request(server).get('/documents/D-9')
    expect(head.status).toBe(404)
    expect(get.status).toBe(404)
    expect(head.text ?? '').toBe('')
    for (const name of ['content-type', 'cache-control', 'x-content-type-options', 'content-length']) {
      expect(head.headers[name], name).toBe(get.headers[name])
    }
    expect(head.headers['content-type']).toBe(JSON_TYPE)
    expect(get.headers['content-length']).toBe(String(get.text.length))
  })

  it('representation headers of the route are removed; CORS, Vary and Set-Cookie stay', async () => {
    const server = await app(
      route((_req, res) => {
        res.setHeader('Content-Disposition', 'attachment; filename="contract.pdf"')
        res.setHeader('ETag', '"v42"')
        res.setHeader('Content-Encoding', 'gzip')
        res.setHeader('Last-Modified', 'Wed, 21 Oct 2015 07:28:00 GMT')
        res.setHeader('Access-Control-Allow-Origin', 'https://app.example.com')
        res.setHeader('Vary', 'Origin')
        res.setHeader('Set-Cookie', 'sid=abc; HttpOnly')
        throw new SignError(Codes.DocumentNotFound)
      }),
      { log: false },
    )
    const res = await request(server).get('/documents/D-9/pdf')
    expect(res.status).toBe(404)
    expect(JSON.parse(res.text)).toEqual({
      code: 41,
      name: 'DocumentNotFound',
      message: 'Document does not exist',
      status: 404,
      retryable: false,
    })
    expect(res.headers['content-disposition']).toBeUndefined()
    expect(res.headers.etag).toBeUndefined()
    expect(res.headers['content-encoding']).toBeUndefined()
    expect(res.headers['last-modified']).toBeUndefined()
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example.com')
    expect(res.headers.vary).toBe('Origin')
    expect(res.headers['set-cookie']).toEqual(['sid=abc; HttpOnly'])
  })

  // A Trailer header left behind makes Node throw when a body without trailers is written; a route that
  // meant to stream with trailers must still get the error answered.
  it('a route that announced trailers and a stale Content-Length still gets a clean error answer', async () => {
    const server = await app(
      route((_req, res) => {
        res.setHeader('Trailer', 'Server-Timing')
        res.setHeader('Content-Length', '12345')
        throw new SignError(Codes.DocumentNotFound)
      }),
      { log: false },
    )
    const res = await request(server).get('/documents/D-9/stream')
    expect(res.status).toBe(404)
    expect(res.text).toBe(
      '{"code":41,"name":"DocumentNotFound","message":"Document does not exist","status":404,"retryable":false}',
    )
    expect(res.headers.trailer).toBeUndefined()
    expect(res.headers['content-length']).toBe('104')
  })

  it('notFound(): 404 code 7', async () => {
    const instance = factory()
    instance.get('/documents', (_req: Request, res: Response) => res.send('list'))
    instance.use(notFound())
    instance.use(errorHandler({ log: false }))
    const server = await serve(instance)
    const res = await request(server).get('/nowhere')
    expect(res.status).toBe(404)
    expect(res.headers['content-type']).toBe(JSON_TYPE)
    expect(JSON.parse(res.text)).toEqual({
      code: 7,
      name: 'InvalidRequestType',
      message: 'Not Found',
      status: 404,
      retryable: false,
    })
    expect((await request(server).get('/documents')).text).toBe('list')
  })

  it('notFound() leaves a response already under way alone (a route wrote, then called next())', async () => {
    const instance = factory()
    instance.get('/report', (_req: Request, res: Response, next: NextFunction) => {
      res.write('part 1,')
      next()
      setTimeout(() => res.end('part 2'), 20)
    })
    instance.use(notFound())
    instance.use(errorHandler({ log: false }))
    const server = await serve(instance)
    const res = await request(server).get('/report')
    expect(res.status).toBe(200)
    expect(res.text).toBe('part 1,part 2')
  })

  it("a reason phrase the route set does not survive on the error's status line", async () => {
    const server = await app(
      route((_req, res) => {
        res.statusMessage = 'All Good'
        throw new SignError(Codes.WrongPassword)
      }),
      { log: false },
    )
    const res = await request(server).get('/sessions')
    expect(res.status).toBe(401)
    // supertest keeps Node's IncomingMessage on `res`, which its types leave out.
    expect((res as unknown as { res: { statusMessage: string } }).res.statusMessage).toBe('Unauthorized')
  })

  it.each([
    [499, 'Client Error'],
    [599, 'Server Error'],
  ])(
    'a status Node has no reason phrase for (%i) gets the one the answer names (%s)',
    async (status, phrase) => {
      const server = await app(
        route(() => {
          throw Object.assign(new Error('upstream said so'), { status })
        }),
        { log: false },
      )
      const res = await request(server).get('/sessions')
      expect(res.status).toBe(status)
      expect((res as unknown as { res: { statusMessage: string } }).res.statusMessage).toBe(phrase)
    },
  )

  describe('a value without a status takes the error status the route set, as finalhandler does', () => {
    it.each([
      ['res.statusCode = 503; next(new Error())', 503, () => new Error('pool exhausted'), 503, 89],
      ['res.status(501); throw a string', 501, () => 'not built', 501, 7],
      ['res.status(404); throw a plain object', 404, () => ({ reason: 'gone' }), 404, 7],
      ['res.status(200) stays out of it: 500', 200, () => new Error('x'), 500, 4],
      ['res.status(304) stays out of it: 500', 304, () => new Error('x'), 500, 4],
      ['an error with its own status keeps it', 503, () => createError(409, 'taken'), 409, 1],
    ])('%s', async (_name, routeStatus, thrown, status, code) => {
      const server = await app(
        route((_req, res, next) => {
          res.statusCode = routeStatus
          next(thrown())
        }),
        { log: false },
      )
      const res = await request(server).get('/documents')
      expect(res.status).toBe(status)
      expect(JSON.parse(res.text)).toMatchObject({ code, status })
      expect(res.text).not.toMatch(/pool exhausted|not built|gone/)
    })
  })

  describe('logging', () => {
    it('by default, a 500 goes to console.error once with the thrown error', async () => {
      const spy = vi.spyOn(console, 'error').mockImplementation(() => {})
      const thrown = new Error('db down')
      const server = await app(
        route(() => {
          throw thrown
        }),
      )
      const res = await request(server).get('/documents')
      expect(res.status).toBe(500)
      expect(spy).toHaveBeenCalledTimes(1)
      expect(spy.mock.calls[0]).toContain(thrown)
    })

    it('by default, a 4xx is not logged', async () => {
      const spy = vi.spyOn(console, 'error').mockImplementation(() => {})
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
      const server = await app(
        route(() => {
          throw new SignError(Codes.WrongPassword)
        }),
      )
      const res = await request(server).get('/documents')
      expect(res.status).toBe(401)
      expect(spy).not.toHaveBeenCalled()
      expect(warn).not.toHaveBeenCalled()
    })

    it('a log function gets one entry per error, with the whole cause chain', async () => {
      const entries: LogEntry<Request>[] = []
      const requests: Request[] = []
      const hsm = new Error('pkcs11 CKR_DEVICE_ERROR')
      const thrown = new SignError(Codes.SigningFailed, { message: 'HSM refused key k-77', cause: hsm })
      const server = await app(
        route((req) => {
          requests.push(req)
          if (req.path === '/sign') throw thrown
          throw new SignError(Codes.WrongPassword)
        }),
        { log: (entry) => entries.push(entry) },
      )
      await request(server).post('/sign?token=s3cret').set('X-Request-Id', 'req-42')
      await request(server).post('/login')
      expect(entries).toHaveLength(2)
      expect(Object.keys(entries[0]!)).toEqual([
        'level',
        'status',
        'code',
        'codeName',
        'requestId',
        'method',
        'path',
        'err',
        'causes',
      ])
      // The framework's own request, for `entry.request.log` and the like; not enumerable, so a logger
      // handed the whole entry does not serialize it.
      expect(entries[0]?.request).toBe(requests[0])
      expect(entries[1]?.request).toBe(requests[1])
      expect({ ...entries[0] }).toEqual({
        level: 'error',
        status: 500,
        code: 29,
        codeName: 'SigningFailed',
        requestId: 'req-42',
        method: 'POST',
        path: '/sign',
        err: thrown,
        causes: [
          { name: 'SignError', message: 'HSM refused key k-77', stack: thrown.stack },
          { name: 'Error', message: 'pkcs11 CKR_DEVICE_ERROR', stack: hsm.stack },
        ],
      })
      expect(entries[1]).toMatchObject({ level: 'warn', status: 401, code: 22, codeName: 'WrongPassword' })
      expect(entries[1]?.requestId).toBeUndefined()
      // A 4xx is the client's doing: its causes come without stacks, which cost microseconds to render.
      expect(entries[1]?.causes).toEqual([{ name: 'SignError', message: 'Wrong password' }])
      // Nor does its `err`: pino's error serializer would print the stack of the thrown error itself.
      expect({ ...(entries[1]?.err as object) }).toEqual({ type: 'SignError', message: 'Wrong password' })
    })

    it('a pino-style logger gets .error for a 500 and .warn for a 4xx', async () => {
      const logger = { error: vi.fn(), warn: vi.fn() }
      const server = await app(
        route((req) => {
          if (req.path === '/fail') throw new Error('db down')
          throw new SignError(Codes.WrongPassword)
        }),
        { log: logger },
      )
      await request(server).get('/fail')
      expect(logger.error).toHaveBeenCalledTimes(1)
      expect(logger.warn).not.toHaveBeenCalled()
      expect(logger.error.mock.calls[0]?.[0]).toMatchObject({
        status: 500,
        code: 4,
        codeName: 'ProcessingFailed',
      })

      await request(server).get('/login')
      expect(logger.error).toHaveBeenCalledTimes(1)
      expect(logger.warn).toHaveBeenCalledTimes(1)
      expect(logger.warn.mock.calls[0]?.[0]).toMatchObject({
        status: 401,
        code: 22,
        codeName: 'WrongPassword',
      })
    })

    it('a log function that throws does not break the response', async () => {
      const server = await app(
        route(() => {
          throw new Error('db down')
        }),
        {
          log: () => {
            throw new Error('logger down')
          },
        },
      )
      const res = await request(server).get('/documents')
      expect(res.status).toBe(500)
      expect(JSON.parse(res.text)).toEqual(processingFailed)
      // The server is still answering.
      expect((await request(server).get('/documents')).status).toBe(500)
    })

    it('a pino-style logger that throws does not break the response', async () => {
      const logger = {
        error: () => {
          throw new Error('logger down')
        },
        warn: () => {
          throw new Error('logger down')
        },
      }
      const server = await app(
        route(() => {
          throw new SignError(Codes.WrongPassword)
        }),
        { log: logger },
      )
      const res = await request(server).get('/login')
      expect(res.status).toBe(401)
    })
  })

  if (version === 'Express 5') {
    it('an async route that rejects after awaiting', async () => {
      const server = await app(
        route(async () => {
          await delay(5)
          throw new SignError(Codes.WrongPassword)
        }),
        { log: false },
      )
      const res = await request(server).get('/login')
      expect(res.status).toBe(401)
      expect(res.headers['www-authenticate']).toBe('Bearer')
      expect(JSON.parse(res.text)).toEqual({
        code: 22,
        name: 'WrongPassword',
        message: 'Wrong password',
        status: 401,
        retryable: false,
      })
    })
  }

  describe('asyncHandler', () => {
    it('an async rejection reaches the error handler', async () => {
      const server = await app(
        route(
          asyncHandler(async () => {
            await delay(5)
            throw new SignError(Codes.DocumentNotFound)
          }),
        ),
        { log: false },
      )
      const res = await request(server).get('/documents/D-1')
      expect(res.status).toBe(404)
      expect(JSON.parse(res.text)).toEqual({
        code: 41,
        name: 'DocumentNotFound',
        message: 'Document does not exist',
        status: 404,
        retryable: false,
      })
    })

    it('a sync throw reaches the error handler', async () => {
      const server = await app(
        route(
          asyncHandler(() => {
            throw new SignError(Codes.WrongPassword)
          }),
        ),
        { log: false },
      )
      const res = await request(server).get('/login')
      expect(res.status).toBe(401)
    })

    it('a rejection with undefined is still a 500', async () => {
      const server = await app(route(asyncHandler(() => Promise.reject(undefined))), { log: false })
      const res = await request(server).get('/documents')
      expect(res.status).toBe(500)
      expect(JSON.parse(res.text)).toEqual(processingFailed)
    })

    it('a sync throw of undefined is still a 500', async () => {
      const server = await app(
        route(
          asyncHandler(() => {
            throw undefined
          }),
        ),
        { log: false },
      )
      const res = await request(server).get('/documents')
      expect(res.status).toBe(500)
      expect(res.headers['content-type']).toBe(JSON_TYPE)
      expect(JSON.parse(res.text)).toEqual(processingFailed)
    })

    it('a route that answers is left alone', async () => {
      const server = await app(
        route(
          asyncHandler(async (_req, res) => {
            await delay(1)
            res.json({ code: 0, message: 'Success', data: { id: 'D-1' } })
          }),
        ),
        { log: false },
      )
      const res = await request(server).get('/documents/D-1')
      expect(res.status).toBe(200)
      expect(res.body).toEqual({ code: 0, message: 'Success', data: { id: 'D-1' } })
    })
  })
})
