/**
 * The three recipes of docs/client.md, run as written (the page holds these files verbatim, checked below)
 * against a real Express 5 service with errorHandler(), over 127.0.0.1, with the real ky and axios.
 */
import { readFileSync } from 'node:fs'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Codes, SignError, success } from 'esign-errors'
import { ApiError, isApiError } from 'esign-errors/client'
import { errorHandler } from 'esign-errors/express'
import express from 'express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeServers, serve } from '../helpers/apps.js'
import * as viaAxios from './recipes/axios.js'
import * as viaFetch from './recipes/fetch.js'
import * as viaKy from './recipes/ky.js'

const hits = new Map<string, number>()
let nextId = 0

function service(): express.Express {
  const app = express()
  app.use((req, _res, next) => {
    ;(req as { id?: string }).id = `r-${++nextId}`
    hits.set(req.path, (hits.get(req.path) ?? 0) + 1)
    next()
  })
  app.get('/documents/D-1', (_req, res) => {
    res.json(success({ id: 'D-1', title: 'Lease' }))
  })
  app.get('/documents/missing', () => {
    throw new SignError(Codes.DocumentNotFound)
  })
  // A 200 whose envelope holds an error code, as a careless route might send.
  app.get('/documents/enveloped-error', (_req, res) => {
    res.json({ code: 22, name: 'WrongPassword', message: 'Wrong password', status: 401, retryable: false })
  })
  // Busy twice, then answers: retry() must wait what Retry-After says (0 s here) and try again.
  app.get('/documents/:id', (req, res) => {
    if ((hits.get(req.path) ?? 0) <= 2) throw new SignError(Codes.SystemBusy, { retryAfter: 0 })
    res.json(success({ id: req.params.id, title: 'Flaky' }))
  })
  app.delete('/documents/D-1', (_req, res) => {
    res.status(204).end()
  })
  app.delete('/documents/signed', () => {
    throw new SignError(Codes.IllegalOperation, {
      message: 'a signed document cannot be deleted',
      details: { state: 'signed' },
    })
  })
  app.use(errorHandler({ log: false }))
  return app
}

let base = ''
let edgeHits = 0
let proxy = ''
let closed = ''
// Answers every request with a status no Response can carry (600), or with 2 MiB of error body (/big).
let odd = ''

beforeAll(async () => {
  const server = await serve(service())
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  // What a load balancer answers when the service is down: its own HTML page.
  const edge = await serve((_req, res) => {
    edgeHits++
    res
      .writeHead(502, { 'content-type': 'text/html' })
      .end('<html><body><h1>502 Bad Gateway</h1></body></html>')
  })
  proxy = `http://127.0.0.1:${(edge.address() as AddressInfo).port}`
  const oddServer = await serve((req, res) => {
    if (req.url?.endsWith('/big')) {
      res.writeHead(500, { 'content-type': 'application/json' }).end(`{"x":"${'a'.repeat(2 * 1024 * 1024)}"}`)
    } else res.writeHead(600, { 'content-type': 'application/json' }).end('{}')
  })
  odd = `http://127.0.0.1:${(oddServer.address() as AddressInfo).port}`
  // A port nobody listens on any more: connections are refused.
  const gone: Server = await serve(() => {})
  closed = `http://127.0.0.1:${(gone.address() as AddressInfo).port}`
  gone.closeAllConnections()
  await new Promise((resolve) => gone.close(resolve))
})
afterAll(closeServers)

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (error: unknown) => error,
  )
}

async function apiError(promise: Promise<unknown>): Promise<ApiError> {
  const error = await rejection(promise)
  expect(error).toBeInstanceOf(ApiError)
  return error as ApiError
}

function expectNotFound(error: ApiError): void {
  expect([error.code, error.codeName, error.status, error.message, error.retryable]).toEqual([
    41,
    'DocumentNotFound',
    404,
    'Document does not exist',
    false,
  ])
  expect(error.requestId).toMatch(/^r-\d+$/)
  expect(error.requestId).toBe(error.response.headers.get('x-request-id'))
  expect(isApiError(error, Codes.DocumentNotFound)).toBe(true)
}

function expectProxyPage(error: ApiError): void {
  expect([error.code, error.codeName, error.status, error.retryable, error.format]).toEqual([
    4,
    'ProcessingFailed',
    502,
    true,
    'other',
  ])
}

