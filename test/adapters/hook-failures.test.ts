/**
 * Every hook of the user's (log, a logger's methods, requestId, authenticate) may throw or return a rejected
 * promise: the answer stands, and nothing escapes as an unhandled rejection that would end the process.
 */
import { setImmediate as tick } from 'node:timers/promises'
import { type ErrorHandlerOptions, SignError } from 'esign-errors'
import { errorHandler as koaErrorHandler } from 'esign-errors/koa'
import Koa from 'koa'
import Koa2 from 'koa2'
import request from 'supertest'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { APP_KINDS, buildApp, closeServers, serve } from '../helpers/apps.js'

const rejecting = async (): Promise<never> => {
  throw new Error('hook failed')
}
const throwing = (): never => {
  throw new Error('hook failed')
}

const HOOKS: [string, ErrorHandlerOptions][] = [
  ['an async log function that rejects', { log: rejecting }],
  ['a log function that throws', { log: throwing }],
  // biome-ignore lint/suspicious/noThenProperty: a thenable is what this row is about
  ['a log function returning a thenable whose then throws', { log: () => ({ then: throwing }) }],
  ['a logger whose async error and warn reject', { log: { error: rejecting, warn: rejecting } }],
  ['a logger whose error and warn throw', { log: { error: throwing, warn: throwing } }],
  ['an async requestId that rejects', { requestId: rejecting as never }],
  ['a requestId that throws', { requestId: throwing }],
  ['an async authenticate that rejects', { authenticate: rejecting as never }],
  ['an authenticate that throws', { authenticate: throwing }],
]

const INVALID_ACCESS_TOKEN = {
  code: 5,
  name: 'InvalidAccessToken',
  message: 'Invalid access token',
  status: 401,
  retryable: false,
}
const PROCESSING_FAILED = {
  code: 4,
  name: 'ProcessingFailed',
  message: 'Processing failed',
  status: 500,
  retryable: true,
}

let unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => unhandled.push(reason)

beforeEach(() => {
  unhandled = []
  process.on('unhandledRejection', onUnhandled)
})

afterEach(async () => {
  process.off('unhandledRejection', onUnhandled)
  await closeServers()
})

describe.each(APP_KINDS)('%s', (kind) => {
  it.each(HOOKS)('%s: the answer stands, nothing is left unhandled', async (_name, options) => {
    for (const [thrown, status, code, body] of [
      [() => new SignError(5), 401, 5, INVALID_ACCESS_TOKEN],
      [() => new SignError(4, { cause: new Error('db down') }), 500, 4, PROCESSING_FAILED],
    ] as const) {
      const server = await serve(buildApp(kind, thrown, options))
      const res = await request(server).get('/test').set('X-Request-Id', 'abc')
      expect(res.status).toBe(status)
      expect(res.body.code).toBe(code)
      expect(res.text).toBe(JSON.stringify('requestId' in options ? body : { ...body, requestId: 'abc' }))
      // The server is still answering.
      expect((await request(server).get('/test')).status).toBe(status)
      // A failed requestId hook gives no id; it does not fall back to the header it replaces.
      if ('requestId' in options) expect(res.body.requestId).toBeUndefined()
      else expect(res.body.requestId).toBe('abc')
      if (status === 401) {
        expect(res.headers['www-authenticate']).toBe(
          'authenticate' in options ? undefined : 'Bearer error="invalid_token"',
        )
      }
    }
    // Rejections surface on a later turn of the event loop.
    for (let i = 0; i < 5; i++) await tick()
    expect(unhandled).toEqual([])
  })
})

describe.each([
  ['Koa 3', Koa],
  ['Koa 2', Koa2],
])("%s: an 'error' listener of the app's own", (_name, App) => {
  it.each([
    ['is async and rejects', async () => Promise.reject(new Error('tracker down'))],
    [
      'throws',
      () => {
        throw new Error('tracker down')
      },
    ],
  ])(
    '%s: the answer stands, the next listener hears of it, nothing is left unhandled',
    async (_how, first) => {
      const app = new App()
      const heard: unknown[] = []
      app.on('error', first)
      app.on('error', (error: unknown) => heard.push(error))
      app.use(koaErrorHandler())
      app.use(() => {
        throw new SignError(4, { cause: new Error('db down') })
      })
      const server = await serve(app.callback())
      const res = await request(server).get('/test')
      expect(res.status).toBe(500)
      expect(res.body.code).toBe(4)
      expect(heard).toHaveLength(1)
      for (let i = 0; i < 5; i++) await tick()
      expect(unhandled).toEqual([])
    },
  )
})
