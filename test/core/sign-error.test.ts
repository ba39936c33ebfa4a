import { catalog, isSignError, SignError } from 'esign-errors'
import express from 'express'
import express4 from 'express4'
import createError from 'http-errors'
import Koa from 'koa'
import Koa2 from 'koa2'
import request from 'supertest'
import { describe, expect, it, vi } from 'vitest'

describe('what a SignError carries', () => {
  it('has exactly these own enumerable keys', () => {
    expect(Object.keys(new SignError(22))).toEqual([
      'code',
      'codeName',
      'status',
      'statusCode',
      'expose',
      'retryable',
      'headers',
      'details',
      'retryAfter',
    ])
  })

  it('serializes to the client-safe view', () => {
    expect(JSON.stringify(new SignError(22))).toBe(
      '{"code":22,"name":"WrongPassword","message":"Wrong password","status":401,"retryable":false}',
    )
  })

  it('serializes details, and never the cause, the stack or retryAfter', () => {
    const error = new SignError(1, {
      message: 'email is required',
      details: { field: 'email' },
      cause: new Error('column "email" is null'),
      retryAfter: 30,
    })
    expect(JSON.stringify(error)).toBe(
      '{"code":1,"name":"ParameterError","message":"email is required","status":400,"retryable":false,"details":{"field":"email"}}',
    )
    expect(Object.keys(error)).toEqual([
      'code',
      'codeName',
      'status',
      'statusCode',
      'expose',
      'retryable',
      'headers',
      'details',
      'retryAfter',
    ])
    expect(Object.prototype.propertyIsEnumerable.call(error, 'cause')).toBe(false)
  })

  it('hides the message and details of an error it does not expose', () => {
    const error = new SignError(4, { message: 'disk /var is full', details: { disk: '/var' } })
    expect(JSON.stringify(error)).toBe(
      '{"code":4,"name":"ProcessingFailed","message":"Processing failed","status":500,"retryable":true}',
    )
  })

  it('takes its defaults from the catalog', () => {
    const error = new SignError(22)
    expect({ ...error, message: error.message }).toEqual({
      code: 22,
      codeName: 'WrongPassword',
      status: 401,
      statusCode: 401,
      expose: true,
      retryable: false,
      headers: undefined,
      details: undefined,
      retryAfter: undefined,
      message: 'Wrong password',
    })
    const internal = new SignError(4)
    expect([internal.status, internal.expose, internal.retryable, internal.codeName]).toEqual([
      500,
      false,
      true,
      'ProcessingFailed',
    ])
    expect([new SignError(2029).status, new SignError(89).retryable]).toEqual([402, true])
  })

  it('lets every option override the catalog', () => {
    const cause = new Error('upstream said no')
    const error = new SignError(22, {
      message: 'password expired',
      status: 403,
      expose: false,
      retryable: true,
      headers: { 'X-Reason': 'expired' },
      details: { after: 90 },
      cause,
    })
    expect({ ...error, message: error.message, cause: error.cause }).toEqual({
      code: 22,
      codeName: 'WrongPassword',
      status: 403,
      statusCode: 403,
      expose: false,
      retryable: true,
      headers: { 'X-Reason': 'expired' },
      details: { after: 90 },
      retryAfter: undefined,
      message: 'password expired',
      cause,
    })
    // A 5xx is never exposed: frameworks' own handlers would send its message.
    expect(new SignError(4, { expose: true }).expose).toBe(false)
    expect(new SignError(22, { status: 503, expose: true }).expose).toBe(false)
    expect(new SignError(22, { expose: true }).expose).toBe(true)
  })

  it('gives a code outside the catalog status 502 and the name UnknownCode', () => {
    const error = new SignError(1234)
    expect([error.code, error.codeName, error.status, error.expose, error.retryable, error.message]).toEqual([
      1234,
      'UnknownCode',
      502,
      false,
      false,
      'Unknown return code 1234',
    ])
  })

  it('is a real Error named SignError, with a stack', () => {
    const error = new SignError(22)
    expect(error).toBeInstanceOf(Error)
    expect(error).toBeInstanceOf(SignError)
    expect(error.name).toBe('SignError')
    expect(String(error)).toBe('SignError: Wrong password')
    expect(error.stack?.split('\n')[0]).toBe('SignError: Wrong password')
    expect(error.stack).toContain('sign-error.test.ts')
  })

  it('speaks the http-errors contract', () => {
    expect(createError.isHttpError(new SignError(22))).toBe(true)
    expect(createError.isHttpError(new SignError(4))).toBe(true)
  })
})

