import http from 'node:http'
import net from 'node:net'
import { Codes, SignError } from 'esign-errors'
import { errorHandler as expressErrorHandler } from 'esign-errors/express'
import { errorHandler as fastifyErrorHandler } from 'esign-errors/fastify'
import { errorHandler as koaErrorHandler } from 'esign-errors/koa'
import express from 'express'
import createError from 'http-errors'
import Koa from 'koa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { retryAfterDelay } from '../../src/http/retry-after.js'
import { fastifyListener } from '../helpers/apps.js'

// Header safety: whatever headers an error carries, the answer is one well-formed HTTP response with the
// expected status and body. Responses are read as raw bytes, so a split response cannot hide.

const PARAMETER_ERROR =
  '{"code":1,"name":"ParameterError","message":"Parameter error, indicating that the number and type of parameters are incorrect","status":400,"retryable":false}'
const SYSTEM_BUSY =
  '{"code":89,"name":"SystemBusy","message":"The system is busy","status":503,"retryable":true}'
const BIG = 'v'.repeat(10 * 1024)

/** An error whose headers the caller does not control: `SignErrorOptions.headers` is typed, the value is not. */
const withHeaders = (headers: Record<string, unknown>) =>
  new SignError(Codes.ParameterError, { headers: headers as Record<string, string> })

const busy = (retryAfter: unknown) => new SignError(Codes.SystemBusy, { retryAfter: retryAfter as number })

// A real Date whose own toUTCString lies, and tries to add a header.
const crlfDate = () =>
  Object.assign(new Date(Date.UTC(2099, 0, 1)), {
    toUTCString: () => 'Fri, 02 Jan 2099 00:00:00 GMT\r\nX-Injected: 1',
  })

const CASES: Record<string, () => unknown> = {
  'cr-lf': () =>
    withHeaders({
      'X-Note': 'ok\r\nSet-Cookie: injected=1',
      'X-Lf': 'ok\nX-Injected: 1',
      'X-Cr': 'ok\rX-Injected: 1',
      'X-Good': 'fine',
    }),
  'non-ascii': () => withHeaders({ 'X-Latin': 'café', 'X-Han': '漢', 'X-é': 'v', 漢: 'v', 'X-Good': 'fine' }),
  'bad-names': () => withHeaders({ 'bad name': 'v', '': 'v', 'X:Colon': 'v', 'X-Good': 'fine' }),
  'non-strings': () =>
    withHeaders({
      'X-Object': { a: 1 },
      'X-Array': ['a', 'b'],
      'X-True': true,
      'X-NaN': NaN,
      'X-Good': 'fine',
    }),
  '10-kb': () => withHeaders({ 'X-Big': BIG, 'X-Good': 'fine' }),
  'retry-nan': () => busy(NaN),
  'retry-negative': () => busy(-5),
  'retry-infinity': () => busy(Infinity),
  'retry-past': () => busy(new Date(Date.UTC(2001, 0, 1))),
  'retry-future': () => busy(new Date(Date.UTC(2099, 0, 1))),
  'retry-invalid': () => busy(new Date('not a date')),
  'retry-crlf-date': () => busy(crlfDate()),
  'foreign-retry-crlf-date': () => createError(503, 'pool exhausted', { retryAfter: crlfDate() }),
  'foreign-retry-fake-date': () =>
    createError(503, 'pool exhausted', { retryAfter: Object.create(Date.prototype) }),
  'foreign-retry-header': () => createError(503, 'pool exhausted', { headers: { 'Retry-After': '120' } }),
  'foreign-retry-header-text': () =>
    createError(503, 'pool exhausted', { headers: { 'Retry-After': 'db-primary.internal:5432 is down' } }),
}

interface Raw {
  text: string
  statusLine: string
  headers: [name: string, value: string][]
  body: string
}

