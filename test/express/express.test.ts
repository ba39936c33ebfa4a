/**
 * Express's own ways: how a route hands it an error (a synchronous throw, `next(err)`, an async function in
 * Express 5, `asyncHandler` in Express 4), its body parsers' own errors, `notFound()` and a response under way.
 * What every framework answers alike, the status line's reason phrase included, is in test/adapters.
 */
import { setTimeout as delay } from 'node:timers/promises'
import { Codes, type ErrorHandlerOptions, SignError } from 'esign-errors'
import { asyncHandler, errorHandler, notFound } from 'esign-errors/express'
import express, { type Express, type NextFunction, type Request, type Response } from 'express'
import express4 from 'express4'
import createError from 'http-errors'
import request from 'supertest'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { closeServers, serve } from '../helpers/apps.js'
import { fetchRaw } from '../helpers/raw-clients.js'

const JSON_TYPE = 'application/json; charset=utf-8'
const PROCESSING_FAILED =
  '{"code":4,"name":"ProcessingFailed","message":"Processing failed","status":500,"retryable":true}'
const NOT_FOUND =
  '{"code":7,"name":"InvalidRequestType","message":"Not Found","status":404,"retryable":false}'
const SYSTEM_BUSY =
  '{"code":89,"name":"SystemBusy","message":"The system is busy","status":503,"retryable":true}'

const processingFailed = {
  code: 4,
  name: 'ProcessingFailed',
  message: 'Processing failed',
  status: 500,
  retryable: true,
}

afterEach(closeServers)

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

  // The table in test/adapters runs each route as an async function; Express takes errors other ways too.
  it.each([
    [
      'a synchronous throw',
      () => {
        throw new Error('db password=hunter2')
      },
      500,
      PROCESSING_FAILED,
    ],
    ['next(err)', (_req, _res, next) => next(createError(404)), 404, NOT_FOUND],
    [
      'res.statusCode = 503; next(err), as finalhandler reads it',
      (_req, res, next) => {
        res.statusCode = 503
        next(new Error('pool exhausted'))
      },
      503,
      SYSTEM_BUSY,
    ],
  ] as [string, Route, number, string][])(
    '%s reaches the error handler',
    async (_how, handler, status, body) => {
      const server = await app(route(handler), { log: false })
      const res = await request(server).get('/documents')
      expect(res.status).toBe(status)
      expect(res.headers['content-type']).toBe(JSON_TYPE)
      expect(res.text).toBe(body)
      expect(res.text).not.toMatch(/hunter2|pool exhausted/)
      expect(JSON.stringify(res.headers)).not.toMatch(/hunter2|pool exhausted/)
    },
  )

  // The same with a thrown error, on every framework: test/adapters/late-errors.test.ts.
  describe('next(err) once the headers went out', () => {
    const thrown = () => new SignError(Codes.ProcessingFailed)

    it('route flushed part of a body, then next(err): connection cut, nothing of ours written, error logged', async () => {
      const log = vi.fn()
      const server = await app(
        route((_req, res, next) => {
          res.setHeader('Content-Type', 'text/csv')
          res.write('partial', () => next(thrown()))
        }),
        { log },
      )
      expect(await fetchRaw(server, '/export')).toMatchObject({
        status: 200,
        text: 'partial',
        complete: false,
        timedOut: false,
      })
      // Nothing could be answered, but the hook still hears of the error, once.
      expect(log).toHaveBeenCalledTimes(1)
      expect(log.mock.calls[0]?.[0]).toMatchObject({ level: 'error', status: 500, code: 4 })
    })

    it('route ended its answer, then next(err): the client has all of it, logged with the 200 it got', async () => {
      const log = vi.fn()
      const server = await app(
        route((_req, res, next) => {
          res.setHeader('Content-Type', 'text/csv')
          res.end('id,title\n', () => next(thrown()))
        }),
        { log },
      )
      expect(await fetchRaw(server, '/export')).toMatchObject({
        status: 200,
        text: 'id,title\n',
        complete: true,
        timedOut: false,
      })
      expect(log).toHaveBeenCalledTimes(1)
      expect(log.mock.calls[0]?.[0]).toMatchObject({ level: 'warn', status: 200, code: 4 })
    })
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

describe('an answer the route had finished', () => {
  afterEach(closeServers)

  it.each([
    ['Express 5', () => express()],
    ['Express 4', () => express4() as unknown as Express],
  ])(
    '%s: res.end(body) then a throw: the client gets all of it, logged as the 200 it got',
    async (_, make) => {
      // Larger than a socket buffer, so a destroy right after end() would cut it.
      const body = 'x'.repeat(4 * 1024 * 1024)
      const log = vi.fn()
      const app = make()
      app.get('/', (_req: Request, res: Response) => {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(body.length) })
        res.end(body)
        throw new Error('after the answer')
      })
      app.use(errorHandler({ log }))
      const res = await fetchRaw(await serve(app), '/', 'GET', 5000)
      expect(res.timedOut).toBe(false)
      expect(res.status).toBe(200)
      expect(res.complete).toBe(true)
      expect(res.text.length).toBe(body.length)
      expect(log).toHaveBeenCalledTimes(1)
      expect(log.mock.calls[0]?.[0]).toMatchObject({ level: 'warn', status: 200, code: 4 })
    },
  )
})
