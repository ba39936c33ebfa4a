import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { inspect } from 'node:util'
import { assertUpstreamOk, callUpstream, fromUpstream, SignError, UpstreamError } from 'esign-errors'
import { errorHandler } from 'esign-errors/express'
import express from 'express'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest'
import { z } from 'zod'
import { type FakePlatform, HUGE_BYTES, startFakePlatform } from '../helpers/fake-platform.js'
import { rejectionOf, signErrorOf } from '../helpers/rejections.js'

function thrownBy(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  throw new Error('expected a throw')
}

function prototypeSnapshot(): string[] {
  return Object.getOwnPropertyNames(Object.prototype).sort()
}

describe('fromUpstream', () => {
  const success: [string, unknown][] = [
    ['object with result 0', { result: 0, message: 'Success', data: 'x' }],
    ['JSON string with result 0', '{"result":0,"message":"Success","data":"x"}'],
    ['result "0" as a string', { result: '0' }],
    ['result -0', JSON.parse('{"result":-0}')],
    ['result 0 with a message that says otherwise', { result: 0, message: 'Wrong password' }],
  ]
  it.each(success)('%s is not an error', (_label, body) => {
    expect(fromUpstream(body)).toBeUndefined()
  })

  const rows: [string, unknown, number, number, string, boolean][] = [
    ['known code, object', { result: 22, message: 'Password incorrect' }, 22, 401, 'WrongPassword', false],
    ['known code, JSON string', '{"result":22,"message":"Wrong password"}', 22, 401, 'WrongPassword', false],
    ['known code as a numeric string', { result: '22' }, 22, 401, 'WrongPassword', false],
    ['retryable code', { result: 89, message: 'The system is busy' }, 89, 503, 'SystemBusy', true],
    ['not found code', { result: 41 }, 41, 404, 'DocumentNotFound', false],
    ['eKYC code', { result: 2004 }, 2004, 400, 'InvalidSelfieImage', false],
    ['code outside the catalog', { result: 9999, message: 'Something new' }, 9999, 502, 'UnknownCode', false],
    ['code the seed leaves out', { result: 48, message: 'Authorized' }, 48, 502, 'UnknownCode', false],
    ['negative code as a string', { result: '-5' }, -5, 502, 'UnknownCode', false],
    ['nine-digit string', { result: '123456789' }, 123456789, 502, 'UnknownCode', false],
    ['string that is not JSON', 'Service Unavailable', 3, 502, 'DataFormatError', false],
    ['empty string', '', 3, 502, 'DataFormatError', false],
    ['truncated JSON', '{"result": 2', 3, 502, 'DataFormatError', false],
    ['JSON array', '[{"result":0}]', 3, 502, 'DataFormatError', false],
    ['array', [{ result: 0 }], 3, 502, 'DataFormatError', false],
    ['JSON null', 'null', 3, 502, 'DataFormatError', false],
    ['null', null, 3, 502, 'DataFormatError', false],
    ['undefined', undefined, 3, 502, 'DataFormatError', false],
    ['JSON number', '22', 3, 502, 'DataFormatError', false],
    ['number', 22, 3, 502, 'DataFormatError', false],
    ['empty object', {}, 3, 502, 'DataFormatError', false],
    ['no result', { message: 'Success', data: 'x' }, 3, 502, 'DataFormatError', false],
    ['result null', { result: null }, 3, 502, 'DataFormatError', false],
    ['result true', { result: true }, 3, 502, 'DataFormatError', false],
    ['result 1.5', { result: 1.5 }, 3, 502, 'DataFormatError', false],
    ['result NaN', { result: Number.NaN }, 3, 502, 'DataFormatError', false],
    ['result Infinity', { result: Number.POSITIVE_INFINITY }, 3, 502, 'DataFormatError', false],
    ['result 2^53', { result: 2 ** 53 }, 3, 502, 'DataFormatError', false],
    ['result "22 "', { result: '22 ' }, 3, 502, 'DataFormatError', false],
    ['result " 22"', { result: ' 22' }, 3, 502, 'DataFormatError', false],
    ['result "1e3"', { result: '1e3' }, 3, 502, 'DataFormatError', false],
    ['result "0x16"', { result: '0x16' }, 3, 502, 'DataFormatError', false],
    ['result "2.0"', { result: '2.0' }, 3, 502, 'DataFormatError', false],
    ['ten-digit string', { result: '1234567890' }, 3, 502, 'DataFormatError', false],
    ['result only on the prototype', Object.create({ result: 0 }), 3, 502, 'DataFormatError', false],
    [
      'result 0 under "__proto__"',
      JSON.parse('{"__proto__":{"result":0}}'),
      3,
      502,
      'DataFormatError',
      false,
    ],
    ['JSON string with "__proto__"', '{"__proto__":{"result":0}}', 3, 502, 'DataFormatError', false],
    [
      'result behind a getter',
      Object.defineProperty({}, 'result', { get: () => 0, enumerable: true }),
      3,
      502,
      'DataFormatError',
      false,
    ],
  ]
  it.each(rows)('%s -> code %i, status %i (%s)', (_label, body, code, status, codeName, retryable) => {
    const err = fromUpstream(body)
    expect(err).toBeInstanceOf(SignError)
    expect(err?.code).toBe(code)
    expect(err?.status).toBe(status)
    expect(err?.statusCode).toBe(status)
    expect(err?.codeName).toBe(codeName)
    expect(err?.retryable).toBe(retryable)
    expect(err?.details).toBeUndefined()
    expect(err?.cause).toBeInstanceOf(UpstreamError)
  })

  it('uses the catalog message and keeps the platform facts on the cause only', () => {
    const err = fromUpstream({ result: 22, message: 'Password incorrect', data: 'secret' }, { status: 200 })!
    expect(err.message).toBe('Wrong password')
    expect(err.expose).toBe(true)
    expect(err.details).toBeUndefined()
    const cause = err.cause as UpstreamError
    expect(cause).toBeInstanceOf(UpstreamError)
    expect(cause).toBeInstanceOf(Error)
    expect(cause.name).toBe('UpstreamError')
    expect(cause.message).toBe('upstream answered result 22 ("Password incorrect") with HTTP 200')
    expect(cause.result).toBe(22)
    expect(cause.upstreamMessage).toBe('Password incorrect')
    expect(cause.httpStatus).toBe(200)
    expect(Object.keys(cause)).toEqual(['result', 'upstreamMessage', 'httpStatus'])
    expect(JSON.stringify(err)).toBe(
      '{"code":22,"name":"WrongPassword","message":"Wrong password","status":401,"retryable":false}',
    )
  })

  it('words the cause without a status or a message when there is none', () => {
    const cause = fromUpstream({ result: 41 })!.cause as UpstreamError
    expect(cause.message).toBe('upstream answered result 41')
    expect(cause.upstreamMessage).toBeUndefined()
    expect(cause.httpStatus).toBeUndefined()
  })

  it('gives an unknown code its number, status 502 and a hidden message', () => {
    const err = fromUpstream({ result: 9999, message: 'Something new' }, { status: 200 })!
    expect(err.message).toBe('Unknown return code 9999')
    expect(err.expose).toBe(false)
    expect((err.cause as UpstreamError).message).toBe(
      'upstream answered result 9999 ("Something new") with HTTP 200',
    )
  })

  it('cuts a long platform message to 200 characters', () => {
    const cause = fromUpstream({ result: 22, message: 'x'.repeat(5000) })!.cause as UpstreamError
    expect(cause.upstreamMessage).toBe('x'.repeat(200))
  })

  it('ignores a message that is not a string', () => {
    const cause = fromUpstream({ result: 22, message: { text: 'nope' } })!.cause as UpstreamError
    expect(cause.upstreamMessage).toBeUndefined()
    expect(cause.message).toBe('upstream answered result 22')
  })

  it('explains an unreadable body on the cause, without the parser error that quotes the body', () => {
    const err = fromUpstream('<html>oops</html>', { status: 200 })!
    expect(err.message).toBe('Data format error')
    expect(err.expose).toBe(false)
    const cause = err.cause as UpstreamError
    expect(cause.message).toBe('upstream answer is not JSON with HTTP 200')
    expect(cause.result).toBeUndefined()
    expect(cause.httpStatus).toBe(200)
    expect(cause.cause).toBeUndefined()
  })

  it('never quotes a broken body: no piece of data or mac reaches the cause chain', () => {
    const err = fromUpstream('{"result":"0","data":"8a1f55c0d2e4b6a7","mac":x}')!
    expect(inspect(err, { depth: Number.POSITIVE_INFINITY, showHidden: true })).not.toMatch(
      /8a1f|"mac"|mac":x/,
    )
  })

  it.each([
    [[], 'upstream answer is an array, not an object'],
    [null, 'upstream answer is null, not an object'],
    ['"text"', 'upstream answer is a string, not an object'],
    [{ data: 1 }, 'upstream answer has no "result"'],
    [Object.create({ result: 0 }), 'upstream answer has no "result"'],
    [{ result: 1.5 }, 'upstream answer has a "result" that is not an integer'],
  ])('says why %j cannot be read', (body, why) => {
    expect((fromUpstream(body)!.cause as UpstreamError).message).toBe(why)
  })

  it('reads the field names of a sibling protocol', () => {
    const fields = { result: 'code', message: 'msg', data: 'payload' }
    const err = fromUpstream({ code: 22, msg: 'bad', result: 0 }, { fields })!
    expect(err.code).toBe(22)
    expect((err.cause as UpstreamError).upstreamMessage).toBe('bad')
    expect(fromUpstream({ code: 0 }, { fields })).toBeUndefined()
    expect(fromUpstream({ code: 0 })?.code).toBe(3)
  })

  it('applies statusOverrides to the code the platform answered, and to no other', () => {
    const statusOverrides = { 2: 502, 53: 502 }
    const err = fromUpstream({ result: 53, message: 'Integration key does not exist' }, { statusOverrides })!
    expect([err.code, err.codeName, err.status, err.statusCode, err.expose, err.retryable]).toEqual([
      53,
      'IntegrationKeyNotFound',
      502,
      502,
      false,
      false,
    ])
    expect((err.cause as UpstreamError).result).toBe(53)
    expect(fromUpstream({ result: 22 }, { statusOverrides })!.status).toBe(401)
    expect(fromUpstream({ result: 0 }, { statusOverrides })).toBeUndefined()
    // An unreadable answer is this library's finding, not a code the platform sent: a key 3 leaves it alone.
    expect(fromUpstream('not JSON', { statusOverrides: { 3: 500 } })!.status).toBe(502)
  })

  it('reads only the own entries of statusOverrides, which are the ones checked', () => {
    const inherited = Object.create({ 53: 200 }) as Record<number, number>
    expect(fromUpstream({ result: 53 }, { statusOverrides: inherited })!.status).toBe(401)
  })

  it.each([
    ['a status under 400', { 53: 302 }],
    ['a status over 599', { 53: 600 }],
    ['a fraction', { 53: 502.5 }],
    ['a string', { 53: '502' }],
    ['null', { 53: null }],
    ['undefined', { 53: undefined }],
  ])('refuses statusOverrides with %s, whatever the answer', (_label, overrides) => {
    const statusOverrides = overrides as never
    expect(() => fromUpstream({ result: 0 }, { statusOverrides })).toThrow(
      new TypeError('fromUpstream: statusOverrides[53] must be an integer from 400 to 599'),
    )
    expect(() => assertUpstreamOk({ result: 0 }, { statusOverrides })).toThrow(
      new TypeError('assertUpstreamOk: statusOverrides[53] must be an integer from 400 to 599'),
    )
  })

  it('never writes to Object.prototype, whatever the body holds', () => {
    const before = prototypeSnapshot()
    const parsed = JSON.parse('{"__proto__":{"polluted":1},"result":22}')
    expect(fromUpstream(parsed)?.code).toBe(22)
    expect(fromUpstream('{"__proto__":{"polluted":1},"result":22}')?.code).toBe(22)
    expect(() => assertUpstreamOk(parsed)).toThrow(SignError)
    expect(prototypeSnapshot()).toEqual(before)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(({} as Record<string, unknown>).result).toBeUndefined()
  })
})

