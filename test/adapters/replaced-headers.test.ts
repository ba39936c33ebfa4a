/**
 * Headers the route set before it failed, each set the framework's own way (`res.setHeader`, `ctx.set`,
 * `reply.header`): those that described the answer it meant to send (its representation, its length, its
 * trailers) go, the error answer's own replace them; CORS, Vary, Set-Cookie and Allow stay. GET and HEAD alike.
 */
import { Codes, SignError } from 'esign-errors'
import createError from 'http-errors'
import request from 'supertest'
import { afterEach, describe, expect, it } from 'vitest'
import { APP_KINDS, buildRouteApp, closeServers, serve } from '../helpers/apps.js'
import { JSON_TYPE } from './cases.js'

afterEach(closeServers)

const NOT_FOUND_41 =
  '{"code":41,"name":"DocumentNotFound","message":"Document does not exist","status":404,"retryable":false}'
const METHOD_NOT_ALLOWED =
  '{"code":7,"name":"InvalidRequestType","message":"Method Not Allowed","status":405,"retryable":false}'

interface Row {
  name: string
  /** Set by the route, in this order, before it throws. */
  set: [name: string, value: string][]
  thrown: () => unknown
  request?: Record<string, string>
  status: number
  body: string
  /** Exact values the answer carries; `undefined`: the header is absent. */
  headers: Record<string, string | string[] | undefined>
}

const ROWS: Row[] = [
  {
    name: 'representation headers of the route are removed; CORS, Vary and Set-Cookie stay',
    set: [
      ['Content-Disposition', 'attachment; filename="contract.pdf"'],
      ['Content-Type', 'application/pdf'],
      ['ETag', '"v42"'],
      ['Content-Encoding', 'gzip'],
      ['Last-Modified', 'Wed, 21 Oct 2015 07:28:00 GMT'],
      ['Access-Control-Allow-Origin', 'https://app.example.com'],
      ['Vary', 'Origin'],
      ['Set-Cookie', 'sid=abc; Path=/; HttpOnly'],
    ],
    thrown: () => new SignError(Codes.DocumentNotFound),
    request: { Origin: 'https://app.example.com' },
    status: 404,
    body: NOT_FOUND_41,
    headers: {
      'content-type': JSON_TYPE,
      'content-length': '104',
      'content-disposition': undefined,
      etag: undefined,
      'content-encoding': undefined,
      'last-modified': undefined,
      'access-control-allow-origin': 'https://app.example.com',
      vary: 'Origin',
      'set-cookie': ['sid=abc; Path=/; HttpOnly'],
    },
  },
  {
    // A Trailer left behind makes Node throw when a body without trailers is written.
    name: 'a route that announced trailers and a stale Content-Length still gets a clean answer',
    set: [
      ['Trailer', 'Server-Timing'],
      ['Content-Length', '12345'],
    ],
    thrown: () => new SignError(Codes.DocumentNotFound),
    status: 404,
    body: NOT_FOUND_41,
    headers: { 'content-type': JSON_TYPE, 'content-length': '104', trailer: undefined },
  },
  {
    name: 'a stale Content-Length and Transfer-Encoding give way to the exact length of the error',
    set: [
      ['Content-Length', '12345'],
      ['Transfer-Encoding', 'chunked'],
    ],
    thrown: () => new SignError(Codes.DocumentNotFound),
    status: 404,
    body: NOT_FOUND_41,
    headers: { 'content-type': JSON_TYPE, 'content-length': '104', 'transfer-encoding': undefined },
  },
  {
    name: 'an Allow the route set survives its own 405',
    set: [['Allow', 'GET']],
    thrown: () => createError(405),
    status: 405,
    body: METHOD_NOT_ALLOWED,
    headers: { 'content-type': JSON_TYPE, allow: 'GET' },
  },
]

describe.each(APP_KINDS)('%s', (kind) => {
  it.each(ROWS)('$name', async (row) => {
    const server = await serve(
      buildRouteApp(kind, (route) => {
        for (const [name, value] of row.set) route.header(name, value)
        throw row.thrown()
      }),
    )
    for (const method of ['get', 'head'] as const) {
      let req = request(server)[method]('/documents/D-9/pdf')
      for (const [name, value] of Object.entries(row.request ?? {})) req = req.set(name, value)
      const res = await req
      expect(res.status, method).toBe(row.status)
      expect(res.text, method).toBe(method === 'get' ? row.body : undefined)
      for (const [name, value] of Object.entries(row.headers)) expect(res.headers[name], name).toEqual(value)
    }
  })
})
