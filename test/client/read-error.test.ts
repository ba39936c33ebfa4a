import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe as describeCode } from 'esign-errors'
import { ApiError, isApiError, readError, unwrap } from 'esign-errors/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// DESIGN's fallback table, written out here so the test does not read it from the code.
const FALLBACK: Record<number, [code: number, name: string, retryable: boolean]> = {
  400: [1, 'ParameterError', false],
  422: [1, 'ParameterError', false],
  401: [5, 'InvalidAccessToken', false],
  403: [44, 'IllegalOperation', false],
  404: [7, 'InvalidRequestType', false],
  405: [7, 'InvalidRequestType', false],
  501: [7, 'InvalidRequestType', false],
  413: [93, 'FileTooLarge', false],
  415: [3, 'DataFormatError', false],
  429: [89, 'SystemBusy', true],
  503: [89, 'SystemBusy', true],
  418: [1, 'ParameterError', false],
  409: [1, 'ParameterError', false],
  499: [1, 'ParameterError', false],
  500: [4, 'ProcessingFailed', true],
  502: [4, 'ProcessingFailed', true],
  504: [4, 'ProcessingFailed', true],
  599: [4, 'ProcessingFailed', true],
}

const ENVELOPE = {
  code: 22,
  name: 'WrongPassword',
  message: 'Wrong password',
  status: 401,
  retryable: false,
  requestId: 'req-1',
  details: { field: 'password', tries: [1, 2] },
}
const PROBLEM = {
  type: 'https://docs.example.com/errors/system-busy',
  title: 'The system is busy',
  status: 503,
  detail: 'The system is busy',
  instance: '/documents/D-1',
  code: 89,
  name: 'SystemBusy',
  retryable: true,
  requestId: 'req-2',
}

function json(body: unknown, status: number, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  })
}

async function read(response: Response, options?: Parameters<typeof readError>[1]): Promise<ApiError> {
  const error = await readError(response, options)
  expect(error).toBeInstanceOf(ApiError)
  return error as ApiError
}

/** The fields a reader compares, without `response`. */
function fields(error: ApiError) {
  const {
    code,
    codeName,
    status,
    message,
    retryable,
    retryAfterMs,
    requestId,
    details,
    type,
    instance,
    format,
  } = error
  return {
    code,
    codeName,
    status,
    message,
    retryable,
    retryAfterMs,
    requestId,
    details,
    type,
    instance,
    format,
  }
}

describe('readError on a success', () => {
  it.each([200, 201, 204, 299])('%i is no error, and its body is left unread', async (status) => {
    const response = new Response(status === 204 ? null : '{"code":0,"data":1}', { status })
    expect(await readError(response)).toBeUndefined()
    expect(response.bodyUsed).toBe(false)
  })
})

describe('readError on our envelope', () => {
  it('reads every field back', async () => {
    const response = json(ENVELOPE, 401, { 'x-request-id': 'from-header' })
    const error = await read(response)
    expect(fields(error)).toEqual({
      code: 22,
      codeName: 'WrongPassword',
      status: 401,
      message: 'Wrong password',
      retryable: false,
      retryAfterMs: undefined,
      requestId: 'req-1',
      details: { field: 'password', tries: [1, 2] },
      type: undefined,
      instance: undefined,
      format: 'envelope',
    })
    expect(error.response).toBe(response)
    expect(error.name).toBe('ApiError')
    expect(error).toBeInstanceOf(Error)
    expect(isApiError(error, 22)).toBe(true)
  })

  it('takes the request id from X-Request-Id when the body has none', async () => {
    const { requestId: _, ...body } = ENVELOPE
    expect((await read(json(body, 401, { 'x-request-id': 'from-header' }))).requestId).toBe('from-header')
    expect((await read(json(body, 401))).requestId).toBeUndefined()
  })

  it('keeps details that are null, and has none when the body sends none', async () => {
    expect((await read(json({ ...ENVELOPE, details: null }, 401))).details).toBeNull()
    const { details: _, ...body } = ENVELOPE
    expect((await read(json(body, 401))).details).toBeUndefined()
  })

  it('reads the envelope whatever the content type says, or without one', async () => {
    for (const type of ['application/problem+json', 'text/plain', 'application/vnd.api+json', '']) {
      const response = new Response(JSON.stringify(ENVELOPE), {
        status: 401,
        headers: { 'content-type': type },
      })
      const error = await read(response)
      expect([error.code, error.codeName, error.message, error.requestId]).toEqual([
        22,
        'WrongPassword',
        'Wrong password',
        'req-1',
      ])
    }
  })

  it('uses the status of the answer, not the one in the body', async () => {
    expect((await read(json({ ...ENVELOPE, status: 418 }, 401))).status).toBe(401)
  })
})