describe('assertUpstreamOk', () => {
  it('returns the data of a result-0 answer', () => {
    expect(assertUpstreamOk({ result: 0, message: 'Success', data: 'eyJpZCI6MX0=', mac: 'ab' })).toBe(
      'eyJpZCI6MX0=',
    )
    expect(assertUpstreamOk('{"result":0,"data":{"id":7}}')).toEqual({ id: 7 })
    expect(assertUpstreamOk({ result: '0', data: [1, 2] })).toEqual([1, 2])
  })

  it('returns undefined when a success has no data', () => {
    expect(assertUpstreamOk({ result: 0, message: 'Success' })).toBeUndefined()
  })

  it('types the data by its type parameter, or checks it with parse', () => {
    const body = { result: 0, data: { at: 'tok-1' } }
    const { at } = assertUpstreamOk<{ at: string }>(body)
    expect(at).toBe('tok-1')
    const parsed = assertUpstreamOk(body, { parse: z.object({ at: z.string().min(3) }) })
    expectTypeOf(parsed).toEqualTypeOf<{ at: string }>()
    expect(parsed).toEqual({ at: 'tok-1' })
    const refused = (() => {
      try {
        return assertUpstreamOk(body, { parse: z.object({ at: z.number() }) })
      } catch (error) {
        return error
      }
    })() as SignError
    expect([refused.code, refused.status]).toEqual([3, 502])
    expect((refused.cause as UpstreamError).message).toMatch(
      /^upstream answer: the answer does not have the expected shape: at: /,
    )
  })

  it('keeps the HTTP status given as httpStatus on the cause, as the cause names it', () => {
    const causeOf = (error: SignError | undefined) => error!.cause as UpstreamError
    expect(causeOf(fromUpstream({ result: 22 }, { httpStatus: 200 })).httpStatus).toBe(200)
    // The former name still works.
    expect(causeOf(fromUpstream({ result: 22 }, { status: 503 })).httpStatus).toBe(503)
    expect(() => assertUpstreamOk({ result: 41 }, { httpStatus: 200 })).toThrow(SignError)
  })

  it('does not take data from the prototype', () => {
    expect(assertUpstreamOk(JSON.parse('{"result":0,"__proto__":{"data":"inherited"}}'))).toBeUndefined()
  })

  it('throws the SignError of an error answer', () => {
    const err = thrownBy(() => assertUpstreamOk({ result: 41, message: 'nope' }, { status: 200 }))
    expect(err).toBeInstanceOf(SignError)
    expect((err as SignError).code).toBe(41)
    expect((err as SignError).status).toBe(404)
    expect(((err as SignError).cause as UpstreamError).message).toBe(
      'upstream answered result 41 ("nope") with HTTP 200',
    )
  })

  it('throws code 3 with status 502 for an unreadable body', () => {
    const err = thrownBy(() => assertUpstreamOk('{"result": 2')) as SignError
    expect(err.code).toBe(3)
    expect(err.status).toBe(502)
  })

  it('uses the given field names', () => {
    expect(
      assertUpstreamOk({ rc: 0, payload: 'p', data: 'd' }, { fields: { result: 'rc', data: 'payload' } }),
    ).toBe('p')
  })
})

