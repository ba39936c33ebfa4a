/**
 * Logging through the loggers people run: real pino, pino-http, Fastify's logger and koa-pino-logger,
 * writing JSON lines to a stream that the tests read back and count. One failing request, one error line.
 */
import { runInNewContext } from 'node:vm'
import { Codes, type ErrorHandlerOptions, type LogEntry, SignError } from 'esign-errors'
import { errorHandler as expressErrorHandler } from 'esign-errors/express'
import { esignErrors } from 'esign-errors/fastify'
import { errorHandler as koaErrorHandler } from 'esign-errors/koa'
import express from 'express'
import Fastify from 'fastify'
import Koa from 'koa'
import koaPino from 'koa-pino-logger'
import { pino } from 'pino'
import { pinoHttp } from 'pino-http'
import request from 'supertest'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { APP_KINDS, type AppKind, buildApp, closeServers, serve } from '../helpers/apps.js'
import { type Line, settle, sink } from '../helpers/log-lines.js'

const errorLines = (lines: Line[]) => lines.filter((line) => line.err !== undefined || line.level >= 50)
// A V8 stack frame, as `    at fn (file:line:col)`.
const FRAME = /\n\s+at /

const hsm = () => new Error('pkcs11 CKR_DEVICE_ERROR')
const signingFailed = () => new SignError(Codes.SigningFailed, { cause: hsm() })
const wrongPassword = () => new SignError(Codes.WrongPassword, { cause: new Error('ldap said no') })

let printed: ReturnType<typeof vi.spyOn>
afterEach(async () => {
  printed?.mockRestore()
  await closeServers()
})

function quietConsole() {
  printed = vi.spyOn(console, 'error').mockImplementation(() => {})
  return printed
}

describe('Express with pino-http', () => {
  function app(options?: ErrorHandlerOptions<express.Request>) {
    const { lines, stream } = sink()
    const instance = express()
    instance.use(pinoHttp({ logger: pino(stream) }))
    instance.get('/boom', () => {
      throw signingFailed()
    })
    instance.get('/login', () => {
      throw wrongPassword()
    })
    instance.use(expressErrorHandler(options))
    return { lines, instance }
  }

  it("a 5xx gives exactly one line: pino-http's, describing our error with its code, name and causes", async () => {
    const console = quietConsole()
    const { lines, instance } = app()
    const res = await request(await serve(instance)).get('/boom?token=s3cret')
    await settle()
    expect(res.status).toBe(500)
    expect(console).not.toHaveBeenCalled()
    expect(lines).toHaveLength(1)
    const [line] = lines as [Line]
    expect(line.msg).toBe('request errored')
    expect(line.err).toMatchObject({
      type: 'SignError',
      message: 'Signing failed: pkcs11 CKR_DEVICE_ERROR',
      code: 29,
      codeName: 'SigningFailed',
      status: 500,
    })
    expect(line.err?.stack).toMatch(/^SignError: Signing failed\n\s+at [\s\S]*\ncaused by: Error: pkcs11/)
    // The line joins the request: pino-http's id is the one the client got.
    expect(String((line.req as { id: unknown }).id)).toBe(res.body.requestId)
  })

  it('a 4xx gives one warn line of ours through req.log, with the request id and no stack', async () => {
    const { lines, instance } = app()
    const res = await request(await serve(instance)).get('/login?token=s3cret')
    await settle()
    expect(res.status).toBe(401)
    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      [40, '401 WrongPassword (code 22)'],
      [30, 'request completed'],
    ])
    const ours = lines[0]!
    expect(errorLines(lines)).toEqual([ours])
    expect(ours).toMatchObject({
      status: 401,
      code: 22,
      codeName: 'WrongPassword',
      method: 'GET',
      path: '/login',
    })
    expect(String((ours.req as { id: unknown }).id)).toBe(res.body.requestId)
    expect(ours.err).toEqual({
      type: 'SignError',
      message: 'Wrong password',
      // pino's error serializer writes an empty stack for an error that has none.
      stack: '',
      causes: [{ name: 'Error', message: 'ldap said no' }],
    })
    expect(JSON.stringify(ours)).not.toMatch(FRAME)
  })

  it("clientErrors: false leaves 4xx to pino-http's own completion line", async () => {
    const { lines, instance } = app({ clientErrors: false })
    await request(await serve(instance)).get('/login')
    await settle()
    expect(lines.map((line) => [line.level, line.msg])).toEqual([[30, 'request completed']])
  })

  it('a log function given replaces req.log; its entry carries the request, whose req.log it can use', async () => {
    const entries: LogEntry<express.Request>[] = []
    const { lines, instance } = app({ log: (entry) => entries.push(entry) })
    const server = await serve(instance)
    await request(server).get('/login')
    await request(server).get('/boom')
    await settle()
    expect(entries.map((entry) => [entry.level, entry.code, entry.method, entry.path])).toEqual([
      ['warn', 22, 'GET', '/login'],
      ['error', 29, 'GET', '/boom'],
    ])
    expect(typeof (entries[0]?.request as { log?: { warn?: unknown } } | undefined)?.log?.warn).toBe(
      'function',
    )
    // pino-http still describes the 5xx; our own lines went to the function only.
    expect(lines.map((line) => line.msg)).toEqual(['request completed', 'request errored'])
    expect(lines[1]?.err).toMatchObject({ code: 29, codeName: 'SigningFailed' })
  })
})