/** One request on its own connection; the whole byte stream back, split by hand. */
function raw(port: number, path: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    socket.setTimeout(5000, () => socket.destroy(new Error(`no answer to ${path}`)))
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('latin1')
      const split = text.indexOf('\r\n\r\n')
      const [statusLine = '', ...lines] = text.slice(0, split).split('\r\n')
      const headers = lines.map((line): [string, string] => {
        const colon = line.indexOf(':')
        return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()]
      })
      resolve({ text, statusLine, headers, body: text.slice(split + 4) })
    })
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`)
  })
}

const header = (reply: Raw, name: string) => reply.headers.find(([n]) => n === name)?.[1]
const names = (reply: Raw) => reply.headers.map(([name]) => name)

function expectOneResponse(reply: Raw, status: string, body: string): void {
  expect(reply.statusLine).toBe(`HTTP/1.1 ${status}`)
  expect(reply.text.match(/HTTP\/1\.1 /g)).toHaveLength(1)
  expect(reply.body).toBe(body)
  expect(header(reply, 'content-length')).toBe(String(Buffer.byteLength(body)))
  expect(header(reply, 'content-type')).toBe('application/json; charset=utf-8')
  expect(names(reply)).not.toContain('x-injected')
  expect(names(reply)).not.toContain('set-cookie')
  expect(reply.text).not.toContain('injected')
}

const servers: http.Server[] = []
const ports = { express: 0, koa: 0, fastify: 0 }

async function listen(handler: http.RequestListener): Promise<number> {
  const server = http.createServer(handler)
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as net.AddressInfo).port
}

beforeAll(async () => {
  const app = express()
  app.get('/case/:name', (req) => {
    throw (CASES[req.params.name] as () => unknown)()
  })
  app.use(expressErrorHandler({ log: false }))
  ports.express = await listen(app)

  const koa = new Koa()
  koa.use(koaErrorHandler({ log: false }))
  koa.use((ctx) => {
    throw (CASES[ctx.path.slice('/case/'.length)] as () => unknown)()
  })
  ports.koa = await listen(koa.callback())

  ports.fastify = await listen(
    fastifyListener((app) => {
      app.setErrorHandler(fastifyErrorHandler({ log: false }))
      app.get<{ Params: { name: string } }>('/case/:name', async (request) => {
        throw (CASES[request.params.name] as () => unknown)()
      })
    }),
  )
})

afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))))
})

describe.each(['express', 'koa', 'fastify'] as const)('headers carried by errors, through %s', (adapter) => {
  const get = (name: string) => raw(ports[adapter], `/case/${name}`)

  it('drops values with CR or LF, keeps the good one, and never splits the response', async () => {
    const reply = await get('cr-lf')
    expectOneResponse(reply, '400 Bad Request', PARAMETER_ERROR)
    expect(header(reply, 'x-good')).toBe('fine')
    expect(names(reply)).not.toContain('x-note')
    expect(names(reply)).not.toContain('x-lf')
    expect(names(reply)).not.toContain('x-cr')
  })

  it('drops non-ASCII names and values', async () => {
    const reply = await get('non-ascii')
    expectOneResponse(reply, '400 Bad Request', PARAMETER_ERROR)
    expect(header(reply, 'x-good')).toBe('fine')
    for (const name of ['x-latin', 'x-han', 'x-é', '漢']) expect(names(reply)).not.toContain(name)
    expect(reply.text).not.toContain('caf')
  })

  it('drops names that are not HTTP tokens', async () => {
    const reply = await get('bad-names')
    expectOneResponse(reply, '400 Bad Request', PARAMETER_ERROR)
    expect(names(reply).sort()).toEqual(
      [
        'cache-control',
        'connection',
        'content-length',
        'content-type',
        'date',
        'x-content-type-options',
        'x-good',
      ]
        .concat(adapter === 'express' ? ['x-powered-by'] : [])
        .sort(),
    )
  })

  it('drops values that are not strings', async () => {
    const reply = await get('non-strings')
    expectOneResponse(reply, '400 Bad Request', PARAMETER_ERROR)
    expect(header(reply, 'x-good')).toBe('fine')
    for (const name of ['x-object', 'x-array', 'x-true', 'x-nan']) expect(names(reply)).not.toContain(name)
  })

  it('answers normally when a value is 10 KB long', async () => {
    const reply = await get('10-kb')
    expectOneResponse(reply, '400 Bad Request', PARAMETER_ERROR)
    expect(header(reply, 'x-good')).toBe('fine')
    expect([undefined, BIG]).toContain(header(reply, 'x-big'))
  })
})

describe.each(['express', 'koa', 'fastify'] as const)('Retry-After, through %s', (adapter) => {
  const get = (name: string) => raw(ports[adapter], `/case/${name}`)

  it.each([
    ['retry-nan', undefined],
    ['retry-negative', '0'],
    ['retry-infinity', undefined],
    ['retry-past', undefined],
    ['retry-future', 'Thu, 01 Jan 2099 00:00:00 GMT'],
    ['retry-invalid', undefined],
  ])('%s gives %s', async (name, expected) => {
    const reply = await get(name)
    expectOneResponse(reply, '503 Service Unavailable', SYSTEM_BUSY)
    expect(header(reply, 'retry-after')).toBe(expected)
  })

  // A Date is an object like any other: its own toUTCString may return anything.
  it("takes a Date's time, never its own text with CR/LF, on a SignError", async () => {
    const reply = await get('retry-crlf-date')
    expectOneResponse(reply, '503 Service Unavailable', SYSTEM_BUSY)
    expect(header(reply, 'retry-after')).toBe('Thu, 01 Jan 2099 00:00:00 GMT')
  })

  it("takes a Date's time, never its own text with CR/LF, on a foreign error", async () => {
    const reply = await get('foreign-retry-crlf-date')
    expectOneResponse(reply, '503 Service Unavailable', SYSTEM_BUSY)
    expect(header(reply, 'retry-after')).toBe('Thu, 01 Jan 2099 00:00:00 GMT')
  })

  it('ignores an object that only inherits from Date', async () => {
    const reply = await get('foreign-retry-fake-date')
    expectOneResponse(reply, '503 Service Unavailable', SYSTEM_BUSY)
    expect(header(reply, 'retry-after')).toBe(undefined)
  })

  it("keeps a foreign 503's Retry-After header of seconds", async () => {
    const reply = await get('foreign-retry-header')
    expectOneResponse(reply, '503 Service Unavailable', SYSTEM_BUSY)
    expect(header(reply, 'retry-after')).toBe('120')
  })

  // Everything else a foreign >= 500 error carries is internal; its Retry-After is let through, so it must
  // at least be a Retry-After (seconds or an HTTP date), not any text the error happened to hold.
  it("drops a foreign 503's Retry-After header that is neither seconds nor a date", async () => {
    const reply = await get('foreign-retry-header-text')
    expectOneResponse(reply, '503 Service Unavailable', SYSTEM_BUSY)
    expect(header(reply, 'retry-after')).toBe(undefined)
    expect(reply.text).not.toContain('db-primary')
  })
})

describe('a received Retry-After, as the platform client and esign-errors/client read it', () => {
  const now = Date.UTC(2026, 11, 2, 10, 0, 0)
  it.each([
    ['7', 7000],
    ['0', 0],
    [' 12 ', 12_000],
    ['99999999999999999999', 1e23],
    ['Wed, 02 Dec 2026 10:00:05 GMT', 5000],
    ['Wed, 02 Dec 2026 09:59:00 GMT', 0],
    // RFC 9110 §5.6.7: the obsolete RFC 850 and asctime forms must be accepted too; asctime means GMT.
    ['Wednesday, 02-Dec-26 10:00:05 GMT', 5000],
    ['Wed Dec  2 10:00:05 2026', 5000],
    ['1.5', undefined],
    ['-3', undefined],
    ['1e3', undefined],
    ['0x10', undefined],
    ['', undefined],
    ['soon', undefined],
    ['Thu, 99 Foo 2099', undefined],
    // Dates Date.parse would take, none in any of the three forms.
    ['Mon 1', undefined],
    ['Mon, 99', undefined],
    ['Fri, garbage 2099', undefined],
    ['Wed, 2 Dec 2026 10:00:05 GMT', undefined],
    ['Wed, 02 Dec 2026 10:00:05 UTC', undefined],
    ['Wed, 02 Dec 2026 10:00:05', undefined],
    ['2026-12-02T10:00:05Z', undefined],
    [null, undefined],
  ])('reads %j as %s ms', (value, expected) => {
    expect(retryAfterDelay(value, now)).toBe(expected)
  })

  // The table above runs in the machine's zone, often UTC, where a local reading of asctime is also GMT.
  it('reads an asctime date as GMT in any local time zone', () => {
    const zone = process.env.TZ
    process.env.TZ = 'Asia/Ho_Chi_Minh'
    try {
      expect(new Date(now).getTimezoneOffset()).toBe(-420)
      expect(retryAfterDelay('Wed Dec  2 10:00:05 2026', now)).toBe(5000)
    } finally {
      if (zone === undefined) delete process.env.TZ
      else process.env.TZ = zone
    }
  })
})

describe('REPLACED_HEADERS, as exported', () => {
  it('lists what the adapters remove, and cannot be changed', async () => {
    const { REPLACED_HEADERS } = await import('esign-errors')
    expect(REPLACED_HEADERS.has('content-disposition')).toBe(true)
    expect(REPLACED_HEADERS.has('proxy-connection')).toBe(true)
    expect(REPLACED_HEADERS.has('vary')).toBe(false)
    const set = REPLACED_HEADERS as Set<string>
    expect(() => set.add('vary')).toThrow(TypeError)
    expect(() => set.delete('etag')).toThrow(TypeError)
    expect(() => set.clear()).toThrow(TypeError)
    expect(REPLACED_HEADERS.has('etag')).toBe(true)
  })

  it('is a copy: even Set.prototype.add on it changes no answer', async () => {
    const { REPLACED_HEADERS } = await import('esign-errors')
    const sizeBefore = REPLACED_HEADERS.size
    // Deliberately past the read-only methods: the adapters must not read this object.
    expect(() => Set.prototype.add.call(REPLACED_HEADERS, 'vary')).not.toThrow()
    try {
      const app = express()
      app.get('/', (_req, res) => {
        res.setHeader('Vary', 'Accept')
        throw new SignError(Codes.ParameterError)
      })
      app.use(expressErrorHandler({ log: false }))
      const server = app.listen(0, '127.0.0.1')
      await new Promise((resolve) => server.once('listening', resolve))
      const { port } = server.address() as net.AddressInfo
      const res = await fetch(`http://127.0.0.1:${port}/`)
      server.close()
      expect(res.status).toBe(400)
      expect(res.headers.get('vary')).toBe('Accept')
    } finally {
      Set.prototype.delete.call(REPLACED_HEADERS, 'vary')
    }
    expect(REPLACED_HEADERS.size).toBe(sizeBefore)
  })
})