describe('callUpstream against a real server', () => {
  let platform: FakePlatform
  beforeAll(async () => {
    platform = await startFakePlatform()
  })
  afterAll(async () => {
    await platform.close()
  })

  it('returns the data of a result-0 answer', async () => {
    expect(await callUpstream(`${platform.url}/ok`)).toBe('eyJpZCI6ImRvYy0xIn0=')
  })

  it('checks and types the data with a zod schema given as parse', async () => {
    const session = await callUpstream(`${platform.url}/session`, undefined, {
      parse: z.object({ at: z.string(), expiresIn: z.coerce.number() }),
    })
    expectTypeOf(session).toEqualTypeOf<{ at: string; expiresIn: number }>()
    // The schema's output, not the raw data: "1500" was coerced.
    expect(session).toEqual({ at: 'tok-123', expiresIn: 1500 })
  })

  it('answers data the schema refuses with 502 code 3, the issues on the cause and never in the body', async () => {
    const app = express()
    app.get('/session', async (_req, res) => {
      res.json(
        await callUpstream(`${platform.url}/session`, undefined, {
          parse: z.object({ token: z.string(), at: z.number() }),
        }),
      )
    })
    app.use(errorHandler({ log: false }))
    const res = await request(app).get('/session')
    expect(res.status).toBe(502)
    expect(res.body).toEqual({
      code: 3,
      name: 'DataFormatError',
      message: 'Data format error',
      status: 502,
      retryable: false,
    })
    expect(res.text).not.toMatch(/token|tok-123|expected/i)

    const err = await signErrorOf(
      callUpstream(`${platform.url}/session`, undefined, { parse: z.object({ token: z.string() }) }),
    )
    expect([err.code, err.status]).toEqual([3, 502])
    const cause = err.cause as UpstreamError
    expect(cause.message).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/session: the answer does not have the expected shape: token: /,
    )
    // Paths and messages only: a validator may quote the values, which are the platform's data.
    expect(cause.message).not.toContain('tok-123')
  })

  it('answers data a parse function refuses with 502 code 3, its error as the cause', async () => {
    const refusal = new Error('no expiry')
    const err = await signErrorOf(
      callUpstream(`${platform.url}/session`, undefined, {
        parse: () => {
          throw refusal
        },
      }),
    )
    expect([err.code, err.status]).toEqual([3, 502])
    expect((err.cause as UpstreamError).cause).toBe(refusal)
  })

  it('refuses a parse that is neither a function nor a schema, before any request', async () => {
    await expect(
      callUpstream(`${platform.url}/session`, undefined, { parse: { parse: () => 1 } as never }),
    ).rejects.toThrow(new TypeError('callUpstream: parse must be a function or a schema with safeParse'))
  })

  it('passes method, headers and body through', async () => {
    const data = await callUpstream(new URL('/echo', platform.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"email":"a@b.c"}',
    })
    expect(data).toBe('POST application/json {"email":"a@b.c"}')
  })

  it('turns result 22 into WrongPassword with the catalog message and status', async () => {
    const err = await signErrorOf(callUpstream(`${platform.url}/wrong-password`))
    expect(err.code).toBe(22)
    expect(err.codeName).toBe('WrongPassword')
    expect(err.status).toBe(401)
    expect(err.message).toBe('Wrong password')
    expect(err.retryable).toBe(false)
    expect(err.details).toBeUndefined()
    const cause = err.cause as UpstreamError
    expect(cause).toBeInstanceOf(UpstreamError)
    expect(cause.message).toBe('upstream answered result 22 ("Password incorrect") with HTTP 200')
    expect(cause.result).toBe(22)
    expect(cause.upstreamMessage).toBe('Password incorrect')
    expect(cause.httpStatus).toBe(200)
  })

  it('answers the service credential codes with 502 when told to, end to end through errorHandler()', async () => {
    const app = express()
    app.get('/session', async (req, res, next) => {
      try {
        const overrides = req.query.mapped === 'yes' ? { statusOverrides: { 53: 502 } } : undefined
        res.json(await callUpstream(`${platform.url}/integration-key`, undefined, overrides))
      } catch (error) {
        next(error)
      }
    })
    app.use(errorHandler({ log: false }))

    const plain = await request(app).get('/session')
    expect(plain.status).toBe(401)
    expect(plain.headers['www-authenticate']).toBe('Bearer')

    const mapped = await request(app).get('/session?mapped=yes')
    expect(mapped.status).toBe(502)
    expect(mapped.headers['www-authenticate']).toBeUndefined()
    expect(mapped.text).toBe(
      '{"code":53,"name":"IntegrationKeyNotFound","message":"Integration key does not exist",' +
        '"status":502,"retryable":false}',
    )
  })

  it('refuses bad statusOverrides before making the call', async () => {
    await expect(
      callUpstream(`${platform.url}/ok`, undefined, { statusOverrides: { 53: 200 } }),
    ).rejects.toThrow(new TypeError('callUpstream: statusOverrides[53] must be an integer from 400 to 599'))
  })

  it('turns a code outside the catalog into a 502 UnknownCode', async () => {
    const err = await signErrorOf(callUpstream(`${platform.url}/unknown`))
    expect(err.code).toBe(9999)
    expect(err.codeName).toBe('UnknownCode')
    expect(err.status).toBe(502)
    expect(err.retryable).toBe(false)
    expect((err.cause as UpstreamError).result).toBe(9999)
  })

  it('reads a numeric-string result', async () => {
    const err = await signErrorOf(callUpstream(`${platform.url}/string-result`))
    expect(err.code).toBe(22)
    expect(err.status).toBe(401)
  })

  it('believes a platform answer sent with a non-2xx status', async () => {
    const err = await signErrorOf(callUpstream(`${platform.url}/busy-503`))
    expect(err.code).toBe(89)
    expect(err.status).toBe(503)
    expect(err.retryable).toBe(true)
    expect((err.cause as UpstreamError).message).toBe(
      'upstream answered result 89 ("The system is busy") with HTTP 503',
    )
  })

  it('turns a 404 with an empty body into code 4, 502, retryable', async () => {
    const err = await signErrorOf(callUpstream(`${platform.url}/empty-404`))
    expect(err.code).toBe(4)
    expect(err.status).toBe(502)
    expect(err.retryable).toBe(true)
    expect(err.expose).toBe(false)
    expect(err.message).toBe('Processing failed')
    const cause = err.cause as UpstreamError
    expect(cause).toBeInstanceOf(UpstreamError)
    expect(cause.message).toBe('upstream answered HTTP 404 with an empty body')
    expect(cause.httpStatus).toBe(404)
    expect(cause.result).toBeUndefined()
  })

  it('turns a proxy HTML page into code 4, 502, retryable', async () => {
    const err = await signErrorOf(callUpstream(`${platform.url}/html-502`))
    expect(err.code).toBe(4)
    expect(err.status).toBe(502)
    expect(err.retryable).toBe(true)
    expect((err.cause as UpstreamError).message).toBe(
      'upstream answered HTTP 502 with a body that is not a platform answer',
    )
  })

  it('turns a truncated JSON body on HTTP 200 into code 3, 502', async () => {
    const err = await signErrorOf(callUpstream(`${platform.url}/garbage`))
    expect(err.code).toBe(3)
    expect(err.codeName).toBe('DataFormatError')
    expect(err.status).toBe(502)
    expect(err.retryable).toBe(false)
    const cause = err.cause as UpstreamError
    expect(cause.message).toBe('upstream answer is not JSON with HTTP 200')
    expect(cause.cause).toBeUndefined()
  })

  it('does not let a "__proto__" body pass as success nor pollute prototypes', async () => {
    const before = prototypeSnapshot()
    const err = await signErrorOf(callUpstream(`${platform.url}/proto`))
    expect(err.code).toBe(3)
    expect(err.status).toBe(502)
    expect((err.cause as UpstreamError).message).toBe('upstream answer has no "result" with HTTP 200')
    expect(prototypeSnapshot()).toEqual(before)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('turns a connection closed mid-body into code 4, 502, retryable', async () => {
    const err = await signErrorOf(callUpstream(`${platform.url}/close-mid-body`))
    expect(err.code).toBe(4)
    expect(err.status).toBe(502)
    expect(err.retryable).toBe(true)
    expect(err.cause).toBeInstanceOf(TypeError)
    expect(err.cause).not.toBeInstanceOf(UpstreamError)
  })

  it('times out a server that never answers: code 4, 504, retryable', async () => {
    const started = Date.now()
    const err = await signErrorOf(callUpstream(`${platform.url}/hang`, undefined, { timeoutMs: 150 }))
    expect(Date.now() - started).toBeLessThan(3000)
    expect(err.code).toBe(4)
    expect(err.status).toBe(504)
    expect(err.retryable).toBe(true)
    expect(err.cause).toBeInstanceOf(DOMException)
    expect((err.cause as DOMException).name).toBe('TimeoutError')
  })

  it('times out a body that stops halfway: code 4, 504', async () => {
    const err = await signErrorOf(
      callUpstream(`${platform.url}/stall-mid-body`, undefined, { timeoutMs: 150 }),
    )
    expect(err.code).toBe(4)
    expect(err.status).toBe(504)
    expect((err.cause as DOMException).name).toBe('TimeoutError')
  })

  it('rethrows the caller abort untouched, waiting for headers', async () => {
    const controller = new AbortController()
    const reason = new Error('client went away')
    setTimeout(() => controller.abort(reason), 50)
    const error = await rejectionOf(callUpstream(`${platform.url}/hang`, { signal: controller.signal }))
    expect(error).toBe(reason)
  })

  it('rethrows the caller abort untouched, reading the body', async () => {
    const controller = new AbortController()
    const reason = new Error('client went away')
    setTimeout(() => controller.abort(reason), 50)
    const error = await rejectionOf(
      callUpstream(`${platform.url}/stall-mid-body`, { signal: controller.signal }, { timeoutMs: 5000 }),
    )
    expect(error).toBe(reason)
  })

  // fetch itself rejects with an AbortError of its own when the reason is falsy.
  it.each([0, ''])(
    'rethrows a falsy reason (%j) itself, waiting for headers and reading the body',
    async (reason) => {
      for (const path of ['hang', 'stall-mid-body']) {
        const controller = new AbortController()
        setTimeout(() => controller.abort(reason), 50)
        const error = await rejectionOf(
          callUpstream(`${platform.url}/${path}`, { signal: controller.signal }, { timeoutMs: 5000 }),
        )
        expect(error).toBe(reason)
      }
    },
  )

  it('rethrows an abort that happened before the call', async () => {
    const reason = new Error('already gone')
    const error = await rejectionOf(callUpstream(`${platform.url}/ok`, { signal: AbortSignal.abort(reason) }))
    expect(error).toBe(reason)
  })

  it('still times out when the caller passes a signal that never fires', async () => {
    const controller = new AbortController()
    const err = await signErrorOf(
      callUpstream(`${platform.url}/hang`, { signal: controller.signal }, { timeoutMs: 100 }),
    )
    expect(err.status).toBe(504)
  })

  it('stops reading a 50 MB body at the default 10 MiB limit', async () => {
    const started = Date.now()
    const err = await signErrorOf(callUpstream(`${platform.url}/huge`))
    expect(err.code).toBe(4)
    expect(err.status).toBe(502)
    // The same answer would come again, as long: not worth a retry.
    expect(err.retryable).toBe(false)
    const cause = err.cause as UpstreamError
    expect(cause).toBeInstanceOf(UpstreamError)
    expect(cause.message).toBe('upstream body is larger than the limit of 10485760 bytes')
    expect(cause.httpStatus).toBe(200)
    const outcome = await platform.lastHuge()
    expect(outcome.completed).toBe(false)
    expect(outcome.bytesWritten).toBeLessThan(HUGE_BYTES)
    expect(Date.now() - started).toBeLessThan(5000)
  })

  it('stops reading a 50 MB body at a small limit, long before the end', async () => {
    const err = await signErrorOf(callUpstream(`${platform.url}/huge`, undefined, { maxBytes: 1024 }))
    expect(err.status).toBe(502)
    expect((err.cause as UpstreamError).message).toBe('upstream body is larger than the limit of 1024 bytes')
    const outcome = await platform.lastHuge()
    expect(outcome.completed).toBe(false)
    expect(outcome.bytesWritten).toBeLessThan(HUGE_BYTES / 2)
  })

  it('accepts a body exactly at the limit', async () => {
    const size = Buffer.byteLength(
      '{"result":0,"message":"Success","data":"eyJpZCI6ImRvYy0xIn0=","mac":"9f2c"}',
    )
    expect(await callUpstream(`${platform.url}/ok`, undefined, { maxBytes: size })).toBe(
      'eyJpZCI6ImRvYy0xIn0=',
    )
    const err = await signErrorOf(callUpstream(`${platform.url}/ok`, undefined, { maxBytes: size - 1 }))
    expect(err.status).toBe(502)
  })
})

