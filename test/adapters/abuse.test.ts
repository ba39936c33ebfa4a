import http from 'node:http'
import net from 'node:net'
import { Codes, SignError } from 'esign-errors'
import { errorHandler as expressErrorHandler } from 'esign-errors/express'
import { errorHandler as fastifyErrorHandler } from 'esign-errors/fastify'
import { errorHandler as koaErrorHandler } from 'esign-errors/koa'
import express from 'express'
import Koa from 'koa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fastifyListener } from '../helpers/apps.js'

// Oversized and malformed request headers: each is answered quickly, with the contract's body, and
// nothing the client sent is echoed unless it is a well-formed request id.

const BOUND_MS = 1000

const ENVELOPE = {
  code: 41,
  name: 'DocumentNotFound',
  message: 'Document does not exist',
  status: 404,
  retryable: false,
}
const PROBLEM = {
  type: 'about:blank',
  title: 'Not Found',
  status: 404,
  detail: 'Document does not exist',
  instance: '/doc',
  code: 41,
  name: 'DocumentNotFound',
  retryable: false,
}
const FRENCH = 'Le document n’existe pas'

/** Comma-separated entries until the header is at least `bytes` long. */
function padded(first: string, entry: (i: number) => string, bytes: number): string {
  const parts = [first]
  let length = first.length
  for (let i = 0; length < bytes; i++) {
    const part = entry(i)
    parts.push(part)
    length += part.length + 2
  }
  return parts.join(', ')
}

interface Reply {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
  ms: number
}

function get(port: number, headers: Record<string, string>): Promise<Reply> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/doc', headers, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          ms: performance.now() - started,
        }),
      )
    })
    req.on('timeout', () => req.destroy(new Error('no answer within 5 s')))
    req.on('error', reject)
  })
}

/** Sends bytes no HTTP client would send; resolves with everything the server wrote back. */
function rawRequest(port: number, head: string): Promise<{ text: string; ms: number }> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    socket.setTimeout(5000, () => socket.destroy(new Error('no answer within 5 s')))
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('end', () =>
      resolve({ text: Buffer.concat(chunks).toString('latin1'), ms: performance.now() - started }),
    )
    socket.write(head, 'latin1')
  })
}

const options = { log: false as const, messages: { fr: { [Codes.DocumentNotFound]: FRENCH } } }
const servers: http.Server[] = []
const ports = { express: 0, koa: 0, fastify: 0 }

// Node refuses request headers over 16 KB by itself; a larger limit lets the big ones reach the handler.
async function listen(handler: http.RequestListener): Promise<number> {
  const server = http.createServer({ maxHeaderSize: 256 * 1024 }, handler)
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as net.AddressInfo).port
}

beforeAll(async () => {
  const app = express()
  app.get('/doc', () => {
    throw new SignError(Codes.DocumentNotFound)
  })
  app.use(expressErrorHandler(options))
  ports.express = await listen(app)

  const koa = new Koa()
  koa.use(koaErrorHandler(options))
  koa.use(() => {
    throw new SignError(Codes.DocumentNotFound)
  })
  ports.koa = await listen(koa.callback())

  ports.fastify = await listen(
    fastifyListener((app) => {
      app.setErrorHandler(fastifyErrorHandler(options))
      app.get('/doc', async () => {
        throw new SignError(Codes.DocumentNotFound)
      })
    }),
  )
})

afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))))
})

