/**
 * What the `log` option hears, on every framework: one entry per error with its whole cause chain, `.error`
 * for a 5xx and `.warn` for a 4xx on a pino-style logger. Without the option a 5xx is printed once, except on
 * Koa, where it goes to the app's 'error' event instead (Koa's printer, silenced in these apps; test/koa).
 */

import { Codes, type LogEntry, SignError } from 'esign-errors'
import request from 'supertest'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { APP_KINDS, type AppKind, buildRouteApp, closeServers, serve } from '../helpers/apps.js'

afterEach(async () => {
  vi.restoreAllMocks()
  await closeServers()
})

const PROCESSING_FAILED =
  '{"code":4,"name":"ProcessingFailed","message":"Processing failed","status":500,"retryable":true}'

/** Whether the handler prints a 5xx itself when no `log` option is given. */
const PRINTS: Record<AppKind, boolean> = {
  express5: true,
  express4: true,
  koa3: false,
  koa2: false,
  fastify5: true,
}

describe.each(APP_KINDS)('%s', (kind) => {
  it.each([
    ['a plain Error', () => new Error('db down'), 'esign-errors: 500 ProcessingFailed (code 4)'],
    [
      'a 5xx SignError',
      () => new SignError(Codes.SigningFailed),
      'esign-errors: 500 SigningFailed (code 29)',
    ],
  ])('without a log option, %s is printed once, with the thrown value', async (_name, make, line) => {
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {})
    const thrown = make()
    const server = await serve(
      buildRouteApp(
        kind,
        () => {
          throw thrown
        },
        { log: undefined },
      ),
    )
    expect((await request(server).get('/documents')).status).toBe(500)
    expect(printed.mock.calls).toEqual(PRINTS[kind] ? [[line, thrown]] : [])
  })

  it('without a log option, a 4xx is not printed', async () => {
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {})
    const warned = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const server = await serve(
      buildRouteApp(
        kind,
        () => {
          throw new SignError(Codes.WrongPassword)
        },
        { log: undefined },
      ),
    )
    expect((await request(server).get('/documents')).status).toBe(401)
    expect(printed).not.toHaveBeenCalled()
    expect(warned).not.toHaveBeenCalled()
  })

  it('a log function gets one entry per error, with the whole cause chain', async () => {
    const entries: LogEntry[] = []
    const requests: unknown[] = []
    const hsm = new Error('pkcs11 CKR_DEVICE_ERROR')
    const signing = new SignError(Codes.SigningFailed, { message: 'HSM refused key k-77', cause: hsm })
    const foreign = new Error('db password is hunter2')
    const server = await serve(
      buildRouteApp(
        kind,
        (route) => {
          requests.push(route.request)
          if (route.path === '/sign') throw signing
          if (route.path === '/boom') throw foreign
          throw new SignError(Codes.WrongPassword)
        },
        { log: (entry) => entries.push(entry) },
      ),
    )
    await request(server).post('/sign?token=s3cret').set('X-Request-Id', 'req-42')
    await request(server).post('/login')
    const boom = await request(server).get('/boom')
    expect(boom.text).toBe(PROCESSING_FAILED)
    expect(entries).toHaveLength(3)
    expect(Object.keys(entries[0]!)).toEqual([
      'level',
      'status',
      'code',
      'codeName',
      'requestId',
      'method',
      'path',
      'err',
      'causes',
    ])
    // The framework's own request (Express's req, Koa's ctx, Fastify's request), for `entry.request.log` and
    // the like; not enumerable, so a logger handed the whole entry does not serialize it.
    for (const [index, entry] of entries.entries()) expect(entry.request).toBe(requests[index])
    expect({ ...entries[0] }).toEqual({
      level: 'error',
      status: 500,
      code: 29,
      codeName: 'SigningFailed',
      requestId: 'req-42',
      method: 'POST',
      path: '/sign',
      err: signing,
      causes: [
        { name: 'SignError', message: 'HSM refused key k-77', stack: signing.stack },
        { name: 'Error', message: 'pkcs11 CKR_DEVICE_ERROR', stack: hsm.stack },
      ],
    })
    expect(entries[1]).toMatchObject({ level: 'warn', status: 401, code: 22, codeName: 'WrongPassword' })
    expect(entries[1]?.requestId).toBeUndefined()
    // A 4xx is the client's doing: its causes come without stacks, which cost microseconds to render.
    expect(entries[1]?.causes).toEqual([{ name: 'SignError', message: 'Wrong password' }])
    // Nor does its `err`: pino's error serializer would print the stack of the thrown error itself.
    expect({ ...(entries[1]?.err as object) }).toEqual({ type: 'SignError', message: 'Wrong password' })
    // A foreign 5xx is masked on the wire, and logged whole.
    expect({ ...entries[2] }).toEqual({
      level: 'error',
      status: 500,
      code: 4,
      codeName: 'ProcessingFailed',
      method: 'GET',
      path: '/boom',
      err: foreign,
      causes: [{ name: 'Error', message: 'db password is hunter2', stack: foreign.stack }],
    })
    expect(entries[2]!.causes[0]!.stack).toContain('db password is hunter2')
  })

  it('a pino-style logger gets .error for a 500 and .warn for a 4xx', async () => {
    const logger = { error: vi.fn(), warn: vi.fn() }
    const server = await serve(
      buildRouteApp(
        kind,
        (route) => {
          if (route.path === '/fail') throw new Error('db down')
          throw new SignError(Codes.WrongPassword)
        },
        { log: logger },
      ),
    )
    await request(server).get('/fail')
    expect(logger.error).toHaveBeenCalledTimes(1)
    expect(logger.warn).not.toHaveBeenCalled()
    expect(logger.error.mock.calls[0]?.[0]).toMatchObject({
      status: 500,
      code: 4,
      codeName: 'ProcessingFailed',
    })

    await request(server).get('/login')
    expect(logger.error).toHaveBeenCalledTimes(1)
    expect(logger.warn).toHaveBeenCalledTimes(1)
    expect(logger.warn.mock.calls[0]?.[0]).toMatchObject({
      status: 401,
      code: 22,
      codeName: 'WrongPassword',
    })
  })
})