describe('readError on a problem document', () => {
  it('reads detail, type and instance', async () => {
    const response = new Response(JSON.stringify(PROBLEM), {
      status: 503,
      headers: { 'content-type': 'application/problem+json; charset=utf-8', 'retry-after': '30' },
    })
    expect(fields(await read(response))).toEqual({
      code: 89,
      codeName: 'SystemBusy',
      status: 503,
      message: 'The system is busy',
      retryable: true,
      retryAfterMs: 30_000,
      requestId: 'req-2',
      details: undefined,
      type: 'https://docs.example.com/errors/system-busy',
      instance: '/documents/D-1',
      format: 'problem',
    })
  })

  it('prefers detail to a message member in a problem, and message to detail in an envelope', async () => {
    const both = { ...PROBLEM, detail: 'from detail', message: 'from message' }
    const asProblem = new Response(JSON.stringify(both), {
      status: 503,
      headers: { 'content-type': 'application/problem+json' },
    })
    expect((await read(asProblem)).message).toBe('from detail')
    expect((await read(json(both, 503))).message).toBe('from message')
  })

  it('reads a problem served as application/json as a problem', async () => {
    const error = await read(json(PROBLEM, 503))
    expect([error.format, error.message, error.type]).toEqual([
      'problem',
      'The system is busy',
      'https://docs.example.com/errors/system-busy',
    ])
  })
})