describe.each(['express', 'koa', 'fastify'] as const)('abusive request headers, through %s', (adapter) => {
  const send = (headers: Record<string, string>) => get(ports[adapter], headers)

  it('answers a 100 KB Accept quickly; JSON stays preferred', async () => {
    const accept = padded(
      'application/json, application/problem+json;q=0.5',
      (i) => `text/x-${i};q=0.1`,
      100_000,
    )
    expect(accept.length).toBeGreaterThanOrEqual(100_000)
    const reply = await send({ accept })
    expect(reply.ms).toBeLessThan(BOUND_MS)
    expect(reply.status).toBe(404)
    expect(reply.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(JSON.parse(reply.body)).toEqual(ENVELOPE)
  })

  it('answers an Accept of 1,000 media types quickly, in JSON: past 1 KB it is not parsed', async () => {
    const types = Array.from({ length: 999 }, () => 'a/b')
    types.push('application/problem+json')
    const reply = await send({ accept: types.join(',') })
    expect(reply.ms).toBeLessThan(BOUND_MS)
    expect(reply.status).toBe(404)
    expect(reply.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(JSON.parse(reply.body)).toEqual(ENVELOPE)
  })

  it('honours problem+json as the 16th range of an Accept, not as the 17th', async () => {
    const ranges = (before: number) => [
      ...Array.from({ length: before }, () => 'a/b'),
      'application/problem+json',
    ]
    const sixteenth = await send({ accept: ranges(15).join(',') })
    expect(sixteenth.headers['content-type']).toBe('application/problem+json; charset=utf-8')
    expect(JSON.parse(sixteenth.body)).toEqual(PROBLEM)
    const seventeenth = await send({ accept: ranges(16).join(', ') })
    expect(seventeenth.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(JSON.parse(seventeenth.body)).toEqual(ENVELOPE)
  })

  it('translates on a short Accept-Language', async () => {
    const reply = await send({ 'accept-language': 'fr' })
    expect(reply.headers['content-language']).toBe('fr')
    expect(JSON.parse(reply.body)).toEqual({ ...ENVELOPE, message: FRENCH })
  })

  it('answers a 100 KB Accept-Language quickly, in the catalog language', async () => {
    const language = padded('de', (i) => `x-${i};q=0.1`, 100_000)
    expect(language.length).toBeGreaterThanOrEqual(100_000)
    const reply = await send({ 'accept-language': language })
    expect(reply.ms).toBeLessThan(BOUND_MS)
    expect(reply.status).toBe(404)
    expect(reply.headers['content-language']).toBe(undefined)
    expect(JSON.parse(reply.body)).toEqual(ENVELOPE)
  })

  it('echoes a well-formed X-Request-Id', async () => {
    const reply = await send({ 'x-request-id': 'req-7f3c' })
    expect(reply.headers['x-request-id']).toBe('req-7f3c')
    expect(JSON.parse(reply.body)).toEqual({ ...ENVELOPE, requestId: 'req-7f3c' })
  })

  it('answers a 10 KB X-Request-Id quickly and does not echo it', async () => {
    const reply = await send({ 'x-request-id': 'r'.repeat(10 * 1024) })
    expect(reply.ms).toBeLessThan(BOUND_MS)
    expect(reply.status).toBe(404)
    expect(reply.headers['x-request-id']).toBe(undefined)
    expect(JSON.parse(reply.body)).toEqual(ENVELOPE)
  })

  // Node's parser refuses these itself (400, connection closed); either way nothing is echoed.
  it.each([
    ['a bare CR', 'evil\rX-Injected: 1'],
    ['a bare LF', 'evil\nX-Injected: 1'],
    ['a NUL', 'evil\u0000X-Injected: 1'],
    ['a folded line', 'evil\r\n X-Injected: 1'],
  ])('answers an X-Request-Id with %s without echoing it', async (_label, id) => {
    const reply = await rawRequest(
      ports[adapter],
      `GET /doc HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: ${id}\r\nConnection: close\r\n\r\n`,
    )
    expect(reply.ms).toBeLessThan(BOUND_MS)
    expect(reply.text).toMatch(/^HTTP\/1\.1 (400|404) /)
    expect(reply.text).not.toMatch(/x-request-id/i)
    expect(reply.text).not.toContain('evil')
    expect(reply.text).not.toMatch(/x-injected/i)
  })

  // These pass Node's parser and reach the handler, which must not take them for an id.
  it.each([
    ['markup', 'evil <script>'],
    ['a quote and a brace', 'evil"}'],
    ['a Latin-1 byte', 'evil\u00e9'],
    ['a tab', 'evil\tid'],
  ])('answers an X-Request-Id with %s without echoing it', async (_label, id) => {
    const reply = await rawRequest(
      ports[adapter],
      `GET /doc HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: ${id}\r\nConnection: close\r\n\r\n`,
    )
    expect(reply.ms).toBeLessThan(BOUND_MS)
    expect(reply.text).toMatch(/^HTTP\/1\.1 404 /)
    expect(reply.text).not.toMatch(/x-request-id/i)
    expect(reply.text).not.toContain('evil')
    expect(JSON.parse(reply.text.slice(reply.text.indexOf('\r\n\r\n') + 4))).toEqual(ENVELOPE)
  })
})
