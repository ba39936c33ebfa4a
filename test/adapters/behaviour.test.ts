import request from 'supertest'
import { afterEach, describe, expect, it } from 'vitest'
import { APP_KINDS, buildApp, closeServers, serve } from '../helpers/apps.js'
import { type Case, cases, JSON_TYPE } from './cases.js'

// Headers that only some answers carry: a case that does not list them expects them absent.
const ABSENT_UNLESS_LISTED = ['www-authenticate', 'retry-after', 'content-language']

afterEach(closeServers)

async function send(server: Awaited<ReturnType<typeof serve>>, c: Case) {
  const method = (c.request?.method ?? 'GET').toLowerCase() as 'get' | 'post' | 'delete'
  let req = request(server)[method](c.request?.path ?? '/test')
  for (const [name, value] of Object.entries(c.request?.headers ?? {})) req = req.set(name, value)
  return req.buffer(true).parse((res, done) => {
    let text = ''
    res.setEncoding('utf8')
    res.on('data', (chunk: string) => {
      text += chunk
    })
    res.on('end', () => done(null, text))
  })
}

// No case is left out for any framework: all four must give the same answer to every row.
describe.each(APP_KINDS)('%s', (kind) => {
  it.each(cases)('$name', async (c) => {
    const server = await serve(buildApp(kind, c.thrown, c.options))
    const res = await send(server, c)
    const text = res.body as string

    expect(res.status).toBe(c.expect.status)
    // Byte for byte: the members in the order the contract writes them.
    expect(text).toBe(JSON.stringify(c.expect.body))

    const expected = { 'content-type': JSON_TYPE, ...c.expect.headers }
    for (const [name, value] of Object.entries(expected)) expect(res.headers[name], name).toBe(value)
    for (const name of ABSENT_UNLESS_LISTED) {
      if (!(name in expected)) expect(res.headers[name], name).toBeUndefined()
    }
    expect(res.headers['cache-control']).toBe('no-store')
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    expect(res.headers['content-length']).toBe(String(Buffer.byteLength(text)))
    // The id is echoed in the header exactly when the body carries it.
    expect(res.headers['x-request-id']).toBe(c.expect.body.requestId)

    if (c.secret !== undefined) {
      expect(text).not.toContain(c.secret)
      expect(JSON.stringify(res.headers)).not.toContain(c.secret)
    }
  })
})

// The table throws values by hand; these go through each framework's own JSON parser: express.json(),
// @koa/bodyparser and Fastify's, each with a 1 KB limit.
describe.each(APP_KINDS)('%s with its real JSON parser', (kind) => {
  const never = () => new Error('the route must not run')
  const app = () => buildApp(kind, never, undefined, { bodyLimit: 1024 })

  it("malformed JSON: 400 code 3, nothing of the parser's message", async () => {
    const server = await serve(app())
    const res = await request(server).post('/test').set('Content-Type', 'application/json').send('{"email":')
    expect(res.status).toBe(400)
    expect(res.headers['content-type']).toBe(JSON_TYPE)
    expect(res.text).toBe(
      '{"code":3,"name":"DataFormatError","message":"Data format error","status":400,"retryable":false}',
    )
    expect(res.text).not.toContain('Unexpected')
  })

  it('a body over the limit: 413 code 93', async () => {
    const server = await serve(app())
    const res = await request(server)
      .post('/test')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ text: 'x'.repeat(2000) }))
    expect(res.status).toBe(413)
    expect(res.headers['content-type']).toBe(JSON_TYPE)
    expect(res.text).toBe(
      '{"code":93,"name":"FileTooLarge","message":"Upload file size too big","status":413,"retryable":false}',
    )
  })

  it('a well-formed body reaches the route', async () => {
    const server = await serve(app())
    const res = await request(server).post('/test').set('Content-Type', 'application/json').send('{"a":1}')
    expect(res.status).toBe(500)
    expect(res.text).toBe(
      '{"code":4,"name":"ProcessingFailed","message":"Processing failed","status":500,"retryable":true}',
    )
  })
})