describe('what SignError refuses', () => {
  it.each([
    [0, /code 0 is Success/],
    [1.5, /code must be an integer, got 1\.5/],
    [Number.NaN, /code must be an integer, got NaN/],
    ['22', /code must be an integer, got the string "22"/],
    [undefined, /code must be an integer, got undefined/],
  ])('code %s', (code, message) => {
    expect(() => new SignError(code as number)).toThrow(TypeError)
    expect(() => new SignError(code as number)).toThrow(message)
  })

  it.each([
    [200, /status must be an integer from 400 to 599, got 200/],
    [600, /got 600/],
    [399, /got 399/],
    [Number.NaN, /got NaN/],
    [401.5, /got 401\.5/],
  ])('status %s', (status, message) => {
    expect(() => new SignError(22, { status })).toThrow(TypeError)
    expect(() => new SignError(22, { status })).toThrow(message)
  })
})

describe('retryAfter', () => {
  it('becomes a Retry-After header in whole seconds', () => {
    expect(new SignError(89, { retryAfter: 30 }).headers).toEqual({ 'Retry-After': '30' })
    expect(new SignError(89, { retryAfter: 29.2 }).headers).toEqual({ 'Retry-After': '30' })
    expect(new SignError(89, { retryAfter: -5 }).headers).toEqual({ 'Retry-After': '0' })
  })

  it('becomes an HTTP date for a future Date', () => {
    const error = new SignError(89, { retryAfter: new Date('2999-01-01T00:00:00Z') })
    expect(error.headers).toEqual({ 'Retry-After': 'Tue, 01 Jan 2999 00:00:00 GMT' })
  })

  it('joins the headers given as an option', () => {
    const error = new SignError(89, { retryAfter: 30, headers: { 'X-Queue': 'sign' } })
    expect(error.headers).toEqual({ 'X-Queue': 'sign', 'Retry-After': '30' })
  })

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a past Date', new Date('2001-01-01T00:00:00Z')],
    ['an invalid Date', new Date('not a date')],
  ])('gives no Retry-After for %s', (_, retryAfter) => {
    expect(new SignError(89, { retryAfter }).headers).toBeUndefined()
    expect(new SignError(89, { retryAfter, headers: { 'X-Queue': 'sign' } }).headers).toEqual({
      'X-Queue': 'sign',
    })
  })
})

// A known code without options takes the constructor's short path; `{}` forces the general one.
describe.each(catalog.filter((entry) => entry.code !== 0).map((entry) => [entry.code, entry.name] as const))(
  'code %i %s, built with and without an options object',
  (code) => {
    it('gives the same error', () => {
      const short = new SignError(code)
      const general = new SignError(code, {})
      expect(Object.getOwnPropertyNames(short)).toEqual(Object.getOwnPropertyNames(general))
      for (const key of Object.getOwnPropertyNames(short).filter((name) => name !== 'stack')) {
        expect((short as unknown as Record<string, unknown>)[key], key).toEqual(
          (general as unknown as Record<string, unknown>)[key],
        )
      }
      expect(short.name).toBe('SignError')
      expect(JSON.stringify(short)).toBe(JSON.stringify(general))
    })
  },
)

