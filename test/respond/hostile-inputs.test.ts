/**
 * Values and environments a service does not choose: a polluted Object.prototype, errors from another
 * realm, validators' errors that cannot be read, huge messages, request paths that name another host.
 */
import { runInNewContext } from 'node:vm'
import { Codes, createResponder, describe as describeCode, SignError, toErrorResponse } from 'esign-errors'
import createError from 'http-errors'
import { afterEach, describe, expect, it } from 'vitest'

const proto = Object.prototype as Record<PropertyKey, unknown>
const polluted: PropertyKey[] = []

function pollute(key: PropertyKey, value: unknown): void {
  polluted.push(key)
  proto[key] = value
}

afterEach(() => {
  for (const key of polluted.splice(0)) delete proto[key]
})

const body = (thrown: unknown, req?: object, options?: object) =>
  JSON.parse(toErrorResponse(thrown, req, options).body) as Record<string, unknown>

describe('a polluted Object.prototype is never read as a table or an option', () => {
  it('Object.prototype[502] = 0: createError(502) is still code 4, not "Success"', () => {
    pollute(502, 0)
    expect(body(createError(502))).toMatchObject({ code: 4, name: 'ProcessingFailed', status: 502 })
    // Same through a compiled handler with fallback codes of its own.
    expect(body(createError(502), undefined, { fallbackCodes: { 503: 89 } })).toMatchObject({ code: 4 })
  })

  it('Object.prototype[404] = 0 with a fallbackCodes table of the user: the default code 7', () => {
    pollute(404, 0)
    expect(body(createError(404), undefined, { fallbackCodes: { 400: 1 } })).toMatchObject({ code: 7 })
  })

  it('Object.prototype.debug = true does not turn debug on', () => {
    pollute('debug', true)
    const sent = body(new Error('internal secret'), undefined, { format: 'json' })
    expect(sent).toEqual({
      code: 4,
      name: 'ProcessingFailed',
      message: 'Processing failed',
      status: 500,
      retryable: true,
    })
  })

  it("Object.prototype.format = 'problem' does not change the format", () => {
    pollute('format', 'problem')
    expect(toErrorResponse(new SignError(22), undefined, {}).headers['content-type']).toBe(
      'application/json; charset=utf-8',
    )
  })

  it('an inherited statusOverrides entry does not remap a code', () => {
    pollute(22, 503)
    expect(toErrorResponse(new SignError(22), undefined, { statusOverrides: { 41: 404 } }).status).toBe(401)
  })

  it('an inherited translation is not used', () => {
    pollute(22, 'pwned')
    const sent = body(new SignError(22), { headers: { 'accept-language': 'fr' } }, { messages: { fr: {} } })
    expect(sent.message).toBe('Wrong password')
  })

  it('Object.prototype.status = 400 does not make a plain Error a 400', () => {
    pollute('status', 400)
    pollute('expose', true)
    expect(body(new Error('secret'))).toMatchObject({ code: 4, status: 500, message: 'Processing failed' })
  })

  it('Object.prototype.accept and x-request-id are not read as request headers', () => {
    pollute('accept', 'application/problem+json')
    pollute('x-request-id', 'forged')
    const response = toErrorResponse(new SignError(22), { headers: {} })
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(response.requestId).toBeUndefined()
  })

  it('a logger on Object.prototype.log does not take over the error log', () => {
    const seen: unknown[] = []
    pollute('log', { level: 'info', error: (entry: unknown) => seen.push(entry), warn: () => {} })
    const printed: unknown[] = []
    const original = console.error
    console.error = (...args: unknown[]) => {
      printed.push(args)
    }
    try {
      const responder = createResponder()
      const request = { method: 'GET', url: '/x', headers: {} }
      const thrown = new Error('db down')
      responder.log(responder.respond(thrown, request), thrown, request, {})
    } finally {
      console.error = original
    }
    expect(seen).toEqual([])
    expect(printed).toHaveLength(1)
  })

  it('a code past the catalog does not find an entry on the prototype', () => {
    pollute(5000, { code: 5000, name: 'Forged', status: 200, message: 'x', retryable: true })
    expect(describeCode(5000)).toBeUndefined()
    expect(body(new SignError(5000))).toMatchObject({ code: 5000, name: 'UnknownCode', status: 502 })
  })
})

