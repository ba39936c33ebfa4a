import {
  Codes,
  createResponder,
  type ErrorHandlerOptions,
  type ErrorResponse,
  SignError,
  success,
  toErrorResponse,
} from 'esign-errors'
import createError from 'http-errors'
import { describe, expect, it, vi } from 'vitest'
import { normalize } from '../../src/respond/normalize.js'

const JSON_TYPE = 'application/json; charset=utf-8'
const PROBLEM_TYPE = 'application/problem+json; charset=utf-8'
const BASE_HEADERS = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' }

describe('toErrorResponse', () => {
  it('a SignError without a request: the JSON envelope, byte for byte', () => {
    const body =
      '{"code":22,"name":"WrongPassword","message":"Wrong password","status":401,"retryable":false}'
    expect(toErrorResponse(new SignError(Codes.WrongPassword))).toEqual({
      status: 401,
      headers: {
        ...BASE_HEADERS,
        'content-type': JSON_TYPE,
        'www-authenticate': 'Bearer',
        'content-length': String(body.length),
      },
      body,
      code: 22,
      name: 'WrongPassword',
      requestId: undefined,
    })
  })

  it('the same error for a client that prefers problem+json: RFC 9457, byte for byte', () => {
    const body =
      '{"type":"about:blank","title":"Unauthorized","status":401,"detail":"Wrong password",' +
      '"instance":"/sessions","code":22,"name":"WrongPassword","retryable":false,"requestId":"req-1"}'
    const req = {
      method: 'POST',
      url: '/sessions?next=/home',
      headers: { accept: 'application/problem+json', 'x-request-id': 'req-1' },
    }
    expect(toErrorResponse(new SignError(Codes.WrongPassword), req)).toEqual({
      status: 401,
      headers: {
        ...BASE_HEADERS,
        'content-type': PROBLEM_TYPE,
        'www-authenticate': 'Bearer',
        'x-request-id': 'req-1',
        'content-length': String(body.length),
      },
      body,
      code: 22,
      name: 'WrongPassword',
      requestId: 'req-1',
    })
  })

  it('details and a numeric req.id: members in the documented order', () => {
    const error = new SignError(Codes.ParameterError, {
      message: 'email is required',
      details: { field: 'email' },
    })
    const response = toErrorResponse(error, { id: 42, headers: { 'x-request-id': 'ignored-1' } })
    expect(response.body).toBe(
      '{"code":1,"name":"ParameterError","message":"email is required","status":400,"retryable":false,' +
        '"requestId":"42","details":{"field":"email"}}',
    )
    expect(response.headers['x-request-id']).toBe('42')
  })

  it('a plain Error: the fixed 500 body', () => {
    const response = toErrorResponse(new Error('db password=hunter2'))
    expect(response.status).toBe(500)
    expect(response.body).toBe(
      '{"code":4,"name":"ProcessingFailed","message":"Processing failed","status":500,"retryable":true}',
    )
    expect(response.headers['www-authenticate']).toBeUndefined()
  })

  it("format 'problem' with problemBaseUrl for an unknown code, no request: no instance", () => {
    const options: ErrorHandlerOptions = {
      format: 'problem',
      problemBaseUrl: 'https://docs.example.com/errors/',
    }
    const response = toErrorResponse(new SignError(9999), undefined, options)
    expect(response.status).toBe(502)
    expect(response.headers['content-type']).toBe(PROBLEM_TYPE)
    expect(response.body).toBe(
      '{"type":"https://docs.example.com/errors/unknown-code","title":"Unknown return code 9999","status":502,' +
        '"detail":"Unknown return code 9999","code":9999,"name":"UnknownCode","retryable":false}',
    )
  })

  it('the same options object gives the same answer each time', () => {
    const options: ErrorHandlerOptions = { format: 'json', statusOverrides: { 42: 404 } }
    const first = toErrorResponse(new SignError(Codes.DocumentNotOwned), undefined, options)
    const second = toErrorResponse(new SignError(Codes.DocumentNotOwned), undefined, options)
    expect(second).toEqual(first)
    expect(first.status).toBe(404)
  })

  it('options are read once: a later change to the object, or to a table in it, changes nothing', () => {
    const options: ErrorHandlerOptions = {
      format: 'json',
      fallbackCodes: { 418: 1 },
      statusOverrides: { 42: 404 },
      messages: { fr: { 22: 'Mot de passe incorrect' } },
    }
    const french = { headers: { 'accept-language': 'fr' } }
    const answers = () => [
      toErrorResponse(createError(418), undefined, options),
      toErrorResponse(new SignError(Codes.DocumentNotOwned), undefined, options),
      toErrorResponse(new SignError(Codes.WrongPassword), french, options),
    ]
    const before = answers()
    expect(before.map((answer) => [answer.status, answer.code])).toEqual([
      [418, 1],
      [404, 42],
      [401, 22],
    ])
    expect(JSON.parse(before[2]!.body).message).toBe('Mot de passe incorrect')

    options.format = 'problem'
    ;(options.fallbackCodes as Record<number, number>)[418] = 44
    // A status no check would have let through: 99 would make Node throw in the middle of an answer.
    ;(options.statusOverrides as Record<number, number>)[42] = 99
    ;(options.messages!.fr as Record<number, string>)[22] = ''
    expect(answers()).toEqual(before)

    // A new object is a new set of options.
    const changed = toErrorResponse(createError(418), undefined, {
      ...options,
      statusOverrides: {},
      messages: {},
    })
    expect([changed.status, changed.code, changed.headers['content-type']]).toEqual([418, 44, PROBLEM_TYPE])
  })

  it('createResponder() reads its options once too', () => {
    const fallbackCodes: Record<number, number> = { 418: 1 }
    const responder = createResponder({ fallbackCodes, log: false })
    fallbackCodes[418] = 0
    expect(responder.respond(createError(418)).code).toBe(1)
  })

  it('a translated catalog message', () => {
    const response = toErrorResponse(
      new SignError(Codes.WrongPassword),
      { headers: { 'accept-language': 'fr' } },
      { messages: { fr: { 22: 'Mot de passe incorrect' } } },
    )
    expect(response.body).toBe(
      '{"code":22,"name":"WrongPassword","message":"Mot de passe incorrect","status":401,"retryable":false}',
    )
    expect(response.headers['content-language']).toBe('fr')
  })
})