describe('readError on a body that is not ours', () => {
  it.each(Object.entries(FALLBACK))(
    'status %s gets the fallback code',
    async (status, [code, name, retryable]) => {
      const error = await read(new Response(null, { status: Number(status) }))
      expect([error.code, error.codeName, error.status, error.retryable, error.format]).toEqual([
        code,
        name,
        Number(status),
        retryable,
        'other',
      ])
    },
  )

  const bodies: [string, string, string][] = [
    ['a proxy HTML page', 'text/html', '<html><body><h1>502 Bad Gateway</h1></body></html>'],
    ['an empty body', '', ''],
    ['cut JSON', 'application/json', '{"code":22,"name":"Wro'],
    ['JSON null', 'application/json', 'null'],
    ['a JSON array', 'application/json', '[{"code":22,"name":"WrongPassword"}]'],
    ['a JSON string', 'application/json', '"Wrong password"'],
    ['a code as a string', 'application/json', '{"code":"22","name":"WrongPassword"}'],
    ['a fractional code', 'application/json', '{"code":22.5,"name":"WrongPassword"}'],
    ['a huge code', 'application/json', '{"code":1e300,"name":"WrongPassword"}'],
    ['code 0', 'application/json', '{"code":0,"name":"Success","data":{}}'],
    ['no name', 'application/json', '{"code":22,"message":"Wrong password"}'],
    ['the platform own answer', 'application/json', '{"result":22,"message":"Wrong password"}'],
    ['a gateway JSON', 'application/json', '{"message":"no Route matched with those values"}'],
    ['binary garbage', 'application/octet-stream', '\u0000\uffff{'],
    ['a code only on a prototype', 'application/json', '{"__proto__":{"code":22,"name":"WrongPassword"}}'],
  ]
  it.each(bodies)('%s becomes the fallback error of its status', async (_label, type, body) => {
    const response = new Response(body, {
      status: 502,
      statusText: 'Bad Gateway',
      headers: type ? { 'content-type': type } : {},
    })
    const error = await read(response)
    expect(fields(error)).toEqual({
      code: 4,
      codeName: 'ProcessingFailed',
      status: 502,
      message: 'HTTP 502 Bad Gateway',
      retryable: true,
      retryAfterMs: undefined,
      requestId: undefined,
      details: undefined,
      type: undefined,
      instance: undefined,
      format: 'other',
    })
  })

  it('keeps the X-Request-Id and Retry-After of a proxy', async () => {
    const response = new Response('<html>busy</html>', {
      status: 503,
      headers: { 'content-type': 'text/html', 'x-request-id': 'edge-7', 'retry-after': '12' },
    })
    const error = await read(response)
    expect([error.code, error.requestId, error.retryAfterMs]).toEqual([89, 'edge-7', 12_000])
  })

  it('a message without a reason phrase (HTTP/2) is the status alone', async () => {
    expect((await read(new Response(null, { status: 404 }))).message).toBe('HTTP 404')
  })

  it('takes names and messages from the catalog when asked', async () => {
    const error = await read(new Response('<html></html>', { status: 503 }), { describe: describeCode })
    expect([error.code, error.codeName, error.message, error.retryable]).toEqual([
      89,
      'SystemBusy',
      'The system is busy',
      true,
    ])
    // A body of ours keeps its own words; the catalog only fills what it left out.
    const ours = await read(json({ code: 41, name: 'DocumentNotFound', status: 404 }, 404), {
      describe: describeCode,
    })
    expect([ours.codeName, ours.message, ours.retryable]).toEqual([
      'DocumentNotFound',
      'Document does not exist',
      false,
    ])
  })

  it('codes statuses outside 400-599 as 4 ProcessingFailed', async () => {
    const network = await read(Response.error())
    expect([network.status, network.code, network.codeName, network.retryable]).toEqual([
      0,
      4,
      'ProcessingFailed',
      true,
    ])
    expect((await read(new Response(null, { status: 302 }))).code).toBe(4)
  })

  it('never reads a body already used', async () => {
    const response = json(ENVELOPE, 401)
    await response.text()
    const error = await read(response)
    expect([error.code, error.format]).toEqual([5, 'other'])
  })

  it('ignores what another package put on Object.prototype', async () => {
    const proto = Object.prototype as Record<string, unknown>
    proto.code = 22
    proto.name = 'WrongPassword'
    proto.retryable = true
    try {
      const error = await read(new Response('<html></html>', { status: 400 }))
      expect([error.code, error.codeName, error.retryable]).toEqual([1, 'ParameterError', false])
      const ours = await read(json({ code: 41, name: 'DocumentNotFound' }, 404))
      expect([ours.code, ours.retryable, ours.details]).toEqual([41, false, undefined])
    } finally {
      delete proto.code
      delete proto.name
      delete proto.retryable
    }
  })
})

describe('Retry-After', () => {
  const at = (value: string, options?: Parameters<typeof readError>[1]) =>
    read(new Response(null, { status: 503, headers: { 'retry-after': value } }), options).then(
      (e) => e.retryAfterMs,
    )

  it('reads delay-seconds', async () => {
    expect(await at('0')).toBe(0)
    expect(await at('7')).toBe(7000)
    expect(await at(' 42 ')).toBe(42_000)
  })

  it('reads an HTTP-date as the time left', async () => {
    // A whole second, as an HTTP-date holds no less; the wait is what is left of it when the answer is read.
    const when = Math.ceil(Date.now() / 1000) * 1000 + 20_000
    const before = Date.now()
    const ms = await at(new Date(when).toUTCString())
    const after = Date.now()
    expect(ms).toBeLessThanOrEqual(when - before)
    expect(ms).toBeGreaterThanOrEqual(when - after)
    expect(await at('Thu, 01 Jan 1970 00:00:00 GMT')).toBe(0)
  })

  it('caps it at 5 minutes, or at maxRetryAfterMs', async () => {
    expect(await at('86400')).toBe(300_000)
    expect(await at('99999999999999999999')).toBe(300_000)
    expect(await at(new Date(Date.now() + 86_400_000).toUTCString())).toBe(300_000)
    expect(await at('120', { maxRetryAfterMs: 60_000 })).toBe(60_000)
    expect(await at('120', { maxRetryAfterMs: Number.POSITIVE_INFINITY })).toBe(120_000)
    // Never past what setTimeout can wait (2^31 - 1 ms): a longer timer fires at once.
    expect(await at('99999999', { maxRetryAfterMs: Number.POSITIVE_INFINITY })).toBe(2 ** 31 - 1)
  })

  it.each([
    '',
    '-5',
    '1.5',
    '1e3',
    'soon',
    '0x10',
    'Thu, 99 Foo 2099',
    'Mon 1',
    'Mon, 99',
    'Fri, garbage 2099',
  ])('ignores %j', async (value) => {
    expect(await at(value)).toBeUndefined()
  })
})