describe('isSignError', () => {
  // Every trap of this handler throws, whichever the runtime calls first.
  const hostile = new Proxy(
    {},
    new Proxy(
      {},
      {
        get: () => () => {
          throw new Error('trap')
        },
      },
    ),
  )

  it.each([
    ['an Error', new Error('x')],
    ['an http-errors error', createError(401)],
    ['null', null],
    ['undefined', undefined],
    ['a string', 'SignError'],
    ['a look-alike object', { name: 'SignError', code: 22, status: 401 }],
    ['a Proxy whose traps all throw', hostile],
  ])('is false for %s', (_, value) => {
    expect(isSignError(value)).toBe(false)
  })

  it('survives the Proxy, which does throw when touched', () => {
    expect(() => (hostile as { code?: unknown }).code).toThrow('trap')
    expect(() => Object.getPrototypeOf(hostile)).toThrow('trap')
  })

  it('is true for a SignError', () => {
    expect(isSignError(new SignError(22))).toBe(true)
  })

  it.each([
    ['its own code', new SignError(22), 22, true],
    ['another code', new SignError(22), 41, false],
    ['a code outside the catalog', new SignError(9999), 9999, true],
    ['a status instead of a code', new SignError(22), 401, false],
    ['an http-errors error with that status', createError(401), 401, false],
    ['a look-alike object with that code', { name: 'SignError', code: 22, status: 401 }, 22, false],
    ['the Proxy whose traps all throw', hostile, 22, false],
  ])('with a code, tells %s', (_, value, code, expected) => {
    expect(isSignError(value, code)).toBe(expected)
  })

  it('with a code, reads a getter of a branded value once and survives it throwing', () => {
    const brand = Symbol.for('esign-errors.SignError')
    let reads = 0
    const counted = {
      [brand]: true,
      get code() {
        reads++
        return 22
      },
    }
    expect(isSignError(counted, 22)).toBe(true)
    expect(reads).toBe(1)
    const throwing = {
      [brand]: true,
      get code(): number {
        throw new Error('getter')
      },
    }
    expect(isSignError(throwing, 22)).toBe(false)
    expect(isSignError(throwing)).toBe(true)
  })

  it('holds across two copies of the module', async () => {
    vi.resetModules()
    const copy = await import('esign-errors')
    expect(copy.SignError).not.toBe(SignError)
    const foreign = new copy.SignError(22)
    expect(foreign).not.toBeInstanceOf(SignError)
    expect(isSignError(foreign)).toBe(true)
    expect(copy.isSignError(new SignError(22))).toBe(true)
  })
})

// Without any middleware of ours: the frameworks' own handlers read the http-errors contract.
describe.each([
  ['Express 5', express],
  ['Express 4', express4],
])('%s final handler, without errorHandler()', (_, createApp) => {
  const app = createApp()
  app.get('/fail/:code', (req) => {
    throw new SignError(Number(req.params.code))
  })
  app.get('/busy', () => {
    throw new SignError(89, { retryAfter: 30 })
  })
  app.get('/busy-past', () => {
    throw new SignError(89, { retryAfter: new Date('2001-01-01T00:00:00Z') })
  })

  it('answers WrongPassword with 401', async () => {
    const res = await request(app).get('/fail/22')
    expect(res.status).toBe(401)
  })

  it('answers ProcessingFailed with 500', async () => {
    const res = await request(app).get('/fail/4')
    expect(res.status).toBe(500)
  })

  it('sends Retry-After from the error headers', async () => {
    const res = await request(app).get('/busy')
    expect(res.status).toBe(503)
    expect(res.headers['retry-after']).toBe('30')
  })

  it('sends no Retry-After for a moment already past', async () => {
    const res = await request(app).get('/busy-past')
    expect(res.status).toBe(503)
    expect(res.headers['retry-after']).toBeUndefined()
  })
})

describe.each([
  ['Koa 3', Koa],
  ['Koa 2', Koa2],
])('%s ctx.onerror, without errorHandler()', (_, KoaApp) => {
  const app = new KoaApp()
  // Koa prints every unexposed error to stderr unless told to keep quiet.
  app.silent = true
  app.use((ctx) => {
    if (ctx.path === '/busy') throw new SignError(89, { retryAfter: 30 })
    if (ctx.path === '/exposed') throw new SignError(4, { expose: true, message: 'vault token t-123' })
    throw new SignError(Number(ctx.path.slice('/fail/'.length)))
  })
  const server = app.callback()

  it('answers WrongPassword with 401 and the message', async () => {
    const res = await request(server).get('/fail/22')
    expect(res.status).toBe(401)
    expect(res.text).toBe('Wrong password')
  })

  it('answers ProcessingFailed with 500 and no message of its own', async () => {
    const res = await request(server).get('/fail/4')
    expect(res.status).toBe(500)
    expect(res.text).toBe('Internal Server Error')
  })

  it('sends Retry-After from the error headers', async () => {
    const res = await request(server).get('/busy')
    expect(res.status).toBe(503)
    expect(res.headers['retry-after']).toBe('30')
    expect(res.text).toBe('Service Unavailable')
  })

  it('does not send the message of a 5xx built with expose: true', async () => {
    const res = await request(server).get('/exposed')
    expect(res.status).toBe(500)
    expect(res.text).toBe('Internal Server Error')
  })
})

describe('toJSON', () => {
  it('masks a 5xx like the handler does, even with expose: true', () => {
    const error = new SignError(89, {
      message: 'replica db-7 lagging',
      expose: true,
      details: { host: 'db-7' },
    })
    expect(JSON.stringify(error)).toBe(
      '{"code":89,"name":"SystemBusy","message":"The system is busy","status":503,"retryable":true}',
    )
  })
})