describe("Fastify's own logger", () => {
  async function app(options?: ErrorHandlerOptions) {
    const { lines, stream } = sink()
    const instance = Fastify({ logger: { stream } })
    await instance.register(esignErrors(options))
    instance.get('/boom', async () => {
      throw signingFailed()
    })
    instance.get('/login', async () => {
      throw wrongPassword()
    })
    await instance.ready()
    return { lines, instance }
  }

  it("a 5xx gives exactly one error line, through request.log, joined to Fastify's request lines", async () => {
    const console = quietConsole()
    const { lines, instance } = await app()
    const res = await request(await serve((req, res) => instance.routing(req, res))).get('/boom?token=s3cret')
    await settle()
    expect(res.status).toBe(500)
    expect(console).not.toHaveBeenCalled()
    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      [30, 'incoming request'],
      [50, '500 SigningFailed (code 29)'],
      [30, 'request completed'],
    ])
    const ours = lines[1]!
    expect(errorLines(lines)).toEqual([ours])
    // Every line of the request carries Fastify's id, which is also the body's.
    expect(new Set(lines.map((line) => line.reqId))).toEqual(new Set([res.body.requestId]))
    expect(ours).toMatchObject({
      status: 500,
      code: 29,
      codeName: 'SigningFailed',
      method: 'GET',
      path: '/boom',
    })
    expect(ours.err?.stack).toMatch(/^SignError: Signing failed\n\s+at [\s\S]*\ncaused by: Error: pkcs11/)
    await instance.close()
  })

  it('a 4xx gives one warn line without a stack; with clientErrors: false none', async () => {
    for (const [options, expected] of [
      [undefined, [40]],
      [{ clientErrors: 'info' }, [30]],
      [{ clientErrors: false }, []],
    ] as const) {
      const { lines, instance } = await app(options)
      await request(await serve((req, res) => instance.routing(req, res))).get('/login')
      await settle()
      const ours = lines.filter((line) => line.code === 22)
      expect(ours.map((line) => line.level)).toEqual(expected)
      expect(JSON.stringify(lines)).not.toMatch(FRAME)
      await instance.close()
    }
  })

  it('with the logger off, a 5xx still goes to console.error', async () => {
    const console = quietConsole()
    const instance = Fastify()
    await instance.register(esignErrors())
    instance.get('/boom', async () => {
      throw signingFailed()
    })
    await instance.ready()
    await request(await serve((req, res) => instance.routing(req, res))).get('/boom')
    expect(console).toHaveBeenCalledTimes(1)
    await instance.close()
  })
})

describe('Koa with koa-pino-logger', () => {
  function app(options?: ErrorHandlerOptions<Koa.Context>) {
    const { lines, stream } = sink()
    const instance = new Koa()
    instance.use(koaPino({}, stream))
    instance.use(koaErrorHandler(options))
    instance.use((ctx) => {
      if (ctx.path === '/boom') throw signingFailed()
      throw wrongPassword()
    })
    return { lines, instance }
  }

  it("a 5xx gives exactly one line: the logger's, describing our error; Koa's printer stays quiet", async () => {
    const console = quietConsole()
    const { lines, instance } = app()
    const res = await request(await serve(instance.callback())).get('/boom')
    await settle()
    expect(res.status).toBe(500)
    expect(console).not.toHaveBeenCalled()
    expect(lines).toHaveLength(1)
    expect(lines[0]?.msg).toBe('request errored')
    expect(lines[0]?.err).toMatchObject({ type: 'SignError', code: 29, codeName: 'SigningFailed' })
    expect(String((lines[0]!.req as { id: unknown }).id)).toBe(res.body.requestId)
  })

  it('a 5xx still reaches an app.on("error") listener of your own', async () => {
    const { lines, instance } = app()
    const heard: unknown[] = []
    instance.on('error', (error: unknown) => heard.push(error))
    await request(await serve(instance.callback())).get('/boom')
    await settle()
    expect(heard).toHaveLength(1)
    expect(errorLines(lines)).toHaveLength(1)
  })

  it('a 4xx gives one warn line through ctx.log, without a stack', async () => {
    const { lines, instance } = app()
    await request(await serve(instance.callback())).get('/login')
    await settle()
    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      [40, '401 WrongPassword (code 22)'],
      [30, 'request completed'],
    ])
    expect(JSON.stringify(lines)).not.toMatch(FRAME)
  })
})

