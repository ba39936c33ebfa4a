/**
 * A page on another origin calling a service behind the usual `cors()` set-up. Node's fetch does not enforce
 * CORS, so `browserView` does what the Fetch standard has a browser do with the answer (a CORS-filtered
 * response): only the safelisted headers and those `Access-Control-Expose-Headers` names stay readable.
 */
import { readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import cors from 'cors'
import { Codes, SignError, success, toErrorResponse } from 'esign-errors'
import { readError, retry, unwrap } from 'esign-errors/client'
import { errorHandler } from 'esign-errors/express'
import express from 'express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeServers, serve } from '../helpers/apps.js'

const ORIGIN = 'https://app.example.com'
// Fetch standard, "CORS-safelisted response-header name".
const SAFELISTED = [
  'cache-control',
  'content-language',
  'content-length',
  'content-type',
  'expires',
  'last-modified',
  'pragma',
]

/** The answer as a script on ORIGIN may read it (no credentials), or the TypeError a browser rejects with. */
function browserView(response: Response): Response {
  const allowed = response.headers.get('access-control-allow-origin')
  if (allowed !== '*' && allowed !== ORIGIN) throw new TypeError('Failed to fetch')
  const exposed = (response.headers.get('access-control-expose-headers') ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
  const headers = new Headers()
  for (const [name, value] of response.headers) {
    if (SAFELISTED.includes(name) || exposed.includes(name) || exposed.includes('*')) headers.set(name, value)
  }
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers })
}

function fromPage(url: string): Promise<Response> {
  return fetch(url, { headers: { origin: ORIGIN } }).then(browserView)
}

const hits = new Map<string, number[]>()
let nextId = 0

function service(options?: cors.CorsOptions): express.Express {
  const app = express()
  app.use(cors(options))
  app.use((req, res, next) => {
    const id = `r-${++nextId}`
    ;(req as { id?: string }).id = id
    // The app's own answers carry the id too; the error handler echoes req.id on its own.
    res.setHeader('x-request-id', id)
    hits.set(req.path, [...(hits.get(req.path) ?? []), Date.now()])
    next()
  })
  app.get('/documents/D-1', (_req, res) => {
    res.json(success({ id: 'D-1' }))
  })
  app.get('/documents/missing', () => {
    throw new SignError(Codes.DocumentNotFound)
  })
  // Busy at first, and says for how long: 1 s.
  app.get('/busy', (req, res) => {
    if ((hits.get(req.path) ?? []).length === 1) throw new SignError(Codes.SystemBusy, { retryAfter: 1 })
    res.json(success('done'))
  })
  app.use(errorHandler({ log: false }))
  return app
}

let plain = ''
let exposing = ''

beforeAll(async () => {
  plain = `http://127.0.0.1:${((await serve(service())).address() as AddressInfo).port}`
  const documented = await serve(service({ exposedHeaders: ['X-Request-Id'] }))
  exposing = `http://127.0.0.1:${(documented.address() as AddressInfo).port}`
})

afterAll(closeServers)

describe('an error answer to a page on another origin, behind cors() as it comes', () => {
  it('exposes Retry-After and X-Request-Id', async () => {
    const response = await fetch(`${plain}/documents/missing`, { headers: { origin: ORIGIN } })
    expect(response.status).toBe(404)
    expect(response.headers.get('access-control-allow-origin')).toBe('*')
    expect(response.headers.get('access-control-expose-headers')).toBe('Retry-After, X-Request-Id')
    const error = await readError(browserView(response))
    expect([error?.code, error?.requestId]).toEqual([41, response.headers.get('x-request-id')])
  })

  it('lets retry() wait the 1 s the server asked for', async () => {
    hits.delete('/busy')
    const data = await retry(() => fromPage(`${plain}/busy`).then(unwrap))
    expect(data).toBe('done')
    const [first, second] = hits.get('/busy') as number[]
    // Without the header the page would see no Retry-After and wait the backoff: 300 ms at most.
    expect((second as number) - (first as number)).toBeGreaterThanOrEqual(990)
  })

  it('leaves a request without Origin (same origin, server to server) as it was', async () => {
    const response = await fetch(`${plain}/documents/missing`)
    expect(response.headers.get('access-control-expose-headers')).toBeNull()
  })
})

describe("cors({ exposedHeaders: ['X-Request-Id'] }), as docs/client.md shows it", () => {
  it('is the line docs/client.md shows', () => {
    const section = readFileSync(new URL('../../docs/client.md', import.meta.url), 'utf8')
    expect(section).toContain("app.use(cors({ exposedHeaders: ['X-Request-Id'] }))")
  })

  it("exposes a success answer's X-Request-Id, and Retry-After with it on an error answer", async () => {
    const ok = await fetch(`${exposing}/documents/D-1`, { headers: { origin: ORIGIN } })
    expect(ok.headers.get('access-control-expose-headers')).toBe('X-Request-Id')
    expect(browserView(ok).headers.get('x-request-id')).toMatch(/^r-\d+$/)
    const failed = await fetch(`${exposing}/documents/missing`, { headers: { origin: ORIGIN } })
    const names = (failed.headers.get('access-control-expose-headers') ?? '').split(', ').sort()
    expect(names).toEqual(['Retry-After', 'X-Request-Id'])
  })
})

describe('toErrorResponse', () => {
  it('adds the two names to those an error exposes itself, once each, whatever their case', () => {
    const error = new SignError(Codes.SystemBusy, {
      headers: { 'access-control-expose-headers': 'X-Quota, x-request-id' },
    })
    const { headers } = toErrorResponse(error, { headers: { origin: ORIGIN } })
    expect(headers['access-control-expose-headers']).toBe('X-Quota, x-request-id, Retry-After')
  })

  it('adds nothing to an answer for a request without Origin', () => {
    const { headers } = toErrorResponse(new SignError(Codes.SystemBusy), { headers: {} })
    expect(headers['access-control-expose-headers']).toBeUndefined()
  })
})
