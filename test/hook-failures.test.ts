/**
 * Every hook of the user's (log, a logger's methods, requestId, authenticate) may throw or return a rejected
 * promise: the answer stands, and nothing escapes as an unhandled rejection that would end the process.
 */
import { setImmediate as tick } from 'node:timers/promises'
import { type ErrorHandlerOptions, SignError } from 'esign-errors'
import request from 'supertest'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { APP_KINDS, buildApp, closeServers, serve } from './helpers/apps.js'

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
    for (const [thrown, status, code] of [
      [() => new SignError(5), 401, 5],
      [() => new SignError(4, { cause: new Error('db down') }), 500, 4],
    ] as const) {
      const server = await serve(buildApp(kind, thrown, options))
      const res = await request(server).get('/test').set('X-Request-Id', 'abc')
      expect(res.status).toBe(status)
      expect(res.body.code).toBe(code)
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
