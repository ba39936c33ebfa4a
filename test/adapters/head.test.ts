/**
 * HEAD: every framework strips the body its own way; the client must not tell them apart. A HEAD gets the
 * status and headers a GET gets, Content-Length included, and not one byte of body.
 */
import { Codes, SignError } from 'esign-errors'
import request from 'supertest'
import { afterEach, describe, expect, it } from 'vitest'
import { APP_KINDS, buildApp, closeServers, serve } from '../helpers/apps.js'
import { cases, JSON_TYPE } from './cases.js'

afterEach(closeServers)

const NOT_FOUND_41 =
  '{"code":41,"name":"DocumentNotFound","message":"Document does not exist","status":404,"retryable":false}'

// Every header the table's answers may carry; Date and the like are left out, they differ by the second.
const COMPARED = [
  'content-type',
  'content-length',
  'cache-control',
  'x-content-type-options',
  'www-authenticate',
  'retry-after',
  'content-language',
  'x-request-id',
  'allow',
]

// The table's rows a HEAD can ask: not those of another method.
const headable = cases.filter((c) => (c.request?.method ?? 'GET') === 'GET')

describe.each(APP_KINDS)('%s', (kind) => {
  it('HEAD: the status and headers of GET, no body', async () => {
    const server = await serve(buildApp(kind, () => new SignError(Codes.DocumentNotFound)))
    const get = await request(server).get('/documents/D-9')
    const head = await request(server).head('/documents/D-9')
    expect(get.status).toBe(404)
    expect(head.status).toBe(404)
    expect(get.text).toBe(NOT_FOUND_41)
    expect(head.text).toBeUndefined()
    for (const name of ['content-type', 'cache-control', 'x-content-type-options', 'content-length']) {
      expect(head.headers[name], name).toBe(get.headers[name])
    }
    expect(head.headers['content-type']).toBe(JSON_TYPE)
    expect(head.headers['content-length']).toBe(String(Buffer.byteLength(NOT_FOUND_41)))
  })

  it.each(headable)('$name: HEAD gets the status and headers of GET, no body', async (c) => {
    const server = await serve(buildApp(kind, c.thrown, c.options))
    const ask = (method: 'get' | 'head') => {
      let req = request(server)[method](c.request?.path ?? '/test')
      for (const [name, value] of Object.entries(c.request?.headers ?? {})) req = req.set(name, value)
      return req
    }
    const get = await ask('get')
    const head = await ask('head')
    expect(head.status).toBe(c.expect.status)
    expect(get.status).toBe(c.expect.status)
    expect(head.text).toBeUndefined()
    for (const name of COMPARED) expect(head.headers[name], name).toBe(get.headers[name])
  })
})