describe('normalize', () => {
  it('createError(404)', () => {
    expect(normalize(createError(404))).toEqual({
      code: 7,
      name: 'InvalidRequestType',
      status: 404,
      message: 'Not Found',
      catalogMessage: false,
      retryable: false,
      details: undefined,
      headers: undefined,
      retryAfter: undefined,
    })
  })

  it('a SignError with headers and retryAfter', () => {
    const error = new SignError(Codes.SystemBusy, { retryAfter: 30, headers: { 'X-Queue': 'signing' } })
    expect(normalize(error)).toEqual({
      code: 89,
      name: 'SystemBusy',
      status: 503,
      message: 'The system is busy',
      catalogMessage: true,
      retryable: true,
      details: undefined,
      headers: [
        ['x-queue', 'signing'],
        ['retry-after', '30'],
      ],
      retryAfter: 30,
    })
  })

  it('a plain string', () => {
    expect(normalize('boom')).toEqual({
      code: 4,
      name: 'ProcessingFailed',
      status: 500,
      message: 'Processing failed',
      catalogMessage: true,
      retryable: true,
      details: undefined,
      headers: undefined,
      retryAfter: undefined,
    })
  })
})

it('success() wraps data in the success envelope', () => {
  expect(JSON.stringify(success({ documentId: 'D-1' }))).toBe(
    '{"code":0,"message":"Success","data":{"documentId":"D-1"}}',
  )
})