describe('callUpstream without a server', () => {
  it('turns a refused connection into code 4, 502, retryable', async () => {
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    await new Promise<void>((resolve) => server.close(() => resolve()))

    const err = await signErrorOf(callUpstream(`http://127.0.0.1:${port}/ok`))
    expect(err.code).toBe(4)
    expect(err.status).toBe(502)
    expect(err.retryable).toBe(true)
    expect(err.cause).toBeInstanceOf(TypeError)
    expect(((err.cause as TypeError).cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED')
  })

  it('uses an injected fetch, with the caller init and a signal', async () => {
    const seen: { method: string | undefined; signal: unknown }[] = []
    const fakeFetch = (async (_url: string | URL | Request, init?: RequestInit) => {
      seen.push({ method: init?.method, signal: init?.signal })
      return new Response('{"result":0,"data":"injected"}')
    }) as typeof fetch
    expect(await callUpstream('http://platform.invalid/x', { method: 'PUT' }, { fetch: fakeFetch })).toBe(
      'injected',
    )
    expect(seen).toHaveLength(1)
    expect(seen[0]?.method).toBe('PUT')
    expect(seen[0]?.signal).toBeInstanceOf(AbortSignal)
  })

  it('refuses a declared Content-Length over the limit without reading the body', async () => {
    let cancelled = false
    const body = new ReadableStream<Uint8Array>({
      cancel() {
        cancelled = true
      },
    })
    const fakeFetch = (async () =>
      new Response(body, { headers: { 'content-length': '2048' } })) as unknown as typeof fetch
    const err = await signErrorOf(
      callUpstream('http://platform.invalid/x', undefined, { fetch: fakeFetch, maxBytes: 1024 }),
    )
    expect(err.code).toBe(4)
    expect(err.status).toBe(502)
    expect((err.cause as UpstreamError).message).toBe('upstream body is larger than the limit of 1024 bytes')
    expect(cancelled).toBe(true)
  })

  it('treats result 0 on a non-2xx status as a failure', async () => {
    const fakeFetch = (async () =>
      new Response('{"result":0,"data":"x"}', { status: 500 })) as unknown as typeof fetch
    const err = await signErrorOf(callUpstream('http://platform.invalid/x', undefined, { fetch: fakeFetch }))
    expect(err.code).toBe(4)
    expect(err.status).toBe(502)
    expect((err.cause as UpstreamError).message).toBe('upstream answered HTTP 500 with result 0')
  })

  it('reads the field names of a sibling protocol', async () => {
    const fakeFetch = (async () => new Response('{"rc":"41","text":"no doc"}')) as unknown as typeof fetch
    const err = await signErrorOf(
      callUpstream('http://platform.invalid/x', undefined, {
        fetch: fakeFetch,
        fields: { result: 'rc', message: 'text' },
      }),
    )
    expect(err.code).toBe(41)
    expect((err.cause as UpstreamError).upstreamMessage).toBe('no doc')
  })

  it('rejects a maxBytes that is not a number of bytes', async () => {
    await expect(
      callUpstream('http://platform.invalid/x', undefined, { maxBytes: Number.NaN }),
    ).rejects.toThrow(RangeError)
  })
})

describe('callUpstream refuses programming errors before any request', () => {
  const neverCalled = (() => {
    throw new Error('fetch must not be called')
  }) as unknown as typeof fetch

  it.each([
    [3e9, 'callUpstream: timeoutMs must be an integer from 1 to 2147483647, got 3000000000'],
    [
      Number.POSITIVE_INFINITY,
      'callUpstream: timeoutMs must be an integer from 1 to 2147483647, got Infinity',
    ],
    [-1, 'callUpstream: timeoutMs must be an integer from 1 to 2147483647, got -1'],
    [0, 'callUpstream: timeoutMs must be an integer from 1 to 2147483647, got 0'],
    [1500.5, 'callUpstream: timeoutMs must be an integer from 1 to 2147483647, got 1500.5'],
    [Number.NaN, 'callUpstream: timeoutMs must be an integer from 1 to 2147483647, got NaN'],
  ])('timeoutMs %s is a RangeError that names the option', async (timeoutMs, message) => {
    const error = await rejectionOf(
      callUpstream('http://platform.invalid/x', undefined, { timeoutMs, fetch: neverCalled }),
    )
    expect(error).toBeInstanceOf(RangeError)
    expect((error as Error).message).toBe(message)
  })

  it('timeoutMs that is not a number is a TypeError', async () => {
    const error = await rejectionOf(
      callUpstream('http://platform.invalid/x', undefined, {
        timeoutMs: '5000' as never,
        fetch: neverCalled,
      }),
    )
    expect(error).toBeInstanceOf(TypeError)
    expect((error as Error).message).toBe(
      'callUpstream: timeoutMs must be a number of milliseconds, got string',
    )
  })

  it('accepts the largest timer Node keeps', async () => {
    const fakeFetch = (async () => new Response('{"result":0,"data":1}')) as unknown as typeof fetch
    expect(
      await callUpstream('http://platform.invalid/x', undefined, {
        timeoutMs: 2 ** 31 - 1,
        fetch: fakeFetch,
      }),
    ).toBe(1)
  })

  it.each([
    [-1, RangeError, 'callUpstream: maxBytes must be an integer of 0 or more, got -1'],
    [1.5, RangeError, 'callUpstream: maxBytes must be an integer of 0 or more, got 1.5'],
    ['1024', TypeError, 'callUpstream: maxBytes must be a number of bytes, got string'],
  ])('maxBytes %j is refused with a message that names it', async (maxBytes, kind, message) => {
    const error = await rejectionOf(
      callUpstream('http://platform.invalid/x', undefined, {
        maxBytes: maxBytes as never,
        fetch: neverCalled,
      }),
    )
    expect(error).toBeInstanceOf(kind)
    expect((error as Error).message).toBe(message)
  })

  it.each([
    ['a relative path', '/api/login'],
    ['not a URL at all', 'platform?accesstoken=tok-123'],
    ['a file URL', 'file:///etc/passwd'],
    ['credentials in the URL', 'https://user:tok-123@platform.example/x'],
  ])('an invalid URL (%s) is a TypeError, not a retryable 502, and is not repeated', async (_label, url) => {
    const error = await rejectionOf(callUpstream(url, undefined, { fetch: neverCalled }))
    expect(error).toBeInstanceOf(TypeError)
    expect(error).not.toBeInstanceOf(SignError)
    expect((error as Error).message).toMatch(/^callUpstream: url must/)
    expect((error as Error).message).not.toContain('tok-123')
  })
})

describe('callUpstream and redirects', () => {
  /** A server on 127.0.0.1 that records what it gets and answers with `handle`. */
  async function server(handle: (req: IncomingMessage, res: ServerResponse, origin: string) => void) {
    const got: string[] = []
    const listening = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        got.push(`${req.method} ${req.url} ${Buffer.concat(chunks)}`.trimEnd())
        handle(req, res, origin)
      })
    })
    await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve))
    const origin = `http://127.0.0.1:${(listening.address() as AddressInfo).port}`
    return { origin, got, close: () => new Promise<void>((resolve) => listening.close(() => resolve())) }
  }
  const ok = (res: ServerResponse, data: string) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ result: 0, data }))
  }
  const redirect = (res: ServerResponse, status: number, location: string) => {
    res.writeHead(status, { location })
    res.end()
  }

  let other: Awaited<ReturnType<typeof server>>
  let first: Awaited<ReturnType<typeof server>>
  beforeAll(async () => {
    other = await server((req, res) => ok(res, `other got ${req.url}`))
    first = await server((req, res, origin) => {
      const url = new URL(req.url ?? '/', origin)
      const status = Number(url.searchParams.get('status') ?? 307)
      if (url.pathname === '/away') return redirect(res, status, `${other.origin}/took${url.search}`)
      if (url.pathname === '/here') return redirect(res, status, `/landed${url.search}`)
      if (url.pathname === '/loop') return redirect(res, 307, '/loop')
      if (url.pathname === '/landed') return ok(res, `landed ${req.method}`)
      res.writeHead(304)
      res.end()
    })
  })
  afterAll(async () => {
    await Promise.all([other.close(), first.close()])
  })

  it.each([[301], [302], [303], [307], [308]])(
    'a %i to another origin is code 4, 502, not retryable, and nothing reaches it',
    async (status) => {
      other.got.length = 0
      const err = await signErrorOf(
        callUpstream(`${first.origin}/away?status=${status}&accesstoken=tok-123456789`, {
          method: 'POST',
          body: 'data=ab12&mac=cd34',
        }),
      )
      expect([err.code, err.status, err.retryable]).toEqual([4, 502, false])
      const cause = err.cause as UpstreamError
      expect(cause.message).toBe(`upstream answered HTTP ${status}, a redirect, which is not followed`)
      expect(cause.httpStatus).toBe(status)
      expect(other.got).toEqual([])
    },
  )

  it("redirects: 'same-origin' follows one to the same origin, sending the request again whole", async () => {
    const options = { redirects: 'same-origin' as const }
    const post = { method: 'POST', body: 'data=ab12&mac=cd34' }
    first.got.length = 0
    expect(await callUpstream(`${first.origin}/here?status=307&n=1`, post, options)).toBe('landed POST')
    expect(await callUpstream(`${first.origin}/here?status=308&n=2`, post, options)).toBe('landed POST')
    expect(await callUpstream(`${first.origin}/here?status=302&n=3`, undefined, options)).toBe('landed GET')
    expect(first.got).toEqual([
      'POST /here?status=307&n=1 data=ab12&mac=cd34',
      'POST /landed?status=307&n=1 data=ab12&mac=cd34',
      'POST /here?status=308&n=2 data=ab12&mac=cd34',
      'POST /landed?status=308&n=2 data=ab12&mac=cd34',
      'GET /here?status=302&n=3',
      'GET /landed?status=302&n=3',
    ])
  })

  it.each([
    ['to another origin', '/away?status=307', 'a redirect to another origin, which is never followed'],
    [
      'a 303 of a POST',
      '/here?status=303',
      'a redirect that would not send the same request, which is not followed',
    ],
    [
      'a 301 of a POST',
      '/here?status=301',
      'a redirect that would not send the same request, which is not followed',
    ],
    [
      'a 3xx that is no redirect',
      '/not-modified',
      'a redirect that would not send the same request, which is not followed',
    ],
    ['a loop', '/loop', 'more than 5 redirects'],
  ])("redirects: 'same-origin' refuses %s", async (_label, path, why) => {
    other.got.length = 0
    const err = await signErrorOf(
      callUpstream(`${first.origin}${path}`, { method: 'POST', body: 'x=1' }, { redirects: 'same-origin' }),
    )
    expect([err.code, err.status, err.retryable]).toEqual([4, 502, false])
    expect((err.cause as UpstreamError).message).toMatch(
      new RegExp(`^upstream answered HTTP \\d{3}, ${why}$`),
    )
    expect(other.got).toEqual([])
  })

  it('refuses a redirects option it does not know, before any request', async () => {
    const error = await rejectionOf(
      callUpstream(`${first.origin}/landed`, undefined, { redirects: 'follow' as never }),
    )
    expect(error).toEqual(new TypeError("callUpstream: redirects must be 'error' or 'same-origin'"))
  })
})