describe('options refused when the handler is built', () => {
  it.each([
    'https://docs.example.com/errors/ x',
    'https://docs.example.com/<errors>/',
    'https://docs.example.com/"errors"/',
    'https://docs.example.com/%zz/',
    '',
  ])('problemBaseUrl %j', (problemBaseUrl) => {
    expect(() => createResponder({ problemBaseUrl })).toThrow(/problemBaseUrl must be a URI reference/)
  })

  it.each([
    [{ fr: { 22: 123 } }, 'errorHandler: messages.fr[22] must be a non-empty string'],
    [{ fr: { 22: '' } }, 'errorHandler: messages.fr[22] must be a non-empty string'],
    [{ de: { 41: null } }, 'errorHandler: messages.de[41] must be a non-empty string'],
  ])('a translation that is not a string: %j', (messages, message) => {
    expect(() => createResponder({ messages } as never)).toThrow(new TypeError(message))
  })

  it('accepts absolute and relative URI references', () => {
    for (const problemBaseUrl of ['https://docs.example.com/errors/', '/errors/', 'urn:example:errors:']) {
      expect(() => createResponder({ problemBaseUrl })).not.toThrow()
    }
  })

  it.each([
    ['problemBaseURL', 'problemBaseUrl'],
    ['fallbackCode', 'fallbackCodes'],
    ['statusOverride', 'statusOverrides'],
    ['logger', 'log'],
    ['requestID', 'requestId'],
  ])('an unknown option %s names the nearest one, %s', (key, near) => {
    expect(() => createResponder({ [key]: 1 } as never)).toThrow(
      `errorHandler: unknown option "${key}" (did you mean ${near}?)`,
    )
  })

  it('an unknown option far from any names none', () => {
    expect(() => createResponder({ colour: 'red' } as never)).toThrow(
      /^errorHandler: unknown option "colour"$/,
    )
  })
})

describe('smaller edges', () => {
  it('a message cut at 1,024 characters never splits a surrogate pair', () => {
    const message = `${'a'.repeat(1022)}😀 and more`
    const response = toErrorResponse(new SignError(1, { message }))
    // No lone surrogate, escaped (JSON.stringify writes `\ud83d`) or raw: strict parsers reject both.
    expect(response.body).not.toMatch(/\\ud[89ab]/i)
    const sent = JSON.parse(response.body).message as string
    expect(sent).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/)
    expect(sent).toBe(`${'a'.repeat(1022)}…`)
    expect(sent.length).toBe(1023)
  })

  it('a ZodError with one unreadable issue degrades that issue alone', () => {
    const unreadable = {
      get path(): never {
        throw new Error('getter')
      },
    }
    const issues = [{ path: ['email'], message: 'Required', code: 'invalid_type' }, unreadable]
    Object.defineProperty(issues, 2, {
      enumerable: true,
      get() {
        throw new Error('element getter')
      },
    })
    const error = Object.assign(new Error('invalid'), { name: 'ZodError', issues })
    const response = toErrorResponse(error)
    expect(response.status).toBe(400)
    expect(JSON.parse(response.body).details).toEqual([
      { path: ['email'], message: 'Required', code: 'invalid_type' },
      { path: [], message: 'Invalid value', code: 'custom' },
      { path: [], message: 'Invalid value', code: 'custom' },
    ])
  })

  it('a SyntaxError with status 400 from another realm is code 3, as from this one', () => {
    const foreign = runInNewContext('Object.assign(new SyntaxError("Unexpected token"), { status: 400 })')
    expect(foreign instanceof SyntaxError).toBe(false)
    expect(body(foreign)).toMatchObject({ code: Codes.DataFormatError, status: 400 })
  })

  it('an Error from another realm is described by name and message in debug', () => {
    const foreign = runInNewContext('new TypeError("from vm")')
    const causes = (body(foreign, undefined, { debug: true }).debug as { causes: { name: string }[] }).causes
    expect(causes[0]).toMatchObject({ name: 'TypeError', message: 'from vm' })
  })

  it('debug: true clips a 10 MB message and stack', () => {
    const error = new Error('m'.repeat(10_000_000))
    error.stack = `Error: ${'s'.repeat(10_000_000)}`
    const response = toErrorResponse(error, undefined, { debug: true })
    expect(response.body.length).toBeLessThan(12_000)
    const [cause] = JSON.parse(response.body).debug.causes
    expect(cause.message).toBe(`${'m'.repeat(1023)}…`)
    expect(cause.stack).toBe(`Error: ${'s'.repeat(8191 - 7)}…`)
  })

  it.each(['//evil.example/doc', '///evil.example/doc'])(
    'a request to %s gets no problem instance (a network-path reference)',
    (url) => {
      const sent = body(new SignError(22), { url, headers: { accept: 'application/problem+json' } })
      expect(sent.instance).toBeUndefined()
      expect(sent.type).toBe('about:blank')
    },
  )

  it('a request to /doc//x keeps its instance', () => {
    const sent = body(new SignError(22), {
      url: '/doc//x?token=1',
      headers: { accept: 'application/problem+json' },
    })
    expect(sent.instance).toBe('/doc//x')
  })
})