describe('never throws', () => {
  const fail = (what: string) => () => {
    throw new Error(what)
  }
  const allTraps: ProxyHandler<object> = {
    get: fail('get'),
    has: fail('has'),
    ownKeys: fail('ownKeys'),
    getPrototypeOf: fail('getPrototypeOf'),
    getOwnPropertyDescriptor: fail('getOwnPropertyDescriptor'),
    apply: fail('apply'),
  }
  const revoked = Proxy.revocable({}, {})
  revoked.revoke()

  // The stack first: V8 renders a pending stack from name and message when it is redefined.
  const unreadableError = Object.defineProperties(
    Object.defineProperty(new Error('x'), 'stack', { get: fail('stack') }),
    { name: { get: fail('name') }, message: { get: fail('message') }, cause: { get: fail('cause') } },
  )
  const selfCause: Error = new Error('loop')
  selfCause.cause = selfCause
  const endlessCauses = Object.defineProperty(new Error('top'), 'cause', { get: () => endlessCauses })
  const freshCauses = {
    get cause() {
      return freshCauses2()
    },
  }
  function freshCauses2(): object {
    return { message: 'again', cause: freshCauses }
  }
  const unreadableSignError = Object.defineProperties(new SignError(Codes.ParameterError), {
    message: { get: fail('message') },
    headers: { get: fail('headers') },
  })

  // [label, thrown value, expected status, expected code]
  const hostile: [string, unknown, number, number][] = [
    ['a Proxy whose traps all throw', new Proxy({}, allTraps), 500, 4],
    ['a Proxy of a function whose traps all throw', new Proxy(() => {}, allTraps), 500, 4],
    ['a revoked Proxy', revoked.proxy, 500, 4],
    ['an object without a prototype', Object.create(null), 500, 4],
    [
      'an object whose toString and valueOf throw',
      { toString: fail('toString'), valueOf: fail('valueOf') },
      500,
      4,
    ],
    ['an object whose Symbol.toPrimitive throws', { [Symbol.toPrimitive]: fail('toPrimitive') }, 500, 4],
    ['an Error whose name, message, stack and cause getters throw', unreadableError, 500, 4],
    ['an Error that is its own cause', selfCause, 500, 4],
    ['an Error with an endless cause chain', endlessCauses, 500, 4],
    ['an object whose cause getter builds new objects forever', freshCauses, 500, 4],
    ['a SignError whose message and headers getters throw', unreadableSignError, 500, 4],
    ['a frozen Error', Object.freeze(new Error('frozen')), 500, 4],
    ['a function', () => 'x', 500, 4],
    ['an array', [1, 2, 3], 500, 4],
    ['a Symbol', Symbol('s'), 500, 4],
    ['a BigInt', 2n ** 64n, 500, 4],
    ['NaN', Number.NaN, 500, 4],
    [
      'a status-400 error whose headers are a throwing Proxy',
      { status: 400, headers: new Proxy({}, allTraps) },
      400,
      1,
    ],
    [
      'a 401 with a CR/LF WWW-Authenticate header',
      { status: 401, headers: { 'WWW-Authenticate': 'x\r\ny' } },
      401,
      5,
    ],
    [
      'a 429 whose retryAfter is a Proxy that hides its prototype',
      { status: 429, retryAfter: new Proxy({}, { getPrototypeOf: fail('getPrototypeOf') }) },
      429,
      89,
    ],
    ['a 503 whose retryAfter is a string', { status: 503, retryAfter: '30\r\nX-Evil: 1' }, 503, 89],
    [
      'a ZodError-shaped value whose issues throw',
      { name: 'ZodError', issues: new Proxy([], allTraps) },
      500,
      4,
    ],
    [
      'a ZodError-shaped value with junk issues',
      { name: 'ZodError', issues: [null, 5, { path: [{}, 'a', 1, Symbol('s')], message: 7 }] },
      400,
      1,
    ],
    [
      'a SignError whose details have a throwing toJSON',
      new SignError(Codes.ParameterError, { details: { toJSON: fail('toJSON') } }),
      400,
      1,
    ],
    [
      'a SignError whose details are a throwing Proxy',
      new SignError(Codes.ParameterError, { details: new Proxy({}, allTraps) }),
      400,
      1,
    ],
  ]

  const optionSets: [string, ErrorHandlerOptions | undefined][] = [
    ['defaults', undefined],
    ['problem + debug', { format: 'problem', debug: true, problemBaseUrl: 'https://docs.example.com/e/' }],
    [
      'debug + messages',
      { debug: true, messages: { fr: { 1: 'Erreur', 4: 'Échec', 5: 'Jeton', 89: 'Occupé' } } },
    ],
  ]
  const req = {
    method: 'GET',
    url: '/documents?x=1',
    headers: { accept: 'application/problem+json', 'accept-language': 'fr', 'x-request-id': 'r-1' },
  }

  describe.each(optionSets)('%s', (_label, options) => {
    it.each(hostile)('%s', (_name, thrown, status, code) => {
      let response: ErrorResponse | undefined
      expect(() => {
        response = toErrorResponse(thrown, req, options)
      }).not.toThrow()
      if (!response) return
      expect(response.status).toBe(status)
      expect(response.code).toBe(code)
      const body = JSON.parse(response.body) as Record<string, unknown>
      expect(body.code).toBe(code)
      expect(body.status).toBe(status)
      expect(response.headers['content-length']).toBe(String(Buffer.byteLength(response.body)))
      for (const value of Object.values(response.headers)) expect(value).toMatch(/^[\t\x20-\x7e]*$/)
    })
  })

  it('weird but possible requests', () => {
    const requests: unknown[] = [
      {},
      { headers: undefined },
      { url: 42, headers: { accept: 7, 'x-request-id': ['a', 'b'] } },
      { id: { toString: fail('toString') }, headers: {} },
      { originalUrl: '/a b\r\n', headers: { accept: 'application/problem+json' } },
      { headers: { accept: `${'a/b;q=0.1,'.repeat(2000)}application/problem+json` } },
    ]
    for (const request of requests) {
      const response = toErrorResponse(new SignError(Codes.WrongPassword), request)
      expect(response.status).toBe(401)
      expect(JSON.parse(response.body)).toMatchObject({ code: 22, status: 401 })
    }
  })
})