describe('the byte cap', () => {
  function endless(status = 502) {
    const chunk = new TextEncoder().encode(`{"code":22,"name":"WrongPassword","x":"${'x'.repeat(16_000)}`)
    const seen = { pulled: 0, cancelled: false }
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        seen.pulled += chunk.byteLength
        controller.enqueue(chunk)
      },
      cancel() {
        seen.cancelled = true
      },
    })
    return {
      seen,
      response: new Response(stream, { status, headers: { 'content-type': 'application/json' } }),
    }
  }

  it('cancels a body past maxBytes and codes the answer by its status', async () => {
    const { seen, response } = endless()
    const error = await read(response, { maxBytes: 100_000 })
    expect([error.code, error.format]).toEqual([4, 'other'])
    expect(seen.cancelled).toBe(true)
    expect(seen.pulled).toBeLessThan(100_000 + 3 * 16_100)
  })

  it.each([Number.NaN, -1])('a maxBytes of %s bounds the read as the default does', async (maxBytes) => {
    const { seen, response } = endless()
    expect((await read(response, { maxBytes })).code).toBe(4)
    expect(seen.cancelled).toBe(true)
    expect(seen.pulled).toBeLessThan(1024 * 1024 + 3 * 16_100)
  })

  it('stops at 1 MiB by default', async () => {
    const { seen, response } = endless(401)
    expect((await read(response)).code).toBe(5)
    expect(seen.cancelled).toBe(true)
    expect(seen.pulled).toBeGreaterThan(1 << 20)
    expect(seen.pulled).toBeLessThan((1 << 20) + 3 * 16_100)
  })

  it('does not start on a body whose Content-Length is past the cap', async () => {
    const { seen, response } = endless()
    response.headers.set('content-length', '5000000')
    expect((await read(response, { maxBytes: 100_000 })).code).toBe(4)
    expect(seen.cancelled).toBe(true)
    // The stream may have queued one chunk ahead on its own; nothing was read past it.
    expect(seen.pulled).toBeLessThanOrEqual(2 * 16_100)
  })

  it('reads a body of exactly maxBytes', async () => {
    const body = JSON.stringify(ENVELOPE)
    const error = await read(json(ENVELOPE, 401), { maxBytes: new TextEncoder().encode(body).byteLength })
    expect(error.code).toBe(22)
  })

  it('becomes the fallback error when the body fails midway', async () => {
    let sent = false
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent) controller.error(new TypeError('terminated'))
        else controller.enqueue(new TextEncoder().encode('{"code":22,'))
        sent = true
      },
    })
    const error = await read(new Response(stream, { status: 503 }))
    expect([error.code, error.format]).toEqual([89, 'other'])
  })
})