describe('callUpstream decodes the body as declared', () => {
  const answering = (bytes: Uint8Array, contentType?: string) =>
    (async () =>
      new Response(
        bytes,
        contentType === undefined ? {} : { headers: { 'content-type': contentType } },
      )) as unknown as typeof fetch

  it('strips a UTF-8 byte order mark before the JSON', async () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"result":0,"data":"ok"}')])
    expect(await callUpstream('http://platform.invalid/x', undefined, { fetch: answering(body) })).toBe('ok')
    const withType = answering(body, 'application/json; charset=utf-8')
    expect(await callUpstream('http://platform.invalid/x', undefined, { fetch: withType })).toBe('ok')
  })

  it('still reads an error answer behind a byte order mark', async () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"result":22}')])
    const err = await signErrorOf(
      callUpstream('http://platform.invalid/x', undefined, { fetch: answering(body) }),
    )
    expect(err.code).toBe(22)
  })

  it('honours a declared charset', async () => {
    // "Müller" in ISO-8859-1: ü is the single byte 0xfc, which UTF-8 would turn into U+FFFD.
    const body = Buffer.from('{"result":0,"data":"M\u00fcller"}', 'latin1')
    const fetchLatin1 = answering(body, 'application/json; charset=ISO-8859-1')
    expect(await callUpstream('http://platform.invalid/x', undefined, { fetch: fetchLatin1 })).toBe('Müller')
    const quoted = answering(body, 'application/json;charset="iso-8859-1"')
    expect(await callUpstream('http://platform.invalid/x', undefined, { fetch: quoted })).toBe('Müller')
  })

  it('reads UTF-16 announced by its byte order mark', async () => {
    const text = '{"result":0,"data":"名字"}'
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])
    expect(await callUpstream('http://platform.invalid/x', undefined, { fetch: answering(le) })).toBe('名字')
  })

  it('falls back to UTF-8 for an unknown charset label', async () => {
    const body = Buffer.from('{"result":0,"data":"名字 Müller"}')
    const fetchUnknown = answering(body, 'application/json; charset=x-no-such-charset')
    expect(await callUpstream('http://platform.invalid/x', undefined, { fetch: fetchUnknown })).toBe(
      '名字 Müller',
    )
  })
})