// Options are configuration: a bad one fails when the handler is built, not on the first error it answers.
describe('createResponder option checks', () => {
  it.each([
    [
      { authenticate: 'Bearer\r\nSet-Cookie: a=b' },
      'errorHandler: authenticate must be a header value of visible ASCII (no CR or LF)',
    ],
    [
      { authenticate: '' },
      'errorHandler: authenticate must be a header value of visible ASCII (no CR or LF)',
    ],
    [{ format: 'xml' }, "errorHandler: format must be 'negotiate', 'json' or 'problem', got xml"],
  ])('refuses %j', (options, message) => {
    expect(() => createResponder(options as ErrorHandlerOptions)).toThrow(new TypeError(message))
  })
})

describe('option checks at build time', () => {
  it.each([
    [{ statusOverrides: { 22: 99 } }, 'errorHandler: statusOverrides[22] must be an integer from 400 to 599'],
    [
      { statusOverrides: { 22: 200 } },
      'errorHandler: statusOverrides[22] must be an integer from 400 to 599',
    ],
    [{ fallbackCodes: { 400: 0 } }, 'errorHandler: fallbackCodes[400] must be a non-zero integer code'],
    [{ fallbackCodes: { 200: 1 } }, 'errorHandler: fallbackCodes key 200 must be a status from 400 to 599'],
    [{ log: {} }, 'errorHandler: log must be false, a function, or a logger with error() and warn()'],
    [{ messages: { 'fr\r\nX': {} } }, 'errorHandler: messages key "fr\\r\\nX" is not a language tag'],
    [{ requestId: 'x-id' }, 'errorHandler: requestId must be a function'],
  ])('refuses %j', (options, message) => {
    expect(() => createResponder(options as unknown as ErrorHandlerOptions)).toThrow(new TypeError(message))
  })

  it('accepts every documented option at once', () => {
    const responder = createResponder({
      format: 'negotiate',
      problemBaseUrl: 'https://docs.example.com/errors/',
      debug: false,
      log: console,
      requestId: () => undefined,
      fallbackCodes: { 418: 1 },
      statusOverrides: { 42: 404 },
      authenticate: 'Bearer realm="esign"',
      messages: { 'pt-BR': { 22: 'Senha incorreta' } },
    })
    expect(responder.respond(new SignError(Codes.DocumentNotOwned)).status).toBe(404)
  })
})