describe('plain fetch', () => {
  it('gives the data of a success', async () => {
    expect(await viaFetch.getDocument(base, 'D-1')).toEqual({ id: 'D-1', title: 'Lease' })
  })

  it('throws the service error, tried once since it is not retryable', async () => {
    const before = hits.get('/documents/missing') ?? 0
    expectNotFound(await apiError(viaFetch.getDocument(base, 'missing')))
    expect(hits.get('/documents/missing')).toBe(before + 1)
  })

  it('tries a busy service again after its Retry-After', async () => {
    expect(await viaFetch.getDocument(base, 'flaky-fetch')).toEqual({ id: 'flaky-fetch', title: 'Flaky' })
    expect(hits.get('/documents/flaky-fetch')).toBe(3)
  })

  it('reads a proxy page as an error of its status, tried three times', async () => {
    const before = edgeHits
    expectProxyPage(await apiError(viaFetch.getDocument(proxy, 'D-1')))
    expect(edgeHits - before).toBe(3)
  })

  it('tries a refused connection three times, then throws the TypeError', async () => {
    expect(await rejection(viaFetch.getDocument(closed, 'D-1'))).toBeInstanceOf(TypeError)
  })

  it('readError: nothing for a 2xx, the error with its details otherwise', async () => {
    await viaFetch.deleteDocument(base, 'D-1')
    const error = await apiError(viaFetch.deleteDocument(base, 'signed'))
    expect([error.code, error.status, error.message, error.details]).toEqual([
      44,
      403,
      'a signed document cannot be deleted',
      { state: 'signed' },
    ])
  })
})

describe('ky, hooks.beforeError', () => {
  it('gives the data of a success', async () => {
    expect(await viaKy.getDocument(viaKy.createApi(base), 'D-1')).toEqual({ id: 'D-1', title: 'Lease' })
  })

  it('throws the service error instead of an HTTPError', async () => {
    const before = hits.get('/documents/missing') ?? 0
    expectNotFound(await apiError(viaKy.getDocument(viaKy.createApi(base), 'missing')))
    expect(hits.get('/documents/missing')).toBe(before + 1)
  })

  it('tries a busy service again', async () => {
    const api = viaKy.createApi(base)
    expect(await viaKy.getDocument(api, 'flaky-ky')).toEqual({ id: 'flaky-ky', title: 'Flaky' })
    expect(hits.get('/documents/flaky-ky')).toBe(3)
  })

  it('reads a proxy page', async () => {
    expectProxyPage(await apiError(viaKy.createApi(proxy).get('documents/D-1')))
  })

  it('lets a refused connection through as the TypeError retry() retries', async () => {
    expect(await rejection(viaKy.getDocument(viaKy.createApi(closed), 'D-1'))).toBeInstanceOf(TypeError)
  })
})

describe('axios, a response interceptor', () => {
  it('gives the data of a success', async () => {
    expect(await viaAxios.getDocument(viaAxios.createApi(base), 'D-1')).toEqual({ id: 'D-1', title: 'Lease' })
  })

  it('throws the service error, with its request id and details', async () => {
    expectNotFound(await apiError(viaAxios.getDocument(viaAxios.createApi(base), 'missing')))
    const error = await apiError(viaAxios.createApi(base).delete('/documents/signed'))
    expect([error.code, error.message, error.details]).toEqual([
      44,
      'a signed document cannot be deleted',
      { state: 'signed' },
    ])
  })

  it('keeps Retry-After', async () => {
    const error = await apiError(viaAxios.getDocument(viaAxios.createApi(base), 'flaky-axios'))
    expect([error.code, error.retryable, error.retryAfterMs]).toEqual([89, true, 0])
  })

  it('reads a proxy page, whose text axios kept', async () => {
    expectProxyPage(await apiError(viaAxios.getDocument(viaAxios.createApi(proxy), 'D-1')))
  })

  it('leaves an error without an answer to axios', async () => {
    const error = await rejection(viaAxios.getDocument(viaAxios.createApi(closed), 'D-1'))
    expect(isApiError(error)).toBe(false)
    expect((error as { code?: unknown }).code).toBe('ECONNREFUSED')
  })

  it('throws the error code of a 2xx envelope, as unwrap does for fetch', async () => {
    const error = await apiError(viaAxios.getDocument(viaAxios.createApi(base), 'enveloped-error'))
    expect([error.code, error.codeName]).toEqual([22, 'WrongPassword'])
  })

  it('leaves a status no Response can carry, and a body over its limit, to axios', async () => {
    const api = viaAxios.createApi(odd)
    const strange = await rejection(viaAxios.getDocument(api, 'D-1'))
    expect([isApiError(strange), (strange as { response?: { status?: unknown } }).response?.status]).toEqual([
      false,
      600,
    ])
    const big = await rejection(viaAxios.getDocument(api, 'big'))
    expect([isApiError(big), (big as { code?: unknown }).code]).toEqual([false, 'ERR_BAD_RESPONSE'])
    expect((big as Error).message).toMatch(/maxContentLength/)
  })
})

describe('docs/client.md', () => {
  const readme = readFileSync(new URL('../../docs/client.md', import.meta.url), 'utf8')
  it.each(['fetch', 'ky', 'axios'])('shows the %s recipe exactly as tested', (name) => {
    const source = readFileSync(new URL(`./recipes/${name}.ts`, import.meta.url), 'utf8')
    // The page's block may leave out the type import the recipes share, and nothing else.
    const shown = source.replace("import type { DocumentInfo } from './fetch.js'\n", '')
    expect(readme).toContain(`\`\`\`ts\n${shown}\`\`\``)
  })
})
