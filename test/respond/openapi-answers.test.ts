/**
 * The OpenAPI document lists every answer the handlers send, and every example in it is an answer really
 * sent: each one is thrown through Express 5, Koa 3 and Fastify 5 and compared with the document.
 */

import Router from '@koa/router'
import { type CatalogEntry, describe as describeCode, fallbackCode, SignError } from 'esign-errors'
import { errorHandler as expressErrorHandler, notFound as expressNotFound } from 'esign-errors/express'
import { errorHandler as fastifyErrorHandler, notFound as fastifyNotFound } from 'esign-errors/fastify'
import {
  allowedMethods as koaAllowedMethods,
  errorHandler as koaErrorHandler,
  notFound as koaNotFound,
} from 'esign-errors/koa'
import { openApiComponents } from 'esign-errors/openapi'
import express from 'express'
import Koa from 'koa'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeServers, fastifyListener, serve } from '../helpers/apps.js'

const components = openApiComponents()
type Example = { code: number; name: string; message: string; status: number }

function examplesAt(status: number): Record<string, { value: Example }> {
  const response = components.responses[`Error${status}`]
  if (response === undefined) throw new Error(`no Error${status}`)
  return response.content['application/json'].examples as Record<string, { value: Example }>
}

describe('answers besides each code at its catalog status', () => {
  it.each([
    [404, 'InvalidRequestType', 7, 'Not Found'],
    [405, 'InvalidRequestType', 7, 'Method Not Allowed'],
    [501, 'InvalidRequestType', 7, 'Invalid request type'],
    [415, 'DataFormatError', 3, 'Data format error'],
    [429, 'SystemBusy', 89, 'The system is busy'],
    [502, 'ProcessingFailed', 4, 'Processing failed'],
    [502, 'DataFormatError', 3, 'Data format error'],
    [502, 'MacMismatch', 2, 'Data check failed (MAC mismatch)'],
    [502, 'InvalidAccessToken', 5, 'Invalid access token'],
    [502, 'AccessTokenExpired', 6, 'Access token has expired'],
    [502, 'IntegrationKeyNotFound', 53, 'Integration key does not exist'],
    [502, 'UnknownCode', 999, 'Unknown return code 999'],
    [504, 'ProcessingFailed', 4, 'Processing failed'],
  ])('Error%i lists %s (code %i)', (status, name, code, message) => {
    expect(examplesAt(status)[name]?.value).toMatchObject({ code, name, message, status })
  })

  it('announces Allow on 405, as RFC 9110 requires', () => {
    expect(components.responses.Error405?.headers.Allow).toEqual({
      description: 'The methods the path does take (RFC 9110).',
      schema: { type: 'string' },
    })
    expect(components.responses.Error404?.headers.Allow).toBeUndefined()
  })

  it('says which code any other status answers', () => {
    expect(components.responses.Error404?.description).toMatch(/\n\nAny other 4xx status answers code 1\.$/)
    expect(components.responses.Error504?.description).toMatch(/\n\nAny other 5xx status answers code 4\.$/)
    expect(components.responses.Error404?.description).toContain(
      '- `7` InvalidRequestType: no route matched (`notFound()`)',
    )
  })
})

const NO_ROUTE = Symbol('a path no route has')
const WRONG_METHOD = Symbol('a path asked with a method its routes do not take')

/** What a route throws to be answered with `example`, or a request the adapters answer on their own. */
function thrownFor(example: Example): unknown {
  const entry: CatalogEntry | undefined = describeCode(example.code)
  if (example.code === 7 && example.status === 404 && example.message === 'Not Found') return NO_ROUTE
  if (example.code === 7 && example.status === 405) return WRONG_METHOD
  if (entry && entry.status === example.status) return new SignError(example.code)
  // An error that carries only a status is answered with the catalog message of the status's code.
  if (entry && entry.message === example.message && fallbackCode(example.status) === example.code) {
    return { status: example.status }
  }
  return new SignError(example.code, { status: example.status })
}

const thrown = new Map<string, unknown>()
let id = 0
function register(value: unknown): string {
  const key = String(++id)
  thrown.set(key, value)
  return key
}
const throwRegistered = (key: string): never => {
  throw thrown.get(key)
}

const servers: Record<string, Awaited<ReturnType<typeof serve>>> = {}

beforeAll(async () => {
  const app = express()
  app.get('/throw/:key', (req) => throwRegistered(req.params.key))
  app.post('/only-post', (_req, res) => res.json({}))
  app.use(expressNotFound())
  app.use(expressErrorHandler({ log: false }))
  servers.express5 = await serve(app)

  const koa = new Koa()
  koa.silent = true
  koa.use(koaErrorHandler({ log: false }))
  koa.use(koaNotFound())
  const router = new Router()
  router.get('/throw/:key', (ctx) => throwRegistered(ctx.params.key!))
  router.post('/only-post', (ctx) => {
    ctx.body = {}
  })
  koa.use(router.routes())
  koa.use(koaAllowedMethods(router))
  servers.koa3 = await serve(koa.callback())

  servers.fastify5 = await serve(
    fastifyListener((fastify) => {
      fastify.setErrorHandler(fastifyErrorHandler({ log: false }))
      fastify.setNotFoundHandler(fastifyNotFound())
      fastify.get<{ Params: { key: string } }>('/throw/:key', async (req) => throwRegistered(req.params.key))
      fastify.post('/only-post', async () => ({}))
    }),
  )
})

afterAll(closeServers)

const cases = Object.entries(components.responses).flatMap(([key, response]) =>
  (['application/json', 'application/problem+json'] as const).flatMap((media) =>
    Object.entries(response.content[media].examples).map(([name, example]) => ({
      label: `${key} ${name} as ${media}`,
      media,
      value: example.value as Example,
      json: response.content['application/json'].examples[name]!.value as Example,
    })),
  ),
)

describe.each(['express5', 'koa3', 'fastify5'])('every example, thrown through %s', (kind) => {
  it('covers every response of the document', () => {
    expect(new Set(cases.map((c) => c.label.split(' ')[0])).size).toBe(
      Object.keys(components.responses).length,
    )
  })

  it.each(cases)('$label', async ({ media, value, json }) => {
    const what = thrownFor(json)
    const path =
      what === NO_ROUTE ? '/nowhere' : what === WRONG_METHOD ? '/only-post' : `/throw/${register(what)}`
    const res = await request(servers[kind]!).get(path).set('Accept', media)
    if (what === WRONG_METHOD) expect(res.headers.allow).toBe('POST')
    expect(res.status).toBe(json.status)
    expect(res.headers['content-type']).toBe(`${media}; charset=utf-8`)
    const body = JSON.parse(res.text) as Record<string, unknown>
    // Per request, not per answer: the document shows neither.
    delete body.requestId
    delete body.instance
    expect(body).toEqual(value)
  })
})