describe('Retry-After is always a well-formed value', () => {
  const retryAfter = (value: unknown) =>
    toErrorResponse(Object.assign(createError(503), { retryAfter: value }), undefined).headers['retry-after']

  it.each([
    [30, '30'],
    [0.2, '1'],
    [-5, '0'],
    [1e21, '2147483647'],
    [12345678901, '2147483647'],
    [Number.NaN, undefined],
    [new Date(8.64e15), undefined],
    [new Date(Date.UTC(2099, 0, 1)), 'Thu, 01 Jan 2099 00:00:00 GMT'],
  ])('%s -> %s', (value, expected) => {
    expect(retryAfter(value)).toBe(expected)
  })

  it('a Date that passed between throw and answer leaves no stale header', () => {
    const soon = new Date(Date.now() + 1500)
    const error = new SignError(Codes.SystemBusy, { retryAfter: soon })
    expect(error.headers?.['Retry-After']).toBe(soon.toUTCString())
    const later = Date.now() + 3000
    vi.useFakeTimers({ now: later })
    try {
      expect(toErrorResponse(error, undefined).headers['retry-after']).toBeUndefined()
    } finally {
      vi.useRealTimers()
    }
  })
})

describe('headers of foreign errors', () => {
  it('are taken from an http-errors-shaped error (boolean expose)', () => {
    const error = createError(429, { headers: { 'RateLimit-Policy': '10;w=60' } })
    expect(toErrorResponse(error, undefined).headers['ratelimit-policy']).toBe('10;w=60')
  })

  it('are not taken from an SDK error that merely has a statusCode and the upstream headers', () => {
    const sdkError = Object.assign(new Error('upstream said no'), {
      statusCode: 402,
      headers: { 'x-upstream-account': 'acct_42', server: 'upstream/1.2' },
    })
    const response = toErrorResponse(sdkError, undefined)
    expect(response.status).toBe(402)
    expect(response.headers['x-upstream-account']).toBeUndefined()
    expect(response.headers.server).toBeUndefined()
  })
})