/** The framework's own request object, recognised by what only it has. */
const IS_FRAMEWORK_REQUEST: Record<AppKind, (request: unknown) => boolean> = {
  express5: (req) => typeof (req as express.Request).get === 'function' && 'res' in (req as object),
  express4: (req) => typeof (req as express.Request).get === 'function' && 'res' in (req as object),
  koa3: (ctx) => (ctx as Koa.Context).app instanceof Koa && 'request' in (ctx as object),
  koa2: (ctx) => typeof (ctx as Koa.Context).app?.use === 'function' && 'request' in (ctx as object),
  fastify5: (request) =>
    typeof (request as { raw?: unknown }).raw === 'object' && 'routeOptions' in (request as object),
}

describe.each(APP_KINDS)('%s', (kind) => {
  it('the entry carries method, the path without its query, and the framework request', async () => {
    const entries: LogEntry[] = []
    const server = await serve(buildApp(kind, signingFailed, { log: (entry) => entries.push(entry) }))
    await request(server).post('/documents/D-1?token=s3cret').set('X-Request-Id', 'r-1')
    expect(entries).toHaveLength(1)
    expect(entries[0]).toMatchObject({ method: 'POST', path: '/documents/D-1', requestId: 'r-1', code: 29 })
    expect(IS_FRAMEWORK_REQUEST[kind](entries[0]?.request)).toBe(true)
  })

  it.each([
    ['warn', 40],
    ['info', 30],
    ['debug', 20],
    [false, undefined],
  ] as const)(
    'clientErrors: %s decides the level of a 4xx line, which has no stack',
    async (clientErrors, level) => {
      const { lines, stream } = sink()
      const log = pino({ level: 'debug' }, stream)
      const server = await serve(buildApp(kind, wrongPassword, { log, clientErrors }))
      expect((await request(server).get('/login')).status).toBe(401)
      expect(lines.map((line) => line.level)).toEqual(level === undefined ? [] : [level])
      expect(JSON.stringify(lines)).not.toMatch(FRAME)
      // pino's error serializer writes `"stack":""` for an error without one; nothing more.
      expect(JSON.stringify(lines)).not.toMatch(/"stack":"[^"]/)
    },
  )

  it('a JSON body its parser refuses is logged without the text around the fault, which may be a password', async () => {
    const { lines, stream } = sink()
    const log = pino({ level: 'debug' }, stream)
    const entries: LogEntry[] = []
    for (const options of [{ log }, { log: (entry: LogEntry) => void entries.push(entry) }]) {
      const server = await serve(buildApp(kind, wrongPassword, options))
      const res = await request(server)
        .post('/login')
        .set('Content-Type', 'application/json')
        .send('{"user":"bob","password":Tr0ub4dor&3}')
      expect([res.status, res.body.code]).toEqual([400, 3])
    }
    expect(lines.map((line) => (line.err as { message?: unknown }).message)).toEqual([
      'the request body is not valid JSON',
    ])
    expect(
      entries.map((entry) => [(entry.err as { message?: unknown }).message, entry.causes[0]?.message]),
    ).toEqual([['the request body is not valid JSON', 'the request body is not valid JSON']])
    expect(JSON.stringify([lines, entries])).not.toContain('Tr0ub4do')
  })

  it('an Error from another realm is described as an Error; an object that only claims to be one is not', async () => {
    const entries: LogEntry[] = []
    const thrown = [
      runInNewContext("new TypeError('from a vm')") as unknown,
      { [Symbol.toStringTag]: 'Error', name: 'Error', message: 'a claim' },
    ]
    const server = await serve(buildApp(kind, () => thrown.shift(), { log: (entry) => entries.push(entry) }))
    await request(server).get('/')
    await request(server).get('/')
    expect(entries.map((entry) => [entry.causes[0]?.name, entry.causes[0]?.message])).toEqual([
      ['TypeError', 'from a vm'],
      ['object', '[object Error]'],
    ])
  })

  it('a 5xx line keeps the whole chain, stacks included', async () => {
    const { lines, stream } = sink()
    const server = await serve(buildApp(kind, signingFailed, { log: pino(stream) }))
    expect((await request(server).get('/sign')).status).toBe(500)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatchObject({ level: 50, code: 29, codeName: 'SigningFailed' })
    expect(lines[0]?.err?.stack).toMatch(
      /^SignError: Signing failed\n\s+at [\s\S]*\ncaused by: Error: pkcs11[^\n]*\n\s+at /,
    )
  })
})

describe('the clientErrors option is checked when the handler is built', () => {
  it.each([
    [{ clientErrors: 'error' }, "clientErrors must be 'warn', 'info', 'debug' or false, got error"],
    [{ clientErrors: true }, "clientErrors must be 'warn', 'info', 'debug' or false, got true"],
    [
      { clientErrors: 'info', log: { error() {}, warn() {} } },
      "clientErrors is 'info', but the log has no info() method",
    ],
    [{ clientError: 'info' }, 'unknown option "clientError" (did you mean clientErrors?)'],
    [{ recordExceptions: 'no' }, 'recordExceptions must be a boolean'],
  ])('%j', (options, message) => {
    expect(() => expressErrorHandler(options as ErrorHandlerOptions)).toThrow(
      new TypeError(`errorHandler: ${message}`),
    )
  })
})