describe('negotiation considers whole ranges within the first 16 elements', () => {
  const typeFor = (accept: string) =>
    toErrorResponse(new SignError(22), { headers: { accept } }).headers['content-type']
  const params = (count: number) => Array.from({ length: count }, (_, i) => `;p${i}=v`).join('')

  it.each([
    ['problem+json after 14 ranges', `${'a/b,'.repeat(14)}application/problem+json`, 'problem'],
    ['problem+json as the 17th range', `${'a/b,'.repeat(16)}application/problem+json`, 'json'],
    ['problem+json after a range with 14 parameters', `a/b${params(14)},application/problem+json`, 'problem'],
    ['problem+json after a range with 15 parameters', `a/b${params(15)},application/problem+json`, 'json'],
    [
      'a first range with 15 parameters: nothing to negotiate',
      `application/problem+json${params(15)}`,
      'json',
    ],
    // Cut before the range, never between the range and its q=0: that would turn a refusal into a wish.
    [
      'problem+json;q=0 whose q is the 17th element',
      `${'a/b,'.repeat(15)}application/problem+json;q=0`,
      'json',
    ],
  ])('%s', (_name, accept, expected) => {
    expect(typeFor(accept)).toBe(
      `application/${expected === 'problem' ? 'problem+json' : 'json'}; charset=utf-8`,
    )
  })
})

describe('the status the route set, for a value without one of its own', () => {
  const responder = createResponder({ log: false })
  it.each([
    ['a plain Error, route status 503', new Error('x'), 503, 503, 89],
    ['a plain Error, route status 501', new Error('x'), 501, 501, 7],
    ['a plain Error, route status 400', new Error('x'), 400, 400, 1],
    ['a string, route status 404', 'oops', 404, 404, 7],
    ['null, route status 429', null, 429, 429, 89],
    ['a plain Error, route status 200', new Error('x'), 200, 500, 4],
    ['a plain Error, route status 302', new Error('x'), 302, 500, 4],
    ['a plain Error, route status 600', new Error('x'), 600, 500, 4],
    ['createError(409), route status 503: its own status wins', createError(409), 503, 409, 1],
    ['a SignError, route status 503: its own status wins', new SignError(22), 503, 401, 22],
  ])('%s', (_name, thrown, routeStatus, status, code) => {
    const response = responder.respond(thrown, undefined, routeStatus)
    expect([response.status, response.code]).toEqual([status, code])
  })

  it('masking follows the final status: an exposed message of a status-less error never shows', () => {
    const thrown = Object.assign(new Error('secret'), { expose: true })
    const response = responder.respond(thrown, undefined, 400)
    expect(JSON.parse(response.body).message).toBe(
      'Parameter error, indicating that the number and type of parameters are incorrect',
    )
  })
})