describe('bodies built once per code are the same as those built each time', () => {
  const problem = { accept: 'application/problem+json' }

  it('keeps each responder its own problem title, and each request its own instance and id', () => {
    const docs = createResponder({ problemBaseUrl: 'https://docs.example.com/errors/' })
    const plain = createResponder({})
    for (let i = 0; i < 3; i++) {
      expect(
        JSON.parse(docs.respond(new SignError(22), { url: `/a${i}?t=1`, headers: problem }).body),
      ).toEqual({
        type: 'https://docs.example.com/errors/wrong-password',
        title: 'Wrong password',
        status: 401,
        detail: 'Wrong password',
        instance: `/a${i}`,
        code: 22,
        name: 'WrongPassword',
        retryable: false,
      })
      const body = plain.respond(new SignError(22), { headers: { ...problem, 'x-request-id': `r${i}` } }).body
      expect(body).toBe(
        '{"type":"about:blank","title":"Unauthorized","status":401,"detail":"Wrong password","code":22,' +
          `"name":"WrongPassword","retryable":false,"requestId":"r${i}"}`,
      )
    }
  })

  it('gives a message, status or retryable of the error its own body, not the cached one', () => {
    const responder = createResponder({ statusOverrides: { 23: 403 } })
    const answers = [
      new SignError(22),
      new SignError(22, { message: 'Try again' }),
      new SignError(22, { retryable: true }),
      new SignError(23),
    ].map((error) => JSON.parse(responder.respond(error, { headers: problem }).body))
    expect(answers.map((body) => [body.detail, body.status, body.retryable, body.title])).toEqual([
      ['Wrong password', 401, false, 'Unauthorized'],
      ['Try again', 401, false, 'Unauthorized'],
      ['Wrong password', 401, true, 'Unauthorized'],
      [answers[3].detail, 403, answers[3].retryable, 'Forbidden'],
    ])
  })

  it('gives each JSON answer of one code its own message, status and retryable, past the variants kept', () => {
    const responder = createResponder({})
    const errors = [
      ...['One', 'Two', 'Three', 'Four', 'Five', 'Six'].map((message) => new SignError(22, { message })),
      new SignError(22, { status: 403 }),
      new SignError(22, { retryable: true }),
      new SignError(22),
    ]
    // Twice over: the second pass meets whatever the first one kept.
    for (let pass = 0; pass < 2; pass++) {
      const answers = errors.map((error) => {
        const { status, body } = responder.respond(error)
        const parsed = JSON.parse(body)
        return [status, parsed.message, parsed.status, parsed.retryable]
      })
      expect(answers).toEqual([
        [401, 'One', 401, false],
        [401, 'Two', 401, false],
        [401, 'Three', 401, false],
        [401, 'Four', 401, false],
        [401, 'Five', 401, false],
        [401, 'Six', 401, false],
        [403, 'Wrong password', 403, false],
        [401, 'Wrong password', 401, true],
        [401, 'Wrong password', 401, false],
      ])
    }
  })

  it('gives each path its own problem instance, past the paths kept, and the JSON answer none', () => {
    const responder = createResponder({})
    const paths = Array.from({ length: 20 }, (_, i) => `/documents/D-${i}`)
    for (let pass = 0; pass < 2; pass++) {
      for (const path of paths) {
        const { body, headers } = responder.respond(new SignError(22), {
          url: `${path}?page=2`,
          headers: { accept: 'application/problem+json' },
        })
        expect(JSON.parse(body).instance).toBe(path)
        expect(headers['content-type']).toBe(PROBLEM_TYPE)
        expect(headers['content-length']).toBe(String(Buffer.byteLength(body)))
      }
      const json = responder.respond(new SignError(22), { url: paths[0], headers: {} })
      expect(json.headers['content-type']).toBe(JSON_TYPE)
      expect(JSON.parse(json.body).instance).toBeUndefined()
    }
  })

  it('hands each caller an answer of its own: changing one changes neither the next nor a later one', () => {
    const responder = createResponder({})
    const first = responder.respond(new SignError(22))
    first.headers['x-extra'] = 'mine'
    first.status = 599
    first.body = 'changed'
    const second = responder.respond(new SignError(22))
    expect(second).not.toBe(first)
    expect(second.status).toBe(401)
    expect(second.headers['x-extra']).toBeUndefined()
    expect(second.body).toBe(
      '{"code":22,"name":"WrongPassword","message":"Wrong password","status":401,"retryable":false}',
    )
    expect(Object.isFrozen(second.headers)).toBe(false)
  })

  it('adds nothing of one request to the answer of the next: id, language and origin', () => {
    const responder = createResponder({ messages: { fr: { 22: 'Mot de passe incorrect' } } })
    const answer = (headers: Record<string, string>) => responder.respond(new SignError(22), { headers })
    const bare = answer({})
    expect([
      answer({ 'x-request-id': 'r-1' }).body,
      answer({ 'accept-language': 'fr' }).headers['content-language'],
      answer({ origin: 'https://app.example' }).headers['access-control-expose-headers'],
    ]).toEqual([
      '{"code":22,"name":"WrongPassword","message":"Wrong password","status":401,"retryable":false,"requestId":"r-1"}',
      'fr',
      'Retry-After, X-Request-Id',
    ])
    expect(answer({})).toEqual(bare)
    expect(Object.keys(answer({}).headers)).toEqual(Object.keys(bare.headers))
    expect(bare.headers['content-language']).toBeUndefined()
    expect(bare.requestId).toBeUndefined()
  })

  it('sets Content-Length to the UTF-8 length of every body, translated, with details or an id', () => {
    const responder = createResponder({ messages: { ja: { 22: 'パスワードが違います' } }, debug: true })
    const cases: [unknown, Record<string, string>][] = [
      [new SignError(22), {}],
      [new SignError(22), problem],
      [new SignError(22), { 'accept-language': 'ja', 'x-request-id': 'abc' }],
      [new SignError(22), { ...problem, 'accept-language': 'ja' }],
      [new SignError(4, { details: { ü: 'é' } }), { 'x-request-id': 'abc' }],
      [new SignError(4, { message: 'naïve' }), problem],
    ]
    for (const [error, headers] of cases) {
      const { headers: out, body } = responder.respond(error, { url: '/x', headers })
      expect(out['content-length']).toBe(String(Buffer.byteLength(body)))
    }
  })
})