describe('over a real socket', () => {
  const closes: string[] = []
  let server: Server
  let base = ''
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/endless') {
        // Never ends: only a reader that stops and cancels can answer.
        res.writeHead(502, { 'content-type': 'application/json' })
        res.write('{"code":22,"name":"WrongPassword","message":"')
        const timer = setInterval(() => res.write('x'.repeat(64 * 1024)), 1)
        res.on('close', () => clearInterval(timer))
        return
      }
      if (req.url === '/trickle') {
        // A byte every 50 ms, forever: a read without a deadline never ends.
        res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '2' })
        res.write('{"code":89,')
        const timer = setInterval(() => res.write(' '), 50)
        res.on('close', () => {
          clearInterval(timer)
          closes.push(req.url ?? '')
        })
        return
      }
      if (req.url === '/never-ends') {
        // The whole envelope, then the body stays open.
        res.writeHead(401, { 'content-type': 'application/json' })
        res.write(JSON.stringify(ENVELOPE))
        res.on('close', () => closes.push(req.url ?? ''))
        return
      }
      if (req.url === '/407') {
        res.writeHead(407, { 'proxy-authenticate': 'Basic', 'content-type': 'application/json' })
        res.end('{"code":5,"name":"InvalidAccessToken"}')
        return
      }
      if (req.url === '/html') {
        res.writeHead(504, 'Gateway Time-out', { 'content-type': 'text/html', 'x-request-id': 'lb-1' })
        res.end('<html><body>504 Gateway Time-out</body></html>')
        return
      }
      res.writeHead(500).end()
    })
    server.listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })

  it('answers an endless body without buffering it', async () => {
    const error = await read(await fetch(`${base}/endless`), { maxBytes: 256 * 1024 })
    expect([error.status, error.code, error.format]).toEqual([502, 4, 'other'])
  })

  it('reads a load balancer page as its status', async () => {
    const error = await read(await fetch(`${base}/html`))
    expect(fields(error)).toMatchObject({
      code: 4,
      codeName: 'ProcessingFailed',
      status: 504,
      message: 'HTTP 504 Gateway Time-out',
      retryable: true,
      requestId: 'lb-1',
      format: 'other',
    })
  })

  it('never sees a 407: fetch makes it a network error, as the Fetch standard says', async () => {
    await expect(fetch(`${base}/407`)).rejects.toThrow(TypeError)
  })

  it('gives a trickling body a deadline: timeoutMs, then the fallback error, the read cancelled', async () => {
    const started = Date.now()
    const error = await read(await fetch(`${base}/trickle`), { timeoutMs: 300 })
    const elapsed = Date.now() - started
    expect(fields(error)).toMatchObject({ code: 89, status: 503, format: 'other', retryAfterMs: 2000 })
    expect(elapsed).toBeGreaterThanOrEqual(290)
    expect(elapsed).toBeLessThan(3000)
    await expect.poll(() => closes).toContain('/trickle')
  })

  it('keeps what came before the deadline', async () => {
    const error = await read(await fetch(`${base}/never-ends`), { timeoutMs: 200 })
    expect([error.code, error.codeName, error.requestId, error.format]).toEqual([
      22,
      'WrongPassword',
      'req-1',
      'envelope',
    ])
    await expect.poll(() => closes).toContain('/never-ends')
  })

  it('stops a trickling body after 5 s by default', async () => {
    const started = Date.now()
    const error = await read(await fetch(`${base}/trickle`))
    const elapsed = Date.now() - started
    expect([error.code, error.format]).toEqual([89, 'other'])
    expect(elapsed).toBeGreaterThanOrEqual(4990)
    expect(elapsed).toBeLessThan(9000)
  })

  it('reads an empty 500', async () => {
    const error = await read(await fetch(`${base}/empty`))
    expect([error.status, error.code, error.message]).toEqual([500, 4, 'HTTP 500 Internal Server Error'])
  })
})

describe('a describe that fails', () => {
  const broken = () => {
    throw new Error('catalog broke')
  }
  const hostileEntry = () =>
    ({
      get name(): string {
        throw new Error('getter broke')
      },
      message: 'm',
      retryable: true,
    }) as ReturnType<NonNullable<Parameters<typeof readError>[1]>['describe'] & {}>

  it.each([
    ['throws', broken],
    ['gives an entry whose getter throws', hostileEntry],
  ])('that %s leaves the answer read as if there were none', async (_label, describe) => {
    const error = await read(new Response('<html>busy</html>', { status: 503 }), { describe })
    expect([error.code, error.codeName, error.message, error.retryable, error.format]).toEqual([
      89,
      'SystemBusy',
      'HTTP 503',
      true,
      'other',
    ])
    const ours = await read(json({ code: 41, name: 'DocumentNotFound' }, 404), { describe })
    expect([ours.code, ours.codeName, ours.message, ours.retryable]).toEqual([
      41,
      'DocumentNotFound',
      'HTTP 404',
      false,
    ])
  })

  it('lets unwrap throw its own ApiError, not the failure of describe', async () => {
    const error = await unwrap(new Response('<html></html>'), { describe: broken }).catch((e: unknown) => e)
    expect(isApiError(error, 3)).toBe(true)
  })
})
